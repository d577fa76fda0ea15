//! Capabilities: a case that needs what the target does not offer is skipped with the reason,
//! never failed; what the server offers comes from its RFC 8414 metadata, and the target file's
//! `[capabilities]` overrides it.
mod common;

use std::process::Command;

use oauth_conformance::result::Outcome;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

#[test]
fn without_metadata_or_iss_their_cases_are_skipped_with_the_reason() {
    let server = common::start_profile("rfc6749", &[]);
    let toml: String = server
        .target_toml()
        .lines()
        .filter(|l| !l.starts_with("discovery_url"))
        .map(|l| if l == "iss = true" { "iss = false\n".to_string() } else { format!("{l}\n") })
        .collect();
    let (result, _) = common::run_toml(&toml);
    let of = |prefix: &str| result.cases().filter(|c| c.id.starts_with(prefix)).collect::<Vec<_>>();
    assert_eq!(of("metadata/").len(), 4);
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
    let explicit = |l: &str| l == "[capabilities]" || ["iss =", "introspection =", "refresh_rotation ="].iter().any(|k| l.starts_with(k));
    let toml: String = server.target_toml().lines().filter(|l| !explicit(l)).map(|l| format!("{l}\n")).collect();
    std::fs::write(&target, toml).unwrap();
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--filter", "iss/", "--json", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 2, "both iss cases ran: the metadata advertised iss");
    let out = Command::new(BIN).args(["run", "--target", target.to_str().unwrap(), "--filter", "introspect/", "--json", "-"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 8, "introspection_endpoint in the metadata turned the introspection cases on");
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
    let err = oauth_conformance::target::Target::parse("t.toml", &with_secret, &|_| None).unwrap_err().to_string();
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
