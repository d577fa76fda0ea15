//! The citi-pl reference: a conformant implementation of the Poland "Authorize" API (seed
//! 000_fc506dc8fb2c32f9.txt) with RFC 6749 / 7009 / 9700 filling what the seed leaves open.
//! Faults (`fault.rs`) are consulted at the decision point each one alters; with none, every
//! branch below is the correct behaviour.
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, on, post, MethodFilter};
use serde_json::json;

use super::client_auth::{authenticate, secrets_equal};
use super::fault::{Fault, Faults};
use super::offer::{Offer, Withheld};
use super::variant::{Variant, Variants};
use super::oauth_error::{OAuthError, no_store};
use super::params::{self, Params, ascii};
use super::store::{DevicePoll, GrantError, Issued, REFRESH_LIFETIME, RedeemPolicy, RefreshPolicy, RevokePolicy, Revoked, Store, TokenKind};
use super::page::LoginStyle;
use super::{ClientReg, Registration, dpop, page};
use crate::model::token::random_token;

pub const REALM: &str = "citi-pl";
const AUTHORIZE: &str = "/authCode/oauth2/authorize";
const LOGIN: &str = "/authCode/oauth2/login";
const CONSENT: &str = "/authCode/oauth2/consent";
pub const PROBE: &str = "/api/v1/me";
/// What the markup-in-error-description fault puts where reports show target text: if a report
/// ever ran it, the page's body would carry a data-pwned attribute.
pub const MARKUP: &str = "<script>document.body.setAttribute('data-pwned','script')</script>\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">";
/// What a token request without any client authentication is told (client_auth.rs).
const NO_CLIENT_AUTH: &str = "client authentication is required";
/// Where the state-truncated fault cuts.
const TRUNCATED_STATE: usize = 64;

/// Which API the server speaks: the bank's Poland paths and rules, or plain RFC 6749 (one
/// token endpoint for every grant, state and scope optional, PKCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CitiPl,
    Rfc6749,
}

pub struct PlState {
    pub reg: Registration,
    pub store: Store,
    pub faults: Faults,
    pub variants: Variants,
    /// What the rfc6749 server does not offer this time (capabilities switched off).
    pub withheld: Withheld,
    pub flavor: Flavor,
    /// The access token lifetime the token answers state (the expired-token-accepted fault
    /// keeps tokens alive far longer).
    pub expires_in: u64,
    /// The request_uri lifetime PAR answers state.
    pub par_lifetime: u64,
    /// The device_code lifetime device authorization answers state.
    pub device_lifetime: u64,
    /// Authorization requests only through PAR (RFC 9126 §5).
    pub par_required: bool,
    /// How the login and consent pages are built.
    pub login_style: LoginStyle,
}

