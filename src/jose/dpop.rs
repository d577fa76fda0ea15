//! DPoP (RFC 9449): the proofs the suite signs for a request, well-formed or broken in one named
//! way (§4.2's header and claims; §4.3's list of what a receiving server MUST check), and the
//! JWK thumbprint (RFC 7638) that names the key a token is bound to. Each case holds its own two
//! keys (A, the client's, and B, another), generated per case and never printed; the runner
//! registers every proof with the redactor as it sends it.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use sha2::Digest;

use crate::jose::assertion::SigningKey;

/// The header a proof travels in.
pub const HEADER: &str = "dpop";

/// How a proof departs from RFC 9449 §4.2, if at all. Each names one check of §4.3's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// A well-formed proof by key A.
    None,
    /// An access token in the DPoP scheme and no proof at all (§7.1).
    Absent,
    /// §4.3 item 4.
    NoTyp,
    WrongTyp,
    /// §4.3 item 5: `alg: none`, no signature.
    AlgNone,
    /// §4.3 item 5: HS256, a MAC keyed with the public key's x coordinate.
    Symmetric,
    /// §4.3 item 6: the signature altered.
    BadSignature,
    /// §4.3 item 7: the private `d` inside the `jwk`.
    PrivateKey,
    /// §4.3 item 3: required members left out.
    NoJwk,
    NoJti,
    NoHtm,
    NoHtu,
    NoIat,
    /// §4.3 item 8, 9.
    WrongHtm,
    WrongHtu,
    /// §4.3 item 11: an hour old, an hour ahead.
    Stale,
    Future,
    /// A well-formed proof whose `iat` is 8 s ahead (a client clock a little fast), and one 70 s
    /// ahead: FAPI 2.0 Security Profile §5.3.2.1 item 13 has the server accept JWTs 0 to 10 s in
    /// the future and reject those more than 60 s ahead.
    Ahead8s,
    Ahead70s,
    /// §4.3 item 2: not a JWT.
    NotJwt,
    /// §4.3 item 1: two DPoP header fields.
    TwoHeaders,
    /// §11.1: the case's previous proof sent again.
    Replay,
    /// §4.3 item 12: a valid proof by key B.
    OtherKey,
    /// §4.3 item 12: no `ath`, or the hash of another token.
    NoAth,
    WrongAth,
    /// A well-formed proof signed PS256, or EdDSA (Ed25519), by the run's key of that type
    /// (RFC 9449 §5.1: the algorithms the server lists).
    Ps256,
    EdDsa,
}

