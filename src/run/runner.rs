//! The runner: turns each case into a libtest-mimic trial, runs its fixtures, setup steps, main
//! request and follow-ups, and records one `CaseResult` per case. It knows no report format.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use url::Url;

use crate::target::baseline::Baseline;
use base64::Engine;
use crate::suite::case::{Auth, Browser, Case, Need, Sample, Step};
use crate::model::level::Level;
use crate::check::evaluate::{self as check, Observation};
use crate::check::record::CheckContext;
use crate::transport::http::{Exchange, Http, HttpResponse};
use crate::login::{self, Choice};
use crate::transport::page::Landing;
use crate::suite::profile::Profile;
use crate::model::redact::Redactor;
use crate::run::request::{self, Role};
use crate::suite::selection::Selection;
use crate::model::result::{CaseResult, CheckRecord, Diagnosis, ErrorKind, LoginLog, Outcome, ProfileRun, RunResult};
use crate::target::file::Target;
use crate::run::event::{Event, Sink};
use crate::run::signal::Stop;


/// Each case's requests in the order it sent them.
pub type RawRequests = Arc<Mutex<Vec<(String, Vec<crate::transport::http::HttpRequest>)>>>;

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
        }
    }
}

/// Stops a run that keeps getting no answer, or has failed enough (`--max-failures`).
#[derive(Default)]
struct Breaker {
    in_a_row: std::sync::atomic::AtomicUsize,
    failures: std::sync::atomic::AtomicUsize,
    tripped: std::sync::OnceLock<String>,
}

impl Breaker {
    /// Counts a finished case (blocked and not-run cases sent nothing and count for nothing).
    fn count(&self, r: &CaseResult, opts: &RunOptions) {
        use std::sync::atomic::Ordering::SeqCst;
        if matches!(r.error_kind, Some(ErrorKind::Blocked | ErrorKind::NotRun)) || r.outcome == Outcome::Skipped {
            return;
        }
        if r.error_kind == Some(ErrorKind::Transport) {
            let n = self.in_a_row.fetch_add(1, SeqCst) + 1;
            if opts.breaker > 0 && n >= opts.breaker {
                let _ = self.tripped.set(format!("the target stopped answering ({n} cases in a row got no answer)"));
            }
        } else {
            self.in_a_row.store(0, SeqCst);
        }
        if matches!(r.outcome, Outcome::Failed | Outcome::Error) && r.baseline.is_none() {
            let n = self.failures.fetch_add(1, SeqCst) + 1;
            if let Some(max) = opts.max_failures.filter(|m| n >= *m) {
                let _ = self.tripped.set(format!("{max} case(s) failed or errored (--max-failures {max})"));
            }
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
}

/// Why a step left no verdict, typed so the outcome follows from the kind.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CaseError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CaseError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CaseError { kind, message: message.into() }
    }

    /// The same error, its message prefixed with where it happened.
    pub fn at(self, place: &str) -> Self {
        CaseError { kind: self.kind, message: format!("{place}: {}", self.message) }
    }
}

/// What a step got back.
pub(crate) enum Observed {
    Http(HttpResponse),
    Browser(Landing, Sent),
}

/// What a browser step sent that its checks compare against.
pub(crate) struct Sent {
    pub state: Option<String>,
    pub redirect_uri: Option<String>,
}

/// One case in progress.
pub(crate) struct CaseRun<'a> {
    pub env: &'a Env,
    /// This case's own redactor (the target's secrets and what this case saw): small, so fast.
    /// Everything registered here is registered with the run's redactor too.
    local: Redactor,
    pub values: HashMap<String, String>,
    pub(crate) exchanges: Vec<(String, Exchange)>,
    checks: Vec<CheckRecord>,
    /// A sampled case's member, and the values its main answers carried.
    sampled: Option<(String, Vec<String>)>,
    /// The case's own level: checks graded below it make warnings, not failures.
    level: Level,
    /// What the last request's refusal points at in the target file, if anything.
    last_hint: Option<Diagnosis>,
    /// Why the case's positive request (or its setup) was not accepted.
    refused: Option<(String, Option<Diagnosis>)>,
    dpop: DpopState,
    /// Where a browser login stopped, photographed with its inputs emptied (PNG).
    screenshot: Option<Vec<u8>>,
    /// What login commands wrote to their stderr, by step.
    login_log: Vec<(String, String)>,
}

/// A case's DPoP keys (A, the client's; B, another), made on first use, and what the server said.
#[derive(Default)]
struct DpopState {
    keys: std::sync::OnceLock<(crate::jose::assertion::SigningKey, crate::jose::assertion::SigningKey)>,
    /// The latest DPoP-Nonce each origin sent (RFC 9449 §8, §9).
    nonces: HashMap<String, String>,
    /// The case's last proof, for a replay.
    last: Option<String>,
}

