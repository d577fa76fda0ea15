//! Turns a step into a concrete HTTP request: the endpoint's default request, the target's
//! additions, the step's changes (replace, omit, append), placeholders filled, client authenticated.
use base64::Engine;
use url::Url;

use crate::suite::case::{Auth, Step};
use crate::transport::http::HttpRequest;
use crate::suite::profile::Profile;
use crate::target::file::Target;

/// A request ready to send, and what the checks need to know about it.
#[derive(Debug, Clone)]
pub struct Built {
    pub request: HttpRequest,
    /// The client assertion sent, if any: the caller registers it with the redactor.
    pub assertion: Option<String>,
    pub sent_state: Option<String>,
    pub sent_redirect_uri: Option<String>,
}

/// Why a step could not be made into a request: the case table or the target file lacks
/// something (the run records the case as errored, never as the server's failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Placeholder(#[from] crate::model::placeholder::MissingValue),
    #[error("the URL in `url` is not absolute: {0}")]
    UrlNotAbsolute(String),
    #[error("the URL in `url` ({0}) is not on the target's origin")]
    UrlOffOrigin(String),
    #[error("no URL for endpoint {0}")]
    NoEndpointUrl(String),
    #[error("the target file has no [second_client]")]
    NoSecondClient,
    #[error("the target file has no [jwt_client]")]
    NoJwtClient,
    #[error("the target file has no [mtls_client]")]
    NoMtlsClient,
    #[error("the target file has no [fapi_client]")]
    NoFapiClient,
    #[error("the target's [fapi_client] has no private_key (it authenticates with tls_client_auth)")]
    NoFapiKey,
}

/// Whose credentials and registration a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    SecondClient,
    PublicClient,
    /// The `[fapi_client]` (FAPI 2.0): private_key_jwt with the issuer as audience.
    Fapi,
}

impl Role {
    /// Whose request a step is: the FAPI client's (its table says so), the public client's
    /// (`auth = "public"`), else the client's.
    pub fn of(step: &Step) -> Role {
        match (step.fapi, step.auth) {
            (true, _) => Role::Fapi,
            (false, Some(Auth::Public)) => Role::PublicClient,
            _ => Role::Client,
        }
    }
}

/// The certificate a request presents (RFC 8705): the step's (`cert`, `auth = "mtls"`), else,
/// for the FAPI client using mutual TLS, its own wherever the endpoint authenticates clients
/// (token, PAR, introspection, revocation; not the browser's, not the metadata).
pub fn presents(step: &Step, role: Role, target: &Target, profile: &Profile) -> Option<crate::suite::case::Cert> {
    let fapi_tls = role == Role::Fapi && target.fapi_client.as_ref().is_some_and(|f| f.presents_certificate());
    let authenticates = profile.endpoints.get(&step.endpoint).is_some_and(|e| e.auth != Auth::None);
    step.presents().or((fapi_tls && authenticates && step.browser.is_none()).then_some(crate::suite::case::Cert::Client))
}

/// Whether a request goes where certificates are asked for (RFC 8705 §5's aliases): one that
/// presents a certificate; one that pointedly presents none goes where such a client would, the
/// endpoint itself.
fn to_mtls_alias(cert: Option<crate::suite::case::Cert>) -> bool {
    cert.is_some_and(|c| c != crate::suite::case::Cert::None)
}

/// The DPoP proof a step's request carries: the step's, except the FAPI client's whose tokens
/// are bound to its certificate instead (`sender_constraint = "mtls"`).
pub fn dpop_of(step: &Step, role: Role, target: &Target) -> Option<crate::jose::dpop::Flaw> {
    let mtls_bound = role == Role::Fapi && target.fapi_client.as_ref().is_some_and(|f| f.binding == crate::target::file::FapiBinding::Mtls);
    step.dpop.filter(|_| !mtls_bound)
}

/// Replaces `key`'s value where present (first occurrence), else appends.
fn set(pairs: &mut Vec<(String, String)>, key: &str, value: &str) {
    match pairs.iter_mut().find(|(k, _)| k == key) {
        Some(p) => p.1 = value.to_string(),
        None => pairs.push((key.to_string(), value.to_string())),
    }
}

pub(crate) fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter()).finish()
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined with ':' and base64-encoded.
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

