//! The suite judged by its own reference server: the correct server must pass every case, and
//! every fault must be caught. The kill matrix says which cases caught which fault.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::model::level::Level;
use crate::model::load_error::LoadError;
use crate::suite::profile::Profile;
use crate::model::redact::Redactor;
use crate::reference::{Asked, Fault, Faults, ReferenceError, ReferenceServer, Variant, Variants};
use crate::suite::selection::Selection;
use crate::model::result::{Outcome, RunResult};
use crate::run::runner::{self, Plan, RunError, RunOptions};
use crate::suite::source::Suite;
use crate::target::file::Target;

#[derive(Debug, thiserror::Error)]
pub enum SelftestError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Run(#[from] RunError),
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultRun {
    pub fault: &'static str,
    pub level: Level,
    pub rule: &'static str,
    /// The run's gate failed.
    pub gate_failed: bool,
    /// Cases that did not pass, with their level.
    pub tripped: Vec<(String, Level)>,
    /// MUST fault: the gate failed; SHOULD fault: a SHOULD (or MUST) case failed.
    pub caught: bool,
    /// How many cases ran with the fault on: those that ask about it, or every case.
    pub cases_run: usize,
}

/// One tolerated variant's run: the gate must pass; SHOULD-level departures only where the
/// variant departs at SHOULD.
#[derive(Debug, Clone, Serialize)]
pub struct VariantRun {
    pub variant: &'static str,
    pub departure: Option<Level>,
    pub clause: &'static str,
    /// Cases that failed or errored at MUST (must be none).
    pub must_failures: Vec<String>,
    /// Cases that failed at SHOULD or warned at SHOULD.
    pub should_departures: Vec<String>,
    /// Cases that failed or warned at MAY (informational).
    pub may_departures: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseTrips {
    pub id: String,
    pub level: Level,
    pub faults: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Selftest {
    pub profile: String,
    pub cases: usize,
    /// Cases that did not pass against the correct server (must be none).
    pub correct_failures: Vec<String>,
    /// Cases the correct server's shape skips, with why (a loopback-only case; its variant runs it).
    pub correct_skipped: Vec<String>,
    pub faults: Vec<FaultRun>,
    /// For each MUST or SHOULD case, the faults that trip it, in case order.
    pub tripped_by: Vec<CaseTrips>,
    /// MUST cases no fault trips and the untrippable list does not explain.
    pub untripped_must: Vec<String>,
    /// MUST cases listed as impossible to simulate, with the reason.
    pub untrippable: BTreeMap<String, String>,
    pub caught: usize,
    /// For each SHOULD expectation graded inside a MUST case, the faults that fail it.
    pub graded_tripped_by: Vec<CaseTrips>,
    /// Graded SHOULD expectations no fault fails.
    pub untripped_graded: Vec<String>,
    pub variants: Vec<VariantRun>,
    /// Each fault ran with every case (`--every-case`), not only with the cases asking about it.
    pub every_case: bool,
}

impl Selftest {
    pub fn score(&self) -> f64 {
        if self.faults.is_empty() { 1.0 } else { self.caught as f64 / self.faults.len() as f64 }
    }

    pub fn ok(&self) -> bool {
        self.correct_failures.is_empty()
            && self.caught == self.faults.len()
            && self.untripped_must.is_empty()
            && self.untripped_graded.is_empty()
            && self.variants.iter().all(|v| v.passed)
    }
}

/// Case id → why no fault of the reference can make that case fail.
pub type Untrippable = BTreeMap<String, String>;

/// The cases a profile's reference cannot be made to fail, read from `specs/<profile>/selftest.toml`.
pub fn untrippable(suite: &Suite, profile: &str) -> Result<Untrippable, LoadError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        untrippable: Untrippable,
    }
    let path = format!("specs/{profile}/selftest.toml");
    match suite.file(&path).map_err(|e| LoadError::io(&path, &e))? {
        None => Ok(BTreeMap::new()),
        Some((file, text)) => toml::from_str::<File>(&text).map(|f| f.untrippable).map_err(|e| crate::model::load_error::toml_error(&file, &text, &e)),
    }
}

/// The correct reference and the lifetime faults run short-lived and with the slow cases (a few
/// seconds of waiting); every other run skips them.
fn run_once(profile: &Arc<Profile>, faults: Faults, slow: bool, opts: &RunOptions) -> Result<RunResult, SelftestError> {
    let opts = RunOptions { slow, ..opts.clone() };
    run_configured(profile, faults, Variants::none(), &opts, slow)
}

fn run_configured(profile: &Arc<Profile>, faults: Faults, variants: Variants, opts: &RunOptions, short_lived: bool) -> Result<RunResult, SelftestError> {
    let extras = crate::reference::Extras { short_lived, ..Default::default() };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = ReferenceServer::start_extras(&profile.name, faults, variants, extras, addr, crate::reference::Registration::generate(), None)?;
    let mut target = Target::parse("reference target", &server.target_toml(), &|_| None)?;
    target.clock = server.clock();
    // A fault in the metadata is the metadata cases' to find; discovery only fills capabilities.
    let _ = target.discover_or_note(opts.request_timeout, &opts.tls);
    let plan = Plan { profile: profile.clone(), target: Arc::new(target) };
    Ok(runner::run(&[plan], opts, Arc::new(Redactor::new()))?)
}

/// Runs `profile` with one tolerated variant switched on and judges the run.
pub fn run_variant(profile: &Arc<Profile>, variant: Variant, opts: &RunOptions) -> Result<VariantRun, SelftestError> {
    // A lifetime variant runs with the slow cases, at its own lifetimes: they wait them out.
    let opts = RunOptions { events: None, slow: variant.is_slow(), ..opts.clone() };
    let result = run_configured(profile, Faults::none(), std::iter::once(variant).collect(), &opts, false)?;
    let (mut must, mut should, mut may) = (Vec::new(), Vec::new(), Vec::new());
    for c in result.cases() {
        let level = match c.outcome {
            Outcome::Failed | Outcome::Error => c.level,
            Outcome::Warning => c.shown_level(),
            // Advice is not the server's duty: no permitted behaviour can deviate from it.
            Outcome::Passed | Outcome::Skipped | Outcome::Advice => continue,
        };
        let entry = format!("{} ({} {})", c.id, level.as_str(), c.outcome.as_str());
        match level {
            Level::Must => must.push(entry),
            Level::Should => should.push(entry),
            Level::May => may.push(entry),
        }
    }
    let passed = must.is_empty() && result.gate_passed() && (should.is_empty() || variant.departure() == Some(Level::Should));
    Ok(VariantRun {
        variant: variant.name(),
        departure: variant.departure(),
        clause: variant.clause(),
        must_failures: must,
        should_departures: should,
        may_departures: may,
        passed,
    })
}

/// Which cases ask whether each fault is on: the correct reference's run without the slow cases,
/// each request marked by its case (`switch::Asked`).
fn asked_about(profile: &Arc<Profile>, opts: &RunOptions) -> Result<Arc<Asked<Fault>>, SelftestError> {
    let asked = Arc::new(Asked::default());
    let opts = RunOptions { mark_cases: true, slow: false, ..opts.clone() };
    run_configured(profile, Faults::none().recorded(asked.clone()), Variants::none(), &opts, false)?;
    Ok(asked)
}

/// Each case's `requires` links, both ways: case id → the cases it requires or that require it.
type Linked<'p> = BTreeMap<&'p str, Vec<&'p str>>;

fn linked(profile: &Profile) -> Linked<'_> {
    let mut linked = Linked::new();
    for c in &profile.cases {
        if let Some(r) = &c.requires {
            linked.entry(c.id.as_str()).or_default().push(r);
            linked.entry(r.as_str()).or_default().push(&c.id);
        }
    }
    linked
}

