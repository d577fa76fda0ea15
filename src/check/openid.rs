//! The OpenID Connect checks of an HTTP answer: what OpenID Connect Discovery and Core demand of
//! the documents and tokens an OpenID Provider serves. Same shape as `check::http`: what enters
//! is the answer and the step's `Expect`; what leaves is records in the `Recorder`.
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::check::expect::{Expect, IdTokenExpect};
use crate::check::http::Answer;
use crate::check::record::{CheckContext, Mismatch, Recorder, Verdict};
use crate::model::placeholder;
use crate::transport::http::excerpt;

/// How far in the future an `iat` may be before it is not sane (clock skew).
const SKEW: i64 = 300;

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

/// `distinct_kids`: RFC 7517 §4.5: distinct kid values within a JWK Set.
pub fn distinct_kids(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if !e.distinct_kids {
        return;
    }
    let Some(keys) = a.obj().and_then(|s| s.get("keys")).and_then(Value::as_array) else { return };
    let kids: Vec<&str> = keys.iter().filter_map(|k| k.get("kid").and_then(Value::as_str)).collect();
    let twice = kids.iter().enumerate().find(|(i, k)| kids[..*i].contains(k)).map(|(_, k)| *k);
    let verdict = match twice {
        None => Ok(()),
        Some(k) => Err(Mismatch::expected("a distinct kid for each key", format!("kid {:?} on two keys", excerpt(k, 60)))),
    };
    r.record("jwk_set_kids_distinct", Some("RFC 7517 §4.5"), verdict);
}

/// `rsa_keys_2048`: RFC 7518 §3.3, §4.2: RSA keys of 2048 bits or more.
pub fn rsa_keys_2048(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if e.rsa_keys_2048
        && let Some(set) = a.obj()
    {
        r.record("jwk_set_rsa_keys_2048_bits", Some("RFC 7518 §3.3"), rsa_long_enough(set));
    }
}

