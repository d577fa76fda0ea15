//! The protected resource (RFC 6750; RFC 9449 §7 for DPoP-bound tokens): 2xx for a live token,
//! 401 with a challenge otherwise. Enters: a GET with a token; leaves: who the token is for, or
//! the challenge.
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::dpop;
use super::super::fault::Fault;
use super::super::mtls::{PeerCert, thumbprint};
use super::super::params::Params;
use super::super::store::AccessRec;
use super::super::variant::Variant;
use super::state::{AuthServer, REALM, issuer};

/// Where the resource is.
pub const PROBE: &str = "/api/v1/me";

/// A protected resource: 2xx for a live bearer token, 401 otherwise (RFC 6750 §3.1).
pub async fn probe(State(st): State<Arc<AuthServer>>, peer: Option<axum::Extension<PeerCert>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let credentials = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.split_once(' '));
    if let Some((_, t)) = credentials.filter(|(s, _)| s.eq_ignore_ascii_case("dpop") && st.dpop_on()) {
        return dpop_probe(&st, &headers, t.trim());
    }
    let token = credentials.filter(|(s, _)| s.eq_ignore_ascii_case("bearer")).map(|(_, t)| t.trim().to_string());
    // RFC 9449 §7.2: a DPoP-bound token is refused as a bearer token.
    if let Some(t) = &token
        && st.store.bound_key(t).is_some()
        && !st.has(Fault::RfcDpopBoundAsBearer)
    {
        return dpop_challenge(&st, "invalid_token");
    }
    // RFC 8705 §3: a certificate-bound token only over a connection with that certificate.
    if let Some(t) = &token
        && let Some(x5t) = st.store.bound_cert(t)
        && !st.has(Fault::RfcMtlsResourceIgnoresBinding)
        && peer.as_ref().and_then(|p| p.0.0.as_deref()).map(|der: &Vec<u8>| thumbprint(der)).as_deref() != Some(x5t.as_str())
    {
        return unauthorized(true, true);
    }
    // RFC 6750 §2.3: the query method, only as the variant that supports it (or the fault that
    // takes it without marking the answer private).
    let from_query = token.is_none() && (st.variant(Variant::QueryTokenAccepted) || st.has(Fault::RfcQueryTokenNotPrivate));
    let token = token.or_else(|| from_query.then(|| Params::parse(q.as_deref().unwrap_or_default().as_bytes()).get("access_token").map(str::to_string)).flatten());
    // RFC 6750 §3.1: another scheme is no token, unless the fault takes it for one.
    let sent = token.is_some() || (credentials.is_some() && st.has(Fault::RfcProbeErrorForOtherScheme));
    match token.and_then(|t| st.store.access(&t)).filter(|rec| serves(&st, rec)) {
        Some(rec) if from_query && !st.has(Fault::RfcQueryTokenNotPrivate) => {
            // RFC 6750 §2.3: a 2xx to a query-token request SHOULD be Cache-Control: private.
            let mut resp = served(&rec);
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            resp
        }
        Some(rec) => served(&rec),
        None => bearer_challenge(&st, sent),
    }
}

/// Whether the resource serves this live token's bearer: every one, or (the variant) end users
/// only, as a userinfo endpoint does.
fn serves(st: &AuthServer, rec: &AccessRec) -> bool {
    rec.for_end_user() || !st.variant(Variant::ResourceUserTokensOnly)
}

/// What the resource tells a live token's bearer: whom it was issued to, for what.
fn served(rec: &AccessRec) -> Response {
    axum::Json(json!({ "client_id": rec.client_id, "scope": rec.scope })).into_response()
}

/// RFC 6750 §3.1: no error code when the request carried no token; invalid_token when the
/// token it carried is not (or no longer) good.
fn bearer_challenge(st: &AuthServer, sent: bool) -> Response {
    let with_error = if sent { !st.has(Fault::RfcProbeNoErrorCode) } else { st.has(Fault::RfcProbeErrorWithoutToken) };
    unauthorized(with_error, !st.has(Fault::RfcProbeNoChallenge))
}

/// A 401 for a bearer-token resource (RFC 6750 §3): the challenge, with `error="invalid_token"`
/// when `with_error`, sent unless a fault drops it (`challenge` false).
pub fn unauthorized(with_error: bool, challenge: bool) -> Response {
    let value = if with_error { format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"") } else { format!("Bearer realm=\"{REALM}\"") };
    let mut resp = (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": "invalid_token" }))).into_response();
    if challenge
        && let Ok(v) = HeaderValue::from_str(&value)
    {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// The token of an `Authorization: Bearer` header, if the request has one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(header::AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// RFC 9449 §7.1: the resource with a token in the DPoP scheme — a proof for this request, for
/// this token (`ath`), by the key the token is bound to.
fn dpop_probe(st: &AuthServer, headers: &HeaderMap, token: &str) -> Response {
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
    match st.store.access(token).filter(|rec| key_ok && serves(st, rec)) {
        Some(rec) => served(&rec),
        None if proven.is_none() => dpop_challenge(st, "invalid_dpop_proof"),
        None => dpop_challenge(st, "invalid_token"),
    }
}

/// A 401 with a DPoP challenge (RFC 9449 §7.1), and the nonce when the server asks for one.
fn dpop_challenge(st: &AuthServer, error: &str) -> Response {
    let mut resp = (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": error }))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("DPoP error=\"{error}\", algs=\"ES256\"")) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    st.dpop_nonce_header(&mut resp);
    resp
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use rstest::rstest;

    use super::super::super::extras::Extras;
    use super::super::super::fault::Fault;
    use super::super::oneshot::{get, send, server};
    use super::PROBE;

    fn bearer(token: &str) -> Request<Body> {
        Request::get(PROBE).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
    }

    #[rstest]
    #[case(&[], false, "Bearer realm=\"citi-pl\"")]
    #[case(&[], true, "Bearer realm=\"citi-pl\", error=\"invalid_token\"")]
    #[case(&[Fault::RfcProbeErrorWithoutToken], false, "Bearer realm=\"citi-pl\", error=\"invalid_token\"")]
    #[case(&[Fault::RfcProbeNoErrorCode], true, "Bearer realm=\"citi-pl\"")]
    #[case(&[Fault::RfcProbeNoChallenge], true, "")]
    #[tokio::test]
    async fn the_challenge_names_an_error_only_when_a_token_came(#[case] faults: &[Fault], #[case] with_token: bool, #[case] challenge: &str) {
        let (router, _) = server("rfc6749", faults, Extras::default());
        let answer = send(&router, if with_token { bearer("stale") } else { get(PROBE) }).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.header("www-authenticate"), challenge);
    }

    /// RFC 6750 §3.1: another scheme is no token at all, so no error code, unless the fault.
    #[rstest]
    #[case(&[], "Bearer realm=\"citi-pl\"")]
    #[case(&[Fault::RfcProbeErrorForOtherScheme], "Bearer realm=\"citi-pl\", error=\"invalid_token\"")]
    #[tokio::test]
    async fn another_scheme_gets_a_challenge_without_an_error_code(#[case] faults: &[Fault], #[case] challenge: &str) {
        let (router, _) = server("rfc6749", faults, Extras::default());
        let basic = Request::get(PROBE).header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz").body(Body::empty()).unwrap();
        let answer = send(&router, basic).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.header("www-authenticate"), challenge);
    }
}
