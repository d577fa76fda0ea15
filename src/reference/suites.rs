//! The TLS cipher suites the reference's listeners permit (FAPI 2.0 Security Profile §5.2).
//! Enters: whether a fault widens them; leaves: the rustls provider both listeners use.
use std::sync::Arc;

/// rustls's ring provider with, for TLS 1.2, only RFC 9325 §4.2's four cipher suites (ECDHE with
/// AES-GCM): FAPI 2.0 §5.2.2 item 1 for endpoints not used by browsers, which the token endpoint
/// shares a listener with. `all_tls12_suites` (a fault) keeps rustls's others (ChaCha20).
pub fn provider(all_tls12_suites: bool) -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::CipherSuite as C;
    let mut provider = rustls::crypto::ring::default_provider();
    let recommended = [C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384];
    if !all_tls12_suites {
        provider.cipher_suites.retain(|s| s.tls13().is_some() || recommended.contains(&s.suite()));
    }
    Arc::new(provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_tls_1_2_only_the_four_recommended_suites_are_permitted_unless_the_fault_widens_them() {
        let tls12 = |p: &rustls::crypto::CryptoProvider| p.cipher_suites.iter().filter(|s| s.tls13().is_none()).count();
        assert_eq!(tls12(&provider(false)), 4);
        assert!(tls12(&provider(true)) > 4, "rustls's ChaCha20 suites too");
        assert_eq!(provider(false).cipher_suites.iter().filter(|s| s.tls13().is_some()).count(), provider(true).cipher_suites.iter().filter(|s| s.tls13().is_some()).count());
    }
}
