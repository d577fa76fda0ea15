//! The case-table model: what a row of `cases/<profile>/*.toml` says, validated at load time so a
//! typo is refused with file, line and field instead of surfacing mid-run. The types live here;
//! `raw` is the table as written, `table` and `step` validate it into these.
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::check::expect::Expect;
use crate::model::duty::Duty;
use crate::model::level::Level;


/// How a request authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// HTTP Basic with the target's client id and secret (RFC 6749 §2.3.1).
    Basic,
    None,
    WrongSecret,
    /// A Basic header whose payload is not base64 of `id:secret`.
    Garbled,
    UnknownClient,
    /// HTTP Basic with the second client's credentials.
    SecondClient,
    /// As the target's public client: no Authorization header, client_id in the form
    /// (RFC 6749 §2.3, §4.1.3); placeholders resolve to the public client's values.
    Public,
    /// client_secret_post: client_id and client_secret in the form body (RFC 6749 §2.3.1).
    Post,
    /// client_secret_post with a wrong client_secret.
    PostWrongSecret,
    /// HTTP Basic and client_secret_post in one request (RFC 6749 §2.3: the client MUST NOT).
    BasicAndPost,
    /// As `[jwt_client]`: a client assertion signed with its key (RFC 7523 §2.2), well-formed…
    PrivateKeyJwt,
    /// …with the same `jti` as every other `jwt_replay` step of the case…
    JwtReplay,
    /// …or broken one way (RFC 7523 §3).
    JwtWrongAud,
    JwtExpired,
    JwtNoSub,
    JwtNoIss,
    JwtAlgNone,
    JwtWrongKey,
    /// …its audience an array holding the right one (FAPI 2.0: a string only)…
    JwtAudArray,
    /// …or, for the `[fapi_client]` (whose assertions name the issuer), the endpoint's URL…
    JwtEndpointAud,
    /// …or `iat` and `nbf` 8 s or 70 s ahead of now.
    #[serde(rename = "jwt_8s_ahead")]
    Jwt8sAhead,
    #[serde(rename = "jwt_70s_ahead")]
    Jwt70sAhead,
    /// As `[mtls_client]` (RFC 8705 §2): client_id in the form, and (unless the step's `cert`
    /// says otherwise) the client's certificate presented on the connection.
    Mtls,
}

impl Auth {
    /// The assertion's flaw, for the private_key_jwt kinds.
    pub fn assertion_flaw(self) -> Option<crate::jose::assertion::Flaw> {
        use crate::jose::assertion::Flaw;
        Some(match self {
            Auth::PrivateKeyJwt | Auth::JwtReplay | Auth::JwtEndpointAud => Flaw::None,
            Auth::JwtAudArray => Flaw::AudienceArray,
            Auth::Jwt8sAhead => Flaw::Ahead8s,
            Auth::Jwt70sAhead => Flaw::Ahead70s,
            Auth::JwtWrongAud => Flaw::WrongAudience,
            Auth::JwtExpired => Flaw::Expired,
            Auth::JwtNoSub => Flaw::NoSubject,
            Auth::JwtNoIss => Flaw::NoIssuer,
            Auth::JwtAlgNone => Flaw::Unsigned,
            Auth::JwtWrongKey => Flaw::WrongKey,
            _ => return None,
        })
    }
}

/// The client certificate a request presents on its TLS connection (RFC 8705).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cert {
    /// `[mtls_client]`'s certificate.
    Client,
    /// A throw-away self-signed certificate the suite makes for the run: nobody's.
    Other,
    /// A throw-away self-signed certificate with `[mtls_client]`'s subject DN: the subject alone
    /// authenticates nobody (RFC 8705 §2.1: the chain; §2.2: the registered certificate).
    SameSubject,
    /// None, on the connection where the client's endpoints are (the mTLS aliases).
    None,
}

/// What the login driver does at the authorization endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    /// Sign in and approve consent.
    Approve,
    /// Sign in and deny consent.
    Deny,
    /// Load the first page only (after same-origin redirects).
    FirstPage,
}


