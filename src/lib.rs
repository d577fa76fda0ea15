//! oauth-conformance: a conformance suite for OAuth 2.0 authorization servers.
//!
//! Data flows one way: case tables → plan → requests → verdicts → reports.
pub mod assertion;
pub mod baseline;
pub mod case;
pub mod check;
pub mod dpop;
mod fixture;
pub mod http;
pub mod login;
pub mod placeholder;
pub mod profile;
pub mod redact;
pub mod reference;
pub mod report;
pub mod request;
pub mod result;
pub mod runner;
pub mod schema;
pub mod selection;
pub mod selftest;
pub mod signal;
pub mod strength;
pub mod suite;
pub mod target;
pub mod threat;
pub mod token;
mod transcript;
