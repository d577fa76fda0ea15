//! Which cases a run (or `list`) takes: libtest's filter semantics (any filter, as a substring or
//! with `--exact` as the whole id; `--skip` excludes), plus a minimum level and the profiles.
use crate::suite::case::Case;
use crate::model::level::Level;

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Case ids to take (substrings; whole ids with `exact`). Empty: every case.
    pub filters: Vec<String>,
    pub exact: bool,
    /// Case ids to leave out (substrings; whole ids with `exact`).
    pub skip: Vec<String>,
    /// Only cases at least this strong (MUST < SHOULD < MAY).
    pub level: Option<Level>,
}

impl Selection {
    pub fn filter(text: &str) -> Selection {
        Selection { filters: vec![text.to_string()], ..Selection::default() }
    }

    fn matches(&self, pattern: &str, id: &str) -> bool {
        if self.exact { id == pattern } else { id.contains(pattern) }
    }

    pub fn selects(&self, case: &Case) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, &case.id)))
            && !self.skip.iter().any(|s| self.matches(s, &case.id))
            && self.level.is_none_or(|l| case.level <= l)
    }

    /// What was asked for, for "no case matches …".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.filters.is_empty() {
            parts.push(format!("{} {}", if self.exact { "exactly" } else { "containing" }, self.filters.join(" or ")));
        }
        if !self.skip.is_empty() {
            parts.push(format!("skipping {}", self.skip.join(", ")));
        }
        if let Some(l) = self.level {
            parts.push(format!("at level {} or stronger", l.as_str()));
        }
        if parts.is_empty() { "every case".into() } else { parts.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, level: Level) -> Case {
        let text = format!("endpoint = \"e\"\n[[case]]\nid = \"{id}\"\ntitle = \"t\"\nlevel = \"{}\"\nrule = \"x MUST y\"\nrefs = [\"r\"]\nexpect = {{ status = 200 }}\n", level.as_str());
        crate::suite::table::parse_table("t.toml", &text, &crate::suite::case::AnyProfile).unwrap().remove(0)
    }

    #[test]
    fn filters_skips_exact_and_level() {
        let a = case("token-cc/valid", Level::Must);
        let b = case("token-cc/valid-extra", Level::Should);
        let sel = Selection { filters: vec!["token-cc/valid".into()], ..Default::default() };
        assert!(sel.selects(&a) && sel.selects(&b));
        let exact = Selection { exact: true, ..sel.clone() };
        assert!(exact.selects(&a) && !exact.selects(&b));
        let skip = Selection { skip: vec!["extra".into()], ..sel.clone() };
        assert!(skip.selects(&a) && !skip.selects(&b));
        let must = Selection { level: Some(Level::Must), ..Default::default() };
        assert!(must.selects(&a) && !must.selects(&b));
        assert_eq!(Selection::filter("zzz").describe(), "containing zzz");
    }
}
