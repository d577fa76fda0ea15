#![allow(dead_code)]
use std::collections::BTreeSet;
use std::sync::Arc;

use oauth_conformance::suite::profile::Profile;
use oauth_conformance::model::redact::Redactor;
use oauth_conformance::reference::{Fault, ReferenceServer};
use oauth_conformance::model::result::{Outcome, RunResult};
use oauth_conformance::run::runner::{self, Plan, RunOptions};
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::file::Target;

pub fn profile(name: &str) -> Arc<Profile> {
    Arc::new(Profile::load(&Suite::Embedded, name).expect("shipped profile loads"))
}

pub fn start(faults: &[Fault]) -> ReferenceServer {
    start_profile("citi-pl", faults)
}

pub fn start_profile(profile: &str, faults: &[Fault]) -> ReferenceServer {
    ReferenceServer::start(profile, faults.iter().copied().collect()).expect("reference starts")
}

/// Runs citi-pl against `target_toml` quietly; returns the result and the redactor it used.
pub fn run_toml(target_toml: &str) -> (RunResult, Arc<Redactor>) {
    run_toml_with(target_toml, RunOptions::default())
}

/// Runs against an in-process reference server as `run` without a target does: its target file,
/// and its clock, which the cases' pauses advance instead of waiting (`model::clock`).
pub fn run_server_with(server: &ReferenceServer, opts: RunOptions) -> (RunResult, Arc<Redactor>) {
    run_target(&server.target_toml(), server.clock(), opts)
}

pub fn run_server(server: &ReferenceServer) -> (RunResult, Arc<Redactor>) {
    run_server_with(server, RunOptions::default())
}

pub fn run_toml_with(target_toml: &str, opts: RunOptions) -> (RunResult, Arc<Redactor>) {
    run_target(target_toml, Default::default(), opts)
}

fn run_target(target_toml: &str, clock: oauth_conformance::model::clock::Clock, opts: RunOptions) -> (RunResult, Arc<Redactor>) {
    let mut target = Target::parse("test target", target_toml, &|_| None).expect("target parses");
    target.clock = clock;
    let _ = target.discover_or_note(std::time::Duration::from_secs(5), &oauth_conformance::transport::http::TlsOptions::default());
    let p = profile(&target.profile);
    target.check_against(&p).expect("target fits the profile");
    let redactor = Arc::new(Redactor::new());
    let result = runner::run(&[Plan { profile: p, target: Arc::new(target) }], &opts, redactor.clone()).expect("run completes");
    (result, redactor)
}

pub fn run_reference(faults: &[Fault]) -> RunResult {
    let server = start(faults);
    run_server(&server).0
}

pub fn ids_with(result: &RunResult, outcome: Outcome) -> BTreeSet<String> {
    result.cases().filter(|c| c.outcome == outcome).map(|c| c.id.clone()).collect()
}

pub fn not_passed(result: &RunResult) -> BTreeSet<String> {
    result.cases().filter(|c| c.outcome != Outcome::Passed).map(|c| c.id.clone()).collect()
}

/// A copy of the shipped suite (citi-pl's cases and specs) in a temporary directory.
pub fn copy_suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["cases/citi-pl", "specs/citi-pl"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for e in std::fs::read_dir(sub).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    dir
}

/// Credential-bearing values in clear in a report's text: a JWT (an ID Token, an assertion, a
/// proof), or a token, code or device code given as a value (`name=value` in a URL or form,
/// `"name": "value"` in JSON) that is not a redaction marker. Empty when the text is clean.
pub fn issued_values_in_clear(text: &str) -> Vec<String> {
    let patterns = [
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        r#"(?:access_token|refresh_token|id_token|device_code|user_code|(?:^|[?&#])code)=([A-Za-z0-9._~+/%-]{8,})"#,
        r#""(?:access_token|refresh_token|id_token|device_code|user_code|request_uri)"\s*:\s*"([^"‹\\…\s]{8,})""#,
        r#"\\"(?:access_token|refresh_token|id_token|device_code|user_code|request_uri)\\"\s*:\s*\\"([^"‹\\…\s]{8,})\\""#,
    ];
    // The suite's own made-up values (case tables: "unknown-code-{random}", "invalid-{random}")
    // were never issued by anyone.
    let made_up = |v: &str| v.contains("unknown-") || v.contains("invalid-");
    let mut found = Vec::new();
    for p in patterns {
        let re = regex_lite::Regex::new(p).unwrap();
        for m in re.find_iter(text).filter(|m| !made_up(m.as_str())) {
            found.push(m.as_str().chars().take(80).collect());
        }
    }
    found
}

/// Every report file in `dir` (report.json, junit.xml, report.html) holds no issued value in clear.
pub fn assert_reports_hold_no_issued_value(dir: &std::path::Path, what: &str) {
    let mut scanned = 0;
    for name in ["report.json", "junit.xml", "report.html"] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else { continue };
        scanned += 1;
        let found = issued_values_in_clear(&text);
        assert!(found.is_empty(), "{what}: {name} holds issued values in clear: {found:#?}");
    }
    assert!(scanned > 0, "{what}: no report in {}", dir.display());
}

/// A stage's time on the test command's own output: written to the process's standard error
/// directly, past libtest's capture, so `scripts/test` shows where its minutes went.
pub fn stage_took(what: &str, took: std::time::Duration) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "== {what} took {:.1} s", took.as_secs_f64());
}

/// A skip the reference's own shape explains, never a verdict withheld: a slow case without
/// `--slow`, a FAPI case of a method its FAPI client does not use, a TLS probe on its http
/// listener.
pub fn skipped_by_shape(message: &str) -> bool {
    ["skipped: a slow case", "skipped: another method than the FAPI client's", "skipped: the endpoint is served over http"].iter().any(|p| message.starts_with(p))
}
