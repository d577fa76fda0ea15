//! The suite against the reference server: the correct server passes every case; each broken
//! variant fails exactly the cases that verify the rule it breaks.
mod common;

use std::collections::BTreeSet;

use common::*;
use oauth_conformance::reference::Fault;
use oauth_conformance::model::result::Outcome;
use rstest::rstest;

/// FAPI 2.0 §5.3.2.1 items 5 and 6 allow mTLS for either method: under each variant the FAPI
/// client's certificate authenticates it, binds its tokens, or both; every FAPI case of its
/// methods passes, and those of the methods it does not use are skipped, saying so.
#[rstest]
#[case::mtls_bound("fapi-mtls-bound", &["fapi2/mtls-token-cnf", "fapi2/mtls-token-without-certificate-refused", "fapi2/assertion-expired-refused"], &["fapi2/dpop-bound-token", "fapi2/tls-auth-push-without-certificate-refused"])]
#[case::tls_client_auth("fapi-tls-client-auth", &["fapi2/tls-auth-same-subject-refused", "fapi2/tls-auth-token-without-certificate-refused", "fapi2/dpop-bound-token"], &["fapi2/mtls-token-cnf", "fapi2/assertion-expired-refused"])]
#[case::all_mtls("fapi-all-mtls", &["fapi2/mtls-token-cnf", "fapi2/tls-auth-other-certificate-refused", "fapi2/happy-flow", "fapi2/code-reuse-refused"], &["fapi2/dpop-bound-token", "fapi2/assertion-expired-refused", "fapi2/token-without-client-auth"])]
fn the_fapi_client_s_mutual_tls_methods_pass_in_each_variant(#[case] variant: &str, #[case] passing: &[&str], #[case] skipped: &[&str]) {
    use oauth_conformance::reference::{Extras, Registration, Variant, Variants};
    let v = Variant::from_name(variant).unwrap();
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = oauth_conformance::reference::ReferenceServer::start_extras("rfc6749", Default::default(), std::iter::once(v).collect::<Variants>(), Extras::default(), addr, Registration::generate(), None).unwrap();
    let (result, _) = common::run_server_with(&server, oauth_conformance::run::runner::RunOptions::default());
    let fapi: Vec<_> = result.cases().filter(|c| c.id.starts_with("fapi2/")).collect();
    let bad: Vec<String> = fapi.iter().filter(|c| !(c.outcome == Outcome::Passed || c.outcome == Outcome::Skipped)).map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message)).collect();
    assert!(bad.is_empty(), "{variant}: {bad:#?}");
    let outcome = |id: &str| fapi.iter().find(|c| c.id == id).map(|c| (c.outcome, c.message.clone()));
    for id in passing {
        assert_eq!(outcome(id).map(|o| o.0), Some(Outcome::Passed), "{variant}: {id}");
    }
    for id in skipped {
        let (o, why) = outcome(id).unwrap();
        assert!(o == Outcome::Skipped && why.starts_with("skipped: another method than the FAPI client's"), "{variant}: {id} {o:?} {why}");
    }
}

#[rstest]
#[case::citi_pl("citi-pl", 50)]
#[case::citi_mx("citi-mx", 25)]
#[case::rfc6749("rfc6749", 45)]
fn correct_reference_passes_every_case(#[case] profile: &str, #[case] at_least: usize) {
    // Short-lived and with the slow cases: every case, the lifetime ones too, runs and passes.
    let extras = oauth_conformance::reference::Extras { short_lived: true, ..Default::default() };
    let server = oauth_conformance::reference::ReferenceServer::start_offering(profile, extras).unwrap();
    let (result, _) = common::run_server_with(&server, oauth_conformance::run::runner::RunOptions { slow: true, ..Default::default() });
    let s = result.summary();
    assert!(s.total >= at_least, "only {} cases", s.total);
    // The PAR-only case needs a PAR-only server (tests/capabilities.rs runs one); the query-token
    // one, a resource that takes tokens from the query (the query-token-accepted variant).
    // The FAPI client's mutual-TLS cases are another method than its own (private_key_jwt, DPoP):
    // `the_fapi_client_s_mutual_tls_methods_pass_in_each_variant` runs them; the TLS probes need
    // https (`fapi2/tls*` in tests/tls.rs and the selftest's TLS fault).
    let other_method = |message: &str| common::skipped_by_shape(message) && !message.starts_with("skipped: a slow case");
    let shaped = |id: &str| id == "par/required-plain-request-refused" || id == "bearer/query-token-private";
    let bad: Vec<String> = result
        .cases()
        .filter(|c| c.outcome != Outcome::Passed && !shaped(&c.id) && !(c.outcome == Outcome::Skipped && other_method(&c.message)))
        .map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message))
        .collect();
    assert!(bad.is_empty(), "cases not passing against the correct reference:\n{}", bad.join("\n"));
    assert_eq!(s.passed + s.skipped, s.total);
    assert!(result.cases().filter(|c| c.outcome == Outcome::Skipped && !other_method(&c.message)).count() <= 2);
    assert!(result.gate_passed());
    // Every case ran checks, and every check passed: no case is vacuous.
    for c in result.cases().filter(|c| c.outcome == Outcome::Passed) {
        assert!(!c.checks.is_empty(), "{} ran no check", c.id);
    }
}

