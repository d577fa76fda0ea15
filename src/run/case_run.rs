//! One case's run: its fixtures, setup steps, main request (once, sampled or raced) and
//! follow-ups, the checks' verdicts on each answer, and the one `CaseResult` it ends in. Enters: a
//! `Case` and the `Env` its profile run shares; leaves: the case's redacted result. How a step is
//! sent lives in `send`, the values its placeholders take in `values`, fixtures in `fixture`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::check::evaluate::{self as check, Observation};
use crate::check::record::CheckContext;
use crate::login;
use crate::model::level::Level;
use crate::model::redact::Redactor;
use crate::model::result::{CaseResult, CheckRecord, Diagnosis, ErrorKind, LoginLog, Outcome};
use crate::run::request::{self, Role};
use crate::suite::case::{Browser, Case, Sample, Step};
use crate::suite::profile::Profile;
use crate::target::file::Target;
use crate::transport::http::{Exchange, Http, HttpResponse};
use crate::transport::page::Landing;
use crate::run::values;


/// Each case's requests in the order it sent them.
pub type RawRequests = Arc<Mutex<Vec<(String, Vec<crate::transport::http::HttpRequest>)>>>;

/// What every case of a profile run shares.
pub(crate) struct Env {
    pub profile: Arc<Profile>,
    pub target: Arc<Target>,
    pub http: Http,
    pub redactor: Arc<Redactor>,
    pub raw_requests: Option<RawRequests>,
    /// When the run started.
    pub run_started: Instant,
    /// The run's one headless Chromium, started by the first login that needs it.
    pub chromium: Arc<login::SharedChromium>,
    /// The grant whose tokens the probe resource takes, once found out (`run::resource`).
    pub resource: tokio::sync::OnceCell<crate::target::file::ResourceToken>,
    /// What the run found out about the target, for the reports' header.
    pub notes: Arc<Mutex<Vec<String>>>,
    /// `run --race-rounds`: rounds of every race, instead of each table's own.
    pub race_rounds: Option<usize>,
    /// `RunOptions::verdicts_only`: the results keep no evidence.
    pub verdicts_only: bool,
    /// The clients that present `[mtls_client]`'s certificate, another or none (RFC 8705), or
    /// why they could not be made.
    pub mtls: Option<crate::run::mtls::LazyCertified>,
    /// The same for the `[fapi_client]`'s certificate, when it has one.
    pub fapi_mtls: Option<crate::run::mtls::LazyCertified>,
}

impl Env {
    /// Adds a line to the run's notes (once: several cases may find the same).
    pub(crate) fn note(&self, line: String) {
        let mut notes = self.notes.lock().unwrap_or_else(|e| e.into_inner());
        if !notes.contains(&line) {
            notes.push(line);
        }
    }
}

/// Why setup ended the case before its main request.
pub(crate) enum Stop {
    /// A precondition step showed the case does not apply.
    Skip(String),
    /// A `refusal_passes` step was refused: the case passes.
    Settled(String),
}

impl Stop {
    fn why(self) -> String {
        match self {
            Stop::Skip(w) | Stop::Settled(w) => w,
        }
    }
}

/// Why a step left no verdict, typed so the outcome follows from the kind; rendered once, by
/// `Display`, when the case's result is written.
#[derive(Debug, Clone)]
pub(crate) struct CaseError {
    pub kind: ErrorKind,
    /// Where in the case it happened, when not in the main request.
    pub place: Option<Place>,
    /// What went wrong, from the typed error underneath (a request that could not be built, no
    /// answer, a login that stopped).
    pub message: String,
}

/// The part of a case whose step left no verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// Making a fixture (a fresh code, a token) before the case's own steps, by its label.
    Fixture(String),
    /// A `before` step, by its label.
    Before(String),
    /// An `after` step, by its label, with the failures the case had already found ("" if none).
    After { label: String, earlier: String },
}

impl CaseError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CaseError { kind, place: None, message: message.into() }
    }

    /// The same error, placed in the part of the case where it happened.
    pub fn at(self, place: Place) -> Self {
        CaseError { place: Some(place), ..self }
    }
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = &self.message;
        match &self.place {
            None => write!(f, "{m}"),
            Some(Place::Fixture(label)) => write!(f, "setup failed: {label}: {m}"),
            Some(Place::Before(label)) => write!(f, "setup step {label}: {m}"),
            Some(Place::After { label, earlier }) if earlier.is_empty() => write!(f, "follow-up {label}: {m}"),
            Some(Place::After { label, earlier }) => write!(f, "{earlier}; then follow-up {label}: {m}"),
        }
    }
}

impl std::error::Error for CaseError {}

