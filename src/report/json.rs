//! `report.json`: the whole run, machine-readable.
//!
//! ```json
//! {"profile": "citi-pl", "target": "http://127.0.0.1:8080",
//!  "summary": {"total": 90, "passed": 89, "warning": 1, "failed": 0, "error": 0, "skipped": 0},
//!  "diagnoses": ["diagnosis: … check [client] id/secret … (token-cc/valid was refused: answered 401 invalid_client)"],
//!  "gate": {"passed": true, "strict": false},
//!  "profiles": [{"profile": "citi-pl", "target": "…", "summary": {…}}],
//!  "cases": [{"id": "token-cc/missing-scope", "profile": "citi-pl", "endpoint": "client_credentials_token",
//!             "title": "…", "level": "MUST", "rule": "RFC 6749 §… MUST …", "refs": ["RFC 6749 §5.2"],
//!             "outcome": "warning", "warning_level": "SHOULD",
//!             "message": "…", "checks": […], "transcript": […], "duration_ms": 3}]}
//! ```
use serde_json::{Value, json};

use crate::model::result::{RunResult, Summary};

pub fn render(result: &RunResult) -> Value {
    let profiles: Vec<&str> = result.runs.iter().map(|r| r.profile.as_str()).collect();
    let targets: Vec<&str> = result.runs.iter().map(|r| r.target.as_str()).collect();
    let mut uniq_targets = targets.clone();
    uniq_targets.dedup();
    json!({
        "tool": concat!("oauth-conformance ", env!("CARGO_PKG_VERSION")),
        "profile": profiles.join(","),
        "target": uniq_targets.join(","),
        "summary": result.summary(),
        "gate": { "passed": result.gate_passed(), "strict": result.strict },
        "incomplete": result.interrupted.map(|s| format!("interrupted by {s}")),
        "insecure": result.insecure,
        "unreachable": result.unreachable(),
        "stopped": result.stopped,
        "filtered_out": result.filtered_out,
        "diagnoses": result.diagnoses(),
        // What the run found out about the target (which token the resource takes, …).
        "notes": result.notes,
        "threats": crate::report::threat::view(result.cases()),
        // A misconfigured target file leaves nothing to score.
        "misconfigured": result.misconfigured(),
        "compliance": crate::report::threat::scored(result),
        // Profiles judged inside the run (FAPI 2.0 with a [fapi_client]), each with its score.
        "sections": crate::report::section::sections(result),
        "duration_ms": result.duration_ms,
        "profiles": result.runs.iter().map(|r| json!({
            "profile": r.profile,
            "target": r.target,
            "summary": Summary::of(&r.cases),
        })).collect::<Vec<_>>(),
        "cases": result.cases().collect::<Vec<_>>(),
    })
}

/// The report as text (target data was redacted where it entered the result model).
pub fn to_string(result: &RunResult) -> String {
    serde_json::to_string_pretty(&render(result)).unwrap_or_else(|e| format!("{{\"error\": \"cannot render: {e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::result::{Outcome, ProfileRun};
    use crate::report::sample;

    #[test]
    fn the_json_report_counts_gates_and_lists_cases_in_order() {
        let result = sample::run(vec![sample::case("a/ok", Outcome::Passed), sample::case("a/bad", Outcome::Failed), sample::case("a/skip", Outcome::Skipped)]);
        let v = render(&result);
        assert_eq!(v["summary"]["total"], 3);
        assert_eq!(v["summary"]["failed"], 1);
        assert_eq!(v["summary"]["skipped"], 1);
        assert_eq!(v["gate"], json!({"passed": false, "strict": false}));
        assert_eq!(v["filtered_out"], 2);
        assert_eq!(v["duration_ms"], 1500);
        assert!(v["tool"].as_str().unwrap().starts_with("oauth-conformance "));
        let ids: Vec<&str> = v["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["a/ok", "a/bad", "a/skip"]);
        assert_eq!(v["cases"][1]["outcome"], "failed");
        assert_eq!(v["cases"][1]["level"], "MUST");
    }

    #[test]
    fn profiles_are_joined_and_a_shared_target_is_named_once() {
        let mut result = sample::run(vec![sample::case("a/ok", Outcome::Passed)]);
        result.runs.push(ProfileRun { profile: "q".into(), target: "http://127.0.0.1:1".into(), cases: vec![sample::case("b/bad", Outcome::Failed)] });
        let v = render(&result);
        assert_eq!(v["profile"], "p,q");
        assert_eq!(v["target"], "http://127.0.0.1:1");
        assert_eq!(v["profiles"][1]["summary"]["failed"], 1);
        assert_eq!(v["profiles"][0]["summary"]["failed"], 0);
    }

    #[test]
    fn an_interrupted_insecure_stopped_run_says_so() {
        let result = RunResult { interrupted: Some("SIGTERM"), insecure: true, stopped: Some("--max-failures 1 reached".into()), ..sample::run(vec![]) };
        let v: Value = serde_json::from_str(&to_string(&result)).unwrap();
        assert_eq!(v["incomplete"], "interrupted by SIGTERM");
        assert_eq!(v["insecure"], true);
        assert_eq!(v["stopped"], "--max-failures 1 reached");
        assert_eq!(v["gate"]["passed"], false);
    }
}
