//! The threat view: for each attack of the catalogue (`suite::threat`), mitigated / partly / not
//! / not tested, from the cases tagged with it; and the compliance score per level.
use serde::Serialize;

use crate::model::level::Level;
use crate::suite::threat::THREATS;
use crate::model::result::{CaseResult, Outcome};

/// (tag, name, section)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mitigation {
    /// Every tagged case that ran held its defence (warnings, and refusals worded wrongly, included).
    Mitigated,
    /// A SHOULD or MAY defence failed; every MUST one held.
    Partly,
    /// A MUST defence failed: the attack request was accepted, or a follow-up shows its effect.
    NotMitigated,
    /// No tagged case ran.
    NotTested,
}

impl Mitigation {
    pub fn as_str(self) -> &'static str {
        match self {
            Mitigation::Mitigated => "mitigated",
            Mitigation::Partly => "partly",
            Mitigation::NotMitigated => "not mitigated",
            Mitigation::NotTested => "not tested",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreatRow {
    pub tag: &'static str,
    pub name: &'static str,
    pub section: &'static str,
    pub status: Mitigation,
    /// The tagged cases, as `profile:id`, with their outcome.
    pub cases: Vec<(String, &'static str)>,
}

/// One row per attack some run's case is tagged with.
pub fn view<'a>(cases: impl Iterator<Item = &'a CaseResult> + Clone) -> Vec<ThreatRow> {
    THREATS
        .iter()
        .filter_map(|(tag, name, section)| {
            let tagged: Vec<&CaseResult> = cases.clone().filter(|c| c.threats.iter().any(|t| t == tag)).collect();
            if tagged.is_empty() {
                return None;
            }
            // Cases with no verdict (errors) tell nothing about the attack.
            let ran: Vec<&&CaseResult> = tagged.iter().filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Warning | Outcome::Failed)).collect();
            let held = |c: &CaseResult| !defence_failed(c);
            let status = if ran.is_empty() {
                Mitigation::NotTested
            } else if ran.iter().any(|c| !held(c) && c.level == Level::Must) {
                Mitigation::NotMitigated
            } else if ran.iter().any(|c| !held(c)) {
                Mitigation::Partly
            } else {
                Mitigation::Mitigated
            };
            let cases = tagged.iter().map(|c| (format!("{}:{}", c.profile, c.id), c.outcome.as_str())).collect();
            Some(ThreatRow { tag, name, section, status, cases })
        })
        .collect()
}

/// Checks about how a refusal is worded, not whether it happened: their failure alone (on a
/// request the server refused) leaves the attack defended — a wrong error code is a broken rule,
/// not an open door.
const WORDING: &[&str] = &[
    "error_code_is",
    "error_body_matches_schema",
    "error_description_is_ascii",
    "challenge_scheme_matches",
    "header_present",
    "content_type_is_json",
    "body_is_json_object",
    "status_is",
    "status_is_one_of",
    "error_in_redirect",
    "redirected_to_redirect_uri",
];

/// Whether the case shows the attack it is tagged with getting through: a failed check at the
/// case's level that is more than the wording of a refusal.
pub fn defence_failed(c: &CaseResult) -> bool {
    if c.outcome != Outcome::Failed {
        return false;
    }
    let refused = c.refused.is_some();
    // A raced request's losers were refused by definition: at_most_one_redemption judges the race.
    let wording_only = |k: &crate::model::result::CheckRecord| WORDING.contains(&k.check) && ((refused && k.step == "main") || k.step.starts_with("main (loser"));
    c.checks.iter().filter(|k| !k.passed && k.level <= c.level).any(|k| !wording_only(k))
}

/// Compliance per level, as OAuch reports it: cases whose rule held / cases that ran (skipped
/// ones and advice excluded).
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub level: &'static str,
    pub held: usize,
    pub applicable: usize,
    pub percent: f64,
}

/// The run's compliance, or none when the target file is misconfigured (nothing to score).
pub fn scored(result: &crate::model::result::RunResult) -> Vec<Compliance> {
    if result.misconfigured().is_some() { Vec::new() } else { compliance(result.cases()) }
}

