//! Baselines: a target's known deviations, each with a reason, so they do not hide new ones.
//!
//! ```toml
//! [[failure]]
//! id = "token-code/reused-code"
//! reason = "codes can be redeemed twice (RFC 6749 §4.1.2); vendor ticket 123"
//!
//! [[failure]]
//! id = "token-code/concurrent-redemption"
//! reason = "losers of the race sometimes get a 500"
//! intermittent = true   # shows in some runs only: a pass is not taken as fixed
//! ```
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::model::load_error::{LoadError, line_of, toml_error};
use crate::model::result::{CaseResult, BaselineMark, Outcome, RunResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    /// Limit the entry to one profile (when a run judges several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub reason: String,
    /// A deviation that shows in some runs only (a race): when the case passes, the entry is
    /// not reported fixed, and `--strict` does not fail on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub intermittent: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    #[serde(default)]
    pub failure: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    #[serde(default)]
    failure: Vec<Spanned<Entry>>,
}

impl Baseline {
    /// Reads a baseline; every id must name a case of the given profiles.
    pub fn parse(file: &str, text: &str, known: &dyn Fn(Option<&str>, &str) -> bool) -> Result<Baseline, LoadError> {
        let raw: RawBaseline = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let mut out = Vec::new();
        for e in raw.failure {
            let line = line_of(text, e.span().start);
            let entry = e.into_inner();
            if !known(entry.profile.as_deref(), &entry.id) {
                return Err(LoadError { file: file.into(), line, message: format!("field `id`: no case `{}` in the profile(s) run", entry.id) });
            }
            if entry.reason.trim().is_empty() {
                return Err(LoadError { file: file.into(), line, message: format!("field `reason`: `{}` needs a reason", entry.id) });
            }
            out.push(entry);
        }
        Ok(Baseline { failure: out })
    }

