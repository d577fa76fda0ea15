//! TLS targets, with a CA and certificates generated in the test (rcgen): an untrusted
//! certificate fails with a clear message; `--ca-cert` trusts the CA; `--insecure` works and is
//! loud in the report; mutual TLS works with `[tls] client_cert / client_key` and fails without.
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

use oauth_conformance::reference::{Faults, ReferenceServer, Registration, TlsConfig};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

struct Pki {
    ca_pem: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "oauth-conformance test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap().signed_by(&server_key, &ca).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.distinguished_name.push(DnType::CommonName, "my-client");
    let client = client_params.signed_by(&client_key, &ca).unwrap();
    Pki { ca_pem: ca.pem(), server_cert: server.pem(), server_key: server_key.serialize_pem(), client_cert: client.pem(), client_key: client_key.serialize_pem() }
}

fn start(pki: &Pki, mutual: bool) -> ReferenceServer {
    let tls = TlsConfig {
        cert_pem: pki.server_cert.clone().into_bytes(),
        key_pem: pki.server_key.clone().into_bytes(),
        client_ca_pem: mutual.then(|| pki.ca_pem.clone().into_bytes()),
    };
    ReferenceServer::start_with("citi-pl", Faults::none(), SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate(), Some(tls)).unwrap()
}

