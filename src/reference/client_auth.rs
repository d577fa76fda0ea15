//! HTTP Basic client authentication (RFC 6749 §2.3.1), with a constant-time secret comparison.
use axum::http::HeaderMap;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Registration;
use super::oauth_error::OAuthError;

/// Equal secrets, compared without leaking where they differ (or their lengths).
pub fn secrets_equal(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()).ct_eq(&Sha256::digest(b.as_bytes())).into()
}

/// The client id and secret of a Basic header; the error is why it is unusable.
pub fn basic_credentials(headers: &HeaderMap) -> Result<(String, String), &'static str> {
    let value = headers.get(axum::http::header::AUTHORIZATION).ok_or("client authentication is required")?;
    let value = value.to_str().map_err(|_| "the Authorization header is not ASCII")?;
    let (scheme, payload) = value.split_once(' ').ok_or("the Authorization header is malformed")?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("only HTTP Basic client authentication is supported");
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(payload.trim()).map_err(|_| "the Basic credentials are not base64")?;
    let text = String::from_utf8(decoded).map_err(|_| "the Basic credentials are not UTF-8")?;
    let (id, secret) = text.split_once(':').ok_or("the Basic credentials have no colon")?;
    let dec = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
    Ok((dec(id), dec(secret)))
}

/// The registered client the request authenticates as.
pub fn authenticate<'r>(
    headers: &HeaderMap,
    reg: &'r Registration,
    check_secret: bool,
    realm: &'static str,
) -> Result<&'r super::ClientReg, OAuthError> {
    let (id, secret) = basic_credentials(headers).map_err(|m| OAuthError::invalid_client(m, realm))?;
    let client = reg.confidential(&id).ok_or_else(|| OAuthError::invalid_client("unknown client", realm))?;
    if check_secret && !secrets_equal(&client.secret, &secret) {
        return Err(OAuthError::invalid_client("client authentication failed", realm));
    }
    Ok(client)
}