impl Flaw {
    pub const ALL: [(&'static str, Flaw); 27] = [
        ("proof", Flaw::None),
        ("absent", Flaw::Absent),
        ("no_typ", Flaw::NoTyp),
        ("wrong_typ", Flaw::WrongTyp),
        ("alg_none", Flaw::AlgNone),
        ("symmetric", Flaw::Symmetric),
        ("bad_signature", Flaw::BadSignature),
        ("private_key", Flaw::PrivateKey),
        ("no_jwk", Flaw::NoJwk),
        ("no_jti", Flaw::NoJti),
        ("no_htm", Flaw::NoHtm),
        ("no_htu", Flaw::NoHtu),
        ("no_iat", Flaw::NoIat),
        ("wrong_htm", Flaw::WrongHtm),
        ("wrong_htu", Flaw::WrongHtu),
        ("stale", Flaw::Stale),
        ("future", Flaw::Future),
        ("ahead_8s", Flaw::Ahead8s),
        ("ahead_70s", Flaw::Ahead70s),
        ("not_jwt", Flaw::NotJwt),
        ("two_headers", Flaw::TwoHeaders),
        ("replay", Flaw::Replay),
        ("other_key", Flaw::OtherKey),
        ("no_ath", Flaw::NoAth),
        ("wrong_ath", Flaw::WrongAth),
        ("proof_ps256", Flaw::Ps256),
        ("proof_eddsa", Flaw::EdDsa),
    ];

    pub fn parse(s: &str) -> Option<Flaw> {
        Flaw::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    /// RFC 9449 §4.3 item 11: a server nonce can stand for the proof's creation time, so a proof
    /// judged on its `iat` carries none, and is not signed again when a nonce is asked for.
    pub fn judged_on_iat(self) -> bool {
        matches!(self, Flaw::Stale | Flaw::Future)
    }

    /// The algorithm other than ES256 a well-formed proof is signed with.
    pub fn other_alg(self) -> Option<crate::jose::alg::OtherAlg> {
        match self {
            Flaw::Ps256 => Some(crate::jose::alg::OtherAlg::Ps256),
            Flaw::EdDsa => Some(crate::jose::alg::OtherAlg::EdDsa),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Flaw::ALL.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).unwrap_or("proof")
    }
}

impl serde::Serialize for Flaw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// RFC 7638 §3: the SHA-256 thumbprint of the public key's required members, base64url.
pub fn thumbprint(key: &SigningKey) -> String {
    let (x, y) = key.public_xy();
    thumbprint_of(x, y)
}

/// The thumbprint of a P-256 public key given by its coordinates.
pub fn thumbprint_of(x: &str, y: &str) -> String {
    // Members in lexicographic order, no whitespace (RFC 7638 §3.3).
    thumbprint_of_members(&format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#))
}

/// RFC 7638 §3.1 steps 2-3: the base64url SHA-256 of a JWK's canonical required members.
fn thumbprint_of_members(canonical: &str) -> String {
    B64.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

/// RFC 9449 §4.2 `ath`: the base64url SHA-256 of the access token's ASCII.
pub fn access_token_hash(token: &str) -> String {
    B64.encode(sha2::Sha256::digest(token.as_bytes()))
}

/// What one proof is for: the request's method and URL, and the access token it accompanies.
pub struct Target<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    pub access_token: Option<&'a str>,
    pub nonce: Option<&'a str>,
}

/// A proof for `to`, by `key` (or by `other` for [`Flaw::OtherKey`]), broken as `flaw` says.
/// [`Flaw::Absent`], [`Flaw::Replay`] and [`Flaw::TwoHeaders`] are the caller's to arrange; here
/// they sign a well-formed proof.
pub fn proof(key: &SigningKey, other: &SigningKey, to: &Target<'_>, flaw: Flaw) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let signer = if flaw == Flaw::OtherKey { other } else { key };
    let mut htu = to.url.clone();
    htu.set_query(None);
    htu.set_fragment(None);
    let other_alg = flaw.other_alg();
    let mut jwk = match other_alg {
        Some(a) => a.public().0.clone(),
        None => json!({ "kty": "EC", "crv": "P-256", "x": signer.public_xy().0, "y": signer.public_xy().1 }),
    };
    if flaw == Flaw::PrivateKey {
        jwk["d"] = json!(signer.private_scalar());
    }
    let mut header = json!({ "typ": "dpop+jwt", "alg": other_alg.map_or("ES256", |a| a.name()), "jwk": jwk });
    match flaw {
        Flaw::NoTyp => drop(header.as_object_mut().map(|h| h.remove("typ"))),
        Flaw::WrongTyp => header["typ"] = json!("JWT"),
        Flaw::AlgNone => header["alg"] = json!("none"),
        Flaw::Symmetric => header["alg"] = json!("HS256"),
        Flaw::NoJwk => drop(header.as_object_mut().map(|h| h.remove("jwk"))),
        _ => {}
    }
    let method = if flaw == Flaw::WrongHtm { if to.method == "POST" { "PUT" } else { "POST" } } else { to.method };
    let mut claims = json!({
        "jti": crate::model::token::random_token(),
        "htm": method,
        "htu": if flaw == Flaw::WrongHtu { other_htu(&htu) } else { htu.to_string() },
        "iat": match flaw { Flaw::Stale => now - 3600, Flaw::Future => now + 3600, Flaw::Ahead8s => now + 8, Flaw::Ahead70s => now + 70, _ => now },
    });
    if let Some(t) = to.access_token {
        match flaw {
            Flaw::NoAth => {}
            Flaw::WrongAth => claims["ath"] = json!(access_token_hash(&format!("{t}-another"))),
            _ => claims["ath"] = json!(access_token_hash(t)),
        }
    }
    if let Some(n) = to.nonce {
        claims["nonce"] = json!(n);
    }
    if let Some(o) = claims.as_object_mut() {
        match flaw {
            Flaw::NoJti => drop(o.remove("jti")),
            Flaw::NoHtm => drop(o.remove("htm")),
            Flaw::NoHtu => drop(o.remove("htu")),
            Flaw::NoIat => drop(o.remove("iat")),
            _ => {}
        }
    }
    if flaw == Flaw::NotJwt {
        return format!("not-a-jwt.{}", crate::model::token::random_hex(8));
    }
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let signature = match flaw {
        Flaw::AlgNone => Vec::new(),
        Flaw::Symmetric => {
            let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, signer.public_xy().0.as_bytes());
            ring::hmac::sign(&k, input.as_bytes()).as_ref().to_vec()
        }
        Flaw::BadSignature => {
            let mut s = signer.sign_raw(input.as_bytes());
            s[5] ^= 0x5a;
            s
        }
        _ => match other_alg {
            Some(a) => a.sign(input.as_bytes()),
            None => signer.sign_raw(input.as_bytes()),
        },
    };
    format!("{input}.{}", B64.encode(signature))
}

/// `dpop = "replay"` in a case whose earlier steps sent no proof: a fault of the case table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`dpop = \"replay\"`: no earlier proof in this case to send again")]
pub struct NoEarlierProof;

/// Puts the proof `flaw` asks for on `request` (replacing any earlier one), signed for its method
/// and URL; an access token in a Bearer Authorization header moves to the DPoP scheme with its
/// `ath` (§7.1). `last` is the case's previous proof, for a replay. Returns the proofs sent, for
/// the redactor.
pub fn attach(
    request: &mut crate::transport::http::HttpRequest,
    keys: &(SigningKey, SigningKey),
    flaw: Flaw,
    nonce: Option<&str>,
    last: Option<&str>,
) -> Result<Vec<String>, NoEarlierProof> {
    let mut token = None;
    for (k, v) in request.headers.iter_mut() {
        if k == "authorization"
            && let Some(t) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("DPoP ")) {
                token = Some(t.to_string());
                *v = format!("DPoP {t}");
            }
    }
    request.headers.retain(|(k, _)| k != HEADER);
    let to = Target { method: &request.method, url: &request.url, access_token: token.as_deref(), nonce };
    let proofs = match flaw {
        Flaw::Absent => Vec::new(),
        Flaw::Replay => vec![last.ok_or(NoEarlierProof)?.to_string()],
        Flaw::TwoHeaders => vec![proof(&keys.0, &keys.1, &to, Flaw::None), proof(&keys.0, &keys.1, &to, Flaw::None)],
        f => vec![proof(&keys.0, &keys.1, &to, f)],
    };
    for p in &proofs {
        request.headers.push((HEADER.to_string(), p.clone()));
    }
    Ok(proofs)
}

/// The nonce a refusal asks the client to use (RFC 9449 §8: `use_dpop_nonce` from the token
/// endpoint as a JSON error, §9: from a resource in the WWW-Authenticate challenge), if it asks.
pub fn nonce_asked(resp: &crate::transport::http::HttpResponse) -> Option<String> {
    let nonce = resp.header("dpop-nonce")?.trim().to_string();
    let in_json = resp.json().and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e == "use_dpop_nonce")).unwrap_or(false);
    let in_challenge = resp.header_joined("www-authenticate").is_some_and(|c| c.contains("use_dpop_nonce"));
    (matches!(resp.status, 400 | 401) && (in_json || in_challenge) && !nonce.is_empty()).then_some(nonce)
}

