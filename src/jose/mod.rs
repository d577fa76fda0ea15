//! Signed things the suite makes: client assertions (RFC 7523) and DPoP proofs (RFC 9449), well
//! formed or broken one named way. What enters: keys and claims. What leaves: compact JWTs.
pub mod alg;
pub mod assertion;
pub mod dpop;

/// RFC 8705 §3.1: a certificate's thumbprint, `x5t#S256` — the base64url SHA-256 of its DER.
pub fn x5t_s256(der: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der))
}
