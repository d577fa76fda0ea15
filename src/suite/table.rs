//! One case table validated into `Case`s: each case's id, rule and references, its fixtures and
//! needs, its steps (validated in `step`), and the race, sample and wait a case may carry. Enters:
//! a table file's text and the profile it belongs to; leaves: the cases, or one `LoadError` with
//! file, line and field.
use std::collections::{BTreeSet, HashSet};

use crate::model::level::Level;
use crate::model::load_error::{LoadError, line_of, toml_error};
use crate::suite::case::{BASE_PLACEHOLDERS, Case, Fixture, Need, ProfileView, Race, Sample, Step, WAITS};
use crate::suite::raw::{RawEntry, RawTable};
use crate::suite::step::{Known, StepCtx};

/// The keywords a rule names (RFC 2119).
const KEYWORDS: [&str; 6] = ["MUST", "SHOULD", "MAY", "REQUIRED", "RECOMMENDED", "OPTIONAL"];

/// Parses and validates one case table.
pub fn parse_table(file: &str, text: &str, profile: &dyn ProfileView) -> Result<Vec<Case>, LoadError> {
    let raw: RawTable = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    let table_endpoint = raw.endpoint.get_ref().clone();
    if !profile.has_endpoint(&table_endpoint) {
        let names = profile.endpoint_names().join(", ");
        let message = format!("field `endpoint`: unknown endpoint `{table_endpoint}` (the profile has: {names})");
        return Err(LoadError { file: file.to_string(), line: line_of(text, raw.endpoint.span().start), message });
    }
    let fapi = match &raw.client {
        None => false,
        Some(c) if c.get_ref() == "fapi" => true,
        Some(c) => {
            let message = format!("field `client`: unknown client `{}` (known: fapi)", c.get_ref());
            return Err(LoadError { file: file.to_string(), line: line_of(text, c.span().start), message });
        }
    };
    let mut cases = Vec::new();
    for entry in raw.case {
        let at = entry.span().start;
        let entry = entry.into_inner();
        let id = case_id(&entry, at, file, text)?;
        let ctx = StepCtx { file, text, case_id: &id, profile, table_endpoint: &table_endpoint, fapi };
        cases.push(validate_case(&ctx, entry, at)?);
    }
    Ok(cases)
}

/// The case's id, of the form `endpoint/slug`.
fn case_id(raw: &RawEntry, at: usize, file: &str, text: &str) -> Result<String, LoadError> {
    let err = |pos: usize, message: String| LoadError { file: file.to_string(), line: line_of(text, pos), message };
    let id = raw.id.as_ref().ok_or_else(|| err(at, "missing field `id`".into()))?;
    let id_str = id.get_ref().clone();
    let valid = id_str.split_once('/').is_some_and(|(a, b)| {
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok(a) && ok(b)
    });
    if !valid {
        return Err(err(id.span().start, format!("field `id`: `{id_str}` is not of the form `endpoint/slug` (lower-case letters, digits, -)")));
    }
    Ok(id_str)
}

/// What a case says of itself: its title, level, rule, threats and references.
struct Header {
    title: String,
    level: Level,
    rule: String,
    threats: Vec<String>,
    refs: Vec<String>,
}

fn validate_case(ctx: &StepCtx, raw: RawEntry, at: usize) -> Result<Case, LoadError> {
    let id_pos = raw.id.as_ref().map_or(at, |i| i.span().start);
    let Header { title, level, rule, threats, refs } = header(ctx, &raw, id_pos)?;
    let fixtures = fixtures(ctx, &raw)?;
    let mut known = Known {
        placeholders: BASE_PLACEHOLDERS.iter().map(|s| s.to_string()).chain(fixtures.iter().flat_map(|f| f.provides()).map(|s| s.to_string())).collect(),
        names: HashSet::new(),
        needs: needs(ctx, &raw, &fixtures)?,
        resource_steps: HashSet::new(),
    };
    let (before, main, after) = steps(ctx, &raw, at, level, &mut known)?;
    let race = race(ctx, &raw, &main)?;
    let sample = sample(ctx, &raw, level, race.is_some())?;
    let wait = wait(ctx, &raw)?;
    Ok(Case {
        id: ctx.case_id.to_string(),
        title,
        level,
        duty: raw.duty.unwrap_or_default(),
        rule,
        threats,
        refs,
        endpoint: ctx.table_endpoint.to_string(),
        fixtures,
        needs: known.needs,
        serial: raw.serial,
        requires: raw.requires.as_ref().map(|r| r.get_ref().clone()),
        race,
        sample,
        wait,
        before,
        main,
        after,
        file: ctx.file.to_string(),
        line: line_of(ctx.text, id_pos),
    })
}