impl PlState {
    fn has(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    fn variant(&self, v: Variant) -> bool {
        self.variants.has(v)
    }

    /// Whether the server offers `o` (always, for citi-pl: it has no such switches).
    fn offers(&self, o: Offer) -> bool {
        !self.withheld.has(o)
    }

    /// Whether DPoP (RFC 9449) is on: the rfc6749 server, unless withheld.
    fn dpop_on(&self) -> bool {
        self.flavor == Flavor::Rfc6749 && self.offers(Offer::Dpop)
    }

    /// The request's DPoP proof for `url`, checked as §4.3 lists (less what the faults skip), its
    /// jti remembered for the endpoint (§11.1).
    fn dpop_proof(&self, headers: &HeaderMap, method: &str, url: &str, access_token: Option<&str>) -> Result<Option<dpop::Proven>, dpop::Refusal> {
        let lax = dpop::Lax {
            typ: self.has(Fault::RfcDpopTypUnchecked),
            alg_none: self.has(Fault::RfcDpopAlgNoneAccepted),
            symmetric: self.has(Fault::RfcDpopSymmetricAccepted),
            signature: self.has(Fault::RfcDpopSignatureUnchecked),
            private_key: self.has(Fault::RfcDpopPrivateKeyAccepted),
            members: self.has(Fault::RfcDpopMembersUnchecked),
            htm: self.has(Fault::RfcDpopHtmUnchecked),
            htu: self.has(Fault::RfcDpopHtuUnchecked),
            iat: self.has(Fault::RfcDpopIatUnchecked),
            several: self.has(Fault::RfcDpopSeveralAccepted),
            malformed: self.has(Fault::RfcDpopMalformedIgnored),
            ath: self.has(Fault::RfcDpopAthUnchecked),
        };
        let nonce = self.variant(Variant::DpopNonce).then_some(self.store.dpop_nonce.as_str());
        let proven = dpop::check(headers, &dpop::Expected { method, url, access_token, nonce }, lax)?;
        if let Some(p) = &proven
            && !self.has(Fault::RfcDpopReplayAccepted) && self.store.jti_seen(&format!("dpop {url} {}", p.jti)) {
                return Err(dpop::Refusal::Invalid("this proof's jti was seen before".into()));
            }
        Ok(proven)
    }

    /// A refused proof at the token endpoint (RFC 9449 §5: invalid_dpop_proof; §8: use_dpop_nonce).
    fn dpop_refused(&self, why: dpop::Refusal) -> Response {
        match why {
            dpop::Refusal::Invalid(m) => self.error(OAuthError::bad_request("invalid_dpop_proof", m)),
            dpop::Refusal::NonceNeeded => {
                let mut resp = self.error(OAuthError::bad_request("use_dpop_nonce", "use the DPoP-Nonce this answer carries"));
                self.dpop_nonce_header(&mut resp);
                resp
            }
        }
    }

    fn dpop_nonce_header(&self, resp: &mut Response) {
        if self.variant(Variant::DpopNonce)
            && let Ok(v) = HeaderValue::from_str(&self.store.dpop_nonce) {
                resp.headers_mut().insert("dpop-nonce", v);
            }
    }

    /// Renders an RFC 6749 §5.2 error, or the broken shapes the error faults ask for.
    fn error(&self, mut e: OAuthError) -> Response {
        if self.has(Fault::InvalidClient400) && e.status == StatusCode::UNAUTHORIZED {
            e.status = StatusCode::BAD_REQUEST;
        }
        if self.has(Fault::NonstandardErrorCode) && e.code == "invalid_request" {
            e.code = "invalid_parameter";
        }
        if self.has(Fault::UnsupportedGrantAsInvalidRequest) && e.code == "unsupported_grant_type" {
            e.code = "invalid_request";
        }
        if self.variant(Variant::NoClientAuth400) && e.code == "invalid_client" && e.description == NO_CLIENT_AUTH {
            e.status = StatusCode::BAD_REQUEST;
        }
        if self.has(Fault::MarkupInErrorDescription) {
            e.description = format!("{} {MARKUP}", e.description);
        }
        if self.has(Fault::NonAsciiErrorDescription) {
            e.description = format!("{} — żądanie odrzucone", e.description);
        }
        let mut resp = if self.has(Fault::ErrorHtml) {
            let mut r = Html(page::error(&format!("{}: {}", e.code, e.description))).into_response();
            *r.status_mut() = e.status;
            no_store(&mut r);
            if e.status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"citi-pl\""));
            }
            r
        } else if self.variant(Variant::ErrorDescriptionOmitted) || self.variant(Variant::ExtraTokenMembers) {
            self.variant_error(e)
        } else {
            e.into_response()
        };
        if self.has(Fault::MarkupInErrorDescription) {
            resp.headers_mut().insert("x-debug", HeaderValue::from_static(MARKUP));
        }
        if self.has(Fault::ChallengeBearerAfterBasic) && resp.headers().contains_key(header::WWW_AUTHENTICATE) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"citi-pl\""));
        }
        if self.variant(Variant::SeveralChallenges) && resp.headers().contains_key(header::WWW_AUTHENTICATE) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"citi-pl\", Basic realm=\"citi-pl\", charset=\"UTF-8\""));
        }
        if self.has(Fault::NoWwwAuthenticate) {
            resp.headers_mut().remove(header::WWW_AUTHENTICATE);
        }
        if self.variant(Variant::CacheControlMore) && resp.headers().contains_key(header::CACHE_CONTROL) {
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store, max-age=0"));
        }
        if self.has(Fault::ErrorStatus200) {
            *resp.status_mut() = StatusCode::OK;
        }
        resp
    }

    /// The RFC 6749 §5.2 answer with the body the variants ask for: no error_description, or
    /// an extra member.
    fn variant_error(&self, e: OAuthError) -> Response {
        let (code, description) = (e.code, e.description.clone());
        let (parts, _) = e.into_response().into_parts();
        let mut body = json!({ "error": code });
        if !self.variant(Variant::ErrorDescriptionOmitted) {
            body["error_description"] = json!(description);
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["trace_id"] = json!(crate::model::token::random_hex(8));
        }
        let mut resp = Response::from_parts(parts, axum::body::Body::from(serde_json::to_vec(&body).unwrap_or_default()));
        resp.headers_mut().remove(header::CONTENT_LENGTH);
        resp
    }

    fn client(&self, headers: &HeaderMap) -> Result<&ClientReg, OAuthError> {
        authenticate(headers, &self.reg, !self.has(Fault::WrongSecretAccepted), REALM)
    }

    /// The registered public client a request names by client_id without any Authorization
    /// header (RFC 6749 §2.3, §4.1.3: it identifies itself, it cannot authenticate).
    fn public_caller(&self, headers: &HeaderMap, p: Option<&Params>) -> Option<&ClientReg> {
        if headers.contains_key(header::AUTHORIZATION) {
            return None;
        }
        let id = p?.get("client_id")?;
        self.reg.public_client.as_ref().filter(|c| c.id == id)
    }

    /// The authenticating client: HTTP Basic, or (rfc6749, when offered) client_secret_post —
    /// client_id and client_secret in the form, never both methods at once (RFC 6749 §2.3).
    fn client_of(&self, headers: &HeaderMap, p: Option<&Params>) -> Result<&ClientReg, OAuthError> {
        // RFC 7523 §2.2: private_key_jwt, for the client registered for it.
        if let Some(p) = p.filter(|p| p.get("client_assertion_type") == Some(crate::jose::assertion::ASSERTION_TYPE) && self.flavor == Flavor::Rfc6749)
            && let Some((client, key)) = &self.reg.jwt_client {
                let refuse = |d: &str| OAuthError::bad_request("invalid_client", d.to_string());
                let jwt = p.get("client_assertion").ok_or_else(|| refuse("client_assertion is required"))?;
                if p.get("client_id").is_some_and(|id| id != client.id) {
                    return Err(refuse("unknown client"));
                }
                let base = issuer(headers);
                let audiences: Vec<String> = ["", "/token", "/par", "/revoke", "/introspect"].iter().map(|path| format!("{base}{path}")).collect();
                let policy = super::client_auth::AssertionPolicy {
                    aud_unchecked: self.has(Fault::RfcJwtAudUnchecked),
                    exp_unchecked: self.has(Fault::RfcJwtExpUnchecked),
                    signature_unchecked: self.has(Fault::RfcJwtSignatureUnchecked),
                    alg_none_accepted: self.has(Fault::RfcJwtAlgNoneAccepted),
                    sub_unchecked: self.has(Fault::RfcJwtSubUnchecked),
                    replay_accepted: false,
                };
                super::client_auth::verify_assertion(jwt, &client.id, key, &audiences, &|j| self.store.jti_seen(j), policy).map_err(refuse)?;
                return Ok(client);
            }
        let posted = p.and_then(|p| p.get("client_secret").map(|s| (p.get("client_id"), s)));
        let post_works = self.flavor == Flavor::Rfc6749 && self.offers(Offer::ClientSecretPost) && !self.has(Fault::RfcClientSecretPostRefused);
        let Some((id, secret)) = posted.filter(|_| post_works) else {
            return self.client(headers);
        };
        if headers.contains_key(header::AUTHORIZATION) {
            if self.has(Fault::RfcTwoAuthMethodsAccepted) {
                return self.client(headers);
            }
            return Err(OAuthError::bad_request("invalid_request", "use one client authentication method, not two"));
        }
        let client = id.and_then(|id| self.reg.confidential(id)).ok_or_else(|| OAuthError::invalid_client("unknown client", REALM))?;
        if !self.has(Fault::WrongSecretAccepted) && !secrets_equal(&client.secret, secret) {
            // RFC 6749 §5.2: 401 with a challenge only when the client used the Authorization header.
            return Err(OAuthError::bad_request("invalid_client", "client authentication failed"));
        }
        Ok(client)
    }

    /// The token request's parameters: a form (RFC 6749 §3.2), from the body or, with the
    /// get-token-allowed fault, the query.
    fn token_params(&self, method: &Method, headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Params, OAuthError> {
        if *method == Method::GET {
            return Ok(Params::parse(query.unwrap_or_default().as_bytes()));
        }
        if self.has(Fault::JsonBodyAccepted)
            && let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(body) {
                let pairs: Vec<(String, String)> = o.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect();
                let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
                return Ok(Params::parse(encoded.as_bytes()));
            }
        if self.has(Fault::RepeatedParamsAccepted) {
            return params::form_allowing_repeats(headers, body);
        }
        params::form(headers, body)
    }

    /// A token request for `grant`: the authenticated client and its parameters, or the error
    /// (invalid_client, invalid_request, unsupported_grant_type).
    fn grant_request(&self, method: &Method, headers: &HeaderMap, query: Option<&str>, body: &[u8], grant: &str) -> Result<(&ClientReg, Params), OAuthError> {
        // RFC 6749 §2.3, §4.1.3: a public client sends no credentials, only its client_id.
        let parsed = self.token_params(method, headers, query, body);
        let client = match self.public_caller(headers, parsed.as_ref().ok()) {
            Some(c) if self.flavor == Flavor::Rfc6749 => c,
            _ => self.client_of(headers, parsed.as_ref().ok())?,
        };
        let p = parsed?;
        if grant == "client_credentials" && self.reg.is_public(&client.id) && !self.has(Fault::RfcPublicClientCredentials) {
            return Err(OAuthError::bad_request("unauthorized_client", "the client credentials grant is for confidential clients"));
        }
        match p.get("grant_type") {
            None if self.has(Fault::MissingGrantTypeUnsupported) => Err(OAuthError::bad_request("unsupported_grant_type", "grant_type is required")),
            None => Err(OAuthError::bad_request("invalid_request", "grant_type is required")),
            Some(g) if g == grant => Ok((client, p)),
            Some(other) => Err(OAuthError::bad_request("unsupported_grant_type", format!("grant_type {} is not supported here", ascii(other)))),
        }
    }

    /// The token answer; `silent_scope` (a fault) leaves out the scope member.
    fn token_answer(&self, issued: &Issued, from_code: bool, silent_scope: bool) -> Response {
        let mut body = json!({
            "access_token": issued.access_token,
            "token_type": if self.variant(Variant::TokenTypeCapitalised) { "Bearer" } else { "bearer" },
            "expires_in": self.expires_in,
            "scope": issued.scope,
        });
        if silent_scope {
            body.as_object_mut().map(|o| o.remove("scope"));
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["not_before_policy"] = json!(0);
            body["session_state"] = json!(crate::model::token::random_hex(8));
        }
        if let Some(r) = &issued.refresh_token
            && !(from_code && self.has(Fault::NoRefreshToken)) {
                body["refresh_token"] = json!(r);
                body["refresh_token_expires_in"] = json!(REFRESH_LIFETIME.as_secs());
                body["consented_on"] = json!(issued.consented_on);
            }
        if self.has(Fault::TokenTypeMissing) {
            body.as_object_mut().map(|o| o.remove("token_type"));
        }
        if self.has(Fault::TokenTypeMac) {
            body["token_type"] = json!("mac");
        }
        if self.has(Fault::ExpiresInString) {
            body["expires_in"] = json!(self.expires_in.to_string());
        }
        if self.has(Fault::AccessTokenDead) {
            self.store.forget_access(&issued.access_token);
        }
        let mut resp = axum::Json(body).into_response();
        if !self.has(Fault::NoCacheControl) {
            no_store(&mut resp);
            if self.variant(Variant::CacheControlMore) {
                resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store, max-age=0"));
            }
        }
        resp
    }

    /// `scope` without the scopes the server does not know (the unknown-scope variant and fault);
    /// the default scope when none is left.
    fn known_scopes(&self, scope: &str) -> String {
        let kept: Vec<&str> = scope.split(' ').filter(|s| self.reg.scopes.iter().any(|k| k.eq_ignore_ascii_case(s))).collect();
        if kept.is_empty() { "accounts".to_string() } else { kept.join(" ") }
    }

    fn drops_unknown_scopes(&self) -> bool {
        self.variant(Variant::UnknownScopeDropped) || self.has(Fault::UnknownScopeDroppedSilently)
    }

    /// A redirect to the client with `params` in the query, shaped by the variants (303, iss,
    /// %20 for spaces).
    fn redirect(&self, to: &str, params: &[(&str, &str)], issuer: &str) -> Response {
        let Ok(mut url) = url::Url::parse(to) else {
            return (StatusCode::BAD_REQUEST, Html(page::error("the redirect_uri is not a valid URI"))).into_response();
        };
        let mut all: Vec<(&str, &str)> = params.to_vec();
        // RFC 9207: the rfc6749 reference always says who it is; citi-pl only as a variant.
        let wrong_issuer = format!("{issuer}/");
        let is_error = params.iter().any(|(k, _)| *k == "error");
        let says_iss = self.variant(Variant::IssParameter) || (self.flavor == Flavor::Rfc6749 && self.offers(Offer::Iss));
        if says_iss && !(is_error && self.has(Fault::RfcIssMissingOnError)) {
            all.push(("iss", if self.has(Fault::RfcIssWrong) { &wrong_issuer } else { issuer }));
        }
        if self.variant(Variant::RedirectPercent20) {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
            let extra = all.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
            let query = match url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{extra}"),
                _ => extra,
            };
            url.set_query(Some(&query));
        } else {
            url.query_pairs_mut().extend_pairs(all.iter());
        }
        let status = if self.variant(Variant::Redirect303) { StatusCode::SEE_OTHER } else { StatusCode::FOUND };
        let mut resp = (status, [(header::LOCATION, url.to_string())]).into_response();
        no_store(&mut resp);
        resp
    }

    fn unknown_scope<'a>(&self, scope: &'a str) -> Option<&'a str> {
        if self.has(Fault::UnknownScopeGranted) {
            return None;
        }
        scope.split(' ').filter(|s| !s.is_empty()).find(|s| !self.reg.scopes.iter().any(|k| k.eq_ignore_ascii_case(s)))
    }

    /// RFC 9700 §2.1: exact string comparison of redirect URIs.
    fn redirect_uri_matches(&self, registered: &str, given: &str) -> bool {
        if self.has(Fault::RedirectUriPrefix) {
            return given.starts_with(registered);
        }
        let parts = |u: &str| url::Url::parse(u).ok().map(|u| (u.scheme().to_string(), u.host_str().unwrap_or("").to_string(), u.path().to_string()));
        if self.has(Fault::RfcRedirectUriOriginPrefix)
            && let Ok(r) = url::Url::parse(registered) {
                let origin = format!("{}://{}", r.scheme(), r.host_str().unwrap_or(""));
                return given.starts_with(&origin);
            }
        if self.has(Fault::RfcRedirectUriSubdomains)
            && let (Some((rs, rh, rp)), Some((gs, gh, gp))) = (parts(registered), parts(given)) {
                return rs == gs && rp == gp && (gh == rh || gh.ends_with(&format!(".{rh}")));
            }
        if self.has(Fault::RfcRedirectUriNormalized) {
            // The classic lax comparison: parse, drop the fragment, decode, lower-case, trim a slash.
            let norm = |u: &str| {
                let mut u = url::Url::parse(u).ok()?;
                u.set_fragment(None);
                let path: String = url::form_urlencoded::parse(format!("p={}", u.path()).as_bytes()).next()?.1.to_lowercase();
                Some(format!("{}://{}{}", u.scheme(), u.host_str()?, path.trim_end_matches('/')))
            };
            return norm(registered).is_some() && norm(registered) == norm(given);
        }
        if self.has(Fault::RedirectUriHostOnly) {
            let host = |u: &str| url::Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_string));
            return host(registered).is_some() && host(registered) == host(given);
        }
        // RFC 8252 §7.3: the public client (a native app) and, as a variant, the confidential
        // one are registered with loopback URIs.
        if !self.has(Fault::RfcLoopbackPortExact) && loopback_any_port(registered, given) {
            return true;
        }
        given == registered
    }
}

