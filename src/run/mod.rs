//! The run: schedules cases, makes their fixtures, builds and sends each step's request (through
//! a login driver for browser endpoints), asks the checks for verdicts and emits one final
//! `CaseResult` per case as an event. What enters: `Plan`s (a profile and a target) and
//! `RunOptions`. What leaves: events and the `RunResult`.
mod case_run;
pub mod event;
mod fixture;
mod mtls;
mod needs;
mod push;
mod resource;
pub mod request;
pub mod runner;
mod schedule;
mod send;
pub mod signal;
mod values;
