//! OpenID Connect Discovery (the provider configuration, §3-§4) and the JWK Set its jwks_uri
//! names, built from the Host the client used like the RFC 8414 metadata. Enters: a GET; leaves:
//! the JSON documents (or the broken shapes the OpenID faults ask for).
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::super::fault::Fault;
use super::super::page;
use super::super::params::Params;
use super::super::variant::Variant;
use super::super::signing;
use super::metadata::document;
use super::resource::{bearer_token, unauthorized};
use super::state::{AuthServer, issuer};

pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
pub const USERINFO: &str = "/userinfo";

/// GET /.well-known/openid-configuration: the metadata document with the OpenID faults applied.
pub async fn openid_configuration(State(st): State<Arc<AuthServer>>, headers: HeaderMap) -> Response {
    let base = issuer(&headers);
    let mut meta = document(&st, &base);
    let o = meta.as_object_mut().expect("an object");
    broken(&st, o, &base);
    if st.has(Fault::RfcOidcDiscoveryHtml) {
        return Html(page::error(&meta.to_string())).into_response();
    }
    axum::Json(meta).into_response()
}

/// The provider configuration faults' members.
fn broken(st: &AuthServer, o: &mut Map<String, Value>, base: &str) {
    if st.has(Fault::RfcOidcIssuerMismatch) {
        o.insert("issuer".into(), json!(format!("{base}/oidc")));
    }
    if st.has(Fault::RfcOidcNoJwksUri) {
        o.remove("jwks_uri");
    }
    if st.has(Fault::RfcOidcNoUserinfoListed) {
        o.remove("userinfo_endpoint");
    }
    if st.has(Fault::RfcOidcNoClaimsListed) {
        o.remove("claims_supported");
    }
    if st.has(Fault::RfcOidcNoTokenEndpoint) {
        o.remove("token_endpoint");
    }
    if st.has(Fault::RfcOidcNoRs256) {
        o.insert("id_token_signing_alg_values_supported".into(), json!(["ES256"]));
    }
    if st.has(Fault::RfcOidcSubjectTypesString) {
        o.insert("subject_types_supported".into(), json!("public"));
    }
    if st.has(Fault::RfcOidcScopesWithoutOpenid) {
        o.insert("scopes_supported".into(), json!(st.reg.scopes));
    }
}

/// GET /jwks: the public JWK Set (or a private key, or a bare JWK, under their faults).
pub async fn jwks(State(st): State<Arc<AuthServer>>) -> Response {
    let mut key = signing::rs256().jwk.clone();
    if st.has(Fault::RfcOidcJwksPrivateKey) {
        // Private members of the wrong size: the fault is that they are published at all.
        for m in ["d", "p", "q", "dp", "dq", "qi"] {
            key[m] = json!("AQAB");
        }
    }
    if st.has(Fault::RfcOidcJwksBareKey) {
        return axum::Json(key).into_response();
    }
    if st.has(Fault::RfcOidcJwksShortRsaKey) {
        let short = json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "short-1", "e": "AQAB", "n": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xC3u8; 128]) });
        return axum::Json(json!({ "keys": [key, short] })).into_response();
    }
    if st.has(Fault::RfcOidcJwksDuplicateKid) {
        let mut twin = signing::rotated().jwk.clone();
        twin["kid"] = key["kid"].clone();
        return axum::Json(json!({ "keys": [key, twin] })).into_response();
    }
    if st.variant(Variant::JwksRotatedKey) {
        return axum::Json(json!({ "keys": [key, signing::rotated().jwk.clone()] })).into_response();
    }
    if st.variant(Variant::JwksWithEcKey) {
        // RFC 7517 Appendix A.1's P-256 public key, as a second signing key.
        let ec = json!({ "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "ec-1", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM" });
        return axum::Json(json!({ "keys": [ec, key] })).into_response();
    }
    axum::Json(json!({ "keys": [key] })).into_response()
}

/// GET or POST /userinfo (OpenID Connect Core §5.3): the claims of the user a live access
/// token with the openid scope was issued for; RFC 6750 §3's challenge otherwise.
pub async fn userinfo(State(st): State<Arc<AuthServer>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let header_token = bearer_token(&headers).map(str::to_string);
    // RFC 6750 §2.2 (MAY): the token in a form body, unless the variant declines it.
    let body_token = (!st.variant(Variant::UserinfoBodyTokenRefused)).then(|| Params::parse(&body).get("access_token").map(str::to_string)).flatten();
    let token = header_token.or(body_token);
    let token = token.as_deref();
    let live = token.and_then(|t| st.store.access(t)).filter(|rec| rec.for_end_user() && rec.scope.split(' ').any(|s| s == "openid"));
    match live {
        Some(_) if st.has(Fault::RfcOidcUserinfoNoSub) => axum::Json(json!({ "name": st.reg.user.username })).into_response(),
        Some(_) if st.has(Fault::RfcOidcUserinfoOtherSub) => axum::Json(json!({ "sub": format!("{}-2", st.reg.user.username) })).into_response(),
        Some(rec) => {
            let mut claims = super::claims::scope_claims(&st, &rec.scope);
            claims.insert("sub".into(), json!(st.reg.user.username));
            axum::Json(claims).into_response()
        }
        None if token.is_some() && st.has(Fault::RfcOidcUserinfoAnyToken) => axum::Json(json!({ "sub": st.reg.user.username })).into_response(),
        None if token.is_some_and(|t| st.store.revoked_kind(t).is_some()) && st.has(Fault::RfcOidcUserinfoRevokedAccepted) => axum::Json(json!({ "sub": st.reg.user.username })).into_response(),
        // RFC 6750 §3.1: invalid_token only when a token was sent.
        None => unauthorized(token.is_some(), !st.has(Fault::RfcOidcUserinfoNoChallenge)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::extras::Extras;
    use super::super::super::offer::Offer;
    use super::super::oneshot::{get, send, server};
    use super::super::metadata::JWKS;
    use super::OPENID_CONFIGURATION;

    #[tokio::test]
    async fn the_configuration_names_the_issuer_the_client_used_and_the_jwk_set() {
        let (router, _) = server("rfc6749", &[], Extras::default());
        let meta = send(&router, get(OPENID_CONFIGURATION)).await.json();
        assert_eq!(meta["issuer"], "http://as.test");
        assert_eq!(meta["jwks_uri"], "http://as.test/jwks");
        assert_eq!(meta["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
        assert_eq!(meta["scopes_supported"][0], "openid");
        let set = send(&router, get(JWKS)).await.json();
        assert_eq!(set["keys"][0]["kty"], "RSA");
        assert!(set["keys"][0].get("d").is_none());
    }

    #[tokio::test]
    async fn withheld_openid_serves_neither_document_and_citi_pl_has_none() {
        let extras = Extras { withheld: [Offer::OpenId].into_iter().collect(), ..Extras::default() };
        let (router, _) = server("rfc6749", &[], extras);
        assert_eq!(send(&router, get(OPENID_CONFIGURATION)).await.status, 404);
        assert_eq!(send(&router, get(JWKS)).await.status, 404);
        assert!(send(&router, get(super::super::metadata::WELL_KNOWN)).await.json().get("jwks_uri").is_none());
        let (router, _) = server("citi-pl", &[], Extras::default());
        assert_eq!(send(&router, get(OPENID_CONFIGURATION)).await.status, 404);
    }
}
