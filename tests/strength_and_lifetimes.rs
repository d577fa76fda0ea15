//! Token strength (RFC 6749 §10.10) and the slow lifetime cases, judged against the reference
//! with and without the faults that break them.
mod common;

use oauth_conformance::reference::{Extras, Fault, Faults, ReferenceServer, Variants};
use oauth_conformance::model::result::Outcome;
use oauth_conformance::run::runner::RunOptions;

fn start(faults: &[Fault], short_lived: bool) -> ReferenceServer {
    let extras = Extras { short_lived, ..Default::default() };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let faults: Faults = faults.iter().copied().collect();
    ReferenceServer::start_extras("rfc6749", faults, Variants::none(), extras, addr, oauth_conformance::reference::Registration::generate(), None).unwrap()
}

#[test]
fn counter_tokens_fail_every_strength_case_with_the_estimate_and_no_token_in_the_message() {
    let server = start(&[Fault::RfcPredictableTokens], false);
    let (result, _) = common::run_server(&server);
    // Codes and tokens from the server's generator; user codes have their own bar and fault (below).
    let strength: Vec<_> = result.cases().filter(|c| c.id.starts_with("strength/") && c.id != "strength/device-user-code").collect();
    assert!(strength.len() >= 5, "codes, access tokens (two grants), refresh tokens, request_uris");
    for c in strength {
        assert_eq!(c.outcome, Outcome::Failed, "{}: {}", c.id, c.message);
        assert!(c.message.contains("at least 128 bits hard to guess, got ~") && c.message.contains("from 8 samples"), "{}: {}", c.id, c.message);
        assert!(!c.message.contains("tok-0"), "{}: a sampled value leaked into the message: {}", c.id, c.message);
    }
    assert!(!result.gate_passed());
}

#[test]
fn random_tokens_pass_every_strength_case() {
    let server = start(&[], false);
    let (result, _) = common::run_server(&server);
    for c in result.cases().filter(|c| c.id.starts_with("strength/")) {
        assert_eq!(c.outcome, Outcome::Passed, "{}: {}", c.id, c.message);
        // RFC 6749 §10.10's bar for codes and tokens; RFC 8628 §6.1's own for user codes.
        let bar = if c.id == "strength/device-user-code" { "guessing_entropy" } else { "guessing_entropy_160" };
        assert!(c.checks.iter().any(|k| k.check == bar && k.passed), "{}", c.id);
    }
}

/// RFC 8628 §6.1: 4-digit user codes fail the SHOULD case with the estimate; 8 letters from 20 pass.
#[test]
fn short_user_codes_fail_their_should_case_and_only_it() {
    let server = start(&[Fault::RfcDeviceShortUserCode], false);
    let (result, _) = common::run_server(&server);
    let c = result.cases().find(|c| c.id == "strength/device-user-code").unwrap();
    assert_eq!(c.outcome, Outcome::Failed, "{}", c.message);
    assert!(c.message.contains("user_code values at least 34 bits hard to guess"), "{}", c.message);
    let others: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Failed && c.id != "strength/device-user-code").map(|c| c.id.clone()).collect();
    assert!(others.is_empty(), "{others:?}");
    assert!(result.gate_passed(), "a SHOULD case does not fail the gate");
}

#[test]
fn slow_cases_are_skipped_without_slow_and_catch_lifetimes_that_never_end_with_it() {
    let server = start(&[Fault::RfcCodeNeverExpires, Fault::RfcExpiredTokenAccepted], true);
    let (quick, _) = common::run_server(&server);
    let slow_ids: Vec<&str> = quick.cases().filter(|c| c.id.starts_with("slow/")).map(|c| c.id.as_str()).collect();
    assert!(slow_ids.len() >= 3);
    for c in quick.cases().filter(|c| c.id.starts_with("slow/")) {
        assert_eq!(c.outcome, Outcome::Skipped);
        assert!(c.message.ends_with("run with --slow") && c.message.contains(" s)"), "{}", c.message);
    }
    let (slow, _) = common::run_server_with(&server, RunOptions { slow: true, ..Default::default() });
    for id in ["slow/code-expires", "slow/access-token-expires", "slow/expired-token-introspected-inactive"] {
        let c = slow.cases().find(|c| c.id == id).unwrap();
        assert_eq!(c.outcome, Outcome::Failed, "{}: {}", c.id, c.message);
    }
    let code = slow.cases().find(|c| c.id == "slow/code-expires").unwrap();
    assert!(code.message.contains("expected status 400, got 200"), "{}", code.message);
}

#[test]
fn a_slow_case_without_its_wait_in_the_target_file_is_skipped_and_a_bad_wait_is_refused() {
    let server = start(&[], false);
    // The slow/ cases alone: the FAPI client's code lifetime has a wait of its own when the
    // target gives none (its rule's 61 s), which this test does not need to sit through.
    let selection = oauth_conformance::suite::selection::Selection::filter("slow/");
    let (result, _) = common::run_server_with(&server, RunOptions { slow: true, selection, ..Default::default() });
    let c = result.cases().find(|c| c.id == "slow/code-expires").unwrap();
    assert_eq!(c.outcome, Outcome::Skipped);
    assert_eq!(c.message, "skipped: the target file has no [slow] code (seconds to wait for the authorization code lifetime)");
    let bad = format!("{}\n[slow]\ncode = 5\nrefresh = 9\n", server.target_toml());
    let err = oauth_conformance::target::file::Target::parse("t.toml", &bad, &|_| None).unwrap_err().to_string();
    assert!(err.starts_with("t.toml:") && err.contains("slow.refresh") && err.contains("unknown wait (known: code, access_token, request_uri"), "{err}");
    let zero = format!("{}\n[slow]\ncode = 0\n", server.target_toml());
    let err = oauth_conformance::target::file::Target::parse("t.toml", &zero, &|_| None).unwrap_err().to_string();
    assert!(err.contains("slow.code") && err.contains("between 1 and 7200"), "{err}");
}
