//! The citi-pl profile: the Poland "Authorize" API (seed 000_fc506dc8fb2c32f9.txt) on the shared
//! authorization server, with RFC 6749 / 7009 / 9700 filling what the seed leaves open. Its
//! flavour: the bank's paths, one token endpoint per grant, state, scope, countryCode,
//! businessCode and locale required, redirect_uri required; none of the RFC extensions.
//! Enters: the shared state; leaves: the bank's router.
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, on, post};

use super::endpoint::authorize::authorize;
use super::endpoint::login::{CONSENT, LOGIN, consent, consent_page, login};
use super::endpoint::resource::{PROBE, probe};
use super::endpoint::revoke::revoke;
use super::endpoint::state::AuthServer;
use super::endpoint::token::{client_credentials_token, code_token, refresh};
use super::fault::Fault;
use super::flavour::Flavour;

const AUTHORIZE: &str = "/authCode/oauth2/authorize";

pub const FLAVOUR: Flavour = Flavour {
    redirect_uri_optional: false,
    required: &[
        ("scope", Fault::ScopeNotRequired),
        ("countryCode", Fault::AuthorizeParamsUnchecked),
        ("businessCode", Fault::AuthorizeParamsUnchecked),
        ("locale", Fault::AuthorizeParamsUnchecked),
        ("state", Fault::StateNotRequired),
    ],
    upper_case: &[("countryCode", 2, Fault::AuthorizeParamsUnchecked), ("businessCode", 3, Fault::AuthorizeParamsUnchecked)],
    iss: false,
    par: false,
    dpop: false,
    openid: false,
    client_secret_post: false,
    private_key_jwt: false,
    public_clients: false,
};

pub fn router(state: Arc<AuthServer>) -> Router {
    let methods = state.token_methods();
    Router::new()
        .route("/clientCredentials/oauth2/token/pl/gcb", on(methods, client_credentials_token))
        .route(AUTHORIZE, get(authorize))
        .route(LOGIN, post(login))
        .route(CONSENT, get(consent_page).post(consent))
        .route("/authCode/oauth2/token/pl/gcb", on(methods, code_token))
        .route("/authCode/oauth2/refresh", on(methods, refresh))
        .route("/authCode/oauth2/revoke", on(methods, revoke))
        .route(PROBE, get(probe))
        .with_state(state)
}
