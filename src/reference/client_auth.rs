//! HTTP Basic client authentication (RFC 6749 §2.3.1), with a constant-time secret comparison.
use axum::http::HeaderMap;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::oauth_error::OAuthError;
use super::registration::{ClientReg, Registration};

/// What a request without any client authentication is told (the no-client-auth-400 variant
/// recognises it).
pub const NO_CLIENT_AUTH: &str = "client authentication is required";

/// Equal secrets, compared without leaking where they differ (or their lengths).
pub fn secrets_equal(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()).ct_eq(&Sha256::digest(b.as_bytes())).into()
}

/// The client id and secret of a Basic header, form-decoded (RFC 6749 §2.3.1) unless `decode`
/// is false (a fault); the error is why it is unusable.
fn basic_credentials_as(headers: &HeaderMap, decode: bool) -> Result<(String, String), &'static str> {
    let value = headers.get(axum::http::header::AUTHORIZATION).ok_or(NO_CLIENT_AUTH)?;
    let value = value.to_str().map_err(|_| "the Authorization header is not ASCII")?;
    let (scheme, payload) = value.split_once(' ').ok_or("the Authorization header is malformed")?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("only HTTP Basic client authentication is supported");
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(payload.trim()).map_err(|_| "the Basic credentials are not base64")?;
    let text = String::from_utf8(decoded).map_err(|_| "the Basic credentials are not UTF-8")?;
    let (id, secret) = text.split_once(':').ok_or("the Basic credentials have no colon")?;
    let dec = |s: &str| {
        if !decode {
            return s.to_string();
        }
        // Parsed as a form value: `&` and `=` are data here, not separators.
        let escaped = s.replace('&', "%26").replace('=', "%3D");
        url::form_urlencoded::parse(format!("x={escaped}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    };
    Ok((dec(id), dec(secret)))
}

/// The registered client the request authenticates as.
pub fn authenticate<'r>(
    headers: &HeaderMap,
    reg: &'r Registration,
    check_secret: bool,
    decode: bool,
    realm: &'static str,
) -> Result<&'r ClientReg, OAuthError> {
    let (id, secret) = basic_credentials_as(headers, decode).map_err(|m| OAuthError::invalid_client(m, realm))?;
    let client = reg.confidential(&id).ok_or_else(|| OAuthError::invalid_client("unknown client", realm))?;
    if check_secret && !secrets_equal(&client.secret, &secret) {
        return Err(OAuthError::invalid_client("client authentication failed", realm));
    }
    Ok(client)
}

/// How `verify_assertion` may misbehave, for fault injection; the default is correct.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssertionPolicy {
    pub aud_unchecked: bool,
    pub exp_unchecked: bool,
    pub signature_unchecked: bool,
    pub alg_none_accepted: bool,
    pub sub_unchecked: bool,
    pub replay_accepted: bool,
    /// FAPI 2.0 §5.3.2.1 item 8: aud must be a string, not an array.
    pub aud_array_refused: bool,
    /// FAPI 2.0 §5.3.2.1 item 13: the furthest ahead of now `iat` and `nbf` may be (seconds).
    pub max_ahead: Option<u64>,
}