/// The case's own fields: present, a rule of one line that names its keyword, known threats, at
/// least one reference, and no step `name`.
fn header(ctx: &StepCtx, raw: &RawEntry, id_pos: usize) -> Result<Header, LoadError> {
    let id = ctx.case_id;
    let err = |message: String| ctx.err(id_pos, format!("case `{id}`: {message}"));
    let missing = |name: &str| err(format!("missing field `{name}`"));
    let title = raw.title.clone().ok_or_else(|| missing("title"))?;
    let level = raw.level.ok_or_else(|| missing("level"))?;
    let rule = raw.rule.clone().ok_or_else(|| missing("rule"))?;
    let mut threats = Vec::new();
    for t in &raw.threats {
        if !crate::suite::threat::is_known(t.get_ref()) {
            let known: Vec<&str> = crate::suite::threat::THREATS.iter().map(|(t, _, _)| *t).collect();
            return Err(ctx.err(t.span().start, format!("case `{id}`: field `threats`: unknown threat `{}` (known: {})", t.get_ref(), known.join(", "))));
        }
        threats.push(t.get_ref().clone());
    }
    if rule.trim().is_empty() || rule.contains('\n') {
        return Err(err("field `rule`: one non-empty line".into()));
    }
    if !KEYWORDS.iter().any(|k| rule.contains(k)) {
        return Err(err(format!("field `rule`: name the requirement's keyword ({})", KEYWORDS.join(", "))));
    }
    let refs = raw.refs.clone().ok_or_else(|| missing("refs"))?;
    if refs.is_empty() {
        return Err(err("field `refs`: at least one spec reference is required".into()));
    }
    if raw.name.is_some() {
        return Err(err("field `name` belongs to before/after steps only".into()));
    }
    Ok(Header { title, level, rule, threats, refs })
}

/// The case's fixtures, each a known one.
fn fixtures(ctx: &StepCtx, raw: &RawEntry) -> Result<Vec<Fixture>, LoadError> {
    raw.fixtures
        .iter()
        .map(|f| {
            Fixture::ALL.iter().copied().find(|x| x.name() == f.get_ref()).ok_or_else(|| {
                let known = Fixture::ALL.map(|x| x.name()).join(", ");
                ctx.err(f.span().start, format!("case `{}`: field `fixtures`: unknown fixture `{}` (known: {known})", ctx.case_id, f.get_ref()))
            })
        })
        .collect()
}

/// What the case needs from the target before its steps add theirs: its fixtures' needs and
/// the ones it declares.
fn needs(ctx: &StepCtx, raw: &RawEntry, fixtures: &[Fixture]) -> Result<BTreeSet<Need>, LoadError> {
    let mut needs: BTreeSet<Need> = fixtures.iter().flat_map(|f| f.needs().iter().copied()).collect();
    for n in &raw.needs {
        let need = Need::DECLARABLE.iter().find(|(name, _)| name == n.get_ref()).map(|(_, need)| *need).ok_or_else(|| {
            let known = Need::DECLARABLE.map(|(name, _)| name).join(", ");
            ctx.err(n.span().start, format!("case `{}`: field `needs`: unknown need `{}` (known: {known})", ctx.case_id, n.get_ref()))
        })?;
        needs.insert(need);
    }
    Ok(needs)
}

/// The before steps, the main step and the after steps, in the order they run (a step may use
/// what an earlier one captured); every expectation graded no stronger than the case.
fn steps(ctx: &StepCtx, raw: &RawEntry, at: usize, level: Level, known: &mut Known) -> Result<(Vec<Step>, Step, Vec<Step>), LoadError> {
    let mut before = Vec::new();
    for s in &raw.before {
        before.push(ctx.step(s.get_ref(), s.span().start, None, "before", known)?);
    }
    let main = ctx.step(raw, at, raw.endpoint.as_ref().map(|e| e.get_ref().as_str()), "main", known)?;
    for s in raw.before.iter().chain(raw.after.iter()).map(|s| s.get_ref()).chain([raw]) {
        if let Some(e) = &s.expect {
            e.get_ref().check_grades(level).map_err(|m| ctx.err(e.span().start, format!("case `{}`: field `expect`: {m}", ctx.case_id)))?;
        }
    }
    // The after steps may use what the main step's answer held, as `{main.member}`.
    known.names.insert("main".to_string());
    let mut after = Vec::new();
    for s in &raw.after {
        after.push(ctx.step(s.get_ref(), s.span().start, None, "after", known)?);
    }
    Ok((before, main, after))
}

