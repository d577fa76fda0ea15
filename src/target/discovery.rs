//! RFC 8414 discovery: the server's metadata document fills what the target file leaves out.
//! What enters: a `Target` with a `discovery_url`. What leaves: the same target with the
//! endpoints it did not name filled and the capabilities the metadata states, or a
//! `DiscoveryError` saying why the document could not be used.
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::capabilities::Capabilities;
use super::file::Target;
use crate::model::capability::Capability;
use crate::transport::http::{DEFAULT_BODY_CAP, Http, HttpRequest, TlsOptions, TransportError};

/// Why discovery (RFC 8414) could not fill the target's endpoints. The problem is part of the
/// message, not a `#[source]`: `main` prints the chain with `{:#}`, which would repeat it.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("discovery_url {url}: {problem}")]
    /// The URL boxed: this error travels in every `Result` of the target file's loading.
    Failed { url: Box<Url>, problem: MetadataProblem },
}

/// What went wrong with the metadata document, whatever its URL.
#[derive(Debug, thiserror::Error)]
pub enum MetadataProblem {
    /// No runtime to fetch it with.
    #[error("{0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Transport(TransportError),
    #[error("answered {0} instead of 200")]
    Status(u16),
    #[error("the answer is not a JSON object")]
    NotObject,
    #[error("{field} {value:?}: {source}")]
    BadEndpoint { field: &'static str, value: String, source: url::ParseError },
}

/// The endpoints the metadata may name: the target's key and the RFC 8414 member.
pub(crate) const ENDPOINTS: [(&str, &str); 8] = [
    ("authorize", "authorization_endpoint"),
    ("token", "token_endpoint"),
    ("revoke", "revocation_endpoint"),
    ("introspect", "introspection_endpoint"),
    ("par", "pushed_authorization_request_endpoint"),
    ("device_authorization", "device_authorization_endpoint"),
    ("jwks", "jwks_uri"),
    ("userinfo", "userinfo_endpoint"),
];

impl Target {
    /// RFC 8414: fills the authorize, token and revoke endpoints the target file does not give
    /// from the server's metadata at `discovery_url`.
    /// `trust`: the run's own TLS trust (`--ca-cert`, `--insecure`), to which the target file's
    /// `[tls]` adds, as for every request of the run.
    pub fn discover(&mut self, timeout: Duration, trust: &TlsOptions) -> Result<(), DiscoveryError> {
        let trust = self.trust(trust);
        if let Some(url) = self.discovery_url.clone() {
            let meta = fetch(&url, timeout, &trust).map_err(|problem| DiscoveryError::Failed { url: Box::new(url.clone()), problem })?;
            self.apply_metadata(&meta).map_err(|problem| DiscoveryError::Failed { url: Box::new(url), problem })?;
        }
        self.fetch_jwks(timeout, &trust);
        Ok(())
    }

    /// The run's TLS trust with the target file's `[tls]` (its CA, its client certificate).
    fn trust(&self, run: &TlsOptions) -> TlsOptions {
        let mut trust = run.clone();
        if let Some(t) = &self.tls {
            trust.ca_certs.extend(t.ca_cert.clone());
            if t.identity.is_some() {
                trust.identity = t.identity.clone();
            }
        }
        trust
    }

    /// An OpenID Provider's JWK Set (Discovery §3 jwks_uri, or the target file's `jwks`
    /// endpoint), kept to verify ID Tokens with. A set that cannot be fetched stays None: the
    /// jwks cases say why, and the signature checks that there was nothing to verify with.
    fn fetch_jwks(&mut self, timeout: Duration, trust: &TlsOptions) {
        if !self.capabilities.offers(Capability::OpenId) {
            return;
        }
        let Some(url) = self.endpoints.get("jwks").and_then(|p| self.resolve(p)) else { return };
        self.jwks = fetch(&url, timeout, trust).ok();
    }

    /// Discovery that never stops the run: a metadata document the server cannot serve is the
    /// metadata cases' finding, not a reason to judge nothing. Returns the problem as a line.
    pub fn discover_or_note(&mut self, timeout: Duration, trust: &TlsOptions) -> Option<String> {
        self.discover(timeout, trust).err().map(|e| format!("{e}; endpoints come from the target file and the profile, capabilities from [capabilities]"))
    }

