//! The introspection endpoint (RFC 7662): `active` and, for a live token, what it is (with the
//! key a DPoP-bound token is bound to, RFC 9449 §6.2). Enters: an authenticated client's form;
//! leaves: the JSON answer or the §5.2 error.
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::fault::Fault;
use super::super::oauth_error::{OAuthError, no_store};
use super::super::params;
use super::super::store::TokenKind;
use super::super::variant::Variant;
use super::state::AuthServer;

/// What the store says of a live token: its kind, client, scope and seconds left.
type Found = (TokenKind, String, String, u64);

pub async fn introspect(State(st): State<Arc<AuthServer>>, req: super::grant::TokenRequest) -> Response {
    let headers = &req.headers;
    let result = (|| {
        let p = params::form(headers, &req.body)?;
        if st.public_caller(headers, Some(&p)).is_some() && st.has(Fault::RfcIntrospectPublicInactive) {
            return Ok(json!({ "active": false }));
        }
        // RFC 7662 §2.1: the caller authenticates as at the token endpoint (RFC 8705 §2: by its
        // certificate too).
        let caller = match (st.has(Fault::RfcIntrospectNoAuth), st.mtls_caller(&req, Some(&p))) {
            (true, _) => None,
            (false, Some(by_certificate)) => Some(by_certificate?.id.clone()),
            (false, None) => Some(st.client_of(headers, Some(&p))?.id.clone()),
        };
        let token = p.get("token").ok_or_else(|| OAuthError::bad_request("invalid_request", "token is required"))?;
        let mut found = lookup(&st, token, p.get("token_type_hint"));
        // RFC 7662 §2.2: a caller not allowed to introspect this particular token gets active:false.
        if st.variant(Variant::IntrospectOwnTokensOnly) && found.as_ref().is_some_and(|(_, client, ..)| caller.as_deref() != Some(client.as_str())) {
            found = None;
        }
        Ok(answer(&st, token, found))
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

/// The token looked up where the hint points first (RFC 7662 §2.1), as the faults distort it.
fn lookup(st: &AuthServer, token: &str, hint_name: Option<&str>) -> Option<Found> {
    let hint = match hint_name {
        Some("access_token") => Some(TokenKind::Access),
        Some("refresh_token") => Some(TokenKind::Refresh),
        _ => None,
    };
    let unknown_hint = hint.is_none() && hint_name.is_some();
    let mut found = st.store.introspect(token, hint, st.has(Fault::RfcIntrospectHintTrusted));
    if unknown_hint && st.has(Fault::RfcIntrospectUnknownHintInactive) {
        found = None;
    }
    // RFC 7662 §2.2: a caller "not allowed to introspect this particular token" gets active:false.
    if st.variant(Variant::RefreshNotIntrospectable) && matches!(found, Some((TokenKind::Refresh, ..))) {
        found = None;
    }
    if found.is_none() && st.has(Fault::RfcIntrospectRevokedActive) {
        found = st.store.revoked_kind(token).map(|k| (k, "my-client".to_string(), "accounts".to_string(), 60));
    }
    found
}

/// RFC 7662 §2.2: the answer for what was found.
fn answer(st: &AuthServer, token: &str, found: Option<Found>) -> Value {
    match found {
        Some((kind, client_id, scope, left)) => {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
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
            // RFC 8705 §3.2: a certificate-bound token's certificate thumbprint.
            let hidden = st.has(Fault::RfcMtlsIntrospectNoCnf) || (st.has(Fault::FapiMtlsNoCnf) && st.is_fapi(Some(&client_id)));
            if let Some(x5t) = st.store.bound_cert(token).filter(|_| kind == TokenKind::Access && !hidden) {
                answer["cnf"] = json!({ "x5t#S256": x5t });
            }
            answer
        }
        None if st.has(Fault::RfcIntrospectInactiveDetails) => json!({ "active": false, "client_id": "my-client", "scope": "accounts" }),
        None => json!({ "active": false }),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::super::extras::Extras;
    use super::super::oneshot::{post, send, server};

    #[tokio::test]
    async fn a_live_token_is_active_and_says_whose_it_is() {
        let (router, reg) = server("rfc6749", &[], Extras::default());
        let c = &reg.clients[0];
        let issued = send(&router, post("/token", "grant_type=client_credentials&scope=accounts", Some((&c.id, &c.secret)))).await.json();
        let form = format!("token={}", issued["access_token"].as_str().unwrap());
        let answer = send(&router, post("/introspect", &form, Some((&c.id, &c.secret)))).await.json();
        assert_eq!(answer["active"], true);
        assert_eq!(answer["client_id"], "my-client");
        assert_eq!(answer["token_type"], "bearer");
        let unknown = send(&router, post("/introspect", "token=nope", Some((&c.id, &c.secret)))).await.json();
        assert_eq!(unknown, serde_json::json!({ "active": false }));
    }

    #[tokio::test]
    async fn a_caller_that_does_not_authenticate_is_refused() {
        let (router, _) = server("rfc6749", &[], Extras::default());
        let answer = send(&router, post("/introspect", "token=x", None)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json()["error"], "invalid_client");
    }
}