/// RFC 8252 §7.3: a loopback redirect URI registered without a port matches the same URI with
/// any port; everything else still compared as text.
fn loopback_any_port(registered: &str, given: &str) -> bool {
    for host in ["http://127.0.0.1", "http://[::1]"] {
        if let (Some(reg_rest), Some(given_rest)) = (registered.strip_prefix(host), given.strip_prefix(host)) {
            let Some(after_colon) = given_rest.strip_prefix(':') else { return given_rest == reg_rest };
            let digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
            return (1..=5).contains(&digits) && reg_rest.starts_with('/') && after_colon[digits..] == *reg_rest;
        }
    }
    false
}

pub fn router(state: Arc<PlState>) -> Router {
    // GET on a token endpoint is refused (405) unless the get-token-allowed fault is on.
    let methods = if state.has(Fault::GetTokenAllowed) { MethodFilter::POST.or(MethodFilter::GET) } else { MethodFilter::POST };
    if state.flavor == Flavor::Rfc6749 {
        let mut r = Router::new()
            .route("/authorize", get(authorize))
            .route(LOGIN, post(login))
            .route(CONSENT, get(consent_page).post(consent))
            .route("/token", on(methods, token))
            .route(PROBE, get(probe));
        if state.offers(Offer::Revocation) {
            r = r.route("/revoke", on(methods, revoke));
        }
        if state.offers(Offer::Introspection) {
            r = r.route("/introspect", post(introspect));
        }
        if state.offers(Offer::Metadata) {
            r = r.route("/.well-known/oauth-authorization-server", get(metadata));
        }
        if state.offers(Offer::Par) {
            r = r.route("/par", post(par));
        }
        if state.offers(Offer::DeviceGrant) {
            r = r.route("/device_authorization", post(device_authorization)).route("/device", get(device_verification));
        }
        return r.with_state(state);
    }
    Router::new()
        .route("/clientCredentials/oauth2/token/pl/gcb", on(methods, client_credentials_token))
        .route(AUTHORIZE, get(authorize))
        .route(LOGIN, post(login))
        .route(CONSENT, get(consent_page).post(consent))
        .route("/authCode/oauth2/token/pl/gcb", on(methods, code_token))
        .route("/authCode/oauth2/refresh", on(methods, refresh))
        .route("/authCode/oauth2/revoke", on(methods, revoke))
        .route(PROBE, get(probe))
        .with_state(state)
}

