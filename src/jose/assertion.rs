//! private_key_jwt (RFC 7523 §2.2, §3; RFC 7521 §4.2): ES256 keys and the client assertions the
//! suite signs with them, well-formed or broken in one named way. Keys, signing and verifying are
//! ring's (pure-Rust P-256 was a twelfth of the rfc6749 selftest's CPU). No key or assertion is
//! ever printed: the runner
//! registers assertions with the redactor as it sends them.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM private key: {0}")]
    Pem(String),
    #[error("not a P-256 (ES256) PKCS#8 private key")]
    NotP256,
}

/// A P-256 private key (PKCS#8) and its public point.
#[derive(Clone)]
pub struct SigningKey {
    pkcs8: Vec<u8>,
    x: String,
    y: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(ES256, x={}…)", &self.x[..6])
    }
}

impl SigningKey {
    /// A fresh key from the system's random source.
    pub fn generate() -> SigningKey {
        let rng = ring::rand::SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("the system random source works");
        SigningKey::from_pkcs8(doc.as_ref()).expect("ring's own PKCS#8 parses")
    }

    pub fn from_pkcs8(der: &[u8]) -> Result<SigningKey, KeyError> {
        let rng = ring::rand::SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng).map_err(|_| KeyError::NotP256)?;
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(KeyError::NotP256);
        }
        Ok(SigningKey { pkcs8: der.to_vec(), x: B64.encode(&point[1..33]), y: B64.encode(&point[33..]) })
    }

    /// A PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        use rustls::pki_types::PrivatePkcs8KeyDer;
        use rustls::pki_types::pem::PemObject;
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| KeyError::Pem(e.to_string()))?;
        SigningKey::from_pkcs8(der.secret_pkcs8_der())
    }

    pub fn to_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(&self.pkcs8);
        let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
        format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"))
    }

    /// The public key as a JWK (RFC 7517), for a server's client registration.
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({ "kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "alg": "ES256", "use": "sig" })
    }

    /// The public key's coordinates (base64url), for verification.
    pub fn public_xy(&self) -> (&str, &str) {
        (&self.x, &self.y)
    }

    /// An ES256 JWS signature (R || S, RFC 7518 §3.4) over `input`.
    pub fn sign_raw(&self, input: &[u8]) -> Vec<u8> {
        let rng = ring::rand::SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8, &rng).expect("parsed when the key was made");
        pair.sign(&rng, input).expect("ECDSA signs with the system random source").as_ref().to_vec()
    }

    /// The private scalar `d` (base64url), read from the PKCS#8's ECPrivateKey (RFC 5915: version
    /// 1, then a 32-byte OCTET STRING). Only a DPoP proof that must be refused for carrying its
    /// private key (RFC 9449 §4.3 item 7) ever uses it.
    pub fn private_scalar(&self) -> String {
        let at = self.pkcs8.windows(5).position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20]).map(|i| i + 5);
        match at.and_then(|i| self.pkcs8.get(i..i + 32)) {
            Some(d) => B64.encode(d),
            None => B64.encode(crate::model::token::random_bytes::<32>()),
        }
    }

    fn sign(&self, claims: &serde_json::Value) -> String {
        let input = format!("{}.{}", B64.encode(r#"{"typ":"JWT","alg":"ES256"}"#), B64.encode(claims.to_string()));
        let signature = self.sign_raw(input.as_bytes());
        format!("{input}.{}", B64.encode(signature))
    }
}

/// The claims of `jws` when it is an ES256 JWS (its header says so) whose signature the P-256
/// public key (`x`, `y`, base64url) verifies; None otherwise.
pub fn verify_es256(jws: &str, x: &str, y: &str) -> Option<serde_json::Value> {
    let (input, signature) = jws.rsplit_once('.')?;
    let (header, claims) = input.split_once('.')?;
    let header: serde_json::Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("ES256") {
        return None;
    }
    let point: Vec<u8> = [vec![4u8], B64.decode(x).ok()?, B64.decode(y).ok()?].concat();
    let signature = B64.decode(signature).ok()?;
    (point.len() == 65).then_some(())?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &point).verify(input.as_bytes(), &signature).ok()?;
    serde_json::from_slice(&B64.decode(claims).ok()?).ok()
}

