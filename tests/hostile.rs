//! Hostile and broken targets, started on loopback by the test: every full run ends within a
//! stated bound, exits 1 (never 2, never a panic's 101), gives every case an `error` or `failed`
//! verdict whose message names what happened, writes all reports, and keeps memory bounded.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use rstest::rstest;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");
const TIMEOUT_S: u64 = 1;
const JOBS: usize = 16;

/// Reads one request head (up to the blank line), best effort.
fn read_head(s: &mut TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Hostile {
    /// Accepts and never answers.
    Silent,
    /// Answers bytes that are not HTTP.
    NotHttp,
    /// Resets the connection.
    Reset,
    /// Streams an endless body.
    EndlessBody,
    /// Drips one byte a second.
    Drip,
    /// Redirects every request to itself.
    RedirectLoop,
    /// Answers 200 text/html to everything.
    HtmlEverywhere,
}

fn handle(kind: Hostile, mut s: TcpStream) {
    match kind {
        Hostile::Silent => {
            std::thread::sleep(Duration::from_secs(30));
        }
        Hostile::NotHttp => {
            read_head(&mut s);
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6 hostile\r\n\x00\x01\x02 not http at all\r\n\r\n");
        }
        Hostile::Reset => {
            read_head(&mut s);
            let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            drop(s);
        }
        Hostile::EndlessBody => {
            read_head(&mut s);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
            let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
            while s.write_all(chunk.as_bytes()).is_ok() {}
        }
        Hostile::Drip => {
            read_head(&mut s);
            for b in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}" {
                if s.write_all(&[*b]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Hostile::RedirectLoop => loop {
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            let head = String::from_utf8_lossy(&buf[..n]);
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let resp = format!("HTTP/1.1 302 Found\r\nlocation: {path}\r\ncontent-length: 0\r\n\r\n");
            if s.write_all(resp.as_bytes()).is_err() {
                break;
            }
        },
        Hostile::HtmlEverywhere => loop {
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            let body = "<html><body><h1>Welcome</h1><p>Nothing to see.</p></body></html>";
            let resp = format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}", body.len());
            if s.write_all(resp.as_bytes()).is_err() {
                break;
            }
        },
    }
}

/// Starts `kind` on a loopback port (threads end with the test process).
fn start(kind: Hostile) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || handle(kind, s));
        }
    });
    port
}

fn target_file(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let p = dir.join("target.toml");
    std::fs::write(
        &p,
        format!(
            "profile = \"citi-pl\"\nbase_url = \"http://127.0.0.1:{port}\"\nprobe_url = \"http://127.0.0.1:{port}/me\"\n\
             [client]\nid = \"c\"\nsecret = \"s3cret-value\"\nredirect_uri = \"https://app.example.test/cb\"\nscope = \"accounts\"\n\
             [second_client]\nid = \"d\"\nsecret = \"other-s3cret\"\nredirect_uri = \"https://other.example.test/cb\"\n\
             [login]\nusername = \"u\"\npassword = \"pa55word\"\n"
        ),
    )
    .unwrap();
    p
}

/// Peak resident set of the largest child this process has waited for, in MB.
fn children_peak_rss_mb() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

