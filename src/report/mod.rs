//! Reporters: each renders the one result model (`RunResult`); none calls the runner. Enters: the
//! runner's events and the final result; leaves: terminal lines and the report files.
//!
//! `reporter` is the trait and the fan-out; `terminal` prints as events arrive; `format` names
//! the file formats (`json`, `junit`, `html`, `markdown`, the baseline) and writes one through `output`
//! (atomically); `transcript` and `threat` are views the formats share; `tally` is the HTML
//! report's bar per endpoint.
pub mod diff;
pub mod format;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod output;
pub mod reporter;
pub mod section;
pub(crate) mod tally;
pub mod terminal;
pub mod threat;
pub mod transcript;

pub use output::{check_writable, write_atomic, write_output};
pub use transcript::transcript_text;

#[cfg(test)]
mod sample;