/// A request that could not be built leaves the case without a verdict: the table or the target
/// file lacks something, not the server.
impl From<request::BuildError> for CaseError {
    fn from(e: request::BuildError) -> Self {
        CaseError::new(ErrorKind::Request, e.to_string())
    }
}

/// What a step got back. One lives per step, briefly: its size is no cost worth a box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Observed {
    Http(HttpResponse),
    Browser(Landing, Sent),
}

/// What a browser step sent that its checks compare against.
pub(crate) struct Sent {
    pub state: Option<String>,
    pub redirect_uri: Option<String>,
    /// What the login driver did on the way (a login program does not say).
    pub seen: Option<crate::transport::page::Seen>,
}

/// One case in progress.
pub(crate) struct CaseRun<'a> {
    pub env: &'a Env,
    /// This case's own redactor (the target's secrets and what this case saw): small, so fast.
    /// Everything registered here is registered with the run's redactor too.
    pub(super) local: Redactor,
    pub values: HashMap<String, String>,
    pub(crate) exchanges: Vec<(String, Exchange)>,
    pub(super) checks: Vec<CheckRecord>,
    /// A sampled case's member, and the values its main answers carried.
    pub(super) sampled: Option<(String, Vec<String>)>,
    /// The case's own level: checks graded below it make warnings, not failures.
    pub(super) level: Level,
    /// What the last request's refusal points at in the target file, if anything.
    pub(super) last_hint: Option<Diagnosis>,
    /// Why the case's positive request (or its setup) was not accepted.
    pub(super) refused: Option<(String, Option<Diagnosis>)>,
    pub(super) dpop: DpopState,
    /// Where a browser login stopped, photographed with its inputs emptied (PNG).
    pub(super) screenshot: Option<Vec<u8>>,
    /// What login commands wrote to their stderr, by step.
    pub(super) login_log: Vec<(String, String)>,
    /// The browser session the case's `session` steps share.
    pub(super) session: crate::login::Session,
    /// The case judges plain authorization requests (it needs `par_required`): they are not
    /// pushed first where the server requires PAR (see `push`).
    pub(super) plain_requests: bool,
    /// The last browser step's request was pushed first and the server refused the push.
    pub(super) push_refused: Option<PushRefused>,
    /// The TLS alert with which the server refused a certificate other than the client's, at the
    /// handshake of the last request (`send`): a refusal without an HTTP answer.
    pub(super) tls_refused: Option<String>,
}

/// A browser step's push (PAR everywhere, `run::push`) the server refused: its status, and the
/// error code its JSON body names.
pub(crate) struct PushRefused {
    pub status: u16,
    pub error: Option<String>,
}

/// A case's DPoP keys (A, the client's; B, another), made on first use, and what the server said.
#[derive(Default)]
pub(super) struct DpopState {
    pub(super) keys: std::sync::OnceLock<(crate::jose::assertion::SigningKey, crate::jose::assertion::SigningKey)>,
    /// The latest DPoP-Nonce each origin sent (RFC 9449 §8, §9).
    pub(super) nonces: HashMap<String, String>,
    /// The case's last proof, for a replay.
    pub(super) last: Option<String>,
}

impl DpopState {
    pub(super) fn keys(&self) -> &(crate::jose::assertion::SigningKey, crate::jose::assertion::SigningKey) {
        self.keys.get_or_init(|| (crate::jose::assertion::SigningKey::generate(), crate::jose::assertion::SigningKey::generate()))
    }
}


fn step_label(role: &str, i: usize, step: &Step) -> String {
    match &step.name {
        Some(n) => format!("{role} {} ({n}: {})", i + 1, step.endpoint),
        None => format!("{role} {} ({})", i + 1, step.endpoint),
    }
}

impl<'a> CaseRun<'a> {
    fn new(env: &'a Env) -> Self {
        let values = values::initial();
        let local = Redactor::new();
        env.target.register_secrets(&local);
        CaseRun { env, local, values, exchanges: Vec::new(), checks: Vec::new(), sampled: None, level: Level::Must, last_hint: None, refused: None, dpop: DpopState::default(), screenshot: None, login_log: Vec::new(), session: Default::default(), plain_requests: false, push_refused: None, tls_refused: None }
    }

    /// A login program's own words (its stderr, its error) with the password replaced wherever it
    /// appears: there, any occurrence is the program repeating what it was given.
    pub(crate) fn without_password(&self, text: &str) -> String {
        match self.env.target.login.as_ref().filter(|l| !l.password.is_empty()) {
            Some(l) => text.replace(&l.password, &Redactor::marker("password", &l.password)),
            None => text.to_string(),
        }
    }