/// Several identical requests sent at once; at most `max_success` may succeed.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Race {
    pub count: usize,
    pub max_success: usize,
    /// Rounds of the race, each from fresh fixtures and setup: a race that shows one time in
    /// three is missed by one round (`run --race-rounds` overrides it).
    #[serde(default = "default_rounds")]
    pub rounds: usize,
}

/// Rounds a race runs unless its table or `run --race-rounds` says otherwise.
pub const DEFAULT_RACE_ROUNDS: usize = 10;

fn default_rounds() -> usize {
    DEFAULT_RACE_ROUNDS
}

/// The main request repeated `count` times (fixtures made afresh each time) and the `member` of
/// each answer (a JSON member, or a redirect's query parameter) collected, to estimate how hard
/// the values are to guess (RFC 6749 §10.10).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub count: usize,
    pub member: String,
    /// Bits of guessing entropy below which the values fail at MUST, and at SHOULD. Neither
    /// given: RFC 6749 §10.10's 128 (MUST) and 160 (SHOULD); one given: only that one applies.
    pub must_bits: Option<f64>,
    pub should_bits: Option<f64>,
}

impl Sample {
    pub fn thresholds(&self) -> Vec<(f64, Level)> {
        match (self.must_bits, self.should_bits) {
            (None, None) => vec![(128.0, Level::Must), (160.0, Level::Should)],
            (m, s) => m.map(|b| (b, Level::Must)).into_iter().chain(s.map(|b| (b, Level::Should))).collect(),
        }
    }
}

/// The `[slow]` waits of a target file a case may use: the code and the access token lifetimes.
pub const WAITS: &[(&str, &str)] = &[
    ("code", "authorization code lifetime"),
    ("access_token", "access token lifetime"),
    ("request_uri", "pushed request_uri lifetime"),
    ("device_code", "device_code lifetime"),
    ("fapi_code", "FAPI client's authorization code lifetime"),
];

/// The waits a rule bounds: the case waits the target's `[slow]` value when it is shorter, else
/// the bound, so a target file cannot make the case wait longer than the rule allows (FAPI 2.0
/// Security Profile §5.3.2.1 item 11: codes live 60 s at most, so the code must be dead 61 s on).
pub const BOUNDED_WAITS: &[(&str, u64)] = &[("fapi_code", 61)];

/// Values a case needs made before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fixture {
    /// A fresh authorization code for the client (a login through the authorization endpoint).
    Code,
    /// A fresh access and refresh token of the client (a code, exchanged).
    TokenPair,
    SecondCode,
    SecondTokenPair,
    /// A client-credentials access token.
    ClientCredentials,
    /// A fresh code for the public client (its login, with PKCE).
    PublicCode,
    /// A fresh token pair of the public client.
    PublicTokenPair,
    /// A fresh code for the `[fapi_client]`: its request pushed first (FAPI 2.0 §5.3.2.2).
    FapiCode,
    /// A fresh token pair of the FAPI client, bound to the case's DPoP key.
    FapiTokenPair,
}

impl Fixture {
    pub const ALL: [Fixture; 9] = [
        Fixture::Code,
        Fixture::TokenPair,
        Fixture::SecondCode,
        Fixture::SecondTokenPair,
        Fixture::ClientCredentials,
        Fixture::PublicCode,
        Fixture::PublicTokenPair,
        Fixture::FapiCode,
        Fixture::FapiTokenPair,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fixture::Code => "code",
            Fixture::TokenPair => "token_pair",
            Fixture::SecondCode => "second_code",
            Fixture::SecondTokenPair => "second_token_pair",
            Fixture::ClientCredentials => "client_credentials",
            Fixture::PublicCode => "public_code",
            Fixture::PublicTokenPair => "public_token_pair",
            Fixture::FapiCode => "fapi_code",
            Fixture::FapiTokenPair => "fapi_token_pair",
        }
    }

    /// The placeholders this fixture fills.
    pub fn provides(self) -> &'static [&'static str] {
        match self {
            Fixture::Code => &["code"],
            Fixture::TokenPair => &["access_token", "refresh_token"],
            Fixture::SecondCode => &["second_code"],
            Fixture::SecondTokenPair => &["second_access_token", "second_refresh_token"],
            Fixture::ClientCredentials => &["cc_access_token"],
            Fixture::PublicCode => &["public_code"],
            Fixture::PublicTokenPair => &["public_access_token", "public_refresh_token"],
            Fixture::FapiCode => &["fapi_code"],
            Fixture::FapiTokenPair => &["fapi_access_token", "fapi_refresh_token"],
        }
    }

    pub(crate) fn needs(self) -> &'static [Need] {
        match self {
            Fixture::Code | Fixture::TokenPair => &[Need::Login],
            Fixture::SecondCode | Fixture::SecondTokenPair => &[Need::Login, Need::SecondClient],
            Fixture::ClientCredentials => &[],
            Fixture::PublicCode | Fixture::PublicTokenPair => &[Need::Login, Need::PublicClient],
            Fixture::FapiCode => &[Need::Login, Need::FapiClient, Need::Capability(crate::model::capability::Capability::Par)],
            Fixture::FapiTokenPair => &[Need::Login, Need::FapiClient, Need::Capability(crate::model::capability::Capability::Par), Need::FapiProof],
        }
    }
}