fn run(dir: &Path, target_text: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let target = dir.join("target.toml");
    std::fs::write(&target, target_text).unwrap();
    let reports = dir.join("reports");
    let mut args = vec!["run", "--target", target.to_str().unwrap(), "--filter", "token-", "--report-dir", reports.to_str().unwrap(), "--request-timeout", "5"];
    args.extend_from_slice(extra);
    let out = Command::new(BIN).args(&args).env("NO_COLOR", "1").output().unwrap();
    let report = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap_or_default()).unwrap_or(serde_json::Value::Null);
    (out, report)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn an_untrusted_certificate_fails_clearly_and_ca_cert_or_insecure_fix_it() {
    let pki = pki();
    let server = start(&pki, false);
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let target = server.target_toml();

    let (out, report) = run(dir.path(), &target, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let cases = report["cases"].as_array().unwrap();
    assert!(cases.iter().all(|c| c["outcome"] == "error"), "every case errors without trust");
    let msg = cases[0]["message"].as_str().unwrap();
    assert!(msg.contains("TLS") && msg.to_lowercase().contains("certificate"), "a clear TLS message: {msg}");

    let (out, report) = run(dir.path(), &target, &["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report["insecure"], false);

    let (out, report) = run(dir.path(), &target, &["--insecure"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report["insecure"], true);
    assert!(text(&out).contains("INSECURE: --insecure was given"), "loud on the terminal");
    let html = std::fs::read_to_string(dir.path().join("reports/report.html")).unwrap();
    assert!(html.contains("INSECURE: server certificates were not checked"), "loud in the HTML");
    let junit = std::fs::read_to_string(dir.path().join("reports/junit.xml")).unwrap();
    assert!(junit.contains("name=\"insecure\""), "recorded in JUnit");
}

#[test]
fn mutual_tls_uses_the_client_certificate_from_the_target_file() {
    let pki = pki();
    let server = start(&pki, true);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    std::fs::write(dir.path().join("client.pem"), &pki.client_cert).unwrap();
    std::fs::write(dir.path().join("client.key"), &pki.client_key).unwrap();

    let without = server.target_toml();
    let (out, report) = run(dir.path(), &without, &["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "no client certificate: refused\n{}", text(&out));
    assert!(report["cases"].as_array().unwrap().iter().all(|c| c["outcome"] == "error"));

    let with = format!("{without}\n[tls]\nclient_cert = \"client.pem\"\nclient_key = \"client.key\"\n");
    let (out, _) = run(dir.path(), &with, &["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A missing key file is a bad target file: exit 2, one line naming the field.
    let broken = format!("{without}\n[tls]\nclient_cert = \"client.pem\"\nclient_key = \"missing.key\"\n");
    let (out, _) = run(dir.path(), &broken, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("field `tls.client_key`: cannot read"), "{}", text(&out));
}

/// `serve --tls`: the rfc6749 reference serves https with a certificate from a CA it makes at
/// start (the target file trusts it through `[tls] ca_cert`, discovery included). The mutual-TLS
/// cases pass there; a certificate-bound token replayed over another certificate, or none, is
/// refused by the reference resource; and with the resource ignoring the binding, they fail.
#[test]
fn serve_tls_serves_https_and_the_mutual_tls_cases_pass_and_catch_an_unbound_resource() {
    use oauth_conformance::model::result::Outcome;
    use oauth_conformance::reference::{Extras, Fault};
    let tls = || Extras { tls: true, ..Default::default() };
    let server = ReferenceServer::start_offering("rfc6749", tls()).unwrap();
    assert!(server.base_url().starts_with("https://"), "{}", server.base_url());
    let toml = server.target_toml();
    assert!(toml.contains("[tls]\nca_cert = \"\"\"\n-----BEGIN CERTIFICATE-----"), "the target file trusts the CA:\n{toml}");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    std::fs::write(&target, &toml).unwrap();
    let (out, report) = run(dir.path(), &toml, &["--filter", "mtls/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("warning: discovery_url"), "discovery trusts [tls] ca_cert: {}", text(&out));
    let outcome = |r: &serde_json::Value, id: &str| r["cases"].as_array().unwrap().iter().find(|c| c["id"] == id).map(|c| c["outcome"].as_str().unwrap().to_string());
    for id in ["mtls/client-credentials", "mtls/other-certificate", "mtls/resource-accepts", "mtls/resource-other-certificate", "mtls/resource-no-certificate", "mtls/introspect-cnf"] {
        assert_eq!(outcome(&report, id).as_deref(), Some("passed"), "{id}: {}", text(&out));
    }
    let faults: Faults = [Fault::RfcMtlsResourceIgnoresBinding].into_iter().collect();
    let broken = ReferenceServer::start_extras("rfc6749", faults, Default::default(), tls(), SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate(), None).unwrap();
    let (_, report) = run(dir.path(), &broken.target_toml(), &["--filter", "mtls/resource"]);
    for id in ["mtls/resource-other-certificate", "mtls/resource-no-certificate"] {
        assert_eq!(outcome(&report, id).as_deref(), Some(Outcome::Failed.as_str()), "{id}: {report}");
    }
}

/// `init` against an https server whose certificate a private CA signed: without trust it names
/// the flag that gives it (exit 2, no file); with `--ca-cert` it fetches the metadata and the
/// drafted file trusts the CA as `[tls] ca_cert`, so that `run` with that file passes too.
#[test]
fn init_trusts_a_private_ca_with_ca_cert_and_writes_it_into_the_draft() {
    use oauth_conformance::reference::Extras;
    let server = ReferenceServer::start_offering("rfc6749", Extras { tls: true, ..Default::default() }).unwrap();
    let served: toml::Table = server.target_toml().parse().unwrap();
    let s = |table: &str, key: &str| served[table][key].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, s("tls", "ca_cert")).unwrap();
    let out = dir.path().join("drafted.toml");
    let base = server.base_url();
    let (client, redirect, user) = (s("client", "id"), s("client", "redirect_uri"), s("login", "username"));
    let init = |extra: &[&str]| {
        let mut args = vec!["init", "--issuer", &base, "--output", out.to_str().unwrap(), "--no-input", "--client-id", &client, "--redirect-uri", &redirect, "--scope", "accounts", "--username", &user];
        args.extend(extra);
        Command::new(BIN).args(&args).env("NO_COLOR", "1").output().unwrap()
    };

    let untrusted = init(&[]);
    assert_eq!(untrusted.status.code(), Some(2), "{}", text(&untrusted));
    assert!(text(&untrusted).contains("give the CA with --ca-cert FILE"), "{}", text(&untrusted));
    assert!(!out.exists());

    let trusted = init(&["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    let drafted = std::fs::read_to_string(&out).unwrap();
    let written: toml::Table = drafted.parse().unwrap();
    assert_eq!(written["tls"]["ca_cert"].as_str(), Some(std::path::absolute(&ca).unwrap().to_str().unwrap()), "{drafted}");

    let reports = dir.path().join("reports");
    let run = Command::new(BIN)
        .args(["run", "--target", out.to_str().unwrap(), "--filter", "token-code/", "--report-dir", reports.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("OAUTH_CLIENT_SECRET", s("client", "secret"))
        .env("OAUTH_LOGIN_PASSWORD", s("login", "password"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains(" passed"), "{}", text(&run));
}

/// FAPI 2.0 §5.2: the TLS probes fail against a server that breaks the rule — OpenSSL's own
/// `s_server` (its rustls-free TLS 1.1, and a TLS 1.2 CBC suite), which the reference cannot
/// be — and report the protocol and suite it agreed to.
#[rstest::rstest]
#[case::tls_1_1("fapi2/tls-below-1-2-refused", &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"], "TLSv1.1")]
#[case::cbc_suite("fapi2/tls12-unrecommended-suites-refused", &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"], "ECDHE-ECDSA-AES128-SHA")]
fn a_tls_probe_fails_against_a_server_offering_what_fapi_forbids(#[case] id: &str, #[case] offers: &[&str], #[case] agreed: &str) {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("server.pem"), &pki.server_cert).unwrap();
    std::fs::write(dir.path().join("server.key"), &pki.server_key).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept", &port.to_string(), "-cert", "server.pem", "-key", "server.key"])
        .args(offers)
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("OpenSSL's openssl command (scripts/test's machine has it)");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "s_server did not listen");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let key = std::fs::read_to_string("tests/targets/keycloak/fapi-client.pem").unwrap();
    let target = format!("profile = \"rfc6749\"\nbase_url = \"https://127.0.0.1:{port}\"\n[client]\nid = \"c\"\nsecret = \"s\"\nredirect_uri = \"https://c.example/cb\"\nscope = \"a\"\n[fapi_client]\nid = \"f\"\nprivate_key = \"\"\"\n{key}\"\"\"\n[tls]\nca_cert = \"\"\"\n{}\"\"\"\n", pki.ca_pem);
    let (out, report) = run(dir.path(), &target, &["--filter", id, "--exact"]);
    let _ = server.kill();
    let _ = server.wait();
    let case = report["cases"].as_array().and_then(|cases| cases.iter().find(|c| c["id"] == id)).unwrap_or_else(|| panic!("{}", text(&out)));
    let message = case["message"].as_str().unwrap();
    assert!(case["outcome"] == "failed" && message.contains("tls_handshake_refused") && message.contains(agreed), "{case}\n{}", text(&out));
}
