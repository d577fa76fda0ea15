//! `report.html`: one self-contained file (inline CSS, no script, nothing fetched) for a person
//! who never saw the tool, ordered by what they open it for: the banner names each case that
//! breaks the gate (rule, what came back, a link to its card); a stacked bar per endpoint (inline
//! SVG, `tally`); "What failed", grouped by endpoint; compliance per level; the threat table,
//! folded; advice; the cases that passed or were skipped, folded, last.
//! Rendered with minijinja under the name `report.html`, so every value is HTML-escaped.
use serde::Serialize;

use crate::model::level::Level;
use crate::model::result::{BaselineMark, CaseResult, Outcome, ProfileRun, RunResult, Summary};
use crate::report::tally::{self, Bar};
use crate::report::threat::{self, Mitigation};
use crate::report::transcript::transcript_text;
use crate::transport::http::excerpt;

const TEMPLATE: &str = include_str!("report.html");

/// The banner names at most this many gating cases; "What failed" has them all.
const NAMED: usize = 10;

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
    profile: String,
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
}

/// One case that breaks the gate, as the banner names it.
#[derive(Serialize)]
struct GatingView {
    /// `profile:id`, as the Markdown summary and the threat table print it.
    id: String,
    anchor: String,
    level: &'static str,
    outcome: &'static str,
    /// The rule on one line.
    rule: String,
    /// What came back: the case's message (expected …, got …), shortened.
    got: String,
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
    /// The first `NAMED` cases that break the gate, blocked ones left out (they are counted).
    gating: Vec<GatingView>,
    gating_unnamed: usize,
    blocked: usize,
    expected: usize,
    fixed: usize,
    bars: Vec<Bar>,
    bars_height: usize,
    legend: [&'static str; 6],
    levels: Vec<LevelRow>,
    unreachable: Option<String>,
    diagnoses: Vec<String>,
    threats: Vec<ThreatView>,
    /// `2 not mitigated, 9 mitigated`: the folded threat table's one visible line.
    threat_counts: String,
    /// "target misconfigured: …": nothing is scored.
    misconfigured: Option<String>,
    compliance: Vec<threat::Compliance>,
    /// Profiles judged inside the run (FAPI 2.0), each with its own score.
    profile_sections: Vec<crate::report::section::Section>,
    interrupted: Option<&'static str>,
    insecure: bool,
    /// What the run found out about the target (which token the resource takes, …).
    notes: Vec<String>,
    /// Failed, errored and warned cases, by endpoint, the worst first.
    failing: Vec<SectionView>,
    /// Duties of the client or the deployment that did not hold: shown apart, never gating.
    advice: Vec<AdviceLink>,
    /// Passed, skipped and advice cases, by endpoint: folded, last.
    others: Vec<SectionView>,
    others_count: usize,
    profiles: Vec<ProfileView>,
}

#[derive(Serialize)]
struct ThreatView {
    name: &'static str,
    section: &'static str,
    status: &'static str,
    css: &'static str,
    /// A sign beside the status word: ✓ mitigated, ◐ partly, ✗ not mitigated, – not tested.
    mark: &'static str,
    /// The tagged cases that did not pass, linked: (profile:id, anchor, outcome).
    shown: Vec<(String, String, &'static str)>,
    passed: usize,
}

#[derive(Serialize)]
struct AdviceLink {
    id: String,
    anchor: String,
    level: &'static str,
    rule: String,
    why: &'static str,
}

/// `RFC 6749 §4.1.2` → the RFC Editor's page for that section; `OpenID Connect Core §3` → the
/// OpenID Foundation's page of that document (its anchors are names, not section numbers).
fn ref_link(r: &str) -> Option<String> {
    for (doc, page) in [("OpenID Connect Core", "openid-connect-core-1_0"), ("OpenID Connect Discovery", "openid-connect-discovery-1_0")] {
        if r.starts_with(doc) {
            return Some(format!("https://openid.net/specs/{page}.html"));
        }
    }
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
    anchor_of(&c.profile, &c.id)
}

/// A case card's anchor: `profile-endpoint-slug` (an id's `/` is not a fragment character to keep).
fn anchor_of(profile: &str, id: &str) -> String {
    format!("{profile}-{}", id.replace('/', "-"))
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
    let groups = endpoint_groups(result);
    let gating = gating_views(result);
    let threats = threat_views(result);
    let failing = |c: &CaseResult| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning);
    View {
        tool: concat!("oauth-conformance ", env!("CARGO_PKG_VERSION")),
        profiles_label: result.runs.iter().map(|r| r.profile.as_str()).collect::<Vec<_>>().join(", "),
        gate_passed: result.gate_passed(),
        strict: result.strict,
        summary: result.summary(),
        gate_breakers: count(&|c| c.breaks_gate(result.strict)),
        gating_unnamed: gating.len().saturating_sub(NAMED),
        gating: gating.into_iter().take(NAMED).collect(),
        blocked: count(&|c| c.blocked()),
        expected: count(&|c| matches!(c.baseline, Some(BaselineMark::Expected { .. }))),
        fixed: count(&|c| matches!(c.baseline, Some(BaselineMark::Fixed { .. }))),
        bars_height: groups.len() * tally::ROW,
        bars: groups.iter().enumerate().map(|(row, g)| tally::bar(&g.label(result.runs.len() > 1), &g.families, &g.cases, row)).collect(),
        legend: tally::OUTCOMES,
        levels: level_rows(result),
        unreachable: result.unreachable(),
        diagnoses: result.diagnoses(),
        threat_counts: threat_counts(&threats),
        threats,
        compliance: threat::scored(result),
        profile_sections: crate::report::section::sections(result),
        misconfigured: result.misconfigured(),
        interrupted: result.interrupted,
        insecure: result.insecure,
        notes: result.notes.clone(),
        failing: groups.iter().filter_map(|g| g.section(&failing)).collect(),
        advice: result
            .cases()
            .filter(|c| c.outcome == Outcome::Advice)
            .map(|c| AdviceLink { id: c.id.clone(), anchor: anchor(c), level: c.level.as_str(), rule: c.rule.clone(), why: c.duty.why_advice() })
            .collect(),
        others_count: count(&|c| !failing(c)),
        others: groups.iter().filter_map(|g| g.section(&|c| !failing(c))).collect(),
        profiles: result.runs.iter().map(|run| ProfileView { name: run.profile.clone(), target: run.target.clone() }).collect(),
    }
}

/// The cases of one profile at one endpoint, failures first.
struct EndpointGroup<'a> {
    profile: &'a str,
    endpoint: &'a str,
    cases: Vec<&'a CaseResult>,
    /// The id families, spelled as the ids are (`token-code/…`).
    families: String,
}