/// The cases a run with `fault` on takes, of those `selection` takes: the cases that asked about
/// the fault, with the cases they require and the cases that require them (a dependent is
/// blocked when the case it requires fails); every case where the fault was asked about
/// everywhere.
fn cases_for(fault: Fault, asked: &Asked<Fault>, linked: &Linked<'_>, selection: &Selection) -> Selection {
    let Some(mut take) = asked.cases(fault) else { return selection.clone() };
    let mut next: Vec<String> = take.iter().cloned().collect();
    while let Some(id) = next.pop() {
        for other in linked.get(id.as_str()).into_iter().flatten() {
            if take.insert(other.to_string()) {
                next.push(other.to_string());
            }
        }
    }
    Selection { only: Some(Arc::new(take)), ..selection.clone() }
}

/// Each fault's run, in the order of `faults`. The fault runs are independent servers and runs:
/// a few at once (they wait on loopback I/O), the lifetime faults started first so that their
/// waits overlap the others' work. A fault runs only the cases that ask about it (`asked_about`),
/// save the lifetime faults: their slow cases wait out lifetimes the recording run does not.
fn run_faults(profile: &Arc<Profile>, faults: &[Fault], opts: &RunOptions, every_case: bool) -> Result<Vec<RunResult>, SelftestError> {
    let asked = if every_case { None } else { Some(asked_about(profile, opts)?) };
    let links = linked(profile);
    let mut order: Vec<usize> = (0..faults.len()).collect();
    order.sort_by_key(|&i| !faults[i].is_slow());
    let done = at_once(&order, |&i| {
        let fault = faults[i];
        let opts = match (&asked, fault.is_slow()) {
            (Some(asked), false) => RunOptions { selection: cases_for(fault, asked, &links, &opts.selection), ..opts.clone() },
            _ => opts.clone(),
        };
        run_once(profile, std::iter::once(fault).collect(), fault.is_slow(), &opts)
    });
    let mut by_fault: Vec<(usize, Result<RunResult, SelftestError>)> = order.into_iter().zip(done).collect();
    by_fault.sort_by_key(|(i, _)| *i);
    by_fault.into_iter().map(|(_, r)| r).collect()
}