/// A part of the target file a case cannot run without; absent, the case is skipped with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Login,
    SecondClient,
    Probe,
    PublicClient,
    /// A `[jwt_client]` with its private key.
    JwtClient,
    /// The client's redirect_uri is not a loopback URI (RFC 8252 §7.3 lets any port through).
    NonLoopbackRedirect,
    /// The public client's redirect_uri is a loopback URI (a native app, RFC 8252 §7.3).
    LoopbackRedirect,
    /// The probe resource takes authorization-code tokens: the case sends it one from the code
    /// flow (a resource that serves only client-credentials tokens cannot judge it).
    ResourceTakesCode,
    /// The client of the device grant is confidential (the main client, or a `[device_client]`
    /// with a secret): the cases about its authentication apply.
    ConfidentialDeviceClient,
    /// A capability the server may not offer (metadata, iss, …).
    Capability(crate::model::capability::Capability),
    /// The client is registered for this response type of OpenID Connect's implicit or hybrid
    /// flow (`[client] response_types`): a server takes them per client.
    ResponseType(FlowResponseType),
    /// An `[mtls_client]`: a client that authenticates with its certificate (RFC 8705).
    MtlsClient,
    /// An `[mtls_client]` with a `probe_url`: the resource reached presenting the certificate.
    MtlsProbe,
    /// A `[fapi_client]`: the FAPI 2.0 Security Profile is to be judged.
    FapiClient,
    /// The endpoint a TLS probe shakes hands with is https.
    Https,
    /// The FAPI client's tokens are bound by DPoP (`sender_constraint = "dpop"`, the default).
    FapiDpop,
    /// The FAPI client's tokens are bound to its certificate (`sender_constraint = "mtls"`).
    FapiMtlsBound,
    /// The FAPI client authenticates with private_key_jwt (`client_auth`, the default).
    FapiPrivateKeyJwt,
    /// The FAPI client authenticates with its certificate (`client_auth = "tls_client_auth"`).
    FapiTlsClientAuth,
    /// The FAPI client has a certificate (`[fapi_client] certificate`).
    FapiCertificate,
    /// The FAPI client's sender constraint can be applied: DPoP offered where its tokens are
    /// bound by DPoP (its certificate needs nothing more).
    FapiProof,
}

/// The response types of OpenID Connect's implicit and hybrid flows (Core §3.2, §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FlowResponseType {
    IdToken,
    IdTokenToken,
    CodeIdToken,
    CodeToken,
    CodeIdTokenToken,
}

impl FlowResponseType {
    /// The response_type value, its words in the order `response_type_key` gives.
    pub fn value(self) -> &'static str {
        match self {
            FlowResponseType::IdToken => "id_token",
            FlowResponseType::IdTokenToken => "id_token token",
            FlowResponseType::CodeIdToken => "code id_token",
            FlowResponseType::CodeToken => "code token",
            FlowResponseType::CodeIdTokenToken => "code id_token token",
        }
    }
}

/// The step endpoint that stands for "a token request whose token the probe resource accepts":
/// the client-credentials request or a code exchange after a fresh login, as the target's
/// `[resource] token` says or the suite found out (`run::resource`).
pub const RESOURCE_TOKEN: &str = "resource_token";