impl EndpointGroup<'_> {
    /// The endpoint (families of ids repeat across endpoints), after the profile's name when the
    /// run has more than one profile.
    fn label(&self, with_profile: bool) -> String {
        if with_profile { format!("{} · {}", self.profile, self.endpoint) } else { self.endpoint.to_string() }
    }

    /// The section of the cases `keep` accepts, or none if it accepts none.
    fn section(&self, keep: &dyn Fn(&CaseResult) -> bool) -> Option<SectionView> {
        let cases: Vec<CaseView> = self.cases.iter().filter(|c| keep(c)).map(|c| case_view(c)).collect();
        let s = Summary::of(self.cases.iter().copied());
        (!cases.is_empty()).then(|| SectionView { profile: self.profile.into(), endpoint: self.endpoint.into(), families: self.families.clone(), total: s.total, passed: s.passed, cases })
    }
}

/// One group per profile and endpoint (in the order endpoints first appear), failures first
/// within a group and, within a profile, the groups with the worst case first.
fn endpoint_groups(result: &RunResult) -> Vec<EndpointGroup<'_>> {
    result.runs.iter().flat_map(|run| profile_groups(run, result.strict)).collect()
}

fn profile_groups(run: &ProfileRun, strict: bool) -> Vec<EndpointGroup<'_>> {
    let mut endpoints: Vec<&str> = Vec::new();
    for c in &run.cases {
        if !endpoints.contains(&c.endpoint.as_str()) {
            endpoints.push(&c.endpoint);
        }
    }
    let mut groups: Vec<(u8, EndpointGroup)> = endpoints
        .into_iter()
        .map(|ep| {
            let mut cases: Vec<&CaseResult> = run.cases.iter().filter(|c| c.endpoint == ep).collect();
            cases.sort_by_key(|c| rank(c, strict));
            let best = cases.first().map(|c| rank(c, strict)).unwrap_or(9);
            let mut families: Vec<String> = Vec::new();
            for c in &cases {
                let family = format!("{}/…", c.id.split('/').next().unwrap_or(&c.id));
                if !families.contains(&family) {
                    families.push(family);
                }
            }
            (best, EndpointGroup { profile: &run.profile, endpoint: ep, cases, families: families.join(", ") })
        })
        .collect();
    groups.sort_by_key(|(best, _)| *best);
    groups.into_iter().map(|(_, g)| g).collect()
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

