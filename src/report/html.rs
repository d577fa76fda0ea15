//! `report.html`: one self-contained file (inline CSS and JS, no fetch) for a person who never saw
//! the tool: verdict banner, counts by level, one section per endpoint with failures first, each
//! case's refs (RFC refs linked), outcome, message and a folded transcript; a filter by outcome.
//! Rendered with minijinja under the name `report.html`, so every value is HTML-escaped.
use serde::Serialize;

use crate::model::level::Level;
use crate::model::result::{BaselineMark, CaseResult, Outcome, RunResult, Summary};

const TEMPLATE: &str = include_str!("report.html");

#[derive(Serialize)]
struct RefView {
    text: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct CheckView {
    step: String,
    check: &'static str,
    rule: Option<&'static str>,
    level: &'static str,
    passed: bool,
    message: Option<String>,
}

#[derive(Serialize)]
struct CaseView {
    id: String,
    anchor: String,
    title: String,
    level: &'static str,
    rule: String,
    /// The level shown beside a non-passing outcome (a warning's graded level).
    shown_level: &'static str,
    refs: Vec<RefView>,
    outcome: &'static str,
    baseline: Option<String>,
    message: String,
    checks: Vec<CheckView>,
    exchanges: usize,
    transcript: String,
    /// A failed browser login's screenshot (base64 PNG, inputs emptied).
    screenshot: Option<String>,
    duration_ms: u64,
}

#[derive(Serialize)]
struct SectionView {
    endpoint: String,
    total: usize,
    passed: usize,
    cases: Vec<CaseView>,
}

#[derive(Serialize)]
struct ProfileView {
    name: String,
    target: String,
    sections: Vec<SectionView>,
}

#[derive(Serialize)]
struct LevelRow {
    level: &'static str,
    total: usize,
    passed: usize,
    warning: usize,
    failed: usize,
    error: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct View {
    tool: &'static str,
    profiles_label: String,
    gate_passed: bool,
    strict: bool,
    summary: Summary,
    gate_breakers: usize,
    expected: usize,
    fixed: usize,
    levels: Vec<LevelRow>,
    unreachable: Option<String>,
    diagnoses: Vec<String>,
    threats: Vec<ThreatView>,
    compliance: Vec<crate::report::threat::Compliance>,
    interrupted: Option<&'static str>,
    insecure: bool,
    failures: Vec<FailureLink>,
    profiles: Vec<ProfileView>,
}

#[derive(Serialize)]
struct ThreatView {
    name: &'static str,
    section: &'static str,
    status: &'static str,
    css: &'static str,
    cases: Vec<(String, String, &'static str)>,
}

#[derive(Serialize)]
struct FailureLink {
    id: String,
    anchor: String,
    level: &'static str,
    outcome: &'static str,
    title: String,
}

/// `RFC 6749 §4.1.2` → the RFC Editor's page for that section.
fn ref_link(r: &str) -> Option<String> {
    let rest = r.strip_prefix("RFC ")?;
    let (num, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let section: String = tail.strip_prefix('§').map(|s| s.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect()).unwrap_or_default();
    let section = section.trim_end_matches('.');
    Some(if section.is_empty() {
        format!("https://www.rfc-editor.org/rfc/rfc{num}")
    } else {
        format!("https://www.rfc-editor.org/rfc/rfc{num}#section-{section}")
    })
}

/// Failures that break the gate first, then other failures, errors, skips, passes.
fn rank(c: &CaseResult, strict: bool) -> u8 {
    match c.outcome {
        _ if c.breaks_gate(strict) => 0,
        Outcome::Failed => 1,
        Outcome::Error => 2,
        Outcome::Warning => 3,
        Outcome::Skipped => 4,
        Outcome::Passed => 5,
    }
}

fn anchor(c: &CaseResult) -> String {
    format!("{}-{}", c.profile, c.id.replace('/', "-"))
}

fn case_view(c: &CaseResult) -> CaseView {
    CaseView {
        id: c.id.clone(),
        anchor: anchor(c),
        title: c.title.clone(),
        level: c.level.as_str(),
        rule: c.rule.clone(),
        shown_level: c.shown_level().as_str(),
        refs: c.refs.iter().map(|r| RefView { text: r.clone(), href: ref_link(r) }).collect(),
        outcome: c.outcome.as_str(),
        baseline: c.baseline.as_ref().map(|b| match b {
            BaselineMark::Expected { reason } => format!("known failure (baseline): {reason}"),
            BaselineMark::Fixed { reason } => format!("fixed — remove from baseline ({reason})"),
        }),
        message: c.message.clone(),
        checks: c
            .checks
            .iter()
            .map(|k| CheckView { step: k.step.clone(), check: k.check, rule: k.rule, level: k.level.as_str(), passed: k.passed, message: k.message.clone() })
            .collect(),
        exchanges: c.transcript.len(),
        transcript: super::transcript_text(c),
        screenshot: c.screenshot.clone(),
        duration_ms: c.duration_ms,
    }
}

pub fn render(result: &RunResult) -> String {
    let mut profiles = Vec::new();
    for run in &result.runs {
        let mut endpoints: Vec<String> = Vec::new();
        for c in &run.cases {
            if !endpoints.contains(&c.endpoint) {
                endpoints.push(c.endpoint.clone());
            }
        }
        let mut sections: Vec<(u8, SectionView)> = endpoints
            .into_iter()
            .map(|ep| {
                let mut cases: Vec<&CaseResult> = run.cases.iter().filter(|c| c.endpoint == ep).collect();
                cases.sort_by_key(|c| rank(c, result.strict));
                let best = cases.first().map(|c| rank(c, result.strict)).unwrap_or(9);
                let s = Summary::of(cases.iter().copied());
                (best, SectionView { endpoint: ep, total: s.total, passed: s.passed, cases: cases.into_iter().map(case_view).collect() })
            })
            .collect();
        sections.sort_by_key(|(best, _)| *best);
        profiles.push(ProfileView { name: run.profile.clone(), target: run.target.clone(), sections: sections.into_iter().map(|(_, s)| s).collect() });
    }
    let levels: Vec<LevelRow> = [Level::Must, Level::Should, Level::May]
        .into_iter()
        .map(|l| {
            let s = Summary::of(result.cases().filter(|c| c.level == l));
            LevelRow { level: l.as_str(), total: s.total, passed: s.passed, warning: s.warning, failed: s.failed, error: s.error, skipped: s.skipped }
        })
        .collect();
    let count = |f: &dyn Fn(&CaseResult) -> bool| result.cases().filter(|c| f(c)).count();
    let ctx = View {
        tool: concat!("oauth-conformance ", env!("CARGO_PKG_VERSION")),
        profiles_label: result.runs.iter().map(|r| r.profile.as_str()).collect::<Vec<_>>().join(", "),
        gate_passed: result.gate_passed(),
        strict: result.strict,
        summary: result.summary(),
        gate_breakers: count(&|c| c.breaks_gate(result.strict)),
        expected: count(&|c| matches!(c.baseline, Some(BaselineMark::Expected { .. }))),
        fixed: count(&|c| matches!(c.baseline, Some(BaselineMark::Fixed { .. }))),
        levels,
        unreachable: result.unreachable(),
        diagnoses: result.diagnoses(),
        threats: crate::report::threat::view(result.cases())
            .into_iter()
            .map(|t| ThreatView {
                name: t.name,
                section: t.section,
                status: t.status.as_str(),
                css: match t.status {
                    crate::report::threat::Mitigation::Mitigated => "passed",
                    crate::report::threat::Mitigation::Partly => "warning",
                    crate::report::threat::Mitigation::NotMitigated => "failed",
                    crate::report::threat::Mitigation::NotTested => "skipped",
                },
                cases: t
                    .cases
                    .into_iter()
                    .map(|(id, outcome)| {
                        let anchor = id.replacen(':', "-", 1).replace('/', "-");
                        (id, anchor, outcome)
                    })
                    .collect(),
            })
            .collect(),
        compliance: crate::report::threat::compliance(result.cases()),
        interrupted: result.interrupted,
        insecure: result.insecure,
        failures: {
            let mut bad: Vec<&CaseResult> = result.cases().filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning)).collect();
            bad.sort_by_key(|c| (rank(c, result.strict), c.shown_level()));
            bad.into_iter()
                .map(|c| FailureLink { id: c.id.clone(), anchor: anchor(c), level: c.shown_level().as_str(), outcome: c.outcome.as_str(), title: c.title.clone() })
                .collect()
        },
        profiles,
    };
    let mut env = minijinja::Environment::new();
    // The template name decides auto-escaping: `.html` escapes every value.
    if let Err(e) = env.add_template("report.html", TEMPLATE) {
        return format!("<!doctype html><title>report error</title><p>cannot load the template: {}</p>", super::html_escape(&e.to_string()));
    }
    match env.get_template("report.html").and_then(|t| t.render(minijinja::value::Serde(&ctx))) {
        Ok(s) => s,
        Err(e) => format!("<!doctype html><title>report error</title><p>cannot render: {}</p>", super::html_escape(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::ref_link;

    #[test]
    fn rfc_refs_link_to_their_section() {
        assert_eq!(ref_link("RFC 6749 §4.1.2").as_deref(), Some("https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2"));
        assert_eq!(ref_link("RFC 9700").as_deref(), Some("https://www.rfc-editor.org/rfc/rfc9700"));
        assert_eq!(ref_link("RFC 6749 §5.1, §7.1").as_deref(), Some("https://www.rfc-editor.org/rfc/rfc6749#section-5.1"));
        assert_eq!(ref_link("seed: Revoke Access Token"), None);
    }
}
