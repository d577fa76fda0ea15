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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn must_orders_before_should_before_may() {
        // Sorting by level puts the strongest demand first (reports list MUST failures first).
        let mut levels = vec![Level::May, Level::Must, Level::Should];
        levels.sort();
        assert_eq!(levels, vec![Level::Must, Level::Should, Level::May]);
        assert!(Level::Must < Level::Should && Level::Should < Level::May);
    }

    #[rstest]
    #[case(Level::Must, "MUST")]
    #[case(Level::Should, "SHOULD")]
    #[case(Level::May, "MAY")]
    fn the_name_is_the_rfc_2119_keyword_in_capitals_and_round_trips_through_serde(#[case] level: Level, #[case] name: &str) {
        assert_eq!(level.as_str(), name);
        assert_eq!(serde_json::to_value(level).unwrap(), serde_json::json!(name));
        assert_eq!(serde_json::from_value::<Level>(serde_json::json!(name)).unwrap(), level);
    }

    #[test]
    fn a_lower_case_keyword_is_not_a_level() {
        assert!(serde_json::from_value::<Level>(serde_json::json!("must")).is_err());
    }
}
