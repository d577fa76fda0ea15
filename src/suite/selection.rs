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
    /// Only these ids, whatever else selects: the selftest runs a fault with the cases that ask
    /// about it (`selftest::cases_for`).
    pub only: Option<std::sync::Arc<std::collections::BTreeSet<String>>>,
}

impl Selection {
    pub fn filter(text: &str) -> Selection {
        Selection { filters: vec![text.to_string()], ..Selection::default() }
    }

    /// A pattern matches a case's id, or the id as the suite prints it, `profile:id`: every id a
    /// report shows can be pasted back.
    fn matches(&self, pattern: &str, profile: &str, id: &str) -> bool {
        let printed = format!("{profile}:{id}");
        if self.exact { id == pattern || printed == pattern } else { printed.contains(pattern) }
    }

    /// Whether the run takes `case` of profile `profile`.
    pub fn selects(&self, profile: &str, case: &Case) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, profile, &case.id)))
            && !self.skip.iter().any(|s| self.matches(s, profile, &case.id))
            && self.level.is_none_or(|l| case.level <= l)
            && self.only.as_ref().is_none_or(|ids| ids.contains(&case.id))
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
        assert!(sel.selects("p", &a) && sel.selects("p", &b));
        let exact = Selection { exact: true, ..sel.clone() };
        assert!(exact.selects("p", &a) && !exact.selects("p", &b));
        let skip = Selection { skip: vec!["extra".into()], ..sel.clone() };
        assert!(skip.selects("p", &a) && !skip.selects("p", &b));
        let must = Selection { level: Some(Level::Must), ..Default::default() };
        assert!(must.selects("p", &a) && !must.selects("p", &b));
        assert_eq!(Selection::filter("zzz").describe(), "containing zzz");
    }

    /// The ids the suite prints (`citi-pl:token-cc/valid`) paste back into --filter and --exact,
    /// and name one profile's case only.
    #[test]
    fn a_printed_id_with_its_profile_selects_that_profiles_case() {
        let a = case("token-cc/valid", Level::Must);
        let printed = Selection { filters: vec!["citi-pl:token-cc/valid".into()], exact: true, ..Default::default() };
        assert!(printed.selects("citi-pl", &a));
        assert!(!printed.selects("rfc6749", &a), "another profile's case of the same id");
        assert!(Selection::filter("citi-pl:token-cc/").selects("citi-pl", &a));
        assert!(Selection { exact: true, ..Selection::filter("token-cc/valid") }.selects("rfc6749", &a));
    }
}