/// `f` of each item, in the items' order, ten at a time: a run waits on loopback I/O between
/// its bursts of work (its session pauses advance the reference's clock, `model::clock`), so more
/// at once keep the two cores busy.
fn at_once<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const AT_ONCE: usize = 10;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE.min(items.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    slots.into_iter().map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every item was run")).collect()
}

/// Rounds of each race in a selftest (see `run`).
pub const SELFTEST_RACE_ROUNDS: usize = 2;

/// The correct reference's run, each fault's and each variant's (in the catalogue's orders).
/// The runs that mostly wait (the correct reference with the slow cases, the lifetime variants)
/// go on a thread of their own from the start, beside the fault runs, which keep the cores busy:
/// one after the other, the selftest sat idle through their waits (40 s).
fn every_run(profile: &Arc<Profile>, faults: &[Fault], opts: &RunOptions, every_case: bool) -> Result<(RunResult, Vec<RunResult>, Vec<VariantRun>), SelftestError> {
    let all_variants = crate::reference::variants_of(&profile.name);
    let (slow_variants, quick_variants): (Vec<Variant>, Vec<Variant>) = all_variants.iter().partition(|v| v.is_slow());
    std::thread::scope(|scope| {
        let waiting = scope.spawn(|| -> Result<_, SelftestError> {
            let correct = run_once(profile, Faults::none(), true, opts)?;
            let slow = slow_variants.iter().map(|&v| run_variant(profile, v, opts)).collect::<Result<Vec<_>, _>>()?;
            Ok((correct, slow))
        });
        let results = run_faults(profile, faults, opts, every_case);
        let quick = at_once(&quick_variants, |&v| run_variant(profile, v, opts)).into_iter().collect::<Result<Vec<_>, _>>();
        let (correct, slow) = waiting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        let (mut slow, mut quick) = (slow.into_iter(), quick?.into_iter());
        let variants: Vec<VariantRun> = all_variants.iter().filter_map(|v| if v.is_slow() { slow.next() } else { quick.next() }).collect();
        Ok((correct, results?, variants))
    })
}

