//! The run: schedules cases, makes their fixtures, builds and sends each step's request (through
//! a login driver for browser endpoints), asks the checks for verdicts and emits one final
//! `CaseResult` per case as an event. What enters: `Plan`s (a profile and a target) and
//! `RunOptions`. What leaves: events and the `RunResult`.
pub mod event;
mod fixture;
pub mod request;
pub mod runner;
pub mod signal;
