//! The revocation endpoint (RFC 7009; the bank's Revoke Access Token): the token and, by the
//! cascade, its grant's other tokens. Enters: an authenticated client's form; leaves: 200 (with
//! the bank's {status} body) or the §5.2 error.
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::fault::Fault;
use super::super::oauth_error::{OAuthError, no_store};
use super::super::params::Params;
use super::super::store::{Revoked, RevokePolicy, TokenKind};
use super::super::variant::Variant;
use super::grant::TokenRequest;
use super::state::AuthServer;

pub async fn revoke(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let result = (|| {
        let parsed = st.token_params(&req);
        // RFC 8705 §2: the mutual-TLS client authenticates with its certificate here too.
        let client = match st.mtls_caller(&req, parsed.as_ref().ok()) {
            Some(mtls) => mtls?,
            None => st.client_of(&req.headers, parsed.as_ref().ok())?,
        };
        let p = parsed?;
        revoked(&st, &p, &client.id)
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

/// The request's token revoked for `client_id`, as RFC 7009 §2.1 and §2.2 (and the faults) say.
fn revoked(st: &AuthServer, p: &Params, client_id: &str) -> Result<(), OAuthError> {
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
    match st.store.revoke(token, client_id, policy) {
        Revoked::Done => Ok(()),
        Revoked::Unknown if st.has(Fault::RevokeUnknown400) => Err(OAuthError::bad_request("invalid_request", "unknown token")),
        Revoked::Unknown => Ok(()),
        Revoked::OtherClient if st.has(Fault::RevokeOtherClientSilent) => Ok(()),
        Revoked::OtherClient => Err(OAuthError::bad_request("unauthorized_client", "the token was not issued to this client")),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::super::extras::Extras;
    use super::super::oneshot::{post, send, server};

    #[tokio::test]
    async fn a_client_revokes_its_own_token_but_not_anothers() {
        let (router, reg) = server("rfc6749", &[], Extras::default());
        let (mine, other) = (&reg.clients[0], &reg.clients[1]);
        let issued = send(&router, post("/token", "grant_type=client_credentials&scope=accounts", Some((&mine.id, &mine.secret)))).await.json();
        let form = format!("token={}", issued["access_token"].as_str().unwrap());
        let refused = send(&router, post("/revoke", &form, Some((&other.id, &other.secret)))).await;
        assert_eq!((refused.status, refused.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unauthorized_client")));
        let done = send(&router, post("/revoke", &form, Some((&mine.id, &mine.secret)))).await;
        assert_eq!(done.status, StatusCode::OK);
        assert_eq!(done.json()["status"], "success");
    }

    #[tokio::test]
    async fn an_unknown_token_is_revoked_without_complaint() {
        let (router, reg) = server("rfc6749", &[], Extras::default());
        let c = &reg.clients[0];
        let answer = send(&router, post("/revoke", "token=never-issued", Some((&c.id, &c.secret)))).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
}