pub fn compliance<'a>(cases: impl Iterator<Item = &'a CaseResult> + Clone) -> Vec<Compliance> {
    [Level::Must, Level::Should, Level::May]
        .into_iter()
        .map(|l| {
            // Advice (a duty of the client or the deployment) is told, never scored.
            let applicable: Vec<&CaseResult> = cases.clone().filter(|c| c.level == l && c.outcome != Outcome::Skipped && c.duty.gates()).collect();
            let held = applicable.iter().filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Warning)).count();
            let percent = if applicable.is_empty() { 100.0 } else { (held as f64 * 1000.0 / applicable.len() as f64).round() / 10.0 };
            Compliance { level: l.as_str(), held, applicable: applicable.len(), percent }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn case(refused: bool, failed: &[(&'static str, &str)]) -> CaseResult {
        CaseResult {
            threats: vec!["client-impersonation".into()],
            refused: refused.then(|| "answered 400 invalid_request".into()),
            checks: failed.iter().map(|(check, step)| sample::failed_check(check, step)).collect(),
            ..sample::case("a/b", Outcome::Failed)
        }
    }

    fn tagged(level: Level, outcome: Outcome) -> CaseResult {
        CaseResult { threats: vec!["csrf".into()], checks: vec![sample::failed_check("status_is", "main")], ..sample::at(level, "a/b", outcome) }
    }

    #[test]
    fn a_refusal_worded_wrongly_still_defends_an_accepted_attack_does_not() {
        assert!(!defence_failed(&case(true, &[("error_code_is", "main"), ("challenge_scheme_matches", "main")])), "refused with the wrong code: defended");
        assert!(defence_failed(&case(false, &[("status_is", "main")])), "accepted: the attack got through");
        assert!(defence_failed(&case(true, &[("status_is", "after 1 (token_refresh)")])), "a follow-up shows the effect");
        assert!(!defence_failed(&case(false, &[("content_type_is_json", "main (loser 3)")])), "a race's losers were refused");
        let rows = view([case(true, &[("error_code_is", "main")])].iter());
        assert_eq!(rows[0].status, Mitigation::Mitigated);
        let rows = view([case(false, &[("status_is", "main")])].iter());
        assert_eq!(rows[0].status, Mitigation::NotMitigated);
    }

    #[test]
    fn a_failed_should_defence_is_partly_mitigated_and_errors_alone_are_not_tested() {
        let rows = view([tagged(Level::Must, Outcome::Passed), tagged(Level::Should, Outcome::Failed)].iter());
        assert_eq!(rows[0].status, Mitigation::Partly);
        let rows = view([tagged(Level::Must, Outcome::Error)].iter());
        assert_eq!((rows[0].status, rows[0].cases.clone()), (Mitigation::NotTested, vec![("p:a/b".to_string(), "error")]));
        assert!(view([sample::case("a/untagged", Outcome::Failed)].iter()).is_empty(), "only tagged attacks get a row");
    }

    #[test]
    fn compliance_counts_held_rules_over_the_cases_that_ran() {
        let cases = [
            sample::case("a/1", Outcome::Passed),
            sample::case("a/2", Outcome::Warning),
            sample::case("a/3", Outcome::Failed),
            sample::case("a/4", Outcome::Skipped),
            sample::at(Level::Should, "a/5", Outcome::Error),
        ];
        let rows: Vec<(&str, usize, usize, f64)> = compliance(cases.iter()).iter().map(|c| (c.level, c.held, c.applicable, c.percent)).collect();
        assert_eq!(rows, [("MUST", 2, 3, 66.7), ("SHOULD", 0, 1, 0.0), ("MAY", 0, 0, 100.0)]);
    }
    #[test]
    fn advice_is_never_scored_whatever_its_outcome() {
        use crate::model::duty::Duty;
        let advice = |id: &str, outcome| CaseResult { duty: Duty::Client, ..sample::case(id, outcome) };
        let cases = [sample::case("a/1", Outcome::Passed), advice("a/2", Outcome::Advice), advice("a/3", Outcome::Passed)];
        let must = &compliance(cases.iter())[0];
        assert_eq!((must.held, must.applicable), (1, 1));
    }
}
