//! The router of a profile's reference, testable without a socket. Enters: a profile name, the
//! registration, faults, variants and extras; leaves: an axum `Router` (or an unknown profile).
use std::sync::Arc;
use std::time::Duration;

use super::citi_mx::{self, MxState};
use super::endpoint::state::AuthServer;
use super::error::ReferenceError;
use super::extras::{Extras, SHORT_ACCESS, SHORT_CODE};
use super::fault::{Fault, Faults};
use super::flavour::Flavour;
use super::offer::Offer;
use super::registration::Registration;
use super::store::{Lifetimes, Store};
use super::variant::{Variant, Variants};
use super::{citi_pl, rfc6749};

/// The router for `profile`: testable without a socket.
pub fn app(profile: &str, reg: Registration, faults: Faults) -> Result<axum::Router, ReferenceError> {
    app_with(profile, reg, faults, Variants::none())
}

/// The router for `profile` with tolerated variants switched on.
pub fn app_with(profile: &str, reg: Registration, faults: Faults, variants: Variants) -> Result<axum::Router, ReferenceError> {
    app_full(profile, reg, faults, variants, Extras::default())
}

/// The registration as the variants and withheld offers shape it.
pub fn shape(reg: &mut Registration, variants: &Variants, extras: &Extras) {
    if extras.withheld.has(Offer::PublicClient) {
        reg.public_client = None;
    }
    if extras.withheld.has(Offer::PrivateKeyJwt) {
        reg.jwt_client = None;
    }
    // The FAPI 2.0 client stands on PAR, DPoP and private_key_jwt.
    if [Offer::PrivateKeyJwt, Offer::Par, Offer::Dpop].iter().any(|o| extras.withheld.has(*o)) {
        reg.fapi_client = None;
    }
    if variants.has(Variant::LoopbackAnyPort) {
        // RFC 8252 §7.3: a native client registers its loopback URI without a port.
        reg.clients[0].redirect_uri = "http://127.0.0.1/callback".into();
    }
}

/// The router for `profile` with variants, withheld offers and lifetimes.
pub fn app_full(profile: &str, mut reg: Registration, faults: Faults, variants: Variants, extras: Extras) -> Result<axum::Router, ReferenceError> {
    shape(&mut reg, &variants, &extras);
    match profile {
        "citi-pl" => Ok(citi_pl::router(auth_server(&citi_pl::FLAVOUR, reg, faults, variants, extras))),
        "rfc6749" => Ok(rfc6749::router(auth_server(&rfc6749::FLAVOUR, reg, faults, variants, extras))),
        "citi-mx" => Ok(citi_mx::router(Arc::new(MxState::new(reg, faults, variants)))),
        other => Err(ReferenceError::UnknownProfile(other.to_string())),
    }
}

/// The rfc6749 reference's state with `faults` and `variants`, for a handler's own unit tests.
#[cfg(test)]
pub fn test_server(faults: &[Fault], variants: &[Variant]) -> Arc<AuthServer> {
    let reg = Registration::generate();
    auth_server(&rfc6749::FLAVOUR, reg, faults.iter().copied().collect(), variants.iter().copied().collect(), Extras::default())
}

/// The shared authorization server's state for a profile's `flavour`.
fn auth_server(flavour: &'static Flavour, reg: Registration, faults: Faults, variants: Variants, extras: Extras) -> Arc<AuthServer> {
    let par_required = extras.par_required || variants.has(Variant::ParRequired);
    let life = stated_lifetimes(&variants, &extras);
    // What the answers state; the lifetime faults then keep things alive a day regardless.
    let (expires_in, par_lifetime, device_lifetime) = (life.access.as_secs(), life.par.as_secs(), life.device.as_secs());
    let store = Store::with_lifetimes(kept_lifetimes(life, &faults)).predictable(faults.has(Fault::RfcPredictableTokens));
    Arc::new(AuthServer {
        reg,
        store,
        faults,
        variants,
        withheld: extras.withheld,
        flavour,
        expires_in,
        par_lifetime,
        device_lifetime,
        par_required,
        login_style: extras.login_style,
        sessions: super::sessions::Sessions::on(extras.clock.clone()),
        mtls: extras.mtls,
    })
}

/// The lifetimes the server states: the bank's, long-lived codes as a variant, or the short ones.
fn stated_lifetimes(variants: &Variants, extras: &Extras) -> Lifetimes {
    let mut life = Lifetimes::default();
    if variants.has(Variant::CodesLongLived) {
        life.code = Duration::from_secs(600);
    }
    if extras.short_lived {
        (life.code, life.access, life.par, life.device) = (SHORT_CODE, SHORT_ACCESS, SHORT_CODE, SHORT_CODE);
    }
    life
}

/// The lifetimes the store keeps: the stated ones, or a day under the lifetime faults.
fn kept_lifetimes(mut life: Lifetimes, faults: &Faults) -> Lifetimes {
    let day = Duration::from_secs(24 * 3600);
    for (fault, lifetime) in [
        (Fault::RfcCodeNeverExpires, &mut life.code),
        (Fault::RfcExpiredTokenAccepted, &mut life.access),
        (Fault::RfcParNeverExpires, &mut life.par),
        (Fault::RfcDeviceNeverExpires, &mut life.device),
    ] {
        if faults.has(fault) {
            *lifetime = day;
        }
    }
    life
}