impl DpopState {
    fn keys(&self) -> &(crate::jose::assertion::SigningKey, crate::jose::assertion::SigningKey) {
        self.keys.get_or_init(|| (crate::jose::assertion::SigningKey::generate(), crate::jose::assertion::SigningKey::generate()))
    }
}

/// Why a case cannot run against this target (every missing prerequisite), if it cannot.
pub fn unmet_needs(case: &Case, target: &Target) -> Option<String> {
    let missing: Vec<String> = case
        .needs
        .iter()
        .filter_map(|n| match n {
            Need::Login if target.login.is_none() => Some(n.missing_reason().to_string()),
            Need::SecondClient if target.second_client.is_none() => Some(n.missing_reason().to_string()),
            Need::Probe if target.probe_url.is_none() => Some(n.missing_reason().to_string()),
            Need::PublicClient if target.public_client.is_none() => Some(n.missing_reason().to_string()),
            Need::RedirectUriOptional if !target.client.redirect_uri_optional => Some(n.missing_reason().to_string()),
            Need::JwtClient if target.jwt_client.is_none() => Some(n.missing_reason().to_string()),
            Need::NonLoopbackRedirect if target.client.is_loopback() => Some(n.missing_reason().to_string()),
            Need::LoopbackRedirect if !target.public_client.as_ref().is_some_and(|c| c.is_loopback()) => Some(n.missing_reason().to_string()),
            Need::Capability(c) if !target.capabilities.offers(*c) => Some(target.capabilities.missing_reason(*c)),
            _ => None,
        })
        .collect();
    let missing: Vec<String> = missing
        .into_iter()
        .chain(case.wait.as_ref().filter(|w| !target.slow.contains_key(*w)).map(|w| format!("the target file has no [slow] {w} (seconds to wait for the {})", wait_what(w))))
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

fn wait_what(key: &str) -> &'static str {
    crate::suite::case::WAITS.iter().find(|(k, _)| *k == key).map_or("lifetime", |(_, what)| *what)
}

/// Why a slow case does not run without `--slow`.
fn slow_skip(case: &Case, target: &Target, slow: bool) -> Option<String> {
    let w = case.wait.as_ref().filter(|_| !slow)?;
    let secs = target.slow.get(w).map(|s| format!(" ({s} s)")).unwrap_or_default();
    Some(format!("a slow case: it waits out the {}{secs}; run with --slow", wait_what(w)))
}

/// A printable ASCII state with every reserved character of RFC 3986 §2.2 and a space, ~300 bytes.
fn long_state() -> String {
    let mut s = crate::model::token::random_hex(16);
    while s.len() < 300 {
        s.push_str(" :/?#[]@!$&'()*+,;=%~-._");
        s.push_str(&crate::model::token::random_hex(4));
    }
    s
}

/// The registered redirect URI changed the way redirect-URI attacks change it (RFC 9700 §4.1), as
/// text: parsing it with `Url` would undo the very normalisations under test.
fn manipulated_redirect_uri(registered: &str, how: &str) -> Option<String> {
    let u = Url::parse(registered).ok()?;
    let (scheme, host) = (u.scheme(), u.host_str()?);
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = u.path();
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    let origin = format!("{scheme}://{host}{port}");
    Some(match how {
        "trailing_slash" => format!("{origin}{}/{query}", path.trim_end_matches('/')),
        "path_case" => format!("{origin}{}{query}", path.to_uppercase()),
        // The path's last letter percent-encoded: the same resource to a lax comparison.
        "percent_encoded" => {
            let (head, last) = path.split_at(path.len().checked_sub(1)?);
            format!("{origin}{head}%{:02X}{query}", last.as_bytes().first()?)
        }
        "dot_segment" => format!("{origin}/x/..{path}{query}"),
        "userinfo" => format!("{scheme}://{host}@evil.example.test{path}{query}"),
        "other_port" => format!("{scheme}://{host}:{}{path}{query}", u.port_or_known_default().map_or(8443, |p| if p == 8443 { 8444 } else { 8443 })),
        "subdomain" => format!("{scheme}://evil.{host}{port}{path}{query}"),
        "fragment" => format!("{registered}#injected"),
        _ => return None,
    })
}