/// The issuer identifier (RFC 8414, RFC 9207) from the Host the client used.
fn issuer(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// RFC 8414 metadata, with endpoint URLs built from the Host the client used.
async fn metadata(State(st): State<Arc<PlState>>, headers: HeaderMap) -> Response {
    let base = issuer(&headers);
    let mut meta = json!({
        "issuer": if st.has(Fault::RfcMetadataIssuerMismatch) { format!("{base}/oauth") } else { base.clone() },
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/revoke"),
        "introspection_endpoint": format!("{base}/introspect"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": st.reg.scopes,
    });
    let o = meta.as_object_mut().expect("an object");
    for (offer, member) in [(Offer::Iss, "authorization_response_iss_parameter_supported"), (Offer::Introspection, "introspection_endpoint"), (Offer::Revocation, "revocation_endpoint")] {
        if !st.offers(offer) {
            o.remove(member);
        }
    }
    let methods: Vec<&str> = [("client_secret_basic", true), ("client_secret_post", st.offers(Offer::ClientSecretPost)), ("private_key_jwt", st.offers(Offer::PrivateKeyJwt))]
        .into_iter()
        .filter_map(|(m, on)| on.then_some(m))
        .collect();
    o.insert("token_endpoint_auth_methods_supported".into(), json!(methods));
    if st.offers(Offer::Dpop) {
        o.insert("dpop_signing_alg_values_supported".into(), json!(["ES256"]));
    }
    if st.offers(Offer::DeviceGrant) {
        o.insert("device_authorization_endpoint".into(), json!(format!("{base}/device_authorization")));
    }
    if st.offers(Offer::Par) {
        o.insert("pushed_authorization_request_endpoint".into(), json!(format!("{base}/par")));
        if st.par_required || st.has(Fault::RfcParRequiredBypassed) {
            o.insert("require_pushed_authorization_requests".into(), json!(true));
        }
    }
    if st.has(Fault::RfcMetadataIssuerQuery) {
        o.insert("issuer".into(), json!(format!("{base}?tenant=main")));
    }
    if st.has(Fault::RfcMetadataNoCodeResponseType) {
        o.insert("response_types_supported".into(), json!(["token"]));
    }
    if st.has(Fault::RfcMetadataNoScopes) {
        o.remove("scopes_supported");
    }
    if st.has(Fault::RfcMetadataNoTokenEndpoint) {
        meta.as_object_mut().map(|o| o.remove("token_endpoint"));
    }
    if st.has(Fault::RfcMetadataNoPkceMethods) {
        meta.as_object_mut().map(|o| o.remove("code_challenge_methods_supported"));
    }
    if st.has(Fault::RfcMetadataHtml) {
        return Html(page::error(&meta.to_string())).into_response();
    }
    axum::Json(meta).into_response()
}

/// RFC 6749's single token endpoint: the grant_type picks the grant.
async fn token(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let params = Params::parse(if method == Method::GET { q.as_deref().unwrap_or_default().as_bytes() } else { &body });
    let grant = params.get("grant_type").map(str::to_string);
    // RFC 9449 §5: a proof, if sent, is checked before the grant.
    let proven = if st.dpop_on() {
        match st.dpop_proof(&headers, method.as_str(), &format!("{}/token", issuer(&headers)), None) {
            Ok(p) => p,
            Err(why) => return st.dpop_refused(why),
        }
    } else {
        None
    };
    // §5: a refresh token bound to a key is used with a proof by that key.
    if let Some(bound) = params.get("refresh_token").filter(|_| grant.as_deref() == Some("refresh_token")).and_then(|t| st.store.bound_key(t))
        && proven.as_ref().map(|p| &p.jkt) != Some(&bound) && !st.has(Fault::RfcDpopPublicRefreshUnbound) {
            return st.error(OAuthError::bad_request("invalid_dpop_proof", "the refresh token is bound to another DPoP key"));
        }
    let public = st.public_caller(&headers, Some(&params)).is_some();
    let mut resp = match grant.as_deref() {
        Some("authorization_code") => code_token(State(st.clone()), method, headers, RawQuery(q), body).await,
        Some("refresh_token") => refresh(State(st.clone()), method, headers, RawQuery(q), body).await,
        Some(DEVICE_GRANT) if st.offers(Offer::DeviceGrant) => device_token(State(st.clone()), method, headers, RawQuery(q), body).await,
        _ => client_credentials_token(State(st.clone()), method, headers, RawQuery(q), body).await,
    };
    if let Some(p) = proven.filter(|_| !st.variant(Variant::DpopUnbound)) {
        resp = bind_answer(&st, resp, &p.jkt, public).await;
    }
    st.dpop_nonce_header(&mut resp);
    resp
}

/// RFC 9449 §5: a token answer to a request with a valid proof, bound to the proof's key —
/// token_type DPoP; a public client's refresh token bound too.
async fn bind_answer(st: &PlState, resp: Response, jkt: &str, public: bool) -> Response {
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 16).await else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let Ok(serde_json::Value::Object(mut o)) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if let Some(at) = o.get("access_token").and_then(|v| v.as_str()) {
        st.store.bind(at, jkt);
        o.insert("token_type".into(), json!("DPoP"));
    }
    if let (true, Some(rt)) = (public, o.get("refresh_token").and_then(|v| v.as_str()))
        && !st.has(Fault::RfcDpopPublicRefreshUnbound) {
            st.store.bind(rt, jkt);
        }
    let body = serde_json::Value::Object(o).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// RFC 9126 §2: the pushed authorization request, checked as the authorization endpoint would
/// check it, stored under a fresh request_uri.
async fn par(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let p = params::form(&headers, &body)?;
        let client = match st.public_caller(&headers, Some(&p)) {
            Some(c) => c,
            _ if st.has(Fault::RfcParNoClientAuth) && !headers.contains_key(header::AUTHORIZATION) => {
                p.get("client_id").and_then(|id| st.reg.client(id)).ok_or_else(|| OAuthError::invalid_client("unknown client", REALM))?
            }
            _ => st.client_of(&headers, Some(&p))?,
        };
        let bad = |d: &str| OAuthError::bad_request("invalid_request", d.to_string());
        if p.get("request_uri").is_some() && !st.has(Fault::RfcParRequestUriAccepted) {
            return Err(bad("request_uri must not be pushed"));
        }
        if p.get("client_id").is_some_and(|id| id != client.id) {
            return Err(bad("client_id differs from the authenticated client"));
        }
        if p.get("response_type") != Some("code") {
            return Err(OAuthError::bad_request("unsupported_response_type", "response_type must be code"));
        }
        let redirect_uri = p.get("redirect_uri").unwrap_or(client.redirect_uri.as_str());
        if !st.redirect_uri_matches(&client.redirect_uri, redirect_uri) && !st.has(Fault::RfcParRedirectUriUnchecked) {
            return Err(bad("redirect_uri is not registered for this client"));
        }
        match (p.get("code_challenge"), p.get("code_challenge_method")) {
            (None, None) | (Some(_), Some("S256")) => {}
            (Some(_), Some(_)) if st.has(Fault::RfcPkceUnknownMethodAccepted) => {}
            _ => return Err(bad("PKCE: code_challenge with code_challenge_method S256")),
        }
        if let Some(bad_scope) = p.get("scope").and_then(|s| st.unknown_scope(s)) {
            return Err(OAuthError::bad_request("invalid_scope", format!("unknown scope {}", ascii(bad_scope))));
        }
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(p.pairs().iter().filter(|(k, _)| k != "client_secret")).finish();
        Ok(st.store.push(&client.id, &query))
    })();
    match result {
        Ok(uri) => {
            let (status, body) = if st.has(Fault::RfcParNoExpiresIn) {
                (StatusCode::OK, json!({ "request_uri": uri }))
            } else {
                (StatusCode::CREATED, json!({ "request_uri": uri, "expires_in": st.par_lifetime }))
            };
            let mut resp = (status, axum::Json(body)).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => st.error(e),
    }
}

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// A login transaction for a device authorization carries this and the device_code where an
/// authorization request carries its redirect_uri.
const DEVICE_TXN: &str = "device:";
/// RFC 8628 §3.2: the polling interval the reference asks for (seconds).
const DEVICE_INTERVAL: u64 = 1;

/// RFC 8628 §3.1, §3.2: a device authorization for an authenticated (or public) client.
async fn device_authorization(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let p = params::form(&headers, &body)?;
        let client = match st.public_caller(&headers, Some(&p)) {
            Some(c) => c,
            None => st.client_of(&headers, Some(&p))?,
        };
        let scope = p.get("scope").unwrap_or("accounts");
        if let Some(bad) = st.unknown_scope(scope) {
            return Err(OAuthError::bad_request("invalid_scope", format!("unknown scope {}", ascii(bad))));
        }
        Ok(st.store.begin_device(&client.id, scope, st.has(Fault::RfcDeviceShortUserCode)))
    })();
    match result {
        Ok((device_code, user_code)) => {
            let base = issuer(&headers);
            let mut body = json!({
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": format!("{base}/device"),
                "verification_uri_complete": format!("{base}/device?user_code={user_code}"),
                "expires_in": st.device_lifetime,
                "interval": DEVICE_INTERVAL,
            });
            if st.has(Fault::RfcDeviceNoVerificationUri) {
                body.as_object_mut().map(|o| o.remove("verification_uri"));
            }
            let mut resp = axum::Json(body).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => st.error(e),
    }
}

