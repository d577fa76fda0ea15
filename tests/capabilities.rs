//! Capabilities: a case that needs what the target does not offer is skipped with the reason,
//! never failed; what the server offers comes from its RFC 8414 metadata, and the target file's
//! `[capabilities]` overrides it.
mod common;

use std::process::Command;

use oauth_conformance::model::result::Outcome;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

#[test]
fn without_metadata_or_iss_their_cases_are_skipped_with_the_reason() {
    let server = common::start_profile("rfc6749", &[]);
    let toml: String = server
        .target_toml()
        .lines()
        .filter(|l| !l.starts_with("discovery_url"))
        .map(|l| if l == "[capabilities]" { "[capabilities]\niss = false\n".to_string() } else { format!("{l}\n") })
        .collect();
    let (result, _) = common::run_toml(&toml);
    let of = |prefix: &str| result.cases().filter(|c| c.id.starts_with(prefix)).collect::<Vec<_>>();
    assert_eq!(of("metadata/").len(), 7);
    for c in of("metadata/") {
        assert_eq!(c.outcome, Outcome::Skipped, "{}", c.id);
        assert_eq!(c.message, "skipped: the server does not offer RFC 8414 authorization server metadata (target file: discovery_url)");
    }
    for c in of("iss/") {
        assert_eq!(c.outcome, Outcome::Skipped, "{}", c.id);
        assert!(c.message.contains("RFC 9207 iss") && c.message.contains("[capabilities] iss = false"), "{}", c.message);
    }
    assert!(result.gate_passed() && result.cases().all(|c| matches!(c.outcome, Outcome::Passed | Outcome::Skipped)));
}

