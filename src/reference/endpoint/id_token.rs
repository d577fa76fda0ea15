//! The ID Token (OpenID Connect Core §2) the token endpoint issues for a code of an OpenID
//! request, or its broken shapes under the ID Token faults. Enters: who, for whom, the nonce;
//! leaves: the compact JWS.
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::super::fault::Fault;
use super::super::signing;
use super::super::variant::Variant;
use super::state::AuthServer;

/// How long an ID Token lives.
const LIFETIME: u64 = 300;

/// What an ID Token says beyond who issued it to whom: the nonce to echo, when the user
/// authenticated, the access token it travels with (for at_hash).
#[derive(Default)]
pub struct About<'a> {
    pub nonce: Option<&'a str>,
    pub auth_time: Option<u64>,
    pub access_token: Option<&'a str>,
    /// Issued on refresh (Core §12.2): the refresh faults apply.
    pub refreshed: bool,
}

/// The ID Token for `client_id`, issued by `issuer`.
pub fn issue(st: &AuthServer, issuer: &str, client_id: &str, about: About<'_>) -> String {
    let About { nonce, auth_time, access_token, refreshed } = about;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (iat, exp) = if st.has(Fault::RfcOidcIdTokenExpired) { (now - 2 * LIFETIME, now - LIFETIME) } else { (now, now + LIFETIME) };
    let mut claims = json!({
        "iss": if st.has(Fault::RfcOidcIdTokenWrongIss) { format!("{issuer}/") } else { issuer.to_string() },
        "sub": match () {
            _ if st.has(Fault::RfcOidcIdTokenLongSub) => "u".repeat(300),
            _ if refreshed && st.has(Fault::RfcOidcRefreshIdTokenOtherSub) => format!("{}-2", st.reg.user.username),
            _ => st.reg.user.username.clone(),
        },
        "aud": if st.has(Fault::RfcOidcIdTokenWrongAud) { "another-client".to_string() } else { client_id.to_string() },
        // Core §2: azp MAY be given with a single audience; when it is, it names this client.
        "azp": if st.has(Fault::RfcOidcAzpWrong) { "another-client" } else { client_id },
        "iat": iat,
        "exp": exp,
    });
    if let Some(t) = auth_time.filter(|_| !st.has(Fault::RfcOidcAuthTimeMissing)) {
        claims["auth_time"] = Value::from(t);
    }
    if let Some(access) = access_token.filter(|_| !st.variant(Variant::IdTokenWithoutAtHash)) {
        // Core §3.2.2.9: the left half of the SHA-256 of the token (RS256), base64url.
        use base64::Engine;
        use sha2::Digest;
        let hashed = if st.has(Fault::RfcOidcAtHashWrong) { format!("{access}x") } else { access.to_string() };
        let digest = sha2::Sha256::digest(hashed.as_bytes());
        claims["at_hash"] = Value::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]));
    }
    if let Some(n) = nonce.filter(|_| !st.has(Fault::RfcOidcIdTokenNonceDropped)) {
        claims["nonce"] = Value::from(n);
    }
    let key = signing::rs256();
    let kid = (!st.variant(Variant::IdTokenWithoutKid)).then_some(key.kid.as_str());
    if st.has(Fault::RfcOidcIdTokenUnsigned) {
        signing::unsigned(&claims)
    } else if st.has(Fault::RfcOidcIdTokenWrongKey) {
        signing::unpublished().sign(&claims, kid)
    } else {
        key.sign(&claims, kid)
    }
}