impl Need {
    /// How `list` names the need: the declarable name where there is one.
    pub fn label(self) -> String {
        match self {
            Need::ResourceTakesCode => "resource_takes_code".into(),
            Need::ResponseType(r) => format!("response_type {}", r.value()),
            Need::ConfidentialDeviceClient => "confidential_device_client".into(),
            Need::MtlsClient => "mtls_client".into(),
            Need::MtlsProbe => "mtls_probe".into(),
            Need::FapiClient => "fapi_client".into(),
            Need::FapiDpop => "fapi_dpop".into(),
            Need::FapiMtlsBound => "fapi_mtls_bound".into(),
            Need::FapiPrivateKeyJwt => "fapi_private_key_jwt".into(),
            Need::FapiTlsClientAuth => "fapi_tls_client_auth".into(),
            Need::FapiCertificate => "fapi_certificate".into(),
            Need::FapiProof => "fapi_proof".into(),
            Need::Https => "https".into(),
            other => format!("{other:?}").to_lowercase(),
        }
    }

    pub fn missing_reason(self) -> &'static str {
        match self {
            Need::Login => "the target file has no [login] (username and password for the login page)",
            Need::SecondClient => "the target file has no [second_client]",
            Need::Probe => "the target file has no probe_url",
            Need::PublicClient => "the target file has no [public_client]",
            Need::JwtClient => "the target file has no [jwt_client] (a client registered for private_key_jwt, and its key)",
            Need::NonLoopbackRedirect => "the client is a native app (application_type = \"native\") with a loopback redirect_uri: RFC 8252 §7.3 lets any port through",
            Need::LoopbackRedirect => "the target file has no [public_client] with application_type = \"native\" and a loopback redirect_uri (RFC 8252 §7.3 is for native apps only)",
            Need::ResourceTakesCode => "the probe resource takes client-credentials tokens ([resource] token = \"client_credentials\"), and the case sends it a token from the authorization-code flow",
            Need::ConfidentialDeviceClient => "the target's [device_client] is a public client (no secret): the case is about a confidential client's authentication",
            Need::Capability(_) => "the server does not offer a capability the case needs",
            Need::ResponseType(_) => "the target's [client] is not registered for the response type the case uses ([client] response_types)",
            Need::MtlsClient => "the target file has no [mtls_client] (a client registered for tls_client_auth or self_signed_tls_client_auth, its certificate and key)",
            Need::MtlsProbe => "the target file's [mtls_client] has no probe_url (the resource reached with the client's certificate)",
            Need::FapiClient => "the target file has no [fapi_client] (a client the FAPI 2.0 Security Profile governs, and its key): the FAPI 2.0 run is off",
            Need::FapiDpop => "another method than the FAPI client's: its tokens are bound to its certificate ([fapi_client] sender_constraint = \"mtls\"), not by DPoP",
            Need::FapiMtlsBound => "another method than the FAPI client's: its tokens are bound by DPoP ([fapi_client] sender_constraint, default \"dpop\"), not to its certificate",
            Need::FapiPrivateKeyJwt => "another method than the FAPI client's: it authenticates with its certificate ([fapi_client] client_auth = \"tls_client_auth\"), not with private_key_jwt",
            Need::FapiTlsClientAuth => "another method than the FAPI client's: it authenticates with private_key_jwt ([fapi_client] client_auth, default \"private_key_jwt\"), not with its certificate",
            Need::FapiCertificate => "the target's [fapi_client] has no certificate (certificate and certificate_key)",
            Need::Https => "the endpoint is served over http (a test deployment, e.g. on loopback): there is no TLS handshake to probe",
            Need::FapiProof => "the server does not offer DPoP, by which the FAPI client's tokens are to be bound ([fapi_client] sender_constraint)",
        }
    }

    /// Needs a case table may declare itself (the others follow from fixtures and steps).
    pub const DECLARABLE: [(&'static str, Need); 22] = [
        ("response_type_id_token", Need::ResponseType(FlowResponseType::IdToken)),
        ("response_type_id_token_token", Need::ResponseType(FlowResponseType::IdTokenToken)),
        ("response_type_code_id_token", Need::ResponseType(FlowResponseType::CodeIdToken)),
        ("response_type_code_token", Need::ResponseType(FlowResponseType::CodeToken)),
        ("response_type_code_id_token_token", Need::ResponseType(FlowResponseType::CodeIdTokenToken)),
        ("openid", Need::Capability(crate::model::capability::Capability::OpenId)),
        ("confidential_device_client", Need::ConfidentialDeviceClient),
        ("par", Need::Capability(crate::model::capability::Capability::Par)),
        ("dpop", Need::Capability(crate::model::capability::Capability::Dpop)),
        ("par_required", Need::Capability(crate::model::capability::Capability::ParRequired)),
        ("non_loopback_redirect_uri", Need::NonLoopbackRedirect),
        ("loopback_redirect_uri", Need::LoopbackRedirect),
        ("revocation", Need::Capability(crate::model::capability::Capability::Revocation)),
        ("client_secret_post", Need::Capability(crate::model::capability::Capability::ClientSecretPost)),
        ("refresh_rotation", Need::Capability(crate::model::capability::Capability::RefreshRotation)),
        ("introspection", Need::Capability(crate::model::capability::Capability::Introspection)),
        ("metadata", Need::Capability(crate::model::capability::Capability::Metadata)),
        ("iss", Need::Capability(crate::model::capability::Capability::Iss)),
        ("fapi_dpop", Need::FapiDpop),
        ("fapi_mtls_bound", Need::FapiMtlsBound),
        ("fapi_private_key_jwt", Need::FapiPrivateKeyJwt),
        ("fapi_tls_client_auth", Need::FapiTlsClientAuth),
    ];
}