#[rstest]
#[case::state_dropped(Fault::StateDropped, &["authorize/state-echoed", "authorize/long-state-echoed"])]
#[case::code_reusable(
    Fault::CodeReusable,
    &["token-code/reused-code", "token-code/reused-code-revokes-refresh-token", "token-code/reused-code-revokes-access-token", "token-code/concurrent-redemption"]
)]
#[case::redirect_uri_prefix(
    Fault::RedirectUriPrefix,
    &["authorize/redirect-uri-extra-path", "authorize/redirect-uri-extra-query", "authorize/redirect-uri-suffix"]
)]
#[case::wrong_secret_accepted(
    Fault::WrongSecretAccepted,
    &["token-cc/wrong-secret", "token-cc/error-no-store", "token-code/wrong-secret", "refresh/wrong-secret", "revoke/wrong-secret"]
)]
#[case::no_cache_control(Fault::NoCacheControl, &["token-cc/no-store", "token-code/no-store", "refresh/no-store"])]
#[case::revoke_access_keeps_refresh(Fault::RevokeAccessKeepsRefresh, &["revoke/access-token-cascades-to-refresh-token"])]
#[case::revoke_refresh_keeps_access(Fault::RevokeRefreshKeepsAccess, &["revoke/refresh-token-cascades-to-access-token"])]
fn each_fault_fails_exactly_its_cases(#[case] fault: Fault, #[case] expected: &[&str]) {
    let result = run_reference(&[fault]);
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(not_passed(&result), expected, "fault {}", fault.name());
    for c in result.cases().filter(|c| expected.contains(&c.id)) {
        // A duty of the deployment (token-cc/error-no-store) is advice, never a failure.
        let want = if c.duty.gates() { Outcome::Failed } else { Outcome::Advice };
        assert_eq!(c.outcome, want, "{} should be {want:?}, not an error: {}", c.id, c.message);
        assert!(c.message.contains("expected"), "{}: message says what was expected: {}", c.id, c.message);
    }
    assert!(!result.gate_passed(), "fault {} must fail the gate", fault.name());
}

/// A target without [login], [second_client] and probe_url: what needs them is skipped with the
/// reason, never failed; what does not need them still runs and passes.
/// citi-mx's named faults and rfc6749's PKCE faults fail exactly the cases that verify their rule.
#[rstest]
#[case::mx_uuid_not_required("citi-mx", Fault::MxUuidNotRequired, &["authorize/missing-uuid"])]
#[case::mx_plain_accepted("citi-mx", Fault::MxPlainAccepted, &["authorize/pkce-plain-refused"])]
#[case::mx_expires_in_number("citi-mx", Fault::MxExpiresInNumber, &["authorize/valid", "authorize/expires-in-integer-string", "authorize/pkce-s256-accepted"])]
#[case::mx_access_token_opaque("citi-mx", Fault::MxAccessTokenOpaque, &["authorize/access-token-jose"])]
#[case::rfc_pkce_unchecked("rfc6749", Fault::RfcPkceUnchecked, &["fapi2/pkce-verifier-required", "fapi2/pkce-wrong-verifier", "pkce/wrong-verifier", "pkce/missing-verifier", "public/missing-verifier"])]
#[case::rfc_pkce_downgrade("rfc6749", Fault::RfcPkceDowngrade, &["pkce/verifier-without-challenge"])]
fn each_profile_fault_fails_exactly_its_cases(#[case] profile: &str, #[case] fault: Fault, #[case] expected: &[&str]) {
    let server = start_profile(profile, &[fault]);
    let (result, _) = common::run_server(&server);
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    // Skipped cases (the slow ones, not asked for) are not the fault's doing.
    let tripped: BTreeSet<String> = result.cases().filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).map(|c| c.id.clone()).collect();
    assert_eq!(tripped, expected, "fault {}", fault.name());
    assert!(!result.gate_passed());
}

