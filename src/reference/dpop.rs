//! The reference's DPoP (RFC 9449) checks: §4.3's list, in order, each one switchable off by the
//! fault that breaks it. The token endpoint and the protected resource both call [`check`];
//! binding a token to the proof's key is the store's.
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::Value;

/// How long after its `iat` a proof is accepted (§11.1).
const WINDOW_SECS: i64 = 120;
/// How far ahead of the server's clock a proof's `iat` may be: 60 s (FAPI 2.0 Security Profile
/// §5.3.2.1 item 13 has JWTs up to 10 s ahead accepted and more than 60 s ahead rejected; RFC 9449
/// §11.1 leaves the window to the server).
const AHEAD_SECS: i64 = 60;

/// The §4.3 checks a faulty server skips.
#[derive(Debug, Default, Clone, Copy)]
pub struct Lax {
    pub typ: bool,
    pub alg_none: bool,
    pub symmetric: bool,
    pub signature: bool,
    pub private_key: bool,
    pub members: bool,
    pub htm: bool,
    pub htu: bool,
    pub iat: bool,
    pub several: bool,
    pub malformed: bool,
    pub ath: bool,
    /// PS256 and EdDSA proofs refused although the metadata lists them.
    pub es256_only: bool,
    /// How far ahead an `iat` may be, where a fault moves it from [`AHEAD_SECS`].
    pub ahead_secs: Option<i64>,
}

/// What a request's proof must be for.
pub struct Expected<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// At a resource: the access token the request carries (§4.3 item 12: `ath`).
    pub access_token: Option<&'a str>,
    /// The nonce the server requires, if it requires one (§8).
    pub nonce: Option<&'a str>,
}

/// A proof that passed: its key's thumbprint and its jti.
#[derive(Debug, Clone)]
pub struct Proven {
    pub jkt: String,
    pub jti: String,
}

/// Why a proof is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(String),
    /// §8: the proof lacks the server's current nonce.
    NonceNeeded,
}

