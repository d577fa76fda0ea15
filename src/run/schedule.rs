//! What the scheduler keeps between cases: the gates a case's dependents wait on (a required
//! case that was refused blocks them), the order that starts required cases first, and the breaker
//! that stops starting cases once the target stops answering or enough have failed. Enters: each
//! finished `CaseResult`; leaves: blockers, and why the run stopped starting cases.
use std::sync::Arc;

use crate::model::result::{CaseResult, ErrorKind, Outcome};
use crate::run::case_run::skeleton;
use crate::suite::case::Case;

/// Stops a run that keeps getting no answer, or has failed enough (`--max-failures`).
#[derive(Default)]
pub(crate) struct Breaker {
    /// Cases in a row with no answer that trip it (0: never).
    limit: usize,
    /// Failed or errored cases that trip it.
    max_failures: Option<usize>,
    in_a_row: std::sync::atomic::AtomicUsize,
    failures: std::sync::atomic::AtomicUsize,
    pub(crate) tripped: std::sync::OnceLock<String>,
}

impl Breaker {
    pub(crate) fn new(limit: usize, max_failures: Option<usize>) -> Breaker {
        Breaker { limit, max_failures, ..Breaker::default() }
    }

    /// Counts a finished case (blocked and not-run cases sent nothing and count for nothing).
    pub(crate) fn count(&self, r: &CaseResult) {
        use std::sync::atomic::Ordering::SeqCst;
        if matches!(r.error_kind, Some(ErrorKind::Blocked | ErrorKind::NotRun)) || r.outcome == Outcome::Skipped {
            return;
        }
        if r.error_kind == Some(ErrorKind::Transport) {
            let n = self.in_a_row.fetch_add(1, SeqCst) + 1;
            if self.limit > 0 && n >= self.limit {
                let _ = self.tripped.set(format!("the target stopped answering ({n} cases in a row got no answer)"));
            }
        } else {
            self.in_a_row.store(0, SeqCst);
        }
        if matches!(r.outcome, Outcome::Failed | Outcome::Error) && r.baseline.is_none() {
            let n = self.failures.fetch_add(1, SeqCst) + 1;
            if let Some(max) = self.max_failures.filter(|m| n >= *m) {
                let _ = self.tripped.set(format!("{max} case(s) failed or errored (--max-failures {max})"));
            }
        }
    }
}

/// What a case publishes for the cases that require it: `Some(text)` when they are blocked.
pub(crate) type Blocker = Option<String>;

/// A case's result as the cases that require it see it, published once; dependents wait on it
/// without holding a thread.
pub(crate) struct Gate {
    value: tokio::sync::watch::Sender<Option<Blocker>>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate { value: tokio::sync::watch::channel(None).0 }
    }
}

impl Gate {
    /// The first publication stands; later ones change nothing.
    pub(crate) fn publish(&self, blocker: Blocker) {
        self.value.send_if_modified(|v| {
            let first = v.is_none();
            if first {
                *v = Some(blocker);
            }
            first
        });
    }

    /// Waits for the publication; `Some(text)` when the dependent is blocked.
    pub(crate) async fn wait(&self) -> Blocker {
        let mut rx = self.value.subscribe();
        // The sender lives as long as the gate, so the wait ends only with a publication.
        rx.wait_for(Option::is_some).await.ok().and_then(|v| v.clone().flatten())
    }
}

/// Publishes "not blocking" if the case's task ends without publishing (a panic), so no dependent waits
/// for ever.
pub(crate) struct Publish(pub(crate) Arc<Gate>);

impl Drop for Publish {
    fn drop(&mut self) {
        self.0.publish(None);
    }
}

/// The blocker a finished case hands to the cases that require it.
pub(crate) fn blocker_of(r: &CaseResult) -> Blocker {
    if r.blocked() {
        return Some(r.message.trim_start_matches("blocked: ").to_string());
    }
    match (&r.outcome, &r.refused) {
        (Outcome::Failed | Outcome::Error, Some(why)) => Some(format!("{} was refused ({why})", r.id)),
        _ => None,
    }
}

/// How many `requires` links lead from `case` to a case with none (cycles count as none).
pub(crate) fn depth(case: &Case, cases: &[Case]) -> usize {
    let mut d = 0;
    let mut at = case;
    while let Some(next) = at.requires.as_ref().and_then(|r| cases.iter().find(|c| c.id == *r)) {
        d += 1;
        at = next;
        if d > cases.len() {
            return 0;
        }
    }
    d
}

/// A case's result that says why it did not start.
pub(crate) fn not_started(case: &Case, profile: &str, outcome: Outcome, kind: Option<ErrorKind>, message: String) -> CaseResult {
    let mut r = skeleton(case, profile);
    r.outcome = outcome;
    r.error_kind = kind;
    r.message = message;
    r
}
