//! The checks: each one small named unit verifying one rule, with its reference and its level.
//! `fields` is the one list of `expect` fields; `expect` makes the struct serde reads from it and
//! `registry` what each field means; `http`, `openid`, `browser` and `formats` hold the evaluators;
//! `evaluate` runs them in order. What enters: a step's `expect` table (validated at load time)
//! and what the target answered. What leaves: `CheckRecord`s — "expected …, got …" — never
//! formatted output.
pub mod browser;
pub mod evaluate;
pub mod expect;
mod fields;
pub mod formats;
pub mod http;
pub mod openid;
pub mod record;
pub mod registry;
pub mod schema;
pub mod strength;
