//! One truth per case: the terminal lines, the closing counts line, the JSON report and the JUnit
//! file of one run with every kind of outcome say the same thing; and redaction never touches
//! the suite's own text, even when the secret is an ordinary word in the case ids.
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;

use oauth_conformance::reference::{ClientReg, Fault, Registration, ReferenceServer, UserReg};

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN).args(args).env("NO_COLOR", "1").output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn terminal_lines_json_and_junit_agree_on_a_mixed_run() {
    // Failed (token_type mac), warning (unsupported_grant_type for a missing grant_type), error
    // (no refresh token: the token_pair fixtures fail), blocked (what needs those), skipped (no
    // probe_url), expected-failure (the baseline) and passed, in one run.
    let server = common::start_profile("citi-pl", &[Fault::TokenTypeMac, Fault::MissingGrantTypeUnsupported, Fault::NoRefreshToken]);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    let toml: String = server.target_toml().lines().filter(|l| !l.starts_with("probe_url")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&target, toml).unwrap();
    let baseline = dir.path().join("baseline.toml");
    std::fs::write(&baseline, "[[failure]]\nid = \"token-cc/token-type-bearer\"\nreason = \"known: mac\"\n").unwrap();
    let reports = dir.path().join("reports");
    let (code, out) = run(&["run", "--target", target.to_str().unwrap(), "--baseline", baseline.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");

    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    let word = |c: &serde_json::Value| -> &'static str {
        let expected = c["baseline"]["status"] == "expected";
        match (c["outcome"].as_str().unwrap(), expected) {
            (_, true) => "expected-failure",
            ("passed", _) => "ok",
            ("warning", _) => "warning",
            ("failed", _) => "FAILED",
            ("error", _) => "ERROR",
            ("advice", _) => "advice",
            _ => "skipped",
        }
    };
    let json: BTreeMap<String, &str> = report["cases"].as_array().unwrap().iter().map(|c| (format!("citi-pl:{}", c["id"].as_str().unwrap()), word(c))).collect();
    let lines: BTreeMap<String, &str> = out
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let w = parts.next()?;
            let w = ["ok", "warning", "FAILED", "ERROR", "skipped", "expected-failure", "advice"].into_iter().find(|x| *x == w)?;
            let id = if w == "ok" { parts.next()? } else { parts.nth(1)? };
            Some((id.to_string(), w))
        })
        .collect();
    assert_eq!(lines, json, "terminal lines and JSON outcomes differ");
    let kinds: std::collections::BTreeSet<&str> = json.values().copied().collect();
    assert_eq!(kinds.len(), 6, "every outcome occurs: {kinds:?}");
    assert!(out.contains("— blocked: "), "a blocked case shows as ERROR with its reason");

    // The closing line's counts are the report's.
    let s = &report["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    let closing = format!(
        "result: FAILED. {} cases: {} passed, {} warning, {} failed, {} error ({} blocked, {} not run), {} skipped; {} expected by the baseline; 0 filtered out;",
        n("total"), n("passed"), n("warning"), n("failed"), n("error"), n("blocked"), n("not_run"), n("skipped"), n("expected")
    );
    assert!(out.lines().any(|l| l.starts_with(&closing)), "no line starts with {closing:?}\n{out}");

    // JUnit: failures are the failed cases the baseline does not expect, errors likewise; a
    // warning passes; skipped = skipped + expected.
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    let mut junit_words = BTreeMap::new();
    for chunk in junit.split("<testcase ").skip(1) {
        let name = chunk.split("name=\"").nth(1).unwrap().split('"').next().unwrap();
        let body = chunk.split("</testcase>").next().unwrap();
        let w = if body.contains("<failure") { "failure" } else if body.contains("<error") { "error" } else if body.contains("<skipped") { "skipped" } else { "success" };
        junit_words.insert(format!("citi-pl:{name}"), w);
    }
    for (id, w) in &json {
        let want = match *w {
            "ok" | "warning" | "advice" => "success",
            "FAILED" => "failure",
            "ERROR" => "error",
            _ => "skipped",
        };
        assert_eq!(junit_words.get(id).copied(), Some(want), "{id}: JSON {w}, JUnit {:?}", junit_words.get(id));
    }
    let head = junit.split("<testsuite ").next().unwrap();
    assert!(head.contains(&format!("failures=\"{}\"", json.values().filter(|w| **w == "FAILED").count())), "{head}");
    assert!(head.contains(&format!("errors=\"{}\"", json.values().filter(|w| **w == "ERROR").count())), "{head}");
}

/// A client secret `secret`, a second client's secret `token` and a password `client`: ordinary
/// words in the suite's own case ids. Ids, titles and rules stay intact in every artifact, the
/// written baseline loads back, and no issued value appears anywhere.
#[test]
fn ordinary_word_secrets_never_mangle_the_suites_own_text() {
    let mut reg = Registration::generate();
    reg.clients = vec![
        ClientReg { id: "my-client".into(), secret: "secret".into(), redirect_uri: "https://app.example.test/callback".into() },
        ClientReg { id: "other-client".into(), secret: "token".into(), redirect_uri: "https://other.example.test/cb".into() },
    ];
    reg.user = UserReg { username: "alice".into(), password: "client".into() };
    let server = ReferenceServer::start_on("citi-pl", [Fault::WrongSecretAccepted].into_iter().collect(), SocketAddr::from(([127, 0, 0, 1], 0)), reg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    std::fs::write(&target, server.target_toml()).unwrap();
    let reports = dir.path().join("reports");
    let written = dir.path().join("baseline.toml");
    let (code, out) = run(&["run", "--target", target.to_str().unwrap(), "--report-dir", reports.to_str().unwrap(), "--write-baseline", written.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    let baseline = std::fs::read_to_string(&written).unwrap();
    assert!(baseline.contains("id = \"token-code/wrong-secret\""), "{baseline}");
    assert!(baseline.lines().filter(|l| l.starts_with("id = ")).all(|l| !l.contains('‹')), "ids intact: {baseline}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("name=\"token-code/wrong-secret\"") && junit.contains("name=\"revoke/access-token\""));
    let html = std::fs::read_to_string(reports.join("report.html")).unwrap();
    assert!(html.contains("token-code&#x2f;wrong-secret") && !html.contains("wrong-‹"), "the HTML keeps the ids (minijinja escapes /)");
    assert!(out.contains("token-code/wrong-secret") && !out.contains("wrong-‹"), "the terminal keeps the ids");
    // The baseline round trip: the written file loads, and with it the gate passes.
    let (code, out) = run(&["run", "--target", target.to_str().unwrap(), "--report-dir", reports.to_str().unwrap(), "--baseline", written.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    // Credentials travel only as markers; no issued value appears in clear.
    let json = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(json.contains("Basic ‹credentials:"), "the Authorization header is a marker");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    for c in report["cases"].as_array().unwrap() {
        for x in c["transcript"].as_array().unwrap() {
            let body = x["response_body"].as_str().unwrap_or("");
            assert!(!body.contains("\"access_token\":\"") || body.contains("\"access_token\":\"‹"), "{}: a token in clear: {body}", c["id"]);
        }
    }
}
