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

pub fn run_toml_with(target_toml: &str, opts: RunOptions) -> (RunResult, Arc<Redactor>) {
    let mut target = Target::parse("test target", target_toml, &|_| None).expect("target parses");
    let _ = target.discover_or_note(std::time::Duration::from_secs(5));
    let p = profile(&target.profile);
    target.check_against(&p).expect("target fits the profile");
    let redactor = Arc::new(Redactor::new());
    let result = runner::run(&[Plan { profile: p, target: Arc::new(target) }], &opts, redactor.clone()).expect("run completes");
    (result, redactor)
}

pub fn run_reference(faults: &[Fault]) -> RunResult {
    let server = start(faults);
    run_toml(&server.target_toml()).0
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
