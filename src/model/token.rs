//! Random values: issued tokens and codes (reference server), states and unknown values (suite).
use base64::Engine;

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b
}

/// 256 random bits, base64url without padding (43 characters).
pub fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("the OS random source is available");
    hex::encode(b)
}

/// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
pub fn s256(verifier: &str) -> String {
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn a_random_token_is_43_base64url_characters_and_fresh_each_time() {
        let t = random_token();
        assert_eq!(t.len(), 43, "{t}");
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "not base64url without padding: {t}");
        assert_ne!(random_token(), t);
    }

    #[test]
    fn random_hex_is_two_lower_case_digits_per_byte() {
        for n in [0, 1, 8, 33] {
            let h = random_hex(n);
            assert_eq!(h.len(), 2 * n);
            assert!(h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')), "{h}");
        }
        assert_ne!(random_hex(16), random_hex(16));
    }

    #[test]
    fn random_bytes_fills_the_whole_array() {
        // 64 zero bytes from the OS random source would be a broken fill, not chance.
        assert!(random_bytes::<64>().iter().any(|&b| b != 0));
    }
}
