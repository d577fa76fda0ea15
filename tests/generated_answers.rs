//! Hostile answers, generated: a loopback server answers every request with a status, headers,
//! body, redirect and size drawn from a seeded generator (tokens in bodies, in error codes, in
//! redirects; HTML login and consent forms; bodies past the cap), and every case of every
//! profile runs against it. The properties: the suite never panics (no case ends in an internal
//! error), no positive case passes on an answer that is not a success, and no value the target
//! issued appears in clear in any report (JSON, JUnit, HTML, the terminal summary), whatever
//! message was derived from the answer that carried it.
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_conformance::model::result::Outcome;
use oauth_conformance::report;
use oauth_conformance::run::runner::RunOptions;
use oauth_conformance::suite::selection::Selection;

/// Seeds per profile: each is a different server; the generator is deterministic per seed, so a
/// failure names the seed that reproduces it.
const SEEDS: &[u64] = &[1, 3, 7, 42, 99, 1234];

/// A small deterministic generator (xorshift64*): the test needs reproducible variety, not
/// cryptographic quality.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A value the target "issues": long enough to be redacted, recorded for the final scan.
    fn issued(&mut self, kind: &str, issued: &Mutex<Vec<String>>) -> String {
        let v = format!("{kind}{:016x}{:08x}", self.next(), self.next() as u32);
        issued.lock().unwrap().push(v.clone());
        v
    }
}

/// What the server answers one request with.
fn answer(g: &mut Gen, port: u16, issued: &Mutex<Vec<String>>) -> Vec<u8> {
    let status = *g.pick(&[200u16, 200, 200, 201, 204, 301, 302, 302, 303, 400, 400, 401, 401, 403, 404, 429, 500, 503]);
    let mut headers: Vec<(String, String)> = Vec::new();
    let ctype = *g.pick(&["application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""]);
    if !ctype.is_empty() {
        headers.push(("Content-Type".into(), ctype.into()));
    }
    if (300..400).contains(&status) || g.chance(10) {
        let code = g.issued("code", issued);
        let state = format!("st{}", g.next());
        let location = match g.below(6) {
            0 => format!("https://app.example.test/callback?code={code}&state={state}"),
            1 => format!("https://app.example.test/callback?error=access_denied&state={state}&access_token={}", g.issued("tok", issued)),
            2 => format!("http://127.0.0.1:{port}/next/{}", g.next() % 1000),
            3 => format!("https://other.example.test/cb#code={code}"),
            4 => "::not a url::".to_string(),
            _ => format!("/relative?code={code}"),
        };
        headers.push(("Location".into(), location));
    }
    if status == 401 && g.chance(70) || g.chance(5) {
        let challenge = g.pick(&["Bearer realm=\"x\", error=\"invalid_token\"", "Basic realm=\"x\"", "DPoP algs=\"ES256\", error=\"use_dpop_nonce\"", "garbage", ""]);
        headers.push(("WWW-Authenticate".into(), challenge.to_string()));
    }
    if g.chance(30) {
        headers.push(("Cache-Control".into(), g.pick(&["no-store", "private", "max-age=60"]).to_string()));
    }
    if g.chance(10) {
        headers.push(("DPoP-Nonce".into(), format!("n{}", g.next())));
    }
    if g.chance(5) {
        headers.push(("X-Long".into(), "y".repeat(g.below(20_000))));
    }
    let body = match g.below(10) {
        0..=4 => json_body(g, port, issued),
        5 | 6 => html_body(g),
        7 => String::new(),
        8 => "x".repeat(g.below(1_500_000)),
        // A refusal whose error code repeats the access_token of the same body.
        _ => {
            let t = g.issued("tok", issued);
            format!("{{\"access_token\": \"{t}\", \"error\": \"e_{t}\", \"error_description\": \"<b>\\u00e9</b>\"}}")
        }
    };
    let mut out = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// A JSON object with a random choice of the members token, error, introspection, device and
/// PAR answers carry; issued values sometimes repeated inside the error code.
fn json_body(g: &mut Gen, port: u16, issued: &Mutex<Vec<String>>) -> String {
    let mut o = serde_json::Map::new();
    // Only a value that travels as a credential is one the suite can know to hide.
    let access = if g.chance(60) { Some(g.issued("at", issued)) } else { None };
    let mut put = |k: &str, v: serde_json::Value| {
        o.insert(k.to_string(), v);
    };
    if let Some(a) = &access {
        put("access_token", a.clone().into());
    }
    if g.chance(50) {
        put("token_type", g.pick(&["bearer", "Bearer", "DPoP", "mac", ""]).to_string().into());
    }
    if g.chance(50) {
        put("expires_in", g.pick(&[serde_json::json!(3600), serde_json::json!("3600"), serde_json::json!(-1), serde_json::json!(null)]).clone());
    }
    if g.chance(40) {
        put("refresh_token", g.issued("rt", issued).into());
    }
    if g.chance(30) {
        // JWT-shaped: header.payload.signature in base64url.
        put("id_token", format!("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ{}.c2ln", g.issued("idt", issued)).into());
    }
    if g.chance(30) {
        put("scope", g.pick(&["accounts", "admin accounts", ""]).to_string().into());
    }
    if g.chance(40) {
        let error = match (g.below(3), &access) {
            (0, Some(a)) => format!("invalid_grant {a}"),
            (0, None) => "invalid_grant".to_string(),
            (1, _) => g.pick(&["invalid_request", "invalid_client", "authorization_pending", "slow_down", "unsupported_grant_type"]).to_string(),
            _ => "ünïcode \u{0} <script>".to_string(),
        };
        put("error", error.into());
    }
    if g.chance(20) {
        put("active", g.pick(&[serde_json::json!(true), serde_json::json!(false), serde_json::json!("yes")]).clone());
    }
    if g.chance(20) {
        put("device_code", g.issued("dc", issued).into());
        put("user_code", g.issued("uc", issued).into());
        put("verification_uri", format!("http://127.0.0.1:{port}/device").into());
        put("interval", 0.into());
    }
    if g.chance(15) {
        put("request_uri", format!("urn:ietf:params:oauth:request_uri:{}", g.issued("ru", issued)).into());
    }
    if g.chance(10) {
        put("issuer", format!("http://127.0.0.1:{port}").into());
        put("token_endpoint", format!("http://127.0.0.1:{port}/token").into());
    }
    serde_json::Value::Object(o).to_string()
}

/// A page the login driver reads: a login form, a consent form, a user-code form, or nothing.
fn html_body(g: &mut Gen) -> String {
    let form = match g.below(5) {
        0 => r#"<form method="post" action="/login"><input name="username"><input type="password" name="password"><button>Sign in</button></form>"#,
        1 => r#"<form method="post" action="/consent"><button name="d" value="allow">Allow</button><button name="d" value="deny">Deny</button></form>"#,
        2 => r#"<form method="get" action="/device"><input name="user_code"><button>Continue</button></form>"#,
        3 => r#"<form method="post" action="https://evil.example.test/steal"><button>Allow</button></form>"#,
        _ => "<p>nothing here</p>",
    };
    format!("<!doctype html><html><head><title>T</title></head><body>{form}</body></html>")
}

/// Starts the generated-answers server for `seed`; counts the answers it gave.
fn start(seed: u64, issued: Arc<Mutex<Vec<String>>>, served: Arc<AtomicU64>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let n = served.fetch_add(1, Ordering::Relaxed);
            let issued = issued.clone();
            std::thread::spawn(move || serve(s, seed.wrapping_mul(1_000_003).wrapping_add(n) | 1, port, &issued));
        }
    });
    port
}

