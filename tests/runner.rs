//! The runner's scheduling: cases run in parallel (`--jobs`), and a `serial = true` case never
//! overlaps another.
mod common;

use std::sync::Arc;

use oauth_conformance::suite::profile::Profile;
use oauth_conformance::model::redact::Redactor;
use oauth_conformance::model::result::{CaseResult, RunResult};
use oauth_conformance::suite::selection::Selection;
use oauth_conformance::run::runner::{self, Plan, RunOptions};
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::file::Target;

fn run_with_serial(serial: bool) -> RunResult {
    let dir = common::copy_suite();
    let table = dir.path().join("cases/citi-pl/token_code.toml");
    let text = std::fs::read_to_string(&table).unwrap();
    let marked = text.replacen("id = \"token-code/valid\"\n", if serial { "id = \"token-code/valid\"\nserial = true\n" } else { "id = \"token-code/valid\"\n" }, 1);
    std::fs::write(&table, marked).unwrap();
    let profile = Arc::new(Profile::load(&Suite::Dir(dir.path().to_path_buf()), "citi-pl").unwrap());
    assert_eq!(profile.cases.iter().find(|c| c.id == "token-code/valid").unwrap().serial, serial);
    let server = common::start(&[]);
    let target = Arc::new(Target::parse("t", &server.target_toml(), &|_| None).unwrap());
    let opts = RunOptions { jobs: Some(6), selection: Selection::filter("token-"), ..RunOptions::default() };
    runner::run(&[Plan { profile, target }], &opts, Arc::new(Redactor::new())).unwrap()
}

fn overlaps(a: &CaseResult, b: &CaseResult) -> bool {
    // Times are whole milliseconds: allow one of rounding.
    a.started_ms + 1 < b.started_ms + b.duration_ms && b.started_ms + 1 < a.started_ms + a.duration_ms
}

fn overlapping(result: &RunResult) -> usize {
    let me = result.cases().find(|c| c.id == "token-code/valid").unwrap();
    result.cases().filter(|c| c.id != me.id && overlaps(me, c)).count()
}

#[test]
fn a_serial_case_runs_alone_and_others_run_in_parallel() {
    let parallel = run_with_serial(false);
    assert!(parallel.gate_passed());
    let max_overlap = parallel.cases().map(|c| parallel.cases().filter(|o| o.id != c.id && overlaps(c, o)).count()).max().unwrap();
    assert!(max_overlap >= 1, "with 6 jobs, cases run at the same time");
    let serial = run_with_serial(true);
    assert!(serial.gate_passed());
    assert_eq!(overlapping(&serial), 0, "the serial case overlapped another case");
}

/// A serial case that no case requires starts after every other case: queued in the middle, it
/// made every case behind it wait for the cases in flight, the cores idle meanwhile.
#[test]
fn a_serial_case_nothing_requires_starts_after_every_other_case() {
    let server = common::start(&[]);
    let profile = common::profile("citi-pl");
    let serial = profile.cases.iter().find(|c| c.serial).expect("citi-pl has a serial case").id.clone();
    assert!(profile.cases.iter().all(|c| c.requires.as_deref() != Some(serial.as_str())), "{serial} is required by a case");
    let target = Arc::new(Target::parse("t", &server.target_toml(), &|_| None).unwrap());
    let opts = RunOptions { jobs: Some(4), selection: Selection::filter("token-"), ..RunOptions::default() };
    let result = runner::run(&[Plan { profile, target }], &opts, Arc::new(Redactor::new())).unwrap();
    let last = result.cases().find(|c| c.id == serial).unwrap();
    let others: Vec<&CaseResult> = result.cases().filter(|c| c.id != serial).collect();
    assert!(others.len() > 4);
    let later: Vec<&str> = others.iter().filter(|c| c.started_ms > last.started_ms).map(|c| c.id.as_str()).collect();
    assert!(later.is_empty(), "{serial} started at {} ms, before {later:?}", last.started_ms);
    assert!(others.iter().all(|c| !overlaps(last, c)), "{serial} overlapped another case");
}

/// `verdicts_only` (the selftest's runs) keeps the same verdicts and messages and no evidence;
/// a run's results otherwise carry their transcripts and curl replays.
#[test]
fn a_verdicts_only_run_judges_the_same_and_keeps_no_evidence() {
    let server = common::start_profile("rfc6749", &[]);
    let selection = Selection::filter("token-code/");
    let (full, _) = common::run_server_with(&server, RunOptions { selection: selection.clone(), ..RunOptions::default() });
    let (bare, _) = common::run_server_with(&server, RunOptions { selection, verdicts_only: true, ..RunOptions::default() });
    let verdicts = |r: &RunResult| r.cases().map(|c| (c.id.clone(), c.outcome, c.checks.iter().filter(|k| !k.passed).count())).collect::<Vec<_>>();
    assert_eq!(verdicts(&full), verdicts(&bare));
    assert!(full.cases().filter(|c| c.outcome == oauth_conformance::model::result::Outcome::Passed).all(|c| !c.transcript.is_empty() && c.curl.is_some()));
    assert!(bare.cases().all(|c| c.transcript.is_empty() && c.curl.is_none() && c.login_log.is_empty()));
}
