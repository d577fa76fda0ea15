//! The terminal: one line per case, printed from its final event (the same result the JSON and
//! JUnit reports render, so they cannot disagree), progress on a TTY only, and the closing
//! summary whose counts are the reports' counts.
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;

use crate::model::level::Level;
use crate::transport::http::excerpt;
use crate::model::result::{BaselineMark, CaseResult, ErrorKind, Outcome, RunResult, Summary};
use crate::report::output::ReportError;
use crate::report::reporter::Reporter;
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
        (Outcome::Advice, _) => "advice",
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
        "advice" => "36",
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
                self.print(&format!("running {} ({filtered_out} filtered out, {jobs} at once)", crate::model::count::cases(*cases)));
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
    let verdict = result.verdict();
    format!(
        "result: {verdict}. {}: {} passed, {} warning, {} failed, {} error ({blocked} blocked, {not_run} not run), {} skipped{}; {expected} expected by the baseline; {} filtered out; {:.1} s",
        crate::model::count::cases(s.total),
        s.passed,
        s.warning,
        s.failed,
        s.error,
        s.skipped,
        advice_count(&s),
        result.filtered_out,
        result.duration_ms as f64 / 1000.0
    )
}

/// ", 2 advice" when some advice did not hold (nothing otherwise: most runs have none).
fn advice_count(s: &Summary) -> String {
    if s.advice == 0 { String::new() } else { format!(", {} advice", s.advice) }
}

/// The terminal as a reporter: case lines as the events arrive, the summary when the run is over
/// (after the files, whose paths it lists).
pub struct Terminal {
    lines: Lines,
    /// Said after each profile's target, e.g. " (embedded reference server)".
    target_note: &'static str,
}

impl Terminal {
    pub fn new(lines: Lines, target_note: &'static str) -> Terminal {
        Terminal { lines, target_note }
    }
}

impl Reporter for Terminal {
    fn event(&mut self, event: &Event) {
        self.lines.event(event);
    }

    fn finish(&mut self, result: &RunResult, written: &mut Vec<String>) -> Result<(), ReportError> {
        self.lines.print(summary(result, self.target_note, written, self.lines.color).trim_end());
        Ok(())
    }
}

/// The closing summary: what stopped or weakened the run, each profile's counts, the cases to
/// look at (skipped, failed by level, warnings, the baseline's), the gate, the report paths and
/// the counts line.
pub fn summary(result: &RunResult, target_note: &str, report_paths: &[String], color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    run_notes(&mut out, result, color);
    for run in &result.runs {
        let s = Summary::of(&run.cases);
        let _ = writeln!(out, "{} against {}{}: {}", run.profile, run.target, target_note, s.line());
    }
    for s in crate::report::section::sections(result) {
        let _ = writeln!(out, "{}", s.line());
    }
    skipped_list(&mut out, result);
    failures_by_level(&mut out, result, color);
    let blocked = result.cases().filter(|c| c.blocked()).count();
    if blocked > 0 {
        let see = if result.diagnoses().is_empty() { "see the failed cases above" } else { "see the diagnosis and the failed cases above" };
        let _ = writeln!(out, "\n{} blocked: the positive case each requires was refused ({see})", crate::model::count::cases(blocked));
    }
    warnings_by_level(&mut out, result, color);
    advice_list(&mut out, result, color);
    let known_count = known_failures(&mut out, result);
    fixed_list(&mut out, result, color);
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", gate_line(result, known_count, color));
    for p in report_paths {
        let _ = writeln!(out, "report: {p}");
    }
    let _ = writeln!(out, "{}", counts_line(result));
    out
}

/// A failure the baseline expects: listed apart, never gating.
fn expected(c: &CaseResult) -> bool {
    matches!(c.baseline, Some(BaselineMark::Expected { .. }))
}

/// Blocked and not-run cases follow from another line (the anchor, the unreachable target):
/// they are counted, not listed.
fn follows_another(c: &CaseResult) -> bool {
    matches!(c.error_kind, Some(ErrorKind::Blocked | ErrorKind::NotRun))
}

/// What stopped or weakened the whole run: diagnoses, an unreachable target, an early stop, an
/// interruption, --insecure.
fn run_notes(out: &mut String, result: &RunResult, color: bool) {
    if let Some(line) = result.misconfigured() {
        let _ = writeln!(out, "{}", paint(&line, "1;31", color));
    }
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
    for note in &result.notes {
        let _ = writeln!(out, "{note}");
    }
    if result.insecure {
        let _ = writeln!(out, "{}", paint("INSECURE: --insecure was given, server certificates were not checked", "1;33", color));
    }
}

