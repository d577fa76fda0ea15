//! The checks: each one small named unit verifying one rule, with its reference and its level.
//! What enters: a step's `expect` table (parsed and validated at load time) and what the target
//! answered. What leaves: `CheckRecord`s — "expected …, got …" — never formatted output.
pub mod evaluate;
pub mod expect;
pub mod schema;
pub mod strength;
