//! The device authorization grant (RFC 8628): the device authorization endpoint, the
//! verification page the user opens, and the device_code's polling at the token endpoint.
//! Enters: a client's form, the user's user_code, the device's polls; leaves: codes, the login
//! page, tokens or the §3.5 errors.
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::fault::Fault;
use super::super::oauth_error::{OAuthError, no_store};
use super::super::page;
use super::super::params::{self, Params, ascii};
use super::super::store::{DevicePoll, DevicePolicy};
use super::super::variant::Variant;
use super::answer::{error_page, html};
use super::grant::TokenRequest;
use super::login::{DEVICE_TXN, LOGIN, session, session_cookie};
use super::state::{AuthServer, issuer};

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.2: the polling interval the reference asks for (seconds).
const DEVICE_INTERVAL: u64 = 1;

/// RFC 8628 §3.1, §3.2: a device authorization for an authenticated (or public) client.
pub async fn device_authorization(State(st): State<Arc<AuthServer>>, headers: HeaderMap, body: Bytes) -> Response {
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
                "verification_uri_complete": format!("{base}/device?user_code={}", if st.has(Fault::RfcDeviceCompleteUriWrong) { "WRONG-CODE" } else { user_code.as_str() }),
                "expires_in": st.device_lifetime,
                "interval": DEVICE_INTERVAL,
            });
            // RFC 8628 §3.2: verification_uri_complete and interval are OPTIONAL.
            if st.variant(Variant::DeviceMinimalAnswer) {
                body.as_object_mut().map(|o| {
                    o.remove("verification_uri_complete");
                    o.remove("interval")
                });
            }
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

/// RFC 8628 §3.3: the verification page: the user_code (typed, or from verification_uri_complete), then
/// the login and consent pages every authorization uses.
pub async fn device_verification(State(st): State<Arc<AuthServer>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    // At verification_uri without a code: the user types the one the device shows.
    if p.get("user_code").is_none() {
        return html(page::user_code("/device"));
    }
    let Some((device_code, client_id, scope)) = p.get("user_code").and_then(|u| st.store.device_by_user_code(u)) else {
        return error_page("unknown, used or expired user_code");
    };
    let (sid, new_session) = session(&headers);
    let txn = st.store.begin(&sid, &client_id, &format!("{DEVICE_TXN}{device_code}"), &scope, None);
    let mut resp = html(page::login(st.login_style, LOGIN, &txn, &client_id, None));
    if new_session {
        resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&sid));
    }
    resp
}

/// The fault that lets a confidential client poll with its client_id alone.
fn unauthenticated_poll<'s>(st: &'s AuthServer, req: &TokenRequest) -> Option<(&'s super::super::registration::ClientReg, Params)> {
    if !st.has(Fault::RfcDevicePollWithoutAuth) || req.headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let p = st.token_params(req).ok()?;
    let client = st.reg.confidential(p.get("client_id")?)?;
    Some((client, p))
}

/// RFC 8628 §3.4, §3.5: polling with the device_code.
pub async fn device_token(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let result = (|| {
        let (client, p) = match unauthenticated_poll(&st, &req) {
            Some(taken) => taken,
            None => st.grant_request(&req, DEVICE_GRANT)?,
        };
        let missing = if st.has(Fault::RfcDeviceMissingCodeInvalidGrant) { "invalid_grant" } else { "invalid_request" };
        let code = p.get("device_code").ok_or_else(|| OAuthError::bad_request(missing, "device_code is required"))?;
        let interval = Duration::from_secs(DEVICE_INTERVAL);
        let policy = DevicePolicy {
            reusable: st.has(Fault::RfcDeviceReusable),
            tokens_while_pending: st.has(Fault::RfcDeviceTokensWhilePending),
            denied_as_pending: st.has(Fault::RfcDeviceDeniedAsPending),
            any_client: st.has(Fault::RfcDeviceAnyClient),
            unknown_as_pending: st.has(Fault::RfcDeviceUnknownCodePending),
        };
        match st.store.poll_device(code, &client.id, interval, policy) {
            DevicePoll::Tokens(issued) => Ok(issued),
            DevicePoll::Error(e) => Err(OAuthError::bad_request(e, "see RFC 8628 section 3.5")),
        }
    })();
    st.grant_answer(result, false, false)
}
