//! The ID Token (OpenID Connect Core §2) the token endpoint issues for a code of an OpenID
//! request, or its broken shapes under the ID Token faults. Enters: who, for whom, the nonce;
//! leaves: the compact JWS.

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
    /// The granted scope (its claims go in the ID Token under a variant).
    pub scope: Option<&'a str>,
    /// The code issued beside it at the authorization endpoint (for c_hash).
    pub code: Option<&'a str>,
    /// Issued at the authorization endpoint with an access token: at_hash is REQUIRED.
    pub at_hash_required: bool,
}

/// Core §3.2.2.9, §3.3.2.11: the left half of the SHA-256 of the value (RS256), base64url; of
/// another value under a fault.
fn left_half_hash(value: &str, wrong: bool) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hashed = if wrong { format!("{value}x") } else { value.to_string() };
    let digest = sha2::Sha256::digest(hashed.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The ID Token for `client_id`, issued by `issuer`.
pub fn issue(st: &AuthServer, issuer: &str, client_id: &str, about: About<'_>) -> String {
    let About { nonce, auth_time, access_token, refreshed, scope, code, at_hash_required } = about;
    let now = st.sessions.now();
    let (iat, exp) = if st.has(Fault::RfcOidcIdTokenExpired) { (now - 2 * LIFETIME, now - LIFETIME) } else { (now, now + LIFETIME) };
    let mut claims = json!({
        "iss": if st.has(Fault::RfcOidcIdTokenWrongIss) { format!("{issuer}/") } else { issuer.to_string() },
        "sub": match () {
            _ if st.has(Fault::RfcOidcIdTokenLongSub) => "u".repeat(300),
            _ if refreshed && st.has(Fault::RfcOidcRefreshIdTokenOtherSub) => format!("{}-2", st.reg.user.username),
            _ if !refreshed && st.has(Fault::RfcOidcSubPerLogin) => format!("{}-{}", st.reg.user.username, crate::model::token::random_hex(4)),
            _ => st.reg.user.username.clone(),
        },
        "aud": if st.has(Fault::RfcOidcIdTokenWrongAud) { "another-client".to_string() } else { client_id.to_string() },
        // Core §2: azp MAY be given with a single audience; when it is, it names this client.
        "azp": if st.has(Fault::RfcOidcAzpWrong) { "another-client" } else { client_id },
        "iat": iat,
        "exp": exp,
    });
    if let (true, Some(scope)) = (st.variant(Variant::ScopeClaimsInIdToken), scope) {
        for (k, v) in super::claims::scope_claims(st, scope) {
            claims[k] = v;
        }
    }
    if let Some(t) = auth_time.filter(|_| !st.has(Fault::RfcOidcAuthTimeMissing)) {
        claims["auth_time"] = Value::from(t);
    }
    let at_hash_wanted = if at_hash_required { !st.has(Fault::RfcOidcImplicitAtHashMissing) } else { !st.variant(Variant::IdTokenWithoutAtHash) };
    if let Some(access) = access_token.filter(|_| at_hash_wanted) {
        claims["at_hash"] = Value::from(left_half_hash(access, st.has(Fault::RfcOidcAtHashWrong)));
    }
    if let Some(code) = code {
        claims["c_hash"] = Value::from(left_half_hash(code, st.has(Fault::RfcOidcCHashWrong)));
    }
    if let Some(n) = nonce.filter(|_| !st.has(Fault::RfcOidcIdTokenNonceDropped)) {
        claims["nonce"] = Value::from(n);
    }
    // After a rotation, the new key signs; the JWK Set holds both (a kid says which).
    let key = if st.variant(Variant::JwksRotatedKey) { signing::rotated() } else { signing::rs256() };
    let kid = (!st.variant(Variant::IdTokenWithoutKid)).then_some(key.kid.as_str());
    if st.has(Fault::RfcOidcIdTokenUnsigned) {
        signing::unsigned(&claims)
    } else if st.has(Fault::RfcOidcIdTokenWrongKey) {
        signing::unpublished().sign(&claims, kid)
    } else {
        key.sign(&claims, kid)
    }
}