/// A race: 2 to 64 requests at once, fewer allowed to succeed than sent, never through a login.
fn race(ctx: &StepCtx, raw: &RawEntry, main: &Step) -> Result<Option<Race>, LoadError> {
    let Some(r) = &raw.race else { return Ok(None) };
    let err = |m: &str| ctx.err(r.span().start, format!("case `{}`: field `race`: {m}", ctx.case_id));
    let rv = *r.get_ref();
    if rv.count < 2 || rv.count > 64 || rv.max_success >= rv.count {
        return Err(err("need 2 <= count <= 64 and max_success < count"));
    }
    if !(1..=100).contains(&rv.rounds) {
        return Err(err("need 1 <= rounds <= 100"));
    }
    if main.browser.is_some() {
        return Err(err("a browser step cannot be raced"));
    }
    Ok(Some(rv))
}

/// A sample: 4 to 32 answers, not also raced, `must_bits` only on a MUST case, bits in 1..=512.
fn sample(ctx: &StepCtx, raw: &RawEntry, level: Level, raced: bool) -> Result<Option<Sample>, LoadError> {
    let Some(sp) = &raw.sample else { return Ok(None) };
    let err = |m: String| ctx.err(sp.span().start, format!("case `{}`: field `sample`: {m}", ctx.case_id));
    let sv = sp.get_ref().clone();
    if !(4..=32).contains(&sv.count) {
        return Err(err("need 4 <= count <= 32".into()));
    }
    if raced {
        return Err(err("a sampled case cannot also race".into()));
    }
    if sv.must_bits.is_some_and(|_| level != Level::Must) {
        return Err(err(format!("`must_bits` needs a MUST case (this one is {})", level.as_str())));
    }
    if [sv.must_bits, sv.should_bits].into_iter().flatten().any(|b| !(1.0..=512.0).contains(&b)) {
        return Err(err("bits must be between 1 and 512".into()));
    }
    Ok(Some(sv))
}