/// Runs `profile` against the correct reference, against each of `faults`, and with each of its
/// tolerated variants. Each fault runs with the cases that ask about it, or with `every_case`,
/// every case: the slow way, whose kill matrix must be the same (a case that never asks whether
/// a fault is on answers the same with it on).
pub fn run(suite: &Suite, profile: Arc<Profile>, faults: &[Fault], opts: &RunOptions, every_case: bool) -> Result<Selftest, SelftestError> {
    // Two rounds of each race: the reference's race fault lets every concurrent redemption
    // through, so the ten rounds a real server needs (a race that shows one time in three) would
    // only multiply the fault runs' logins.
    // Verdicts only: the selftest reads outcomes and messages, and shows no transcript.
    let opts = RunOptions { events: None, verdicts_only: true, race_rounds: opts.race_rounds.or(Some(SELFTEST_RACE_ROUNDS)), ..opts.clone() };
    let (correct, results, variants) = every_run(&profile, faults, &opts, every_case)?;
    // A skip is the target's shape (a loopback-only case; its variant shows it passing), never a
    // failure; anything else short of a pass is.
    let correct_failures: Vec<String> = correct.cases().filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).map(|c| c.id.clone()).collect();
    let correct_skipped: Vec<String> = correct.cases().filter(|c| c.outcome == Outcome::Skipped).map(|c| format!("{} ({})", c.id, c.message)).collect();
    let mut runs = Vec::new();
    let mut tripped_by: Vec<CaseTrips> = profile
        .cases
        .iter()
        .filter(|c| c.level != Level::May)
        .map(|c| CaseTrips { id: c.id.clone(), level: c.level, faults: Vec::new() })
        .collect();
    // Cases with a SHOULD expectation graded below their own level, in any step.
    let mut graded_tripped_by: Vec<CaseTrips> = profile
        .cases
        .iter()
        .filter(|c| {
            c.before.iter().chain([&c.main]).chain(c.after.iter()).any(|s| s.expect.graded().any(|(l, _)| l == Level::Should))
        })
        .map(|c| CaseTrips { id: c.id.clone(), level: Level::Should, faults: Vec::new() })
        .collect();
    // The fault runs (`run_faults`) are judged in the catalogue's order.
    for (&fault, result) in faults.iter().zip(results) {
        for c in result.cases() {
            let failed_should = c.checks.iter().any(|k| !k.passed && k.level == Level::Should && c.level == Level::Must);
            if let (true, Some(t)) = (failed_should, graded_tripped_by.iter_mut().find(|t| t.id == c.id)) {
                t.faults.push(fault.name());
            }
        }
        let tripped: Vec<(String, Level)> = result
            .cases()
            .filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning | Outcome::Advice))
            .map(|c| (c.id.clone(), c.shown_level()))
            .collect();
        for (id, _) in &tripped {
            if let Some(t) = tripped_by.iter_mut().find(|t| t.id == *id) {
                t.faults.push(fault.name());
            }
        }
        let gate_failed = !result.gate_passed();
        let caught = match fault.level_in(&profile.name) {
            Level::Must => gate_failed,
            Level::Should => tripped.iter().any(|(_, l)| *l != Level::May),
            // A MAY fault (a protection the text only suggests) shows as a tripped MAY case.
            Level::May => !tripped.is_empty(),
        };
        let cases_run = result.cases().count();
        runs.push(FaultRun { fault: fault.name(), level: fault.level_in(&profile.name), rule: fault.rule(), gate_failed, tripped, caught, cases_run });
    }
    let untrippable = untrippable(suite, &profile.name)?;
    let untripped_must: Vec<String> = tripped_by
        .iter()
        // Advice (a client's or the deployment's duty) must trip too, but gates nothing: like a
        // SHOULD case, it is not required to be tripped by a MUST-level fault.
        .filter(|t| t.level == Level::Must && t.faults.is_empty() && !untrippable.contains_key(&t.id))
        .filter(|t| profile.cases.iter().any(|c| c.id == t.id && c.duty.gates()))
        .map(|t| t.id.clone())
        .collect();
    let caught = runs.iter().filter(|r| r.caught).count();
    let untripped_graded: Vec<String> = graded_tripped_by.iter().filter(|t| t.faults.is_empty()).map(|t| t.id.clone()).collect();
    Ok(Selftest { profile: profile.name.clone(), cases: profile.cases.len(), correct_failures, correct_skipped, faults: runs, tripped_by, untripped_must, untrippable, caught, graded_tripped_by, untripped_graded, variants, every_case })
}

