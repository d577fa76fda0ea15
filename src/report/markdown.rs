//! `--markdown PATH`: a short job summary in Markdown for a CI page (a GitHub job summary, a
//! merge-request note): the gate line, what stopped or weakened the run, each gating case with
//! its rule and what came back, and the compliance per level. Everything else is in the other
//! reports; this one stays short enough to read in a pull request.
use std::fmt::Write as _;

use crate::model::result::{BaselineMark, CaseResult, Outcome, RunResult};

/// At most this many cases are listed; the rest are counted.
const LISTED: usize = 20;

/// The Markdown summary of `result`.
pub fn render(result: &RunResult) -> String {
    let mut out = String::new();
    let s = result.summary();
    let _ = writeln!(out, "## OAuth conformance: {}\n", result.verdict());
    let _ = writeln!(out, "{}.\n", s.line());
    let notes: Vec<String> = result.misconfigured().into_iter().chain(result.unreachable()).chain(result.diagnoses()).chain(result.notes.iter().cloned()).collect();
    for n in &notes {
        let _ = writeln!(out, "> {}", cell(n));
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
    }
    let gating: Vec<&CaseResult> = result.gating().collect();
    if !gating.is_empty() {
        let _ = writeln!(out, "### Breaking the gate\n");
        let _ = writeln!(out, "| case | level | rule | what came back |\n|---|---|---|---|");
        for c in gating.iter().take(LISTED) {
            let _ = writeln!(out, "| `{}:{}` | {} | {} | {} |", c.profile, c.id, c.level.as_str(), cell(&c.rule), cell(&crate::transport::http::excerpt(&c.message, 300)));
        }
        if gating.len() > LISTED {
            let _ = writeln!(out, "\n…and {} more (see report.html).", gating.len() - LISTED);
        }
        let blocked = result.cases().filter(|c| c.blocked()).count();
        if blocked > 0 {
            let _ = writeln!(out, "\n{} blocked by the cases above.", crate::model::count::cases(blocked));
        }
        let _ = writeln!(out);
    }
    let known = result.cases().filter(|c| matches!(c.baseline, Some(BaselineMark::Expected { .. }))).count();
    let warnings = result.cases().filter(|c| c.outcome == Outcome::Warning && c.baseline.is_none()).count();
    if known + warnings > 0 {
        let _ = writeln!(out, "{} expected by the baseline; {}.\n", crate::model::count::count(known, "failure", "failures"), crate::model::count::count(warnings, "warning", "warnings"));
    }
    let compliance = crate::report::threat::scored(result);
    if !compliance.is_empty() {
        let parts: Vec<String> = compliance
            .iter()
            .map(|c| if c.applicable > 0 { format!("{} {}/{} ({:.0} %)", c.level, c.held, c.applicable, c.percent) } else { format!("{} none ran", c.level) })
            .collect();
        let _ = writeln!(out, "Compliance (rules held / cases that ran): {}.", parts.join(" · "));
    }
    for s in crate::report::section::sections(result) {
        let _ = writeln!(out, "\n{}.", cell(&s.line()));
    }
    out
}

/// Text for one line or table cell: no line breaks, no pipes, no HTML.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn a_failing_run_names_each_gating_case_with_its_rule_and_answer() {
        let mut bad = sample::case("token-cc/bad-secret", Outcome::Failed);
        bad.message = "status_is: expected 401, got 200 | <b>x</b>".into();
        let md = render(&sample::run(vec![sample::case("token-cc/valid", Outcome::Passed), bad]));
        assert!(md.starts_with("## OAuth conformance: FAILED\n\n2 cases: 1 passed, 0 warning, 1 failed"), "{md}");
        assert!(md.contains("| `p:token-cc/bad-secret` | MUST |"), "{md}");
        assert!(md.contains("expected 401, got 200 \\| &lt;b&gt;x&lt;/b&gt;"), "pipes and markup are escaped: {md}");
        assert!(md.contains("Compliance (rules held / cases that ran): MUST 1/2"), "{md}");
    }

    #[test]
    fn a_passing_run_is_a_few_lines() {
        let md = render(&sample::run(vec![sample::case("token-cc/valid", Outcome::Passed)]));
        assert!(md.starts_with("## OAuth conformance: PASSED\n\n1 case: 1 passed"), "{md}");
        assert!(!md.contains("Breaking the gate"));
        assert!(md.lines().count() < 8, "{md}");
    }
}
