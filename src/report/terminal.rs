//! The terminal: one line per case, printed from its final event (the same result the JSON and
//! JUnit reports render, so they cannot disagree), progress on a TTY only, and the closing
//! summary whose counts are the reports' counts.
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;

use crate::model::level::Level;
use crate::transport::http::excerpt;
use crate::model::result::{BaselineMark, CaseResult, ErrorKind, Outcome, RunResult, Summary};
use crate::run::event::Event;

fn paint(text: &str, ansi: &str, color: bool) -> String {
    if color { format!("\x1b[{ansi}m{text}\x1b[0m") } else { text.to_string() }
}

/// The word a case's line starts with: its final outcome, the baseline included.
pub fn outcome_word(c: &CaseResult) -> &'static str {
    match (c.outcome, &c.baseline) {
        (Outcome::Failed | Outcome::Error | Outcome::Warning, Some(BaselineMark::Expected { .. })) => "expected-failure",
        (Outcome::Passed, _) => "ok",
        (Outcome::Warning, _) => "warning",
        (Outcome::Failed, _) => "FAILED",
        (Outcome::Error, _) => "ERROR",
        (Outcome::Skipped, _) => "skipped",
    }
}

/// One case as one line: outcome word, level (for anything but ok), profile and id, and for
/// anything but ok what happened, bounded.
pub fn case_line(c: &CaseResult, color: bool) -> String {
    let word = outcome_word(c);
    let level = if c.outcome == Outcome::Passed { "" } else { c.shown_level().as_str() };
    let ansi = match word {
        "ok" => "32",
        "FAILED" => "1;31",
        "ERROR" => "33",
        "warning" => "35",
        _ => "2",
    };
    let tail = match c.outcome {
        Outcome::Passed => String::new(),
        _ => format!(" — {}", excerpt(c.message.trim_start_matches("skipped: "), 200)),
    };
    format!("{} {level:<6} {}:{}{tail}", paint(&format!("{word:<16}"), ansi, color), c.profile, c.id)
}

/// Prints case lines as events arrive; on a TTY, a progress line (done/total, failures so far,
/// elapsed) stays under them. Cases not run are counted, not listed.
pub struct Lines {
    out: Mutex<Box<dyn Write + Send>>,
    color: bool,
    progress: Option<indicatif::ProgressBar>,
    failures: std::sync::atomic::AtomicUsize,
}

