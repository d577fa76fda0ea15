//! The attacks of RFC 9700 §4 (and RFC 6749 §10) a case defends against, and the threat view:
//! for each attack, mitigated / partly / not / not tested, from the cases tagged with it.
use serde::Serialize;

use crate::case::Level;
use crate::result::{CaseResult, Outcome};

/// (tag, name, section)
pub const THREATS: &[(&str, &str, &str)] = &[
    ("redirect-uri-manipulation", "Insufficient redirect URI validation", "RFC 9700 §4.1"),
    ("referer-leakage", "Credential leakage via the Referer header", "RFC 9700 §4.2"),
    ("mix-up", "Mix-up attacks", "RFC 9700 §4.4"),
    ("code-injection", "Authorization code injection", "RFC 9700 §4.5"),
    ("code-replay", "Authorization code replay", "RFC 6749 §10.5, RFC 9700 §4.5"),
    ("csrf", "Cross-site request forgery", "RFC 9700 §4.7"),
    ("pkce-downgrade", "PKCE downgrade", "RFC 9700 §4.8"),
    ("token-leakage", "Access token leakage at the resource server", "RFC 9700 §4.9"),
    ("open-redirector", "Open redirection", "RFC 9700 §4.11"),
    ("refresh-token-replay", "Refresh token replay and misuse", "RFC 9700 §4.14"),
    ("client-impersonation", "Client impersonation (weak or missing client authentication)", "RFC 6749 §10.1, §10.2"),
    ("clickjacking", "Clickjacking", "RFC 9700 §4.16"),
    ("token-theft-by-other-client", "A token or code used by a client it was not issued to", "RFC 6749 §10.3, §10.4"),
];

pub fn is_known(tag: &str) -> bool {
    THREATS.iter().any(|(t, _, _)| *t == tag)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mitigation {
    /// Every tagged case that ran passed (warnings included: their own rule held).
    Mitigated,
    /// A SHOULD or MAY defence failed; every MUST one held.
    Partly,
    /// A MUST defence failed or errored.
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
            let ran: Vec<&&CaseResult> = tagged.iter().filter(|c| c.outcome != Outcome::Skipped).collect();
            let held = |c: &CaseResult| matches!(c.outcome, Outcome::Passed | Outcome::Warning);
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

/// Compliance per level, as OAuch reports it: cases whose rule held / cases that ran (skipped
/// ones excluded).
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub level: &'static str,
    pub held: usize,
    pub applicable: usize,
    pub percent: f64,
}

pub fn compliance<'a>(cases: impl Iterator<Item = &'a CaseResult> + Clone) -> Vec<Compliance> {
    [Level::Must, Level::Should, Level::May]
        .into_iter()
        .map(|l| {
            let applicable: Vec<&CaseResult> = cases.clone().filter(|c| c.level == l && c.outcome != Outcome::Skipped).collect();
            let held = applicable.iter().filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Warning)).count();
            let percent = if applicable.is_empty() { 100.0 } else { (held as f64 * 1000.0 / applicable.len() as f64).round() / 10.0 };
            Compliance { level: l.as_str(), held, applicable: applicable.len(), percent }
        })
        .collect()
}
