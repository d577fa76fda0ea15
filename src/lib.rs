//! oauth-conformance: a conformance suite for OAuth 2.0 authorization servers.
//!
//! The folders read in the order data flows (see CONTRIBUTING.md):
//! `suite` (tables → cases) → `target` (the server and its capabilities) → `run` (requests,
//! through `login` for browser endpoints) → `check` (verdicts) → `model::result` → `report`.
//! `model`, `transport` and `jose` are the floors everything stands on; `reference` is a separate
//! wing (correct servers with faults and variants) reached only over HTTP; `selftest` judges the
//! suite with it.
/// mimalloc for every binary of the suite (the command, the tests, the benchmark): a run
/// allocates on two threads at once for every request and answer, and glibc's allocator was a
/// fifth of an embedded run's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod check;
pub mod jose;
pub mod login;
pub mod model;
pub mod reference;
pub mod report;
pub mod run;
pub mod selftest;
pub mod suite;
pub mod target;
pub mod transport;
