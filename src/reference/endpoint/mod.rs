//! The authorization server shared by the citi-pl and rfc6749 profiles, one file per endpoint.
//! Enters: HTTP requests (through the routers `citi_pl` and `rfc6749` build); leaves: answers.
//! The shared state (`state`) holds the registration, the store, the switches and the profile's
//! `Flavour`; faults and variants are consulted at the decision point each one alters, so with
//! none every branch is the correct behaviour.
pub mod answer;
pub mod authorize;
pub mod claims;
pub mod client;
pub mod device;
pub mod grant;
pub mod hybrid;
pub mod id_token;
pub mod introspect;
pub mod login;
pub mod metadata;
pub mod openid;
pub mod par;
pub mod prompt;
pub mod proof;
pub mod redirect_uri;
pub mod request_object;
pub mod resource;
pub mod revoke;
pub mod state;
pub mod token;
#[cfg(test)]
pub mod oneshot;
