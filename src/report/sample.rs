//! Small results for the reporters' unit tests (test builds only). Enters: an id and an outcome;
//! leaves: a `CaseResult` with plain, fixed values, and a `RunResult` around a few of them.
use crate::model::level::Level;
use crate::model::result::{CaseResult, CheckRecord, ExchangeRecord, ProfileRun, RunResult};
use crate::model::result::{ErrorKind, Outcome};

/// A MUST case of profile `p` on endpoint `token` with `outcome`, its message saying so.
pub fn case(id: &str, outcome: Outcome) -> CaseResult {
    CaseResult {
        endpoint: "token".into(),
        title: format!("title of {id}"),
        rule: "RFC 6749 §5.2: the server MUST answer invalid_client".into(),
        refs: vec!["RFC 6749 §5.2".into()],
        outcome,
        error_kind: (outcome == Outcome::Error).then_some(ErrorKind::Transport),
        warning_level: (outcome == Outcome::Warning).then_some(Level::Should),
        message: match outcome {
            Outcome::Passed => String::new(),
            Outcome::Skipped => "skipped: the target has no refresh token".into(),
            _ => format!("{} message", outcome.as_str()),
        },
        duration_ms: 4,
        ..CaseResult::unstarted(id.into(), "p".into(), Level::Must)
    }
}

/// `case` at another level.
pub fn at(level: Level, id: &str, outcome: Outcome) -> CaseResult {
    CaseResult { level, ..case(id, outcome) }
}

/// A failed check of `check` at `step`, at the MUST level.
pub fn failed_check(check: &'static str, step: &str) -> CheckRecord {
    CheckRecord { step: step.into(), check, rule: None, level: Level::Must, passed: false, message: Some(format!("{check} did not hold")) }
}

/// One exchange at `step`: an answer with `status`, or none with `error`.
pub fn exchange(step: &str, status: Option<u16>, error: Option<&str>) -> ExchangeRecord {
    ExchangeRecord {
        step: step.into(),
        method: "POST".into(),
        url: "http://127.0.0.1:1/token".into(),
        request_headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
        request_body: Some("grant_type=client_credentials".into()),
        status,
        response_headers: status.map(|_| vec![("content-type".into(), "application/json".into())]).unwrap_or_default(),
        response_body: status.map(|_| r#"{"error":"invalid_client"}"#.into()),
        error: error.map(str::to_string),
        elapsed_ms: 3,
    }
}

/// One profile `p` against `http://127.0.0.1:1` holding `cases`, 1.5 s long, not strict.
pub fn run(cases: Vec<CaseResult>) -> RunResult {
    RunResult {
        runs: vec![ProfileRun { profile: "p".into(), target: "http://127.0.0.1:1".into(), cases }],
        strict: false,
        duration_ms: 1500,
        interrupted: None,
        insecure: false,
        filtered_out: 2,
        preflight: None,
        stopped: None,
        notes: Vec::new(),
    }
}
