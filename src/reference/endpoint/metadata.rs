//! Authorization server metadata (RFC 8414), with endpoint URLs built from the Host the client
//! used and only what the server offers this time. Enters: a GET; leaves: the JSON document
//! (or the broken shapes the metadata faults ask for).
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::fault::Fault;
use super::super::offer::Offer;
use super::super::page;
use super::state::{AuthServer, issuer};

pub const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";
/// The OpenID Provider's JWK Set (served by `endpoint::openid`).
pub const JWKS: &str = "/jwks";

pub async fn metadata(State(st): State<Arc<AuthServer>>, headers: HeaderMap) -> Response {
    let base = issuer(&headers);
    let meta = document(&st, &base);
    if st.has(Fault::RfcMetadataHtml) {
        return Html(page::error(&meta.to_string())).into_response();
    }
    axum::Json(meta).into_response()
}

/// The metadata document for `base`, with what is offered and the metadata faults' breakage.
pub fn document(st: &AuthServer, base: &str) -> Value {
    let base = base.to_string();
    let mut meta = json!({
        "issuer": if st.has(Fault::RfcMetadataIssuerMismatch) { format!("{base}/oauth") } else { base.clone() },
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/revoke"),
        "introspection_endpoint": format!("{base}/introspect"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": st.scopes_supported(),
    });
    let o = meta.as_object_mut().expect("an object");
    offered(st, o, &base);
    broken(st, o, &base);
    meta
}

/// The members of what is offered this time, and only those.
fn offered(st: &AuthServer, o: &mut Map<String, Value>, base: &str) {
    for (offer, member) in [(Offer::Iss, "authorization_response_iss_parameter_supported"), (Offer::Introspection, "introspection_endpoint"), (Offer::Revocation, "revocation_endpoint")] {
        if !st.offers(offer) {
            o.remove(member);
        }
    }
    let methods: Vec<&str> = [
        ("client_secret_basic", true),
        ("client_secret_post", st.offers(Offer::ClientSecretPost)),
        ("private_key_jwt", st.offers(Offer::PrivateKeyJwt)),
        ("self_signed_tls_client_auth", st.mtls.is_some() && !st.tls_client_auth()),
        ("tls_client_auth", st.mtls.is_some() && st.tls_client_auth()),
    ]
        .into_iter()
        .filter_map(|(m, on)| on.then_some(m))
        .collect();
    o.insert("token_endpoint_auth_methods_supported".into(), json!(methods));
    if st.offers(Offer::Dpop) {
        o.insert("dpop_signing_alg_values_supported".into(), json!(["ES256", "PS256", "EdDSA"]));
    }
    // RFC 8705 §5: the endpoints a client presenting a certificate uses, on the mTLS listener;
    // §3.3: access tokens bound to it.
    if let Some(m) = &st.mtls {
        let mut aliases = Map::new();
        for (member, path) in [("token_endpoint", "/token"), ("introspection_endpoint", "/introspect"), ("revocation_endpoint", "/revoke")] {
            if o.contains_key(member) {
                aliases.insert(member.into(), json!(format!("{}{path}", m.alias)));
            }
        }
        o.insert("mtls_endpoint_aliases".into(), Value::Object(aliases));
        if !st.variant(super::super::variant::Variant::MtlsTokensUnbound) {
            o.insert("tls_client_certificate_bound_access_tokens".into(), json!(true));
        }
    }
    if st.openid_on() {
        provider_members(st, o, base);
    }
    if st.offers(Offer::DeviceGrant) {
        o.insert("device_authorization_endpoint".into(), json!(format!("{base}/device_authorization")));
    }
    if st.offers(Offer::Par) {
        if !st.has(Fault::FapiMetadataWithoutPar) {
            o.insert("pushed_authorization_request_endpoint".into(), json!(format!("{base}/par")));
        }
        if st.par_required || st.has(Fault::RfcParRequiredBypassed) {
            o.insert("require_pushed_authorization_requests".into(), json!(true));
        }
    }
}

/// The members OpenID Connect Discovery §3 adds to the metadata (both documents carry them).
fn provider_members(st: &AuthServer, o: &mut Map<String, Value>, base: &str) {
    o.insert("jwks_uri".into(), json!(format!("{base}{JWKS}")));
    o.insert("userinfo_endpoint".into(), json!(format!("{base}/userinfo")));
    o.insert("subject_types_supported".into(), json!(["public"]));
    o.insert("id_token_signing_alg_values_supported".into(), json!(["RS256"]));
    o.insert(
        "claims_supported".into(),
        json!(["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "name", "given_name", "family_name", "preferred_username", "updated_at", "email", "email_verified", "address", "phone_number", "phone_number_verified"]),
    );
    if super::hybrid::offered(st) {
        o.insert("response_types_supported".into(), json!(super::hybrid::RESPONSE_TYPES));
        o.insert("response_modes_supported".into(), json!(["query", "fragment", "form_post"]));
    } else {
        o.insert("response_modes_supported".into(), json!(["query", "form_post"]));
    }
    if st.has(Fault::RfcOidcJwksUriHttp) {
        o.insert("jwks_uri".into(), json!(format!("http://reference.example{JWKS}")));
    }
    let objects = super::request_object::supported(st);
    o.insert("request_parameter_supported".into(), json!(objects));
    if objects {
        o.insert("request_object_signing_alg_values_supported".into(), json!(["none"]));
    }
}

/// The metadata faults' members: a wrong issuer, missing or wrong members.
fn broken(st: &AuthServer, o: &mut Map<String, Value>, base: &str) {
    if st.has(Fault::RfcMetadataIssuerQuery) {
        o.insert("issuer".into(), json!(format!("{base}?tenant=main")));
    }
    if st.has(Fault::RfcMetadataNoCodeResponseType) {
        o.insert("response_types_supported".into(), json!(["token"]));
    }
    if st.has(Fault::RfcMetadataNoScopes) {
        o.remove("scopes_supported");
    }
    if st.has(Fault::RfcMetadataNoTokenEndpoint) {
        o.remove("token_endpoint");
    }
    if st.has(Fault::RfcMetadataNoPkceMethods) {
        o.remove("code_challenge_methods_supported");
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::extras::Extras;
    use super::super::super::offer::Offer;
    use super::super::oneshot::{get, send, server};
    use super::WELL_KNOWN;

    fn withholding(offers: &[Offer]) -> Extras {
        Extras { withheld: offers.iter().copied().collect(), ..Extras::default() }
    }

    #[tokio::test]
    async fn the_metadata_names_the_issuer_the_client_used_and_every_endpoint() {
        let (router, _) = server("rfc6749", &[], Extras::default());
        let meta = send(&router, get(WELL_KNOWN)).await.json();
        assert_eq!(meta["issuer"], "http://as.test");
        assert_eq!(meta["token_endpoint"], "http://as.test/token");
        assert_eq!(meta["pushed_authorization_request_endpoint"], "http://as.test/par");
        assert_eq!(meta["dpop_signing_alg_values_supported"], serde_json::json!(["ES256", "PS256", "EdDSA"]));
        assert!(meta.get("require_pushed_authorization_requests").is_none());
    }

    #[tokio::test]
    async fn a_withheld_offer_leaves_the_metadata() {
        let (router, _) = server("rfc6749", &[], withholding(&[Offer::Revocation, Offer::Dpop, Offer::ClientSecretPost]));
        let meta = send(&router, get(WELL_KNOWN)).await.json();
        assert!(meta.get("revocation_endpoint").is_none());
        assert!(meta.get("dpop_signing_alg_values_supported").is_none());
        assert_eq!(meta["token_endpoint_auth_methods_supported"], serde_json::json!(["client_secret_basic", "private_key_jwt"]));
        assert_eq!(meta["introspection_endpoint"], "http://as.test/introspect");
    }

    #[tokio::test]
    async fn withheld_metadata_is_not_served_and_citi_pl_has_none() {
        let (router, _) = server("rfc6749", &[], withholding(&[Offer::Metadata]));
        assert_eq!(send(&router, get(WELL_KNOWN)).await.status, 404);
        let (router, _) = server("citi-pl", &[], Extras::default());
        assert_eq!(send(&router, get(WELL_KNOWN)).await.status, 404);
    }
}
