//! The token endpoint's grants (RFC 6749 §4.1.3, §4.4, §6): the authorization code, the client
//! credentials and the refresh token, each its own endpoint in citi-pl; and RFC 6749's single
//! token endpoint where grant_type picks the grant, with DPoP binding (RFC 9449 §5).
//! Enters: a token request; leaves: the token answer or the §5.2 error.
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::fault::Fault;
use super::super::oauth_error::OAuthError;
use super::super::offer::Offer;
use super::super::params::{Params, ascii};
use super::super::store::{GrantError, RedeemPolicy, RefreshPolicy};
use super::super::variant::Variant;
use super::device::{DEVICE_GRANT, device_token};
use super::grant::{TokenRequest, grant_error};
use super::state::{AuthServer, issuer};

/// RFC 6749's single token endpoint: the grant_type picks the grant.
pub async fn token(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let raw = if req.method == axum::http::Method::GET { req.query.as_deref().unwrap_or_default().as_bytes() } else { &req.body };
    let params = Params::parse(raw);
    let grant = params.get("grant_type").map(str::to_string);
    // RFC 9449 §5: a proof, if sent, is checked before the grant.
    let proven = if st.dpop_on() {
        match st.dpop_proof(&req.headers, req.method.as_str(), &format!("{}/token", issuer(&req.headers)), None) {
            Ok(p) => p,
            Err(why) => return st.dpop_refused(why),
        }
    } else {
        None
    };
    // §5: a refresh token bound to a key is used with a proof by that key.
    if let Some(bound) = params.get("refresh_token").filter(|_| grant.as_deref() == Some("refresh_token")).and_then(|t| st.store.bound_key(t))
        && proven.as_ref().map(|p| &p.jkt) != Some(&bound)
        && !st.has(Fault::RfcDpopPublicRefreshUnbound)
    {
        return st.error(OAuthError::bad_request("invalid_dpop_proof", "the refresh token is bound to another DPoP key"));
    }
    // FAPI 2.0 §5.3.2.1: the FAPI client's tokens are sender-constrained; no password grant.
    if let Some(e) = st.fapi_token_refusal(&params, proven.is_some(), req.peer.is_some()) {
        return st.error(e);
    }
    // RFC 9449 §10: a code bound to a key (dpop_jkt) is exchanged with a proof by that key.
    if let Some(bound) = params.get("code").filter(|_| grant.as_deref() == Some("authorization_code")).and_then(|c| st.store.code_dpop_jkt(c))
        && proven.as_ref().map(|p| &p.jkt) != Some(&bound)
        && !st.has(Fault::RfcDpopJktIgnored)
    {
        return st.error(OAuthError::bad_request("invalid_grant", "the code is bound to another DPoP key (dpop_jkt)"));
    }
    let public = st.public_caller(&req.headers, Some(&params)).is_some();
    let binds = st.binds_proof(params.get("client_id"));
    let mut resp = match grant.as_deref() {
        Some("authorization_code") => code_token(State(st.clone()), req).await,
        Some("refresh_token") => refresh(State(st.clone()), req).await,
        Some(DEVICE_GRANT) if st.offers(Offer::DeviceGrant) => device_token(State(st.clone()), req).await,
        _ => client_credentials_token(State(st.clone()), req).await,
    };
    if let Some(p) = proven.filter(|_| binds) {
        resp = bind_answer(&st, resp, &p.jkt, public).await;
    }
    st.dpop_nonce_header(&mut resp);
    resp
}

