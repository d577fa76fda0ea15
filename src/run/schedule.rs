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
                let _ = self.tripped.set(format!("{} failed or errored (--max-failures {max})", crate::model::count::cases(max)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::level::Level;
    use rstest::rstest;

    fn result(outcome: Outcome, kind: Option<ErrorKind>) -> CaseResult {
        CaseResult { outcome, error_kind: kind, ..CaseResult::unstarted("token/anchor".into(), "p".into(), Level::Must) }
    }

    #[test]
    fn the_breaker_trips_after_so_many_unanswered_cases_in_a_row() {
        let b = Breaker::new(3, None);
        let unanswered = result(Outcome::Error, Some(ErrorKind::Transport));
        b.count(&unanswered);
        b.count(&unanswered);
        b.count(&result(Outcome::Passed, None));
        b.count(&unanswered);
        b.count(&unanswered);
        assert_eq!(b.tripped.get(), None, "an answer in between starts the count again");
        b.count(&unanswered);
        assert_eq!(b.tripped.get().map(String::as_str), Some("the target stopped answering (3 cases in a row got no answer)"));
    }

    #[rstest]
    #[case::blocked(Outcome::Error, Some(ErrorKind::Blocked))]
    #[case::not_run(Outcome::Error, Some(ErrorKind::NotRun))]
    #[case::skipped(Outcome::Skipped, None)]
    fn a_case_that_sent_nothing_counts_for_nothing(#[case] outcome: Outcome, #[case] kind: Option<ErrorKind>) {
        let b = Breaker::new(1, Some(1));
        b.count(&result(outcome, kind));
        assert_eq!(b.tripped.get(), None);
    }

    #[test]
    fn max_failures_trips_on_the_nth_failure_and_a_baselined_one_does_not_count() {
        let b = Breaker::new(0, Some(2));
        let mut known = result(Outcome::Failed, None);
        known.baseline = Some(crate::model::result::BaselineMark::Expected { reason: "known".into() });
        b.count(&known);
        b.count(&result(Outcome::Failed, None));
        assert_eq!(b.tripped.get(), None);
        b.count(&result(Outcome::Error, Some(ErrorKind::Setup)));
        assert_eq!(b.tripped.get().map(String::as_str), Some("2 cases failed or errored (--max-failures 2)"));
    }

    #[rstest]
    #[case::passed(Outcome::Passed, None, None, None)]
    #[case::failed_but_accepted(Outcome::Failed, None, None, None)]
    #[case::refused(Outcome::Failed, None, Some("answered 401 invalid_client"), Some("token/anchor was refused (answered 401 invalid_client)"))]
    #[case::error_refused(Outcome::Error, Some(ErrorKind::Setup), Some("setup failed"), Some("token/anchor was refused (setup failed)"))]
    fn a_required_case_blocks_its_dependents_only_when_refused(#[case] outcome: Outcome, #[case] kind: Option<ErrorKind>, #[case] refused: Option<&str>, #[case] blocker: Option<&str>) {
        let r = CaseResult { refused: refused.map(str::to_string), ..result(outcome, kind) };
        assert_eq!(blocker_of(&r).as_deref(), blocker);
    }

    #[test]
    fn a_blocked_case_passes_its_own_blocker_on() {
        let r = CaseResult { message: "blocked: token/first was refused (answered 500)".into(), ..result(Outcome::Error, Some(ErrorKind::Blocked)) };
        assert_eq!(blocker_of(&r).as_deref(), Some("token/first was refused (answered 500)"));
    }

    #[test]
    fn a_gate_keeps_its_first_publication_and_a_late_waiter_still_sees_it() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let gate = Arc::new(Gate::default());
        let waiter = {
            let gate = gate.clone();
            rt.spawn(async move { gate.wait().await })
        };
        gate.publish(Some("refused".into()));
        gate.publish(None);
        assert_eq!(rt.block_on(waiter).unwrap().as_deref(), Some("refused"));
        assert_eq!(rt.block_on(gate.wait()).as_deref(), Some("refused"));
    }

    #[test]
    fn a_dropped_publisher_releases_the_dependents_unblocked() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let gate = Arc::new(Gate::default());
        drop(Publish(gate.clone()));
        assert_eq!(rt.block_on(gate.wait()), None);
    }
}
