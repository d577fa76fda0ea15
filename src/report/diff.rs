//! `diff OLD.json NEW.json`: what changed between two runs' `report.json` — cases newly failing,
//! newly passing, and any other change of outcome — so a CI job can gate on regressions only.
//! Enters: the two reports' text; leaves: the changes, or which file could not be read and why.
use std::collections::BTreeMap;

use serde_json::Value;

/// A report that cannot be compared: which one, and why.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{file}: not a report.json of this suite: {why}")]
    NotAReport { file: String, why: String },
}

/// One case whose outcome changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `profile:id`, as the suite prints it.
    pub id: String,
    /// `None` when the case was not in the old report.
    pub old: Option<String>,
    pub new: Option<String>,
    /// The new message (redacted already, as every report is).
    pub message: String,
}

/// The changes between two reports.
#[derive(Debug, Default)]
pub struct Diff {
    pub newly_failing: Vec<Change>,
    pub newly_passing: Vec<Change>,
    pub changed: Vec<Change>,
}

/// Failing as a gate sees it: failed or errored, and not a failure the baseline expects.
fn failing(outcome: &str, expected: bool) -> bool {
    matches!(outcome, "failed" | "error") && !expected
}

/// (outcome, expected by the baseline, message) of every case, by `profile:id`.
fn cases(file: &str, text: &str) -> Result<BTreeMap<String, (String, bool, String)>, DiffError> {
    let bad = |why: String| DiffError::NotAReport { file: file.to_string(), why };
    let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let list = v.get("cases").and_then(Value::as_array).ok_or_else(|| bad("no `cases` array".into()))?;
    let mut out = BTreeMap::new();
    for c in list {
        let field = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| bad(format!("a case without `{k}`")));
        let id = format!("{}:{}", field("profile")?, field("id")?);
        let expected = c.get("baseline").and_then(|b| b.get("status")).and_then(Value::as_str) == Some("expected");
        out.insert(id, (field("outcome")?, expected, c.get("message").and_then(Value::as_str).unwrap_or_default().to_string()));
    }
    Ok(out)
}

/// Compares the old report (`old_file`'s text) with the new one.
pub fn diff(old_file: &str, old: &str, new_file: &str, new: &str) -> Result<Diff, DiffError> {
    let (old, new) = (cases(old_file, old)?, cases(new_file, new)?);
    let mut d = Diff::default();
    for (id, (outcome, expected, message)) in &new {
        let before = old.get(id);
        let change = Change { id: id.clone(), old: before.map(|b| b.0.clone()), new: Some(outcome.clone()), message: message.clone() };
        let was_failing = before.is_some_and(|(o, e, _)| failing(o, *e));
        match (before, failing(outcome, *expected)) {
            (_, true) if !was_failing => d.newly_failing.push(change),
            (Some(_), false) if was_failing && outcome == "passed" => d.newly_passing.push(change),
            (Some((o, ..)), _) if o != outcome => d.changed.push(change),
            _ => {}
        }
    }
    for (id, (outcome, ..)) in old.iter().filter(|(id, _)| !new.contains_key(*id)) {
        d.changed.push(Change { id: id.clone(), old: Some(outcome.clone()), new: None, message: "not in the new report".into() });
    }
    Ok(d)
}

impl Diff {
    /// The text `diff` prints: each group with its cases, and a closing line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let show = |c: &Change| format!("  {} ({} → {}): {}\n", c.id, c.old.as_deref().unwrap_or("absent"), c.new.as_deref().unwrap_or("absent"), crate::transport::http::excerpt(&c.message, 200));
        for (title, list) in [("newly failing", &self.newly_failing), ("newly passing", &self.newly_passing), ("changed outcome", &self.changed)] {
            if !list.is_empty() {
                out.push_str(&format!("{title}:\n"));
                list.iter().for_each(|c| out.push_str(&show(c)));
            }
        }
        out.push_str(&format!(
            "diff: {} newly failing, {} newly passing, {} otherwise changed\n",
            self.newly_failing.len(),
            self.newly_passing.len(),
            self.changed.len()
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(cases: &[(&str, &str)]) -> String {
        let list: Vec<Value> = cases.iter().map(|(id, o)| serde_json::json!({ "profile": "p", "id": id, "outcome": o, "message": format!("{o} msg") })).collect();
        serde_json::json!({ "cases": list }).to_string()
    }

    #[test]
    fn new_failures_new_passes_and_other_changes_are_told_apart() {
        let old = report(&[("a", "passed"), ("b", "failed"), ("c", "passed"), ("d", "skipped"), ("gone", "passed")]);
        let new = report(&[("a", "failed"), ("b", "passed"), ("c", "warning"), ("d", "skipped"), ("e", "error")]);
        let d = diff("old.json", &old, "new.json", &new).unwrap();
        let ids = |l: &[Change]| l.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.newly_failing), ["p:a", "p:e"]);
        assert_eq!(ids(&d.newly_passing), ["p:b"]);
        assert_eq!(ids(&d.changed), ["p:c", "p:gone"]);
        assert!(d.render().ends_with("diff: 2 newly failing, 1 newly passing, 2 otherwise changed\n"), "{}", d.render());
    }

    #[test]
    fn a_failure_the_baseline_expects_is_not_new() {
        let old = report(&[("a", "passed")]);
        let new = serde_json::json!({ "cases": [{ "profile": "p", "id": "a", "outcome": "failed", "message": "m", "baseline": { "status": "expected", "reason": "r" } }] }).to_string();
        let d = diff("o", &old, "n", &new).unwrap();
        assert!(d.newly_failing.is_empty());
        assert_eq!(d.changed.len(), 1);
    }

    #[test]
    fn a_file_that_is_no_report_says_which_and_why() {
        let e = diff("old.json", "{\"x\": 1}", "n", "{}").unwrap_err();
        assert_eq!(e.to_string(), "old.json: not a report.json of this suite: no `cases` array");
    }
}