/// RFC 8628 §3.3: the verification page: the user_code (from verification_uri_complete), then
/// the login and consent pages every authorization uses.
async fn device_verification(State(st): State<Arc<PlState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    let Some((device_code, client_id, scope)) = p.get("user_code").and_then(|u| st.store.device_by_user_code(u)) else {
        return error_page("unknown, used or expired user_code");
    };
    let (sid, new_session) = session(&headers);
    let txn = st.store.begin(&sid, &client_id, &format!("{DEVICE_TXN}{device_code}"), &scope, None);
    let mut resp = Html(page::login(st.login_style, LOGIN, &txn, &client_id, None)).into_response();
    no_store(&mut resp);
    if new_session {
        resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&sid));
    }
    resp
}

/// RFC 8628 §3.4, §3.5: polling with the device_code.
async fn device_token(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let result = (|| {
        let (client, p) = st.grant_request(&method, &headers, q.as_deref(), &body, DEVICE_GRANT)?;
        let code = p.get("device_code").ok_or_else(|| OAuthError::bad_request("invalid_request", "device_code is required"))?;
        let interval = std::time::Duration::from_secs(DEVICE_INTERVAL);
        match st.store.poll_device(code, &client.id, interval, st.has(Fault::RfcDeviceReusable), st.has(Fault::RfcDeviceTokensWhilePending), st.has(Fault::RfcDeviceDeniedAsPending)) {
            DevicePoll::Tokens(issued) => Ok(issued),
            DevicePoll::Error(e) => Err(OAuthError::bad_request(e, "see RFC 8628 section 3.5")),
        }
    })();
    match result {
        Ok(issued) => st.token_answer(&issued, false, false),
        Err(e) => st.error(e),
    }
}

fn error_page(message: &str) -> Response {
    let mut resp = (StatusCode::BAD_REQUEST, Html(page::error(message))).into_response();
    no_store(&mut resp);
    resp
}

async fn client_credentials_token(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let result = (|| {
        let (client, p) = st.grant_request(&method, &headers, q.as_deref(), &body, "client_credentials")?;
        let scope = match p.get("scope") {
            Some(s) => s,
            None if st.has(Fault::ScopeNotRequired) => "accounts",
            None => return Err(OAuthError::bad_request("invalid_request", "scope is required")),
        };
        if st.drops_unknown_scopes() && st.unknown_scope(scope).is_some() {
            return Ok(st.store.issue_client_credentials(&client.id, &st.known_scopes(scope)));
        }
        if let Some(bad) = st.unknown_scope(scope) {
            return Err(OAuthError::bad_request("invalid_scope", format!("unknown scope {}", ascii(bad))));
        }
        Ok(st.store.issue_client_credentials(&client.id, scope))
    })();
    match result {
        Ok(issued) => st.token_answer(&issued, false, st.has(Fault::UnknownScopeDroppedSilently)),
        Err(e) => st.error(e),
    }
}

/// The browser's login session: its sid cookie, or a fresh one (true: set the cookie).
fn session(headers: &HeaderMap) -> (String, bool) {
    match params::cookie(headers, "sid") {
        Some(s) if s.len() == 43 => (s, false),
        _ => (random_token(), true),
    }
}

fn session_cookie(sid: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("sid={sid}; Path=/; HttpOnly; SameSite=Lax")).expect("token is header-safe")
}