/// Placeholders every case may use; their values come from the target file or are made per case.
pub const BASE_PLACEHOLDERS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "redirect_uri_other_scheme",
    "redirect_uri_trailing_slash",
    "redirect_uri_path_case",
    "redirect_uri_percent_encoded",
    "redirect_uri_dot_segment",
    "redirect_uri_userinfo",
    "redirect_uri_other_port",
    "redirect_uri_subdomain",
    "redirect_uri_fragment",
    "scope",
    "openid_scope",
    "openid_scope_reversed",
    "state",
    "long_state",
    "nonce",
    "random",
    "uuid",
    "code_verifier",
    "code_challenge",
    "second_client_id",
    "device_client_id",
    "second_redirect_uri",
    "public_redirect_uri",
    "issuer",
    "login_username",
    "dpop_jkt",
    "request_object",
    "mtls_client_id",
    "mtls_x5t",
    "fapi_x5t",
];

/// One request of a case, with what its answer must look like.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: Option<String>,
    pub endpoint: String,
    pub method: Option<String>,
    pub auth: Option<Auth>,
    pub content_type: Option<String>,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub omit: Vec<String>,
    pub append: Vec<(String, String)>,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    pub append_headers: Vec<(String, String)>,
    pub bearer: Option<String>,
    /// An absolute URL the server handed out (e.g. `{device.verification_uri_complete}`), used
    /// instead of the endpoint's own.
    pub url: Option<String>,
    /// The device flow's user code (e.g. `{device.user_code}`): the login driver types it where
    /// the verification page asks for it (RFC 8628 §3.3). Browser steps only.
    pub user_code: Option<String>,
    pub browser: Option<Browser>,
    /// A DPoP proof (RFC 9449) with the request, well-formed or broken one way; with `bearer`,
    /// the token travels in the DPoP scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop: Option<crate::jose::dpop::Flaw>,
    /// A setup step whose expectations describe a behaviour the RFC leaves to the server (e.g. a
    /// DPoP-bound token): when they do not hold, the case does not apply and is skipped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub precondition: bool,
    /// A before step whose refusal keeps the case's rule (the server refused early: a pushed
    /// request refused at the push, RFC 9126 §2.1): the case passes there.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub refusal_passes: bool,
    /// Sent as the `[fapi_client]` (a table with `client = "fapi"`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fapi: bool,
    /// A login that keeps the case's browser session: the cookies of the case's earlier
    /// `session` steps go with it, and its own stay for the later ones (OpenID Connect's
    /// `prompt`, `max_age`, `id_token_hint` are about a user already signed in).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub session: bool,
    /// Seconds to pause before the step is sent (e.g. for a second sign-in to get a later
    /// `auth_time`, or `max_age=1` to lapse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<u64>,
    /// The client certificate the request presents (RFC 8705); `auth = "mtls"` presents the
    /// client's unless this says otherwise. A step with one goes to the mTLS endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<Cert>,
    /// A TLS handshake offering only what FAPI 2.0 §5.2 forbids, instead of a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_probe: Option<crate::transport::tls_probe::Probe>,
    pub expect: Expect,
    pub line: usize,
}

