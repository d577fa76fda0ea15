//! What the runner tells its reporters as the run goes: the runner emits, reporters consume (as in
//! nextest). Every event carries final data: a reporter never calls back into the runner.
use std::sync::Arc;

use crate::model::result::CaseResult;

/// What the runner tells its reporters, in order: the run started, a diagnosis, each case's
/// final result (blocked, warning and baseline-expected included), the run finished.
#[derive(Debug, Clone)]
pub enum Event {
    Started { cases: usize, filtered_out: usize, jobs: usize },
    /// A refused positive request points at the target file.
    Diagnosis(String),
    CaseFinished(Box<CaseResult>),
    Finished,
}

/// Where events go: reporters behind one callback, called from the runner's threads.
pub type Sink = Arc<dyn Fn(&Event) + Send + Sync>;