/// The skipped cases with their reasons, when there are a few (up to 20).
fn skipped_list(out: &mut String, result: &RunResult) {
    let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped).collect();
    if !skipped.is_empty() && skipped.len() <= 20 {
        let _ = writeln!(out, "\nskipped:");
        for c in skipped {
            let _ = writeln!(out, "  {} — {}", c.id, c.message.trim_start_matches("skipped: "));
        }
    }
}

/// Failed and errored cases by level, with rule, refs and message.
fn failures_by_level(out: &mut String, result: &RunResult, color: bool) {
    for (title, level, ansi) in [("failed MUST cases", Level::Must, "1;31"), ("failed SHOULD cases", Level::Should, "33"), ("failed MAY cases", Level::May, "2")] {
        let bad: Vec<_> = result
            .cases()
            .filter(|c| c.level == level && matches!(c.outcome, Outcome::Failed | Outcome::Error) && !expected(c) && !follows_another(c))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(&format!("{title}:"), ansi, color));
        for c in bad {
            let _ = writeln!(out, "  {} [{}] {}\n    rule: {} ({})\n    {}", c.id, c.outcome.as_str(), c.title, c.rule, c.refs.join(", "), c.message);
        }
    }
}

/// Warnings by their graded level: the case's own rule held.
fn warnings_by_level(out: &mut String, result: &RunResult, color: bool) {
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
}

/// Duties of the client or the deployment that did not hold: listed apart, with why they do not
/// gate.
fn advice_list(out: &mut String, result: &RunResult, color: bool) {
    let advice: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Advice).collect();
    if advice.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint("advice (duties of the client or the deployment), never gating:", "36", color));
    for c in advice {
        let _ = writeln!(out, "  {} [{} {}] {}", c.id, c.level.as_str(), c.duty.as_str(), c.message);
    }
}

/// The failures the baseline expects, with its reasons; returns how many.
fn known_failures(out: &mut String, result: &RunResult) -> usize {
    let known: Vec<_> = result.cases().filter(|c| expected(c)).collect();
    if !known.is_empty() {
        let _ = writeln!(out, "\nknown failures (baseline), not gating:");
        for c in &known {
            if let Some(BaselineMark::Expected { reason }) = &c.baseline {
                let _ = writeln!(out, "  {} [{} {}] {reason}", c.id, c.shown_level().as_str(), c.outcome.as_str());
            }
        }
    }
    known.len()
}

/// Baseline entries that now pass.
fn fixed_list(out: &mut String, result: &RunResult, color: bool) {
    let fixed: Vec<_> = result.cases().filter(|c| matches!(c.baseline, Some(BaselineMark::Fixed { .. }))).collect();
    if !fixed.is_empty() {
        let _ = writeln!(out, "\n{}", paint("fixed — remove from baseline:", "32", color));
        for c in fixed {
            let _ = writeln!(out, "  {} now passes{}", c.id, if result.strict { " (fails the gate under --strict)" } else { "" });
        }
    }
}