/// The threat view with a mark and a CSS class per status, and a link to each tagged case that
/// did not pass (the ones that passed are counted: one line per threat).
fn threat_views(result: &RunResult) -> Vec<ThreatView> {
    threat::view(result.cases())
        .into_iter()
        .map(|t| {
            let (css, mark) = match t.status {
                Mitigation::Mitigated => ("passed", "✓"),
                Mitigation::Partly => ("warning", "◐"),
                Mitigation::NotMitigated => ("failed", "✗"),
                Mitigation::NotTested => ("skipped", "–"),
            };
            let passed = t.cases.iter().filter(|(_, outcome)| *outcome == Outcome::Passed.as_str()).count();
            let shown = t
                .cases
                .into_iter()
                .filter(|(_, outcome)| *outcome != Outcome::Passed.as_str())
                .map(|(id, outcome)| {
                    let (profile, case) = id.split_once(':').unwrap_or(("", &id));
                    let anchor = anchor_of(profile, case);
                    (id, anchor, outcome)
                })
                .collect();
            ThreatView { name: t.name, section: t.section, status: t.status.as_str(), css, mark, shown, passed }
        })
        .collect()
}

/// `1 not mitigated, 12 mitigated`: how many threats have each status, worst first.
fn threat_counts(threats: &[ThreatView]) -> String {
    let statuses = [Mitigation::NotMitigated, Mitigation::Partly, Mitigation::Mitigated, Mitigation::NotTested];
    let parts: Vec<String> = statuses
        .iter()
        .map(|m| (m.as_str(), threats.iter().filter(|t| t.status == m.as_str()).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    parts.join(", ")
}

/// The cases that break the gate (`RunResult::gating`), worst level first, as the banner names
/// them: `profile:id`, the rule on one line, what came back.
fn gating_views(result: &RunResult) -> Vec<GatingView> {
    let mut gating: Vec<&CaseResult> = result.gating().collect();
    gating.sort_by_key(|c| c.shown_level());
    gating
        .into_iter()
        .map(|c| {
            let got = match &c.baseline {
                Some(BaselineMark::Fixed { reason }) if c.message.is_empty() => format!("passes now: remove it from the baseline ({reason})"),
                _ => excerpt(&c.message, 240),
            };
            GatingView { id: format!("{}:{}", c.profile, c.id), anchor: anchor(c), level: c.shown_level().as_str(), outcome: c.outcome.as_str(), rule: excerpt(&c.rule, 200), got }
        })
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

/// The few strings rendered outside the template are escaped as every page the suite writes.
use crate::transport::page::escape_html as html_escape;

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
    #[case("OpenID Connect Discovery §4.3", Some("https://openid.net/specs/openid-connect-discovery-1_0.html"))]
    #[case("OpenID Connect Core §3.1.3.7", Some("https://openid.net/specs/openid-connect-core-1_0.html"))]
    fn rfc_refs_link_to_their_section(#[case] r: &str, #[case] href: Option<&str>) {
        assert_eq!(ref_link(r).as_deref(), href);
    }

    #[test]
    fn a_profile_judged_inside_the_run_gets_its_score_and_the_cases_that_did_not_hold() {
        let html = render(&sample::run(vec![sample::case("fapi2/happy-flow", Outcome::Passed), sample::case("fapi2/pkce-required", Outcome::Failed)]));
        let table = html.split(r#"id="section-fapi2""#).nth(1).expect("the section's table").split("</table>").next().unwrap();
        assert!(table.contains("FAPI 2.0 Security Profile") && table.contains("<td>MUST</td><td>1</td><td>2</td><td>50.0 %</td>"), "{table}");
        assert!(table.contains("not held: <code>fapi2&#x2f;pkce-required</code>") || table.contains("not held: <code>fapi2/pkce-required</code>"), "{table}");
        let without = render(&sample::run(vec![sample::case("fapi2/happy-flow", Outcome::Skipped)]));
        assert!(!without.contains("section-fapi2"), "a section whose cases were all skipped is off");
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
    fn the_banner_names_gating_cases_and_what_failed_puts_their_endpoint_first() {
        let mut authorize = sample::at(Level::Should, "authorize/should", Outcome::Failed);
        authorize.endpoint = "authorize".into();
        let mut long = sample::case("token/must", Outcome::Failed);
        long.message = format!("status_is: expected status 401, got 200 ({})", "x".repeat(400));
        let result = sample::run(vec![authorize, sample::case("token/ok", Outcome::Passed), long, sample::case("token/warn", Outcome::Warning)]);
        let gating = gating_views(&result);
        let named: Vec<(&str, &str, &str)> = gating.iter().map(|g| (g.id.as_str(), g.anchor.as_str(), g.level)).collect();
        assert_eq!(named, [("p:token/must", "p-token-must", "MUST")], "only the MUST failure gates");
        assert!(gating[0].got.starts_with("status_is: expected status 401, got 200") && gating[0].got.chars().count() <= 241, "{}", gating[0].got);
        let groups = endpoint_groups(&result);
        let failing = |c: &CaseResult| matches!(c.outcome, Outcome::Failed | Outcome::Error | Outcome::Warning);
        let sections: Vec<SectionView> = groups.iter().filter_map(|g| g.section(&failing)).collect();
        let shown: Vec<(&str, Vec<&str>)> = sections.iter().map(|s| (s.endpoint.as_str(), s.cases.iter().map(|c| c.id.as_str()).collect())).collect();
        assert_eq!(shown, [("token", vec!["token/must", "token/warn"]), ("authorize", vec!["authorize/should"])]);
        assert_eq!((sections[0].passed, sections[0].total), (1, 3), "the heading counts the whole endpoint");
        let others: Vec<SectionView> = groups.iter().filter_map(|g| g.section(&|c| !failing(c))).collect();
        assert_eq!(others.iter().map(|s| s.cases.len()).sum::<usize>(), 1, "the passing case is only among the others");
    }

    #[test]
    fn the_banner_names_ten_and_counts_the_rest_and_the_page_orders_failures_first() {
        let mut cases: Vec<CaseResult> = (0..12).map(|n| sample::case(&format!("token/bad-{n:02}"), Outcome::Failed)).collect();
        cases.push(sample::case("token/good", Outcome::Passed));
        let html = render(&sample::run(cases));
        assert!(html.contains("href=\"#p-token-bad-09\""), "the tenth is named");
        assert!(!html.contains("<code>p:token&#x2f;bad-10</code>"), "the eleventh is not");
        assert!(html.contains("and 2 more</a>"), "the rest are counted, with a link to What failed");
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} is on the page"));
        let order = [r#"id="gating""#, r#"id="tally""#, r#"id="what-failed""#, r#"id="compliance""#, r#"id="cases-other""#];
        let places: Vec<usize> = order.iter().map(|n| at(n)).collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]), "{order:?} at {places:?}");
        assert!(!html.contains("<script"), "the report runs no script");
    }

    #[test]
    fn each_threat_status_has_its_mark_and_links_to_its_cases_that_did_not_pass() {
        let tagged = |id: &str, tag: &str, outcome| CaseResult { threats: vec![tag.into()], checks: vec![sample::failed_check("status_is", "main")], ..sample::case(id, outcome) };
        let result = sample::run(vec![tagged("a/held", "csrf", Outcome::Passed), tagged("a/open", "mix-up", Outcome::Failed), tagged("a/none", "pkce-downgrade", Outcome::Error)]);
        let views = threat_views(&result);
        let rows: Vec<(&str, &str, &str, Vec<&str>, usize)> = views.iter().map(|t| (t.status, t.css, t.mark, t.shown.iter().map(|c| c.1.as_str()).collect(), t.passed)).collect();
        assert_eq!(rows, [("not mitigated", "failed", "✗", vec!["p-a-open"], 0), ("mitigated", "passed", "✓", vec![], 1), ("not tested", "skipped", "–", vec!["p-a-none"], 0)]);
        assert_eq!(threat_counts(&views), "1 not mitigated, 1 mitigated, 1 not tested");
    }

    #[test]
    fn the_level_table_counts_each_level_apart() {
        let result = sample::run(vec![sample::case("a/1", Outcome::Passed), sample::at(Level::Should, "a/2", Outcome::Failed), sample::at(Level::Should, "a/3", Outcome::Skipped)]);
        let rows: Vec<(&str, usize, usize, usize, usize)> = level_rows(&result).iter().map(|r| (r.level, r.total, r.passed, r.failed, r.skipped)).collect();
        assert_eq!(rows, [("MUST", 1, 1, 0, 0), ("SHOULD", 2, 0, 1, 1), ("MAY", 0, 0, 0, 0)]);
    }
}