/// A slow case's wait: one of the known lifetimes.
fn wait(ctx: &StepCtx, raw: &RawEntry) -> Result<Option<String>, LoadError> {
    match &raw.wait {
        Some(w) if WAITS.iter().any(|(k, _)| k == w.get_ref()) => Ok(Some(w.get_ref().clone())),
        Some(w) => {
            let known: Vec<&str> = WAITS.iter().map(|(k, _)| *k).collect();
            Err(ctx.err(w.span().start, format!("case `{}`: field `wait`: unknown wait `{}` (known: {})", ctx.case_id, w.get_ref(), known.join(", "))))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A profile with a token endpoint, a browser `authorize` endpoint and one schema.
    struct P;
    impl ProfileView for P {
        fn has_endpoint(&self, name: &str) -> bool {
            matches!(name, "token" | "authorize" | "revoke")
        }
        fn is_browser_endpoint(&self, name: &str) -> bool {
            name == "authorize"
        }
        fn has_schema(&self, name: &str) -> bool {
            name == "token"
        }
        fn endpoint_names(&self) -> Vec<String> {
            vec!["token".into(), "authorize".into(), "revoke".into()]
        }
        fn default_params(&self, name: &str) -> Vec<(String, String)> {
            if name == "token" { vec![("code".into(), "{code}".into())] } else { vec![] }
        }
    }

    const CASE: &str = "endpoint = \"token\"\n[[case]]\nid = \"token/x\"\ntitle = \"t\"\nlevel = \"MUST\"\nrule = \"the server MUST do it\"\nrefs = [\"RFC 6749 §5.1\"]\nfixtures = [\"code\"]\n";

    fn parse(extra: &str) -> Result<Vec<Case>, LoadError> {
        parse_table("t.toml", &format!("{CASE}{extra}"), &P)
    }

    #[test]
    fn a_valid_case_keeps_its_fields_line_and_needs() {
        let c = parse("expect = { status = 200 }\n").unwrap().remove(0);
        assert_eq!((c.id.as_str(), c.level, c.line, c.endpoint.as_str()), ("token/x", Level::Must, 3, "token"));
        assert_eq!(c.fixtures, [Fixture::Code]);
        assert!(c.needs.contains(&Need::Login), "the code fixture signs in: {:?}", c.needs);
    }

    #[rstest]
    #[case::keyword("rule = \"the server MUST do it\"", "rule = \"the server does it\"", "t.toml:3: case `token/x`: field `rule`: name the requirement's keyword (MUST, SHOULD, MAY, REQUIRED, RECOMMENDED, OPTIONAL)")]
    #[case::id("id = \"token/x\"", "id = \"Token_X\"", "t.toml:3: field `id`: `Token_X` is not of the form `endpoint/slug` (lower-case letters, digits, -)")]
    #[case::no_refs("refs = [\"RFC 6749 §5.1\"]", "refs = []", "t.toml:3: case `token/x`: field `refs`: at least one spec reference is required")]
    #[case::fixture("fixtures = [\"code\"]", "fixtures = [\"cod\"]", "t.toml:8: case `token/x`: field `fixtures`: unknown fixture `cod` (known: ")]
    fn a_bad_case_header_names_its_line_and_field(#[case] from: &str, #[case] to: &str, #[case] expected: &str) {
        let text = format!("{CASE}expect = {{ status = 200 }}\n").replace(from, to);
        let e = parse_table("t.toml", &text, &P).unwrap_err().to_string();
        assert!(e.starts_with(expected), "{e}");
    }

    #[rstest]
    #[case::race_count("race = { count = 1, max_success = 0 }\nexpect = { status = 200 }\n", "field `race`: need 2 <= count <= 64 and max_success < count")]
    #[case::sample_count("sample = { count = 2, member = \"access_token\" }\nexpect = { status = 200 }\n", "field `sample`: need 4 <= count <= 32")]
    #[case::wait("wait = \"forever\"\nexpect = { status = 200 }\n", "field `wait`: unknown wait `forever` (known: ")]
    #[case::need("needs = [\"nothing\"]\nexpect = { status = 200 }\n", "field `needs`: unknown need `nothing` (known: ")]
    #[case::name_on_a_case("name = \"n\"\nexpect = { status = 200 }\n", "field `name` belongs to before/after steps only")]
    #[case::no_expect("", "missing field `expect`")]
    fn a_bad_case_field_is_refused_with_the_case_id(#[case] extra: &str, #[case] expected: &str) {
        let e = parse(extra).unwrap_err().to_string();
        assert!(e.contains(&format!("case `token/x`: {expected}")), "{e}");
    }

    #[test]
    fn an_unknown_table_endpoint_lists_the_known_ones() {
        let e = parse_table("t.toml", "endpoint = \"tokn\"\n", &P).unwrap_err().to_string();
        assert_eq!(e, "t.toml:1: field `endpoint`: unknown endpoint `tokn` (the profile has: token, authorize, revoke)");
    }

    #[test]
    fn a_table_of_the_fapi_client_needs_one_and_marks_every_step() {
        let e = parse_table("t.toml", "endpoint = \"token\"\nclient = \"bank\"\n", &P).unwrap_err().to_string();
        assert_eq!(e, "t.toml:2: field `client`: unknown client `bank` (known: fapi)");
        let text = CASE.replacen("endpoint = \"token\"\n", "endpoint = \"token\"\nclient = \"fapi\"\n", 1) + "before = [{ name = \"b\", expect = { status = 200 } }]\nexpect = { status = 200 }\n";
        let cases = parse_table("t.toml", &text, &P).unwrap();
        assert!(cases[0].needs.contains(&Need::FapiClient));
        assert!(cases[0].main.fapi && cases[0].before[0].fapi, "every step is the FAPI client's");
    }

    #[test]
    fn a_graded_expectation_may_not_be_stronger_than_its_case() {
        let text = format!("{CASE}expect = {{ status = 200 }}\n").replace("level = \"MUST\"", "level = \"SHOULD\"").replace("MUST do", "SHOULD do");
        let text = text.replace("expect = { status = 200 }", "expect = { status = 200, should = { status = 200 } }");
        let e = parse_table("t.toml", &text, &P).unwrap_err().to_string();
        assert!(e.contains("case `token/x`: field `expect`:") && e.contains("should"), "{e}");
    }
}
