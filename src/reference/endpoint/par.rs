//! The pushed authorization request endpoint (RFC 9126 §2): the request checked as the
//! authorization endpoint would check it, stored under a fresh request_uri.
//! Enters: an authenticated client's form; leaves: 201 with request_uri and expires_in.
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::fault::Fault;
use super::super::oauth_error::{OAuthError, no_store};
use super::super::params::{self, Params, ascii};
use super::super::registration::ClientReg;
use super::state::{AuthServer, REALM, issuer};

pub async fn par(State(st): State<Arc<AuthServer>>, req: super::grant::TokenRequest) -> Response {
    let (headers, body) = (&req.headers, &req.body);
    // RFC 9449 §10.1: a DPoP proof with the push binds the code to its key.
    let proven = match st.dpop_on().then(|| st.dpop_proof(headers, "POST", &format!("{}/par", issuer(headers)), None)) {
        Some(Err(why)) => return st.dpop_refused(why),
        Some(Ok(p)) => p,
        None => None,
    };
    let result = (|| {
        let p = params::form(headers, body)?;
        let client = pushing_client(&st, &req, &p)?;
        checked(&st, &p, client)?;
        let jkt = bound_key(&st, &p, proven.as_ref().map(|p| p.jkt.as_str()))?;
        let pairs = p.pairs().iter().filter(|(k, _)| k != "client_secret" && k != "dpop_jkt").cloned().chain(jkt.map(|j| ("dpop_jkt".to_string(), j)));
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        Ok((st.store.push(&client.id, &query), st.par_expires_in(&client.id)))
    })();
    match result {
        Ok((uri, expires_in)) => {
            let (status, body) = if st.has(Fault::RfcParNoExpiresIn) {
                (StatusCode::OK, json!({ "request_uri": uri }))
            } else {
                (StatusCode::CREATED, json!({ "request_uri": uri, "expires_in": expires_in }))
            };
            let mut resp = (status, axum::Json(body)).into_response();
            no_store(&mut resp);
            st.dpop_nonce_header(&mut resp);
            resp
        }
        Err(e) => st.error(e),
    }
}

/// RFC 9449 §10.1: the key the code will be bound to — the push's proof's, or its dpop_jkt; both
/// given, they MUST match. The faults drop the proof's binding or let a mismatch through.
fn bound_key(st: &AuthServer, p: &Params, proof_jkt: Option<&str>) -> Result<Option<String>, OAuthError> {
    let named = p.get("dpop_jkt");
    let proof_jkt = proof_jkt.filter(|_| !st.has(Fault::RfcDpopParProofIgnored));
    match (proof_jkt, named) {
        (Some(a), Some(b)) if a != b && !st.has(Fault::RfcDpopParJktMismatchAccepted) => {
            Err(OAuthError::bad_request("invalid_dpop_proof", "dpop_jkt names another key than the DPoP proof's"))
        }
        (Some(a), None) => Ok(Some(a.to_string())),
        (_, named) => Ok(named.map(str::to_string)),
    }
}

/// RFC 9126 §2.1: the client authenticates as at the token endpoint (a public one names itself).
fn pushing_client<'a>(st: &'a AuthServer, req: &super::grant::TokenRequest, p: &Params) -> Result<&'a ClientReg, OAuthError> {
    let headers = &req.headers;
    // RFC 8705 §2: a client that authenticates with its certificate does so here too.
    if let Some(by_certificate) = st.mtls_caller(req, Some(p)) {
        return by_certificate;
    }
    match st.public_caller(headers, Some(p)) {
        Some(c) => Ok(c),
        _ if (st.has(Fault::RfcParNoClientAuth) || (st.has(Fault::FapiPushUnauthenticated) && st.is_fapi(p.get("client_id"))))
            && !headers.contains_key(header::AUTHORIZATION)
            && p.get("client_assertion").is_none() =>
        {
            p.get("client_id").and_then(|id| st.reg.client(id)).ok_or_else(|| OAuthError::invalid_client("unknown client", REALM))
        }
        _ => st.client_of(headers, Some(p)),
    }
}

/// The pushed request checked as an authorization request.
fn checked(st: &AuthServer, p: &Params, client: &ClientReg) -> Result<(), OAuthError> {
    let bad = |d: &str| OAuthError::bad_request("invalid_request", d.to_string());
    if p.get("request_uri").is_some() && !st.has(Fault::RfcParRequestUriAccepted) {
        return Err(bad("request_uri must not be pushed"));
    }
    if p.get("client_id").is_some_and(|id| id != client.id) {
        return Err(bad("client_id differs from the authenticated client"));
    }
    // FAPI 2.0 §5.3.2.2: the FAPI client's request under the profile's rules (or, under a
    // variant, checked at the authorization endpoint instead).
    if st.is_fapi(Some(&client.id)) {
        if let Some((code, desc)) = st.fapi_request_refusal(p).filter(|_| st.fapi_checks_at_push()) {
            return Err(OAuthError::bad_request(code, desc));
        }
        return Ok(());
    }
    // RFC 6749 §3.1: no parameter twice (RFC 9126 §2.1: a push is checked as the request).
    if let (Some(k), false) = (p.repeated(), st.has(Fault::RepeatedParamsAccepted)) {
        return Err(bad(&format!("parameter {} is repeated", ascii(k))));
    }
    // RFC 6749 §4.1.2.1: a missing response_type is an invalid request; the OpenID Provider's
    // implicit and hybrid types are pushed like code (their nonce is checked where the request
    // is served).
    match p.get("response_type") {
        None => return Err(bad("response_type is required")),
        Some("code") => {}
        Some(_) if super::authorize::openid_flow(st, p).is_some() => {}
        Some(other) => return Err(OAuthError::bad_request("unsupported_response_type", format!("response_type {} is not supported", ascii(other)))),
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
    Ok(())
}