/// `gate: PASSED — …`, `gate: FAILED — …` or `gate: INCOMPLETE — …`.
fn gate_line(result: &RunResult, known_count: usize, color: bool) -> String {
    let scope = if result.strict { "MUST/SHOULD" } else { "MUST" };
    if let Some(signal) = result.interrupted {
        return paint(&format!("gate: INCOMPLETE — interrupted by {signal}"), "1;33", color);
    }
    if result.gate_passed() {
        let s = result.summary();
        let outside = if known_count > 0 { format!(" outside the baseline's {known_count} known failure(s)") } else { String::new() };
        let line = format!("gate: PASSED — no {scope} case failed or errored{outside} ({} of {} passed)", s.passed, s.total);
        return paint(&line, "1;32", color);
    }
    let is_fixed = |c: &&crate::model::result::CaseResult| matches!(c.baseline, Some(BaselineMark::Fixed { .. }));
    let breakers = result.cases().filter(|c| c.breaks_gate(result.strict) && !is_fixed(c)).count();
    let fixed: Vec<&str> = result.cases().filter(|c| c.breaks_gate(result.strict) && is_fixed(c)).map(|c| c.id.as_str()).collect();
    let mut why = Vec::new();
    if breakers > 0 {
        let cases = crate::model::count::count(breakers, &format!("{scope} case"), &format!("{scope} cases"));
        why.push(format!("{cases} failed or errored{}", if result.strict { " (or warned at SHOULD)" } else { "" }));
    }
    if !fixed.is_empty() {
        // Under --strict a baseline entry that now passes fails the gate until it is removed.
        let what = crate::model::count::count(fixed.len(), "baseline entry passes now and fails the gate", "baseline entries pass now and fail the gate");
        why.push(format!("{what} under --strict until removed from the baseline ({})", fixed.join(", ")));
    }
    let line = format!("gate: FAILED — {}", why.join("; "));
    paint(&line, "1;31", color)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use rstest::rstest;

    use super::*;
    use crate::report::sample;

    /// A terminal that keeps what it was given.
    #[derive(Clone, Default)]
    struct Screen(Arc<Mutex<Vec<u8>>>);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Screen {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn expected_mark() -> Option<BaselineMark> {
        Some(BaselineMark::Expected { reason: "vendor ticket 12".into() })
    }

    /// A run with one case of each kind the summary lists apart.
    fn mixed_run() -> RunResult {
        let mut blocked = sample::case("token-code/blocked", Outcome::Error);
        blocked.error_kind = Some(ErrorKind::Blocked);
        blocked.message = "blocked: token-code/valid was refused".into();
        let mut known = sample::case("token-cc/known", Outcome::Failed);
        known.baseline = expected_mark();
        let mut fixed = sample::case("token-cc/fixed", Outcome::Passed);
        fixed.baseline = Some(BaselineMark::Fixed { reason: "vendor ticket 9".into() });
        sample::run(vec![
            sample::case("token-cc/valid", Outcome::Passed),
            sample::case("token-cc/bad-secret", Outcome::Failed),
            sample::at(Level::Should, "token-cc/cache-control", Outcome::Failed),
            sample::case("token-cc/scope", Outcome::Warning),
            sample::case("refresh/rotation", Outcome::Skipped),
            blocked,
            known,
            fixed,
        ])
    }

    #[rstest]
    #[case(Outcome::Passed, None, "ok")]
    #[case(Outcome::Warning, None, "warning")]
    #[case(Outcome::Failed, None, "FAILED")]
    #[case(Outcome::Error, None, "ERROR")]
    #[case(Outcome::Skipped, None, "skipped")]
    #[case(Outcome::Failed, expected_mark(), "expected-failure")]
    #[case(Outcome::Warning, expected_mark(), "expected-failure")]
    #[case(Outcome::Passed, Some(BaselineMark::Fixed { reason: "r".into() }), "ok")]
    fn a_case_line_starts_with_its_final_outcome(#[case] outcome: Outcome, #[case] baseline: Option<BaselineMark>, #[case] word: &str) {
        let c = CaseResult { baseline, ..sample::case("a/b", outcome) };
        assert_eq!(outcome_word(&c), word);
    }

    /// Under --strict a baseline entry that now passes fails the gate: the gate line names it and
    /// says what to do, instead of counting it among failed cases.
    #[test]
    fn a_fixed_baseline_entry_under_strict_is_named_in_the_gate_line() {
        let mut fixed = sample::case("token-cc/fixed", Outcome::Passed);
        fixed.baseline = Some(BaselineMark::Fixed { reason: "vendor ticket 9".into() });
        let result = RunResult { strict: true, ..sample::run(vec![sample::case("token-cc/valid", Outcome::Passed), fixed]) };
        assert_eq!(gate_line(&result, 0, false), "gate: FAILED — 1 baseline entry passes now and fails the gate under --strict until removed from the baseline (token-cc/fixed)");
        let lenient = RunResult { strict: false, ..result };
        assert!(gate_line(&lenient, 0, false).starts_with("gate: PASSED"));
    }

    #[test]
    fn case_lines_of_every_outcome() {
        let lines: Vec<String> = mixed_run().cases().map(|c| case_line(c, false)).collect();
        insta::assert_snapshot!(lines.join("\n"));
    }

    #[test]
    fn in_colour_only_the_outcome_word_is_painted() {
        let line = case_line(&sample::case("a/b", Outcome::Failed), true);
        assert_eq!(line, format!("\x1b[1;31m{:<16}\x1b[0m MUST   p:a/b — failed message", "FAILED"));
    }

    #[test]
    fn a_long_message_is_bounded_on_its_line() {
        let c = CaseResult { message: "x".repeat(1000), ..sample::case("a/b", Outcome::Failed) };
        let line = case_line(&c, false);
        assert!(line.len() < 400, "{} bytes", line.len());
    }

    #[test]
    fn the_counts_line_has_every_count_in_words() {
        assert_eq!(
            counts_line(&mixed_run()),
            "result: FAILED. 8 cases: 2 passed, 1 warning, 3 failed, 1 error (1 blocked, 0 not run), 1 skipped; 1 expected by the baseline; 2 filtered out; 1.5 s"
        );
    }

    #[rstest]
    #[case(Outcome::Passed, None, "result: PASSED.")]
    #[case(Outcome::Failed, None, "result: FAILED.")]
    #[case(Outcome::Passed, Some("SIGINT"), "result: INCOMPLETE.")]
    fn the_counts_line_opens_with_the_verdict(#[case] outcome: Outcome, #[case] interrupted: Option<&'static str>, #[case] start: &str) {
        let result = RunResult { interrupted, ..sample::run(vec![sample::case("a/b", outcome)]) };
        assert!(counts_line(&result).starts_with(start), "{}", counts_line(&result));
    }

    #[test]
    fn the_summary_of_a_mixed_run() {
        insta::assert_snapshot!(summary(&mixed_run(), " (embedded reference server)", &["reports/report.json".into()], false));
    }

    #[test]
    fn a_passing_gate_counts_the_baseline_known_failures_apart() {
        let mut known = sample::case("a/known", Outcome::Failed);
        known.baseline = expected_mark();
        let text = summary(&sample::run(vec![sample::case("a/ok", Outcome::Passed), known]), "", &[], false);
        assert!(text.contains("gate: PASSED — no MUST case failed or errored outside the baseline's 1 known failure(s) (1 of 2 passed)"), "{text}");
        assert!(!text.contains("failed MUST cases"), "{text}");
    }

    #[test]
    fn an_interrupted_strict_run_has_an_incomplete_gate() {
        let result = RunResult { interrupted: Some("SIGTERM"), strict: true, ..sample::run(vec![sample::case("a/ok", Outcome::Passed)]) };
        let text = summary(&result, "", &[], false);
        assert!(text.contains("INCOMPLETE: interrupted by SIGTERM; cases not run are listed as skipped"), "{text}");
        assert!(text.contains("\ngate: INCOMPLETE — interrupted by SIGTERM\n"), "{text}");
    }

    #[test]
    fn the_terminal_prints_case_lines_as_they_come_but_not_cases_never_run() {
        let screen = Screen::default();
        let mut terminal = Terminal::new(Lines::new(Box::new(screen.clone()), false, false), "");
        let mut not_run = sample::case("a/not-run", Outcome::Error);
        not_run.error_kind = Some(ErrorKind::NotRun);
        terminal.event(&Event::Started { cases: 2, filtered_out: 1, jobs: 4 });
        terminal.event(&Event::CaseFinished(Box::new(sample::case("a/first", Outcome::Passed))));
        terminal.event(&Event::CaseFinished(Box::new(not_run)));
        terminal.event(&Event::Diagnosis("diagnosis: check [client]".into()));
        terminal.event(&Event::Finished);
        let expected = format!("running 2 cases (1 filtered out, 4 at once)\n{}\ndiagnosis: check [client]\n", case_line(&sample::case("a/first", Outcome::Passed), false));
        assert_eq!(screen.text(), expected);
    }

    #[test]
    fn the_terminal_closes_with_the_summary_naming_the_files_written_before_it() {
        let screen = Screen::default();
        let mut terminal = Terminal::new(Lines::new(Box::new(screen.clone()), false, false), "");
        let mut written = vec!["reports/report.json".to_string(), "json on standard output".to_string()];
        terminal.finish(&sample::run(vec![sample::case("a/ok", Outcome::Passed)]), &mut written).unwrap();
        let text = screen.text();
        assert!(text.contains("report: reports/report.json\nreport: json on standard output\nresult: PASSED."), "{text}");
        assert_eq!(written.len(), 2, "the terminal writes no file");
    }
}
