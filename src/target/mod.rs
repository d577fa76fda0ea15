//! The server under test as the user describes it: the target file (endpoints, clients, login,
//! TLS, `${VAR}` placeholders), discovery and the capabilities it offers, and the baseline of
//! known failures. What enters: TOML the user wrote and the server's metadata. What leaves: a
//! `Target` and a `Baseline`, or a one-line error with file, line and field.
pub mod baseline;
pub mod capabilities;
pub mod discovery;
pub mod draft;
mod expand;
pub mod file;
mod parse;
pub mod preflight;
mod raw;
