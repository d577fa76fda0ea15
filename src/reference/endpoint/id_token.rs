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

/// The ID Token for `client_id`'s code, issued by `issuer`, echoing `nonce`.
pub fn issue(st: &AuthServer, issuer: &str, client_id: &str, nonce: Option<&str>) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (iat, exp) = if st.has(Fault::RfcOidcIdTokenExpired) { (now - 2 * LIFETIME, now - LIFETIME) } else { (now, now + LIFETIME) };
    let mut claims = json!({
        "iss": if st.has(Fault::RfcOidcIdTokenWrongIss) { format!("{issuer}/") } else { issuer.to_string() },
        "sub": if st.has(Fault::RfcOidcIdTokenLongSub) { "u".repeat(300) } else { st.reg.user.username.clone() },
        "aud": if st.has(Fault::RfcOidcIdTokenWrongAud) { "another-client".to_string() } else { client_id.to_string() },
        "iat": iat,
        "exp": exp,
    });
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