fn rsa_long_enough(set: &Value) -> Verdict {
    let keys = set.get("keys").and_then(Value::as_array).ok_or_else(|| Mismatch::expected("a keys array", "no keys array"))?;
    for (i, key) in keys.iter().enumerate().filter(|(_, k)| k.get("kty").and_then(Value::as_str) == Some("RSA")) {
        let kid = key.get("kid").and_then(Value::as_str).map(|k| format!(" (kid {:?})", excerpt(k, 40))).unwrap_or_default();
        let n = key.get("n").and_then(Value::as_str).and_then(|n| URL_SAFE_NO_PAD.decode(n.trim_end_matches('=')).ok());
        let Some(n) = n else { return Err(Mismatch::expected("RSA keys with a base64url modulus n", format!("key {i}{kid} without one"))) };
        let significant = n.iter().skip_while(|b| **b == 0).collect::<Vec<_>>();
        let bits = significant.first().map_or(0, |b| (significant.len() - 1) * 8 + (8 - b.leading_zeros() as usize));
        if bits < 2048 {
            return Err(Mismatch::expected("RSA keys of at least 2048 bits", format!("key {i}{kid} of {bits} bits")));
        }
    }
    Ok(())
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

/// `id_token`: the answer's ID Token, each rule of OpenID Connect Core §2 a check of its own.
pub fn id_token(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    let Some(want) = &e.id_token else { return };
    let Some(body) = a.obj() else { return };
    if want.if_present && body.get("id_token").is_none() {
        return;
    }
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    judge_id_token(r, want, text("id_token"), text("access_token"), None, a.ctx);
}

/// An ID Token, wherever it came (a token answer, an authorization response), with the access
/// token and code issued beside it (for at_hash and c_hash): each rule a check of its own.
pub fn judge_id_token(r: &mut Recorder, want: &IdTokenExpect, token: Option<&str>, access_token: Option<&str>, code: Option<&str>, ctx: &CheckContext<'_>) {
    if !r.record("id_token_present", Some("OpenID Connect Core §3.1.3.3"), token.map(|_| ()).ok_or_else(|| Mismatch::expected("an id_token member", "none"))) {
        return;
    }
    let token = token.unwrap_or_default();
    let parsed = Jws::parse(token);
    if !r.record("id_token_is_jws", Some("OpenID Connect Core §2"), parsed.as_ref().map(|_| ()).map_err(|why| Mismatch::expected("a compact JWS", why.to_string()))) {
        return;
    }
    let Ok(jws) = parsed else { return };
    let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or("");
    let signed = r.record("id_token_signed", Some("OpenID Connect Core §2"), if alg.is_empty() || alg.eq_ignore_ascii_case("none") { Err(Mismatch::expected("a signed ID Token", format!("alg {alg:?}"))) } else { Ok(()) });
    if signed {
        r.record("id_token_signature_verifies", Some("OpenID Connect Core §10.1"), verify(token, &jws.header, alg, ctx.jwks));
    }
    let resolve = |t: &str| placeholder::expand(t, ctx.resolve).unwrap_or_else(|_| t.to_string());
    let issuer = resolve("{issuer}");
    r.record("id_token_iss_is_issuer", Some("OpenID Connect Core §2, Discovery §3"), claim_equals(&jws.claims, "iss", &issuer));
    r.record("id_token_aud_has_client", Some("OpenID Connect Core §2"), aud_has(&jws.claims, &resolve("{client_id}")));
    if jws.claims.get("azp").is_some() {
        r.record("id_token_azp_is_client", Some("OpenID Connect Core §2"), claim_equals(&jws.claims, "azp", &resolve("{client_id}")));
    }
    r.record("id_token_times_sane", Some("OpenID Connect Core §2"), times(&jws.claims, now()));
    r.record("id_token_sub_valid", Some("OpenID Connect Core §2"), sub_valid(&jws.claims));
    for (claim, issued, required, check, rule) in [
        ("at_hash", access_token, want.at_hash, "id_token_at_hash_matches", "OpenID Connect Core §3.1.3.6, §3.2.2.9, §3.2.2.10"),
        ("c_hash", code, want.c_hash, "id_token_c_hash_matches", "OpenID Connect Core §3.3.2.10, §3.3.2.11"),
    ] {
        match (jws.claims.get(claim), issued) {
            (Some(hash), Some(value)) => {
                if let Some(verdict) = left_half_hash(hash, value, alg) {
                    r.record(check, Some(rule), verdict);
                }
            }
            (None, Some(_)) if required => {
                r.record(check, Some(rule), Err(Mismatch::expected(format!("{claim} (REQUIRED with this response type)"), "none")));
            }
            _ => {}
        }
    }
    if let Some(nonce) = &want.nonce {
        r.record("id_token_nonce_echoed", Some("OpenID Connect Core §2, §3.1.3.7"), claim_equals(&jws.claims, "nonce", &resolve(nonce)));
    }
    auth_times(r, want, &jws.claims, &resolve);
    if want.no_nonce {
        let verdict = match jws.claims.get("nonce") {
            None => Ok(()),
            Some(n) => Err(Mismatch::expected("no nonce claim", format!("nonce {}", excerpt(&n.to_string(), 60)))),
        };
        r.record("id_token_without_nonce", Some("OpenID Connect Core §12.2"), verdict);
    }
    if let Some(t) = &want.sub {
        r.record("id_token_sub_same", Some("OpenID Connect Core §2 sub, §3.1.2.1 id_token_hint"), claim_equals(&jws.claims, "sub", &resolve(t)));
    }
}

/// `auth_time` present where asked, and against an earlier one: later (a new sign-in), the same
/// (no new sign-in), the original authentication's when present (a refresh, Core §12.2).
fn auth_times(r: &mut Recorder, want: &IdTokenExpect, claims: &Value, resolve: &dyn Fn(&str) -> String) {
    let auth_time = claims.get("auth_time").and_then(Value::as_i64);
    if want.auth_time || want.auth_time_after.is_some() || want.auth_time_same.is_some() {
        r.record("id_token_auth_time_present", Some("OpenID Connect Core §2, §3.1.2.1 max_age"), auth_time.map(|_| ()).ok_or_else(|| Mismatch::expected("an auth_time (a JSON number)", shown(claims.get("auth_time")))));
    }
    let Some(now) = auth_time else { return };
    type Holds = fn(i64, i64) -> bool;
    /// The earlier value's template, how the two must relate, the check, its clause, what was
    /// wanted and what the difference means.
    type Comparison<'a> = (Option<&'a String>, Holds, &'static str, &'static str, &'static str, &'static str);
    let later: Holds = |now, before| now > before;
    let same: Holds = |now, before| now == before;
    let comparisons: [Comparison<'_>; 3] = [
        (want.auth_time_after.as_ref(), later, "id_token_auth_time_later", "OpenID Connect Core §3.1.2.1", "an auth_time after the earlier sign-in's", ": no new authentication"),
        (want.auth_time_same.as_ref(), same, "id_token_auth_time_unchanged", "OpenID Connect Core §2 auth_time", "the session's auth_time", ": as if the user signed in again"),
        (want.auth_time_kept.as_ref(), same, "id_token_auth_time_original", "OpenID Connect Core §12.2", "no auth_time, or the original authentication's", ""),
    ];
    for (template, holds, check, clause, wanted, why) in comparisons {
        let Some(t) = template else { continue };
        let verdict = match resolve(t).parse::<i64>().ok() {
            Some(before) if holds(now, before) => Ok(()),
            Some(before) => Err(Mismatch::expected(format!("{wanted} {before}"), format!("{now}{why}"))),
            None => Err(Mismatch::Other(format!("the earlier ID Token had no auth_time to compare with ({t})"))),
        };
        r.record(check, Some(clause), verdict);
    }
}

