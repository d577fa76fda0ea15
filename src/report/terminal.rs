//! The closing summary on the terminal, after libtest-mimic's one line per case.
use std::fmt::Write;

use crate::case::Level;
use crate::result::{Outcome, RunResult, Summary};

pub fn summary(result: &RunResult, target_note: &str, report_paths: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    for run in &result.runs {
        let s = Summary::of(&run.cases);
        let _ = writeln!(
            out,
            "{} against {}{}: {} cases: {} passed, {} failed, {} error, {} skipped",
            run.profile, run.target, target_note, s.total, s.passed, s.failed, s.error, s.skipped
        );
    }
    let skipped: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Skipped).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nskipped:");
        for c in skipped {
            let _ = writeln!(out, "  {} — {}", c.id, c.message.trim_start_matches("skipped: "));
        }
    }
    for (title, level) in [("failed MUST cases", Level::Must), ("failed SHOULD cases", Level::Should), ("failed MAY cases", Level::May)] {
        let bad: Vec<_> = result.cases().filter(|c| c.level == level && matches!(c.outcome, Outcome::Failed | Outcome::Error)).collect();
        if bad.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for c in bad {
            let _ = writeln!(out, "  {} [{}] {} ({}): {}", c.id, c.outcome.as_str(), c.title, c.refs.join(", "), c.message);
        }
    }
    let s = result.summary();
    let must_bad = result.cases().filter(|c| c.breaks_gate(result.strict)).count();
    let _ = writeln!(out);
    if result.gate_passed() {
        let _ = writeln!(
            out,
            "gate: PASSED — no MUST{} case failed or errored ({} of {} passed)",
            if result.strict { "/SHOULD" } else { "" },
            s.passed,
            s.total
        );
    } else {
        let _ = writeln!(
            out,
            "gate: FAILED — {must_bad} MUST{} case(s) failed or errored",
            if result.strict { "/SHOULD" } else { "" }
        );
    }
    for p in report_paths {
        let _ = writeln!(out, "report: {p}");
    }
    out
}
