//! RFC 8414 discovery: the server's metadata document fills what the target file leaves out.
//! What enters: a `Target` with a `discovery_url`. What leaves: the same target with the
//! endpoints it did not name filled and the capabilities the metadata states, or a
//! `DiscoveryError` saying why the document could not be used.
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::file::Target;
use crate::model::capability::Capability;
use crate::transport::http::{DEFAULT_BODY_CAP, Http, HttpRequest, TransportError};

/// Why discovery (RFC 8414) could not fill the target's endpoints.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("discovery_url {url}: {problem}")]
    Failed { url: Url, problem: MetadataProblem },
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
const ENDPOINTS: [(&str, &str); 6] = [
    ("authorize", "authorization_endpoint"),
    ("token", "token_endpoint"),
    ("revoke", "revocation_endpoint"),
    ("introspect", "introspection_endpoint"),
    ("par", "pushed_authorization_request_endpoint"),
    ("device_authorization", "device_authorization_endpoint"),
];

impl Target {
    /// RFC 8414: fills the authorize, token and revoke endpoints the target file does not give
    /// from the server's metadata at `discovery_url`.
    pub fn discover(&mut self, timeout: Duration) -> Result<(), DiscoveryError> {
        let Some(url) = self.discovery_url.clone() else { return Ok(()) };
        let meta = fetch(&url, timeout).map_err(|problem| DiscoveryError::Failed { url: url.clone(), problem })?;
        self.apply_metadata(&meta).map_err(|problem| DiscoveryError::Failed { url, problem })
    }

    /// Discovery that never stops the run: a metadata document the server cannot serve is the
    /// metadata cases' finding, not a reason to judge nothing. Returns the problem as a line.
    pub fn discover_or_note(&mut self, timeout: Duration) -> Option<String> {
        self.discover(timeout).err().map(|e| format!("{e}; endpoints come from the target file and the profile, capabilities from [capabilities]"))
    }

    /// What a fetched metadata document says: capabilities first, then each endpoint the
    /// target file does not name (stopping at the first that is not a URL).
    fn apply_metadata(&mut self, meta: &Value) -> Result<(), MetadataProblem> {
        let caps = &mut self.capabilities;
        let is_string = |member: &str| meta.get(member).is_some_and(|v| v.is_string());
        let is_true = |member: &str| meta.get(member) == Some(&Value::Bool(true));
        let lists = |member: &str, item: &str| meta.get(member).and_then(|v| v.as_array()).is_some_and(|a| a.iter().any(|v| v == item));
        caps.observe(Capability::Iss, is_true("authorization_response_iss_parameter_supported"));
        caps.observe(Capability::Introspection, is_string("introspection_endpoint"));
        caps.observe(Capability::PrivateKeyJwt, lists("token_endpoint_auth_methods_supported", "private_key_jwt"));
        caps.observe(Capability::DeviceGrant, is_string("device_authorization_endpoint"));
        // The suite signs ES256 proofs: a server that lists other algorithms only is not one it can test.
        caps.observe(Capability::Dpop, lists("dpop_signing_alg_values_supported", "ES256"));
        caps.observe(Capability::Par, is_string("pushed_authorization_request_endpoint"));
        caps.observe(Capability::ParRequired, is_true("require_pushed_authorization_requests"));
        // RFC 8414 §2: revocation_endpoint is the metadata's word on RFC 7009 support, unless
        // the target file names the endpoint itself.
        if !self.endpoints.contains_key("revoke") {
            caps.observe(Capability::Revocation, is_string("revocation_endpoint"));
        }
        for (key, field) in ENDPOINTS {
            if !self.endpoints.contains_key(key)
                && let Some(v) = meta.get(field).and_then(|v| v.as_str())
            {
                Url::parse(v).map_err(|source| MetadataProblem::BadEndpoint { field, value: v.to_string(), source })?;
                self.endpoints.insert(key.to_string(), v.to_string());
            }
        }
        Ok(())
    }
}

/// GETs the metadata document: a JSON object with status 200.
fn fetch(url: &Url, timeout: Duration) -> Result<Value, MetadataProblem> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(MetadataProblem::Runtime)?;
    let http = Http::new(timeout, DEFAULT_BODY_CAP).map_err(MetadataProblem::Transport)?;
    let request = HttpRequest { method: "GET".into(), url: url.clone(), headers: vec![("accept".into(), "application/json".into())], body: None };
    let resp = rt.block_on(http.send(request)).response.map_err(MetadataProblem::Transport)?;
    if resp.status != 200 {
        return Err(MetadataProblem::Status(resp.status));
    }
    resp.json().filter(|v| v.is_object()).ok_or(MetadataProblem::NotObject)
}