/// A claim's value as a message shows it (bounded: it comes from the target).
fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "none".to_string(), |v| excerpt(&v.to_string(), 60))
}

/// Core §3.2.2.9: the base64url of the left half of the hash of the token's ASCII octets, with
/// the hash of the ID Token's alg (SHA-256 for *256, SHA-384, SHA-512; SHA-512 for EdDSA).
/// None for an alg whose hash the suite does not know: no verdict rather than a wrong one.
fn left_half_hash(claim: &Value, token: &str, alg: &str) -> Option<Verdict> {
    use sha2::Digest;
    let digest: Vec<u8> = match alg.get(2..) {
        Some("384") => sha2::Sha384::digest(token.as_bytes()).to_vec(),
        Some("512" | "DSA") => sha2::Sha512::digest(token.as_bytes()).to_vec(),
        Some("256") => sha2::Sha256::digest(token.as_bytes()).to_vec(),
        _ => return None,
    };
    let want = URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]);
    Some(match claim.as_str() {
        Some(got) if got == want => Ok(()),
        Some(got) => Err(Mismatch::expected(format!("at_hash {want} (the access token's left-half {alg} hash)"), excerpt(got, 60))),
        None => Err(Mismatch::expected("at_hash as a string", shown(Some(claim)))),
    })
}

/// A compact JWS taken apart: its header and its claims (the payload as a JSON object).
struct Jws {
    header: Value,
    claims: Value,
}

/// The claims of a compact JWS's payload, unverified: what a later step compares with (a
/// captured ID Token's `sub`). None when `token` is no compact JWS with a JSON object payload.
pub fn jws_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    match Jws::parse(token).ok()?.claims {
        Value::Object(o) => Some(o),
        _ => None,
    }
}

/// Why a token is no compact JWS.
#[derive(Debug, thiserror::Error)]
enum JwsProblem {
    #[error("{0} dot-separated parts")]
    Parts(usize),
    #[error("a {0} that is not base64url")]
    NotBase64(&'static str),
    #[error("a {0} that is not a JSON object")]
    NotObject(&'static str),
}

impl Jws {
    fn parse(token: &str) -> Result<Jws, JwsProblem> {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(JwsProblem::Parts(parts.len()));
        }
        let json = |part: &str, what: &'static str| -> Result<Value, JwsProblem> {
            let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).map_err(|_| JwsProblem::NotBase64(what))?;
            serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object).ok_or(JwsProblem::NotObject(what))
        };
        Ok(Jws { header: json(parts[0], "header")?, claims: json(parts[1], "payload")? })
    }
}

