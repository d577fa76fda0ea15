//! The reference OpenID Provider's signing key: an RS256 key (OpenID Connect Discovery §3: RS256
//! MUST be among the ID Token algorithms), made once per process because a 2048-bit RSA key takes
//! a noticeable moment to generate, and shared by every reference server of the process. Enters:
//! nothing; leaves: the public JWK the JWK Set publishes.
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An RS256 key pair. The private half signs nothing yet: ID Tokens are the next step of issue 25.
pub struct OpKey {
    /// The public JWK, with its `kid` (the RFC 7638 thumbprint).
    pub jwk: Value,
}

/// The process's RS256 key, made on first use.
pub fn rs256() -> &'static OpKey {
    static KEY: OnceLock<OpKey> = OnceLock::new();
    KEY.get_or_init(|| OpKey::generate().expect("the system random source works"))
}

impl OpKey {
    fn generate() -> Result<OpKey, rsa::Error> {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
        let b64 = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let (n, e) = (b64(private.n()), b64(private.e()));
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#)));
        Ok(OpKey { jwk: json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_key_is_a_public_2048_bit_rsa_key_named_by_its_thumbprint() {
        let jwk = &rs256().jwk;
        assert!(jwk.get("d").is_none(), "the published JWK is public");
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256, "2048 bits");
        assert_eq!(jwk["kid"].as_str().unwrap().len(), 43, "a SHA-256 thumbprint, base64url");
        // jsonwebtoken reads it as an RS256 verification key.
        let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
        assert!(jsonwebtoken::DecodingKey::from_jwk(&parsed).is_ok());
    }
}
