//! The user's side of an authorization: the login page's form, the consent page, and the
//! decision that ends in a redirect to the client (or, for a device authorization, a page).
//! Enters: the browser's forms and its sid cookie; leaves: pages and the redirect with the code.
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::super::client_auth::secrets_equal;
use super::super::fault::Fault;
use super::super::page::{self, LoginStyle};
use super::super::params::{self, Params};
use super::super::store::Txn;
use super::answer::{error_page, html, redirect_with_fragment};
use super::hybrid::{self, ResponseType};
use super::state::{AuthServer, issuer};
use crate::model::token::random_token;

pub const LOGIN: &str = "/authCode/oauth2/login";
pub const CONSENT: &str = "/authCode/oauth2/consent";
/// A login transaction for a device authorization carries this and the device_code where an
/// authorization request carries its redirect_uri.
pub const DEVICE_TXN: &str = "device:";
/// Where the state-truncated fault cuts.
const TRUNCATED_STATE: usize = 64;

/// The browser's login session: its sid cookie, or a fresh one (true: set the cookie).
pub fn session(headers: &HeaderMap) -> (String, bool) {
    match params::cookie(headers, "sid") {
        Some(s) if s.len() == 43 => (s, false),
        _ => (random_token(), true),
    }
}

pub fn session_cookie(sid: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("sid={sid}; Path=/; HttpOnly; SameSite=Lax")).expect("token is header-safe")
}

pub async fn login(State(st): State<Arc<AuthServer>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    let id = p.get("txn").unwrap_or_default();
    let Some(txn) = st.store.txn(id, &sid) else {
        return error_page("the sign-in session expired or is not yours; start again");
    };
    let user = &st.reg.user;
    // A two-step login's first page sends the username alone: the password page follows.
    if let (LoginStyle::TwoStep, Some(name), None) = (st.login_style, p.get("username"), p.get("password")) {
        return html(page::password_step(LOGIN, id, name));
    }
    let ok = (p.get("username") == Some(user.username.as_str())) & secrets_equal(&user.password, p.get("password").unwrap_or_default());
    if !ok {
        return html(page::login(st.login_style, LOGIN, id, &txn.client_id, Some("Invalid user ID or password")));
    }
    st.store.sign_in(id, &sid, &user.username);
    st.sessions.sign_in(&sid, &user.username, st.has(Fault::RfcOidcAuthTimeStale));
    let to = format!("{CONSENT}?txn={}", url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
    // RFC 9700 §4.12: 303, so the browser does not post the password again where it goes.
    // The faults: for every client, or for the FAPI client alone.
    let fapi = st.is_fapi(Some(&txn.client_id));
    let breaks = |any: Fault, fapi_only: Fault| st.has(any) || (fapi && st.has(fapi_only));
    let status = if breaks(Fault::RfcLoginRedirect307, Fault::FapiLoginRedirect307) {
        StatusCode::TEMPORARY_REDIRECT
    } else if breaks(Fault::RfcLoginRedirect302, Fault::FapiLoginRedirect302) {
        StatusCode::FOUND
    } else {
        StatusCode::SEE_OTHER
    };
    (status, [(header::LOCATION, to)]).into_response()
}

pub async fn consent_page(State(st): State<Arc<AuthServer>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    let id = p.get("txn").unwrap_or_default();
    match st.store.txn(id, &sid).filter(|t| t.user.is_some()) {
        Some(txn) => html(page::consent(st.login_style, CONSENT, id, &txn.client_id, &txn.scope)),
        None => error_page("sign in first"),
    }
}

pub async fn consent(State(st): State<Arc<AuthServer>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let issuer = issuer(&headers);
    let sid = params::cookie(&headers, "sid").unwrap_or_default();
    // The auto-consent style: the decision passes through a page that submits itself.
    if let (LoginStyle::AutoConsent, None) = (st.login_style, p.get("confirmed")) {
        return html(page::confirm(CONSENT, p.get("txn").unwrap_or_default(), p.get("decision").unwrap_or_default()));
    }
    let Some(txn) = st.store.finish(p.get("txn").unwrap_or_default(), &sid) else {
        return error_page("sign in first");
    };
    let allowed = p.get("decision") == Some("allow");
    // RFC 8628 §3.3: a device authorization ends on a page; the device learns the decision by polling.
    if let Some(device_code) = txn.redirect_uri.strip_prefix(DEVICE_TXN) {
        st.store.decide_device(device_code, allowed);
        return html(page::error(if allowed { "Device approved: you may return to your device." } else { "Device denied." }));
    }
    if !allowed {
        return denied(&st, &txn, &issuer);
    }
    approved(&st, txn, &issuer)
}

/// RFC 6749 §4.1.2.1: access_denied, back to the client with its state.
fn denied(st: &AuthServer, txn: &Txn, issuer: &str) -> Response {
    if st.has(Fault::DenyNoRedirect) {
        return (StatusCode::FORBIDDEN, Html(page::error("Access denied."))).into_response();
    }
    let mut params = vec![("error", "access_denied"), ("error_description", "the user denied access")];
    if let Some(s) = &txn.state {
        params.extend(s.split('\u{0}').map(|s| ("state", s)));
    }
    if txn.form_post && !st.has(Fault::RfcOidcFormPostErrorRedirected) {
        return st.form_post(&txn.redirect_uri, &params, issuer);
    }
    st.redirect(&txn.redirect_uri, &params, issuer)
}

/// RFC 6749 §4.1.2: the code and the state, back to the client.
fn approved(st: &AuthServer, txn: Txn, issuer: &str) -> Response {
    if let Some(rt) = txn.response_type.as_deref().and_then(ResponseType::parse).filter(|rt| !rt.is_code()) {
        st.sessions.consent(&txn.sid, &txn.client_id);
        let auth_time = st.sessions.signed_in(&txn.sid).map(|s| s.auth_time);
        let approved = hybrid::Approved {
            client_id: &txn.client_id,
            redirect_uri: &txn.redirect_uri,
            redirect_uri_sent: txn.redirect_uri_sent,
            scope: &txn.scope,
            challenge: txn.challenge.as_deref(),
            nonce: txn.nonce.as_deref(),
            state: txn.state.as_deref(),
            auth_time,
            form_post: txn.form_post,
        };
        return hybrid::respond(st, rt, approved, issuer);
    }
    let code = st.store.issue_code_full(&txn.client_id, &txn.redirect_uri, txn.redirect_uri_sent, &txn.scope, txn.challenge.as_deref());
    st.store.carry(&code, txn.nonce.as_deref(), txn.dpop_jkt.as_deref());
    if st.is_fapi(Some(&txn.client_id)) {
        st.fapi_code_lifetime(&code);
    }
    st.sessions.consent(&txn.sid, &txn.client_id);
    if let Some(s) = st.sessions.signed_in(&txn.sid) {
        st.sessions.set_code_auth_time(&code, s.auth_time);
    }
    let echoed = match txn.state {
        _ if st.has(Fault::StateDropped) => None,
        Some(s) if st.has(Fault::StateTruncated) => Some(s.chars().take(TRUNCATED_STATE).collect()),
        other => other,
    };
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &echoed {
        params.extend(s.split('\u{0}').map(|s| ("state", s)));
    }
    let leaked = random_token();
    if st.has(Fault::RfcTokenInRedirect) {
        params.push(("access_token", &leaked));
    }
    if st.has(Fault::CodeInFragment) {
        return redirect_with_fragment(&txn.redirect_uri, &params);
    }
    if txn.form_post {
        return st.form_post(&txn.redirect_uri, &params, issuer);
    }
    st.redirect(&txn.redirect_uri, &params, issuer)
}