/// The same URL on another path: what a proof made for a different endpoint carries.
fn other_htu(htu: &url::Url) -> String {
    let mut u = htu.clone();
    let path = format!("{}/elsewhere", u.path().trim_end_matches('/'));
    u.set_path(&path);
    u.to_string()
}

/// The decoded JOSE header and claims of a compact JWS, unverified (for tests and the reference).
pub fn peek(jws: &str) -> Option<(Value, Value)> {
    let mut parts = jws.split('.');
    let json = |p: Option<&str>| p.and_then(|s| B64.decode(s).ok()).and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let header = json(parts.next())?;
    let claims = json(parts.next())?;
    Some((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(jws: &str, key: &SigningKey) -> bool {
        let (x, y) = key.public_xy();
        let dk = jsonwebtoken::DecodingKey::from_ec_components(x, y).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        jsonwebtoken::decode::<Value>(jws, &dk, &v).is_ok()
    }

    fn target(url: &url::Url) -> Target<'_> {
        Target { method: "POST", url, access_token: Some("tok"), nonce: Some("n1") }
    }

    #[test]
    fn a_well_formed_proof_carries_every_member_and_verifies_with_its_own_jwk() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token?x=1#f").unwrap();
        let p = proof(&a, &b, &target(&url), Flaw::None);
        let (h, c) = peek(&p).unwrap();
        assert_eq!(h["typ"], "dpop+jwt");
        assert_eq!(h["alg"], "ES256");
        assert_eq!(h["jwk"]["x"], a.public_xy().0);
        assert!(h["jwk"].get("d").is_none());
        assert_eq!(c["htm"], "POST");
        assert_eq!(c["htu"], "https://as.test/token");
        assert_eq!(c["ath"], access_token_hash("tok"));
        assert_eq!(c["nonce"], "n1");
        assert!(c["jti"].as_str().unwrap().len() >= 32);
        assert!(verify(&p, &a));
        assert_ne!(peek(&proof(&a, &b, &target(&url), Flaw::None)).unwrap().1["jti"], c["jti"]);
    }

    #[test]
    fn each_flaw_breaks_exactly_its_own_member() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token").unwrap();
        let get = |f| peek(&proof(&a, &b, &target(&url), f));
        assert!(get(Flaw::NoTyp).unwrap().0.get("typ").is_none());
        assert_eq!(get(Flaw::WrongTyp).unwrap().0["typ"], "JWT");
        assert!(proof(&a, &b, &target(&url), Flaw::AlgNone).ends_with('.'));
        assert_eq!(get(Flaw::Symmetric).unwrap().0["alg"], "HS256");
        assert!(!verify(&proof(&a, &b, &target(&url), Flaw::BadSignature), &a));
        assert_eq!(get(Flaw::PrivateKey).unwrap().0["jwk"]["d"].as_str().unwrap().len(), 43);
        assert!(get(Flaw::NoJwk).unwrap().0.get("jwk").is_none());
        for (f, m) in [(Flaw::NoJti, "jti"), (Flaw::NoHtm, "htm"), (Flaw::NoHtu, "htu"), (Flaw::NoIat, "iat"), (Flaw::NoAth, "ath")] {
            let (h, c) = get(f).unwrap();
            assert!(c.get(m).is_none(), "{f:?}");
            assert_eq!(h["typ"], "dpop+jwt");
        }
        assert_eq!(get(Flaw::WrongHtm).unwrap().1["htm"], "PUT");
        assert_eq!(get(Flaw::WrongHtu).unwrap().1["htu"], "https://as.test/token/elsewhere");
        assert_ne!(get(Flaw::WrongAth).unwrap().1["ath"], access_token_hash("tok"));
        let iat = get(Flaw::Stale).unwrap().1["iat"].as_i64().unwrap();
        assert!(iat < get(Flaw::None).unwrap().1["iat"].as_i64().unwrap() - 3000);
        assert!(get(Flaw::NotJwt).is_none());
        let other = proof(&a, &b, &target(&url), Flaw::OtherKey);
        assert!(verify(&other, &b) && !verify(&other, &a));
    }

    #[test]
    fn the_thumbprint_of_rfc_9449s_example_key_is_its_example_jkt() {
        // RFC 9449 §4.2 example key; §6.1 gives its thumbprint.
        let jkt = thumbprint_of("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs", "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA");
        assert_eq!(jkt, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    }

    #[test]
    fn attaching_moves_a_bearer_token_to_the_dpop_scheme_and_hashes_it_into_ath() {
        let keys = (SigningKey::generate(), SigningKey::generate());
        let mut req = crate::transport::http::HttpRequest {
            method: "GET".into(),
            url: url::Url::parse("https://rs.test/api?q=1").unwrap(),
            headers: vec![("authorization".into(), "Bearer tok-1".into())],
            body: None,
        };
        let sent = attach(&mut req, &keys, Flaw::None, Some("n-9"), None).unwrap();
        assert_eq!(req.headers[0], ("authorization".to_string(), "DPoP tok-1".to_string()));
        let (_, c) = peek(&sent[0]).unwrap();
        assert_eq!(c["ath"], access_token_hash("tok-1"));
        assert_eq!((c["htm"].as_str(), c["htu"].as_str(), c["nonce"].as_str()), (Some("GET"), Some("https://rs.test/api"), Some("n-9")));
        // A retry replaces the proof; a replay sends the earlier one again; two headers are two.
        attach(&mut req, &keys, Flaw::Replay, None, Some(&sent[0])).unwrap();
        let dpops: Vec<_> = req.headers.iter().filter(|(k, _)| k == HEADER).collect();
        assert_eq!(dpops.len(), 1);
        assert_eq!(dpops[0].1, sent[0]);
        assert_eq!(attach(&mut req, &keys, Flaw::TwoHeaders, None, None).unwrap().len(), 2);
        assert!(attach(&mut req, &keys, Flaw::Absent, None, None).unwrap().is_empty());
        assert!(!req.headers.iter().any(|(k, _)| k == HEADER));
        let err = attach(&mut req, &keys, Flaw::Replay, None, None).unwrap_err();
        assert_eq!(err, NoEarlierProof);
        assert_eq!(err.to_string(), "`dpop = \"replay\"`: no earlier proof in this case to send again");
    }

    #[test]
    fn a_nonce_is_asked_only_by_a_refusal_that_names_use_dpop_nonce() {
        let resp = |status, headers: Vec<(&str, &str)>, body: &str| crate::transport::http::HttpResponse {
            status,
            headers: headers.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        };
        let asked = resp(400, vec![("dpop-nonce", "abc"), ("content-type", "application/json")], r#"{"error":"use_dpop_nonce"}"#);
        assert_eq!(nonce_asked(&asked).as_deref(), Some("abc"));
        let challenge = resp(401, vec![("dpop-nonce", "def"), ("www-authenticate", r#"DPoP error="use_dpop_nonce""#)], "");
        assert_eq!(nonce_asked(&challenge).as_deref(), Some("def"));
        let other = resp(400, vec![("dpop-nonce", "abc"), ("content-type", "application/json")], r#"{"error":"invalid_dpop_proof"}"#);
        assert_eq!(nonce_asked(&other), None);
        assert_eq!(nonce_asked(&resp(400, vec![("content-type", "application/json")], r#"{"error":"use_dpop_nonce"}"#)), None);
    }

    /// Each member of a proof's header (`h.`) and claims (`c.`), by name.
    fn members(p: &str) -> std::collections::BTreeMap<String, Value> {
        let (h, c) = peek(p).expect("a compact JWS");
        let pairs = |prefix: &str, v: &Value| v.as_object().unwrap().iter().map(|(k, v)| (format!("{prefix}{k}"), v.clone())).collect::<Vec<_>>();
        pairs("h.", &h).into_iter().chain(pairs("c.", &c)).collect()
    }

    #[rstest::rstest]
    #[case::none(Flaw::None, &[])]
    #[case::absent_signs_a_well_formed_proof(Flaw::Absent, &[])]
    #[case::two_headers_signs_a_well_formed_proof(Flaw::TwoHeaders, &[])]
    #[case::replay_signs_a_well_formed_proof(Flaw::Replay, &[])]
    #[case::bad_signature(Flaw::BadSignature, &[])]
    #[case::no_typ(Flaw::NoTyp, &["h.typ"])]
    #[case::wrong_typ(Flaw::WrongTyp, &["h.typ"])]
    #[case::alg_none(Flaw::AlgNone, &["h.alg"])]
    #[case::symmetric(Flaw::Symmetric, &["h.alg"])]
    #[case::private_key(Flaw::PrivateKey, &["h.jwk"])]
    #[case::no_jwk(Flaw::NoJwk, &["h.jwk"])]
    #[case::other_key(Flaw::OtherKey, &["h.jwk"])]
    #[case::no_jti(Flaw::NoJti, &["c.jti"])]
    #[case::no_htm(Flaw::NoHtm, &["c.htm"])]
    #[case::no_htu(Flaw::NoHtu, &["c.htu"])]
    #[case::no_iat(Flaw::NoIat, &["c.iat"])]
    #[case::wrong_htm(Flaw::WrongHtm, &["c.htm"])]
    #[case::wrong_htu(Flaw::WrongHtu, &["c.htu"])]
    #[case::stale(Flaw::Stale, &["c.iat"])]
    #[case::future(Flaw::Future, &["c.iat"])]
    #[case::no_ath(Flaw::NoAth, &["c.ath"])]
    #[case::wrong_ath(Flaw::WrongAth, &["c.ath"])]
    fn a_flawed_proof_differs_from_a_well_formed_one_in_exactly_its_members(#[case] flaw: Flaw, #[case] changed: &[&str]) {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token").unwrap();
        let good = members(&proof(&a, &b, &target(&url), Flaw::None));
        let bad = members(&proof(&a, &b, &target(&url), flaw));
        let keys: std::collections::BTreeSet<&String> = good.keys().chain(bad.keys()).collect();
        let differ: Vec<&str> = keys
            .into_iter()
            .filter(|k| match (good.get(*k), bad.get(*k)) {
                // A fresh jti every time; an iat a second later is the same moment.
                (Some(_), Some(_)) if *k == "c.jti" => false,
                (Some(g), Some(b)) if *k == "c.iat" => (g.as_i64().unwrap() - b.as_i64().unwrap()).abs() > 2,
                (g, b) => g != b,
            })
            .map(String::as_str)
            .collect();
        assert_eq!(differ, changed);
    }

    /// Stale and future proofs are an hour off and judged on their `iat` alone (no nonce); the
    /// FAPI clock-skew proofs (8 s and 70 s ahead) carry a nonce when one is asked, like any
    /// well-formed proof, so that the server judges their `iat` and nothing else.
    #[rstest::rstest]
    #[case::stale(Flaw::Stale, -3600, true)]
    #[case::future(Flaw::Future, 3600, true)]
    #[case::ahead_8s(Flaw::Ahead8s, 8, false)]
    #[case::ahead_70s(Flaw::Ahead70s, 70, false)]
    #[case::well_formed(Flaw::None, 0, false)]
    fn iat_is_off_by_the_flaws_offset(#[case] flaw: Flaw, #[case] offset: i64, #[case] on_iat: bool) {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token").unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let iat = peek(&proof(&a, &b, &target(&url), flaw)).unwrap().1["iat"].as_i64().unwrap();
        assert!((iat - now - offset).abs() <= 2, "iat {iat}, now {now}");
        assert_eq!(flaw.judged_on_iat(), on_iat);
    }

    #[rstest::rstest]
    #[case("POST", "PUT")]
    #[case("GET", "POST")]
    #[case("PUT", "POST")]
    fn a_wrong_htm_is_never_the_requests_method(#[case] method: &str, #[case] htm: &str) {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token").unwrap();
        let to = Target { method, url: &url, access_token: None, nonce: None };
        assert_eq!(peek(&proof(&a, &b, &to, Flaw::WrongHtm)).unwrap().1["htm"], htm);
    }

    #[test]
    fn without_a_token_or_nonce_a_proof_has_no_ath_or_nonce() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/par").unwrap();
        let to = Target { method: "POST", url: &url, access_token: None, nonce: None };
        for flaw in [Flaw::None, Flaw::WrongAth, Flaw::NoAth] {
            let c = peek(&proof(&a, &b, &to, flaw)).unwrap().1;
            assert!(c.get("ath").is_none() && c.get("nonce").is_none(), "{flaw:?}: {c}");
        }
    }

    #[test]
    fn a_not_jwt_proof_has_no_jose_parts() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let url = url::Url::parse("https://as.test/token").unwrap();
        let p = proof(&a, &b, &target(&url), Flaw::NotJwt);
        assert!(p.starts_with("not-a-jwt.") && p.len() == "not-a-jwt.".len() + 16, "{p}");
        assert!(peek(&p).is_none());
    }

    #[test]
    fn the_thumbprint_method_gives_rfc_7638s_example_thumbprint() {
        // RFC 7638 §3.1: the example RSA key's required members in canonical form.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let canonical = format!(r#"{{"e":"AQAB","kty":"RSA","n":"{n}"}}"#);
        assert_eq!(thumbprint_of_members(&canonical), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn a_keys_thumbprint_is_that_of_its_public_coordinates_and_names_it_alone() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let (x, y) = a.public_xy();
        assert_eq!(thumbprint(&a), thumbprint_of(x, y));
        assert_eq!(thumbprint(&a).len(), 43);
        assert_ne!(thumbprint(&a), thumbprint(&b));
    }

    #[test]
    fn every_flaw_name_parses_back() {
        for (n, f) in Flaw::ALL {
            assert_eq!(Flaw::parse(n), Some(f));
            assert_eq!(f.name(), n);
        }
        assert_eq!(Flaw::parse("nope"), None);
    }
}
