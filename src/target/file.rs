//! The target model: which server to judge, with which clients, user and TLS material, and the
//! questions later stages ask of it (the URL of an endpoint, the issuer, the secrets to redact,
//! whether it can serve a profile). What enters: a `Target` built by `parse` (from the target
//! file) or by `discovery` (endpoints filled). What leaves: the values the runner reads.
use indexmap::IndexMap;
use url::Url;

pub use super::capabilities::Capabilities;
use crate::model::load_error::LoadError;
use crate::suite::profile::Profile;

/// The OpenID Connect Discovery document's endpoint name in the profiles, and its well-known path.
pub const OPENID_CONFIGURATION: &str = "openid_configuration";
pub const OPENID_WELL_KNOWN: &str = "/.well-known/openid-configuration";

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    /// A native app (`application_type = "native"`): RFC 8252's rules (any loopback port, §7.3)
    /// apply to it only; a web client keeps exact matching (RFC 9700 §2.1).
    pub native: bool,
    /// The response types the client is registered for (OpenID Connect Registration §2
    /// response_types; default `code`), each with its values in a fixed order.
    pub response_types: Vec<String>,
}

/// A response type's values in a fixed order (`token id_token` is `id_token token`), or None
/// for a value that is none of OpenID Connect's flows' (Core §3).
pub fn response_type_key(value: &str) -> Option<String> {
    const ORDER: [&str; 3] = ["code", "id_token", "token"];
    let words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() || words.iter().any(|w| !ORDER.contains(w)) {
        return None;
    }
    Some(ORDER.iter().filter(|o| words.contains(o)).copied().collect::<Vec<_>>().join(" "))
}

/// `[mtls_client]`: a client that authenticates with its certificate (RFC 8705 §2), which
/// access tokens issued to it are bound to (§3).
#[derive(Clone)]
pub struct MtlsClient {
    pub id: String,
    /// The certificate and key (PEM, concatenated), as the TLS client presents them.
    pub identity: Vec<u8>,
    /// The certificate's thumbprint (RFC 8705 §3.1: base64url SHA-256 of its DER).
    pub x5t: String,
    pub base_url: Option<Url>,
    pub probe_url: Option<Url>,
}

impl std::fmt::Debug for MtlsClient {
    /// The key stays out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MtlsClient").field("id", &self.id).field("x5t", &self.x5t).field("base_url", &self.base_url).field("probe_url", &self.probe_url).finish_non_exhaustive()
    }
}

/// `[fapi_client]`: a FAPI 2.0 client (FAPI 2.0 Security Profile §5.3.2.1): confidential,
/// authenticated by private_key_jwt with the issuer as the assertion's audience, its pushed
/// authorization requests and tokens bound to a DPoP key. `client` holds its registration (no
/// secret) so that placeholders read it as they read any client's.
#[derive(Debug, Clone)]
pub struct FapiClient {
    pub client: Client,
    /// Its assertion key: present when it authenticates with private_key_jwt.
    pub key: Option<crate::jose::assertion::SigningKey>,
    pub auth: FapiAuth,
    pub binding: FapiBinding,
    /// Its certificate and key (PEM, concatenated) and the certificate's thumbprint: present when
    /// either method is mutual TLS.
    pub tls: Option<FapiCertificate>,
}

/// How the FAPI client authenticates (FAPI 2.0 §5.3.2.1 item 6: one of two methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FapiAuth {
    PrivateKeyJwt,
    /// RFC 8705 §2.1: its certificate, matched by subject and chain.
    TlsClientAuth,
}

/// How the FAPI client's access tokens are sender-constrained (§5.3.2.1 item 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FapiBinding {
    Dpop,
    /// RFC 8705 §3: bound to the certificate of the token request's connection.
    Mtls,
}

/// The FAPI client's certificate: what its TLS client presents.
#[derive(Clone)]
pub struct FapiCertificate {
    pub identity: Vec<u8>,
    /// RFC 8705 §3.1: base64url SHA-256 of the certificate's DER.
    pub x5t: String,
}

impl std::fmt::Debug for FapiCertificate {
    /// The key stays out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FapiCertificate").field("x5t", &self.x5t).finish_non_exhaustive()
    }
}

impl FapiClient {
    /// Whether its requests to the token, PAR, introspection and revocation endpoints present
    /// its certificate (either method is mutual TLS).
    pub fn presents_certificate(&self) -> bool {
        self.tls.is_some() && (self.auth == FapiAuth::TlsClientAuth || self.binding == FapiBinding::Mtls)
    }
}

