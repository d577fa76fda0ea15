//! The citi-pl reference: a conformant implementation of the Poland "Authorize" API (seed
//! 000_fc506dc8fb2c32f9.txt) with RFC 6749 / 7009 / 9700 filling what the seed leaves open.
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::client_auth::{authenticate, secrets_equal};
use super::fault::{Fault, Faults};
use super::oauth_error::{OAuthError, no_store};
use super::params::{self, Params, ascii};
use super::store::{ACCESS_LIFETIME, GrantError, REFRESH_LIFETIME, RedeemPolicy, Revoked, Store};
use super::{Registration, page};
use crate::token::random_token;

pub const REALM: &str = "citi-pl";
const AUTHORIZE: &str = "/authCode/oauth2/authorize";
const LOGIN: &str = "/authCode/oauth2/login";
const CONSENT: &str = "/authCode/oauth2/consent";
pub const PROBE: &str = "/api/v1/me";

pub struct PlState {
    pub reg: Registration,
    pub store: Store,
    pub faults: Faults,
}

pub fn router(state: Arc<PlState>) -> Router {
    Router::new()
        .route("/clientCredentials/oauth2/token/pl/gcb", post(client_credentials_token))
        .route(AUTHORIZE, get(authorize))
        .route(LOGIN, post(login))
        .route(CONSENT, get(consent_page).post(consent))
        .route("/authCode/oauth2/token/pl/gcb", post(code_token))
        .route("/authCode/oauth2/refresh", post(refresh))
        .route("/authCode/oauth2/revoke", post(revoke))
        .route(PROBE, get(probe))
        .with_state(state)
}

/// RFC 9700 §2.1: exact string comparison of redirect URIs.
fn redirect_uri_matches(registered: &str, given: &str, faults: &Faults) -> bool {
    if faults.has(Fault::RedirectUriPrefix) { given.starts_with(registered) } else { given == registered }
}

fn redirect(to: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(to) else {
        return (StatusCode::BAD_REQUEST, Html(page::error("the redirect_uri is not a valid URI"))).into_response();
    };
    url.query_pairs_mut().extend_pairs(params.iter());
    let mut resp = (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response();
    no_store(&mut resp);
    resp
}

fn error_page(message: &str) -> Response {
    let mut resp = (StatusCode::BAD_REQUEST, Html(page::error(message))).into_response();
    no_store(&mut resp);
    resp
}

fn token_answer(st: &PlState, issued: &super::store::Issued) -> Response {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": ACCESS_LIFETIME.as_secs(),
        "scope": issued.scope,
    });
    if let Some(r) = &issued.refresh_token {
        body["refresh_token"] = json!(r);
        body["refresh_token_expires_in"] = json!(REFRESH_LIFETIME.as_secs());
        body["consented_on"] = json!(issued.consented_on);
    }
    let mut resp = axum::Json(body).into_response();
    if !st.faults.has(Fault::NoCacheControl) {
        no_store(&mut resp);
    }
    resp
}

fn unknown_scopes<'a>(reg: &Registration, scope: &'a str) -> Option<&'a str> {
    scope.split(' ').filter(|s| !s.is_empty()).find(|s| !reg.scopes.iter().any(|k| k.eq_ignore_ascii_case(s)))
}

async fn client_credentials_token(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let client = authenticate(&headers, &st.reg, !st.faults.has(Fault::WrongSecretAccepted), REALM)?;
        let p = params::form(&headers, &body)?;
        match p.get("grant_type") {
            None => return Err(OAuthError::bad_request("invalid_request", "grant_type is required")),
            Some("client_credentials") => {}
            Some(other) => return Err(OAuthError::bad_request("unsupported_grant_type", format!("grant_type {} is not supported here", ascii(other)))),
        }
        let scope = p.get("scope").ok_or_else(|| OAuthError::bad_request("invalid_request", "scope is required"))?;
        if let Some(bad) = unknown_scopes(&st.reg, scope) {
            return Err(OAuthError::bad_request("invalid_scope", format!("unknown scope {}", ascii(bad))));
        }
        Ok(st.store.issue_client_credentials(&client.id, scope))
    })();
    match result {
        Ok(issued) => token_answer(&st, &issued),
        Err(e) => e.into_response(),
    }
}

fn session_cookie(sid: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("sid={sid}; Path=/; HttpOnly; SameSite=Lax")).expect("token is header-safe")
}

