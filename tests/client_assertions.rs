//! private_key_jwt (RFC 7523): the suite signs assertions with the target's key; broken ones are
//! refused by a correct server and let through by a faulted one; no assertion or key is written.
mod common;

use oauth_conformance::reference::{Extras, Fault, ReferenceServer, Registration, Variants};
use oauth_conformance::model::result::Outcome;
use oauth_conformance::run::runner::RunOptions;
use oauth_conformance::suite::selection::Selection;

fn run_jwt(faults: &[Fault]) -> oauth_conformance::model::result::RunResult {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = ReferenceServer::start_extras("rfc6749", faults.iter().copied().collect(), Variants::none(), Extras::default(), addr, Registration::generate(), None).unwrap();
    common::run_server_with(&server, RunOptions { selection: Selection::filter("jwt/"), ..Default::default() }).0
}

#[test]
fn a_correct_server_passes_every_assertion_case_and_no_assertion_is_kept_in_clear() {
    let result = run_jwt(&[]);
    assert_eq!(result.cases().count(), 8);
    for c in result.cases() {
        assert_eq!(c.outcome, Outcome::Passed, "{}: {}", c.id, c.message);
    }
    let json = serde_json::to_string(&result.cases().collect::<Vec<_>>()).unwrap();
    assert!(!json.contains("eyJ") && json.contains("‹client_assertion:"), "assertions are redacted in transcripts");
    assert!(!json.contains("BEGIN PRIVATE KEY"));
}

#[rstest::rstest]
#[case(Fault::RfcJwtAlgNoneAccepted, "jwt/alg-none")]
#[case(Fault::RfcJwtSignatureUnchecked, "jwt/wrong-key")]
#[case(Fault::RfcJwtAudUnchecked, "jwt/wrong-aud")]
#[case(Fault::RfcJwtExpUnchecked, "jwt/expired")]
fn a_server_that_skips_one_assertion_check_fails_its_case(#[case] fault: Fault, #[case] id: &str) {
    let result = run_jwt(&[fault]);
    let c = result.cases().find(|c| c.id == id).unwrap();
    assert_eq!(c.outcome, Outcome::Failed, "{}", c.message);
    assert!(c.message.contains("expected a non-2xx status, got 200"), "{}", c.message);
    assert!(!result.gate_passed());
}

#[test]
fn a_jwt_client_key_that_cannot_be_read_or_is_not_p256_is_a_one_line_error() {
    let base = "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\n[client]\nid = \"c\"\nsecret = \"s\"\nredirect_uri = \"https://a.test/cb\"\n";
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("t.toml");
    let err = oauth_conformance::target::file::Target::parse(missing.to_str().unwrap(), &format!("{base}[jwt_client]\nid = \"j\"\nprivate_key = \"nope.pem\"\n"), &|_| None).unwrap_err().to_string();
    assert!(err.contains(":9: field `jwt_client.private_key`: cannot read") && err.contains("no such file") && !err.contains('\n'), "{err}");
    let bad = format!("{base}[jwt_client]\nid = \"j\"\nprivate_key = \"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"\n");
    let err = oauth_conformance::target::file::Target::parse("t.toml", &bad, &|_| None).unwrap_err().to_string();
    assert!(err.contains("jwt_client.private_key") && err.contains("P-256"), "{err}");
}