/// `[jwt_client]`: a client that authenticates with assertions signed by its private key.
#[derive(Debug, Clone)]
pub struct JwtClient {
    pub id: String,
    pub key: crate::jose::assertion::SigningKey,
}

impl Client {
    /// An http redirect URI on a loopback IP literal (RFC 8252 §7.3): a native client's.
    pub fn is_loopback(&self) -> bool {
        let Some(u) = self.redirect_uri.as_deref().and_then(|u| Url::parse(u).ok()) else { return false };
        u.scheme() == "http" && (matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback()) || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback()))
    }
}

#[derive(Debug, Clone)]
pub struct Login {
    pub username: String,
    pub password: String,
    pub username_field: Option<String>,
    pub password_field: Option<String>,
    /// Who gets a person through the login pages.
    pub driver: LoginDriver,
    /// How long one login may take (the command driver's bound).
    pub timeout: std::time::Duration,
    /// Scripted steps for pages the heuristics cannot read (chromium driver).
    pub steps: Vec<LoginStep>,
}

/// `[[login.step]]`: on a page whose URL contains `url`, wait for an element, type into some,
/// click some in order — CSS selectors; `{username}` and `{password}` in typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginStep {
    pub url: String,
    /// Only when approving, or only when denying; both when absent.
    pub choice: Option<String>,
    pub wait_for: Option<String>,
    pub fill: Vec<(String, String)>,
    /// The step applies only where this selector matches (an application that shows its login
    /// and its consent at one URL); elsewhere at `url` the heuristics act.
    pub when: Option<String>,
    /// Clicked in order (a checkbox to tick, then the button).
    pub click: Vec<String>,
}

/// `[login] driver`: the built-in form driver, or a program the user already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginDriver {
    /// Parses server-rendered HTML forms (fast, no browser).
    Form,
    /// Runs `argv` with the authorization URL as its last argument, from the target file's
    /// folder; it prints the final redirect URL (see `login::command`).
    Command { argv: Vec<String>, dir: std::path::PathBuf },
    /// Headless Chromium over the DevTools protocol (see `login::chromium`).
    Chromium,
}

impl Login {
    /// A login with the form driver and the default bound, for targets made in code.
    pub fn form(username: &str, password: &str) -> Login {
        Login {
            username: username.into(),
            password: password.into(),
            username_field: None,
            password_field: None,
            driver: LoginDriver::Form,
            timeout: std::time::Duration::from_secs(30),
            steps: Vec::new(),
        }
    }
}

/// A validated target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where it was read from, for messages ("embedded reference" when made in-process).
    pub source: String,
    pub profile: String,
    pub base_url: Url,
    pub probe_url: Option<Url>,
    /// `[resource] token`: the grant whose tokens the probe resource serves; `None`: found out
    /// at the first case that needs it (see `run::resource`).
    pub resource_token: Option<ResourceToken>,
    pub client: Client,
    pub second_client: Option<Client>,
    /// The client for client-credentials requests, where the server wants a separate one.
    pub cc_client: Option<Client>,
    /// The client for the device grant (RFC 8628), where the main client cannot use it:
    /// confidential (with a secret) or public (without).
    pub device_client: Option<Client>,
    /// A public client (no secret: client_id in the form, PKCE), for the public-client cases.
    pub public_client: Option<Client>,
    /// A client registered for private_key_jwt (RFC 7523 §2.2) and its ES256 key.
    pub jwt_client: Option<JwtClient>,
    /// A client that authenticates with its certificate (RFC 8705 §2).
    pub mtls_client: Option<MtlsClient>,
    /// The client the FAPI 2.0 Security Profile governs; with it, the FAPI 2.0 cases run.
    pub fapi_client: Option<FapiClient>,
    /// RFC 8705 §5: the metadata's mtls_endpoint_aliases, by the target's endpoint key.
    pub mtls_aliases: IndexMap<String, String>,
    /// RFC 8414 metadata that fills the endpoints the target file does not give.
    pub discovery_url: Option<Url>,
    pub login: Option<Login>,
    /// Extra query parameters on every authorization request.
    pub authorize: Vec<(String, String)>,
    /// Endpoint path (or absolute URL) overrides.
    pub endpoints: IndexMap<String, String>,
    /// Mutual TLS and extra trust, from the `[tls]` table.
    pub tls: Option<Tls>,
    /// What the server offers: from its RFC 8414 metadata (discovery), overridden by the target
    /// file's `[capabilities]`.
    pub capabilities: Capabilities,
    /// The OpenID Provider's JWK Set, fetched from jwks_uri at discovery when the server is one:
    /// what ID Token signatures are verified with. None when it could not be fetched.
    pub jwks: Option<serde_json::Value>,
    /// `[slow]`: seconds to wait before a code or access token must be dead (the slow cases).
    pub slow: std::collections::BTreeMap<String, u64>,
    /// Whose time a step's `pause` spends: the wall clock (it waits), or the clock of a reference
    /// server in this process, which it advances (`model::clock`). Never from a file.
    pub clock: crate::model::clock::Clock,
    pub(super) lines: Lines,
}