/// Builds `step` for `role`; `lookup` fills placeholders. The error names what is missing.
pub fn build(
    step: &Step,
    profile: &Profile,
    target: &Target,
    role: Role,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Built, BuildError> {
    let fill = |s: &str| crate::model::placeholder::expand(s, lookup);
    let url = step_url(step, profile, target, to_mtls_alias(presents(step, role, target, profile)), &fill)?;
    let Parameters { default_method, auth_default, mut query, mut form, headers: extra_headers } = parameters(step, profile, target);
    let method = step.method.clone().unwrap_or(default_method);
    // Appended pairs go where the endpoint's parameters go.
    let appended_to_query = form.is_empty() && !query.is_empty();
    for (k, v) in &step.append {
        if appended_to_query { query.push((k.clone(), v.clone())) } else { form.push((k.clone(), v.clone())) }
    }
    let fill_pairs = |pairs: Vec<(String, String)>| -> Result<Vec<(String, String)>, BuildError> {
        pairs.into_iter().map(|(k, v)| Ok((k, fill(&v)?))).collect()
    };
    let mut query = fill_pairs(query)?;
    let mut form = fill_pairs(form)?;
    // A form sent with GET travels in the query string.
    if method == "GET" && step.body.is_none() {
        query.append(&mut form);
    }
    let sent_state = query.iter().chain(&form).find(|(k, _)| k == "state").map(|(_, v)| v.clone());
    let sent_redirect_uri = query.iter().chain(&form).find(|(k, _)| k == "redirect_uri").map(|(_, v)| v.clone());

    let mut url: Url = url;
    if !query.is_empty() {
        let existing: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let all: Vec<(String, String)> = existing.into_iter().chain(query).collect();
        url.set_query(Some(&encode(&all)));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    let client_auth = ClientAuth { step, profile, target, role, auth_default, lookup };
    let (authorization, assertion) = client_auth.apply(&method, &url, &mut form)?;
    if let Some(a) = authorization {
        headers.push(("authorization".into(), a));
    }
    if let Some(b) = &step.bearer {
        headers.push(("authorization".into(), format!("Bearer {}", fill(b)?)));
    }
    let body = match &step.body {
        Some(b) => Some(fill(b)?),
        None if !form.is_empty() && method != "GET" => Some(encode(&form)),
        None => None,
    };
    let content_type = step.content_type.clone().or_else(|| {
        (body.is_some() && step.body.is_none()).then(|| "application/x-www-form-urlencoded".to_string())
    });
    if let Some(ct) = content_type {
        headers.push(("content-type".into(), ct));
    }
    for (k, v) in &extra_headers {
        headers.push((k.to_ascii_lowercase(), fill(v)?));
    }
    Ok(Built { request: HttpRequest { method, url, headers, body }, assertion, sent_state, sent_redirect_uri })
}


/// The URL of `step`'s endpoint (a TLS probe's: no request is built).
/// The endpoint itself, not its mTLS alias: a probe presents no certificate.
pub fn endpoint_url(step: &Step, profile: &Profile, target: &Target) -> Result<Url, BuildError> {
    let no_values = |s: &str| crate::model::placeholder::expand(s, |_| None);
    step_url(step, profile, target, false, &no_values)
}

/// The URL `step` is sent to: the endpoint's, or a URL the server gave (on its own origin only).
fn step_url(
    step: &Step,
    profile: &Profile,
    target: &Target,
    presents: bool,
    fill: &dyn Fn(&str) -> Result<String, crate::model::placeholder::MissingValue>,
) -> Result<Url, BuildError> {
    let url = match &step.url {
        // A URL the server gave, on the server's own origin only.
        Some(template) => {
            let u = Url::parse(&fill(template)?).map_err(|e| BuildError::UrlNotAbsolute(e.to_string()))?;
            if u.origin() != target.base_url.origin() && target.url_for(profile, &step.endpoint).is_none_or(|e| e.origin() != u.origin()) {
                return Err(BuildError::UrlOffOrigin(crate::check::record::show_url(&u)));
            }
            u
        }
        // A request presenting a certificate (or pointedly none) goes where the client's
        // certificate is asked for (RFC 8705 §5's aliases).
        None if presents => target.mtls_url_for(profile, &step.endpoint).ok_or_else(|| BuildError::NoEndpointUrl(step.endpoint.clone()))?,
        None => target.url_for(profile, &step.endpoint).ok_or_else(|| BuildError::NoEndpointUrl(step.endpoint.clone()))?,
    };
    Ok(url)
}

/// The endpoint's default request with the target's and the step's changes, placeholders unfilled.
struct Parameters {
    default_method: String,
    auth_default: Auth,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

fn parameters(step: &Step, profile: &Profile, target: &Target) -> Parameters {
    let (default_method, auth_default, mut query, mut form, mut extra_headers) = match profile.endpoints.get(&step.endpoint) {
        Some(ep) => {
            let (mut q, mut f) = (ep.query.clone(), ep.form.clone());
            // The target's [authorize] table adds to every authorization request: to a pushed one
            // (RFC 9126 §2.1), not to the request by reference that follows, which carries
            // client_id and request_uri alone (§4; FAPI 2.0 servers refuse anything more).
            let by_reference = step.query.iter().any(|(k, _)| k == "request_uri");
            let extended = match ep.name.as_str() {
                "authorize" if !by_reference => Some(&mut q),
                "par" => Some(&mut f),
                _ => None,
            };
            if let Some(params) = extended {
                for (k, v) in &target.authorize {
                    set(params, k, v);
                }
            }
            (ep.method.clone(), ep.auth, q, f, ep.headers.clone())
        }
        None => ("GET".to_string(), Auth::None, Vec::new(), Vec::new(), Vec::new()),
    };
    for (k, v) in &step.headers {
        set(&mut extra_headers, k, v);
    }
    for (k, v) in &step.query {
        set(&mut query, k, v);
    }
    for (k, v) in &step.form {
        set(&mut form, k, v);
    }
    for k in &step.omit {
        query.retain(|(q, _)| q != k);
        form.retain(|(f, _)| f != k);
        extra_headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
    }
    extra_headers.extend(step.append_headers.iter().cloned());
    Parameters { default_method, auth_default, query, form, headers: extra_headers }
}

/// How the request authenticates its client (RFC 6749 §2.3, RFC 7523 §2.2): the Authorization
/// header it sends, and the credentials or assertion it puts in the form.
struct ClientAuth<'a> {
    step: &'a Step,
    profile: &'a Profile,
    target: &'a Target,
    role: Role,
    auth_default: Auth,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl ClientAuth<'_> {
    /// The Authorization header value, if any, and the client assertion sent, if any.
    fn apply(&self, method: &str, url: &Url, form: &mut Vec<(String, String)>) -> Result<(Option<String>, Option<String>), BuildError> {
        let ClientAuth { step, profile, target, role, auth_default, lookup } = *self;
        let endpoint = profile.endpoints.get(&step.endpoint);
        let uses_cc_client = endpoint.is_some_and(|e| e.cc_client);
        let uses_device_client = endpoint.is_some_and(|e| e.device_client);
        let (client, other) = match role {
            Role::Client if uses_cc_client && target.cc_client.is_some() => (target.cc_client.as_ref(), target.second_client.as_ref()),
            Role::Client if uses_device_client && target.device_client.is_some() => (target.device_client.as_ref(), target.second_client.as_ref()),
            Role::Client => (Some(&target.client), target.second_client.as_ref()),
            Role::SecondClient => (target.second_client.as_ref(), Some(&target.client)),
            Role::PublicClient => (target.public_client.as_ref(), Some(&target.client)),
            Role::Fapi => (target.fapi_client.as_ref().map(|f| &f.client), Some(&target.client)),
        };
        let secret_of = |c: &crate::target::file::Client| c.secret.clone().unwrap_or_default();
        let auth = resolved(step.auth.unwrap_or(auth_default), role, target, client);
        let authorization = match auth {
            Auth::None => None,
            Auth::Basic | Auth::BasicAndPost => client.map(|c| basic(&c.id, &secret_of(c))),
            Auth::WrongSecret => client.map(|c| basic(&c.id, &format!("{}-wrong", secret_of(c)))),
            Auth::Garbled => Some("Basic !!not*base64%%".to_string()),
            Auth::UnknownClient => client.map(|c| basic(&format!("unknown-{}", crate::model::token::random_hex(6)), &secret_of(c))),
            // RFC 6749 §2.3, §4.1.3: a public client identifies itself with client_id in the form.
            Auth::Public | Auth::Post | Auth::PostWrongSecret => None,
            Auth::PrivateKeyJwt | Auth::JwtReplay | Auth::JwtWrongAud | Auth::JwtExpired | Auth::JwtNoSub | Auth::JwtNoIss | Auth::JwtAlgNone | Auth::JwtWrongKey | Auth::JwtAudArray | Auth::JwtEndpointAud | Auth::Jwt8sAhead | Auth::Jwt70sAhead => None,
            // RFC 8705 §2: the certificate authenticates; the client names itself in the form.
            Auth::Mtls => {
                let id = match role {
                    Role::Fapi => target.fapi_client.as_ref().map(|f| &f.client.id).ok_or(BuildError::NoFapiClient)?,
                    _ => target.mtls_client.as_ref().map(|m| &m.id).ok_or(BuildError::NoMtlsClient)?,
                };
                set(form, "client_id", id);
                None
            }
            Auth::SecondClient => {
                let c = other.ok_or(BuildError::NoSecondClient)?;
                Some(basic(&c.id, &secret_of(c)))
            }
        };
        if auth == Auth::Public
            && let Some(c) = client
            && (!form.is_empty() || method != "GET") {
                set(form, "client_id", &c.id);
            }
        if let (Auth::Post | Auth::PostWrongSecret | Auth::BasicAndPost, Some(c)) = (auth, client) {
            let secret = if auth == Auth::PostWrongSecret { format!("{}-wrong", secret_of(c)) } else { secret_of(c) };
            set(form, "client_id", &c.id);
            set(form, "client_secret", &secret);
        }
        // RFC 7523 §2.2: the assertion in the form, its audience the endpoint it is sent to (§3);
        // the FAPI client's the issuer (FAPI 2.0 §5.3.2.1 item 8: the only audience accepted).
        let mut assertion = None;
        if let Some(flaw) = auth.assertion_flaw() {
            let (id, key) = match role {
                Role::Fapi => {
                    let f = target.fapi_client.as_ref().ok_or(BuildError::NoFapiClient)?;
                    (&f.client.id, f.key.as_ref().ok_or(BuildError::NoFapiKey)?)
                }
                _ => target.jwt_client.as_ref().map(|j| (&j.id, &j.key)).ok_or(BuildError::NoJwtClient)?,
            };
            let mut endpoint_url = url.clone();
            endpoint_url.set_query(None);
            let aud = if role == Role::Fapi && auth != Auth::JwtEndpointAud { target.issuer() } else { endpoint_url.to_string() };
            let jti = if auth == Auth::JwtReplay { lookup("jti").unwrap_or_default() } else { crate::model::token::random_token() };
            let jwt = crate::jose::assertion::client_assertion(key, id, &aud, &jti, flaw);
            set(form, "client_id", id);
            set(form, "client_assertion_type", crate::jose::assertion::ASSERTION_TYPE);
            set(form, "client_assertion", &jwt);
            assertion = Some(jwt);
        }
        Ok((authorization, assertion))
    }
}

/// The method `auth` stands for with `role`'s client: the FAPI client's own where the endpoint
/// authenticates (FAPI 2.0 §5.3.2.1 item 6: private_key_jwt or its certificate, RFC 8705 §2.1, as
/// the target file says); a client without a secret identifies itself.
fn resolved(auth: Auth, role: Role, target: &Target, client: Option<&crate::target::file::Client>) -> Auth {
    match auth {
        Auth::Basic if role == Role::Fapi => match target.fapi_client.as_ref().map(|f| f.auth) {
            Some(crate::target::file::FapiAuth::TlsClientAuth) => Auth::Mtls,
            _ => Auth::PrivateKeyJwt,
        },
        Auth::Basic if role == Role::PublicClient || client.is_some_and(|c| c.secret.is_none()) => Auth::Public,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn basic_form_encodes_id_and_secret_before_joining_them() {
        // RFC 6749 §2.3.1: a ':' in the id or secret must not split the pair.
        let header = basic("my client", "p:w/+");
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap();
        assert_eq!(decoded, "my+client:p%3Aw%2F%2B");
    }

    #[test]
    fn set_replaces_the_first_occurrence_or_appends() {
        let mut pairs = vec![("a".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())];
        set(&mut pairs, "a", "x");
        set(&mut pairs, "b", "y");
        let got: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, [("a", "x"), ("a", "2"), ("b", "y")]);
    }

    #[test]
    fn build_errors_say_what_the_table_or_target_file_lacks() {
        let missing = BuildError::from(crate::model::placeholder::MissingValue("code".into()));
        assert_eq!(missing.to_string(), "no value for placeholder {code}");
        assert_eq!(BuildError::NoEndpointUrl("par".into()).to_string(), "no URL for endpoint par");
        assert_eq!(BuildError::NoJwtClient.to_string(), "the target file has no [jwt_client]");
        assert_eq!(
            BuildError::UrlOffOrigin("https://elsewhere.test/x".into()).to_string(),
            "the URL in `url` (https://elsewhere.test/x) is not on the target's origin"
        );
    }
}