/// The signature checked with the JWK Set's key: the one `kid` names, else the only key of the
/// algorithm's type (Core §10.1: a kid is required only when the set holds several).
fn verify(token: &str, header: &Value, alg: &str, jwks: Option<&Value>) -> Verdict {
    let Some(keys) = jwks.and_then(|s| s.get("keys")).and_then(Value::as_array) else {
        return Err(Mismatch::expected("a JWK Set to verify with", "none fetched from jwks_uri"));
    };
    let algorithm: jsonwebtoken::Algorithm = alg.parse().map_err(|_| Mismatch::expected("an algorithm the suite verifies (RS*, PS*, ES*)", format!("alg {alg:?}")))?;
    let kty = match alg.get(..2) {
        Some("RS" | "PS") => "RSA",
        Some("ES") => "EC",
        _ => return Err(Mismatch::expected("an asymmetric algorithm (RS*, PS*, ES*)", format!("alg {alg:?}"))),
    };
    let key = match header.get("kid").and_then(Value::as_str) {
        Some(kid) => keys.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(kid)).ok_or_else(|| Mismatch::expected("a key of the JWK Set with the header's kid", format!("no key with kid {kid:?}")))?,
        None => {
            let of_type: Vec<&Value> = keys.iter().filter(|k| k.get("kty").and_then(Value::as_str) == Some(kty)).collect();
            match of_type.as_slice() {
                [only] => *only,
                [] => return Err(Mismatch::expected(format!("a {kty} key in the JWK Set"), "none")),
                many => return Err(Mismatch::expected("a kid in the header: the JWK Set holds several keys of that type", format!("no kid, {} {kty} keys", many.len()))),
            }
        }
    };
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone()).map_err(|e| Mismatch::expected("a usable JWK", excerpt(&e.to_string(), 80)))?;
    let dk = jsonwebtoken::DecodingKey::from_jwk(&jwk).map_err(|e| Mismatch::expected("a usable JWK", excerpt(&e.to_string(), 80)))?;
    let (message, signature) = token.rsplit_once('.').unwrap_or((token, ""));
    match jsonwebtoken::crypto::verify(signature, message.as_bytes(), &dk, algorithm) {
        Ok(true) => Ok(()),
        _ => Err(Mismatch::expected("a signature the JWK Set's key verifies", "a signature it does not")),
    }
}

fn claim_equals(claims: &Value, name: &str, want: &str) -> Verdict {
    match claims.get(name) {
        Some(Value::String(s)) if s == want => Ok(()),
        Some(other) => Err(Mismatch::expected(format!("{name} = {want:?}"), excerpt(&other.to_string(), 80))),
        None => Err(Mismatch::expected(format!("{name} = {want:?}"), format!("no {name} claim"))),
    }
}

fn aud_has(claims: &Value, client_id: &str) -> Verdict {
    let held = match claims.get("aud") {
        Some(Value::String(s)) => s == client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v == client_id),
        _ => false,
    };
    if held { Ok(()) } else { Err(Mismatch::expected(format!("aud holding {client_id:?}"), claims.get("aud").map_or("no aud claim".into(), |v| excerpt(&v.to_string(), 80)))) }
}

/// exp and iat: NumericDates, exp in the future and after iat, iat not ahead of now.
fn times(claims: &Value, now: i64) -> Verdict {
    let number = |n: &str| claims.get(n).and_then(Value::as_f64).map(|f| f as i64);
    match (number("exp"), number("iat")) {
        (None, _) | (_, None) => Err(Mismatch::expected("exp and iat as JSON numbers", excerpt(&format!("exp {:?}, iat {:?}", claims.get("exp"), claims.get("iat")), 80))),
        (Some(exp), _) if exp <= now => Err(Mismatch::expected("exp in the future", format!("exp {} s ago", now - exp))),
        (Some(exp), Some(iat)) if iat > exp => Err(Mismatch::expected("iat before exp", format!("iat {iat}, exp {exp}"))),
        (_, Some(iat)) if iat > now + SKEW => Err(Mismatch::expected("iat not in the future", format!("iat {} s ahead", iat - now))),
        _ => Ok(()),
    }
}