/// The kill matrix as text.
pub fn render(s: &Selftest) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "selftest {}: {} cases, {} faults", s.profile, s.cases, s.faults.len());
    if s.correct_failures.is_empty() && s.correct_skipped.is_empty() {
        let _ = writeln!(out, "correct reference: all {} cases passed", s.cases);
    } else if s.correct_failures.is_empty() {
        let _ = writeln!(out, "correct reference: {} cases passed, {} skipped: {}", s.cases - s.correct_skipped.len(), s.correct_skipped.len(), s.correct_skipped.join("; "));
    } else {
        let _ = writeln!(out, "correct reference: {} case(s) did NOT pass: {}", s.correct_failures.len(), s.correct_failures.join(", "));
    }
    let runs: usize = s.faults.iter().map(|r| r.cases_run).sum();
    let how = match s.every_case {
        true => "each fault ran with every case",
        false => "each fault ran with the cases that ask the reference whether it is on (--every-case: with every case)",
    };
    let _ = writeln!(out, "{how}: {runs} case runs of {}", s.faults.len() * s.cases);
    let _ = writeln!(out, "\n{:<38} {:<6} {:<8} caught by", "fault", "level", "verdict");
    for r in &s.faults {
        let verdict = if r.caught { "caught" } else { "MISSED" };
        let by: Vec<&str> = r.tripped.iter().map(|(id, _)| id.as_str()).collect();
        let _ = writeln!(out, "{:<38} {:<6} {:<8} {}", r.fault, r.level.as_str(), verdict, if by.is_empty() { "-".to_string() } else { by.join(", ") });
    }
    let _ = writeln!(out, "\n{:<52} {:<6} tripped by", "case", "level");
    for t in &s.tripped_by {
        let note = match (t.faults.is_empty(), s.untrippable.get(&t.id)) {
            (false, _) => t.faults.join(", "),
            (true, Some(reason)) => format!("- (cannot be simulated: {reason})"),
            (true, None) => "- (no fault trips it)".to_string(),
        };
        let _ = writeln!(out, "{:<52} {:<6} {note}", t.id, t.level.as_str());
    }
    let missed: BTreeSet<&str> = s.faults.iter().filter(|r| !r.caught).map(|r| r.fault).collect();
    let _ = writeln!(
        out,
        "\nmutation score: {}/{} faults caught ({:.0} %){}",
        s.caught,
        s.faults.len(),
        s.score() * 100.0,
        if missed.is_empty() { String::new() } else { format!("; missed: {}", missed.into_iter().collect::<Vec<_>>().join(", ")) }
    );
    if s.untripped_must.is_empty() {
        let _ = writeln!(out, "every MUST case is tripped by a fault or listed as impossible to simulate");
    } else {
        let _ = writeln!(out, "MUST cases no fault trips: {}", s.untripped_must.join(", "));
    }
    let _ = writeln!(out, "\n{:<52} tripped by (a graded SHOULD expectation inside a MUST case)", "case");
    for t in &s.graded_tripped_by {
        let _ = writeln!(out, "{:<52} {}", t.id, if t.faults.is_empty() { "- (no fault fails it)".to_string() } else { t.faults.join(", ") });
    }
    if s.untripped_graded.is_empty() {
        let _ = writeln!(out, "every graded SHOULD expectation is failed by a fault");
    } else {
        let _ = writeln!(out, "graded SHOULD expectations no fault fails: {}", s.untripped_graded.join(", "));
    }
    let _ = writeln!(out, "\n{:<34} {:<9} {:<8} departures (a variant is a rule honoured another way: the gate must pass)", "variant", "departs", "verdict");
    for v in &s.variants {
        let verdict = if v.passed { "passes" } else { "FAILS" };
        let departs = v.departure.map(|l| l.as_str()).unwrap_or("-");
        let mut shown: Vec<String> = Vec::new();
        shown.extend(v.must_failures.iter().cloned());
        shown.extend(v.should_departures.iter().cloned());
        shown.extend(v.may_departures.iter().cloned());
        let _ = writeln!(out, "{:<34} {:<9} {:<8} {}", v.variant, departs, verdict, if shown.is_empty() { "-".to_string() } else { shown.join(", ") });
    }
    let ok = s.variants.iter().filter(|v| v.passed).count();
    let _ = writeln!(out, "tolerated variants: {ok}/{} pass the gate", s.variants.len());
    out
}
