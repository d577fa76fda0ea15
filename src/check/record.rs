//! What every check shares: the context it is judged in, the typed verdict it returns
//! (`Mismatch`: what the rule expected and what the target gave) and the recorder that turns
//! verdicts into `CheckRecord`s. The message is rendered once, here, when a verdict enters the
//! result model.
use url::Url;

use crate::check::schema::Schemas;
use crate::model::level::Level;
use crate::model::result::CheckRecord;
use crate::transport::http::excerpt;

/// What the checks need to know besides the answer.
pub struct CheckContext<'a> {
    pub schemas: &'a Schemas,
    pub error_schema: &'a str,
    /// The state the request sent, if any.
    pub sent_state: Option<&'a str>,
    /// The redirect_uri the request sent, if any.
    pub sent_redirect_uri: Option<&'a str>,
    /// Resolves `{placeholders}` in `equals`, `differs` and `scope_within` values.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
    /// The OpenID Provider's JWK Set, to verify ID Token signatures with.
    pub jwks: Option<&'a serde_json::Value>,
}

/// Why a check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// The rule expected one thing and the target gave another.
    #[error("expected {expected}, got {got}")]
    Expected { expected: String, got: String },
    /// A failure that is no comparison (e.g. nothing earlier to compare with).
    #[error("{0}")]
    Other(String),
}

impl Mismatch {
    pub fn expected(expected: impl Into<String>, got: impl Into<String>) -> Mismatch {
        Mismatch::Expected { expected: expected.into(), got: got.into() }
    }
}

/// A check's verdict: held, or the mismatch.
pub type Verdict = Result<(), Mismatch>;

/// Collects check records for one step.
pub struct Recorder {
    pub step: String,
    /// The level the expectations being evaluated are graded at.
    pub level: Level,
    /// Evaluating a graded expectation inside another: the shape checks (JSON body, repeated
    /// redirect parameters) were already recorded at the outer level.
    pub nested: bool,
    pub records: Vec<CheckRecord>,
}

impl Recorder {
    pub fn new(step: &str, level: Level) -> Recorder {
        Recorder { step: step.to_string(), level, nested: false, records: Vec::new() }
    }

    /// Records one check; true when it held.
    pub fn record(&mut self, check: &'static str, rule: Option<&'static str>, verdict: Verdict) -> bool {
        let passed = verdict.is_ok();
        self.records.push(CheckRecord { step: self.step.clone(), check, rule, level: self.level, passed, message: verdict.err().map(|m| m.to_string()) });
        passed
    }
}

/// A URL for a message: untrusted, so bounded.
pub fn show_url(u: &Url) -> String {
    excerpt(u.as_str(), 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_reads_expected_then_got() {
        assert_eq!(Mismatch::expected("status 401", "200").to_string(), "expected status 401, got 200");
        assert_eq!(Mismatch::Other("no earlier x to compare with".into()).to_string(), "no earlier x to compare with");
    }

    #[test]
    fn the_recorder_keeps_the_level_and_renders_the_message_once() {
        let mut r = Recorder::new("main", Level::Should);
        assert!(r.record("a", None, Ok(())));
        assert!(!r.record("b", Some("RFC 1 §2"), Err(Mismatch::expected("x", "y"))));
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.records[1].level, Level::Should);
        assert_eq!(r.records[1].message.as_deref(), Some("expected x, got y"));
        assert_eq!(r.records[0].message, None);
    }

    #[test]
    fn a_url_in_a_message_is_bounded() {
        let long = Url::parse(&format!("https://a.example/{}", "x".repeat(1000))).unwrap();
        assert!(show_url(&long).chars().count() <= 301);
    }
}
