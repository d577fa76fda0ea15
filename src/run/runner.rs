//! The scheduler: every selected case of every plan becomes a task on one tokio runtime, at most
//! `--jobs` at once, required cases started first; a case's dependents wait on its gate, a
//! `serial` case runs alone on its server. Each case's final result goes to the reporters as an event when it
//! finishes; `run` returns them all, in case order, redacted once more. Why a plain pool and not
//! libtest-mimic: see CONTRIBUTING.md ("Scheduling").
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::model::redact::Redactor;
use crate::model::result::{CaseResult, ErrorKind, Outcome, ProfileRun, RunResult};
use crate::run::case_run::{Env, execute};
use crate::run::event::{Event, Sink};
use crate::run::needs::slow_skip;
use crate::run::schedule::{Breaker, Gate, Publish, blocker_of, depth, not_started};
use crate::run::signal::Stop;
use crate::suite::case::Case;
use crate::suite::profile::Profile;
use crate::suite::selection::Selection;
use crate::target::baseline::Baseline;
use crate::target::file::Target;
use crate::transport::http::Http;

pub use crate::run::case_run::RawRequests;
pub use crate::run::needs::unmet_needs;

/// One profile against one target.
#[derive(Clone)]
pub struct Plan {
    pub profile: Arc<Profile>,
    pub target: Arc<Target>,
}

/// Cases run at once by default: the work waits on the network, not on the cores.
pub const DEFAULT_JOBS: usize = 16;
/// Cases in a row that got no answer at all before the run stops starting cases.
pub const DEFAULT_BREAKER: usize = 8;