/// sub: a string of 1 to 255 ASCII characters.
fn sub_valid(claims: &Value) -> Verdict {
    match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 && s.is_ascii() => Ok(()),
        Some(Value::String(s)) => Err(Mismatch::expected("a sub of 1 to 255 ASCII characters", format!("{} characters{}", s.chars().count(), if s.is_ascii() { "" } else { ", not all ASCII" }))),
        Some(other) => Err(Mismatch::expected("sub as a string", excerpt(&other.to_string(), 80))),
        None => Err(Mismatch::expected("a sub claim", "none")),
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// A test RSA key: its encoding key and public JWK (made once; RSA keys take a moment).
    fn test_key() -> &'static (jsonwebtoken::EncodingKey, Value) {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        static KEY: std::sync::OnceLock<(jsonwebtoken::EncodingKey, Value)> = std::sync::OnceLock::new();
        KEY.get_or_init(|| {
            let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
            let der = private.to_pkcs1_der().unwrap();
            let b64 = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
            let jwk = json!({"kty": "RSA", "kid": "k1", "n": b64(private.n()), "e": b64(private.e())});
            (jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()), jwk)
        })
    }

    fn signed(kid: Option<&str>) -> (String, Value) {
        let (key, _) = test_key();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = kid.map(str::to_string);
        let token = jsonwebtoken::encode(&header, &json!({"sub": "alice"}), key).unwrap();
        let header = Jws::parse(&token).unwrap().header;
        (token, header)
    }

    #[rstest]
    #[case::by_kid(Some("k1"), json!([{"kty": "EC", "kid": "e"}, "KEY"]), None)]
    #[case::one_key_without_kid(None, json!(["KEY"]), None)]
    #[case::unknown_kid(Some("k9"), json!(["KEY"]), Some("expected a key of the JWK Set with the header's kid, got no key with kid \"k9\""))]
    #[case::two_rsa_keys_no_kid(None, json!(["KEY", {"kty": "RSA", "n": "AQAB", "e": "AQAB"}]), Some("expected a kid in the header: the JWK Set holds several keys of that type, got no kid, 2 RSA keys"))]
    fn the_signature_is_checked_with_the_key_the_header_names_or_the_only_one(#[case] kid: Option<&str>, #[case] keys: Value, #[case] message: Option<&str>) {
        let (token, header) = signed(kid);
        let keys: Vec<Value> = keys.as_array().unwrap().iter().map(|k| if k == "KEY" { test_key().1.clone() } else { k.clone() }).collect();
        let set = json!({ "keys": keys });
        assert_eq!(verify(&token, &header, "RS256", Some(&set)).err().map(|m| m.to_string()).as_deref(), message);
    }

    #[test]
    fn a_tampered_token_or_a_missing_set_fails_the_signature() {
        let (token, header) = signed(Some("k1"));
        let set = json!({ "keys": [test_key().1.clone()] });
        let (head, sig) = token.rsplit_once('.').unwrap();
        let (h, _) = head.split_once('.').unwrap();
        let forged = format!("{h}.{}.{sig}", URL_SAFE_NO_PAD.encode(r#"{"sub":"mallory"}"#));
        assert_eq!(verify(&forged, &header, "RS256", Some(&set)).unwrap_err().to_string(), "expected a signature the JWK Set's key verifies, got a signature it does not");
        assert_eq!(verify(&token, &header, "RS256", None).unwrap_err().to_string(), "expected a JWK Set to verify with, got none fetched from jwks_uri");
        assert!(verify(&token, &header, "HS256", Some(&set)).is_err(), "a MAC is no signature a JWK Set verifies");
    }

    #[rstest]
    #[case::fine(json!({"exp": 1_000_300, "iat": 1_000_000}), None)]
    #[case::expired(json!({"exp": 999_990, "iat": 999_000}), Some("expected exp in the future, got exp 10 s ago"))]
    #[case::strings(json!({"exp": "1000300", "iat": 1_000_000}), Some("expected exp and iat as JSON numbers, got exp Some(String(\"1000300\")), iat Some(Number(1000000))"))]
    #[case::iat_ahead(json!({"exp": 1_009_000, "iat": 1_001_000}), Some("expected iat not in the future, got iat 1000 s ahead"))]
    #[case::iat_after_exp(json!({"exp": 1_000_100, "iat": 1_000_200}), Some("expected iat before exp, got iat 1000200, exp 1000100"))]
    fn exp_and_iat_must_be_sane(#[case] claims: Value, #[case] message: Option<&str>) {
        assert_eq!(times(&claims, 1_000_000).err().map(|m| m.to_string()).as_deref(), message);
    }

    #[rstest]
    // Core §3.1.3.8's example: this access token's at_hash is 77QmUPtjPfzWtF2AnpK9RQ.
    #[case::core_example("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", json!("77QmUPtjPfzWtF2AnpK9RQ"), None)]
    #[case::another_token("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Z", json!("77QmUPtjPfzWtF2AnpK9RQ"), Some("expected at_hash"))]
    #[case::not_a_string("RS256", "t", json!(1), Some("expected at_hash as a string, got 1"))]
    #[case::unknown_alg("XY999", "t", json!("x"), Some("no verdict"))]
    fn at_hash_is_the_left_half_of_the_access_tokens_hash(#[case] alg: &str, #[case] token: &str, #[case] claim: Value, #[case] message: Option<&str>) {
        let got = left_half_hash(&claim, token, alg);
        match (message, got) {
            (Some("no verdict"), got) => assert!(got.is_none()),
            (None, got) => assert_eq!(got, Some(Ok(()))),
            (Some(m), Some(Err(e))) => assert!(e.to_string().starts_with(m), "{e}"),
            (Some(m), got) => panic!("{m}: {got:?}"),
        }
    }

    /// Records of `id_token` on a token answer with these claims (signed with the test key).
    fn id_token_records(claims: Value, want: IdTokenExpect, values: &[(&str, &str)]) -> Vec<(String, bool, Option<String>)> {
        let (key, jwk) = test_key();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("k1".into());
        let token = jsonwebtoken::encode(&header, &claims, key).unwrap();
        let body = json!({ "access_token": "at", "id_token": token }).to_string();
        let resp = crate::transport::http::HttpResponse { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: body.into_bytes() };
        let schemas = crate::check::schema::Schemas::default();
        let set = json!({ "keys": [jwk] });
        let lookup = |n: &str| values.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string());
        let ctx = crate::check::record::CheckContext { schemas: &schemas, error_schema: "", sent_state: None, sent_redirect_uri: None, resolve: &lookup, jwks: Some(&set) };
        let expect = Expect { id_token: Some(want), ..Default::default() };
        let mut r = Recorder::new("main", crate::model::level::Level::Must);
        id_token(&mut r, &expect, &Answer::new(&resp, &ctx));
        r.records.into_iter().map(|c| (c.check.to_string(), c.passed, c.message)).collect()
    }

    #[test]
    fn auth_time_sub_and_azp_are_judged_against_earlier_values() {
        let now = now();
        let claims = json!({ "iss": "https://as", "sub": "alice", "aud": "c", "azp": "c", "iat": now, "exp": now + 60, "auth_time": now - 5 });
        let values = [("issuer", "https://as"), ("client_id", "c"), ("t.sub", "alice"), ("t.at", &*(now - 10).to_string()), ("t.same", &*(now - 5).to_string())];
        let want = IdTokenExpect { auth_time: true, auth_time_after: Some("{t.at}".into()), auth_time_same: Some("{t.same}".into()), sub: Some("{t.sub}".into()), ..Default::default() };
        let records = id_token_records(claims.clone(), want, &values);
        assert!(records.iter().all(|(_, passed, _)| *passed), "{records:?}");
        for check in ["id_token_azp_is_client", "id_token_auth_time_present", "id_token_auth_time_later", "id_token_auth_time_unchanged", "id_token_sub_same"] {
            assert!(records.iter().any(|(c, _, _)| c == check), "{check} not recorded: {records:?}");
        }
        // The same auth_time is no new sign-in; another sub is another user; azp of another client.
        let mut other = claims;
        other["sub"] = json!("bob");
        other["azp"] = json!("d");
        let want = IdTokenExpect { auth_time_after: Some("{t.same}".into()), sub: Some("{t.sub}".into()), ..Default::default() };
        let failed: Vec<String> = id_token_records(other, want, &values).into_iter().filter(|(_, p, _)| !p).map(|(c, _, _)| c).collect();
        assert_eq!(failed, ["id_token_azp_is_client", "id_token_auth_time_later", "id_token_sub_same"]);
    }

    #[test]
    fn if_present_lets_an_answer_without_id_token_pass() {
        let resp = crate::transport::http::HttpResponse { status: 200, headers: vec![], body: br#"{"access_token":"at"}"#.to_vec() };
        let schemas = crate::check::schema::Schemas::default();
        let ctx = crate::check::record::CheckContext { schemas: &schemas, error_schema: "", sent_state: None, sent_redirect_uri: None, resolve: &|_| None, jwks: None };
        let mut r = Recorder::new("main", crate::model::level::Level::Must);
        id_token(&mut r, &Expect { id_token: Some(IdTokenExpect { if_present: true, ..Default::default() }), ..Default::default() }, &Answer::new(&resp, &ctx));
        assert!(r.records.is_empty());
        id_token(&mut r, &Expect { id_token: Some(IdTokenExpect::default()), ..Default::default() }, &Answer::new(&resp, &ctx));
        assert_eq!(r.records.iter().map(|c| (c.check, c.passed)).collect::<Vec<_>>(), [("id_token_present", false)]);
    }

    #[rstest]
    #[case::long(json!({"keys": [{"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xC5u8; 256]), "e": "AQAB"}, {"kty": "EC"}]}), None)]
    #[case::leading_zero_is_not_a_bit(json!({"keys": [{"kty": "RSA", "kid": "z", "n": URL_SAFE_NO_PAD.encode([&[0u8][..], &[0x7Fu8; 256][..]].concat())}]}), Some("expected RSA keys of at least 2048 bits, got key 0 (kid \"z\") of 2047 bits"))]
    #[case::short(json!({"keys": [{"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xFFu8; 128])}]}), Some("expected RSA keys of at least 2048 bits, got key 0 of 1024 bits"))]
    #[case::no_modulus(json!({"keys": [{"kty": "RSA"}]}), Some("expected RSA keys with a base64url modulus n, got key 0 without one"))]
    fn rsa_keys_must_have_2048_bits(#[case] set: Value, #[case] message: Option<&str>) {
        assert_eq!(rsa_long_enough(&set).err().map(|m| m.to_string()).as_deref(), message);
    }

    #[rstest]
    #[case::plain(json!({"sub": "248289761001"}), None)]
    #[case::too_long(json!({"sub": "u".repeat(256)}), Some("expected a sub of 1 to 255 ASCII characters, got 256 characters"))]
    #[case::not_ascii(json!({"sub": "zoë"}), Some("expected a sub of 1 to 255 ASCII characters, got 3 characters, not all ASCII"))]
    #[case::empty(json!({"sub": ""}), Some("expected a sub of 1 to 255 ASCII characters, got 0 characters"))]
    #[case::missing(json!({}), Some("expected a sub claim, got none"))]
    fn sub_is_a_short_ascii_string(#[case] claims: Value, #[case] message: Option<&str>) {
        assert_eq!(sub_valid(&claims).err().map(|m| m.to_string()).as_deref(), message);
    }

    #[rstest]
    #[case::string(json!({"aud": "c1"}), true)]
    #[case::array(json!({"aud": ["api", "c1"]}), true)]
    #[case::other(json!({"aud": "c2"}), false)]
    #[case::missing(json!({}), false)]
    fn aud_must_hold_the_client_id(#[case] claims: Value, #[case] held: bool) {
        assert_eq!(aud_has(&claims, "c1").is_ok(), held);
    }

    #[test]
    fn a_token_that_is_no_jws_says_what_it_is() {
        let problem = |t: &str| Jws::parse(t).err().map(|p| p.to_string());
        assert_eq!(problem("a.b").as_deref(), Some("2 dot-separated parts"));
        assert_eq!(problem("!!.e30.x").as_deref(), Some("a header that is not base64url"));
        assert_eq!(problem("e30.W10.x").as_deref(), Some("a payload that is not a JSON object"));
    }

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