/// How an assertion departs from RFC 7523 §3, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    None,
    /// `aud` names another server.
    WrongAudience,
    /// `exp` ten minutes past.
    Expired,
    NoSubject,
    NoIssuer,
    /// `alg: none`, no signature (RFC 7515 §A.5's unsecured JWS).
    Unsigned,
    /// Signed with a key the server never saw.
    WrongKey,
    /// `aud` the right audience, inside an array (FAPI 2.0 §5.3.2.1 item 8: a string only).
    AudienceArray,
    /// `iat` and `nbf` 8 s ahead: a client clock a little fast (FAPI 2.0 §5.3.2.1 item 13: to be
    /// accepted), or 70 s ahead (to be rejected).
    Ahead8s,
    Ahead70s,
}

impl Flaw {
    pub const ALL: [(&'static str, Flaw); 10] = [
        ("private_key_jwt", Flaw::None),
        ("jwt_wrong_aud", Flaw::WrongAudience),
        ("jwt_expired", Flaw::Expired),
        ("jwt_no_sub", Flaw::NoSubject),
        ("jwt_no_iss", Flaw::NoIssuer),
        ("jwt_alg_none", Flaw::Unsigned),
        ("jwt_wrong_key", Flaw::WrongKey),
        ("jwt_aud_array", Flaw::AudienceArray),
        ("jwt_8s_ahead", Flaw::Ahead8s),
        ("jwt_70s_ahead", Flaw::Ahead70s),
    ];
}

/// A client assertion for `client_id` addressed to `audience` (the token endpoint URL, RFC 7523
/// §3 item 3), with `jti`, broken as `flaw` says.
pub fn client_assertion(key: &SigningKey, client_id: &str, audience: &str, jti: &str, flaw: Flaw) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut claims = serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": match flaw {
            Flaw::WrongAudience => serde_json::json!("https://another-server.example.test/token"),
            Flaw::AudienceArray => serde_json::json!([audience]),
            _ => serde_json::json!(audience),
        },
        "jti": jti,
        "iat": now,
        "exp": if flaw == Flaw::Expired { now - 600 } else { now + 120 },
    });
    let o = claims.as_object_mut().expect("an object");
    if let Some(ahead) = match flaw {
        Flaw::Ahead8s => Some(8),
        Flaw::Ahead70s => Some(70),
        _ => None,
    } {
        o.insert("iat".into(), serde_json::json!(now + ahead));
        o.insert("nbf".into(), serde_json::json!(now + ahead));
    }
    match flaw {
        Flaw::NoSubject => {
            o.remove("sub");
        }
        Flaw::NoIssuer => {
            o.remove("iss");
        }
        _ => {}
    }
    match flaw {
        Flaw::Unsigned => format!("{}.{}.", B64.encode(br#"{"alg":"none","typ":"JWT"}"#), B64.encode(claims.to_string())),
        Flaw::WrongKey => SigningKey::generate().sign(&claims),
        _ => key.sign(&claims),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ring's ES256: the assertion the suite signs verifies with its key and yields its claims;
    /// another key, a changed payload, a signature cut short or a header naming another
    /// algorithm do not.
    #[test]
    fn an_es256_assertion_verifies_with_its_key_only() {
        let (key, other) = (SigningKey::generate(), SigningKey::generate());
        let jwt = client_assertion(&key, "c1", "https://as.test", "j1", Flaw::None);
        let (x, y) = key.public_xy();
        assert_eq!(verify_es256(&jwt, x, y).unwrap()["sub"], "c1");
        let (ox, oy) = other.public_xy();
        assert!(verify_es256(&jwt, ox, oy).is_none());
        let parts: Vec<&str> = jwt.split('.').collect();
        let changed = format!("{}.{}.{}", parts[0], B64.encode(r#"{"sub":"c2"}"#), parts[2]);
        assert!(verify_es256(&changed, x, y).is_none());
        assert!(verify_es256(&format!("{}.{}.{}", parts[0], parts[1], &parts[2][..20]), x, y).is_none());
        let hs = format!("{}.{}.{}", B64.encode(r#"{"alg":"HS256"}"#), parts[1], parts[2]);
        assert!(verify_es256(&hs, x, y).is_none());
    }

    #[test]
    fn a_generated_key_round_trips_through_pem_and_signs_what_its_public_key_verifies() {
        let key = SigningKey::generate();
        let back = SigningKey::from_pem(&key.to_pem()).unwrap();
        assert_eq!(back.public_xy(), key.public_xy());
        let jwt = client_assertion(&key, "c1", "https://as.test/token", "j1", Flaw::None);
        let (x, y) = key.public_xy();
        let dk = jsonwebtoken::DecodingKey::from_ec_components(x, y).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        v.set_audience(&["https://as.test/token"]);
        let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &dk, &v).unwrap();
        assert_eq!(data.claims["sub"], "c1");
        assert!(jsonwebtoken::decode::<serde_json::Value>(&client_assertion(&key, "c1", "https://as.test/token", "j2", Flaw::WrongKey), &dk, &v).is_err());
        assert!(jsonwebtoken::decode::<serde_json::Value>(&client_assertion(&key, "c1", "https://as.test/token", "j3", Flaw::Expired), &dk, &v).is_err());
        assert!(client_assertion(&key, "c1", "a", "j4", Flaw::Unsigned).ends_with('.'));
    }

    #[test]
    fn the_private_scalar_is_read_from_the_key_not_made_up() {
        let key = SigningKey::generate();
        // A made-up scalar would differ call to call.
        assert_eq!(key.private_scalar(), key.private_scalar());
        assert_eq!(key.private_scalar().len(), 43);
        assert_ne!(key.private_scalar(), SigningKey::generate().private_scalar());
    }

    const AUDIENCE: &str = "https://as.test/token";

    fn now() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    }

    #[rstest::rstest]
    #[case::well_formed(Flaw::None, Some("c1"), Some("c1"), AUDIENCE, "ES256", 120)]
    #[case::wrong_audience(Flaw::WrongAudience, Some("c1"), Some("c1"), "https://another-server.example.test/token", "ES256", 120)]
    #[case::expired(Flaw::Expired, Some("c1"), Some("c1"), AUDIENCE, "ES256", -600)]
    #[case::no_subject(Flaw::NoSubject, Some("c1"), None, AUDIENCE, "ES256", 120)]
    #[case::no_issuer(Flaw::NoIssuer, None, Some("c1"), AUDIENCE, "ES256", 120)]
    #[case::unsigned(Flaw::Unsigned, Some("c1"), Some("c1"), AUDIENCE, "none", 120)]
    #[case::wrong_key(Flaw::WrongKey, Some("c1"), Some("c1"), AUDIENCE, "ES256", 120)]
    fn each_flaw_breaks_only_its_own_claim(
        #[case] flaw: Flaw,
        #[case] iss: Option<&str>,
        #[case] sub: Option<&str>,
        #[case] aud: &str,
        #[case] alg: &str,
        #[case] exp_from_now: i64,
    ) {
        let key = SigningKey::generate();
        let before = now();
        let jwt = client_assertion(&key, "c1", AUDIENCE, "jti-1", flaw);
        let (header, claims) = crate::jose::dpop::peek(&jwt).expect("a compact JWS");
        assert_eq!(header["alg"], alg);
        assert_eq!(claims.get("iss").and_then(|v| v.as_str()), iss);
        assert_eq!(claims.get("sub").and_then(|v| v.as_str()), sub);
        assert_eq!(claims["aud"], aud);
        assert_eq!(claims["jti"], "jti-1");
        let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
        assert!((before..=now()).contains(&iat), "iat {iat} is not now");
        assert_eq!(exp - iat, exp_from_now);
    }

    #[test]
    fn an_unsigned_assertion_has_an_empty_signature_and_a_signed_one_64_bytes() {
        let key = SigningKey::generate();
        let parts = |f| client_assertion(&key, "c1", AUDIENCE, "j", f).split('.').map(str::to_string).collect::<Vec<_>>();
        let unsigned = parts(Flaw::Unsigned);
        assert_eq!((unsigned.len(), unsigned[2].as_str()), (3, ""));
        let signed = parts(Flaw::None);
        assert_eq!(B64.decode(&signed[2]).unwrap().len(), 64, "ES256 is R || S, 32 bytes each");
    }

    #[test]
    fn the_public_jwk_carries_the_coordinates_and_no_private_member() {
        let key = SigningKey::generate();
        let jwk = key.public_jwk();
        assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str(), jwk["alg"].as_str()), (Some("EC"), Some("P-256"), Some("ES256")));
        assert_eq!((jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap()), key.public_xy());
        assert!(jwk.get("d").is_none());
        assert!(!format!("{key:?}").contains(key.public_xy().1), "Debug shows only a prefix of x");
    }

    #[test]
    fn flaw_names_are_distinct() {
        let names: std::collections::HashSet<&str> = Flaw::ALL.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), Flaw::ALL.len());
    }

    #[test]
    fn a_pem_that_is_not_a_p256_key_is_refused() {
        assert!(matches!(SigningKey::from_pem("not pem"), Err(KeyError::Pem(_))));
    }
}
