//! The three reports over one result model: their content (insta snapshots, dynamic values
//! masked), a real JUnit consumer, real headless Chromium, and redaction everywhere.
mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use oauth_conformance::reference::Fault;
use oauth_conformance::report;
use oauth_conformance::model::result::{Outcome, RunResult};
use oauth_conformance::suite::selection::Selection;
use oauth_conformance::run::runner::RunOptions;

fn filtered(filter: &str) -> RunOptions {
    RunOptions { selection: Selection::filter(filter), ..RunOptions::default() }
}

/// Masks what changes from run to run: fingerprints, random values, ports, times.
fn masked(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"‹([a-z_]+):[0-9a-f]{4}›", "‹$1:####›"),
        (r"no-such-scope-[0-9a-f]+", "no-such-scope-RANDOM"),
        (r"unknown-[0-9a-f]{12}", "unknown-RANDOM"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (r#"time="[0-9.]+""#, r#"time="T""#),
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (r#""started_ms": \d+"#, r#""started_ms": 0"#),
        (r"\d+ ms", "N ms"),
    ];
    let mut out = text.to_string();
    for (re, with) in rules {
        out = regex_lite::Regex::new(re).unwrap().replace_all(&out, *with).into_owned();
    }
    out
}

fn cc_run_with_wrong_secret_accepted() -> RunResult {
    let server = start(&[Fault::WrongSecretAccepted]);
    run_toml_with(&server.target_toml(), filtered("token-cc/")).0
}

#[test]
fn json_report_content() {
    let result = cc_run_with_wrong_secret_accepted();
    let v = report::json::render(&result);
    // token-cc/wrong-secret fails; token-cc/error-no-store trips as advice (a deployment's duty).
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(v["summary"]["advice"], 1);
    let cases: Vec<serde_json::Value> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| serde_json::json!({"id": c["id"], "endpoint": c["endpoint"], "level": c["level"], "refs": c["refs"], "outcome": c["outcome"], "message": c["message"]}))
        .collect();
    let shown = serde_json::json!({"profile": v["profile"], "summary": v["summary"], "gate": v["gate"], "cases": cases});
    insta::assert_snapshot!(masked(&serde_json::to_string_pretty(&shown).unwrap()));
}

#[test]
fn junit_report_content() {
    let result = cc_run_with_wrong_secret_accepted();
    let xml = report::junit::render(&result);
    let without_transcripts = regex_lite::Regex::new(r"(?s)<system-out>.*?</system-out>").unwrap().replace_all(&xml, "<system-out>[transcript]</system-out>");
    insta::assert_snapshot!(masked(&without_transcripts));
    assert!(xml.contains("<system-out>[main] POST http://127.0.0.1:"), "the transcript is in system-out");
    assert!(xml.contains("replay: curl -sS -i -X POST"), "the curl replay is in system-out");
    assert!(xml.contains("$CLIENT_SECRET"), "the replay names the secret as a variable");
}

#[test]
fn html_report_content() {
    let result = cc_run_with_wrong_secret_accepted();
    let html = report::html::render(&result);
    let start = html.find("<header").unwrap();
    let end = html.find("<div class=\"filters\"").unwrap();
    insta::assert_snapshot!(masked(&html[start..end]));
    // Failures first: the first case card of the section is a failure.
    let first_card = html.find("<div class=\"case ").unwrap();
    assert!(html[first_card..].starts_with("<div class=\"case failed\""), "failures come first");
    assert!(html.contains("rfc-editor.org&#x2f;rfc&#x2f;rfc6749#section-5.2"), "RFC refs are linked");
    assert!(!html.contains("<link") && !html.contains(" src=\"http"), "self-contained: nothing fetched");
}

