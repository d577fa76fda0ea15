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
        "threats": crate::report::threat::view(result.cases()),
        "compliance": crate::report::threat::compliance(result.cases()),
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