/// The grant whose access tokens the probe resource accepts. A resource that serves end users
/// (a userinfo-style endpoint) refuses client-credentials tokens by design; a machine-to-machine
/// API may take nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceToken {
    AuthorizationCode,
    ClientCredentials,
}

impl ResourceToken {
    pub fn name(self) -> &'static str {
        match self {
            ResourceToken::AuthorizationCode => "authorization_code",
            ResourceToken::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<ResourceToken> {
        [ResourceToken::AuthorizationCode, ResourceToken::ClientCredentials].into_iter().find(|t| t.name() == s)
    }
}

/// `[tls]`: files are read when the target is loaded; paths are relative to the target file.
#[derive(Debug, Clone)]
pub struct Tls {
    /// Client certificate and key (PEM, concatenated) for mutual TLS.
    pub identity: Option<Vec<u8>>,
    /// A CA certificate (PEM) to trust for this target.
    pub ca_cert: Option<Vec<u8>>,
}

impl Target {
    /// The seconds a slow case waits for `wait` (a key of `case::WAITS`): the target's `[slow]`
    /// value, capped by the rule's bound where the rule gives one (`case::BOUNDED_WAITS`), which
    /// is also the wait when the target gives none.
    pub fn wait_secs(&self, wait: &str) -> Option<u64> {
        let bound = crate::suite::case::BOUNDED_WAITS.iter().find(|(w, _)| *w == wait).map(|(_, b)| *b);
        match (self.slow.get(wait).copied(), bound) {
            (Some(s), Some(b)) => Some(s.min(b)),
            (s, b) => s.or(b),
        }
    }

    /// Refuses a target naming a profile the suite does not have.
    pub fn check_profile_known(&self, known: &[String]) -> Result<(), LoadError> {
        if known.contains(&self.profile) {
            return Ok(());
        }
        Err(LoadError {
            file: self.source.clone(),
            line: self.lines.profile,
            message: format!("field `profile`: unknown profile `{}` (known: {})", self.profile, known.join(", ")),
        })
    }

    /// Refuses a target that cannot serve `profile`: unknown endpoint overrides, or a value the
    /// profile's requests need (client secret, redirect_uri, scope) missing.
    pub fn check_against(&self, profile: &Profile) -> Result<(), LoadError> {
        let lines = &self.lines;
        let err = |line: usize, message: String| LoadError { file: self.source.clone(), line, message };
        if self.profile != profile.name {
            return Err(err(lines.profile, format!("field `profile`: target is for `{}`, not `{}`", self.profile, profile.name)));
        }
        for k in self.endpoints.keys() {
            if !profile.endpoints.values().any(|e| e.url_key == *k) {
                let line = lines.endpoints.get(k).copied().unwrap_or(1);
                return Err(err(
                    line,
                    format!("field `endpoints.{k}`: profile {} has no endpoint `{k}` (it has: {})", profile.name, {
                        let mut keys: Vec<String> = profile.endpoints.values().map(|e| e.url_key.clone()).collect();
                        keys.dedup();
                        keys.join(", ")
                    }),
                ));
            }
        }
        let uses = |name: &str| {
            let needle = format!("{{{name}}}");
            profile.endpoints.values().any(|e| e.query.iter().chain(&e.form).any(|(_, v)| v.contains(&needle)))
        };
        let uses_basic = profile.endpoints.values().any(|e| e.auth == crate::suite::case::Auth::Basic);
        for (table, client, line) in [("client", Some(&self.client), lines.client), ("second_client", self.second_client.as_ref(), lines.second_client.unwrap_or(1))] {
            let Some(c) = client else { continue };
            if uses_basic && c.secret.is_none() {
                return Err(err(line, format!("field `{table}.secret`: required by profile {} (HTTP Basic client authentication)", profile.name)));
            }
            if uses("redirect_uri") && c.redirect_uri.is_none() {
                return Err(err(line, format!("field `{table}.redirect_uri`: required by profile {}", profile.name)));
            }
        }
        if uses("scope") && self.client.scope.is_none() {
            return Err(err(lines.client, format!("field `client.scope`: required by profile {}", profile.name)));
        }
        Ok(())
    }