/// A real JUnit consumer (the PyPI package junitparser, installed by .ci/run) reads the file and
/// sees the counts the run had.
#[test]
fn junit_is_read_by_a_real_consumer() {
    let server = start(&[Fault::WrongSecretAccepted]);
    // Without [second_client], the cross-client cases are skipped.
    let text = server.target_toml();
    let start_at = text.find("[second_client]").unwrap();
    let end_at = text[start_at..].find("\n[login]").unwrap() + start_at + 1;
    let target = format!("{}{}", &text[..start_at], &text[end_at..]);
    let (result, _) = run_toml(&target);
    let s = result.summary();
    assert!(s.failed > 0 && s.skipped > 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, report::junit::render(&result)).unwrap();
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "suites": 0, "names": []}
for suite in xml:
    out["suites"] += 1
    for case in suite:
        out["tests"] += 1
        out["names"].append(case.classname + "::" + case.name)
        for r in case.result:
            if isinstance(r, Failure): out["failures"] += 1
            elif isinstance(r, Error): out["errors"] += 1
            elif isinstance(r, Skipped): out["skipped"] += 1
print(json.dumps(out))
"#;
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let o = Command::new(python).arg("-c").arg(script).arg(&path).output().expect("python3 runs");
    assert!(o.status.success(), "junitparser could not read junit.xml (scripts/test installs it and sets TEST_PYTHON): {}", String::from_utf8_lossy(&o.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(seen["tests"], s.total);
    assert_eq!(seen["failures"], s.failed);
    assert_eq!(seen["errors"], s.error);
    assert_eq!(seen["skipped"], s.skipped);
    assert_eq!(seen["suites"], 5, "one testsuite per endpoint");
    assert!(seen["names"].as_array().unwrap().iter().any(|n| n == "citi-pl.client_credentials_token::token-cc/wrong-secret"));
}

fn chromium() -> &'static str {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(c).exists() {
            return c;
        }
    }
    panic!("headless Chromium is needed for this test (scripts/test installs it)");
}

fn chromium_run(args: &[&str], profile_dir: &Path) -> std::process::Output {
    Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Real headless Chromium loads the report of a target that puts `<script>` and
/// `"><img onerror=…>` in error_description and in a header: nothing runs, the counts show.
#[test]
fn html_report_in_real_chromium_escapes_what_the_target_sent() {
    let server = start(&[Fault::MarkupInErrorDescription]);
    let (result, _) = run_toml_with(&server.target_toml(), filtered("token-cc/"));
    assert!(result.summary().failed > 0, "the markup fault fails the error_description charset check");
    let html = report::html::render(&result);
    assert!(html.contains("&lt;script&gt;"), "the payload is shown, escaped");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());
    let dom = chromium_run(&["--dump-dom", &url], &dir.path().join("profile"));
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(dom_text.contains("<body"), "chromium rendered the page: {}", String::from_utf8_lossy(&dom.stderr));
    assert!(!dom_text.contains("data-pwned=\""), "a payload from the target ran in the report");
    assert!(!dom_text.contains("<img src=\"x\""), "a payload from the target became an element");
    let s = result.summary();
    let counts = format!("{} cases: {} passed, {} warning, {} failed, {} error, {} skipped", s.total, s.passed, s.warning, s.failed, s.error, s.skipped);
    assert!(dom_text.contains(&counts), "the page shows the counts ({counts})");
    assert!(dom_text.contains("Gate FAILED"));
    let shot = dir.path().join("report.png");
    let out = chromium_run(&["--window-size=1280,1400", &format!("--screenshot={}", shot.display()), &url], &dir.path().join("profile2"));
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "a screenshot was taken ({size} bytes): {}", String::from_utf8_lossy(&out.stderr));
}

