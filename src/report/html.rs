//! `report.html`: one self-contained file (inline CSS and JS, no fetch) for a person who never saw
//! the tool: verdict banner, counts by level, one section per endpoint with failures first, each
//! case's refs (RFC refs linked), outcome, message and a folded transcript; a filter by outcome.
//! Rendered with minijinja under the name `report.html`, so every value is HTML-escaped.
use serde::Serialize;

use crate::model::level::Level;
use crate::model::result::{BaselineMark, CaseResult, Outcome, ProfileRun, RunResult, Summary};
use crate::report::threat::{self, Mitigation};
use crate::report::transcript::transcript_text;

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
    /// The id families the section holds, spelled as the ids are (`token-code/…`).
    families: String,
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
    /// "target misconfigured: …": nothing is scored.
    misconfigured: Option<String>,
    compliance: Vec<threat::Compliance>,
    interrupted: Option<&'static str>,
    insecure: bool,
    /// What the run found out about the target (which token the resource takes, …).
    notes: Vec<String>,
    failures: Vec<FailureLink>,
    /// Duties of the client or the deployment that did not hold: shown apart, never gating.
    advice: Vec<AdviceLink>,
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
struct AdviceLink {
    id: String,
    anchor: String,
    level: &'static str,
    rule: String,
    why: &'static str,
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

/// Failures that break the gate first, then other failures, errors, warnings, advice, skips,
/// passes.
fn rank(c: &CaseResult, strict: bool) -> u8 {
    match c.outcome {
        _ if c.breaks_gate(strict) => 0,
        Outcome::Failed => 1,
        Outcome::Error => 2,
        Outcome::Warning => 3,
        Outcome::Advice => 4,
        Outcome::Skipped => 5,
        Outcome::Passed => 6,
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
        transcript: transcript_text(c),
        screenshot: c.screenshot.clone(),
        duration_ms: c.duration_ms,
    }
}

pub fn render(result: &RunResult) -> String {
    fill(&view(result))
}

/// Everything the template shows, from the final result.
fn view(result: &RunResult) -> View {
    let count = |f: &dyn Fn(&CaseResult) -> bool| result.cases().filter(|c| f(c)).count();
    View {
        tool: concat!("oauth-conformance ", env!("CARGO_PKG_VERSION")),
        profiles_label: result.runs.iter().map(|r| r.profile.as_str()).collect::<Vec<_>>().join(", "),
        gate_passed: result.gate_passed(),
        strict: result.strict,
        summary: result.summary(),
        gate_breakers: count(&|c| c.breaks_gate(result.strict)),
        expected: count(&|c| matches!(c.baseline, Some(BaselineMark::Expected { .. }))),
        fixed: count(&|c| matches!(c.baseline, Some(BaselineMark::Fixed { .. }))),
        levels: level_rows(result),
        unreachable: result.unreachable(),
        diagnoses: result.diagnoses(),
        threats: threat_views(result),
        compliance: threat::scored(result),
        misconfigured: result.misconfigured(),
        interrupted: result.interrupted,
        insecure: result.insecure,
        notes: result.notes.clone(),
        failures: failure_links(result),
        advice: result
            .cases()
            .filter(|c| c.outcome == Outcome::Advice)
            .map(|c| AdviceLink { id: c.id.clone(), anchor: anchor(c), level: c.level.as_str(), rule: c.rule.clone(), why: c.duty.why_advice() })
            .collect(),
        profiles: result.runs.iter().map(|run| profile_view(run, result.strict)).collect(),
    }
}

/// One section per endpoint (in the order endpoints first appear), failures first within a
/// section and sections with the worst case first.
fn profile_view(run: &ProfileRun, strict: bool) -> ProfileView {
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
            cases.sort_by_key(|c| rank(c, strict));
            let best = cases.first().map(|c| rank(c, strict)).unwrap_or(9);
            let s = Summary::of(cases.iter().copied());
            let mut families: Vec<String> = Vec::new();
            for c in &cases {
                let family = format!("{}/…", c.id.split('/').next().unwrap_or(&c.id));
                if !families.contains(&family) {
                    families.push(family);
                }
            }
            (best, SectionView { endpoint: ep, families: families.join(", "), total: s.total, passed: s.passed, cases: cases.into_iter().map(case_view).collect() })
        })
        .collect();
    sections.sort_by_key(|(best, _)| *best);
    ProfileView { name: run.profile.clone(), target: run.target.clone(), sections: sections.into_iter().map(|(_, s)| s).collect() }
}

fn level_rows(result: &RunResult) -> Vec<LevelRow> {
    [Level::Must, Level::Should, Level::May]
        .into_iter()
        .map(|l| {
            let s = Summary::of(result.cases().filter(|c| c.level == l));
            LevelRow { level: l.as_str(), total: s.total, passed: s.passed, warning: s.warning, failed: s.failed, error: s.error, skipped: s.skipped }
        })
        .collect()
}