    /// The URL of `endpoint`: the target's override (a path under base_url, or absolute), else the
    /// profile's path under base_url. The probe is the target's probe_url.
    pub fn url_for(&self, profile: &Profile, endpoint: &str) -> Option<Url> {
        if endpoint == "probe" {
            return self.probe_url.clone();
        }
        if endpoint == "metadata"
            && let Some(d) = &self.discovery_url {
                return Some(d.clone());
            }
        let ep = profile.endpoints.get(endpoint)?;
        // OpenID Connect Discovery §4: the issuer with the well-known path appended, unless the
        // target file names the document (or discovery_url is it).
        if endpoint == OPENID_CONFIGURATION && !self.endpoints.contains_key(&ep.url_key) {
            return match &self.discovery_url {
                Some(d) if d.path().ends_with(OPENID_WELL_KNOWN) => Some(d.clone()),
                _ => Url::parse(&format!("{}{OPENID_WELL_KNOWN}", self.issuer())).ok(),
            };
        }
        let path = match self.endpoints.get(&ep.url_key) {
            Some(p) => p.clone(),
            None => ep.path.clone(),
        };
        self.resolve(&path)
    }

    /// RFC 8705 §5: where `endpoint` is for a client presenting its certificate — the metadata's
    /// alias, else the endpoint on `[mtls_client] base_url`, else the endpoint itself; the probe
    /// is `[mtls_client] probe_url`.
    pub fn mtls_url_for(&self, profile: &Profile, endpoint: &str) -> Option<Url> {
        let m = self.mtls_client.as_ref();
        if endpoint == "probe" {
            return m.and_then(|m| m.probe_url.clone()).or_else(|| self.probe_url.clone());
        }
        if let Some(alias) = profile.endpoints.get(endpoint).and_then(|ep| self.mtls_aliases.get(&ep.url_key)) {
            return Url::parse(alias).ok();
        }
        let url = self.url_for(profile, endpoint)?;
        match m.and_then(|m| m.base_url.as_ref()) {
            Some(base) => {
                let mut moved = base.clone();
                moved.set_path(&format!("{}{}", base.path().trim_end_matches('/'), url.path()));
                moved.set_query(url.query());
                Some(moved)
            }
            None => Some(url),
        }
    }

    /// `path` as a URL: absolute as given, else under base_url.
    pub fn resolve(&self, path: &str) -> Option<Url> {
        Url::parse(path).ok().or_else(|| Url::parse(&format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))).ok())
    }

    /// The issuer identifier the metadata URL derives from (RFC 8414 §3: the well-known segment
    /// sits between host and path; OpenID Connect Discovery §4: the issuer with
    /// `/.well-known/openid-configuration` appended), else the base URL.
    pub fn issuer(&self) -> String {
        const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";
        const OPENID: &str = OPENID_WELL_KNOWN;
        match &self.discovery_url {
            Some(d) if d.path().starts_with(WELL_KNOWN) => {
                let rest = &d.path()[WELL_KNOWN.len()..];
                format!("{}{}", d.origin().ascii_serialization(), rest)
            }
            Some(d) if d.path().ends_with(OPENID) => {
                let path = &d.path()[..d.path().len() - OPENID.len()];
                format!("{}{}", d.origin().ascii_serialization(), path)
            }
            _ => self.base_url.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// Every secret the target file holds, for redaction. The login password is not one of them:
    /// it is redacted where it stands as a password (`Redactor::set_password`), not wherever the
    /// same text appears.
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(self.client.secret.clone().map(|s| ("secret", s)));
        for c in self.second_client.iter().chain(&self.cc_client).chain(&self.device_client) {
            out.extend(c.secret.clone().map(|s| ("secret", s)));
        }
        out
    }

    /// A note when the client's secret holds no character that RFC 6749 §2.3.1's form-encoding
    /// of Basic credentials changes: whether the server decodes them then went untested.
    pub fn secret_encoding_note(&self) -> Option<String> {
        let secret = self.client.secret.as_deref()?;
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        (encoded == secret).then(|| {
            "client secret: it holds no character that RFC 6749 §2.3.1's form-encoding of Basic credentials changes (such as + / : % or a space), so whether the server decodes them went untested; a client whose secret has some would test it".to_string()
        })
    }

    /// Registers the target's secrets and its login password with `r`.
    pub fn register_secrets(&self, r: &crate::model::redact::Redactor) {
        for (k, v) in self.secrets() {
            r.add(k, &v);
        }
        if let Some(l) = &self.login {
            r.set_password(&l.password, l.password_field.as_deref());
        }
    }
}