fn serve(mut s: TcpStream, state: u64, port: u16, issued: &Mutex<Vec<String>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 65536];
    let mut seen = Vec::new();
    // The request head, and as much of its body as Content-Length says.
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let len = head.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok())).unwrap_or(0);
            if seen.len() >= end + 4 + len {
                break;
            }
        }
    }
    let mut g = Gen(state);
    let _ = s.write_all(&answer(&mut g, port, issued));
}

/// The case ids by how many `requires` links lead from each: no case requires one of its own batch.
fn by_depth(cases: &[oauth_conformance::suite::case::Case]) -> Vec<Vec<String>> {
    let depth = |c: &oauth_conformance::suite::case::Case| {
        let mut d = 0;
        let mut at = c;
        while let Some(next) = at.requires.as_ref().and_then(|r| cases.iter().find(|x| x.id == *r)) {
            d += 1;
            at = next;
            if d > cases.len() {
                break;
            }
        }
        d
    };
    let mut batches: Vec<Vec<String>> = Vec::new();
    for c in cases {
        let d = depth(c);
        if batches.len() <= d {
            batches.resize(d + 1, Vec::new());
        }
        batches[d].push(c.id.clone());
    }
    batches
}

#[test]
fn generated_answers_never_panic_the_suite_never_pass_a_refusal_and_never_leak_an_issued_value() {
    let served = Arc::new(AtomicU64::new(0));
    let mut runs = 0;
    let mut cases = 0;
    let mut positive_passes = 0;
    for profile in ["citi-pl", "citi-mx", "rfc6749"] {
        let reference = common::start_profile(profile, &[]);
        let definitions = common::profile(profile);
        for &seed in SEEDS {
            let issued: Arc<Mutex<Vec<String>>> = Arc::default();
            let port = start(seed, issued.clone(), served.clone());
            let toml = reference.target_toml().replace(&reference.base_url(), &format!("http://127.0.0.1:{port}"));
            // First the whole profile (refused anchors block their dependents, whose "blocked:"
            // lines quote the refusal); then every case gets its own answers, in batches of one
            // `requires` depth, so no case of a batch waits on another's gate.
            let mut batches = vec![definitions.cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>()];
            batches.extend(by_depth(&definitions.cases));
            for batch in batches {
            let selection = Selection { filters: batch, exact: true, ..Selection::default() };
            let opts = RunOptions { selection, request_timeout: Duration::from_secs(5), race_rounds: Some(2), ..RunOptions::default() };
            let (result, _) = common::run_toml_with(&toml, opts);
            runs += 1;
            cases += result.cases().count();
            for c in result.cases() {
                let at = format!("{profile} seed {seed}: {}", c.id);
                assert_ne!(c.error_kind, Some(oauth_conformance::model::result::ErrorKind::Internal), "{at}: {}", c.message);
                let Some(def) = definitions.cases.iter().find(|d| d.id == c.id) else { continue };
                let browser = definitions.endpoints.get(&def.main.endpoint).is_some_and(|e| e.browser);
                if c.outcome == Outcome::Passed && def.main.expect.positive() && !browser && def.race.is_none() {
                    let main: Vec<u16> = c.transcript.iter().filter(|x| x.step.starts_with("main")).filter_map(|x| x.status).collect();
                    assert!(!main.is_empty() && main.iter().all(|s| (200..300).contains(s)), "{at} passed a positive case on {main:?}");
                    positive_passes += 1;
                }
            }
            let artifacts = [
                ("report.json", report::json::to_string(&result)),
                ("junit.xml", report::junit::render(&result)),
                ("report.html", report::html::render(&result)),
                ("summary", report::terminal::summary(&result, "", &[], false)),
            ];
            let issued = issued.lock().unwrap().clone();
            for (name, text) in &artifacts {
                let found = common::issued_values_in_clear(text);
                assert!(found.is_empty(), "{profile} seed {seed}: {name} holds values in clear: {found:#?}");
                for v in &issued {
                    if let Some(at) = text.find(v.as_str()) {
                        let around: String = text[..at].chars().rev().take(300).collect::<Vec<_>>().into_iter().rev().chain(text[at..].chars().take(v.len() + 100)).collect();
                        panic!("{profile} seed {seed}: {name} holds the issued value {v} in clear: …{around}…");
                    }
                }
            }
            }
        }
    }
    // How much was tried, for the closing note and the CI log.
    eprintln!("generated answers: {} answers to {runs} runs of {cases} cases; {positive_passes} positive cases passed, each on a 2xx", served.load(Ordering::Relaxed));
    assert!(served.load(Ordering::Relaxed) > 1500, "the generator was exercised");
}

