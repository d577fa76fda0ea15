//! The closing summary on the terminal, after libtest-mimic's one line per case: counts, the
//! failed cases by level with refs and messages, baseline news, the gate, the report paths.
use std::fmt::Write;

use crate::case::Level;
use crate::result::{BaselineMark, Outcome, RunResult, Summary};

fn paint(text: &str, ansi: &str, color: bool) -> String {
    if color { format!("\x1b[{ansi}m{text}\x1b[0m") } else { text.to_string() }
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
            "{} against {}{}: {} cases: {} passed, {} warning, {} failed, {} error ({} blocked), {} skipped",
            run.profile,
            run.target,
            target_note,
            s.total,
            s.passed,
            s.warning,
            s.failed,
            s.error,
            run.cases.iter().filter(|c| c.blocked()).count(),
            s.skipped
        );
    }
    let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nskipped:");
        for c in skipped {
            let _ = writeln!(out, "  {} — {}", c.id, c.message.trim_start_matches("skipped: "));
        }
    }
    let expected = |c: &crate::result::CaseResult| matches!(c.baseline, Some(BaselineMark::Expected { .. }));
    for (title, level, ansi) in [("failed MUST cases", Level::Must, "1;31"), ("failed SHOULD cases", Level::Should, "33"), ("failed MAY cases", Level::May, "2")] {
        let bad: Vec<_> = result
            .cases()
            .filter(|c| c.level == level && matches!(c.outcome, Outcome::Failed | Outcome::Error) && !expected(c))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(&format!("{title}:"), ansi, color));
        for c in bad {
            let _ = writeln!(out, "  {} [{}] {}\n    rule: {} ({})\n    {}", c.id, c.outcome.as_str(), c.title, c.rule, c.refs.join(", "), c.message);
        }
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
    out
}