async fn authorize(State(st): State<Arc<PlState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let mut p = Params::parse(q.unwrap_or_default().as_bytes());
    // RFC 9126 §4: a request by request_uri is the pushed request, for the client that pushed it.
    if st.flavor == Flavor::Rfc6749 && st.offers(Offer::Par) {
        match p.get("request_uri") {
            Some(uri) => match st.store.take_pushed(uri, p.get("client_id"), st.has(Fault::RfcParAnyClient), st.has(Fault::RfcParReusable) || st.variant(Variant::ParRequestUriReload)) {
                Ok(pushed) => p = Params::parse(pushed.as_bytes()),
                Err(why) => return error_page(why),
            },
            None if st.par_required => return error_page("this server takes authorization requests only through PAR (RFC 9126)"),
            None => {}
        }
    }
    let state = p.get("state");
    let issuer = issuer(&headers);
    let error_to = |uri: &str, code: &str, desc: &str| {
        let mut params = vec![("error", code), ("error_description", desc)];
        if let Some(s) = state {
            params.push(("state", s));
        }
        st.redirect(uri, &params, &issuer)
    };
    // Until client and redirect_uri are known good, never redirect (RFC 6749 §4.1.2.1).
    if (p.count("client_id") > 1 || p.count("redirect_uri") > 1) && !st.has(Fault::RepeatedParamsAccepted) {
        return error_page("client_id and redirect_uri must be given once");
    }
    let Some(client) = p.get("client_id").and_then(|id| st.reg.client(id)) else {
        if let (true, Some(uri)) = (st.has(Fault::UnknownClientRedirects), p.get("redirect_uri")) {
            return error_to(uri, "unauthorized_client", "unknown client");
        }
        return error_page("unknown or missing client_id");
    };
    let redirect_uri = match p.get("redirect_uri") {
        Some(u) => u,
        // RFC 6749 §3.1.2.3: with one registered URI the parameter may be omitted.
        None if st.has(Fault::RedirectUriDefaulted) || st.flavor == Flavor::Rfc6749 => client.redirect_uri.as_str(),
        None => return error_page("redirect_uri is required"),
    };
    if !st.redirect_uri_matches(&client.redirect_uri, redirect_uri) {
        if st.has(Fault::ErrorRedirectUnregistered) {
            return error_to(redirect_uri, "invalid_request", "redirect_uri is not registered");
        }
        return error_page("redirect_uri is not registered for this client");
    }
    // The error-page variant: a malformed request is told on a page, not by redirect.
    let fail = |code: &str, desc: String| {
        if st.variant(Variant::ErrorPageForMalformedRequest) {
            return error_page(&format!("{code}: {desc}"));
        }
        error_to(redirect_uri, code, &desc)
    };
    let repeats_accepted = st.has(Fault::RepeatedParamsAccepted) || st.has(Fault::StateRepeatedInRedirect);
    if let (Some(k), false) = (p.repeated(), repeats_accepted) {
        return fail("invalid_request", format!("parameter {} is repeated", ascii(k)));
    }
    if !st.has(Fault::ResponseTypeUnchecked) {
        match p.get("response_type") {
            None if st.has(Fault::MissingResponseTypeUnsupported) => return fail("unsupported_response_type", "response_type is required".into()),
            None => return fail("invalid_request", "response_type is required".into()),
            Some("code") => {}
            Some(other) => return fail("unsupported_response_type", format!("response_type {} is not supported", ascii(other))),
        }
    }
    let mut required = vec![];
    if st.flavor == Flavor::CitiPl {
        if !st.has(Fault::ScopeNotRequired) {
            required.push("scope");
        }
        if !st.has(Fault::AuthorizeParamsUnchecked) {
            required.extend(["countryCode", "businessCode", "locale"]);
        }
        if !st.has(Fault::StateNotRequired) {
            required.push("state");
        }
    }
    if let Some(missing) = required.iter().find(|r| p.get(r).is_none()) {
        return fail("invalid_request", format!("{missing} is required"));
    }
    let scope = p.get("scope").unwrap_or("accounts");
    let dropped;
    let scope = if st.drops_unknown_scopes() && st.unknown_scope(scope).is_some() {
        dropped = st.known_scopes(scope);
        dropped.as_str()
    } else {
        scope
    };
    if let Some(bad) = st.unknown_scope(scope) {
        return fail("invalid_scope", format!("unknown scope {}", ascii(bad)));
    }
    // RFC 7636 §4.3, RFC 9700 §2.1.1: S256 only; a 43-character base64url challenge.
    let challenge = p.get("code_challenge");
    match (challenge, p.get("code_challenge_method")) {
        (None, None) => {}
        (None, Some(_)) => return fail("invalid_request", "code_challenge_method without code_challenge".into()),
        (Some(_), Some("S256")) => {}
        (Some(_), Some(_)) if st.has(Fault::RfcPkceUnknownMethodAccepted) => {}
        (Some(_), _) => return fail("invalid_request", "code_challenge_method must be S256".into()),
    }
    // RFC 9700 §2.1.1: a public client must use PKCE.
    if challenge.is_none() && st.reg.is_public(&client.id) && !st.has(Fault::RfcPublicPkceOptional) {
        return fail("invalid_request", "a public client must send code_challenge (PKCE)".into());
    }
    if let Some(c) = challenge
        && (c.len() != 43 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
            return fail("invalid_request", "code_challenge must be 43 base64url characters".into());
        }
    if st.flavor == Flavor::CitiPl && !st.has(Fault::AuthorizeParamsUnchecked) {
        let upper = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
        if !upper(p.get("countryCode").unwrap_or_default(), 2) {
            return fail("invalid_request", "countryCode must be 2 upper-case letters".into());
        }
        if !upper(p.get("businessCode").unwrap_or_default(), 3) {
            return fail("invalid_request", "businessCode must be 3 upper-case letters".into());
        }
    }
    let redirect_uri_sent = p.get("redirect_uri").is_some();
    if st.has(Fault::NoLoginPage) {
        let code = st.store.issue_code_full(&client.id, redirect_uri, redirect_uri_sent, scope, challenge);
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = state {
            params.push(("state", s));
        }
        return st.redirect(redirect_uri, &params, &issuer);
    }
    let (sid, new_session) = session(&headers);
    // The state-repeated fault keeps every state value, joined, to echo them all.
    let all_states = p.all("state").join("\u{0}");
    let state = if st.has(Fault::StateRepeatedInRedirect) && p.count("state") > 1 { Some(all_states.as_str()) } else { state };
    let txn = st.store.begin(&sid, &client.id, redirect_uri, scope, state);
    st.store.set_challenge(&txn, challenge);
    st.store.set_redirect_uri_sent(&txn, redirect_uri_sent);
    let mut resp = Html(page::login(st.login_style, LOGIN, &txn, &client.id, None)).into_response();
    no_store(&mut resp);
    if !st.has(Fault::RfcNoReferrerPolicy) {
        // RFC 9700 §4.2.4: the page's URL (state, and codes on later pages) stays here.
        resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    if !st.has(Fault::RfcNoAntiFraming) {
        // RFC 9700 §4.16: the login page may not be framed.
        resp.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    if new_session {
        resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&sid));
    }
    resp
}

