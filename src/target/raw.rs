//! The target file exactly as TOML gives it: every table and value with its place in the text,
//! nothing expanded or checked yet. What enters: serde's view of the file. What leaves: the
//! `Raw*` shapes `parse` turns into a `Target` (unknown fields refused here).
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// A string value and where it stands in the file (for `file:line` in messages).
pub(crate) type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTarget {
    pub profile: Text,
    pub base_url: Text,
    pub probe_url: Option<Text>,
    pub resource: Option<RawResource>,
    pub client: Spanned<RawClient>,
    pub second_client: Option<Spanned<RawClient>>,
    pub cc_client: Option<Spanned<RawClient>>,
    pub device_client: Option<Spanned<RawClient>>,
    pub public_client: Option<Spanned<RawClient>>,
    pub jwt_client: Option<Spanned<RawJwtClient>>,
    pub mtls_client: Option<Spanned<RawMtlsClient>>,
    pub fapi_client: Option<Spanned<RawFapiClient>>,
    pub discovery_url: Option<Text>,
    pub login: Option<RawLogin>,
    #[serde(default)]
    pub authorize: IndexMap<String, Text>,
    #[serde(default)]
    pub endpoints: IndexMap<String, Text>,
    pub tls: Option<RawTls>,
    /// Explicit capabilities (`iss = true`, …): they override what the metadata says.
    #[serde(default)]
    pub capabilities: IndexMap<String, Spanned<bool>>,
    /// Waits for the slow cases, in seconds (`code`, `access_token`).
    #[serde(default)]
    pub slow: IndexMap<String, Spanned<u64>>,
}

/// `[resource]`: which token the probe resource expects.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResource {
    /// `authorization_code` or `client_credentials`; absent: the suite finds out.
    pub token: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTls {
    pub client_cert: Option<Text>,
    pub client_key: Option<Text>,
    pub ca_cert: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClient {
    pub id: Text,
    pub secret: Option<Text>,
    pub redirect_uri: Option<Text>,
    pub scope: Option<Text>,
    /// `native` or `web` (OpenID Connect Registration's application_type; default web).
    pub application_type: Option<Text>,
    /// The response types the client is registered for (OpenID Connect Registration §2).
    pub response_types: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJwtClient {
    pub id: Text,
    /// A PKCS#8 PEM file, relative to the target file, or the PEM itself (`${VAR}` works).
    pub private_key: Text,
}

/// `[fapi_client]`: the client the FAPI 2.0 Security Profile governs (its presence turns the
/// FAPI 2.0 cases on): confidential, authenticating with private_key_jwt, its tokens bound by DPoP.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFapiClient {
    pub id: Text,
    /// Its PKCS#8 P-256 key (ES256), a file relative to the target file or the PEM itself;
    /// required unless it authenticates with its certificate.
    pub private_key: Option<Text>,
    /// `private_key_jwt` (the default) or `tls_client_auth` (RFC 8705 §2): FAPI 2.0 §5.3.2.1
    /// item 6 allows both.
    pub client_auth: Option<Text>,
    /// `dpop` (the default) or `mtls` (RFC 8705 §3): how its access tokens are
    /// sender-constrained (§5.3.2.1 item 5).
    pub sender_constraint: Option<Text>,
    /// Its PEM certificate (chain) and key, a file or the PEM itself: required when either
    /// method above is mutual TLS.
    pub certificate: Option<Text>,
    pub certificate_key: Option<Text>,
    /// Defaults to `[client] redirect_uri`.
    pub redirect_uri: Option<Text>,
    /// Defaults to `[client] scope`.
    pub scope: Option<Text>,
}

/// `[mtls_client]`: a client that authenticates with its certificate (RFC 8705).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMtlsClient {
    pub id: Text,
    /// A PEM certificate (chain) file, relative to the target file, or the PEM itself.
    pub certificate: Text,
    /// Its PEM private key, likewise.
    pub private_key: Text,
    /// Where the endpoints are for a client presenting its certificate, when the metadata has no
    /// mtls_endpoint_aliases (RFC 8705 §5).
    pub base_url: Option<Text>,
    /// The protected resource reached with the certificate (certificate-bound tokens).
    pub probe_url: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLogin {
    pub username: Text,
    pub password: Text,
    pub username_field: Option<Text>,
    pub password_field: Option<Text>,
    pub driver: Option<Text>,
    pub command: Option<Spanned<Vec<String>>>,
    pub timeout: Option<Spanned<u64>>,
    #[serde(default)]
    pub step: Vec<Spanned<RawLoginStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLoginStep {
    pub url: String,
    pub choice: Option<String>,
    pub when: Option<String>,
    pub wait_for: Option<String>,
    #[serde(default, rename = "type")]
    pub fill: IndexMap<String, String>,
    /// A CSS selector, or a list of them (checked when the target is read).
    pub click: Option<toml::Value>,
}
