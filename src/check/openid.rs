//! The OpenID Connect checks of an HTTP answer: what OpenID Connect Discovery and Core demand of
//! the documents and tokens an OpenID Provider serves. Same shape as `check::http`: what enters
//! is the answer and the step's `Expect`; what leaves is records in the `Recorder`.
use serde_json::Value;

use crate::check::expect::Expect;
use crate::check::http::Answer;
use crate::check::record::{Mismatch, Recorder, Verdict};

/// The JWK members that carry private (RFC 7518 §6.2.2, §6.3.2) or symmetric (§6.4.1) key values.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// `public_keys_only`: every key of the JWK Set is a public key.
pub fn public_keys_only(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if e.public_keys_only
        && let Some(set) = a.obj()
    {
        r.record("jwk_set_public_keys_only", Some("OpenID Connect Discovery §3 jwks_uri"), public_only(set));
    }
}

fn public_only(set: &Value) -> Verdict {
    let keys = set.get("keys").and_then(Value::as_array).ok_or_else(|| Mismatch::expected("a keys array", "no keys array"))?;
    for (i, key) in keys.iter().enumerate() {
        let found: Vec<&str> = PRIVATE_MEMBERS.into_iter().filter(|m| key.get(*m).is_some()).collect();
        if !found.is_empty() {
            let kid = key.get("kid").and_then(Value::as_str).map(|k| format!(" (kid {k:?})")).unwrap_or_default();
            return Err(Mismatch::expected("public keys only", format!("key {i}{kid} carries {}", found.join(", "))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::rsa_public(json!({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}), None)]
    #[case::empty_set(json!({"keys": []}), None)]
    #[case::rsa_private(json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "x", "e": "AQAB", "d": "x", "p": "y"}]}), Some("expected public keys only, got key 0 (kid \"k1\") carries d, p"))]
    #[case::symmetric(json!({"keys": [{"kty": "EC"}, {"kty": "oct", "k": "c2VjcmV0"}]}), Some("expected public keys only, got key 1 carries k"))]
    #[case::no_keys(json!({"jwks": []}), Some("expected a keys array, got no keys array"))]
    fn a_jwk_set_must_hold_public_keys_only(#[case] set: Value, #[case] message: Option<&str>) {
        assert_eq!(public_only(&set).err().map(|m| m.to_string()).as_deref(), message);
    }
}