async fn login(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    let id = p.get("txn").unwrap_or_default();
    let Some(txn) = st.store.txn(id, &sid) else {
        return error_page("the sign-in session expired or is not yours; start again");
    };
    let user = &st.reg.user;
    // A two-step login's first page sends the username alone: the password page follows.
    if let (LoginStyle::TwoStep, Some(name), None) = (st.login_style, p.get("username"), p.get("password")) {
        let mut resp = Html(page::password_step(LOGIN, id, name)).into_response();
        no_store(&mut resp);
        return resp;
    }
    let ok = (p.get("username") == Some(user.username.as_str())) & secrets_equal(&user.password, p.get("password").unwrap_or_default());
    if !ok {
        let mut resp = Html(page::login(st.login_style, LOGIN, id, &txn.client_id, Some("Invalid user ID or password"))).into_response();
        no_store(&mut resp);
        return resp;
    }
    st.store.sign_in(id, &sid, &user.username);
    let to = format!("{CONSENT}?txn={}", url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

async fn consent_page(State(st): State<Arc<PlState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    let id = p.get("txn").unwrap_or_default();
    match st.store.txn(id, &sid).filter(|t| t.user.is_some()) {
        Some(txn) => {
            let mut resp = Html(page::consent(st.login_style, CONSENT, id, &txn.client_id, &txn.scope)).into_response();
            no_store(&mut resp);
            resp
        }
        None => error_page("sign in first"),
    }
}

async fn consent(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let issuer = issuer(&headers);
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    // The auto-consent style: the decision passes through a page that submits itself.
    if let (LoginStyle::AutoConsent, None) = (st.login_style, p.get("confirmed")) {
        let mut resp = Html(page::confirm(CONSENT, p.get("txn").unwrap_or_default(), p.get("decision").unwrap_or_default())).into_response();
        no_store(&mut resp);
        return resp;
    }
    let Some(txn) = st.store.finish(p.get("txn").unwrap_or_default(), &sid) else {
        return error_page("sign in first");
    };
    let state = txn.state.clone();
    // RFC 8628 §3.3: a device authorization ends on a page; the device learns the decision by polling.
    if let Some(device_code) = txn.redirect_uri.strip_prefix(DEVICE_TXN) {
        let approved = p.get("decision") == Some("allow");
        st.store.decide_device(device_code, approved);
        let text = if approved { "Device approved: you may return to your device." } else { "Device denied." };
        let mut resp = Html(page::error(text)).into_response();
        no_store(&mut resp);
        return resp;
    }
    if p.get("decision") != Some("allow") {
        if st.has(Fault::DenyNoRedirect) {
            return (StatusCode::FORBIDDEN, Html(page::error("Access denied."))).into_response();
        }
        let mut params = vec![("error", "access_denied"), ("error_description", "the user denied access")];
        if let Some(s) = &state {
            params.extend(s.split('\u{0}').map(|s| ("state", s)));
        }
        return st.redirect(&txn.redirect_uri, &params, &issuer);
    }
    let code = st.store.issue_code_full(&txn.client_id, &txn.redirect_uri, txn.redirect_uri_sent, &txn.scope, txn.challenge.as_deref());
    let echoed = match state {
        _ if st.has(Fault::StateDropped) => None,
        Some(s) if st.has(Fault::StateTruncated) => Some(s.chars().take(TRUNCATED_STATE).collect()),
        other => other,
    };
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &echoed {
        params.extend(s.split('\u{0}').map(|s| ("state", s)));
    }
    let leaked = crate::model::token::random_token();
    if st.has(Fault::RfcTokenInRedirect) {
        params.push(("access_token", &leaked));
    }
    if st.has(Fault::CodeInFragment) {
        return redirect_with_fragment(&txn.redirect_uri, &params);
    }
    st.redirect(&txn.redirect_uri, &params, &issuer)
}

fn redirect_with_fragment(to: &str, params: &[(&str, &str)]) -> Response {
    let fragment = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter()).finish();
    (StatusCode::FOUND, [(header::LOCATION, format!("{to}#{fragment}"))]).into_response()
}

async fn code_token(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let checked = (|| {
        let (client, p) = st.grant_request(&method, &headers, q.as_deref(), &body, "authorization_code")?;
        let code = p.get("code").ok_or_else(|| OAuthError::bad_request("invalid_request", "code is required"))?.to_string();
        // RFC 6749 §4.1.3: REQUIRED if the authorization request included it (checked with the code).
        let redirect_uri = p.get("redirect_uri").map(str::to_string);
        Ok((client.id.clone(), code, redirect_uri, p.get("code_verifier").map(str::to_string)))
    })();
    let (client_id, code, redirect_uri, verifier) = match checked {
        Ok(v) => v,
        Err(e) => return st.error(e),
    };
    let mut policy = RedeemPolicy {
        reusable: st.has(Fault::CodeReusable),
        keep_tokens_on_replay: st.has(Fault::CodeReplayKeepsTokens),
        any_client: st.has(Fault::CodeOtherClient),
        any_redirect_uri: st.has(Fault::CodeRedirectUriUnchecked),
        pkce_unchecked: st.has(Fault::RfcPkceUnchecked),
        pkce_downgrade: st.has(Fault::RfcPkceDowngrade),
        redirect_uri_omission_accepted: st.has(Fault::RedirectUriOmissionAccepted),
        redirect_uri_always_required: st.has(Fault::RfcRedirectUriAlwaysRequired),
    };
    if st.has(Fault::CodeRace) {
        // Check, then act after a pause, without holding the lock: concurrent requests all pass.
        if let Err(e) = st.store.peek_code(&code) {
            return st.error(grant_error(e));
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        policy.reusable = true;
    }
    match st.store.redeem_code_verified(&code, &client_id, redirect_uri.as_deref(), verifier.as_deref(), policy) {
        Ok(issued) => st.token_answer(&issued, true, false),
        Err(GrantError::Unknown) if st.has(Fault::UnknownCode500) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error: code lookup failed").into_response()
        }
        Err(e) => st.error(grant_error(e)),
    }
}

fn grant_error(e: GrantError) -> OAuthError {
    let code = match e {
        GrantError::ScopeNotGranted => "invalid_scope",
        GrantError::RedirectUriMissing => "invalid_request",
        _ => "invalid_grant",
    };
    OAuthError::bad_request(code, e.description())
}

async fn refresh(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let result = (|| {
        let (client, p) = st.grant_request(&method, &headers, q.as_deref(), &body, "refresh_token")?;
        let token = p.get("refresh_token").ok_or_else(|| OAuthError::bad_request("invalid_request", "refresh_token is required"))?;
        let policy = RefreshPolicy {
            any_client: st.has(Fault::RefreshOtherClient),
            any_scope: st.has(Fault::RefreshScopeWidened),
            narrow: st.variant(Variant::RefreshScopeNarrowed) || st.has(Fault::RefreshScopeNarrowedSilently),
            // RFC 9700 §4.14.2: a public client's refresh tokens are always rotated.
            keep: ((st.variant(Variant::RefreshNotRotated) || !st.offers(Offer::RefreshRotation)) && !st.reg.is_public(&client.id))
                || (st.reg.is_public(&client.id) && st.has(Fault::RfcPublicRefreshNotRotated)),
            old_stays_valid: st.has(Fault::RfcRefreshOldStillValid),
            no_reuse_detection: st.has(Fault::RfcRefreshNoReuseDetection),
        };
        st.store.refresh(token, &client.id, p.get("scope"), policy).map_err(grant_error)
    })();
    match result {
        Ok(issued) => st.token_answer(&issued, false, st.has(Fault::RefreshScopeNarrowedSilently)),
        Err(e) => st.error(e),
    }
}

async fn revoke(State(st): State<Arc<PlState>>, method: Method, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let result = (|| {
        let parsed = st.token_params(&method, &headers, q.as_deref(), &body);
        let client = st.client_of(&headers, parsed.as_ref().ok())?;
        let p = parsed?;
        let token = p.get("token").ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
        let hint = p.get("token_type_hint");
        if hint.is_none() && st.has(Fault::RevokeHintRequired) {
            return Err(OAuthError::bad_request("invalid_request", "token_type_hint is required"));
        }
        // RFC 7009 §2.1: the hint only speeds up the lookup; every token type is searched.
        if st.variant(Variant::UnknownHintUnsupported) && hint.is_some_and(|h| h != "access_token" && h != "refresh_token") {
            return Err(OAuthError::bad_request("unsupported_token_type", "unknown token_type_hint"));
        }
        let only = match (st.has(Fault::RevokeHintTrusted), hint) {
            (true, Some("access_token")) => Some(TokenKind::Access),
            (true, Some("refresh_token")) => Some(TokenKind::Refresh),
            (true, Some(_)) => return Ok(()),
            _ => None,
        };
        let policy = RevokePolicy {
            cascade_from_access: !st.has(Fault::RevokeAccessKeepsRefresh) && !st.variant(Variant::RevokeAccessKeepsRefresh),
            cascade_from_refresh: !st.has(Fault::RevokeRefreshKeepsAccess),
            any_client: st.has(Fault::RevokeOtherClient),
            keep_access: st.has(Fault::RevokedAccessStillAccepted),
            only,
        };
        match st.store.revoke(token, &client.id, policy) {
            Revoked::Done => Ok(()),
            Revoked::Unknown if st.has(Fault::RevokeUnknown400) => Err(OAuthError::bad_request("invalid_request", "unknown token")),
            Revoked::Unknown => Ok(()),
            Revoked::OtherClient if st.has(Fault::RevokeOtherClientSilent) => Ok(()),
            Revoked::OtherClient => Err(OAuthError::bad_request("unauthorized_client", "the token was not issued to this client")),
        }
    })();
    match result {
        Ok(()) if st.has(Fault::RevokeEmptyBody) || st.variant(Variant::RevokeEmptyBody) => StatusCode::OK.into_response(),
        Ok(()) => {
            let mut resp = axum::Json(json!({ "status": "success" })).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => st.error(e),
    }
}

/// RFC 7662 introspection for authenticated clients: `active` and, for a live token, what it is.
async fn introspect(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let p = params::form(&headers, &body)?;
        if st.public_caller(&headers, Some(&p)).is_some() && st.has(Fault::RfcIntrospectPublicInactive) {
            return Ok(json!({ "active": false }));
        }
        if !st.has(Fault::RfcIntrospectNoAuth) {
            st.client(&headers)?;
        }
        let token = p.get("token").ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
        let hint = match p.get("token_type_hint") {
            Some("access_token") => Some(TokenKind::Access),
            Some("refresh_token") => Some(TokenKind::Refresh),
            _ => None,
        };
        let unknown_hint = hint.is_none() && p.get("token_type_hint").is_some();
        let mut found = st.store.introspect(token, hint, st.has(Fault::RfcIntrospectHintTrusted));
        if unknown_hint && st.has(Fault::RfcIntrospectUnknownHintInactive) {
            found = None;
        }
        if st.has(Fault::RfcIntrospectNoRefresh) && matches!(found, Some((TokenKind::Refresh, ..))) {
            found = None;
        }
        if found.is_none() && st.has(Fault::RfcIntrospectRevokedActive) {
            found = st.store.revoked_kind(token).map(|k| (k, "my-client".to_string(), "accounts".to_string(), 60));
        }
        Ok(match found {
            Some((kind, client_id, scope, left)) => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                let exp = if st.has(Fault::RfcIntrospectExpPast) { now - 60 } else { now + left };
                let mut answer = json!({
                    "active": true,
                    "client_id": client_id,
                    "scope": scope,
                    "exp": exp,
                    "token_type": if kind == TokenKind::Access { "bearer" } else { "refresh_token" },
                });
                // RFC 9449 §6.2: the key a bound token is bound to, as RFC 7800's cnf.
                if let Some(jkt) = st.store.bound_key(token).filter(|_| kind == TokenKind::Access && !st.has(Fault::RfcDpopIntrospectNoCnf)) {
                    answer["cnf"] = json!({ "jkt": jkt });
                    answer["token_type"] = json!("DPoP");
                }
                answer
            }
            None if st.has(Fault::RfcIntrospectInactiveDetails) => json!({ "active": false, "client_id": "my-client", "scope": "accounts" }),
            None => json!({ "active": false }),
        })
    })();
    match result {
        Ok(body) => {
            let mut resp = axum::Json(body).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => st.error(e),
    }
}