/// Where the target file's tables were, for check_against's messages.
#[derive(Debug, Clone, Default)]
pub(super) struct Lines {
    pub profile: usize,
    pub client: usize,
    pub second_client: Option<usize>,
    pub endpoints: IndexMap<String, usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn target(extra: &str) -> Target {
        let text = format!("profile = \"rfc6749\"\nbase_url = \"https://as.example/base/\"\nclient = {{ id = \"c\", secret = \"s1\" }}\n{extra}");
        Target::parse("t.toml", &text, &|_| None).unwrap()
    }

    /// RFC 6749 §2.3.1: a secret that form-encoding leaves as it is cannot show whether the server
    /// decodes Basic credentials; the run says so.
    #[rstest]
    #[case::plain("s3cretValue-0123", true)]
    #[case::with_plus("s3cret+value/0123", false)]
    #[case::with_colon("s3cret:value", false)]
    fn a_secret_form_encoding_leaves_alone_is_noted(#[case] secret: &str, #[case] noted: bool) {
        let t = target("[second_client]\nid = \"x\"\n");
        let t = Target { client: Client { secret: Some(secret.into()), ..t.client.clone() }, ..t };
        assert_eq!(t.secret_encoding_note().is_some(), noted);
    }

    #[rstest]
    #[case::base_url_without_slash("", "https://as.example/base")]
    #[case::well_known_at_the_root("discovery_url = \"https://as.example/.well-known/oauth-authorization-server\"\n", "https://as.example")]
    #[case::well_known_before_the_path("discovery_url = \"https://as.example/.well-known/oauth-authorization-server/tenant\"\n", "https://as.example/tenant")]
    #[case::openid_configuration_after_the_path("discovery_url = \"https://as.example/tenant/.well-known/openid-configuration\"\n", "https://as.example/tenant")]
    #[case::openid_configuration_at_the_root("discovery_url = \"https://as.example/.well-known/openid-configuration\"\n", "https://as.example")]
    #[case::other_metadata_path("discovery_url = \"https://as.example/tenant/meta.json\"\n", "https://as.example/base")]
    fn the_issuer_comes_from_the_metadata_url_else_the_base_url(#[case] extra: &str, #[case] issuer: &str) {
        assert_eq!(target(extra).issuer(), issuer);
    }

    #[rstest]
    #[case::ipv4_loopback("http://127.0.0.1:8080/cb", true)]
    #[case::ipv6_loopback("http://[::1]/cb", true)]
    #[case::localhost_name_is_not_an_ip_literal("http://localhost/cb", false)]
    #[case::https_loopback("https://127.0.0.1/cb", false)]
    #[case::public_host("http://app.example/cb", false)]
    fn a_loopback_client_has_an_http_ip_literal_redirect(#[case] uri: &str, #[case] loopback: bool) {
        let c = Client { id: "c".into(), secret: None, redirect_uri: Some(uri.into()), scope: None, native: false, response_types: vec!["code".into()] };
        assert_eq!(c.is_loopback(), loopback);
    }

    #[test]
    fn every_secret_and_the_password_are_given_for_redaction() {
        let t = target("[login]\nusername = \"u\"\npassword = \"pw\"\n[cc_client]\nid = \"cc\"\nsecret = \"s2\"\n[public_client]\nid = \"pub\"\n");
        assert_eq!(t.secrets(), vec![("secret", "s1".to_string()), ("secret", "s2".to_string())]);
    }

    #[test]
    fn an_unknown_profile_is_refused_at_the_profile_line() {
        let err = target("").check_profile_known(&["citi-pl".into(), "citi-mx".into()]).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"t.toml:1: field `profile`: unknown profile `rfc6749` (known: citi-pl, citi-mx)");
    }
}