    /// What a fetched metadata document says: capabilities first, then each endpoint the
    /// target file does not name (stopping at the first that is not a URL).
    fn apply_metadata(&mut self, meta: &Value) -> Result<(), MetadataProblem> {
        observe(&mut self.capabilities, meta, self.endpoints.contains_key("revoke"));
        for (key, field) in ENDPOINTS {
            if !self.endpoints.contains_key(key)
                && let Some(v) = meta.get(field).and_then(|v| v.as_str())
            {
                Url::parse(v).map_err(|source| MetadataProblem::BadEndpoint { field, value: v.to_string(), source })?;
                self.endpoints.insert(key.to_string(), v.to_string());
            }
        }
        // RFC 8705 §5: the endpoints a client presenting its certificate uses instead.
        if let Some(aliases) = meta.get("mtls_endpoint_aliases").and_then(Value::as_object) {
            for (key, field) in ENDPOINTS {
                if let Some(v) = aliases.get(field).and_then(Value::as_str) {
                    Url::parse(v).map_err(|source| MetadataProblem::BadEndpoint { field: "mtls_endpoint_aliases", value: v.to_string(), source })?;
                    self.mtls_aliases.insert(key.to_string(), v.to_string());
                }
            }
        }
        Ok(())
    }
}

/// What a metadata document says about each capability it can speak for. RFC 8414 §2:
/// revocation_endpoint is the metadata's word on RFC 7009 support, unless the target file names
/// the endpoint itself (`revoke_named`).
pub(crate) fn observe(caps: &mut Capabilities, meta: &Value, revoke_named: bool) {
    let is_string = |member: &str| meta.get(member).is_some_and(|v| v.is_string());
    let is_true = |member: &str| meta.get(member) == Some(&Value::Bool(true));
    caps.observe(Capability::Iss, is_true("authorization_response_iss_parameter_supported"));
    caps.observe(Capability::Introspection, is_string("introspection_endpoint"));
    caps.observe(Capability::PrivateKeyJwt, lists(meta, "token_endpoint_auth_methods_supported", "private_key_jwt"));
    caps.observe(Capability::DeviceGrant, is_string("device_authorization_endpoint"));
    // The suite signs ES256 proofs: a server that lists other algorithms only is not one it can test.
    caps.observe(Capability::Dpop, lists(meta, "dpop_signing_alg_values_supported", "ES256"));
    caps.observe(Capability::Par, is_string("pushed_authorization_request_endpoint"));
    caps.observe(Capability::ParRequired, is_true("require_pushed_authorization_requests"));
    caps.observe(Capability::OpenId, meta.get("id_token_signing_alg_values_supported").is_some_and(Value::is_array));
    if !revoke_named {
        caps.observe(Capability::Revocation, is_string("revocation_endpoint"));
    }
}

/// Whether the metadata's array `member` holds `item`.
pub(crate) fn lists(meta: &Value, member: &str, item: &str) -> bool {
    meta.get(member).and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v == item))
}