async fn authorize(State(st): State<Arc<PlState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    // Until client and redirect_uri are known good, never redirect (RFC 6749 §4.1.2.1).
    if p.count("client_id") > 1 || p.count("redirect_uri") > 1 {
        return error_page("client_id and redirect_uri must be given once");
    }
    let Some(client) = p.get("client_id").and_then(|id| st.reg.client(id)) else {
        return error_page("unknown or missing client_id");
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return error_page("redirect_uri is required");
    };
    if !redirect_uri_matches(&client.redirect_uri, redirect_uri, &st.faults) {
        return error_page("redirect_uri is not registered for this client");
    }
    let state = p.get("state");
    let fail = |code: &str, desc: String| {
        let mut params = vec![("error", code), ("error_description", desc.as_str())];
        if let Some(s) = state {
            params.push(("state", s));
        }
        redirect(redirect_uri, &params)
    };
    if let Some(k) = p.repeated() {
        return fail("invalid_request", format!("parameter {} is repeated", ascii(k)));
    }
    match p.get("response_type") {
        None => return fail("invalid_request", "response_type is required".into()),
        Some("code") => {}
        Some(other) => return fail("unsupported_response_type", format!("response_type {} is not supported", ascii(other))),
    }
    for required in ["scope", "countryCode", "businessCode", "locale", "state"] {
        if p.get(required).is_none() {
            return fail("invalid_request", format!("{required} is required"));
        }
    }
    let scope = p.get("scope").unwrap_or_default();
    if let Some(bad) = unknown_scopes(&st.reg, scope) {
        return fail("invalid_scope", format!("unknown scope {}", ascii(bad)));
    }
    let upper = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
    if !upper(p.get("countryCode").unwrap_or_default(), 2) {
        return fail("invalid_request", "countryCode must be 2 upper-case letters".into());
    }
    if !upper(p.get("businessCode").unwrap_or_default(), 3) {
        return fail("invalid_request", "businessCode must be 3 upper-case letters".into());
    }
    let (sid, new_session) = match params::cookie(&headers, "sid") {
        Some(s) if s.len() == 43 => (s, false),
        _ => (random_token(), true),
    };
    let txn = st.store.begin(&sid, &client.id, redirect_uri, scope, state);
    let mut resp = Html(page::login(LOGIN, &txn, &client.id, None)).into_response();
    no_store(&mut resp);
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
    let ok = (p.get("username") == Some(user.username.as_str())) & secrets_equal(&user.password, p.get("password").unwrap_or_default());
    if !ok {
        let mut resp = Html(page::login(LOGIN, id, &txn.client_id, Some("Invalid user ID or password"))).into_response();
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
            let mut resp = Html(page::consent(CONSENT, id, &txn.client_id, &txn.scope)).into_response();
            no_store(&mut resp);
            resp
        }
        None => error_page("sign in first"),
    }
}

async fn consent(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    let Some(txn) = st.store.finish(p.get("txn").unwrap_or_default(), &sid) else {
        return error_page("sign in first");
    };
    let state = txn.state.as_deref();
    let with_state = |mut params: Vec<(&'static str, String)>| {
        if let (Some(s), false) = (state, st.faults.has(Fault::StateDropped)) {
            params.push(("state", s.to_string()));
        }
        params
    };
    let params = if p.get("decision") == Some("allow") {
        let code = st.store.issue_code(&txn.client_id, &txn.redirect_uri, &txn.scope);
        with_state(vec![("code", code)])
    } else {
        let mut v = vec![("error", "access_denied".to_string()), ("error_description", "the user denied access".to_string())];
        if let Some(s) = state {
            v.push(("state", s.to_string()));
        }
        v
    };
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect(&txn.redirect_uri, &borrowed)
}

async fn code_token(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let client = authenticate(&headers, &st.reg, !st.faults.has(Fault::WrongSecretAccepted), REALM)?;
        let p = params::form(&headers, &body)?;
        match p.get("grant_type") {
            None => return Err(OAuthError::bad_request("invalid_request", "grant_type is required")),
            Some("authorization_code") => {}
            Some(other) => return Err(OAuthError::bad_request("unsupported_grant_type", format!("grant_type {} is not supported here", ascii(other)))),
        }
        let code = p.get("code").ok_or_else(|| OAuthError::bad_request("invalid_request", "code is required"))?;
        let redirect_uri = p.get("redirect_uri").ok_or_else(|| OAuthError::bad_request("invalid_request", "redirect_uri is required"))?;
        let policy = RedeemPolicy { reusable: st.faults.has(Fault::CodeReusable) };
        st.store.redeem_code(code, &client.id, redirect_uri, policy).map_err(grant_error)
    })();
    match result {
        Ok(issued) => token_answer(&st, &issued),
        Err(e) => e.into_response(),
    }
}

fn grant_error(e: GrantError) -> OAuthError {
    let code = if e == GrantError::ScopeNotGranted { "invalid_scope" } else { "invalid_grant" };
    OAuthError::bad_request(code, e.description())
}

async fn refresh(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let client = authenticate(&headers, &st.reg, !st.faults.has(Fault::WrongSecretAccepted), REALM)?;
        let p = params::form(&headers, &body)?;
        match p.get("grant_type") {
            None => return Err(OAuthError::bad_request("invalid_request", "grant_type is required")),
            Some("refresh_token") => {}
            Some(other) => return Err(OAuthError::bad_request("unsupported_grant_type", format!("grant_type {} is not supported here", ascii(other)))),
        }
        let token = p.get("refresh_token").ok_or_else(|| OAuthError::bad_request("invalid_request", "refresh_token is required"))?;
        st.store.refresh(token, &client.id, p.get("scope")).map_err(grant_error)
    })();
    match result {
        Ok(issued) => token_answer(&st, &issued),
        Err(e) => e.into_response(),
    }
}

async fn revoke(State(st): State<Arc<PlState>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let client = authenticate(&headers, &st.reg, !st.faults.has(Fault::WrongSecretAccepted), REALM)?;
        let p = params::form(&headers, &body)?;
        let token = p.get("token").ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
        // RFC 7009 §2.1: the hint only speeds up the lookup; every token type is searched.
        let cascade = !st.faults.has(Fault::RevokeNoCascade);
        match st.store.revoke(token, &client.id, cascade) {
            Revoked::Done | Revoked::Unknown => Ok(()),
            Revoked::OtherClient => Err(OAuthError::bad_request("unauthorized_client", "the token was not issued to this client")),
        }
    })();
    match result {
        Ok(()) => {
            let mut resp = axum::Json(json!({ "status": "success" })).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// A protected resource: 2xx for a live bearer token, 401 otherwise (RFC 6750 §3.1).
async fn probe(State(st): State<Arc<PlState>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    match token.and_then(|t| st.store.access(&t)) {
        Some(rec) => axum::Json(json!({ "client_id": rec.client_id, "scope": rec.scope })).into_response(),
        None => {
            let challenge = format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"");
            (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)], axum::Json(json!({ "error": "invalid_token" }))).into_response()
        }
    }
}