#[test]
fn missing_prerequisites_skip_with_reason() {
    let server = start(&[]);
    let full = server.target_toml();
    let cut = |text: &str, table: &str| -> String {
        let start = text.find(&format!("[{table}]")).expect("table present");
        let end = text[start + 1..].find("\n[").map(|i| start + 1 + i + 1).unwrap_or(text.len());
        format!("{}{}", &text[..start], &text[end..])
    };
    let minimal = cut(&cut(&full, "login"), "second_client").lines().filter(|l| !l.starts_with("probe_url")).collect::<Vec<_>>().join("\n");
    let (result, _) = common::run_toml(&minimal);
    let skipped = ids_with(&result, Outcome::Skipped);
    assert!(skipped.contains("token-code/valid"), "needs login");
    assert!(skipped.contains("authorize/deny"), "needs login");
    assert!(skipped.contains("refresh/other-clients-token"), "needs second client");
    assert!(!skipped.contains("authorize/login-page"), "needs nothing");
    assert!(!skipped.contains("token-cc/valid"), "needs nothing");
    let reason = |id: &str| result.cases().find(|c| c.id == id).map(|c| c.message.clone()).unwrap();
    assert_eq!(reason("token-code/valid"), "skipped: the target file has no [login] (username and password for the login page)");
    assert_eq!(
        reason("refresh/other-clients-token"),
        "skipped: the target file has no [login] (username and password for the login page); the target file has no [second_client]"
    );
    assert_eq!(
        reason("token-code/access-token-works"),
        "skipped: the target file has no [login] (username and password for the login page); the target file has no probe_url"
    );
    let others = not_passed(&result).difference(&skipped).cloned().collect::<Vec<_>>();
    assert!(others.is_empty(), "non-skipped cases must pass: {others:?}");
    assert!(result.gate_passed());
}

/// No secret, password, code or token the run saw appears in the JSON report or the messages.
#[test]
fn report_carries_no_secret_or_issued_value() {
    let server = start(&[]);
    let (result, redactor) = common::run_server(&server);
    let report = oauth_conformance::report::json::to_string(&result);
    let text = oauth_conformance::report::terminal::summary(&result, "", &[], false);
    let values = redactor.values();
    assert!(values.len() > 100, "the run registered the tokens it saw ({} values)", values.len());
    let reg = &server.registration;
    let mut secrets: Vec<String> = values;
    secrets.extend(reg.clients.iter().map(|c| c.secret.clone()));
    secrets.push(reg.user.password.clone());
    for s in &secrets {
        assert!(!report.contains(s.as_str()), "report.json leaks a value of length {}", s.len());
        assert!(!text.contains(s.as_str()), "the summary leaks a value");
    }
    assert!(report.contains("‹access_token:"), "issued tokens appear as markers");
    assert!(report.contains("‹credentials:"), "Authorization headers appear as markers");
}

/// A step's `pause` lets time pass on the target's clock: the in-process reference's clock is
/// advanced (it judges `max_age=1` lapsed and the case passes without the run waiting), and a
/// target read from a file — a server in another process — is waited out on the wall clock.
#[test]
fn a_pause_advances_the_in_process_reference_s_clock_and_waits_for_any_other_target() {
    use oauth_conformance::run::runner::RunOptions;
    use oauth_conformance::suite::selection::Selection;
    let only = || RunOptions { selection: Selection { filters: vec!["session/max-age-1".into()], exact: true, ..Default::default() }, ..Default::default() };
    let server = start_profile("rfc6749", &[]);
    let wall = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (owned, _) = run_server_with(&server, only());
    assert_eq!(ids_with(&owned, Outcome::Passed), BTreeSet::from(["session/max-age-1".to_string()]), "{:?}", owned.cases().map(|c| &c.message).collect::<Vec<_>>());
    // The case pauses 2 s: the server's clock is that far ahead of the wall clock (a second of
    // it may tick between the two readings); had the run waited instead, they would agree.
    let (server_now, wall_now) = (server.clock().now_secs(), wall());
    assert!(server_now > wall_now, "the reference's clock is not ahead: {server_now} against the wall's {wall_now}");
    let started = std::time::Instant::now();
    let (waited, _) = run_toml_with(&server.target_toml(), only());
    assert_eq!(ids_with(&waited, Outcome::Passed).len(), 1);
    assert!(started.elapsed() >= std::time::Duration::from_secs(2), "a wall-clock target's pause took {:?}", started.elapsed());
}