/// RFC 4122 version 4 UUID from fresh random bytes.
fn uuid_v4() -> String {
    let mut b = crate::model::token::random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn step_label(role: &str, i: usize, step: &Step) -> String {
    match &step.name {
        Some(n) => format!("{role} {} ({n}: {})", i + 1, step.endpoint),
        None => format!("{role} {} ({})", i + 1, step.endpoint),
    }
}

impl<'a> CaseRun<'a> {
    fn new(env: &'a Env) -> Self {
        let mut values = HashMap::new();
        values.insert("state".to_string(), format!("st-{}", crate::model::token::random_hex(12)));
        values.insert("long_state".to_string(), long_state());
        values.insert("random".to_string(), crate::model::token::random_hex(8));
        // The jti every `jwt_replay` step of the case shares.
        values.insert("jti".to_string(), crate::model::token::random_token());
        // RFC 7636 §4.1-4.2: a 43-character verifier and its S256 challenge.
        let verifier = crate::model::token::random_token();
        values.insert("code_challenge".to_string(), crate::model::token::s256(&verifier));
        values.insert("code_verifier".to_string(), verifier);
        let local = Redactor::new();
        for (k, v) in env.target.secrets() {
            local.add(k, &v);
        }
        CaseRun { env, local, values, exchanges: Vec::new(), checks: Vec::new(), sampled: None, level: Level::Must, last_hint: None, refused: None, dpop: DpopState::default(), screenshot: None, login_log: Vec::new() }
    }

    fn lookup(&self, name: &str, role: Role) -> Option<String> {
        let t = &self.env.target;
        let (me, other) = match role {
            Role::Client => (Some(&t.client), t.second_client.as_ref()),
            Role::SecondClient => (t.second_client.as_ref(), Some(&t.client)),
            Role::PublicClient => (t.public_client.as_ref(), Some(&t.client)),
        };
        let second = if role == Role::Client { other } else { me };
        match name {
            "client_id" => me.map(|c| c.id.clone()),
            "redirect_uri" => me.and_then(|c| c.redirect_uri.clone()),
            "scope" => me.and_then(|c| c.scope.clone()).or_else(|| t.client.scope.clone()),
            "redirect_uri_other_scheme" => {
                let mut u = Url::parse(me?.redirect_uri.as_deref()?).ok()?;
                let other_scheme = if u.scheme() == "https" { "http" } else { "https" };
                u.set_scheme(other_scheme).ok()?;
                Some(u.to_string())
            }
            name if name.starts_with("redirect_uri_") => manipulated_redirect_uri(me?.redirect_uri.as_deref()?, &name["redirect_uri_".len()..]),
            "second_client_id" => second.map(|c| c.id.clone()),
            "second_redirect_uri" => second.and_then(|c| c.redirect_uri.clone()),
            "public_redirect_uri" => t.public_client.as_ref().and_then(|c| c.redirect_uri.clone()),
            "uuid" => Some(uuid_v4()),
            "issuer" => Some(t.issuer()),
            "dpop_jkt" => Some(crate::jose::dpop::thumbprint(&self.dpop.keys().0)),
            _ => self.values.get(name).cloned(),
        }
    }

    /// Sends `step` (through the login driver for browser endpoints) and records the exchanges.
    pub(crate) async fn perform(&mut self, label: &str, step: &Step, role: Role, overrides: &[(String, String)]) -> Result<Observed, CaseError> {
        self.last_hint = None;
        let mut built = {
            let lookup = |n: &str| overrides.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).or_else(|| self.lookup(n, role));
            request::build(step, &self.env.profile, &self.env.target, role, &lookup).map_err(|e| CaseError::new(ErrorKind::Request, e.to_string()))?
        };
        if let Some(flaw) = step.dpop {
            self.sign_dpop(&mut built.request, flaw)?;
        }
        if let Some(a) = &built.assertion {
            Both(&self.local, &self.env.redactor).add("client_assertion", a);
        }
        let env = self.env;
        match step.browser {
            Some(b) => {
                let choice = match b {
                    Browser::Approve => Choice::Approve,
                    Browser::Deny => Choice::Deny,
                    Browser::FirstPage => Choice::FirstPage,
                };
                let t = &env.target;
                let origins = vec![t.base_url.origin(), built.request.url.origin()];
                let stop_at: Vec<Url> = [built.sent_redirect_uri.clone(), t.client.redirect_uri.clone(), t.second_client.as_ref().and_then(|c| c.redirect_uri.clone())]
                    .into_iter()
                    .flatten()
                    .filter_map(|u| Url::parse(&u).ok())
                    .collect();
                let mut browser = login::Browser::new(&env.http, origins, t.login.as_ref(), stop_at);
                let start = built.request.url.clone();
                let login::Driven { landing, screenshot, log } = login::drive_with(&mut browser, start, choice, &env.chromium).await;
                self.screenshot = screenshot;
                self.login_log.extend(log.map(|text| (label.to_string(), text)));
                for ex in std::mem::take(&mut browser.exchanges) {
                    self.learn_exchange(&ex);
                    self.exchanges.push((label.to_string(), ex));
                }
                if let Err(login::DriveError::LoginRefused { .. }) = &landing {
                    self.last_hint = Some(Diagnosis::Login);
                }
                let landing = landing.map_err(|e| {
                    let kind = if matches!(e, login::DriveError::Transport { .. }) { ErrorKind::Transport } else { ErrorKind::Login };
                    CaseError::new(kind, e.to_string())
                })?;
                self.last_hint = self.last_hint.or_else(|| redirect_uri_refused(&landing).then_some(Diagnosis::RedirectUri));
                Ok(Observed::Browser(landing, Sent { state: built.sent_state, redirect_uri: built.sent_redirect_uri }))
            }
            None => {
                let mut ex = env.http.send(built.request.clone()).await;
                // RFC 9449 §8, §9: asked for a nonce, a client signs again with it and retries once.
                if let (Some(flaw), Ok(resp)) = (step.dpop, &ex.response) {
                    let origin = built.request.url.origin().ascii_serialization();
                    if let Some(n) = resp.header("dpop-nonce") {
                        self.dpop.nonces.insert(origin, n.trim().to_string());
                    }
                    if crate::jose::dpop::nonce_asked(resp).is_some() && !matches!(flaw, crate::jose::dpop::Flaw::Absent | crate::jose::dpop::Flaw::Replay) && !flaw.judged_on_iat() {
                        self.learn_exchange(&ex);
                        self.exchanges.push((format!("{label} (the server asked for a DPoP nonce)"), ex));
                        let mut again = built.request.clone();
                        self.sign_dpop(&mut again, flaw)?;
                        ex = env.http.send(again).await;
                    }
                }
                self.learn_exchange(&ex);
                let what = format!("{} {}", ex.request.method, crate::check::record::show_url(&ex.request.url));
                let resp = ex.response.clone();
                self.exchanges.push((label.to_string(), ex));
                let own_credentials = step.auth.or_else(|| env.profile.endpoints.get(&step.endpoint).map(|e| e.auth)) == Some(Auth::Basic);
                if let (Ok(r), true) = (&resp, own_credentials)
                    && (r.status == 401 || r.json().and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e == "invalid_client")).unwrap_or(false)) {
                        self.last_hint = Some(Diagnosis::ClientCredentials);
                    }
                resp.map(Observed::Http).map_err(|e| CaseError::new(ErrorKind::Transport, format!("{what}: {e}")))
            }
        }
    }

    /// Puts the step's DPoP proof on `request`, with the nonce its origin last gave.
    fn sign_dpop(&mut self, request: &mut crate::transport::http::HttpRequest, flaw: crate::jose::dpop::Flaw) -> Result<(), CaseError> {
        let nonce = self.dpop.nonces.get(&request.url.origin().ascii_serialization()).filter(|_| !flaw.judged_on_iat()).cloned();
        let proofs = crate::jose::dpop::attach(request, self.dpop.keys(), flaw, nonce.as_deref(), self.dpop.last.as_deref()).map_err(|e| CaseError::new(ErrorKind::Request, e.to_string()))?;
        for p in &proofs {
            Both(&self.local, &self.env.redactor).add("dpop_proof", p);
        }
        if let Some(p) = proofs.last() {
            self.dpop.last = Some(p.clone());
        }
        Ok(())
    }

    /// Registers every token and code the target issued, before any message can quote it.
    fn learn_exchange(&self, ex: &Exchange) {
        let r = &Both(&self.local, &self.env.redactor);
        // In URLs: codes and tokens. In JSON bodies: tokens only (a JSON `code` is an error code
        // in some APIs, e.g. citi-mx's {code, details, …}).
        let in_url = |k: &str| k.ends_with("token") || k == "code" || k.ends_with("_code");
        // Device codes, user codes and request_uris are credentials too (RFC 8628, RFC 9126).
        let in_json = |k: &str| k.ends_with("token") || matches!(k, "device_code" | "user_code" | "request_uri");
        for (k, v) in ex.request.url.query_pairs() {
            if in_url(&k) {
                r.add(&k, &v);
            }
        }
        let Ok(resp) = &ex.response else { return };
        if let Some(Value::Object(o)) = resp.json() {
            for (k, v) in o {
                if let (true, Value::String(s)) = (in_json(&k), &v) {
                    r.add(&k, s);
                }
            }
        }
        if let Some(loc) = resp.header("location").and_then(|l| ex.request.url.join(l).ok()) {
            for (k, v) in loc.query_pairs() {
                if in_url(&k) {
                    r.add(&k, &v);
                }
            }
            if let Some(f) = loc.fragment() {
                for (k, v) in url::form_urlencoded::parse(f.as_bytes()) {
                    if in_url(&k) {
                        r.add(&k, &v);
                    }
                }
            }
        }
    }

    /// Stores a named step's answer as `{name.member}` values for later steps.
    fn capture(&mut self, step: &Step, obs: &Observed) {
        let Some(name) = &step.name else { return };
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
                        self.values.insert(format!("{name}.{k}"), s);
                    }
                }
            }
            Observed::Browser(Landing::Redirect(u), _) => {
                for (k, v) in u.query_pairs() {
                    self.values.insert(format!("{name}.{k}"), v.into_owned());
                }
            }
            Observed::Browser(..) => {}
        }
    }

    fn evaluate(&self, label: &str, step: &Step, obs: &Observed) -> Vec<CheckRecord> {
        let resolve = |n: &str| self.lookup(n, Role::Client);
        let (observation, sent) = match obs {
            Observed::Http(r) => (Observation::Http(r), None),
            Observed::Browser(l, s) => (Observation::Browser(l), Some(s)),
        };
        let ctx = CheckContext {
            schemas: &self.env.profile.schemas,
            error_schema: &self.env.profile.error_schema,
            sent_state: sent.and_then(|s| s.state.as_deref()),
            sent_redirect_uri: sent.and_then(|s| s.redirect_uri.as_deref()),
            resolve: &resolve,
        };
        check::evaluate(label, self.level, &step.expect, &observation, &ctx)
    }

    /// Runs one step and its checks; Ok(true) when every check at the case's level held; Err is
    /// a problem that leaves no verdict.
    async fn step(&mut self, label: &str, step: &Step) -> Result<bool, CaseError> {
        let role = if step.auth == Some(Auth::Public) { Role::PublicClient } else { Role::Client };
        let obs = self.perform(label, step, role, &[]).await?;
        if label == "main" && let Some(why) = refusal(step, &obs) {
            self.refused = Some((why, self.last_hint));
        }
        let records = self.evaluate(label, step, &obs);
        let level = self.level;
        let ok = records.iter().all(|r| r.passed || r.level > level);
        self.checks.extend(records);
        self.capture(step, &obs);
        if label.starts_with("main")
            && let Some((member, values)) = &mut self.sampled {
                let value = match &obs {
                    Observed::Http(r) => r.json().and_then(|v| v.get(member.as_str()).and_then(Value::as_str).map(str::to_string)),
                    Observed::Browser(Landing::Redirect(u), _) => u.query_pairs().find(|(k, _)| k == member.as_str()).map(|(_, v)| v.into_owned()),
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
                && let Some(why) = self.setup(case).await? {
                    return Ok(Some(why));
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

    /// Sends the main request `count` times at once.
    async fn race(&mut self, step: &Step, count: usize, max_success: usize) -> Result<(), CaseError> {
        let built = {
            let lookup = |n: &str| self.lookup(n, Role::Client);
            request::build(step, &self.env.profile, &self.env.target, Role::Client, &lookup).map_err(|e| CaseError::new(ErrorKind::Request, e.to_string()))?
        };
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..count {
            let http = self.env.http.clone();
            let req = built.request.clone();
            set.spawn(async move { http.send(req).await });
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
            self.exchanges.push(("main (race)".into(), ex));
        }
        if responses.is_empty() {
            let first = problems.first().cloned().unwrap_or_default();
            return Err(CaseError::new(ErrorKind::Transport, format!("none of the {count} racing requests was answered: {first}")));
        }
        let successes = responses.iter().filter(|r| (200..300).contains(&r.status)).count();
        self.checks.push(check::race_successes("main", successes, count, max_success));
        for (i, r) in responses.into_iter().filter(|r| !(200..300).contains(&r.status)).enumerate() {
            let obs = Observed::Http(r);
            let records = self.evaluate(&format!("main (loser {})", i + 1), step, &obs);
            self.checks.extend(records);
        }
        Ok(())
    }

    /// Fixtures, the before steps and the slow case's wait; an error when any did not go as
    /// needed (the case's request is then refused, not judged). `Ok(Some(why))`: a precondition
    /// step found the server chose a behaviour the RFC leaves open, under which the case does not apply.
    async fn setup(&mut self, case: &Case) -> Result<Option<String>, CaseError> {
        let refused = |run: &mut Self, e: CaseError| {
            run.refused = Some((e.message.clone(), run.last_hint));
            e
        };
        for fx in &case.fixtures {
            if let Err(e) = self.make_fixture(*fx).await {
                return Err(refused(self, e.at("setup failed")));
            }
        }
        for (i, s) in case.before.iter().enumerate() {
            let label = step_label("before", i, s);
            match self.step(&label, s).await {
                Err(e) => return Err(refused(self, e.at(&format!("setup step {label}")))),
                Ok(false) if s.precondition => {
                    return Ok(Some(format!("does not apply: {label} shows {}", self.failures(Some(&label), self.level))));
                }
                Ok(false) => {
                    let why = format!("setup step {label} did not go as needed: {}", self.failures(Some(&label), self.level));
                    return Err(refused(self, CaseError::new(ErrorKind::Setup, why)));
                }
                Ok(true) => {}
            }
        }
        // The slow case's wait: after its fixtures and setup (a pushed request_uri, say), just
        // before the request that must find them dead.
        if let Some(secs) = case.wait.as_ref().and_then(|w| self.env.target.slow.get(w)) {
            tokio::time::sleep(Duration::from_secs(*secs)).await;
        }
        Ok(None)
    }

    /// Runs the case to its verdict, or to the error that leaves none.
    async fn go(&mut self, case: &Case) -> Result<(Outcome, String), CaseError> {
        self.level = case.level;
        let refused = |run: &mut Self, e: CaseError| {
            run.refused = Some((e.message.clone(), run.last_hint));
            e
        };
        if let Some(why) = self.setup(case).await? {
            return Ok((Outcome::Skipped, format!("skipped: {why}")));
        }
        let main = match (&case.race, &case.sample) {
            (Some(r), _) => self.race(&case.main, r.count, r.max_success).await.map(|_| None),
            (None, Some(sm)) => self.sample(case, sm.count, &sm.member).await,
            (None, None) => self.step("main", &case.main).await.map(|_| None),
        };
        if let Some(why) = main.map_err(|e| refused(self, e))? {
            return Ok((Outcome::Skipped, format!("skipped: {why}")));
        }
        for (i, s) in case.after.iter().enumerate() {
            let label = step_label("after", i, s);
            if let Err(e) = self.step(&label, s).await {
                let failed = self.failures(None, self.level);
                let prefix = if failed.is_empty() { String::new() } else { format!("{failed}; then ") };
                return Err(CaseError { kind: e.kind, message: format!("{prefix}follow-up {label}: {}", e.message) });
            }
        }
        let failed = self.failures(None, self.level);
        if !failed.is_empty() {
            return Ok((Outcome::Failed, failed));
        }
        let warned = self.failures(None, Level::May);
        Ok(if warned.is_empty() {
            (Outcome::Passed, format!("{} checks passed", self.checks.len()))
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
struct Both<'r>(&'r Redactor, &'r Redactor);

impl Both<'_> {
    fn add(&self, kind: &str, value: &str) {
        self.0.add(kind, value);
        self.1.add(kind, value);
    }
}

fn skeleton(case: &Case, profile: &str) -> CaseResult {
    CaseResult {
        endpoint: case.endpoint.clone(),
        title: case.title.clone(),
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
    let (outcome, message, kind) = match run.go(case).await {
        Ok((o, m)) => (o, m, None),
        Err(e) => (Outcome::Error, e.message, Some(e.kind)),
    };
    let mut result = skeleton(case, &env.profile.name);
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
    result.transcript = crate::transport::transcript::records(&run.exchanges, &run.local);
    if let Some(sink) = &env.raw_requests {
        let reqs = run.exchanges.iter().map(|(_, ex)| ex.request.clone()).collect();
        sink.lock().unwrap_or_else(|e| e.into_inner()).push((case.id.clone(), reqs));
    }
    result.curl = crate::transport::transcript::curl(&run.exchanges, &run.local);
    // Bounded: a screenshot larger than 2 MB is left out rather than bloating every report.
    result.screenshot = run.screenshot.take().filter(|png| png.len() <= 2 << 20).map(|png| base64::engine::general_purpose::STANDARD.encode(png));
    result.login_log = run.login_log.iter().map(|(step, text)| LoginLog { step: step.clone(), text: run.local.redact(&crate::transport::http::excerpt(text.trim(), 4000)) }).collect();
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
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
        Observed::Browser(Landing::Redirect(u), _) => {
            let error = u.query_pairs().find(|(k, _)| k == "error").map(|(_, v)| v.into_owned());
            match (step.browser, error) {
                (_, None) if u.query_pairs().any(|(k, _)| k == "code") => None,
                (Some(Browser::Deny), Some(e)) if e == "access_denied" => None,
                (_, Some(e)) => Some(format!("redirected with error={}", crate::transport::http::excerpt(&e, 60))),
                (_, None) => Some(format!("redirected without a code to {}", crate::check::record::show_url(u))),
            }
        }
        Observed::Browser(Landing::Page { status, page, .. }, _) if step.browser == Some(Browser::FirstPage) && (200..300).contains(status) && page.login_form().is_some() => None,
        Observed::Browser(Landing::Page { url, status, page }, _) => Some(format!("the login ended at {} (status {status}, {})", crate::check::record::show_url(url), page.summary())),
    }
}

/// A page or error redirect that blames the redirect_uri.
fn redirect_uri_refused(landing: &Landing) -> bool {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("redirect_uri") || s.contains("redirect uri") || s.contains("redirection uri")
    };
    match landing {
        Landing::Page { page, .. } => page.login_form().is_none() && mentions(&page.text),
        Landing::Redirect(u) => u.query_pairs().any(|(k, v)| k == "error_description" && mentions(&v)),
    }
}

/// What a case publishes for the cases that require it: `Some(text)` when they are blocked.
type Blocker = Option<String>;

/// A case's result as the cases that require it see it, published once; dependents wait on it.
#[derive(Default)]
struct Gate {
    value: Mutex<Option<Blocker>>,
    ready: std::sync::Condvar,
}

impl Gate {
    fn publish(&self, blocker: Blocker) {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        if v.is_none() {
            *v = Some(blocker);
            self.ready.notify_all();
        }
    }

    fn wait(&self) -> Blocker {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        while v.is_none() {
            v = self.ready.wait(v).unwrap_or_else(|e| e.into_inner());
        }
        v.clone().flatten()
    }
}

/// Publishes "not blocking" if the trial ends without publishing (a panic), so no dependent waits
/// for ever.
struct Publish(Arc<Gate>);

impl Drop for Publish {
    fn drop(&mut self) {
        self.0.publish(None);
    }
}

/// The blocker a finished case hands to the cases that require it.
fn blocker_of(r: &CaseResult) -> Blocker {
    if r.blocked() {
        return Some(r.message.trim_start_matches("blocked: ").to_string());
    }
    match (&r.outcome, &r.refused) {
        (Outcome::Failed | Outcome::Error, Some(why)) => Some(format!("{} was refused ({why})", r.id)),
        _ => None,
    }
}

/// How many `requires` links lead from `case` to a case with none (cycles count as none).
fn depth(case: &Case, cases: &[Case]) -> usize {
    let mut d = 0;
    let mut at = case;
    while let Some(next) = at.requires.as_ref().and_then(|r| cases.iter().find(|c| c.id == *r)) {
        d += 1;
        at = next;
        if d > cases.len() {
            return 0;
        }
    }
    d
}

/// A case's result that says why it did not start.
fn not_started(case: &Case, profile: &str, outcome: Outcome, kind: Option<ErrorKind>, message: String) -> CaseResult {
    let mut r = skeleton(case, profile);
    r.outcome = outcome;
    r.error_kind = kind;
    r.message = message;
    r
}

/// Runs every plan's cases as libtest-mimic trials (libtest-mimic schedules them; its own printer
/// is silenced) and returns their results in case order. Each case's final result goes to
/// `opts.events` as it finishes.
pub fn run(plans: &[Plan], opts: &RunOptions, redactor: Arc<Redactor>) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("oauth-conformance")
        .build()
        .map_err(RunError::Runtime)?;
    let http = Http::with_tls(opts.request_timeout, opts.body_cap, &opts.tls).map_err(|e| RunError::Http(e.to_string()))?;
    let emit = |e: &Event| {
        if let Some(sink) = &opts.events {
            sink(e);
        }
    };
    let mut slots: Vec<(usize, CaseResult)> = Vec::new();
    let mut trials: Vec<(usize, Trial)> = Vec::new();
    let results: Arc<Mutex<HashMap<usize, CaseResult>>> = Arc::default();
    let stop = opts.stop.clone().unwrap_or_default();
    let breaker: Arc<Breaker> = Arc::default();
    // Ordinary cases share this lock; a `serial = true` case holds it alone.
    let exclusive: Arc<std::sync::RwLock<()>> = Arc::default();
    let mut filtered_out = 0;
    let chromium: Arc<tokio::sync::OnceCell<_>> = Arc::default();
    for (pi, plan) in plans.iter().enumerate() {
        for (k, v) in plan.target.secrets() {
            redactor.add(k, &v);
        }
        let env = Arc::new(Env {
            profile: plan.profile.clone(),
            target: plan.target.clone(),
            http: http.clone(),
            redactor: redactor.clone(),
            raw_requests: opts.raw_requests.clone(),
            run_started: started,
            chromium: chromium.clone(),
        });
        let selected: Vec<&Case> = plan.profile.cases.iter().filter(|c| opts.selection.selects(c)).collect();
        filtered_out += plan.profile.cases.len() - selected.len();
        // A gate per case some selected case requires; dependents wait on it before they start.
        let gates: HashMap<String, Arc<Gate>> = selected
            .iter()
            .filter_map(|c| c.requires.as_ref())
            .filter(|r| selected.iter().any(|c| c.id == **r))
            .map(|r| (r.clone(), Arc::new(Gate::default())))
            .collect();
        for case in selected {
            let idx = slots.len();
            let my_gate = gates.get(&case.id).cloned();
            let wait_for = case.requires.as_ref().and_then(|r| gates.get(r)).cloned();
            let order = depth(case, &plan.profile.cases);
            let name = plan.profile.name.clone();
            slots.push((pi, not_started(case, &name, Outcome::Error, Some(ErrorKind::Internal), "internal error: the case did not complete (panic in the harness)".into())));
            let (env, case, results, handle) = (env.clone(), Arc::new(case.clone()), results.clone(), rt.handle().clone());
            let (exclusive, stop, breaker, opts) = (exclusive.clone(), stop.clone(), breaker.clone(), opts.clone());
            let trial = Trial::test(case.id.clone(), move || {
                let _publish = my_gate.clone().map(Publish);
                let finish = |mut r: CaseResult| {
                    if let Some(b) = &opts.baseline {
                        b.mark(&name, &mut r);
                    }
                    breaker.count(&r, &opts);
                    if let Some(g) = &my_gate {
                        g.publish(blocker_of(&r));
                        if let (Some(line), Some(sink)) = (r.diagnosis_line(), &opts.events) {
                            sink(&Event::Diagnosis(line));
                        }
                    }
                    if let Some(sink) = &opts.events {
                        sink(&Event::CaseFinished(Box::new(r.clone())));
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner()).insert(idx, r);
                    Ok(())
                };
                let interrupted = |signal: &str| not_started(&case, &name, Outcome::Skipped, None, format!("skipped: not run, the run was interrupted ({signal})"));
                if let Some(signal) = stop.reason() {
                    return finish(interrupted(signal));
                }
                if let Some(why) = &opts.unreachable {
                    return finish(not_started(&case, &name, Outcome::Error, Some(ErrorKind::NotRun), format!("not run: {why}")));
                }
                // What the target lacks skips a case before any anchor could block it.
                if let Some(reason) = slow_skip(&case, &env.target, opts.slow).or_else(|| unmet_needs(&case, &env.target)) {
                    return finish(not_started(&case, &name, Outcome::Skipped, None, format!("skipped: {reason}")));
                }
                if let Some(blocker) = wait_for.as_ref().and_then(|g| g.wait()) {
                    return finish(not_started(&case, &name, Outcome::Error, Some(ErrorKind::Blocked), format!("blocked: {blocker}")));
                }
                if let Some(signal) = stop.reason() {
                    return finish(interrupted(signal));
                }
                if let Some(why) = breaker.tripped.get() {
                    return finish(not_started(&case, &name, Outcome::Error, Some(ErrorKind::NotRun), format!("not run: {why}")));
                }
                // The case runs as a task on the runtime (its I/O wake-ups stay on the runtime's
                // threads); this trial thread only waits for the result.
                let run_on_runtime = || {
                    let (tx, rx) = std::sync::mpsc::channel();
                    let (env, case) = (env.clone(), case.clone());
                    handle.spawn(async move {
                        let _ = tx.send(execute(&env, &case).await);
                    });
                    rx.recv().map_err(|_| Failed::from("internal error: the case's task panicked"))
                };
                let result = if case.serial {
                    let _alone = exclusive.write().unwrap_or_else(|e| e.into_inner());
                    run_on_runtime()?
                } else {
                    let _shared = exclusive.read().unwrap_or_else(|e| e.into_inner());
                    run_on_runtime()?
                };
                finish(result)
            })
            .with_kind(plan.profile.name.clone());
            trials.push((order, trial));
        }
    }
    let jobs = opts.jobs.unwrap_or(DEFAULT_JOBS).max(1);
    emit(&Event::Started { cases: trials.len(), filtered_out, jobs });
    let args = Arguments {
        test_threads: Some(jobs),
        // The suite's own reporters print; libtest-mimic only schedules.
        logfile: Some(if cfg!(windows) { "NUL".to_string() } else { "/dev/null".to_string() }),
        color: Some(libtest_mimic::ColorSetting::Never),
        ..Arguments::default()
    };
    // Required cases first: a dependent is only taken once every case it waits on has started.
    trials.sort_by_key(|(order, _)| *order);
    let _conclusion = libtest_mimic::run(&args, trials.into_iter().map(|(_, t)| t).collect());
    let mut done = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    let mut runs: Vec<ProfileRun> = plans
        .iter()
        .map(|p| ProfileRun { profile: p.profile.name.clone(), target: p.target.base_url.to_string(), cases: Vec::new() })
        .collect();
    for (idx, (pi, placeholder)) in slots.into_iter().enumerate() {
        runs[pi].cases.push(done.remove(&idx).unwrap_or(placeholder));
    }
    drop(rt);
    // The last line of defence: what any case saw, redacted in every case's target data.
    for c in runs.iter_mut().flat_map(|r| r.cases.iter_mut()) {
        crate::model::redact::redact_case(c, &redactor);
    }
    let interrupted = stop.reason();
    let result = RunResult {
        runs,
        strict: opts.strict,
        duration_ms: started.elapsed().as_millis() as u64,
        interrupted,
        insecure: opts.insecure,
        filtered_out,
        preflight: opts.unreachable.clone(),
        stopped: breaker.tripped.get().cloned(),
    };
    emit(&Event::Finished);
    Ok(result)
}