/// With discovery_url and no `[capabilities]`, the metadata's
/// authorization_response_iss_parameter_supported turns the iss cases on; `list --target` shows
/// what would run.
#[test]
fn the_metadata_says_what_the_server_offers() {
    let server = common::start_profile("rfc6749", &[]);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.toml");
    let explicit = |l: &str| l == "[capabilities]" || oauth_conformance::model::capability::Capability::ALL.iter().any(|c| l.starts_with(&format!("{} =", c.name())));
    let toml: String = server.target_toml().lines().filter(|l| !explicit(l)).map(|l| format!("{l}\n")).collect();
    std::fs::write(&target, toml).unwrap();
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--filter", "iss/", "--json", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 3, "every iss case ran (success, denial, early error): the metadata advertised iss");
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--filter", "introspect/", "--json", "-"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 13 introspection cases; the one about a rotated-out refresh token also needs refresh_rotation,
    // which no metadata member states (and this target file no longer does).
    assert_eq!(report["summary"]["passed"], 12, "introspection_endpoint in the metadata turned the introspection cases on");
    let no_disc: String = std::fs::read_to_string(&target).unwrap().lines().filter(|l| !l.starts_with("discovery_url")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&target, no_disc).unwrap();
    let out = Command::new(BIN).args(["list", "--target", target.to_str().unwrap(), "--filter", "iss/"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("would be skipped: the server does not offer RFC 9207 iss in authorization responses (metadata: authorization_response_iss_parameter_supported)"), "{text}");
}

/// A public client has no secret: a target file that gives one is refused with its line; without
/// `[public_client]` the public-client cases are skipped with the reason.
#[test]
fn public_client_cases_need_a_public_client_without_secret() {
    let server = common::start_profile("rfc6749", &[]);
    let with_secret = server.target_toml().replace("[public_client]\nid = \"public-app\"\n", "[public_client]\nid = \"public-app\"\nsecret = \"x\"\n");
    assert_ne!(with_secret, server.target_toml());
    let err = oauth_conformance::target::file::Target::parse("t.toml", &with_secret, &|_| None).unwrap_err().to_string();
    assert!(err.contains("public_client.secret") && err.contains("has no secret"), "{err}");
    let without: String = {
        let t = server.target_toml();
        let start = t.find("[public_client]").unwrap();
        let end = start + t[start..].find("\n\n").unwrap() + 2;
        format!("{}{}", &t[..start], &t[end..])
    };
    let (result, _) = common::run_toml(&without);
    for c in result.cases().filter(|c| c.id.starts_with("public/")) {
        assert_eq!(c.outcome, Outcome::Skipped, "{}", c.id);
        assert!(c.message.contains("[public_client]"), "{}", c.message);
    }
    assert!(result.gate_passed());
}

/// Each capability switched off in the reference itself (not in the target file): the server
/// really lacks it, its target file and metadata say so, and every case that needs it is skipped
/// with the reason naming it — none failed, and the gate passes.
#[test]
fn each_capability_switched_off_in_the_reference_skips_its_cases_and_fails_none() {
    use oauth_conformance::reference::{Extras, Offer, ReferenceServer};
    let reason = |o: Offer| match o {
        Offer::Metadata => "RFC 8414 authorization server metadata (target file: discovery_url)",
        Offer::Iss => "RFC 9207 iss in authorization responses (metadata: authorization_response_iss_parameter_supported)",
        Offer::Introspection => "RFC 7662 token introspection (metadata: introspection_endpoint)",
        Offer::Revocation => "RFC 7009 token revocation (metadata: revocation_endpoint)",
        Offer::RefreshRotation => "refresh token rotation (target file: [capabilities] refresh_rotation = false)",
        Offer::ClientSecretPost => "client_secret_post client authentication (target file: [capabilities] client_secret_post = false)",
        Offer::PublicClient => "the target file has no [public_client]",
        Offer::Par => "RFC 9126 pushed authorization requests (metadata: pushed_authorization_request_endpoint)",
        Offer::DeviceGrant => "the RFC 8628 device authorization grant (metadata: device_authorization_endpoint)",
        Offer::PrivateKeyJwt => "RFC 7523 private_key_jwt client authentication (metadata: token_endpoint_auth_methods_supported)",
        Offer::Dpop => "RFC 9449 DPoP with ES256 proofs (metadata: dpop_signing_alg_values_supported)",
        Offer::OpenId => "OpenID Connect (an OpenID Provider) (metadata: id_token_signing_alg_values_supported)",
        Offer::Mtls => "the target file has no [mtls_client]",
    };
    let full = common::run_toml(&ReferenceServer::start_offering("rfc6749", Extras::default()).unwrap().target_toml()).0;
    // Every case passes but the slow ones (not asked for here), the one for PAR-only servers
    // (this one takes plain requests too; a_par_only_server_… runs it) and the one for resources
    // that take a token from the query (this one does not; the query-token variant runs it).
    let shaped = |c: &oauth_conformance::model::result::CaseResult| c.id == "par/required-plain-request-refused" || c.id == "bearer/query-token-private" || common::skipped_by_shape(&c.message);
    let bad: Vec<String> = full.cases().filter(|c| !(c.outcome == Outcome::Passed || (shaped(c) && c.outcome == Outcome::Skipped))).map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message)).collect();
    assert!(bad.is_empty(), "the full reference passes every case: {bad:#?}");
    for &offer in Offer::ALL {
        let extras = Extras { withheld: std::iter::once(offer).collect(), ..Default::default() };
        let server = ReferenceServer::start_offering("rfc6749", extras).unwrap();
        let (result, _) = common::run_server(&server);
        // The slow cases are skipped for their waiting before anything else (no --slow here).
        let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped && !shaped(c)).collect();
        assert!(!skipped.is_empty(), "{}: some case needs it", offer.name());
        for c in &skipped {
            // The FAPI client stands on PAR, DPoP and private_key_jwt: without one of them the
            // reference registers none, and the FAPI 2.0 cases say so.
            let fapi_off = c.id.starts_with("fapi2/") && c.message.contains("no [fapi_client]");
            assert!(c.message.contains(reason(offer)) || fapi_off, "{} without {}: {}", c.id, offer.name(), c.message);
        }
        let bad: Vec<_> = result.cases().filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message)).collect();
        assert!(bad.is_empty() && result.gate_passed(), "without {}: {bad:#?}", offer.name());
    }
}

