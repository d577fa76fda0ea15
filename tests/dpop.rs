//! DPoP (RFC 9449): the suite signs proofs per case, a correct server passes every case, a
//! server lax about one check fails that check's cases, the variants RFC 9449 permits pass, and
//! no proof (which could be replayed) is kept in clear.
mod common;

use oauth_conformance::reference::{Extras, Fault, ReferenceServer, Registration, Variant, Variants};
use oauth_conformance::model::result::{Outcome, RunResult};
use oauth_conformance::run::runner::RunOptions;
use oauth_conformance::suite::selection::Selection;

fn run_dpop(faults: &[Fault], variants: &[Variant]) -> RunResult {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let variants: Variants = variants.iter().copied().collect();
    let server = ReferenceServer::start_extras("rfc6749", faults.iter().copied().collect(), variants, Extras::default(), addr, Registration::generate(), None).unwrap();
    common::run_server_with(&server, RunOptions { selection: Selection::filter("dpop/"), ..Default::default() }).0
}

#[test]
fn a_correct_server_passes_every_dpop_case_and_no_proof_is_kept_in_clear() {
    let result = run_dpop(&[], &[]);
    assert_eq!(result.cases().count(), 40);
    for c in result.cases() {
        assert_eq!(c.outcome, Outcome::Passed, "{}: {}", c.id, c.message);
    }
    let json = serde_json::to_string(&result.cases().collect::<Vec<_>>()).unwrap();
    // A proof's header is base64url of {"typ":"dpop+jwt",… or {"alg":…: JSON objects start "eyJ".
    assert!(!json.contains("eyJ") && json.contains("‹dpop_proof:"), "proofs are redacted in transcripts");
    let accepted = result.cases().find(|c| c.id == "dpop/resource-accepts").unwrap();
    let probe = accepted.transcript.iter().find(|e| e.step == "main").unwrap();
    assert!(probe.request_headers.iter().any(|(k, v)| k == "authorization" && v.starts_with("DPoP ‹")), "{:?}", probe.request_headers);
}

#[rstest::rstest]
#[case(Fault::RfcDpopTypUnchecked, &["dpop/no-typ", "dpop/wrong-typ"])]
#[case(Fault::RfcDpopSignatureUnchecked, &["dpop/bad-signature", "dpop/resource-bad-signature"])]
#[case(Fault::RfcDpopKeyUnchecked, &["dpop/resource-other-key", "dpop/resource-challenge"])]
#[case(Fault::RfcDpopBoundAsBearer, &["dpop/resource-as-bearer"])]
#[case(Fault::RfcDpopPublicRefreshUnbound, &["dpop/public-refresh-other-key", "dpop/public-refresh-no-proof"])]
#[case(Fault::RfcDpopReplayAccepted, &["dpop/replay"])]
fn a_server_lax_about_one_check_fails_exactly_its_cases(#[case] fault: Fault, #[case] ids: &[&str]) {
    let result = run_dpop(&[fault], &[]);
    let failed: Vec<&str> = result.cases().filter(|c| c.outcome == Outcome::Failed).map(|c| c.id.as_str()).collect();
    assert_eq!(failed, ids, "{fault:?}");
}

/// RFC 9449 §8: a server demanding nonces answers use_dpop_nonce first; the suite signs again with
/// the nonce and retries once, and the transcript shows both exchanges.
#[test]
fn a_server_demanding_nonces_is_answered_with_a_retry_and_passes() {
    let result = run_dpop(&[], &[Variant::DpopNonce]);
    let bad: Vec<String> = result.cases().filter(|c| c.outcome != Outcome::Passed).map(|c| format!("{}: {}", c.id, c.message)).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let c = result.cases().find(|c| c.id == "dpop/token-request").unwrap();
    assert_eq!(c.transcript.len(), 2, "a refusal asking for a nonce, then the retry");
    assert!(c.transcript[0].step.contains("asked for a DPoP nonce") && c.transcript[0].status == Some(400));
    assert_eq!(c.transcript[1].status, Some(200));
}

/// RFC 9449 §5: a server MAY issue unbound (Bearer) tokens; the cases about bound tokens then do
/// not apply and are skipped with what the server chose, and only the MAY case notes it.
#[test]
fn a_server_issuing_unbound_tokens_skips_the_binding_cases_and_passes_the_gate() {
    let result = run_dpop(&[], &[Variant::DpopUnbound]);
    assert!(result.gate_passed());
    let bound = result.cases().find(|c| c.id == "dpop/token-bound").unwrap();
    assert_eq!(bound.outcome, Outcome::Failed);
    let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped).collect();
    assert!(skipped.len() >= 15, "{}", skipped.len());
    for c in skipped {
        assert!(c.message.starts_with("skipped: does not apply: before 1 (bound: "), "{}: {}", c.id, c.message);
        assert!(c.message.contains("token_type"), "{}", c.message);
    }
}

/// A resource that serves end users only (a userinfo endpoint) refuses client-credentials tokens
/// by design: the suite finds that out once, says so in the run's notes, and the resource cases
/// use DPoP-bound authorization-code tokens — none is blocked or failed.
#[test]
fn a_resource_for_end_users_only_gets_code_flow_tokens_and_every_case_passes() {
    let result = run_dpop(&[], &[Variant::ResourceUserTokensOnly]);
    let bad: Vec<String> = result.cases().filter(|c| c.outcome != Outcome::Passed).map(|c| format!("{}: {}", c.id, c.message)).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(result.notes.len(), 1, "{:?}", result.notes);
    assert!(result.notes[0].starts_with("resource: the probe resource refused a client-credentials token (answered 401"), "{}", result.notes[0]);
    let detections = result.cases().flat_map(|c| &c.transcript).filter(|e| e.step.starts_with("resource detection (client_credentials)")).count();
    assert_eq!(detections, 2, "found out once per run: one token request and one probe");
}