/// Every secret and every value the target issued during a run is absent from every report
/// and from the terminal output (progress lines and summary).
#[test]
fn no_secret_or_issued_value_in_any_artifact_or_on_the_terminal() {
    let server = start(&[Fault::WrongSecretAccepted]);
    let dir = tempfile::tempdir().unwrap();
    let _ = &dir;
    let buffer = SharedBuffer::default();
    let lines = std::sync::Arc::new(report::terminal::Lines::new(Box::new(buffer.clone()), false, false));
    let sink = lines.clone();
    let opts = RunOptions { events: Some(std::sync::Arc::new(move |e: &oauth_conformance::run::event::Event| sink.event(e))), ..RunOptions::default() };
    let (result, redactor) = run_toml_with(&server.target_toml(), opts);
    assert!(result.cases().any(|c| c.outcome == Outcome::Failed), "failure messages quote token bodies");
    let artifacts = [
        ("report.json", report::json::to_string(&result)),
        ("junit.xml", report::junit::render(&result)),
        ("report.html", report::html::render(&result)),
        ("summary", report::terminal::summary(&result, "", &[], false)),
        ("case lines", buffer.text()),
    ];
    let reg = &server.registration;
    let mut secrets = redactor.values();
    assert!(secrets.len() > 200, "the run registered what it saw ({})", secrets.len());
    secrets.extend(reg.clients.iter().map(|c| c.secret.clone()));
    secrets.push(reg.user.password.clone());
    for (name, text) in &artifacts {
        assert!(text.len() > 100, "{name} is empty");
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{name} carries a secret or issued value in clear");
        }
    }
    assert!(artifacts[4].1.contains("‹access_token:"), "the progress output shows markers");
}

/// A writer the terminal reporter can own while the test reads what it wrote.
#[derive(Clone, Default)]
struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The HTML report opens with the threat table: against the correct rfc6749 reference the
/// redirect-URI attack shows "mitigated"; against a reference whose redirect matching allows
/// subdomains it shows "not mitigated", and the case that caught it is linked. Checked in the
/// DOM real headless Chromium builds.
#[test]
fn the_threat_table_shows_the_attack_a_fault_opens() {
    let dir = tempfile::tempdir().unwrap();
    let row = |faults: &[Fault], name: &str| -> String {
        let server = start_profile("rfc6749", faults);
        let (result, _) = run_toml_with(&server.target_toml(), RunOptions::default());
        let page = dir.path().join(format!("{name}.html"));
        std::fs::write(&page, report::html::render(&result)).unwrap();
        let dom = chromium_run(&["--dump-dom", &format!("file://{}", page.display())], &dir.path().join(format!("profile-{name}")));
        let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
        let at = dom.find("Insufficient redirect URI validation").expect("the threat table has the redirect-URI row");
        dom[at..at + dom[at..].find("</tr>").unwrap()].to_string()
    };
    let good = row(&[], "good");
    assert!(good.contains(">mitigated<"), "{good}");
    let bad = row(&[Fault::RfcRedirectUriSubdomains], "bad");
    assert!(bad.contains(">not mitigated<"), "{bad}");
    assert!(bad.contains("rfc6749:authorize/redirect-uri-subdomain") && bad.contains("(failed)"), "{bad}");
}

/// A test user whose password equals the username: the password is redacted where it stands as
/// one (the login form's password field), and the username stays readable wherever else it
/// appears (here the two-step login's "Signing in as alice" page and its hidden username field).
#[test]
fn a_password_equal_to_the_username_hides_only_the_password() {
    use oauth_conformance::reference::{Extras, LoginStyle, Registration};
    let mut reg = Registration::generate();
    reg.user.password = reg.user.username.clone();
    let extras = Extras { login_style: LoginStyle::TwoStep, ..Extras::default() };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = oauth_conformance::reference::ReferenceServer::start_extras("rfc6749", Default::default(), Default::default(), extras, addr, reg, None).unwrap();
    let opts = RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("token-code/valid"), ..RunOptions::default() };
    let (result, _) = run_toml_with(&server.target_toml(), opts);
    let case = result.cases().find(|c| c.id == "token-code/valid").unwrap();
    assert_eq!(case.outcome, Outcome::Passed, "{}", case.message);
    let json = report::json::to_string(&result);
    let marker = oauth_conformance::model::redact::Redactor::marker("password", "alice");
    assert!(json.contains(&format!("password={marker}")), "the login form's password is redacted");
    assert!(json.contains("Signing in as alice"), "the username is not taken for the password elsewhere");
    assert!(!json.contains("password=alice"), "no password in clear");
}