    /// The value of a placeholder for a request sent as `role` (see `values::lookup`).
    pub(crate) fn lookup(&self, name: &str, role: Role) -> Option<String> {
        values::lookup(name, role, &self.env.target, &self.values, &|| crate::jose::dpop::thumbprint(&self.dpop.keys().0))
    }


    /// Stores a named step's answer as `{name.member}` values for later steps (the main step's
    /// as `{main.member}`, for the after steps).
    fn capture(&mut self, step: &Step, implicit: Option<&str>, obs: &Observed) {
        let Some(name) = step.name.as_deref().or(implicit) else { return };
        match obs {
            Observed::Http(resp) => {
                if let Some(Value::Object(o)) = resp.json() {
                    for (k, v) in o {
                        let s = match v {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => continue,
                        };
                        // A JWT's claims too, as `{name.member.claim}` (an ID Token's sub).
                        for (claim, c) in crate::check::openid::jws_claims(&s).unwrap_or_default() {
                            if let Value::String(c) = c {
                                self.values.insert(format!("{name}.{k}.{claim}"), c);
                            } else if let Value::Number(n) = c {
                                self.values.insert(format!("{name}.{k}.{claim}"), n.to_string());
                            }
                        }
                        self.values.insert(format!("{name}.{k}"), s);
                    }
                }
            }
            Observed::Browser(landing, _) if landing.at_client().is_some() => {
                // The query's parameters, the fragment's (OpenID Connect's implicit and hybrid
                // responses) or a posted form's, with an ID Token's claims as
                // `{name.id_token.claim}`.
                for (k, v) in landing.response_pairs() {
                    for (claim, c) in crate::check::openid::jws_claims(&v).unwrap_or_default() {
                        match c {
                            Value::String(c) => self.values.insert(format!("{name}.{k}.{claim}"), c),
                            Value::Number(n) => self.values.insert(format!("{name}.{k}.{claim}"), n.to_string()),
                            _ => None,
                        };
                    }
                    self.values.insert(format!("{name}.{k}"), v);
                }
            }
            Observed::Browser(..) => {}
        }
    }

    fn evaluate(&self, label: &str, step: &Step, obs: &Observed) -> Vec<CheckRecord> {
        let resolve = |n: &str| self.lookup(n, Role::of(step));
        let (observation, sent) = match obs {
            Observed::Http(r) => (Observation::Http(r), None),
            Observed::Browser(l, s) => (Observation::Browser(l, s.seen), Some(s)),
        };
        let ctx = CheckContext {
            schemas: &self.env.profile.schemas,
            error_schema: &self.env.profile.error_schema,
            sent_state: sent.and_then(|s| s.state.as_deref()),
            sent_redirect_uri: sent.and_then(|s| s.redirect_uri.as_deref()),
            resolve: &resolve,
            jwks: self.env.target.jwks.as_ref(),
        };
        check::evaluate(label, self.level, &step.expect, &observation, &ctx)
    }

    /// Keeps a step's check records; true when every one at the case's level held.
    fn record(&mut self, records: Vec<CheckRecord>) -> bool {
        let ok = records.iter().all(|r| r.passed || r.level > self.level);
        self.checks.extend(records);
        ok
    }

    /// Runs one step and its checks; Ok(true) when every check at the case's level held; Err is
    /// a problem that leaves no verdict.
    async fn step(&mut self, label: &str, step: &Step) -> Result<bool, CaseError> {
        let role = Role::of(step);
        let resolved;
        let (step, overrides) = if step.endpoint == crate::suite::case::RESOURCE_TOKEN {
            let (s, o) = self.resource_step(label, step).await?;
            resolved = s;
            (&resolved, o)
        } else {
            (step, Vec::new())
        };
        if let Some(secs) = step.pause {
            self.env.target.clock.pause(Duration::from_secs(secs)).await;
        }
        if let Some(probe) = step.tls_probe {
            let records = self.tls_probe(label, step, probe).await?;
            return Ok(self.record(records));
        }
        self.tls_refused = None;
        let obs = match self.perform(label, step, role, &overrides).await {
            Err(e) => match self.tls_refused.take().and_then(|alert| refused_at_handshake(label, step, &alert, self.level)) {
                Some(records) => return Ok(self.record(records)),
                None => return Err(e),
            },
            Ok(obs) => obs,
        };
        if let Some(refused) = self.push_refused.take()
            && let Some(records) = self.settled_at_push(label, step, &refused)
        {
            return Ok(self.record(records));
        }
        if label == "main" && let Some(why) = refusal(step, &obs) {
            // A step that expects a refusal and got another one points at nothing in the target file.
            let hint = if step.expect.positive() { self.last_hint } else { None };
            self.refused = Some((why, hint));
        }
        let records = self.evaluate(label, step, &obs);
        let level = self.level;
        let ok = records.iter().all(|r| r.passed || r.level > level);
        self.checks.extend(records);
        self.capture(step, if label == "main" { Some("main") } else { None }, &obs);
        if label.starts_with("main")
            && let Some((member, values)) = &mut self.sampled {
                let value = match &obs {
                    Observed::Http(r) => r.json().and_then(|v| v.get(member.as_str()).and_then(Value::as_str).map(str::to_string)),
                    Observed::Browser(landing, _) if landing.at_client().is_some() => landing.response_value(member),
                    Observed::Browser(..) => None,
                };
                values.extend(value);
            }
        Ok(ok)
    }