/// The case the issue names: every answer is a refusal whose error code repeats the access_token
/// of its own body. The anchors are refused, their dependents blocked, and the token is in no
/// line of any report — the "blocked:" lines included.
#[test]
fn a_refusal_quoting_its_own_token_leaks_it_in_no_blocked_line() {
    let token = "tk-7f3a9c2e51d84b06a1c3";
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.read(&mut buf);
                let body = format!("{{\"access_token\":\"{token}\",\"error\":\"refused_{token}\"}}");
                let _ = s.write_all(format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
            });
        }
    });
    let reference = common::start_profile("citi-pl", &[]);
    let toml = reference.target_toml().replace(&reference.base_url(), &format!("http://127.0.0.1:{port}"));
    let (result, _) = common::run_toml(&toml);
    let blocked: Vec<&str> = result.cases().filter(|c| c.blocked()).map(|c| c.message.as_str()).collect();
    assert!(blocked.len() > 10, "the anchors' dependents are blocked: {}", blocked.len());
    assert!(blocked.iter().any(|m| m.contains("refused_‹access_token:")), "the blocked lines quote the refusal, redacted: {:?}", blocked.first());
    for (name, text) in [
        ("report.json", report::json::to_string(&result)),
        ("junit.xml", report::junit::render(&result)),
        ("report.html", report::html::render(&result)),
        ("summary", report::terminal::summary(&result, "", &[], false)),
    ] {
        assert!(!text.contains(token), "{name} holds the token in clear");
    }
}

/// The scanner the report tests use finds what it is meant to find, and passes markers.
#[test]
fn the_report_scanner_finds_values_in_clear_and_passes_markers() {
    for leak in [
        r#"{"id_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"}"#,
        "https://app.test/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=x",
        r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA"}"#,
        r#""response_body": "{\"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\"}""#,
        "grant_type=urn%3Aietf&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
    ] {
        assert!(!common::issued_values_in_clear(leak).is_empty(), "missed: {leak}");
    }
    for clean in [
        r#"{"access_token": "‹access_token:3f9a›", "code": "invalid_request"}"#,
        "https://app.test/cb?code=‹code:12ab›&state=x",
        r#"{"error":"invalid_grant","error_description":"the code was used"}"#,
    ] {
        assert!(common::issued_values_in_clear(clean).is_empty(), "false alarm: {clean}: {:?}", common::issued_values_in_clear(clean));
    }
}
