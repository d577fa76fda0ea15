//! Reporters consume the runner's events (as in nextest). Enters: each `Event` as the runner
//! emits it, then the run's final `RunResult`; leaves: whatever each reporter renders (terminal
//! lines, files). `Reporters` fans every event out to every reporter, in their order.
use std::sync::{Arc, Mutex};

use crate::model::result::RunResult;
use crate::report::output::ReportError;
use crate::run::event::{Event, Sink};

/// One output of a run. A reporter never calls the runner: it is told.
pub trait Reporter: Send {
    /// One event, in the order the runner emitted it (cases in the order they finished).
    fn event(&mut self, event: &Event);

    /// The run is over: render from the final (redacted) result. `written` lists what the
    /// reporters before this one wrote, one line each; a reporter that writes adds its own.
    fn finish(&mut self, result: &RunResult, written: &mut Vec<String>) -> Result<(), ReportError>;
}

/// Every reporter of a run, fed the same events in the same order.
pub struct Reporters {
    list: Mutex<Vec<Box<dyn Reporter>>>,
}

impl Reporters {
    /// `list` in the order reporters finish: the terminal last, so its summary names the files.
    pub fn new(list: Vec<Box<dyn Reporter>>) -> Reporters {
        Reporters { list: Mutex::new(list) }
    }

    /// Gives `event` to every reporter, one event at a time (the runner emits from many threads).
    pub fn event(&self, event: &Event) {
        for r in self.list.lock().unwrap_or_else(|e| e.into_inner()).iter_mut() {
            r.event(event);
        }
    }

    /// The runner's callback: every event it emits reaches every reporter.
    pub fn sink(self: &Arc<Self>) -> Sink {
        let me = self.clone();
        Arc::new(move |e: &Event| me.event(e))
    }

    /// Finishes every reporter in order with the final result; stops at the first that cannot
    /// write. Returns what was written.
    pub fn finish(&self, result: &RunResult) -> Result<Vec<String>, ReportError> {
        let mut written = Vec::new();
        for r in self.list.lock().unwrap_or_else(|e| e.into_inner()).iter_mut() {
            r.finish(result, &mut written)?;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::result::Outcome;
    use crate::report::sample;

    /// Records what it is told, as `name: event` lines, into a log shared by every recorder.
    struct Recorder {
        name: &'static str,
        log: Arc<Mutex<Vec<String>>>,
        fails: bool,
    }

    impl Reporter for Recorder {
        fn event(&mut self, event: &Event) {
            let what = match event {
                Event::Started { cases, .. } => format!("started {cases}"),
                Event::Diagnosis(line) => format!("diagnosis {line}"),
                Event::CaseFinished(c) => format!("case {}", c.id),
                Event::Finished => "finished".to_string(),
            };
            self.log.lock().unwrap().push(format!("{}: {what}", self.name));
        }

        fn finish(&mut self, result: &RunResult, written: &mut Vec<String>) -> Result<(), ReportError> {
            if self.fails {
                return Err(ReportError::Write { path: self.name.into(), io: std::io::ErrorKind::PermissionDenied.into() });
            }
            self.log.lock().unwrap().push(format!("{}: finish with {} cases after [{}]", self.name, result.summary().total, written.join(", ")));
            written.push(self.name.to_string());
            Ok(())
        }
    }

    fn reporters(names: &[(&'static str, bool)]) -> (Arc<Reporters>, Arc<Mutex<Vec<String>>>) {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let list = names.iter().map(|&(name, fails)| Box::new(Recorder { name, log: log.clone(), fails }) as Box<dyn Reporter>).collect();
        (Arc::new(Reporters::new(list)), log)
    }

    #[test]
    fn the_fan_out_gives_every_event_to_every_reporter_in_order() {
        let (all, log) = reporters(&[("json", false), ("terminal", false)]);
        let sink = all.sink();
        sink(&Event::Started { cases: 2, filtered_out: 0, jobs: 1 });
        sink(&Event::CaseFinished(Box::new(sample::case("b/second", Outcome::Passed))));
        sink(&Event::CaseFinished(Box::new(sample::case("a/first", Outcome::Failed))));
        sink(&Event::Finished);
        let expected = [
            "json: started 2",
            "terminal: started 2",
            "json: case b/second",
            "terminal: case b/second",
            "json: case a/first",
            "terminal: case a/first",
            "json: finished",
            "terminal: finished",
        ];
        assert_eq!(*log.lock().unwrap(), expected);
    }

    #[test]
    fn reporters_finish_in_order_each_seeing_what_the_earlier_ones_wrote() {
        let (all, log) = reporters(&[("json", false), ("junit", false), ("terminal", false)]);
        let result = sample::run(vec![sample::case("a/b", Outcome::Passed)]);
        assert_eq!(all.finish(&result).unwrap(), ["json", "junit", "terminal"]);
        let expected = ["json: finish with 1 cases after []", "junit: finish with 1 cases after [json]", "terminal: finish with 1 cases after [json, junit]"];
        assert_eq!(*log.lock().unwrap(), expected);
    }

    #[test]
    fn a_reporter_that_cannot_write_stops_the_ones_after_it() {
        let (all, log) = reporters(&[("json", false), ("junit", true), ("terminal", false)]);
        let err = all.finish(&sample::run(vec![])).unwrap_err();
        assert_eq!(err.to_string(), "writing junit: permission denied");
        assert_eq!(*log.lock().unwrap(), ["json: finish with 0 cases after []"]);
    }
}