    /// Runs fixtures, setup and the main request `count` times, then judges the collected values
    /// against the case's thresholds (RFC 6749 §10.10's by default).
    /// `Ok(Some(why))`: no answer carried the member at all, though each was as expected (an
    /// OPTIONAL refresh_token the server does not issue): nothing to judge, the case is skipped.
    async fn sample(&mut self, case: &Case, count: usize, member: &str) -> Result<Option<String>, CaseError> {
        self.sampled = Some((member.to_string(), Vec::new()));
        for i in 0..count {
            if i > 0
                && let Some(stop) = self.setup(case).await? {
                    return Ok(Some(stop.why()));
                }
            self.step(&format!("main (sample {})", i + 1), &case.main).await?;
        }
        let values = self.sampled.take().map(|(_, v)| v).unwrap_or_default();
        if values.is_empty() && self.checks.iter().all(|c| c.passed) {
            return Ok(Some(format!("none of the {count} answers carried {member}: nothing to judge")));
        }
        for (bits, level) in case.sample.as_ref().map(Sample::thresholds).unwrap_or_default() {
            self.checks.push(check::guessing_entropy("main", member, &values, count, bits, level));
        }
        Ok(None)
    }

    /// The race in rounds, each from fresh fixtures and setup; one check says in how many rounds
    /// more requests succeeded than allowed. `Ok(Some(why))`: a precondition no longer held.
    async fn race_rounds(&mut self, case: &Case, r: &crate::suite::case::Race) -> Result<Option<String>, CaseError> {
        let rounds = self.env.race_rounds.unwrap_or(r.rounds).max(1);
        let mut successes = Vec::with_capacity(rounds);
        for round in 0..rounds {
            if round > 0
                && let Some(stop) = self.setup(case).await?
            {
                return Ok(Some(stop.why()));
            }
            successes.push(self.race(&case.main, r.count, round).await?);
        }
        self.checks.push(check::race_rounds("main", &successes, r.count, r.max_success));
        Ok(None)
    }

    /// Sends the main request `count` times at once and judges the losers' answers; returns how
    /// many succeeded. Only the first round's passing checks are kept (the others' would repeat them).
    async fn race(&mut self, step: &Step, count: usize, round: usize) -> Result<usize, CaseError> {
        let built = {
            let lookup = |n: &str| self.lookup(n, Role::Client);
            request::build(step, &self.env.profile, &self.env.target, Role::Client, &lookup)?
        };
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..count {
            let http = self.env.http.clone();
            let req = built.request.clone();
            set.spawn(crate::transport::http::keep_mark(async move { http.send(req).await }));
        }
        let mut responses = Vec::new();
        let mut problems = Vec::new();
        while let Some(joined) = set.join_next().await {
            let ex = joined.map_err(|e| CaseError::new(ErrorKind::Internal, format!("a racing request task failed: {e}")))?;
            self.learn_exchange(&ex);
            match &ex.response {
                Ok(r) => responses.push(r.clone()),
                Err(e) => problems.push(e.to_string()),
            }
            self.exchanges.push((format!("main (race, round {})", round + 1), ex));
        }
        if responses.is_empty() {
            let first = problems.first().cloned().unwrap_or_default();
            return Err(CaseError::new(ErrorKind::Transport, format!("none of the {count} racing requests was answered: {first}")));
        }
        let successes = responses.iter().filter(|r| (200..300).contains(&r.status)).count();
        for (i, r) in responses.into_iter().filter(|r| !(200..300).contains(&r.status)).enumerate() {
            let obs = Observed::Http(r);
            let records = self.evaluate(&format!("main (round {}, loser {})", round + 1, i + 1), step, &obs);
            self.checks.extend(records.into_iter().filter(|c| round == 0 || !c.passed));
        }
        Ok(successes)
    }