/// RFC 7523 §3: the assertion is signed ES256 by `key`, `iss` and `sub` are `client_id`, `aud`
/// names this server (its issuer or one of its endpoints), `exp` is ahead (30 s leeway), and its
/// `jti` (MAY, §3 item 7) was not seen before. The error is for error_description.
pub fn verify_assertion(
    jwt: &str,
    client_id: &str,
    key: &crate::jose::assertion::SigningKey,
    audiences: &[String],
    seen_jti: &dyn Fn(&str) -> bool,
    policy: AssertionPolicy,
) -> Result<(), &'static str> {
    let header_alg = jwt.split('.').next().and_then(|h| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).ok()).and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok()).and_then(|h| h["alg"].as_str().map(str::to_string));
    let unsigned = header_alg.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("none"));
    let claims: serde_json::Value = if (unsigned && policy.alg_none_accepted) || policy.signature_unchecked {
        // The faults read the claims without checking anything.
        jwt.split('.')
            .nth(1)
            .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the client assertion is not a JWT")?
    } else {
        if unsigned {
            return Err("an unsigned client assertion (alg none)");
        }
        let (x, y) = key.public_xy();
        crate::jose::assertion::verify_es256(jwt, x, y).ok_or("the client assertion's signature does not verify")?
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    if !policy.exp_unchecked && claims["exp"].as_u64().is_none_or(|e| e + 30 <= now) {
        return Err("the client assertion has no exp or has expired");
    }
    if let Some(max) = policy.max_ahead
        && ["iat", "nbf"].iter().any(|c| claims[*c].as_u64().is_some_and(|t| t > now + max))
    {
        return Err("the client assertion's iat or nbf is too far in the future");
    }
    if !policy.aud_unchecked {
        let auds: Vec<&str> = match &claims["aud"] {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(_) if policy.aud_array_refused => return Err("the client assertion's aud must be a string, not an array"),
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => vec![],
        };
        if !auds.iter().any(|a| audiences.iter().any(|x| x == a)) {
            return Err("the client assertion's aud does not name this server");
        }
    }
    if !policy.sub_unchecked && (claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id)) {
        return Err("the client assertion's iss and sub must both be the client_id");
    }
    if let Some(jti) = claims["jti"].as_str()
        && seen_jti(jti) && !policy.replay_accepted {
            return Err("the client assertion's jti was used before");
        }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use rstest::rstest;

    fn authorization(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    fn basic(credentials: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials))
    }

    #[rstest]
    #[case(basic("my-client:s3cret"), Ok(("my-client", "s3cret")))]
    #[case(basic("my%20client:a%3Ab"), Ok(("my client", "a:b")))]
    #[case(basic("id:with:colons"), Ok(("id", "with:colons")))]
    #[case("basic ".to_string() + &base64::engine::general_purpose::STANDARD.encode("a:b"), Ok(("a", "b")))]
    #[case(basic("no-colon"), Err("the Basic credentials have no colon"))]
    #[case("Basic !!!".to_string(), Err("the Basic credentials are not base64"))]
    #[case("Bearer abc".to_string(), Err("only HTTP Basic client authentication is supported"))]
    #[case("Basic".to_string(), Err("the Authorization header is malformed"))]
    fn basic_credentials_are_decoded_form_style(#[case] header: String, #[case] expected: Result<(&str, &str), &str>) {
        let got = basic_credentials_as(&authorization(&header), true);
        assert_eq!(got.as_ref().map(|(i, s)| (i.as_str(), s.as_str())).map_err(|e| *e), expected);
    }

    #[test]
    fn no_authorization_header_is_told_no_client_auth() {
        assert_eq!(basic_credentials_as(&HeaderMap::new(), true), Err(NO_CLIENT_AUTH));
    }

    #[test]
    fn a_client_authenticates_only_with_its_own_secret() {
        let reg = Registration::generate();
        let c = &reg.clients[0];
        let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let ok = authenticate(&authorization(&basic(&format!("{}:{}", c.id, form(&c.secret)))), &reg, true, true, "r").unwrap();
        assert_eq!(ok.id, c.id);
        let wrong = authenticate(&authorization(&basic(&format!("{}:{}", c.id, form(&reg.clients[1].secret)))), &reg, true, true, "r").unwrap_err();
        assert_eq!((wrong.status.as_u16(), wrong.description.as_str()), (401, "client authentication failed"));
        assert!(authenticate(&authorization(&basic(&format!("{}:wrong", c.id))), &reg, false, true, "r").is_ok(), "unchecked under the fault");
        // RFC 6749 §2.3.1: the generated secrets hold characters form-encoding changes, so a
        // server that does not decode them refuses the right secret.
        assert_ne!(form(&c.secret), c.secret);
        assert!(authenticate(&authorization(&basic(&format!("{}:{}", c.id, form(&c.secret)))), &reg, true, false, "r").is_err());
        let public = authenticate(&authorization(&basic("public-app:")), &reg, true, true, "r").unwrap_err();
        assert_eq!(public.description, "unknown client");
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }
}