    pub fn load(path: &std::path::Path, known: &dyn Fn(Option<&str>, &str) -> bool) -> Result<Baseline, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LoadError { file: file.clone(), line: 1, message: crate::model::load_error::io_message(&e) })?;
        Baseline::parse(&file, &text, known)
    }

    fn entry(&self, profile: &str, id: &str) -> Option<&Entry> {
        self.failure.iter().find(|e| e.id == id && e.profile.as_deref().is_none_or(|p| p == profile))
    }

    /// Marks a finished case the baseline names: expected (still failing) or fixed (now passing).
    pub fn mark(&self, profile: &str, c: &mut CaseResult) {
        if let Some(e) = self.entry(profile, &c.id) {
            c.baseline = match c.outcome {
                Outcome::Failed | Outcome::Error | Outcome::Warning => Some(BaselineMark::Expected { reason: e.reason.clone() }),
                Outcome::Passed if e.intermittent => None,
                Outcome::Passed => Some(BaselineMark::Fixed { reason: e.reason.clone() }),
                // Advice never gates: a baseline has nothing to excuse.
                Outcome::Skipped | Outcome::Advice => None,
            };
        }
    }

    /// Marks each case of a finished run (the runner marks them as they finish when given one).
    pub fn apply(&self, result: &mut RunResult) {
        for run in &mut result.runs {
            for c in &mut run.cases {
                self.mark(&run.profile, c);
            }
        }
    }

    /// The run's failures as a baseline, each reason starting from the failure message.
    pub fn of_failures(result: &RunResult) -> Baseline {
        let failure = result
            .runs
            .iter()
            .flat_map(|r| r.cases.iter().map(move |c| (r, c)))
            .filter(|(_, c)| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning))
            .map(|(r, c)| Entry {
                id: c.id.clone(),
                profile: (result.runs.len() > 1).then(|| r.profile.clone()),
                reason: format!("TODO: confirm by hand. {} {}: {}", c.shown_level().as_str(), c.outcome.as_str(), crate::transport::http::excerpt(&c.message, 200)),
                intermittent: false,
            })
            .collect();
        Baseline { failure }
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("# oauth-conformance baseline: known failures of this target, each with the reason.\n# The gate fails only on failures not listed here.\n\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::level::Level;
    use crate::model::result::ProfileRun;
    use rstest::rstest;

    fn known(_: Option<&str>, id: &str) -> bool {
        id.starts_with("token/")
    }

    fn case(id: &str, outcome: Outcome) -> CaseResult {
        CaseResult {
            endpoint: "token".into(),
            title: "t".into(),
            rule: "r".into(),
            outcome,
            message: "expected 400, got 200".into(),
            ..CaseResult::unstarted(id.into(), "p".into(), Level::Must)
        }
    }

    fn baseline(text: &str) -> Baseline {
        Baseline::parse("b.toml", text, &known).unwrap()
    }

    #[rstest]
    #[case::unknown_id("\n[[failure]]\nid = \"authorize/x\"\nreason = \"r\"\n", "b.toml:2: field `id`: no case `authorize/x` in the profile(s) run")]
    #[case::blank_reason("[[failure]]\nid = \"token/a\"\nreason = \"  \"\n", "b.toml:1: field `reason`: `token/a` needs a reason")]
    #[case::missing_reason("[[failure]]\nid = \"token/a\"\n", "b.toml:1: missing field `reason`")]
    #[case::second_entry_bad("[[failure]]\nid = \"token/a\"\nreason = \"r\"\n[[failure]]\nid = \"nope\"\nreason = \"r\"\n", "b.toml:4: field `id`: no case `nope` in the profile(s) run")]
    fn a_bad_baseline_is_refused_at_the_entrys_line(#[case] text: &str, #[case] message: &str) {
        assert_eq!(Baseline::parse("b.toml", text, &known).unwrap_err().to_string(), message);
    }

    #[test]
    fn a_missing_baseline_file_says_no_such_file() {
        let err = Baseline::load(std::path::Path::new("/nonexistent/b.toml"), &known).unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent/b.toml:1: no such file");
    }

    #[rstest]
    #[case::still_failing(Outcome::Failed, false, Some(BaselineMark::Expected { reason: "known".into() }))]
    #[case::error_is_expected_too(Outcome::Error, false, Some(BaselineMark::Expected { reason: "known".into() }))]
    #[case::warning_is_expected_too(Outcome::Warning, false, Some(BaselineMark::Expected { reason: "known".into() }))]
    #[case::now_passing(Outcome::Passed, false, Some(BaselineMark::Fixed { reason: "known".into() }))]
    #[case::intermittent_pass_is_not_fixed(Outcome::Passed, true, None)]
    #[case::skipped_is_unmarked(Outcome::Skipped, false, None)]
    fn mark_says_expected_or_fixed_from_the_outcome(#[case] outcome: Outcome, #[case] intermittent: bool, #[case] mark: Option<BaselineMark>) {
        let b = baseline(&format!("[[failure]]\nid = \"token/a\"\nreason = \"known\"\nintermittent = {intermittent}\n"));
        let mut c = case("token/a", outcome);
        b.mark("p", &mut c);
        assert_eq!(c.baseline, mark);
    }

    #[test]
    fn an_entry_limited_to_a_profile_marks_only_that_profile() {
        let b = baseline("[[failure]]\nid = \"token/a\"\nprofile = \"other\"\nreason = \"known\"\n");
        let mut here = case("token/a", Outcome::Failed);
        b.mark("p", &mut here);
        assert_eq!(here.baseline, None);
        let mut there = case("token/a", Outcome::Failed);
        b.mark("other", &mut there);
        assert!(matches!(there.baseline, Some(BaselineMark::Expected { .. })));
    }

    #[test]
    fn a_case_the_baseline_does_not_name_is_left_alone() {
        let b = baseline("[[failure]]\nid = \"token/a\"\nreason = \"known\"\n");
        let mut c = case("token/b", Outcome::Failed);
        b.mark("p", &mut c);
        assert_eq!(c.baseline, None);
    }

    #[test]
    fn the_failures_of_a_run_become_a_baseline_to_confirm() {
        let run = ProfileRun { profile: "p".into(), target: "t".into(), cases: vec![case("token/a", Outcome::Failed), case("token/b", Outcome::Passed)] };
        let result = RunResult { runs: vec![run], strict: false, duration_ms: 0, interrupted: None, insecure: false, filtered_out: 0, preflight: None, stopped: None, notes: Vec::new() };
        insta::assert_snapshot!(Baseline::of_failures(&result).to_toml());
    }
}