#[rstest]
#[case::silent(Some(Hostile::Silent), "timed out after 1 s")]
#[case::not_http(Some(Hostile::NotHttp), "not HTTP")]
#[case::reset(Some(Hostile::Reset), "connection reset")]
#[case::endless_body(Some(Hostile::EndlessBody), "body over the 1048576 byte cap")]
#[case::drip(Some(Hostile::Drip), "timed out after 1 s")]
#[case::redirect_loop(Some(Hostile::RedirectLoop), "redirect loop|got 302")]
#[case::html_everywhere(Some(Hostile::HtmlEverywhere), "expected|page with text \"Welcome")]
#[case::refused(None, "connection refused at 127.0.0.1:")]
fn a_hostile_target_gets_a_bounded_honest_verdict(#[case] kind: Option<Hostile>, #[case] says: &str) {
    let port = match kind {
        Some(k) => start(k),
        None => {
            // Nothing listening: bind, note the port, close.
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let target = target_file(dir.path(), port);
    let reports = dir.path().join("reports");
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["run", "--target", target.to_str().unwrap(), "--request-timeout", &TIMEOUT_S.to_string(), "--jobs", &JOBS.to_string(), "--report-dir", reports.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{kind:?}: exit 1 expected\n{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));

    // Bound: timeout × ceil(cases / jobs), plus start-up and slack; never cases × timeout.
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let bound = Duration::from_secs(TIMEOUT_S * cases.len().div_ceil(JOBS) as u64 + 5);
    assert!(wall < bound, "{kind:?}: took {wall:?}, bound {bound:?}");

    for c in cases {
        let outcome = c["outcome"].as_str().unwrap();
        assert!(outcome == "error" || outcome == "failed", "{kind:?}: {} was {outcome}", c["id"]);
        assert!(!c["message"].as_str().unwrap().is_empty());
    }
    // Every message names what happened (a case whose precondition failed says so instead).
    let silent: Vec<String> = cases
        .iter()
        .map(|c| c["message"].as_str().unwrap())
        .filter(|m| !m.starts_with("blocked: ") && !says.split('|').any(|s| m.contains(s)))
        .map(|m| m.chars().take(160).collect())
        .collect();
    assert!(silent.is_empty(), "{kind:?}: {} messages do not say {says:?}: {silent:#?}", silent.len());
    for f in ["report.json", "junit.xml", "report.html"] {
        assert!(reports.join(f).metadata().map(|m| m.len() > 1000).unwrap_or(false), "{kind:?}: {f} written");
    }
    assert!(!stdout.contains("s3cret-value") && !stdout.contains("pa55word"), "secrets on the terminal");
    if kind.is_none() {
        assert!(stdout.lines().next().unwrap_or("").starts_with("target unreachable: connection refused at 127.0.0.1:"), "{stdout}");
        assert!(stdout.contains("\ntarget unreachable: connection refused at"), "the summary opens with it");
    }
    let rss = children_peak_rss_mb();
    assert!(rss < 200.0, "{kind:?}: peak RSS {rss:.0} MB");
}

/// SIGINT (SIGTERM) mid-run: no new case starts, the reports of the cases done are written and
/// parse, marked incomplete, and the exit status is 130 (143).
#[rstest]
#[case::sigint(libc::SIGINT, "SIGINT", 130)]
#[case::sigterm(libc::SIGTERM, "SIGTERM", 143)]
fn a_signal_mid_run_writes_partial_reports(#[case] signal: i32, #[case] name: &str, #[case] code: i32) {
    let port = start(Hostile::Drip);
    let dir = tempfile::tempdir().unwrap();
    let target = target_file(dir.path(), port);
    let reports = dir.path().join("reports");
    let child = Command::new(BIN)
        // One job: the anchors (whose refusal blocks the rest at once) take a timeout each, so the
        // run is still going when the signal comes.
        .args(["run", "--target", target.to_str().unwrap(), "--request-timeout", "1", "--jobs", "1", "--report-dir", reports.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    unsafe { libc::kill(child.id() as i32, signal) };
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "the run stopped soon after SIGINT");
    assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["incomplete"], format!("interrupted by {name}"));
    let cases = report["cases"].as_array().unwrap();
    let not_run = cases.iter().filter(|c| c["message"].as_str().unwrap().contains("the run was interrupted")).count();
    let done = cases.iter().filter(|c| c["outcome"] == "error").count();
    assert!(done >= 2 && not_run > 50, "done {done}, not run {not_run}");
    assert_eq!(done + not_run, cases.len(), "nothing lost");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains(&format!("interrupted by {name}")));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("INCOMPLETE: interrupted by {name}")));
}

/// With default options (10 s timeout, default jobs): a target that accepts and never answers,
/// or drips, ends in about one timeout — the anchors time out together, everything that needs
/// them is blocked, the breaker stops the rest — and a refused port ends after the preflight.
#[rstest]
#[case::silent(Some(Hostile::Silent), 25)]
#[case::drip(Some(Hostile::Drip), 25)]
#[case::refused(None, 2)]
fn an_unresponsive_target_ends_fast_with_default_options(#[case] kind: Option<Hostile>, #[case] within_s: u64) {
    let port = match kind {
        Some(k) => start(k),
        None => TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(),
    };
    let dir = tempfile::tempdir().unwrap();
    let target = target_file(dir.path(), port);
    let reports = dir.path().join("reports");
    let started = Instant::now();
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]).env("NO_COLOR", "1").output().unwrap();
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(wall < Duration::from_secs(within_s), "{kind:?}: took {wall:?}\n{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    assert!(report["summary"]["total"].as_u64().unwrap() > 80, "every case is in the report");
    if kind.is_none() {
        assert!(stdout.lines().count() < 40, "{} lines:\n{stdout}", stdout.lines().count());
        assert!(stdout.starts_with("target unreachable: connection refused at 127.0.0.1:"), "{stdout}");
        assert_eq!(report["summary"]["not_run"], report["summary"]["total"]);
    }
}

/// A target found only through its metadata (no [endpoints]) whose discovery URL does not
/// answer: no case is started, the reports are still written, the JUnit file shows one error
/// (the preflight's, with why) and the cases skipped, and the exit status is 1, as the README says.
#[test]
fn a_discovery_url_that_does_not_answer_still_writes_the_reports_with_one_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    std::fs::write(
        &target,
        format!("profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:{port}\"\ndiscovery_url = \"http://127.0.0.1:{port}/.well-known/oauth-authorization-server\"\n[client]\nid = \"c\"\nsecret = \"s3cret-value\"\nredirect_uri = \"https://app.test/cb\"\nscope = \"a\"\n"),
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]).env("NO_COLOR", "1").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.lines().next().unwrap_or("").starts_with("target unusable: discovery_url http://127.0.0.1:"), "{stdout}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains(r#"errors="1""#) && junit.contains(r#"<testcase name="preflight">"#), "{}", &junit[..junit.len().min(800)]);
    assert!(junit.contains("connection refused") && junit.contains("no case was started"));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["passed"], 0);
    assert!(report["unreachable"].as_str().unwrap().contains("discovery_url"), "{}", report["unreachable"]);
    assert!(reports.join("report.html").exists());
}
