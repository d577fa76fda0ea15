//! Verdicts a team can trust: a misconfigured target file is diagnosed and blocks the cases that
//! depend on it instead of failing them; graded expectations make warnings, not failures (that
//! every tolerated variant passes the gate is tests/selftest.rs's, from the selftest's own runs).
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use oauth_conformance::model::level::Level;
use oauth_conformance::reference::{self, ReferenceServer, Variant, Variants};
use oauth_conformance::model::result::Outcome;
use oauth_conformance::run::runner::RunOptions;
use rstest::rstest;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

/// The client secret of the target file is wrong: one diagnosis line names [client], the anchors
/// (the positive requests the server refused) are errors of a misconfigured target (as a wrong
/// password is), every other case that used the client is blocked, the summary says "target
/// misconfigured" and nothing is scored, and the cases that never use the secret still pass.
#[rstest]
#[case::citi_pl("citi-pl", &["token-code/valid", "token-cc/valid"])]
#[case::rfc6749("rfc6749", &["token-code/valid", "token-cc/valid", "par/push-accepted", "device/authorization-response", "dpop/token-request"])]
fn a_wrong_secret_is_diagnosed_and_blocks_instead_of_failing(#[case] profile: &str, #[case] anchors: &[&str]) {
    let server = common::start_profile(profile, &[]);
    let secret = &server.registration.clients[0].secret;
    let toml = server.target_toml().replacen(&format!("secret = \"{secret}\""), "secret = \"not-the-secret\"", 1);
    assert_ne!(toml, server.target_toml());
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    std::fs::write(&target, toml).unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(BIN)
        .args(["run", "--target", target.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let diagnosis: Vec<&str> = stdout.lines().filter(|l| l.starts_with("diagnosis: ")).collect();
    assert!(!diagnosis.is_empty() && diagnosis.iter().all(|l| l.contains("check [client] id/secret")), "{stdout}");
    // The summary opens with it too.
    let all: Vec<&str> = stdout.lines().collect();
    let last_case = all.iter().rposition(|l| l.starts_with("ERROR ") || l.starts_with("ok ") || l.starts_with("FAILED ")).unwrap();
    let summary: Vec<&str> = all[last_case + 1..].iter().copied().filter(|l| !l.trim().is_empty()).collect();
    assert!(summary.first().is_some_and(|l| l.starts_with("target misconfigured: ") && l.contains("check [client] id/secret")), "{summary:?}");
    assert!(summary.get(1).is_some_and(|l| l.starts_with("diagnosis: ")), "{summary:?}");
    // And it came before the blocked cases' lines.
    let first_diagnosis = stdout.find("diagnosis: ").unwrap();
    let first_blocked = stdout.find("— blocked: ").unwrap();
    assert!(first_diagnosis < first_blocked, "{stdout}");

    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    assert!(report["diagnoses"][0].as_str().unwrap().contains("[client]"));
    let cases = report["cases"].as_array().unwrap();
    let misconfigured: BTreeSet<&str> = cases.iter().filter(|c| c["error_kind"] == "misconfigured").map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(misconfigured, anchors.iter().copied().collect(), "the anchors are the target file's errors");
    assert!(cases.iter().all(|c| c["outcome"] != "failed"), "nothing is blamed on the server");
    assert!(report["misconfigured"].as_str().unwrap().starts_with("target misconfigured: "));
    assert_eq!(report["compliance"], serde_json::json!([]), "a misconfigured run scores nothing");
    let mut blocked = 0;
    for c in cases {
        let (id, outcome, message) = (c["id"].as_str().unwrap(), c["outcome"].as_str().unwrap(), c["message"].as_str().unwrap());
        match outcome {
            "skipped" => {}
            "error" if c["error_kind"] == "misconfigured" => assert!(message.starts_with("target misconfigured: "), "{id}: {message}"),
            // The authorization endpoint (codes sampled there too), the metadata, the OpenID
            // configuration and JWK Set, the public client, the private_key_jwt client and the
            // mutual-TLS and FAPI clients never use the secret.
            "passed" => assert!(["authorize/", "iss/", "metadata/", "discovery/", "jwks/", "public/", "strength/code", "jwt/", "mtls/", "fapi2/"].iter().any(|p| id.starts_with(p)), "{id} passed although it uses the client secret"),
            "error" => {
                assert!(message.starts_with("blocked: ") && message.contains("was refused (answered 401 invalid_client)"), "{id}: {message}");
                blocked += 1;
            }
            other => panic!("{id}: {other}"),
        }
    }
    assert!(blocked >= 40, "only {blocked} blocked");
    // The suite's own refusal is not blamed on the server: no MUST rule broken but the anchors'.
    assert!(!stdout.contains("refresh/unknown-token ... FAILED") || stdout.contains("blocked"), "{stdout}");
}

/// Every tolerated variant passes the gate: no MUST failure; SHOULD departures only where the
/// variant departs at SHOULD.
/// A variant that departs at SHOULD shows as a warning on the case whose SHOULD expectation it
/// skips, never as a failure; the same server with the matching fault fails the gate.
#[test]
fn a_narrowed_refresh_scope_is_a_warning_and_a_silent_one_a_failure() {
    let server = ReferenceServer::start_variants("rfc6749", Default::default(), [Variant::RefreshScopeNarrowed].into_iter().collect::<Variants>()).unwrap();
    let (result, _) = common::run_server(&server);
    let c = result.cases().find(|c| c.id == "refresh/scope-not-widened").unwrap();
    assert_eq!(c.outcome, Outcome::Warning, "{}", c.message);
    assert_eq!(c.warning_level, Some(Level::Should));
    assert!(c.message.contains("SHOULD") && c.message.contains("invalid_scope"), "{}", c.message);
    assert!(result.gate_passed());
    assert!(!c.breaks_gate(false) && c.breaks_gate(true), "a SHOULD warning gates only under --strict");

    let broken = common::start_profile("rfc6749", &[reference::Fault::RefreshScopeNarrowedSilently]);
    let (result, _) = common::run_toml(&broken.target_toml());
    let c = result.cases().find(|c| c.id == "refresh/scope-not-widened").unwrap();
    assert_eq!(c.outcome, Outcome::Failed, "{}", c.message);
    assert!(c.message.contains("scope_not_widened"), "{}", c.message);
    assert!(!result.gate_passed());
}

/// The error page for a malformed request is a SHOULD departure in rfc6749 (a warning, never a
/// JUnit failure); for a missing response_type RFC 6749 §3.1.1 makes the error redirect a MUST,
/// so under the same variant the server still redirects those and the case passes.
#[test]
fn an_error_page_for_a_malformed_request_warns_in_rfc6749_but_response_type_errors_redirect() {
    let server = ReferenceServer::start_variants("rfc6749", Default::default(), [Variant::ErrorPageForMalformedRequest].into_iter().collect::<Variants>()).unwrap();
    let (result, _) = common::run_server(&server);
    let missing = result.cases().find(|c| c.id == "authorize/missing-response-type").unwrap();
    assert_eq!(missing.outcome, Outcome::Passed, "{}", missing.message);
    let c = result.cases().find(|c| c.id == "pkce/unsupported-method").unwrap();
    assert_eq!(c.outcome, Outcome::Warning, "{}", c.message);
    assert!(c.message.contains("redirected_to_redirect_uri"), "{}", c.message);
    let junit = oauth_conformance::report::junit::render(&result);
    let at = junit.find("name=\"pkce/unsupported-method\"").unwrap();
    let testcase = &junit[at..at + junit[at..].find("</testcase>").unwrap()];
    assert!(!testcase.contains("<failure") && !testcase.contains("<error"), "a warning is no JUnit failure: {testcase}");
    assert!(testcase.contains("name=\"warning\""), "the warning travels as a property: {testcase}");
}

/// A citi-pl target file pointed at an rfc6749 server: the documented paths answer 404, and the
/// run says the target looks like another profile's instead of leaving only blocked cases.
#[test]
fn a_target_serving_another_profile_is_said_to() {
    let (pl, other) = (common::start_profile("citi-pl", &[]), common::start_profile("rfc6749", &[]));
    let toml = pl.target_toml().replace(&pl.base_url(), &other.base_url());
    assert_ne!(toml, pl.target_toml());
    let (result, _) = common::run_toml(&toml);
    assert!(!result.gate_passed());
    let note = result.notes.iter().find(|n| n.starts_with("profile: ")).unwrap_or_else(|| panic!("{:?}", result.notes));
    assert!(note.contains("is the target for another profile? Check `profile` and [endpoints]"), "{note}");
    // The right profile's run says nothing of the kind.
    let (ok, _) = common::run_toml(&pl.target_toml());
    assert!(ok.notes.iter().all(|n| !n.starts_with("profile: ")), "{:?}", ok.notes);
}

/// RFC 9126 §2.1 lets a server check a pushed request at the push or at the authorization
/// endpoint. A FAPI 2.0 case about such a request passes either way: settled at a refused push
/// (the reference's default), or judged at the authorization endpoint when the push was taken
/// (the fapi-checks-at-authorize variant); and it fails where neither refuses (the fault).
#[test]
fn a_pushed_request_refused_at_the_push_or_at_the_authorization_endpoint_both_pass() {
    let opts = || RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("fapi2/"), ..RunOptions::default() };
    let pkce = |result: &oauth_conformance::model::result::RunResult| result.cases().find(|c| c.id == "fapi2/pkce-required").cloned().unwrap();
    let early = common::run_toml_with(&common::start_profile("rfc6749", &[]).target_toml(), opts()).0;
    let c = pkce(&early);
    assert_eq!(c.outcome, Outcome::Passed, "{}", c.message);
    assert!(c.message.starts_with("refused at before 1"), "settled at the push: {}", c.message);
    assert!(c.checks.iter().any(|k| k.check == "refused_early" && k.passed));
    let server = ReferenceServer::start_variants("rfc6749", Default::default(), [Variant::FapiChecksAtAuthorize].into_iter().collect::<Variants>()).unwrap();
    let late = common::run_server_with(&server, opts()).0;
    let c = pkce(&late);
    assert_eq!(c.outcome, Outcome::Passed, "{}", c.message);
    assert!(c.checks.iter().any(|k| k.check == "no_code_issued" && k.step == "main" && k.passed), "judged at the authorization endpoint: {:?}", c.checks);
    let broken = common::run_toml_with(&common::start_profile("rfc6749", &[reference::Fault::FapiPkceOptional]).target_toml(), opts()).0;
    assert_eq!(pkce(&broken).outcome, Outcome::Failed);
}