/// A protected resource: 2xx for a live bearer token, 401 otherwise (RFC 6750 §3.1).
async fn probe(State(st): State<Arc<PlState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let credentials = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.split_once(' '));
    if let Some((_, t)) = credentials.filter(|(s, _)| s.eq_ignore_ascii_case("dpop") && st.dpop_on()) {
        return dpop_probe(&st, &headers, t.trim());
    }
    let token = credentials.filter(|(s, _)| s.eq_ignore_ascii_case("bearer")).map(|(_, t)| t.trim().to_string());
    // RFC 9449 §7.2: a DPoP-bound token is refused as a bearer token.
    if let Some(t) = &token
        && st.store.bound_key(t).is_some() && !st.has(Fault::RfcDpopBoundAsBearer) {
            return dpop_challenge(&st, "invalid_token");
        }
    // RFC 6750 §2.3: the query method, only as the variant that supports it.
    let token = token.or_else(|| {
        st.variant(Variant::QueryTokenAccepted).then(|| Params::parse(q.as_deref().unwrap_or_default().as_bytes()).get("access_token").map(str::to_string)).flatten()
    });
    let sent = token.is_some();
    match token.and_then(|t| st.store.access(&t)) {
        Some(rec) => axum::Json(json!({ "client_id": rec.client_id, "scope": rec.scope })).into_response(),
        None => {
            // RFC 6750 §3.1: no error code when the request carried no token; invalid_token when
            // the token it carried is not (or no longer) good.
            let with_error = if sent { !st.has(Fault::RfcProbeNoErrorCode) } else { st.has(Fault::RfcProbeErrorWithoutToken) };
            let challenge = if with_error { format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"") } else { format!("Bearer realm=\"{REALM}\"") };
            let mut resp = (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": "invalid_token" }))).into_response();
            if !st.has(Fault::RfcProbeNoChallenge)
                && let Ok(v) = HeaderValue::from_str(&challenge) {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            resp
        }
    }
}

/// RFC 9449 §7.1: the resource with a token in the DPoP scheme — a proof for this request, for
/// this token (`ath`), by the key the token is bound to.
fn dpop_probe(st: &PlState, headers: &HeaderMap, token: &str) -> Response {
    let url = format!("{}{PROBE}", issuer(headers));
    let proven = match st.dpop_proof(headers, "GET", &url, Some(token)) {
        Ok(p) => p,
        Err(dpop::Refusal::NonceNeeded) => return dpop_challenge(st, "use_dpop_nonce"),
        Err(dpop::Refusal::Invalid(_)) => return dpop_challenge(st, "invalid_dpop_proof"),
    };
    let key_ok = match (&proven, st.store.bound_key(token)) {
        (None, _) => st.has(Fault::RfcDpopProofOptional),
        (Some(p), Some(bound)) => p.jkt == bound || st.has(Fault::RfcDpopKeyUnchecked),
        (Some(_), None) => false,
    };
    match st.store.access(token).filter(|_| key_ok) {
        Some(rec) => axum::Json(json!({ "client_id": rec.client_id, "scope": rec.scope })).into_response(),
        None if proven.is_none() => dpop_challenge(st, "invalid_dpop_proof"),
        None => dpop_challenge(st, "invalid_token"),
    }
}

/// A 401 with a DPoP challenge (RFC 9449 §7.1), and the nonce when the server asks for one.
fn dpop_challenge(st: &PlState, error: &str) -> Response {
    let mut resp = (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": error }))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("DPoP error=\"{error}\", algs=\"ES256\"")) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    st.dpop_nonce_header(&mut resp);
    resp
}