/// The request's proof checked against `want`: `Ok(None)` when there is none.
pub fn check(headers: &HeaderMap, want: &Expected<'_>, lax: Lax) -> Result<Option<Proven>, Refusal> {
    let bad = |m: &str| Refusal::Invalid(m.to_string());
    let values: Vec<&str> = headers.get_all("dpop").iter().filter_map(|v| v.to_str().ok()).collect();
    let Some(jws) = values.first() else { return Ok(None) };
    if values.len() > 1 && !lax.several {
        return Err(bad("more than one DPoP header"));
    }
    let parts: Vec<&str> = jws.split('.').collect();
    let decode = |s: &str| B64.decode(s).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let (header, claims) = match (parts.len(), parts.first().and_then(|s| decode(s)), parts.get(1).and_then(|s| decode(s))) {
        (3, Some(h @ Value::Object(_)), Some(c @ Value::Object(_))) => (h, c),
        // The malformed-ignored fault: a header that is no JWT counts as no proof.
        _ if lax.malformed => return Ok(None),
        _ => return Err(bad("the DPoP header is not a JWT")),
    };
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") && !lax.typ {
        return Err(bad("typ is not dpop+jwt"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let skip_signature = match alg {
        "ES256" => lax.signature,
        // RFC 9449 §5.1: the algorithms the metadata lists (FAPI 2.0 §5.4.1's three).
        "PS256" | "EdDSA" if !lax.es256_only => lax.signature,
        "none" if lax.alg_none => true,
        "HS256" | "HS384" | "HS512" if lax.symmetric => true,
        _ => return Err(bad("alg is not an asymmetric algorithm this server supports (ES256, PS256, EdDSA)")),
    };
    let jwk = header.get("jwk").filter(|j| j.is_object());
    if jwk.is_some_and(|j| j.get("d").is_some()) && !lax.private_key {
        return Err(bad("the jwk holds a private key"));
    }
    let member = |n: &str| claims.get(n).filter(|v| !v.is_null());
    if !lax.members {
        if jwk.is_none() {
            return Err(bad("no jwk in the header"));
        }
        if let Some(m) = ["jti", "htm", "htu", "iat"].into_iter().find(|m| member(m).is_none()) {
            return Err(bad(&format!("no {m} claim")));
        }
    }
    let key = jwk.map(ProofKey::of).unwrap_or(ProofKey::Ec { x: String::new(), y: String::new() });
    if !skip_signature && jwk.is_some() && !key.signed(jws, alg) {
        return Err(bad("the signature does not verify with the jwk"));
    }
    if let Some(htm) = member("htm")
        && htm.as_str() != Some(want.method) && !lax.htm {
            return Err(bad("htm is not this request's method"));
        }
    if let Some(htu) = member("htu")
        && !lax.htu && !same_uri(htu.as_str().unwrap_or_default(), want.url) {
            return Err(bad("htu is not this endpoint's URI"));
        }
    if let Some(n) = want.nonce
        && member("nonce").and_then(Value::as_str) != Some(n) {
            return Err(Refusal::NonceNeeded);
        }
    if member("iat").is_some_and(|iat| !fresh(iat, lax.ahead_secs.unwrap_or(AHEAD_SECS))) && !lax.iat {
        return Err(bad("iat is outside the accepted window"));
    }
    if let Some(token) = want.access_token
        && !lax.ath && member("ath").and_then(Value::as_str) != Some(&crate::jose::dpop::access_token_hash(token)) {
            return Err(bad("ath is not the hash of the access token"));
        }
    Ok(Some(Proven { jkt: key.thumbprint(), jti: member("jti").and_then(Value::as_str).unwrap_or_default().to_string() }))
}

/// §4.3 item 11: an `iat` within the window around now, at most `ahead` seconds in the future.
fn fresh(iat: &Value, ahead: i64) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    iat.as_i64().is_some_and(|t| now - t <= WINDOW_SECS && t - now <= ahead)
}

/// The proof's public key, as its `jwk` gives it: P-256, RSA or Ed25519.
enum ProofKey {
    Ec { x: String, y: String },
    Rsa { n: String, e: String },
    Ed { x: String },
}

impl ProofKey {
    fn of(jwk: &Value) -> ProofKey {
        let m = |n: &str| jwk.get(n).and_then(Value::as_str).unwrap_or_default().to_string();
        match jwk.get("kty").and_then(Value::as_str) {
            Some("RSA") => ProofKey::Rsa { n: m("n"), e: m("e") },
            Some("OKP") => ProofKey::Ed { x: m("x") },
            _ => ProofKey::Ec { x: m("x"), y: m("y") },
        }
    }

    /// RFC 7638 §3.2: the thumbprint over the key type's required members.
    fn thumbprint(&self) -> String {
        use sha2::Digest;
        match self {
            ProofKey::Ec { x, y } => crate::jose::dpop::thumbprint_of(x, y),
            ProofKey::Rsa { n, e } => B64.encode(sha2::Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#))),
            ProofKey::Ed { x } => B64.encode(sha2::Sha256::digest(format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#))),
        }
    }

    /// Whether `jws` is signed with `alg` by this key (§4.3 item 6); the algorithm must be the
    /// key type's.
    fn signed(&self, jws: &str, alg: &str) -> bool {
        use jsonwebtoken::{Algorithm, DecodingKey};
        let key = match (self, alg) {
            (ProofKey::Ec { x, y }, "ES256") => return crate::jose::assertion::verify_es256(jws, x, y).is_some(),
            (ProofKey::Rsa { n, e }, "PS256") => DecodingKey::from_rsa_components(n, e).map(|k| (k, Algorithm::PS256)),
            (ProofKey::Ed { x }, "EdDSA") => DecodingKey::from_ed_components(x).map(|k| (k, Algorithm::EdDSA)),
            _ => return false,
        };
        key.ok().is_some_and(|(key, alg)| {
            let mut v = jsonwebtoken::Validation::new(alg);
            v.required_spec_claims.clear();
            v.validate_exp = false;
            v.validate_aud = false;
            jsonwebtoken::decode::<Value>(jws, &key, &v).is_ok()
        })
    }
}

/// §4.3 item 9: the URIs compared after RFC 3986 syntax- and scheme-based normalisation (which
/// `url` applies when parsing), query and fragment ignored.
fn same_uri(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        url::Url::parse(s).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::assertion::SigningKey;
    use crate::jose::dpop::{Flaw, Target, proof};

    fn headers(values: &[String]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("dpop", v.parse().unwrap());
        }
        h
    }

    fn checked(flaw: Flaw, lax: Lax) -> Result<Option<Proven>, Refusal> {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("http://127.0.0.1:9/token").unwrap();
        let p = proof(&a, &b, &Target { method: "POST", url: &url, access_token: Some("t"), nonce: None }, flaw);
        check(&headers(&[p]), &Expected { method: "POST", url: "http://127.0.0.1:9/token", access_token: Some("t"), nonce: None }, lax)
    }

    /// FAPI 2.0 §5.3.2.1 item 13: an `iat` 8 s ahead is taken, 70 s ahead refused; the faults
    /// move the bound each way.
    #[test]
    fn a_proof_ahead_of_the_clock_is_taken_up_to_60_seconds() {
        assert!(checked(Flaw::Ahead8s, Lax::default()).is_ok());
        assert!(matches!(checked(Flaw::Ahead70s, Lax::default()), Err(Refusal::Invalid(m)) if m.contains("iat")));
        assert!(checked(Flaw::Ahead70s, Lax { ahead_secs: Some(120), ..Lax::default() }).is_ok());
        assert!(matches!(checked(Flaw::Ahead8s, Lax { ahead_secs: Some(1), ..Lax::default() }), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn a_well_formed_proof_passes_and_names_its_keys_thumbprint() {
        let p = checked(Flaw::None, Lax::default()).unwrap().unwrap();
        assert_eq!(p.jkt.len(), 43);
        assert!(!p.jti.is_empty());
        assert!(check(&HeaderMap::new(), &Expected { method: "POST", url: "http://x/", access_token: None, nonce: None }, Lax::default()).unwrap().is_none());
    }

    #[test]
    fn each_broken_proof_is_refused_and_its_own_fault_lets_it_through() {
        type Loosen = fn(&mut Lax);
        let cases: [(Flaw, Loosen); 15] = [
            (Flaw::NoTyp, |l| l.typ = true),
            (Flaw::WrongTyp, |l| l.typ = true),
            (Flaw::AlgNone, |l| l.alg_none = true),
            (Flaw::Symmetric, |l| l.symmetric = true),
            (Flaw::BadSignature, |l| l.signature = true),
            (Flaw::PrivateKey, |l| l.private_key = true),
            (Flaw::NoJwk, |l| l.members = true),
            (Flaw::NoJti, |l| l.members = true),
            (Flaw::NoIat, |l| l.members = true),
            (Flaw::WrongHtm, |l| l.htm = true),
            (Flaw::WrongHtu, |l| l.htu = true),
            (Flaw::Stale, |l| l.iat = true),
            (Flaw::Future, |l| l.iat = true),
            (Flaw::WrongAth, |l| l.ath = true),
            (Flaw::NotJwt, |l| l.malformed = true),
        ];
        for (flaw, relax) in cases {
            assert!(matches!(checked(flaw, Lax::default()), Err(Refusal::Invalid(_))), "{flaw:?} passed a strict server");
            let mut lax = Lax::default();
            relax(&mut lax);
            assert!(checked(flaw, lax).is_ok(), "{flaw:?} refused by a server lax about it");
        }
    }

    #[test]
    fn two_proofs_and_a_missing_nonce_are_refused() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("http://h/token").unwrap();
        let t = Target { method: "POST", url: &url, access_token: None, nonce: None };
        let two = headers(&[proof(&a, &b, &t, Flaw::None), proof(&a, &b, &t, Flaw::None)]);
        let want = Expected { method: "POST", url: "http://h/token", access_token: None, nonce: None };
        assert!(matches!(check(&two, &want, Lax::default()), Err(Refusal::Invalid(_))));
        assert!(check(&two, &want, Lax { several: true, ..Lax::default() }).is_ok());
        let one = headers(&[proof(&a, &b, &t, Flaw::None)]);
        assert_eq!(check(&one, &Expected { nonce: Some("n"), ..want }, Lax::default()).unwrap_err(), Refusal::NonceNeeded);
        assert!(same_uri("HTTP://H:80/token", "http://h/token?x#y"));
    }
}
