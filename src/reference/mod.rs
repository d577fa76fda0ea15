//! The reference target: correct servers per profile, and the same servers with faults injected.
//! A separate wing: it imports nothing from the runner, and the runner reaches it only over HTTP.
//!
//! Layout, top to bottom: `server` (a running server, its target file in `target_file`) → `app`
//! (a profile's router) → the profiles: `citi_pl` and `rfc6749` (each a `Flavour` and a router
//! over the shared authorization server in `endpoint/`, one file per endpoint) and `citi_mx` (a
//! server of its own) → the building blocks (`store`, `params`, `client_auth`, `dpop`, `page`,
//! `oauth_error`) and the switches (`fault`, `variant`, `offer`). This file only declares and
//! re-exports: no child imports it.
mod app;
mod citi_mx;
mod citi_pl;
mod client_auth;
mod dpop;
mod endpoint;
mod error;
mod extras;
mod fapi;
mod suites;
pub mod fault;
mod flavour;
pub mod mtls;
mod oauth_error;
pub mod offer;
mod page;
mod params;
mod profile;
mod registration;
mod rfc6749;
mod server;
mod sessions;
mod signing;
mod store;
mod switch;
mod target_file;
mod tls;
pub mod variant;

pub use app::{app, app_full, app_with};
pub use error::{ReferenceError, TlsError};
pub use extras::{Extras, SHORT_ACCESS, SHORT_CODE};
pub use fault::{Fault, Faults};
pub use offer::{Offer, Withheld};
pub use page::LoginStyle;
pub use profile::{PROFILES, faults_of};
pub use registration::{ClientReg, Registration, UserReg};
pub use server::ReferenceServer;
pub use switch::Asked;
pub use tls::TlsConfig;
pub use variant::{Variant, Variants, variants_of};