/// GETs the metadata document: a JSON object with status 200.
pub(crate) fn fetch(url: &Url, timeout: Duration, trust: &TlsOptions) -> Result<Value, MetadataProblem> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(MetadataProblem::Runtime)?;
    let http = Http::with_tls(timeout, DEFAULT_BODY_CAP, trust).map_err(MetadataProblem::Transport)?;
    let request = HttpRequest { method: "GET".into(), url: url.clone(), headers: vec![("accept".into(), "application/json".into())], body: None };
    let resp = rt.block_on(http.send(request)).response.map_err(MetadataProblem::Transport)?;
    if resp.status != 200 {
        return Err(MetadataProblem::Status(resp.status));
    }
    resp.json().filter(|v| v.is_object()).ok_or(MetadataProblem::NotObject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn target(extra: &str) -> Target {
        let text = format!("profile = \"p\"\nbase_url = \"https://as.example\"\ndiscovery_url = \"https://as.example/.well-known/oauth-authorization-server\"\nclient = {{ id = \"c\" }}\n{extra}");
        Target::parse("t.toml", &text, &|_| None).unwrap()
    }

    #[test]
    fn endpoints_the_file_does_not_name_come_from_the_metadata() {
        let mut t = target("[endpoints]\ntoken = \"/mine/token\"\n");
        let meta = json!({"authorization_endpoint": "https://as.example/oauth2/auth", "token_endpoint": "https://as.example/oauth2/token", "introspection_endpoint": "https://as.example/oauth2/introspect"});
        t.apply_metadata(&meta).unwrap();
        assert_eq!(t.endpoints.get("authorize").map(String::as_str), Some("https://as.example/oauth2/auth"));
        assert_eq!(t.endpoints.get("token").map(String::as_str), Some("/mine/token"), "the target file's endpoint wins");
        assert_eq!(t.endpoints.get("introspect").map(String::as_str), Some("https://as.example/oauth2/introspect"));
        assert!(!t.endpoints.contains_key("par"));
    }

    #[rstest]
    #[case::iss_true(json!({"authorization_response_iss_parameter_supported": true}), Capability::Iss, true)]
    #[case::iss_string_is_not_true(json!({"authorization_response_iss_parameter_supported": "true"}), Capability::Iss, false)]
    #[case::private_key_jwt_listed(json!({"token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"]}), Capability::PrivateKeyJwt, true)]
    #[case::dpop_es256(json!({"dpop_signing_alg_values_supported": ["PS256", "ES256"]}), Capability::Dpop, true)]
    #[case::dpop_without_es256(json!({"dpop_signing_alg_values_supported": ["PS256"]}), Capability::Dpop, false)]
    #[case::par_endpoint(json!({"pushed_authorization_request_endpoint": "https://as.example/par"}), Capability::Par, true)]
    #[case::par_required(json!({"require_pushed_authorization_requests": true}), Capability::ParRequired, true)]
    #[case::device_endpoint(json!({"device_authorization_endpoint": "https://as.example/device"}), Capability::DeviceGrant, true)]
    #[case::no_revocation_endpoint(json!({}), Capability::Revocation, false)]
    #[case::openid_provider(json!({"id_token_signing_alg_values_supported": ["RS256"]}), Capability::OpenId, true)]
    #[case::plain_oauth_server(json!({"scopes_supported": ["openid"]}), Capability::OpenId, false)]
    fn the_metadata_says_what_the_server_offers(#[case] meta: Value, #[case] c: Capability, #[case] offered: bool) {
        let mut t = target("");
        t.apply_metadata(&meta).unwrap();
        assert_eq!(t.capabilities.offers(c), offered);
    }

    #[test]
    fn a_revoke_endpoint_in_the_file_keeps_revocation_whatever_the_metadata_says() {
        let mut t = target("[endpoints]\nrevoke = \"/revoke\"\n");
        t.apply_metadata(&json!({})).unwrap();
        assert!(t.capabilities.offers(Capability::Revocation));
    }

    #[test]
    fn the_target_files_capabilities_override_the_metadata() {
        let mut t = target("[capabilities]\niss = false\n");
        t.apply_metadata(&json!({"authorization_response_iss_parameter_supported": true})).unwrap();
        assert!(!t.capabilities.offers(Capability::Iss));
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused_with_its_member() {
        let mut t = target("");
        let problem = t.apply_metadata(&json!({"token_endpoint": "/token"})).unwrap_err();
        let e = DiscoveryError::Failed { url: Box::new(t.discovery_url.clone().unwrap()), problem };
        insta::assert_snapshot!(e.to_string());
    }

    #[test]
    fn a_bad_url_for_an_endpoint_the_file_names_is_ignored() {
        let mut t = target("[endpoints]\ntoken = \"/token\"\n");
        t.apply_metadata(&json!({"token_endpoint": "not a url"})).unwrap();
        assert_eq!(t.endpoints.get("token").map(String::as_str), Some("/token"));
    }

    #[test]
    fn without_a_discovery_url_nothing_is_fetched_or_noted() {
        let mut t = Target::parse("t.toml", "profile = \"p\"\nbase_url = \"http://127.0.0.1:1\"\nclient = { id = \"c\" }\n", &|_| None).unwrap();
        assert_eq!(t.discover_or_note(Duration::from_millis(1), &TlsOptions::default()), None);
    }

    #[test]
    fn a_failed_discovery_is_noted_with_what_the_run_falls_back_to() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let text = format!("profile = \"p\"\nbase_url = \"http://127.0.0.1:{port}\"\ndiscovery_url = \"http://127.0.0.1:{port}/meta\"\nclient = {{ id = \"c\" }}\n");
        let mut t = Target::parse("t.toml", &text, &|_| None).unwrap();
        let note = t.discover_or_note(Duration::from_secs(5), &TlsOptions::default()).unwrap();
        assert_eq!(note, format!("discovery_url http://127.0.0.1:{port}/meta: connection refused at 127.0.0.1:{port}; endpoints come from the target file and the profile, capabilities from [capabilities]"));
    }

    #[rstest]
    #[case::status(MetadataProblem::Status(404), "answered 404 instead of 200")]
    #[case::not_object(MetadataProblem::NotObject, "the answer is not a JSON object")]
    fn each_problem_reads_after_the_url(#[case] problem: MetadataProblem, #[case] message: &str) {
        assert_eq!(problem.to_string(), message);
    }
}
