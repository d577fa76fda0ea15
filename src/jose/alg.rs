//! The signing algorithms beside ES256 that FAPI 2.0 names for the JWTs a client sends (§5.4.1:
//! PS256, ES256, EdDSA with Ed25519), for DPoP proofs a server lists in
//! dpop_signing_alg_values_supported (RFC 9449 §5.1). Each key is made once per run (a 2048-bit
//! RSA key takes a moment) and never printed. Enters: a signing input; leaves: the public JWK,
//! its RFC 7638 thumbprint and the signature.
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use sha2::Digest;

/// An algorithm other than ES256 a proof may be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherAlg {
    Ps256,
    EdDsa,
}

impl OtherAlg {
    /// The JWS `alg` value (RFC 7518 §3.5; RFC 8037 §3.1).
    pub fn name(self) -> &'static str {
        match self {
            OtherAlg::Ps256 => "PS256",
            OtherAlg::EdDsa => "EdDSA",
        }
    }

    /// The run's key for the algorithm: its public JWK and its RFC 7638 thumbprint.
    pub fn public(self) -> (&'static Value, &'static str) {
        match self {
            OtherAlg::Ps256 => (&rsa_key().jwk, &rsa_key().thumbprint),
            OtherAlg::EdDsa => (&ed_key().jwk, &ed_key().thumbprint),
        }
    }

    /// The signature of `input` (RSASSA-PSS with SHA-256; Ed25519).
    pub fn sign(self, input: &[u8]) -> Vec<u8> {
        let rng = ring::rand::SystemRandom::new();
        match self {
            OtherAlg::Ps256 => {
                let k = &rsa_key().pair;
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&ring::signature::RSA_PSS_SHA256, &rng, input, &mut sig).expect("a 2048-bit key signs any input");
                sig
            }
            OtherAlg::EdDsa => ed_key().pair.sign(input).as_ref().to_vec(),
        }
    }
}

struct RsaKey {
    pair: ring::signature::RsaKeyPair,
    jwk: Value,
    thumbprint: String,
}

struct EdKey {
    pair: ring::signature::Ed25519KeyPair,
    jwk: Value,
    thumbprint: String,
}

fn thumbprint(canonical: &str) -> String {
    B64.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

fn rsa_key() -> &'static RsaKey {
    static KEY: OnceLock<RsaKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("the system random source works");
        let der = private.to_pkcs1_der().expect("a fresh key encodes");
        let b64 = |n: &rsa::BigUint| B64.encode(n.to_bytes_be());
        let (n, e) = (b64(private.n()), b64(private.e()));
        let pair = ring::signature::RsaKeyPair::from_der(der.as_bytes()).expect("ring reads the key rsa made");
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        let thumbprint = thumbprint(&format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#));
        RsaKey { pair, jwk: json!({"kty": "RSA", "n": n, "e": e}), thumbprint }
    })
}

fn ed_key() -> &'static EdKey {
    static KEY: OnceLock<EdKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use ring::signature::KeyPair;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("the system random source works");
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("ring reads its own key");
        let x = B64.encode(pair.public_key().as_ref());
        // RFC 8037 §2: an OKP key; RFC 7638 §3.2's members for it: crv, kty, x.
        let thumbprint = thumbprint(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        EdKey { pair, jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x}), thumbprint }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_signs_what_its_public_half_verifies() {
        let input = b"header.claims";
        let (jwk, tp) = OtherAlg::EdDsa.public();
        let x = B64.decode(jwk["x"].as_str().unwrap()).unwrap();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, x).verify(input, &OtherAlg::EdDsa.sign(input)).unwrap();
        assert_eq!(tp.len(), 43);
        let (jwk, _) = OtherAlg::Ps256.public();
        let (n, e) = (B64.decode(jwk["n"].as_str().unwrap()).unwrap(), B64.decode(jwk["e"].as_str().unwrap()).unwrap());
        let public = ring::signature::RsaPublicKeyComponents { n, e };
        public.verify(&ring::signature::RSA_PSS_2048_8192_SHA256, input, &OtherAlg::Ps256.sign(input)).unwrap();
    }
}
