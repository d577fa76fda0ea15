//! How strongly a spec demands a rule: the keyword a case and each of its checks is graded at.
use serde::{Deserialize, Serialize};

/// How strongly the spec demands the rule a case verifies. Only MUST failures fail the gate
/// (SHOULD too with `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}