/// A PAR-only reference (RFC 9126 §5, advertised in its metadata): the PAR cases run, the plain
/// request is refused; the same metadata over a server that still serves plain requests fails it.
#[test]
fn a_par_only_server_refuses_plain_requests_and_the_case_sees_through_a_false_claim() {
    use oauth_conformance::reference::{Extras, Fault, ReferenceServer, Registration, Variants};
    let extras = Extras { par_required: true, ..Default::default() };
    let server = ReferenceServer::start_offering("rfc6749", extras).unwrap();
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("par/"), ..Default::default() };
    let (result, _) = common::run_server_with(&server, opts.clone());
    let case = result.cases().find(|c| c.id == "par/required-plain-request-refused").unwrap();
    assert_eq!(case.outcome, Outcome::Passed, "{}", case.message);
    assert!(result.cases().all(|c| c.outcome == Outcome::Passed), "every PAR case passes against a PAR-only server");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let lying = ReferenceServer::start_extras("rfc6749", std::iter::once(Fault::RfcParRequiredBypassed).collect(), Variants::none(), Extras::default(), addr, Registration::generate(), None).unwrap();
    let (result, _) = common::run_toml_with(&lying.target_toml(), opts);
    let case = result.cases().find(|c| c.id == "par/required-plain-request-refused").unwrap();
    assert_eq!(case.outcome, Outcome::Failed, "{}", case.message);
    assert!(case.message.contains("expected no code"), "{}", case.message);
}

/// PAR everywhere (RFC 9126 §5): against a PAR-only reference every case's authorization request
/// is pushed first and the browser starts from the request_uri, so the whole profile passes
/// (before, 189 of its cases were errors and 3 failures, the plain requests being refused); the
/// case about the plain request still sends it plain; a request refused at the push settles the
/// cases that expect a refusal there, with the push's error code judged.
#[test]
fn against_a_par_only_server_every_authorization_request_is_pushed_first() {
    use oauth_conformance::reference::{Extras, ReferenceServer};
    let server = ReferenceServer::start_offering("rfc6749", Extras { par_required: true, ..Default::default() }).unwrap();
    let (result, _) = common::run_server(&server);
    let bad: Vec<String> = result.cases().filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message)).collect();
    assert!(bad.is_empty() && result.gate_passed(), "{bad:#?}");
    assert!(result.cases().filter(|c| c.outcome == Outcome::Passed).count() >= 300);
    let login = result.cases().find(|c| c.id == "authorize/code-after-consent").unwrap();
    let urls: Vec<&str> = login.transcript.iter().map(|e| e.url.as_str()).collect();
    assert!(urls[0].ends_with("/par") && urls[1].contains("/authorize?client_id=") && urls[1].contains("request_uri="), "{urls:#?}");
    let plain = result.cases().find(|c| c.id == "par/required-plain-request-refused").unwrap();
    assert!(!plain.transcript.iter().any(|e| e.url.ends_with("/par")), "the plain request is sent plain");
    let scope = result.cases().find(|c| c.id == "authorize/unknown-scope").unwrap();
    assert!(scope.checks.iter().any(|k| k.check == "refused_early" && k.passed), "{:?}", scope.checks);
}

/// RFC 8628 with a separate, public `[device_client]` (a TV app with no secret): the device cases
/// run as that client (client_id in the form), pass, and the three about a confidential client's
/// authentication are skipped with the reason.
#[test]
fn a_public_device_client_runs_the_device_cases_and_skips_the_confidential_ones() {
    let server = common::start_profile("rfc6749", &[]);
    let toml = format!("{}\n[device_client]\nid = \"public-app\"\n", server.target_toml());
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("device/"), ..Default::default() };
    let (result, _) = common::run_toml_with(&toml, opts);
    let skipped: Vec<&str> = result.cases().filter(|c| c.outcome == Outcome::Skipped).map(|c| c.id.as_str()).collect();
    assert_eq!(skipped, ["device/no-client-auth", "device/wrong-secret", "device/poll-without-client-auth"]);
    for c in result.cases().filter(|c| c.outcome == Outcome::Skipped) {
        assert!(c.message.contains("[device_client] is a public client"), "{}", c.message);
    }
    let bad: Vec<String> = result.cases().filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).map(|c| format!("{}: {}", c.id, c.message)).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    // It went as the public client: its id in the form, no Authorization header.
    let approved = result.cases().find(|c| c.id == "device/tokens-after-approval").unwrap();
    let ask = approved.transcript.iter().find(|e| e.url.ends_with("/device_authorization")).unwrap();
    assert!(ask.request_body.as_deref().unwrap_or("").contains("client_id=public-app"), "{:?}", ask.request_body);
    assert!(!ask.request_headers.iter().any(|(k, _)| k == "authorization"), "{:?}", ask.request_headers);
}
