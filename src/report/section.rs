//! Profiles judged inside a run beside the run's own: the FAPI 2.0 Security Profile's cases
//! (`fapi2/*`, on when the target file has a `[fapi_client]`) get a section of their own, with
//! their own compliance score, so a bank sees at a glance where it stands against the profile it
//! must meet. Every report shows the sections that ran: JSON `sections`, a JUnit testsuite per
//! section (its score as properties), the HTML's section table, the terminal's and Markdown's lines.
use serde::Serialize;

use crate::model::result::{CaseResult, Outcome, RunResult, Summary};
use crate::report::threat::{Compliance, compliance};

/// A profile whose cases live in the run under one id prefix.
#[derive(Debug, Clone, Copy)]
pub struct SectionDef {
    pub key: &'static str,
    pub name: &'static str,
    pub prefix: &'static str,
}

pub const SECTIONS: &[SectionDef] = &[SectionDef { key: "fapi2", name: "FAPI 2.0 Security Profile", prefix: "fapi2/" }];

/// The section a case belongs to, if any.
pub fn of(id: &str) -> Option<&'static SectionDef> {
    SECTIONS.iter().find(|s| id.starts_with(s.prefix))
}

/// A section's standing in the run.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub key: &'static str,
    pub name: &'static str,
    pub summary: Summary,
    pub compliance: Vec<Compliance>,
    /// The section's cases that did not hold (failed or errored), for the reader to open first.
    pub not_held: Vec<String>,
}

impl Section {
    /// `FAPI 2.0 Security Profile: MUST 17/18 (94.4 %) · SHOULD none ran — not held: fapi2/x`.
    pub fn line(&self) -> String {
        let scores: Vec<String> = self
            .compliance
            .iter()
            .map(|c| if c.applicable == 0 { format!("{} none ran", c.level) } else { format!("{} {}/{} ({} %)", c.level, c.held, c.applicable, c.percent) })
            .collect();
        let not_held = if self.not_held.is_empty() { String::new() } else { format!(" — not held: {}", self.not_held.join(", ")) };
        format!("{}: {}{not_held}", self.name, scores.join(" · "))
    }
}

/// The sections at least one of whose cases ran (a section whose cases were all skipped is off:
/// the target file did not ask for it). None when the target file is misconfigured.
pub fn sections(result: &RunResult) -> Vec<Section> {
    if result.misconfigured().is_some() {
        return Vec::new();
    }
    of_cases(result.cases())
}

pub fn of_cases<'a>(cases: impl Iterator<Item = &'a CaseResult> + Clone) -> Vec<Section> {
    SECTIONS
        .iter()
        .filter_map(|def| {
            let mine = cases.clone().filter(|c| c.id.starts_with(def.prefix));
            let summary = Summary::of(mine.clone());
            if summary.total == summary.skipped {
                return None;
            }
            let not_held = mine.clone().filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Error) && c.baseline.is_none()).map(|c| c.id.clone()).collect();
            Some(Section { key: def.key, name: def.name, summary, compliance: compliance(mine), not_held })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn a_section_scores_its_own_cases_and_names_those_that_did_not_hold() {
        let cases = [sample::case("fapi2/happy-flow", Outcome::Passed), sample::case("fapi2/pkce-required", Outcome::Failed), sample::case("token-code/valid", Outcome::Failed)];
        let s = &of_cases(cases.iter())[0];
        assert_eq!((s.key, s.summary.total, s.not_held.clone()), ("fapi2", 2, vec!["fapi2/pkce-required".to_string()]));
        assert_eq!(s.line(), "FAPI 2.0 Security Profile: MUST 1/2 (50 %) · SHOULD none ran · MAY none ran — not held: fapi2/pkce-required");
    }

    #[test]
    fn a_section_whose_cases_were_all_skipped_is_off() {
        let cases = [sample::case("fapi2/happy-flow", Outcome::Skipped), sample::case("token-code/valid", Outcome::Passed)];
        assert!(of_cases(cases.iter()).is_empty());
        assert_eq!(of("fapi2/x").map(|d| d.name), Some("FAPI 2.0 Security Profile"));
        assert!(of("par/x").is_none());
    }
}