    /// Fixtures, the before steps and the slow case's wait; an error when any did not go as
    /// needed (the case's request is then refused, not judged). `Ok(Some(why))`: a precondition
    /// step found the server chose a behaviour the RFC leaves open, under which the case does not
    /// apply; `Ok(Some(Stop::Settled))`: a `refusal_passes` step was refused, which keeps the rule.
    async fn setup(&mut self, case: &Case) -> Result<Option<Stop>, CaseError> {
        let refused = |run: &mut Self, e: CaseError| {
            run.refused = Some((e.to_string(), run.last_hint));
            e
        };
        for fx in &case.fixtures {
            if let Err(e) = self.make_fixture(*fx).await {
                return Err(refused(self, e));
            }
        }
        for (i, s) in case.before.iter().enumerate() {
            let label = step_label("before", i, s);
            match self.step(&label, s).await {
                Err(e) => return Err(refused(self, e.at(Place::Before(label)))),
                Ok(_) if s.refusal_passes && let Some(status) = self.last_refusal() => {
                    // The request was refused before the step the case judges: the rule held early.
                    self.checks.retain(|c| c.step != label);
                    self.checks.push(check::refused_early(&label, status));
                    return Ok(Some(Stop::Settled(format!("refused at {label} ({status}), before the step the case judges: the rule held there"))));
                }
                Ok(false) if s.precondition => {
                    return Ok(Some(Stop::Skip(format!("does not apply: {label} shows {}", self.failures(Some(&label), self.level)))));
                }
                Ok(false) => {
                    let why = format!("setup step {label} did not go as needed: {}", self.failures(Some(&label), self.level));
                    if !s.expect.positive() {
                        self.last_hint = None;
                    }
                    return Err(refused(self, CaseError::new(ErrorKind::Setup, why)));
                }
                Ok(true) => {}
            }
        }
        // The slow case's wait: after its fixtures and setup (a pushed request_uri, say), just
        // before the request that must find them dead.
        if let Some(secs) = case.wait.as_ref().and_then(|w| self.env.target.wait_secs(w)) {
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }

        Ok(None)
    }

    /// The status of the last answer, when it refused (not 2xx).
    fn last_refusal(&self) -> Option<u16> {
        let (_, ex) = self.exchanges.last()?;
        ex.response.as_ref().ok().map(|r| r.status).filter(|s| !(200..300).contains(s))
    }

    /// Runs the case to its verdict, or to the error that leaves none.
    async fn go(&mut self, case: &Case) -> Result<(Outcome, String), CaseError> {
        self.level = case.level;
        let refused = |run: &mut Self, e: CaseError| {
            run.refused = Some((e.to_string(), run.last_hint));
            e
        };
        match self.setup(case).await? {
            Some(Stop::Skip(why)) => return Ok((Outcome::Skipped, format!("skipped: {why}"))),
            Some(Stop::Settled(why)) => return Ok((Outcome::Passed, why)),
            None => {}
        }
        let main = match (&case.race, &case.sample) {
            (Some(r), _) => self.race_rounds(case, r).await,
            (None, Some(sm)) => self.sample(case, sm.count, &sm.member).await,
            (None, None) => self.step("main", &case.main).await.map(|_| None),
        };
        if let Some(why) = main.map_err(|e| refused(self, e))? {
            return Ok((Outcome::Skipped, format!("skipped: {why}")));
        }
        for (i, s) in case.after.iter().enumerate() {
            let label = step_label("after", i, s);
            if let Err(e) = self.step(&label, s).await {
                let earlier = self.failures(None, self.level);
                // A follow-up that cannot be built because the failed request did not give what
                // it needs (no code to exchange) leaves the verdict as it was: failed.
                if e.kind == ErrorKind::Request && !earlier.is_empty() {
                    return Ok((Outcome::Failed, format!("{earlier}; the follow-up {label} could not be sent: {}", e.message)));
                }
                return Err(e.at(Place::After { label, earlier }));
            }
        }
        let failed = self.failures(None, self.level);
        if !failed.is_empty() {
            return Ok((Outcome::Failed, failed));
        }
        let warned = self.failures(None, Level::May);
        Ok(if warned.is_empty() {
            (Outcome::Passed, format!("{} passed", crate::model::count::count(self.checks.len(), "check", "checks")))
        } else {
            (Outcome::Warning, warned)
        })
    }

    /// The strongest level among the failed checks graded below the case's level.
    fn warning_level(&self) -> Option<Level> {
        self.checks.iter().filter(|c| !c.passed && c.level > self.level).map(|c| c.level).min()
    }

