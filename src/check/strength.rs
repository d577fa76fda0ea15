//! How hard issued codes and tokens are to guess (RFC 6749 §10.10: at most 2^-128, SHOULD 2^-160;
//! RFC 6819 §5.1.4.2.2), estimated from a handful of samples.
//!
//! The estimate: line the samples up from the left; a position where every sample has the same
//! character carries nothing (a prefix, a version, a JWT header), a position where they differ
//! carries at most log2 of the alphabet the varying characters come from (10 digits, 16 hex,
//! 36 or 62 alphanumerics, 64 base64url, else the printable ASCII the samples use). The sum is an
//! upper bound for a uniform generator: it catches counters, timestamps, short or narrow tokens
//! and shared prefixes; it cannot prove a generator is cryptographically random, and it reads a
//! signed token's signature as randomness (it is what makes the token unforgeable).

/// The estimate, with what it was made from (for the failure message).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub bits: f64,
    pub samples: usize,
    pub varying: usize,
    pub alphabet: usize,
    pub shortest: usize,
    /// Two samples were the same value: the generator repeats.
    pub repeated: bool,
}

impl Estimate {
    pub fn describe(&self) -> String {
        if self.repeated {
            return format!("{} samples, two of them identical: 0 bits", self.samples);
        }
        format!(
            "~{:.0} bits from {} samples ({} of {} characters vary, alphabet of {})",
            self.bits, self.samples, self.varying, self.shortest, self.alphabet
        )
    }
}

/// The alphabet the varying characters are drawn from, by the smallest usual class holding them.
fn alphabet(chars: &std::collections::BTreeSet<char>) -> usize {
    let all = |f: fn(&char) -> bool| chars.iter().all(f);
    if all(|c| c.is_ascii_digit()) {
        10
    } else if all(|c| c.is_ascii_digit() || ('a'..='f').contains(c)) || all(|c| c.is_ascii_digit() || ('A'..='F').contains(c)) {
        16
    } else if all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) || all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
        36
    } else if all(char::is_ascii_alphanumeric) {
        62
    } else if all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '.' | '~')) {
        64
    } else {
        // The printable ASCII, or (for other text) the distinct characters seen, at least 95.
        chars.len().max(95)
    }
}

/// Estimates the guessing entropy of the generator behind `samples`.
pub fn estimate(samples: &[&str]) -> Estimate {
    let chars: Vec<Vec<char>> = samples.iter().map(|s| s.chars().collect()).collect();
    let shortest = chars.iter().map(Vec::len).min().unwrap_or(0);
    let repeated = samples.iter().enumerate().any(|(i, a)| samples[..i].contains(a));
    let varying_positions: Vec<usize> = (0..shortest).filter(|&i| chars.iter().any(|c| c[i] != chars[0][i])).collect();
    let seen: std::collections::BTreeSet<char> = varying_positions.iter().flat_map(|&i| chars.iter().map(move |c| c[i])).collect();
    let alphabet = if seen.is_empty() { 1 } else { alphabet(&seen) };
    let bits = if repeated || samples.len() < 2 { 0.0 } else { varying_positions.len() as f64 * (alphabet as f64).log2() };
    Estimate { bits, samples: samples.len(), varying: varying_positions.len(), alphabet, shortest, repeated }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| alphabet[(crate::model::token::random_bytes::<1>()[0] as usize) % alphabet.len()] as char).collect()
    }

    #[test]
    fn a_256_bit_base64url_token_is_estimated_near_256_bits() {
        let samples: Vec<String> = (0..8).map(|_| crate::model::token::random_token()).collect();
        let e = estimate(&samples.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(e.bits >= 240.0 && e.bits <= 258.0, "{e:?}");
    }

    #[test]
    fn a_counter_is_estimated_far_below_128_bits() {
        let samples: Vec<String> = (100..108).map(|n| format!("tok-{n:012}")).collect();
        let e = estimate(&samples.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((e.varying, e.alphabet), (1, 10), "{e:?}");
        assert!(e.bits < 4.0);
    }

    #[test]
    fn a_uuid_v4_is_estimated_below_128_bits() {
        let samples: Vec<String> = (0..8)
            .map(|_| {
                let h = random(32, b"0123456789abcdef");
                format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
            })
            .collect();
        let e = estimate(&samples.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(e.bits < 128.0 && e.bits > 110.0, "{e:?}");
    }

    #[test]
    fn thirty_alphanumerics_pass_128_bits_and_twenty_do_not() {
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let samples: Vec<String> = (0..8).map(|_| random(30, alnum)).collect();
        let e = estimate(&samples.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(e.bits > 170.0 && e.bits < 180.0, "{e:?}");
        let short: Vec<String> = (0..8).map(|_| random(20, alnum)).collect();
        let e = estimate(&short.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(e.bits > 110.0 && e.bits < 128.0, "{e:?}");
    }

    #[test]
    fn a_repeated_value_is_zero_bits() {
        let e = estimate(&["abcdef0123456789abcdef0123456789", "abcdef0123456789abcdef0123456789", "00"]);
        assert!(e.repeated && e.bits == 0.0 && e.describe().contains("identical"));
    }

    #[test]
    fn a_shared_prefix_counts_for_nothing() {
        let samples: Vec<String> = (0..8).map(|_| format!("eyJhbGciOiJIUzI1NiJ9.{}", random(8, b"0123456789abcdef"))).collect();
        let e = estimate(&samples.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(e.bits <= 32.0 && e.varying <= 8, "{e:?}");
    }
}