/// The threat view with a CSS class per status and a link to each tagged case.
fn threat_views(result: &RunResult) -> Vec<ThreatView> {
    threat::view(result.cases())
        .into_iter()
        .map(|t| ThreatView {
            name: t.name,
            section: t.section,
            status: t.status.as_str(),
            css: match t.status {
                Mitigation::Mitigated => "passed",
                Mitigation::Partly => "warning",
                Mitigation::NotMitigated => "failed",
                Mitigation::NotTested => "skipped",
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
        .collect()
}

/// The banner's list of what did not pass: gate breakers first, then by level.
fn failure_links(result: &RunResult) -> Vec<FailureLink> {
    let mut bad: Vec<&CaseResult> = result.cases().filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning)).collect();
    bad.sort_by_key(|c| (rank(c, result.strict), c.shown_level()));
    bad.into_iter()
        .map(|c| FailureLink { id: c.id.clone(), anchor: anchor(c), level: c.shown_level().as_str(), outcome: c.outcome.as_str(), title: c.title.clone() })
        .collect()
}

/// The template filled with `view`; a page saying what went wrong if the template fails.
fn fill(view: &View) -> String {
    let mut env = minijinja::Environment::new();
    // The template name decides auto-escaping: `.html` escapes every value.
    if let Err(e) = env.add_template("report.html", TEMPLATE) {
        return format!("<!doctype html><title>report error</title><p>cannot load the template: {}</p>", html_escape(&e.to_string()));
    }
    match env.get_template("report.html").and_then(|t| t.render(minijinja::value::Serde(view))) {
        Ok(s) => s,
        Err(e) => format!("<!doctype html><title>report error</title><p>cannot render: {}</p>", html_escape(&e.to_string())),
    }
}

/// Minimal HTML escaping for the few strings rendered outside the template.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::report::sample;

    #[rstest]
    #[case("RFC 6749 §4.1.2", Some("https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2"))]
    #[case("RFC 9700", Some("https://www.rfc-editor.org/rfc/rfc9700"))]
    #[case("RFC 6749 §5.1, §7.1", Some("https://www.rfc-editor.org/rfc/rfc6749#section-5.1"))]
    #[case("RFC 6749 §10.", Some("https://www.rfc-editor.org/rfc/rfc6749#section-10"))]
    #[case("RFC 6749 (errata)", Some("https://www.rfc-editor.org/rfc/rfc6749"))]
    #[case("RFC x1 §2", None)]
    #[case("seed: Revoke Access Token", None)]
    fn rfc_refs_link_to_their_section(#[case] r: &str, #[case] href: Option<&str>) {
        assert_eq!(ref_link(r).as_deref(), href);
    }

    #[test]
    fn html_escaping_covers_the_five_special_characters() {
        assert_eq!(html_escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn hostile_target_text_is_escaped_everywhere_it_is_shown() {
        let mut c = sample::case("a/b", Outcome::Failed);
        c.title = "<script>alert('title')</script>".into();
        c.message = "\"><img src=x onerror=alert(1)>".into();
        c.refs = vec!["RFC 6749 §5.2\"><script>alert('ref')</script>".into()];
        let mut x = sample::exchange("main", Some(400), None);
        x.response_body = Some("</pre><script>alert('body')</script>".into());
        c.transcript = vec![x];
        let html = render(&sample::run(vec![c]));
        for raw in ["<script>alert(", "<img src=x", "</pre><script>"] {
            assert!(!html.contains(raw), "{raw} reached the page unescaped");
        }
        assert!(html.contains("&lt;script&gt;alert("), "the hostile text is shown, escaped");
        // minijinja escapes `/` in attributes too: the link's tail is what stays readable.
        assert!(html.contains(r#"rfc6749#section-5.2" rel="noreferrer">RFC 6749 §5.2&quot;&gt;&lt;script&gt;"#), "the hostile ref still links to its section");
    }

    #[test]
    fn gate_breakers_come_first_in_the_failure_list_and_their_section_first() {
        let mut authorize = sample::at(Level::Should, "authorize/should", Outcome::Failed);
        authorize.endpoint = "authorize".into();
        let result = sample::run(vec![authorize, sample::case("token/ok", Outcome::Passed), sample::case("token/must", Outcome::Failed), sample::case("token/warn", Outcome::Warning)]);
        let ids: Vec<String> = failure_links(&result).into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["token/must", "authorize/should", "token/warn"]);
        let profile = profile_view(&result.runs[0], false);
        let sections: Vec<&str> = profile.sections.iter().map(|s| s.endpoint.as_str()).collect();
        assert_eq!(sections, ["token", "authorize"]);
        let token: Vec<&str> = profile.sections[0].cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(token, ["token/must", "token/warn", "token/ok"]);
        assert_eq!(profile.sections[0].cases[0].anchor, "p-token-must");
    }

    #[test]
    fn each_threat_status_has_its_colour_and_links_to_its_cases() {
        let tagged = |id: &str, tag: &str, outcome| CaseResult { threats: vec![tag.into()], checks: vec![sample::failed_check("status_is", "main")], ..sample::case(id, outcome) };
        let result = sample::run(vec![tagged("a/held", "csrf", Outcome::Passed), tagged("a/open", "mix-up", Outcome::Failed), tagged("a/none", "pkce-downgrade", Outcome::Error)]);
        let views = threat_views(&result);
        let rows: Vec<(&str, &str, &str)> = views.iter().map(|t| (t.status, t.css, t.cases[0].1.as_str())).collect();
        assert_eq!(rows, [("not mitigated", "failed", "p-a-open"), ("mitigated", "passed", "p-a-held"), ("not tested", "skipped", "p-a-none")]);
    }

    #[test]
    fn the_level_table_counts_each_level_apart() {
        let result = sample::run(vec![sample::case("a/1", Outcome::Passed), sample::at(Level::Should, "a/2", Outcome::Failed), sample::at(Level::Should, "a/3", Outcome::Skipped)]);
        let rows: Vec<(&str, usize, usize, usize, usize)> = level_rows(&result).iter().map(|r| (r.level, r.total, r.passed, r.failed, r.skipped)).collect();
        assert_eq!(rows, [("MUST", 1, 1, 0, 0), ("SHOULD", 2, 0, 1, 1), ("MAY", 0, 0, 0, 0)]);
    }
}