    /// The failed checks at `level` or stronger (of one step, or all) as one line.
    fn failures(&self, step: Option<&str>, level: Level) -> String {
        check::failure_line(&self.checks, step, level, self.level)
    }

}
/// Registers with two redactors at once.
pub(super) struct Both<'r>(pub(super) &'r Redactor, pub(super) &'r Redactor);

impl Both<'_> {
    pub(super) fn add(&self, kind: &str, value: &str) {
        self.0.add(kind, value);
        self.1.add(kind, value);
    }
}

/// A case's result before it ran: what the table says of it.
pub(crate) fn skeleton(case: &Case, profile: &str) -> CaseResult {
    CaseResult {
        endpoint: case.endpoint.clone(),
        title: case.title.clone(),
        duty: case.duty,
        rule: case.rule.clone(),
        threats: case.threats.clone(),
        refs: case.refs.clone(),
        ..CaseResult::unstarted(case.id.clone(), profile.to_string(), case.level)
    }
}

/// Runs one case to its result; every message is redacted.
pub(crate) async fn execute(env: &Env, case: &Case) -> CaseResult {
    let started = Instant::now();
    let mut run = CaseRun::new(env);
    run.plain_requests = case.needs.contains(&crate::suite::case::Need::Capability(crate::model::capability::Capability::ParRequired));
    // RFC 9110 §15.5.2 binds the server whatever a case is about: a 401 without a challenge is
    // the server's failure even in a case about a client's or the deployment's duty.
    let server_own = |run: &CaseRun<'_>| run.checks.iter().any(|c| !c.passed && c.level == Level::Must && c.check == "challenge_on_401");
    let mut the_servers = false;
    let (outcome, message, kind) = match run.go(case).await {
        Ok((Outcome::Failed | Outcome::Warning, m)) if !case.duty.gates() && server_own(&run) => {
            the_servers = true;
            (Outcome::Failed, format!("{m} (a 401 without a challenge is the server's own failure, RFC 9110 §15.5.2; the case's rule is {}, advice)", case.duty.why_advice()), None)
        }
        // Not the server's duty: what did not hold is told as advice, with why.
        Ok((Outcome::Failed | Outcome::Warning, m)) if !case.duty.gates() => (Outcome::Advice, format!("advice ({}): {m}", case.duty.why_advice()), None),
        Ok((o, m)) => (o, m, None),
        Err(e) => (Outcome::Error, e.to_string(), Some(e.kind)),
    };
    let (outcome, message, kind) = misconfigured(case, &run, outcome, message, kind);
    let mut result = skeleton(case, &env.profile.name);
    if the_servers {
        // Judged as the server's MUST it is.
        result.duty = crate::model::duty::Duty::Server;
        result.level = Level::Must;
    }
    result.error_kind = kind;
    result.started_ms = started.duration_since(env.run_started).as_millis() as u64;
    result.outcome = outcome;
    result.warning_level = (outcome == Outcome::Warning).then(|| run.warning_level()).flatten();
    result.message = run.local.redact(&message);
    if let Some((why, hint)) = &run.refused {
        result.refused = Some(run.local.redact(why));
        result.diagnosis = *hint;
    }
    result.checks = run
        .checks
        .iter()
        .map(|c| CheckRecord { message: c.message.as_ref().map(|m| run.local.redact(m)), ..c.clone() })
        .collect();
    if let Some(sink) = &env.raw_requests {
        let reqs = run.exchanges.iter().map(|(_, ex)| ex.request.clone()).collect();
        sink.lock().unwrap_or_else(|e| e.into_inner()).push((case.id.clone(), reqs));
    }
    if !env.verdicts_only {
        evidence(&mut result, &mut run);
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

/// What a reader checks a verdict against, redacted: the transcript, the curl replay, the
/// screenshot and the login log.
fn evidence(result: &mut CaseResult, run: &mut CaseRun) {
    result.transcript = crate::transport::transcript::records(&run.exchanges, &run.local);
    result.curl = crate::transport::transcript::curl(&run.exchanges, &run.local);
    // Bounded: a screenshot larger than 2 MB is left out rather than bloating every report.
    result.screenshot = run.screenshot.take().filter(|png| png.len() <= 2 << 20).map(|png| base64::engine::general_purpose::STANDARD.encode(png));
    result.login_log = run.login_log.iter().map(|(step, text)| LoginLog { step: step.clone(), text: run.local.redact(&run.without_password(&crate::transport::http::excerpt(text.trim(), 4000))) }).collect();
}

/// A positive case refused for the target file's own client credentials or login is no verdict
/// on the server: an error of the target file, as a wrong password already was.
fn misconfigured(case: &Case, run: &CaseRun, outcome: Outcome, message: String, kind: Option<ErrorKind>) -> (Outcome, String, Option<ErrorKind>) {
    let positive = case.main.expect.positive();
    let hint = run.refused.as_ref().and_then(|(_, d)| *d);
    match (outcome, hint) {
        // Only where nothing earlier in the case authenticated as the client: a 401 after a
        // fixture's token request succeeded with the same credentials is the server's doing.
        (Outcome::Failed | Outcome::Error, Some(Diagnosis::ClientCredentials)) if positive && first_use_of_credentials(case) => {
            (Outcome::Error, format!("target misconfigured: {message}"), Some(ErrorKind::Misconfigured))
        }
        (Outcome::Error, Some(Diagnosis::Login)) if kind == Some(ErrorKind::Login) => (Outcome::Error, format!("target misconfigured: {message}"), Some(ErrorKind::Misconfigured)),
        _ => (outcome, message, kind),
    }
}

/// Whether the case's main request is the first to present the client's credentials: no before
/// step, and only fixtures made through the browser.
fn first_use_of_credentials(case: &Case) -> bool {
    use crate::suite::case::Fixture;
    case.before.is_empty() && case.fixtures.iter().all(|f| matches!(f, Fixture::Code | Fixture::SecondCode | Fixture::PublicCode))
}

/// Why the target did not accept a positive step's well-formed request, if it did not: a non-2xx
/// answer, or a login that did not end in a redirect with a code.
fn refusal(step: &Step, obs: &Observed) -> Option<String> {
    match obs {
        // A 2xx whose body is not the JSON object the step expects is no acceptance either (an
        // HTML page answered 200 is a refusal in disguise); a schema failure of a JSON body is.
        Observed::Http(r) if (200..300).contains(&r.status) => match (step.expect.wants_json(true), r.json()) {
            (true, Some(v)) if !v.is_object() => Some(format!("answered {} with JSON that is not an object", r.status)),
            (true, None) => Some(format!("answered {} without a JSON body ({})", r.status, r.excerpt(80))),
            _ => None,
        },
        Observed::Http(r) => {
            let error = r.json().and_then(|v| v.get("error").and_then(Value::as_str).map(|e| format!(" {}", crate::transport::http::excerpt(e, 60)))).unwrap_or_default();
            Some(format!("answered {}{error}", r.status))
        }
        Observed::Browser(landing @ (Landing::Redirect(u) | Landing::Posted { url: u, .. }), _) => {
            let error = landing.response_value("error");
            match (step.browser, error) {
                (_, None) if landing.response_value("code").is_some() => None,
                (Some(Browser::Deny), Some(e)) if e == "access_denied" => None,
                (_, Some(e)) => Some(format!("redirected with error={}", crate::transport::http::excerpt(&e, 60))),
                (_, None) => Some(format!("redirected without a code to {}", crate::check::record::show_url(u))),
            }
        }
        Observed::Browser(Landing::Page { status, page, .. }, _) if step.browser == Some(Browser::FirstPage) && (200..300).contains(status) && page.login_form().is_some() => None,
        Observed::Browser(Landing::Page { url, status, page }, _) => Some(format!("the login ended at {} (status {status}, {})", crate::check::record::show_url(url), page.summary())),
    }
}

impl CaseRun<'_> {
    /// FAPI 2.0 §5.2: a handshake with the step's endpoint's host offering only `probe`; the
    /// rule holds when the server refuses it.
    async fn tls_probe(&mut self, label: &str, step: &Step, probe: crate::transport::tls_probe::Probe) -> Result<Vec<CheckRecord>, CaseError> {
        use crate::transport::tls_probe::{Handshake, ProbeError};
        let url = crate::run::request::endpoint_url(step, &self.env.profile, &self.env.target)?;
        let (Some(host), Some(port), "https") = (url.host_str(), url.port_or_known_default(), url.scheme()) else {
            return Err(CaseError::new(ErrorKind::Setup, format!("{} is not an https URL: there is no TLS handshake to probe", crate::check::record::show_url(&url))));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let shook = crate::transport::tls_probe::probe(host, port, probe, Duration::from_secs(10)).await.map_err(|e| {
            let kind = if matches!(e, ProbeError::NoOpenssl(_) | ProbeError::NotOffered(_)) { ErrorKind::Setup } else { ErrorKind::Transport };
            CaseError::new(kind, format!("TLS probe of {host}:{port}: {e}"))
        })?;
        let offered = format!("a handshake with {host}:{port} offering {}", probe.offers());
        let (passed, message) = match shook {
            Handshake::Refused(why) => (true, format!("{offered} was refused ({why})")),
            Handshake::Completed { protocol, cipher } => (false, format!("expected {offered} to be refused, got a connection with {protocol} and {cipher}")),
        };
        Ok(vec![CheckRecord { step: label.to_string(), check: "tls_handshake_refused", rule: Some("FAPI 2.0 Security Profile §5.2"), level: self.level, passed, message: Some(message) }])
    }
}

/// A step that expects a refusal (`success = false`) whose certificate — another than the
/// client's, or none — the server refused in the TLS handshake: nothing was issued, so the
/// refusal holds (RFC 8705 §2 leaves the handshake's checks to the deployment); an error code the
/// case names as SHOULD (RFC 6749 §5.2's invalid_client) was never sent. None: not that step.
fn refused_at_handshake(label: &str, step: &Step, alert: &str, level: Level) -> Option<Vec<CheckRecord>> {
    if step.expect.success != Some(false) {
        return None;
    }
    let mut records = vec![CheckRecord {
        step: label.to_string(),
        check: "refused_at_tls_handshake",
        rule: Some("RFC 8705 §2"),
        level,
        passed: true,
        message: Some(format!("the server refused the certificate in the TLS handshake ({alert}): no HTTP answer, nothing issued")),
    }];
    let named: Vec<&str> = step.expect.should.iter().flat_map(|s| s.error.iter().chain(s.error_in.iter())).map(String::as_str).collect();
    if !named.is_empty() {
        records.push(CheckRecord {
            step: label.to_string(),
            check: "error_code_is",
            rule: Some("RFC 6749 §5.2"),
            level: Level::Should,
            passed: false,
            message: Some(format!("expected error {} in an HTTP answer, got none: the connection was refused in the TLS handshake", named.join(" or "))),
        });
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// (check, level, passed) of what a refusal in the TLS handshake settles, or None.
    fn at_handshake(expect: &str) -> Option<Vec<(&'static str, Level, bool)>> {
        let mut step = Step::default_for("par");
        step.expect = toml::from_str(expect).unwrap();
        refused_at_handshake("main", &step, "received fatal alert: CertificateUnknown", Level::Must).map(|r| r.into_iter().map(|c| (c.check, c.level, c.passed)).collect())
    }

    #[rstest]
    #[case::refusal_with_an_error_code("success = false\nshould = { error = \"invalid_client\" }", Some(vec![("refused_at_tls_handshake", Level::Must, true), ("error_code_is", Level::Should, false)]))]
    #[case::refusal("success = false", Some(vec![("refused_at_tls_handshake", Level::Must, true)]))]
    #[case::a_status_is_an_http_answer("status_in = [400, 401]", None)]
    #[case::success_wanted("status = 200", None)]
    fn a_certificate_refused_in_the_handshake_settles_only_a_step_expecting_a_refusal(#[case] expect: &str, #[case] settled: Option<Vec<(&'static str, Level, bool)>>) {
        assert_eq!(at_handshake(expect), settled);
    }

    #[rstest]
    #[case::main(None, "answered nothing")]
    #[case::fixture(Some(Place::Fixture("fixture code".into())), "setup failed: fixture code: answered nothing")]
    #[case::before(Some(Place::Before("before 1 (token)".into())), "setup step before 1 (token): answered nothing")]
    #[case::after(Some(Place::After { label: "after 1 (revoke)".into(), earlier: String::new() }), "follow-up after 1 (revoke): answered nothing")]
    #[case::after_failures(Some(Place::After { label: "after 1 (revoke)".into(), earlier: "main: status: expected 400, got 200".into() }), "main: status: expected 400, got 200; then follow-up after 1 (revoke): answered nothing")]
    fn a_case_error_says_where_it_happened(#[case] place: Option<Place>, #[case] expected: &str) {
        let e = CaseError::new(ErrorKind::Transport, "answered nothing");
        let e = match place {
            Some(p) => e.at(p),
            None => e,
        };
        assert_eq!(e.to_string(), expected);
        assert_eq!(e.kind, ErrorKind::Transport, "placing keeps the kind");
    }

    #[test]
    fn a_request_that_cannot_be_built_is_the_tables_problem_not_the_servers() {
        let e = CaseError::from(request::BuildError::NoSecondClient);
        assert_eq!(e.kind, ErrorKind::Request);
        assert_eq!(e.to_string(), request::BuildError::NoSecondClient.to_string());
    }

    #[test]
    fn step_labels_count_from_one_and_name_the_step() {
        let mut s = Step::default_for("token");
        assert_eq!(step_label("before", 0, &s), "before 1 (token)");
        s.name = Some("refresh".into());
        assert_eq!(step_label("after", 1, &s), "after 2 (refresh: token)");
    }
}