impl Step {
    /// The certificate the request presents: the step's `cert`, or the client's with
    /// `auth = "mtls"`.
    pub fn presents(&self) -> Option<Cert> {
        self.cert.or((self.auth == Some(Auth::Mtls)).then_some(Cert::Client))
    }
}

/// A validated case: one rule, checked by one main request plus optional setup and follow-ups.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub level: Level,
    /// Whose duty the rule is (`duty = "client"` or `"deployment"`: advice, never gating).
    pub duty: Duty,
    /// The normative requirement in one line, with the RFC's (or seed's) own keyword.
    pub rule: String,
    /// The attacks (RFC 9700 §4) the rule defends against: `threat::THREATS` tags.
    pub threats: Vec<String>,
    pub refs: Vec<String>,
    /// The endpoint the case is filed under (its table's endpoint).
    pub endpoint: String,
    pub fixtures: Vec<Fixture>,
    pub needs: BTreeSet<Need>,
    pub serial: bool,
    /// The positive case this one is only meaningful after: when the target refuses that case's
    /// well-formed request, this one is blocked (a server that refuses everything also "never
    /// redirects to the client").
    pub requires: Option<String>,
    pub race: Option<Race>,
    /// Repeat the main request and judge how guessable the collected values are.
    pub sample: Option<Sample>,
    /// A slow case: after its fixtures it waits the target's `[slow]` value of this name.
    pub wait: Option<String>,
    pub before: Vec<Step>,
    pub main: Step,
    pub after: Vec<Step>,
    pub file: String,
    pub line: usize,
}

/// What case validation needs to know about the profile the table belongs to.
pub trait ProfileView {
    fn has_endpoint(&self, name: &str) -> bool;
    fn is_browser_endpoint(&self, name: &str) -> bool;
    fn has_schema(&self, name: &str) -> bool;
    fn endpoint_names(&self) -> Vec<String>;
    /// The endpoint's default query, form and header values, by name.
    fn default_params(&self, name: &str) -> Vec<(String, String)>;
}

impl Step {
    /// The endpoint's default request, unchanged (what fixtures send).
    pub fn default_for(endpoint: &str) -> Step {
        Step {
            name: None,
            endpoint: endpoint.to_string(),
            method: None,
            auth: None,
            content_type: None,
            query: Vec::new(),
            form: Vec::new(),
            omit: Vec::new(),
            append: Vec::new(),
            body: None,
            headers: Vec::new(),
            append_headers: Vec::new(),
            bearer: None,
            user_code: None,
            url: None,
            browser: None,
            dpop: None,
            precondition: false,
            refusal_passes: false,
            fapi: false,
            session: false,
            cert: None,
            tls_probe: None,
            pause: None,
            expect: Expect::default(),
            line: 0,
        }
    }
}

/// For unit tests: a profile that knows every endpoint and schema, with no browser endpoint and
/// no defaults, so a test's case table stands on its own.
#[cfg(test)]
pub(crate) struct AnyProfile;

#[cfg(test)]
impl ProfileView for AnyProfile {
    fn has_endpoint(&self, _: &str) -> bool {
        true
    }
    fn is_browser_endpoint(&self, _: &str) -> bool {
        false
    }
    fn has_schema(&self, _: &str) -> bool {
        true
    }
    fn endpoint_names(&self) -> Vec<String> {
        vec![]
    }
    fn default_params(&self, _: &str) -> Vec<(String, String)> {
        vec![]
    }
}