#[derive(Clone)]
pub struct RunOptions {
    pub selection: Selection,
    /// Cases run at once (default: DEFAULT_JOBS).
    pub jobs: Option<usize>,
    pub request_timeout: Duration,
    pub body_cap: usize,
    pub strict: bool,
    /// Set from a signal handler: no new case starts once it is set.
    pub stop: Option<Stop>,
    /// TLS settings for reaching the target.
    pub tls: crate::transport::http::TlsOptions,
    /// Certificate checks off (`--insecure`): recorded in every report.
    pub insecure: bool,
    /// Keep every case's requests, unredacted, in memory (the benchmark replays them to measure
    /// the bare-request floor). Never written anywhere by the suite.
    pub raw_requests: Option<RawRequests>,
    /// Known failures: each case is marked when it finishes, so its event carries its final word.
    pub baseline: Option<Arc<Baseline>>,
    pub events: Option<Sink>,
    /// Stop starting cases after this many cases in a row got no answer (0: never).
    pub breaker: usize,
    /// Stop starting cases after this many failed or errored cases (`--fail-fast` is 1).
    pub max_failures: Option<usize>,
    /// The target could not be reached before the run: no case is started, each says why.
    pub unreachable: Option<String>,
    /// Run the slow cases (`--slow`): they wait out a code or token lifetime.
    pub slow: bool,
    /// Rounds of every race (`--race-rounds`), instead of each table's own.
    pub race_rounds: Option<usize>,
    /// Verdicts only: no transcript, curl replay, screenshot or login log is kept (nor redacted).
    /// For the selftest, which reads outcomes and messages over hundreds of runs and shows no
    /// evidence; a report of a run always has its evidence.
    pub verdicts_only: bool,
    /// Each request names its case (`transport::http::CASE_HEADER`): for the selftest's run that
    /// records which cases ask about which fault, against its own reference only.
    pub mark_cases: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            selection: Selection::default(),
            jobs: None,
            request_timeout: Duration::from_secs(10),
            body_cap: crate::transport::http::DEFAULT_BODY_CAP,
            strict: false,
            raw_requests: None,
            stop: None,
            tls: crate::transport::http::TlsOptions::default(),
            insecure: false,
            baseline: None,
            events: None,
            breaker: DEFAULT_BREAKER,
            max_failures: None,
            unreachable: None,
            slow: false,
            race_rounds: None,
            verdicts_only: false,
            mark_cases: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

/// One case waiting for its turn.
struct Turn {
    /// Its place in the run's case order.
    idx: usize,
    /// Its target's place among the run's servers (a serial case runs alone on its server).
    server: usize,
    /// How many `requires` links lead from it: required cases start first.
    order: usize,
    env: Arc<Env>,
    case: Arc<Case>,
    /// Where it publishes for the cases that require it, if any is selected.
    gate: Option<Arc<Gate>>,
    /// The gate of the case it requires.
    wait_for: Option<Arc<Gate>>,
}

/// The turns of a run, the result each case has if it never finishes (a panic), and how many
/// cases the selection left out.
struct Queue {
    turns: Vec<Turn>,
    /// What the run finds out about its targets, shared by every case.
    notes: Arc<Mutex<Vec<String>>>,
    slots: Vec<(usize, CaseResult)>,
    filtered_out: usize,
    /// How many servers (target origins) the run has: one serial lock each.
    servers: usize,
}

/// The run's servers: each target's origin, once.
fn servers(plans: &[Plan]) -> Vec<url::Origin> {
    let mut all: Vec<url::Origin> = Vec::new();
    for p in plans {
        let o = p.target.base_url.origin();
        if !all.contains(&o) {
            all.push(o);
        }
    }
    all
}

/// Every selected case of every plan, as turns, in case order.
fn queue(plans: &[Plan], opts: &RunOptions, redactor: &Arc<Redactor>, http: &Http, started: Instant) -> Queue {
    let servers = servers(plans);
    let mut q = Queue { turns: Vec::new(), notes: Arc::default(), slots: Vec::new(), filtered_out: 0, servers: servers.len() };
    let chromium: Arc<tokio::sync::OnceCell<_>> = Arc::default();
    let notes = q.notes.clone();
    for (pi, plan) in plans.iter().enumerate() {
        let server = servers.iter().position(|o| *o == plan.target.base_url.origin()).unwrap_or(0);
        plan.target.register_secrets(redactor);
        let uses_basic = plan.profile.endpoints.values().any(|e| e.auth == crate::suite::case::Auth::Basic);
        if let Some(note) = plan.target.secret_encoding_note().filter(|_| uses_basic) {
            let mut notes = q.notes.lock().unwrap_or_else(|e| e.into_inner());
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let ca = plan.target.tls.as_ref().and_then(|t| t.ca_cert.clone());
        let certified = |identity: &[u8]| {
            let (timeout, cap, tls, ca, identity) = (opts.request_timeout, opts.body_cap, opts.tls.clone(), ca.clone(), identity.to_vec());
            crate::run::mtls::LazyCertified::new(move || crate::run::mtls::Certified::new(timeout, cap, &tls, ca.as_deref(), &identity))
        };
        let env = Arc::new(Env {
            profile: plan.profile.clone(),
            target: plan.target.clone(),
            http: http.clone(),
            redactor: redactor.clone(),
            raw_requests: opts.raw_requests.clone(),
            run_started: started,
            chromium: chromium.clone(),
            resource: tokio::sync::OnceCell::new(),
            race_rounds: opts.race_rounds,
            verdicts_only: opts.verdicts_only,
            notes: notes.clone(),
            mtls: plan.target.mtls_client.as_ref().map(|m| certified(&m.identity)),
            fapi_mtls: plan.target.fapi_client.as_ref().and_then(|f| f.tls.as_ref()).map(|c| certified(&c.identity)),
        });
        let selected: Vec<&Case> = plan.profile.cases.iter().filter(|c| opts.selection.selects(&plan.profile.name, c)).collect();
        q.filtered_out += plan.profile.cases.len() - selected.len();
        // A gate per case some selected case requires; dependents wait on it before they start.
        let gates: HashMap<String, Arc<Gate>> = selected
            .iter()
            .filter_map(|c| c.requires.as_ref())
            .filter(|r| selected.iter().any(|c| c.id == **r))
            .map(|r| (r.clone(), Arc::new(Gate::default())))
            .collect();
        for case in selected {
            let placeholder = not_started(case, &plan.profile.name, Outcome::Error, Some(ErrorKind::Internal), "internal error: the case did not complete (panic in the harness)".into());
            q.turns.push(Turn {
                idx: q.slots.len(),
                server,
                order: depth(case, &plan.profile.cases),
                env: env.clone(),
                case: Arc::new(case.clone()),
                gate: gates.get(&case.id).cloned(),
                wait_for: case.requires.as_ref().and_then(|r| gates.get(r)).cloned(),
            });
            q.slots.push((pi, placeholder));
        }
    }
    q
}

/// What every turn of a run shares.
struct Shared {
    opts: RunOptions,
    stop: Stop,
    breaker: Breaker,
    /// One per server (origin) of the run: the cases sent there share it; a `serial = true` case
    /// holds it alone, so that nothing else loads that server meanwhile.
    exclusive: Vec<tokio::sync::RwLock<()>>,
    results: Mutex<HashMap<usize, CaseResult>>,
}

impl Shared {
    fn emit(&self, e: &Event) {
        if let Some(sink) = &self.opts.events {
            sink(e);
        }
    }

    /// Why the case does not start, as the result it ends with; `None`: it runs now.
    async fn admit(&self, t: &Turn) -> Option<CaseResult> {
        let (case, name, target) = (&*t.case, t.env.profile.name.as_str(), &*t.env.target);
        let interrupted = |signal: &str| not_started(case, name, Outcome::Skipped, None, format!("skipped: not run, the run was interrupted ({signal})"));
        let not_run = |why: &str| not_started(case, name, Outcome::Error, Some(ErrorKind::NotRun), format!("not run: {why}"));
        if let Some(signal) = self.stop.reason() {
            return Some(interrupted(signal));
        }
        if let Some(why) = &self.opts.unreachable {
            return Some(not_run(why));
        }
        // What the target lacks skips a case before any anchor could block it.
        if let Some(reason) = slow_skip(case, target, self.opts.slow).or_else(|| unmet_needs(case, target)) {
            return Some(not_started(case, name, Outcome::Skipped, None, format!("skipped: {reason}")));
        }
        if let Some(gate) = &t.wait_for
            && let Some(blocker) = gate.wait().await
        {
            return Some(not_started(case, name, Outcome::Error, Some(ErrorKind::Blocked), format!("blocked: {blocker}")));
        }
        if let Some(signal) = self.stop.reason() {
            return Some(interrupted(signal));
        }
        self.breaker.tripped.get().map(|why| not_run(why))
    }

    /// Admits and runs one case, then hands its result on.
    async fn take_turn(&self, t: Turn) {
        // Dependents never wait for ever, even if this task panics.
        let _publish = t.gate.clone().map(Publish);
        let result = match self.admit(&t).await {
            Some(r) => r,
            None if t.case.serial => {
                let _alone = self.exclusive[t.server].write().await;
                self.execute(&t).await
            }
            None => {
                let _shared = self.exclusive[t.server].read().await;
                self.execute(&t).await
            }
        };
        self.finish(&t, result);
    }

    /// Runs the case, each of its requests marked as its own where the run marks them.
    async fn execute(&self, t: &Turn) -> CaseResult {
        match self.opts.mark_cases {
            true => crate::transport::http::marked(t.case.id.as_str().into(), execute(&t.env, &t.case)).await,
            false => execute(&t.env, &t.case).await,
        }
    }

    /// A case's final word: marked by the baseline, counted by the breaker, published to its
    /// dependents, sent to the reporters, kept for the run's result.
    fn finish(&self, t: &Turn, mut r: CaseResult) {
        if let Some(b) = &self.opts.baseline {
            b.mark(&t.env.profile.name, &mut r);
        }
        self.breaker.count(&r);
        if let Some(g) = &t.gate {
            g.publish(blocker_of(&r));
            if let Some(line) = r.diagnosis_line() {
                self.emit(&Event::Diagnosis(line));
            }
        }
        self.emit(&Event::CaseFinished(Box::new(r.clone())));
        self.results.lock().unwrap_or_else(|e| e.into_inner()).insert(t.idx, r);
    }
}

/// Runs the turns, at most `jobs` at once, each started in the order given.
async fn pool(turns: Vec<Turn>, jobs: usize, shared: Arc<Shared>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut running = tokio::task::JoinSet::new();
    for turn in turns {
        // Taken before the task starts, so turns start in order: a dependent only gets a permit
        // once every case it waits on has one.
        let Ok(permit) = permits.clone().acquire_owned().await else { break };
        let shared = shared.clone();
        running.spawn(async move {
            shared.take_turn(turn).await;
            drop(permit);
        });
    }
    // A panicked task leaves its case's placeholder result in place.
    while running.join_next().await.is_some() {}
}

/// Redacts every case with the run's redactor, on every core: a run registers thousands of
/// values, and this pass ends the run with nothing else to do beside it.
fn redact_all(runs: &mut [ProfileRun], redactor: &Redactor) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let mut texts: Vec<&mut String> = runs.iter_mut().flat_map(|r| r.cases.iter_mut()).flat_map(crate::model::redact::target_texts).collect();
    redactor.redact_in_place(&mut texts, threads);
}

/// Runs every plan's cases and returns their results in case order. Each case's final result
/// goes to `opts.events` as it finishes.
pub fn run(plans: &[Plan], opts: &RunOptions, redactor: Arc<Redactor>) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("oauth-conformance")
        .build()
        .map_err(RunError::Runtime)?;
    let http = Http::with_tls(opts.request_timeout, opts.body_cap, &opts.tls).map_err(|e| RunError::Http(e.to_string()))?;
    let Queue { mut turns, notes, slots, filtered_out, servers } = queue(plans, opts, &redactor, &http, started);
    let jobs = opts.jobs.unwrap_or(DEFAULT_JOBS).max(1);
    let shared = Arc::new(Shared {
        opts: opts.clone(),
        stop: opts.stop.clone().unwrap_or_default(),
        breaker: Breaker::new(opts.breaker, opts.max_failures),
        exclusive: (0..servers).map(|_| tokio::sync::RwLock::new(())).collect(),
        results: Mutex::default(),
    });
    shared.emit(&Event::Started { cases: turns.len(), filtered_out, jobs });
    // Required cases first: a dependent is only taken once every case it waits on has started.
    // A serial case that no case requires goes last: it waits for every case in flight to end,
    // and every case queued behind it would wait with it (the cores idle meanwhile); at the end
    // that wait is the run's own tail.
    turns.sort_by_key(|t| (t.case.serial && t.gate.is_none(), t.order));
    rt.block_on(pool(turns, jobs, shared.clone()));
    drop(rt);
    let mut done = std::mem::take(&mut *shared.results.lock().unwrap_or_else(|e| e.into_inner()));
    let mut runs: Vec<ProfileRun> = plans
        .iter()
        .map(|p| ProfileRun { profile: p.profile.name.clone(), target: p.target.base_url.to_string(), cases: Vec::new() })
        .collect();
    for (idx, (pi, placeholder)) in slots.into_iter().enumerate() {
        runs[pi].cases.push(done.remove(&idx).unwrap_or(placeholder));
    }
    // The last line of defence: what any case saw, redacted in every case's target data.
    redact_all(&mut runs, &redactor);
    let fit: Vec<String> = runs.iter().filter_map(|r| r.profile_fit_note()).collect();
    let result = RunResult {
        runs,
        strict: opts.strict,
        duration_ms: started.elapsed().as_millis() as u64,
        interrupted: shared.stop.reason(),
        insecure: opts.insecure,
        filtered_out,
        preflight: opts.unreachable.clone(),
        stopped: shared.breaker.tripped.get().cloned(),
        notes: notes.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|n| redactor.redact(n)).chain(fit).collect(),
    };
    shared.emit(&Event::Finished);
    Ok(result)
}
