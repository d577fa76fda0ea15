//! The reference OpenID Provider's signing keys: an RS256 key (OpenID Connect Discovery §3: RS256
//! MUST be among the ID Token algorithms) and a second one the JWK Set never shows (what a token
//! signed by the wrong key is signed with). Made once per process because a 2048-bit RSA key takes
//! a noticeable moment to generate, and shared by every reference server of the process. Enters:
//! claims to sign; leaves: compact JWS and the public JWK.
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An RS256 key pair: the signing key and the public JWK.
pub struct OpKey {
    /// ring signs (several times faster than the pure-Rust `rsa` crate, which only makes the key).
    signing: ring::signature::RsaKeyPair,
    /// The public JWK, with its `kid` (the RFC 7638 thumbprint).
    pub jwk: Value,
    pub kid: String,
}

/// The process's published RS256 key, made on first use.
pub fn rs256() -> &'static OpKey {
    static KEY: OnceLock<OpKey> = OnceLock::new();
    KEY.get_or_init(|| OpKey::generate().expect("the system random source works"))
}

/// The key a rotation brings in: published beside the first, and signing under the variant.
pub fn rotated() -> &'static OpKey {
    static KEY: OnceLock<OpKey> = OnceLock::new();
    KEY.get_or_init(|| OpKey::generate().expect("the system random source works"))
}

/// A key the JWK Set never publishes.
pub fn unpublished() -> &'static OpKey {
    static KEY: OnceLock<OpKey> = OnceLock::new();
    KEY.get_or_init(|| OpKey::generate().expect("the system random source works"))
}

impl OpKey {
    fn generate() -> Result<OpKey, rsa::Error> {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
        let der = private.to_pkcs1_der().map_err(|_| rsa::Error::Internal)?;
        let b64 = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let (n, e) = (b64(private.n()), b64(private.e()));
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#)));
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e});
        let signing = ring::signature::RsaKeyPair::from_der(der.as_bytes()).map_err(|_| rsa::Error::Internal)?;
        Ok(OpKey { signing, jwk, kid })
    }

    /// `claims` signed with RS256 (RFC 7515 §7.1's compact form); the header names `kid` when
    /// given.
    pub fn sign(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = json!({"typ": "JWT", "alg": "RS256"});
        if let Some(k) = kid {
            header["kid"] = json!(k);
        }
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
        let input = format!("{}.{}", part(&header), part(claims));
        let mut signature = vec![0u8; self.signing.public().modulus_len()];
        self.signing
            .sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut signature)
            .expect("a 2048-bit key signs any input");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// A compact JWS read as the server reads what it is handed (an ID Token hint, a request
/// object): its header and its claims, unverified. None when it is no such token.
pub fn read(token: &str) -> Option<(Value, serde_json::Map<String, Value>)> {
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let json = |s: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(s).ok()?).ok();
    match json(payload)? {
        Value::Object(claims) => Some((json(header)?, claims)),
        _ => None,
    }
}

/// `claims` as an unsigned JWS (alg `none`, RFC 7519 §6): what a broken provider sends.
pub fn unsigned(claims: &Value) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.", enc(&json!({"alg": "none", "typ": "JWT"})), enc(claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(jwt: &str, jwk: &Value) -> bool {
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
        let dk = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        jsonwebtoken::decode::<Value>(jwt, &dk, &v).is_ok()
    }

    #[test]
    fn a_token_verifies_with_the_published_key_only_and_names_its_kid() {
        let key = rs256();
        let jwt = key.sign(&json!({"sub": "alice"}), Some(&key.kid));
        assert!(verifies(&jwt, &key.jwk));
        assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().kid.as_deref(), Some(key.kid.as_str()));
        assert!(!verifies(&unpublished().sign(&json!({"sub": "alice"}), Some(&key.kid)), &key.jwk), "the other key's signature fails");
        assert!(key.jwk.get("d").is_none(), "the published JWK is public");
        assert_eq!(URL_SAFE_NO_PAD.decode(key.jwk["n"].as_str().unwrap()).unwrap().len(), 256, "2048 bits");
    }

    #[test]
    fn an_unsigned_token_says_alg_none_and_has_an_empty_signature() {
        let t = unsigned(&json!({"sub": "alice"}));
        assert!(t.ends_with('.'));
        assert_eq!(t.split('.').count(), 3);
    }
}