impl Lines {
    /// `tty`: the output is a terminal (colour, unless NO_COLOR, and progress).
    pub fn new(out: Box<dyn Write + Send>, tty: bool, color: bool) -> Lines {
        let progress = tty.then(|| {
            let pb = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
            pb.set_style(indicatif::ProgressStyle::with_template("{pos}/{len} cases · {msg} · {elapsed}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
            pb
        });
        Lines { out: Mutex::new(out), color, progress, failures: Default::default() }
    }

    /// A line of the suite's own (the summary), above the progress line, as it is.
    pub fn print(&self, line: &str) {
        match &self.progress {
            Some(pb) => pb.suspend(|| self.write(line)),
            None => self.write(line),
        }
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    pub fn event(&self, e: &Event) {
        match e {
            Event::Started { cases, filtered_out, jobs } => {
                if let Some(pb) = &self.progress {
                    pb.set_length(*cases as u64);
                    pb.set_message("0 failed");
                }
                self.print(&format!("running {cases} cases ({filtered_out} filtered out, {jobs} at once)"));
            }
            Event::Diagnosis(line) => self.print(&paint(line, "1;31", self.color)),
            Event::CaseFinished(c) => {
                if c.error_kind != Some(ErrorKind::NotRun) {
                    self.print(&case_line(c, self.color));
                }
                if let Some(pb) = &self.progress {
                    if c.breaks_gate(false) {
                        let n = self.failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        pb.set_message(format!("{n} failed"));
                    }
                    pb.inc(1);
                }
            }
            Event::Finished => {
                if let Some(pb) = &self.progress {
                    pb.finish_and_clear();
                }
            }
        }
    }
}

/// `result: PASSED. 95 cases: 93 passed, 1 warning, …; 87 filtered out; 1.2 s` — the same
/// counts as the JSON report's summary.
pub fn counts_line(result: &RunResult) -> String {
    let s = result.summary();
    let (blocked, not_run, expected) = (s.blocked, s.not_run, s.expected);
    let verdict = match (result.interrupted, result.gate_passed()) {
        (Some(_), _) => "INCOMPLETE",
        (None, true) => "PASSED",
        (None, false) => "FAILED",
    };
    format!(
        "result: {verdict}. {} cases: {} passed, {} warning, {} failed, {} error ({blocked} blocked, {not_run} not run), {} skipped; {expected} expected by the baseline; {} filtered out; {:.1} s",
        s.total,
        s.passed,
        s.warning,
        s.failed,
        s.error,
        s.skipped,
        result.filtered_out,
        result.duration_ms as f64 / 1000.0
    )
}

pub fn summary(result: &RunResult, target_note: &str, report_paths: &[String], color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    for line in result.diagnoses() {
        let _ = writeln!(out, "{}", paint(&line, "1;31", color));
    }
    if let Some(line) = result.unreachable() {
        let _ = writeln!(out, "{}", paint(&line, "1;31", color));
    }
    if let Some(why) = &result.stopped {
        let _ = writeln!(out, "{}", paint(&format!("stopped early: {why}; the cases not started are errors \"not run\""), "1;33", color));
    }
    if let Some(signal) = result.interrupted {
        let _ = writeln!(out, "{}", paint(&format!("INCOMPLETE: interrupted by {signal}; cases not run are listed as skipped"), "1;33", color));
    }
    if result.insecure {
        let _ = writeln!(out, "{}", paint("INSECURE: --insecure was given, server certificates were not checked", "1;33", color));
    }
    for run in &result.runs {
        let s = Summary::of(&run.cases);
        let _ = writeln!(
            out,
            "{} against {}{}: {} cases: {} passed, {} warning, {} failed, {} error, {} skipped",
            run.profile, run.target, target_note, s.total, s.passed, s.warning, s.failed, s.error, s.skipped
        );
    }
    let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped).collect();
    if !skipped.is_empty() && skipped.len() <= 20 {
        let _ = writeln!(out, "\nskipped:");
        for c in skipped {
            let _ = writeln!(out, "  {} — {}", c.id, c.message.trim_start_matches("skipped: "));
        }
    }
    let expected = |c: &CaseResult| matches!(c.baseline, Some(BaselineMark::Expected { .. }));
    // Blocked and not-run cases follow from another line (the anchor, the unreachable target):
    // they are counted, not listed.
    let follows = |c: &CaseResult| matches!(c.error_kind, Some(ErrorKind::Blocked | ErrorKind::NotRun));
    for (title, level, ansi) in [("failed MUST cases", Level::Must, "1;31"), ("failed SHOULD cases", Level::Should, "33"), ("failed MAY cases", Level::May, "2")] {
        let bad: Vec<_> = result
            .cases()
            .filter(|c| c.level == level && matches!(c.outcome, Outcome::Failed | Outcome::Error) && !expected(c) && !follows(c))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(&format!("{title}:"), ansi, color));
        for c in bad {
            let _ = writeln!(out, "  {} [{}] {}\n    rule: {} ({})\n    {}", c.id, c.outcome.as_str(), c.title, c.rule, c.refs.join(", "), c.message);
        }
    }
    let blocked = result.cases().filter(|c| c.blocked()).count();
    if blocked > 0 {
        let _ = writeln!(out, "\n{blocked} case(s) blocked: the positive case each requires was refused (see the diagnosis and the failed cases above)");
    }
    for (title, level, ansi) in [("warnings (SHOULD)", Level::Should, "33"), ("warnings (MAY)", Level::May, "2")] {
        let warned: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Warning && c.warning_level == Some(level) && !expected(c)).collect();
        if warned.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(&format!("{title}, the case's own rule held:"), ansi, color));
        for c in warned {
            let _ = writeln!(out, "  {} [{} case] {}: {}", c.id, c.level.as_str(), c.title, c.message);
        }
    }
    let known: Vec<_> = result.cases().filter(|c| expected(c)).collect();
    let known_count = known.len();
    if !known.is_empty() {
        let _ = writeln!(out, "\nknown failures (baseline), not gating:");
        for c in known {
            if let Some(BaselineMark::Expected { reason }) = &c.baseline {
                let _ = writeln!(out, "  {} [{} {}] {reason}", c.id, c.shown_level().as_str(), c.outcome.as_str());
            }
        }
    }
    let fixed: Vec<_> = result.cases().filter(|c| matches!(c.baseline, Some(BaselineMark::Fixed { .. }))).collect();
    if !fixed.is_empty() {
        let _ = writeln!(out, "\n{}", paint("fixed — remove from baseline:", "32", color));
        for c in fixed {
            let _ = writeln!(out, "  {} now passes{}", c.id, if result.strict { " (fails the gate under --strict)" } else { "" });
        }
    }
    let s = result.summary();
    let breakers = result.cases().filter(|c| c.breaks_gate(result.strict)).count();
    let _ = writeln!(out);
    let scope = if result.strict { "MUST/SHOULD" } else { "MUST" };
    if let Some(signal) = result.interrupted {
        let _ = writeln!(out, "{}", paint(&format!("gate: INCOMPLETE — interrupted by {signal}"), "1;33", color));
    } else if result.gate_passed() {
        let outside = if known_count > 0 { format!(" outside the baseline's {known_count} known failure(s)") } else { String::new() };
        let line = format!("gate: PASSED — no {scope} case failed or errored{outside} ({} of {} passed)", s.passed, s.total);
        let _ = writeln!(out, "{}", paint(&line, "1;32", color));
    } else {
        let line = format!("gate: FAILED — {breakers} {scope} case(s) failed or errored{}", if result.strict { " (or warned at SHOULD)" } else { "" });
        let _ = writeln!(out, "{}", paint(&line, "1;31", color));
    }
    for p in report_paths {
        let _ = writeln!(out, "report: {p}");
    }
    let _ = writeln!(out, "{}", counts_line(result));
    out
}