/// RFC 9449 §5: a token answer to a request with a valid proof, bound to the proof's key —
/// token_type DPoP; a public client's refresh token bound too.
async fn bind_answer(st: &AuthServer, resp: Response, jkt: &str, public: bool) -> Response {
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
        && !st.has(Fault::RfcDpopPublicRefreshUnbound)
    {
        st.store.bind(rt, jkt);
    }
    let body = serde_json::Value::Object(o).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// RFC 6749 §4.1.3: a code for tokens.
pub async fn code_token(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let checked = (|| {
        let (client, p) = st.grant_request(&req, "authorization_code")?;
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
    let nonce = st.store.code_nonce(&code);
    let auth_time = st.sessions.code_auth_time(&code);
    match st.store.redeem_code_verified(&code, &client_id, redirect_uri.as_deref(), verifier.as_deref(), policy) {
        Ok(issued) => {
            st.bind_to_certificate(&issued, &client_id, &req);
            // OpenID Connect Core §3.1.3.3: a code of an OpenID request yields an ID Token too.
            let openid = st.openid_on() && issued.scope.split(' ').any(|s| s == "openid") && !st.has(Fault::RfcOidcIdTokenMissing);
            let about = || super::id_token::About { nonce: nonce.as_deref(), auth_time, access_token: Some(&issued.access_token), refreshed: false, scope: Some(&issued.scope), ..Default::default() };
            let id_token = openid.then(|| super::id_token::issue(&st, &issuer(&req.headers), &client_id, about()));
            st.token_answer_with(&issued, true, false, id_token)
        }
        Err(GrantError::Unknown) if st.has(Fault::UnknownCode500) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error: code lookup failed").into_response(),
        Err(e) => st.error(grant_error(e)),
    }
}

/// RFC 6749 §6: a refresh token for new tokens, rotated (RFC 9700 §4.14.2) unless a variant keeps it.
pub async fn refresh(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let result = (|| {
        let (client, p) = st.grant_request(&req, "refresh_token")?;
        let token = p.get("refresh_token").ok_or_else(|| OAuthError::bad_request("invalid_request", "refresh_token is required"))?;
        let public = st.reg.is_public(&client.id);
        let policy = RefreshPolicy {
            any_client: st.has(Fault::RefreshOtherClient),
            any_scope: st.has(Fault::RefreshScopeWidened),
            narrow: st.variant(Variant::RefreshScopeNarrowed) || st.has(Fault::RefreshScopeNarrowedSilently),
            // RFC 9700 §4.14.2: a public client's refresh tokens are always rotated.
            keep: ((st.variant(Variant::RefreshNotRotated) || !st.offers(Offer::RefreshRotation)) && !public) || (public && st.has(Fault::RfcPublicRefreshNotRotated)),
            old_stays_valid: st.has(Fault::RfcRefreshOldStillValid),
            no_reuse_detection: st.has(Fault::RfcRefreshNoReuseDetection),
        };
        st.store.refresh(token, &client.id, p.get("scope"), policy).map_err(grant_error).map(|issued| (issued, client.id.clone()))
    })();
    match result {
        Ok((issued, client_id)) => {
            st.bind_to_certificate(&issued, &client_id, &req);
            // OpenID Connect Core §12.2: a refresh of an OpenID grant may bring a new ID Token.
            let openid = st.openid_on() && issued.scope.split(' ').any(|s| s == "openid") && !st.variant(Variant::RefreshWithoutIdToken);
            // The refresh faults: auth_time said to be now, a nonce carried.
            let renewed = st.has(Fault::RfcOidcRefreshAuthTimeRenewed).then(|| st.sessions.now());
            let nonce = st.has(Fault::RfcOidcRefreshNonceKept).then_some("refreshed-nonce");
            let about = || super::id_token::About { access_token: Some(&issued.access_token), refreshed: true, auth_time: renewed, nonce, ..Default::default() };
            let id_token = openid.then(|| super::id_token::issue(&st, &issuer(&req.headers), &client_id, about()));
            st.token_answer_with(&issued, false, st.has(Fault::RefreshScopeNarrowedSilently), id_token)
        }
        Err(e) => st.error(e),
    }
}

/// RFC 6749 §4.4: tokens for the client itself, for the scope it asks (required by the bank).
pub async fn client_credentials_token(State(st): State<Arc<AuthServer>>, req: TokenRequest) -> Response {
    let result = (|| {
        let (client, p) = st.grant_request(&req, "client_credentials")?;
        let scope = match p.get("scope") {
            Some(s) => s,
            None if st.has(Fault::ScopeNotRequired) => "accounts",
            None => return Err(OAuthError::bad_request("invalid_request", "scope is required")),
        };
        let issued = if st.drops_unknown_scopes() && st.unknown_scope(scope).is_some() {
            st.store.issue_client_credentials(&client.id, &st.known_scopes(scope))
        } else if let Some(bad) = st.unknown_scope(scope) {
            return Err(OAuthError::bad_request("invalid_scope", format!("unknown scope {}", ascii(bad))));
        } else {
            st.store.issue_client_credentials(&client.id, scope)
        };
        st.bind_to_certificate(&issued, &client.id, &req);
        Ok(issued)
    })();
    st.grant_answer(result, false, st.has(Fault::UnknownScopeDroppedSilently))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use rstest::rstest;

    use super::super::super::extras::Extras;
    use super::super::super::fault::Fault;
    use super::super::oneshot::{get, post, send, server};

    #[tokio::test]
    async fn client_credentials_issue_a_bearer_token_not_to_be_cached() {
        let (router, reg) = server("rfc6749", &[], Extras::default());
        let c = &reg.clients[0];
        let answer = send(&router, post("/token", "grant_type=client_credentials&scope=accounts", Some((&c.id, &c.secret)))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let body = answer.json();
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["scope"], "accounts");
        assert_eq!(body["expires_in"], 1800);
        assert!(body.get("refresh_token").is_none());
        assert_eq!(answer.header("cache-control"), "no-store");
    }

    #[rstest]
    #[case("grant_type=password&scope=accounts", "unsupported_grant_type")]
    #[case("scope=accounts", "invalid_request")]
    #[case("grant_type=authorization_code", "invalid_request")]
    #[case("grant_type=authorization_code&code=nope", "invalid_grant")]
    #[case("grant_type=refresh_token&refresh_token=nope", "invalid_grant")]
    #[case("grant_type=client_credentials&scope=admin", "invalid_scope")]
    #[tokio::test]
    async fn the_single_token_endpoint_refuses_with_the_right_code(#[case] form: &str, #[case] error: &str) {
        let (router, reg) = server("rfc6749", &[], Extras::default());
        let c = &reg.clients[0];
        let answer = send(&router, post("/token", form, Some((&c.id, &c.secret)))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.json()["error"], error, "{}", answer.body);
    }

    #[tokio::test]
    async fn a_wrong_secret_is_401_with_a_basic_challenge_unless_a_fault_takes_it() {
        let (router, reg) = server("citi-pl", &[], Extras::default());
        let form = "grant_type=client_credentials&scope=accounts";
        let answer = send(&router, post("/clientCredentials/oauth2/token/pl/gcb", form, Some((&reg.clients[0].id, "wrong")))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.header("www-authenticate"), "Basic realm=\"citi-pl\"");
        let (router, reg) = server("citi-pl", &[Fault::WrongSecretAccepted], Extras::default());
        let answer = send(&router, post("/clientCredentials/oauth2/token/pl/gcb", form, Some((&reg.clients[0].id, "wrong")))).await;
        assert_eq!(answer.status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_token_endpoint_refuses_get_unless_a_fault_allows_it() {
        let (router, _) = server("citi-pl", &[], Extras::default());
        assert_eq!(send(&router, get("/authCode/oauth2/refresh?grant_type=refresh_token")).await.status, StatusCode::METHOD_NOT_ALLOWED);
        let (router, _) = server("citi-pl", &[Fault::GetTokenAllowed], Extras::default());
        assert_eq!(send(&router, get("/authCode/oauth2/refresh?grant_type=refresh_token")).await.status, StatusCode::UNAUTHORIZED);
    }
}
