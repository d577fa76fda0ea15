//! The rfc6749 profile: plain RFC 6749 on the shared authorization server — one token endpoint
//! for every grant, state and scope optional, redirect_uri optional with one registered — with
//! the extensions a current server offers (RFC 8414 metadata, RFC 7009 revocation, RFC 7662
//! introspection, RFC 9126 PAR, RFC 8628 device grant, RFC 9449 DPoP, RFC 9207 iss,
//! client_secret_post, private_key_jwt, public clients), each switchable off by an `Offer`.
//! Enters: the shared state; leaves: the RFC paths' router.
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, on, post};

use super::endpoint::authorize::{authorize, authorize_post};
use super::endpoint::device::{device_authorization, device_verification};
use super::endpoint::introspect::introspect;
use super::endpoint::login::{CONSENT, LOGIN, consent, consent_page, login};
use super::endpoint::metadata::{JWKS, WELL_KNOWN, metadata};
use super::endpoint::openid::{OPENID_CONFIGURATION, USERINFO, jwks, openid_configuration, userinfo};
use super::endpoint::par::par;
use super::endpoint::resource::{PROBE, probe};
use super::endpoint::revoke::revoke;
use super::endpoint::state::AuthServer;
use super::endpoint::token::token;
use super::flavour::Flavour;
use super::offer::Offer;

pub const FLAVOUR: Flavour = Flavour {
    redirect_uri_optional: true,
    required: &[],
    upper_case: &[],
    iss: true,
    par: true,
    dpop: true,
    client_secret_post: true,
    private_key_jwt: true,
    public_clients: true,
    openid: true,
};

pub fn router(state: Arc<AuthServer>) -> Router {
    let methods = state.token_methods();
    let mut r = Router::new()
        .route("/authorize", get(authorize).post(authorize_post))
        .route(LOGIN, post(login))
        .route(CONSENT, get(consent_page).post(consent))
        .route("/token", on(methods, token))
        .route(PROBE, get(probe));
    if state.offers(Offer::Revocation) {
        r = r.route("/revoke", on(methods, revoke));
    }
    if state.offers(Offer::Introspection) {
        r = r.route("/introspect", post(introspect));
    }
    if state.offers(Offer::Metadata) {
        r = r.route(WELL_KNOWN, get(metadata));
    }
    if state.openid_on() {
        r = r.route(OPENID_CONFIGURATION, get(openid_configuration)).route(JWKS, get(jwks));
        // OpenID Connect Core §5.3.1: GET and POST (POST refused under its fault).
        let methods = if state.has(super::fault::Fault::RfcOidcUserinfoPostRefused) { get(userinfo) } else { get(userinfo).post(userinfo) };
        r = r.route(USERINFO, methods);
    }
    if state.offers(Offer::Par) {
        r = r.route("/par", post(par));
    }
    if state.offers(Offer::DeviceGrant) {
        r = r.route("/device_authorization", post(device_authorization)).route("/device", get(device_verification));
    }
    r.with_state(state)
}
