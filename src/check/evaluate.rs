//! Checks: each one small named unit verifying one rule, carrying the rule's reference where the
//! rule has its own (else the case's refs apply). A check never formats output; it says "expected
//! …, got …" and the runner records it.
use serde_json::Value;
use url::Url;

use crate::check::expect::{ExpiresIn, Expect, Format, RedirectExpect};
use crate::model::level::Level;
use crate::transport::http::{HttpResponse, excerpt};
use crate::transport::page::Landing;
use crate::model::result::CheckRecord;
use crate::check::schema::Schemas;

/// What a check is judged against.
pub enum Observation<'a> {
    Http(&'a HttpResponse),
    Browser(&'a Landing),
}

/// What the checks need to know besides the answer.
pub struct CheckContext<'a> {
    pub schemas: &'a Schemas,
    pub error_schema: &'a str,
    /// The state the request sent, if any.
    pub sent_state: Option<&'a str>,
    /// The redirect_uri the request sent, if any.
    pub sent_redirect_uri: Option<&'a str>,
    /// Resolves `{placeholders}` in `differs` values.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
}

type Verdict = Result<(), String>;

/// Collects check records for one step.
struct Recorder {
    step: String,
    /// The level the expectations being evaluated are graded at.
    level: Level,
    /// Evaluating a graded expectation inside another: the shape checks (JSON body, repeated
    /// redirect parameters) were already recorded at the outer level.
    nested: bool,
    records: Vec<CheckRecord>,
}

impl Recorder {
    fn record(&mut self, check: &'static str, rule: Option<&'static str>, verdict: Verdict) -> bool {
        let passed = verdict.is_ok();
        self.records.push(CheckRecord { step: self.step.clone(), check, rule, level: self.level, passed, message: verdict.err() });
        passed
    }
}

/// Runs every check `expect` asks for on `obs`: its own expectations at `level`, the graded ones
/// (`should`, `may`) at theirs.
pub fn evaluate(step: &str, level: Level, expect: &Expect, obs: &Observation<'_>, ctx: &CheckContext<'_>) -> Vec<CheckRecord> {
    let mut r = Recorder { step: step.to_string(), level, nested: false, records: Vec::new() };
    let outer_json = match obs {
        Observation::Http(resp) => wants_json(expect, (200..300).contains(&resp.status)),
        Observation::Browser(_) => false,
    };
    evaluate_one(&mut r, expect, obs, ctx);
    for (grade, nested) in expect.graded() {
        r.level = grade;
        r.nested = outer_json || matches!(obs, Observation::Browser(_));
        evaluate_one(&mut r, nested, obs, ctx);
    }
    r.records
}

fn evaluate_one(r: &mut Recorder, expect: &Expect, obs: &Observation<'_>, ctx: &CheckContext<'_>) {
    match obs {
        Observation::Http(resp) => evaluate_http(r, expect, resp, ctx),
        Observation::Browser(landing) => evaluate_browser(r, expect, landing, ctx),
    }
}

/// Whether `e` judges the JSON body of an answer with this success.
pub(crate) fn wants_json(e: &Expect, success: bool) -> bool {
    e.schema.is_some()
        || e.error.is_some()
        || !e.error_in.is_empty()
        || e.token_type.is_some()
        || e.expires_in.is_some()
        || !e.present.is_empty()
        || !e.differs.is_empty()
        || !e.equals.is_empty()
        || !e.formats.is_empty()
        || !e.contains.is_empty()
        || !e.booleans.is_empty()
        || (success && (e.scope_within.is_some() || e.scope_stated))
}

fn evaluate_http(r: &mut Recorder, e: &Expect, resp: &HttpResponse, ctx: &CheckContext<'_>) {
    if let Some(s) = e.status {
        r.record("status_is", None, status_is(resp.status, s, resp));
    }
    if !e.status_in.is_empty() {
        r.record("status_is_one_of", None, status_in(resp.status, &e.status_in, resp));
    }
    if let Some(ok) = e.success {
        r.record(if ok { "status_is_success" } else { "status_is_not_success" }, None, status_success(resp, ok));
    }
    let errors = expected_errors(e);
    let json = resp.json();
    let success = (200..300).contains(&resp.status);
    // scope_stated / scope_within judge 2xx answers only: an error answer grants nothing.
    let wants_json = wants_json(e, success);
    if wants_json && !r.nested {
        let rule = if errors.is_empty() { "RFC 6749 §5.1" } else { "RFC 6749 §5.2" };
        r.record("content_type_is_json", Some(rule), content_type_json(resp));
        if !r.record("body_is_json_object", Some(rule), body_json_object(resp, json.as_ref())) {
            // The remaining body checks would only repeat this failure.
            return check_headers(r, e, resp);
        }
    }
    let obj = json.as_ref().filter(|v| v.is_object());
    if let (Some(schema), Some(v)) = (&e.schema, obj) {
        r.record("body_matches_schema", None, matches_schema(ctx.schemas, schema, v));
    }
    if let (false, Some(v)) = (errors.is_empty(), obj) {
        if !r.nested {
            r.record("error_body_matches_schema", None, matches_schema(ctx.schemas, ctx.error_schema, v));
        }
        r.record("error_code_is", None, error_code(v.get("error").and_then(Value::as_str), &errors));
        if !r.nested {
            r.record("error_description_is_ascii", Some("RFC 6749 §5.2"), error_description_ascii(v.get("error_description")));
        }
    }
    if !errors.is_empty() && r.nested && obj.is_none() {
        r.record("error_code_is", None, Err(format!("expected error {}, got {}", errors.join(" or "), body_hint(resp))));
    }
    if success && e.scope_stated {
        r.record("scope_stated_when_changed", Some("RFC 6749 §3.3"), scope_stated(obj));
    }
    if let (true, Some(template)) = (success, &e.scope_within) {
        let allowed = crate::model::placeholder::expand(template, ctx.resolve).unwrap_or_else(|_| template.clone());
        r.record("scope_not_widened", Some("RFC 6749 §3.3, §6"), scope_within(obj, &allowed));
    }
    if let (Some(tt), Some(v)) = (&e.token_type, obj) {
        r.record("token_type_is", Some("RFC 6749 §5.1, §7.1"), token_type_is(v, tt));
    }
    if let (Some(rule), Some(v)) = (e.expires_in, obj) {
        match rule {
            ExpiresIn::PositiveNumber => r.record("expires_in_is_positive_number", Some("RFC 6749 §5.1"), expires_in_number(v)),
            ExpiresIn::PositiveIntegerString => r.record("expires_in_is_positive_integer_string", None, expires_in_string(v)),
        };
    }
    for name in &e.present {
        let got = obj.and_then(|v| v.get(name));
        r.record("member_present", None, present(name, got.is_some_and(|x| !x.is_null() && x != ""), "the JSON body"));
    }
    for name in &e.absent {
        let got = obj.and_then(|v| v.get(name));
        r.record("member_absent", None, absent(name, got.map(Value::to_string), "the JSON body"));
    }
    for (name, template) in &e.equals {
        let want = crate::model::placeholder::expand(template, ctx.resolve).unwrap_or_else(|_| template.clone());
        r.record("member_equals", None, member_equals(obj, name, &want));
    }
    for (name, want) in &e.booleans {
        let verdict = match obj.and_then(|v| v.get(name)) {
            Some(Value::Bool(b)) if b == want => Ok(()),
            Some(other) => Err(format!("expected {name} = {want}, got {}", excerpt(&other.to_string(), 80))),
            None => Err(format!("expected {name} = {want}, got no {name} member")),
        };
        r.record("member_is_boolean", None, verdict);
    }
    for (name, never) in &e.booleans_not {
        let verdict = match obj.and_then(|v| v.get(name)) {
            Some(Value::Bool(b)) if b == never => Err(format!("expected {name} absent or not {never}, got {never}")),
            _ => Ok(()),
        };
        r.record("member_is_not_boolean", None, verdict);
    }
    for (name, want) in &e.contains {
        let got = obj.and_then(|v| v.get(name));
        let verdict = match got {
            Some(Value::Array(items)) if items.iter().any(|i| i.as_str() == Some(want.as_str())) => Ok(()),
            Some(Value::Array(items)) => Err(format!("expected {name} to list {want:?}, got {}", excerpt(&Value::Array(items.clone()).to_string(), 120))),
            Some(other) => Err(format!("expected {name} to be an array listing {want:?}, got {}", excerpt(&other.to_string(), 80))),
            None => Err(format!("expected {name} listing {want:?}, got no {name} member")),
        };
        r.record("member_lists", None, verdict);
    }
    for (name, format) in &e.formats {
        let got = obj.and_then(|v| v.get(name));
        let (check, verdict) = match format {
            Format::DateTime => ("member_is_date_time", is_date_time(name, got)),
            Format::Jose => ("member_is_compact_jose", is_jose(name, got)),
            Format::PositiveIntegerString => ("member_is_positive_integer_string", is_positive_integer_string(name, got)),
            Format::NonEmpty => ("member_is_non_empty_string", is_non_empty(name, got)),
            Format::IssuerUrl => ("member_is_issuer_url", is_issuer_url(name, got)),
            Format::FutureTimeIfPresent => ("member_is_future_time", is_future_time(name, got)),
        };
        r.record(check, None, verdict);
    }
    for (name, template) in &e.differs {
        let old = crate::model::placeholder::expand(template, ctx.resolve).ok();
        let new = obj.and_then(|v| v.get(name)).and_then(Value::as_str);
        r.record("member_differs", None, differs(name, new, old.as_deref()));
    }
    check_headers(r, e, resp);
}

fn check_headers(r: &mut Recorder, e: &Expect, resp: &HttpResponse) {
    if e.no_store {
        r.record("cache_control_no_store", Some("RFC 6749 §5.1"), header_has_token(resp, "cache-control", "no-store"));
        r.record("pragma_no_cache", Some("RFC 6749 §5.1"), header_has_token(resp, "pragma", "no-cache"));
    }
    for h in &e.header_present {
        let rule = if h.eq_ignore_ascii_case("www-authenticate") { Some("RFC 6749 §5.2, RFC 9110 §15.5.2") } else { None };
        r.record("header_present", rule, header_present(resp, h));
    }
    for (h, needle) in &e.header_contains {
        r.record("header_contains", None, header_has_token(resp, h, needle));
    }
    for (h, needle) in &e.header_includes {
        let got = resp.header_joined(h);
        let verdict = match &got {
            Some(v) if v.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()) => Ok(()),
            Some(v) => Err(format!("expected {h} to include {needle:?}, got {}", excerpt(v, 100))),
            None => Err(format!("expected {h} to include {needle:?}, got no {h} header")),
        };
        r.record("header_includes", None, verdict);
    }
    for (h, needle) in &e.header_excludes {
        let verdict = match resp.header_joined(h) {
            Some(v) if v.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()) => Err(format!("expected {h} without {needle:?}, got {}", excerpt(&v, 100))),
            _ => Ok(()),
        };
        r.record("header_excludes", None, verdict);
    }
    if let Some(scheme) = &e.challenge {
        r.record("challenge_scheme_matches", Some("RFC 6749 §5.2"), challenge_scheme(resp, scheme));
    }
}

fn evaluate_browser(r: &mut Recorder, e: &Expect, landing: &Landing, ctx: &CheckContext<'_>) {
    if let Some(s) = e.status {
        let got = match landing {
            Landing::Page { status, .. } => Ok(*status),
            Landing::Redirect(u) => Err(format!("expected a page with status {s}, got a redirect to {}", show_url(u))),
        };
        r.record("status_is", None, got.and_then(|g| if g == s { Ok(()) } else { Err(format!("expected status {s}, got {g}")) }));
    }
    if e.login_form {
        r.record("login_form_shown", None, login_form_shown(landing));
    }
    if e.anti_framing {
        r.record("page_resists_framing", Some("RFC 9700 §4.16"), anti_framing(landing));
    }
    if e.referrer_policy {
        r.record("page_limits_referrer", Some("RFC 9700 §4.2.4"), referrer_policy(landing));
    }
    let errors = expected_errors(e);
    if e.single_params {
        let verdict = match landing {
            Landing::Redirect(url) => no_repeated_params(url),
            Landing::Page { .. } => Ok(()),
        };
        r.record("no_repeated_parameters", Some("RFC 6749 §3.1"), verdict);
    }
    match e.redirect {
        None => {}
        Some(RedirectExpect::None) => {
            r.record("not_redirected_to_client", Some("RFC 6749 §4.1.2.1, RFC 9700 §4.1"), not_redirected(landing));
        }
        Some(RedirectExpect::NoCode) => {
            r.record("no_code_issued", None, no_code(landing));
        }
        Some(kind) => {
            let url = match landing {
                Landing::Redirect(u) => u,
                Landing::Page { url, status, page } => {
                    r.record(
                        "redirected_to_redirect_uri",
                        Some("RFC 6749 §4.1.2"),
                        Err(format!(
                            "expected a redirect to the redirect_uri, got status {status} at {} ({})",
                            show_url(url),
                            page.summary()
                        )),
                    );
                    return;
                }
            };
            let params: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let get = |name: &str| params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
            if !r.record("redirected_to_redirect_uri", Some("RFC 6749 §3.1.2, §4.1.2"), same_endpoint(url, ctx.sent_redirect_uri)) {
                return;
            }
            if !r.nested && !e.single_params {
                r.record("no_repeated_parameters", Some("RFC 6749 §3.1"), no_repeated_params(url));
            }
            if kind == RedirectExpect::Code {
                r.record("code_in_redirect", Some("RFC 6749 §4.1.2"), code_in_redirect(&get("code"), &get("error")));
            } else {
                let got = get("error");
                let verdict = match got.as_slice() {
                    [one] => error_code(Some(one), &errors),
                    [] => Err(format!("expected error={} in the redirect, got none (query: {})", errors.join("|"), show_query(url))),
                    many => Err(format!("expected one error parameter, got {}", many.len())),
                };
                r.record("error_in_redirect", Some("RFC 6749 §4.1.2.1"), verdict);
                let desc = get("error_description").first().map(|s| Value::String(s.to_string()));
                r.record("error_description_is_ascii", Some("RFC 6749 §4.1.2.1"), error_description_ascii(desc.as_ref()));
                r.record("no_code_with_error", Some("RFC 6749 §4.1.2.1"), absent("code", get("code").first().map(|s| s.to_string()), "the redirect"));
            }
            if e.state_echoed {
                r.record("state_echoed_exactly", Some("RFC 6749 §4.1.2, §4.1.2.1"), state_echoed(ctx.sent_state, &get("state")));
            }
            for name in &e.present {
                r.record("parameter_present", None, present(name, !get(name).is_empty(), "the redirect"));
            }
            for (name, template) in &e.equals {
                let want = crate::model::placeholder::expand(template, ctx.resolve).unwrap_or_else(|_| template.clone());
                let verdict = match get(name).as_slice() {
                    [one] if *one == want => Ok(()),
                    [one] => Err(format!("expected {name}={want:?} in the redirect, got {:?}", excerpt(one, 100))),
                    [] => Err(format!("expected {name}={want:?} in the redirect, got none")),
                    many => Err(format!("expected one {name} parameter, got {}", many.len())),
                };
                r.record("parameter_equals", None, verdict);
            }
            for name in &e.absent {
                r.record("parameter_absent", None, absent(name, get(name).first().map(|s| s.to_string()), "the redirect"));
            }
        }
    }
}

/// The failed checks at `level` or stronger (of one step, or all) as one line; checks graded
/// below the case's level say their level.
pub fn failure_line(checks: &[CheckRecord], step: Option<&str>, level: Level, case_level: Level) -> String {
    checks
        .iter()
        .filter(|c| !c.passed && c.level <= level && step.is_none_or(|s| c.step == s))
        .map(|c| {
            let at = if c.step == "main" { String::new() } else { format!("{}: ", c.step) };
            let rule = c.rule.map(|r| format!(" [{r}]")).unwrap_or_default();
            let graded = if c.level > case_level { format!("{} ", c.level.as_str()) } else { String::new() };
            format!("{graded}{at}{}: {}{rule}", c.check, c.message.as_deref().unwrap_or("failed"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Eight (or n) identical requests: at most `max` may be answered 2xx.
pub fn race_successes(step: &str, successes: usize, count: usize, max: usize) -> CheckRecord {
    let passed = successes <= max;
    CheckRecord {
        step: step.to_string(),
        check: "at_most_one_redemption",
        rule: Some("RFC 6749 §4.1.2, RFC 9700 §4.5"),
        level: Level::Must,
        passed,
        message: (!passed).then(|| format!("expected at most {max} of {count} concurrent requests to succeed, got {successes}")),
    }
}

/// RFC 6749 §10.10: the guessing entropy of `member` across the sampled answers is at least
/// `bits` (128 is the MUST, 160 the SHOULD); how it is estimated is `strength`'s doc.
pub fn guessing_entropy(step: &str, member: &str, values: &[String], count: usize, bits: f64, level: Level) -> CheckRecord {
    let message = if values.len() < count {
        Some(format!("expected {member} in each of {count} sampled answers, got it in {}", values.len()))
    } else {
        let e = crate::check::strength::estimate(&values.iter().map(String::as_str).collect::<Vec<_>>());
        (e.bits < bits).then(|| format!("expected {member} values at least {bits:.0} bits hard to guess, got {}", e.describe()))
    };
    // RFC 6749 §10.10's own thresholds keep their names; another bar is the case's rule's.
    let (check, rule) = if level == Level::Must && bits == 128.0 {
        ("guessing_entropy_128", Some("RFC 6749 §10.10"))
    } else if level == Level::Should && bits == 160.0 {
        ("guessing_entropy_160", Some("RFC 6749 §10.10"))
    } else {
        ("guessing_entropy", None)
    };
    CheckRecord {
        step: step.to_string(),
        check,
        rule,
        level,
        passed: message.is_none(),
        message,
    }
}

fn expected_errors(e: &Expect) -> Vec<String> {
    match &e.error {
        Some(one) => vec![one.clone()],
        None => e.error_in.clone(),
    }
}

fn body_hint(resp: &HttpResponse) -> String {
    if resp.body.is_empty() { "empty body".into() } else { format!("body: {}", resp.excerpt(200)) }
}

fn status_is(got: u16, want: u16, resp: &HttpResponse) -> Verdict {
    if got == want { Ok(()) } else { Err(format!("expected status {want}, got {got} ({})", body_hint(resp))) }
}

fn status_in(got: u16, want: &[u16], resp: &HttpResponse) -> Verdict {
    if want.contains(&got) {
        Ok(())
    } else {
        let list = want.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ");
        Err(format!("expected status {list}, got {got} ({})", body_hint(resp)))
    }
}

fn status_success(resp: &HttpResponse, want_success: bool) -> Verdict {
    let is = (200..300).contains(&resp.status);
    match (want_success, is) {
        (true, true) | (false, false) => Ok(()),
        (true, false) => Err(format!("expected a 2xx status, got {} ({})", resp.status, body_hint(resp))),
        (false, true) => Err(format!("expected a non-2xx status, got {} ({})", resp.status, body_hint(resp))),
    }
}

fn content_type_json(resp: &HttpResponse) -> Verdict {
    let ct = resp.header("content-type").unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media == "application/json" || (media.starts_with("application/") && media.ends_with("+json")) {
        Ok(())
    } else if ct.is_empty() {
        Err("expected Content-Type application/json, got no Content-Type".into())
    } else {
        Err(format!("expected Content-Type application/json, got {}", excerpt(ct, 80)))
    }
}

fn body_json_object(resp: &HttpResponse, json: Option<&Value>) -> Verdict {
    match json {
        Some(v) if v.is_object() => Ok(()),
        Some(v) => Err(format!("expected a JSON object, got JSON {}", excerpt(&v.to_string(), 120))),
        None => Err(format!("expected a JSON object, got {}", body_hint(resp))),
    }
}

fn matches_schema(schemas: &Schemas, name: &str, v: &Value) -> Verdict {
    let errs = schemas.violations(name, v);
    if errs.is_empty() {
        Ok(())
    } else {
        let shown: Vec<String> = errs.iter().take(3).map(|e| excerpt(e, 160)).collect();
        let more = if errs.len() > 3 { format!(" (+{} more)", errs.len() - 3) } else { String::new() };
        Err(format!("expected a body valid against {name}.schema.json, got: {}{more}", shown.join("; ")))
    }
}

fn error_code(got: Option<&str>, want: &[String]) -> Verdict {
    let list = want.join(" or ");
    match got {
        Some(g) if want.iter().any(|w| w == g) => Ok(()),
        Some(g) => Err(format!("expected error {list}, got {}", excerpt(g, 80))),
        None => Err(format!("expected error {list}, got no error member")),
    }
}

/// RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
fn error_description_ascii(desc: Option<&Value>) -> Verdict {
    match desc {
        None => Ok(()),
        Some(Value::String(s)) => match s.chars().find(|&c| !matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')) {
            None => Ok(()),
            Some(c) => Err(format!("expected error_description in printable ASCII without \" and \\, got {:?} containing {c:?}", excerpt(s, 80))),
        },
        Some(other) => Err(format!("expected error_description to be a string, got {}", excerpt(&other.to_string(), 80))),
    }
}

fn token_type_is(v: &Value, want: &str) -> Verdict {
    match v.get("token_type") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case(want) => Ok(()),
        Some(other) => Err(format!("expected token_type {want} (any case), got {}", excerpt(&other.to_string(), 60))),
        None => Err(format!("expected token_type {want}, got no token_type member")),
    }
}

fn expires_in_number(v: &Value) -> Verdict {
    match v.get("expires_in") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f > 0.0) => Ok(()),
        Some(other) => Err(format!("expected expires_in to be a positive JSON number, got {}", excerpt(&other.to_string(), 60))),
        None => Err("expected expires_in to be a positive JSON number, got no expires_in member".into()),
    }
}

fn expires_in_string(v: &Value) -> Verdict {
    match v.get("expires_in") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0) => Ok(()),
        Some(other) => Err(format!("expected expires_in to be a string holding a positive whole number, got {}", excerpt(&other.to_string(), 60))),
        None => Err("expected expires_in, got no expires_in member".into()),
    }
}

fn present(name: &str, is: bool, place: &str) -> Verdict {
    if is { Ok(()) } else { Err(format!("expected {name} in {place}, got none")) }
}

fn absent(name: &str, got: Option<String>, place: &str) -> Verdict {
    match got {
        None => Ok(()),
        Some(v) => Err(format!("expected no {name} in {place}, got {}", excerpt(&v, 80))),
    }
}

fn differs(name: &str, new: Option<&str>, old: Option<&str>) -> Verdict {
    match (new, old) {
        (Some(n), Some(o)) if n != o => Ok(()),
        (Some(_), Some(_)) => Err(format!("expected a new {name}, got the same value again")),
        (None, _) => Err(format!("expected a new {name}, got none")),
        (_, None) => Err(format!("no earlier {name} to compare with")),
    }
}

fn member_equals(obj: Option<&Value>, name: &str, want: &str) -> Verdict {
    // `cnf.jkt`: a member of a member (RFC 7800's confirmation claim), unless one is named so.
    fn nested<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
        v.get(name).or_else(|| v.pointer(&format!("/{}", name.replace('.', "/"))))
    }
    match obj.and_then(|v| nested(v, name)) {
        Some(Value::String(s)) if s == want => Ok(()),
        Some(other) => Err(format!("expected {name} = {want:?}, got {}", excerpt(&other.to_string(), 80))),
        None => Err(format!("expected {name} = {want:?}, got no {name} member")),
    }
}

fn string_member<'v>(name: &str, got: Option<&'v Value>, what: &str) -> Result<&'v str, String> {
    match got {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("expected {name} to be {what}, got {}", excerpt(&other.to_string(), 80))),
        None => Err(format!("expected {name} to be {what}, got no {name} member")),
    }
}

/// ISO 8601 / RFC 3339 date-time with seconds and a zone: 2026-11-22T08:07:26Z, …+01:00, ….123Z.
pub fn parse_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(99);
    if b.len() < 20 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return false;
    }
    if !matches!(b[10], b'T' | b't' | b' ') || !digits(11..13) || b[13] != b':' || !digits(14..16) || b[16] != b':' || !digits(17..19) {
        return false;
    }
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) || num(11..13) > 23 || num(14..16) > 59 || num(17..19) > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn is_date_time(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "an ISO 8601 date-time")?;
    if parse_date_time(s) { Ok(()) } else { Err(format!("expected {name} to be an ISO 8601 date-time with a zone, got {:?}", excerpt(s, 60))) }
}

/// A compact JWS (3 segments) or JWE (5), base64url, whose header is JSON with `alg`.
fn is_jose(name: &str, got: Option<&Value>) -> Verdict {
    use base64::Engine;
    let s = string_member(name, got, "a compact JWS or JWE")?;
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 3 && parts.len() != 5 {
        return Err(format!("expected {name} to have 3 (JWS) or 5 (JWE) dot-separated segments, got {}", parts.len()));
    }
    if let Some(bad) = parts.iter().find(|p| !p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')) {
        return Err(format!("expected base64url segments in {name}, got {:?}", excerpt(bad, 40)));
    }
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0])
        .map_err(|_| format!("expected {name}'s header segment to be base64url, it does not decode"))?;
    match serde_json::from_slice::<Value>(&header) {
        Ok(Value::Object(h)) if h.get("alg").is_some_and(Value::is_string) => Ok(()),
        Ok(_) => Err(format!("expected {name}'s header to be a JSON object with alg, got {}", excerpt(&String::from_utf8_lossy(&header), 80))),
        Err(_) => Err(format!("expected {name}'s header to be JSON, got {}", excerpt(&String::from_utf8_lossy(&header), 80))),
    }
}

fn is_positive_integer_string(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "a string holding a positive whole number")?;
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0) {
        Ok(())
    } else {
        Err(format!("expected {name} to be a string holding a positive whole number, got {:?}", excerpt(s, 40)))
    }
}

fn is_non_empty(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "a non-empty string")?;
    if s.is_empty() { Err(format!("expected {name} to be a non-empty string, got \"\"")) } else { Ok(()) }
}

fn header_present(resp: &HttpResponse, name: &str) -> Verdict {
    match resp.header(name) {
        Some(_) => Ok(()),
        None => Err(format!("expected a {name} header, got none")),
    }
}

/// The header holds `token` as one of its comma-separated directives (case-insensitive).
fn header_has_token(resp: &HttpResponse, name: &str, token: &str) -> Verdict {
    match resp.header_joined(name) {
        None => Err(format!("expected {name}: {token}, got no {name} header")),
        Some(v) => {
            let has = v.split(',').any(|d| d.trim().split('=').next().unwrap_or("").trim().eq_ignore_ascii_case(token));
            if has { Ok(()) } else { Err(format!("expected {name} to contain {token}, got {}", excerpt(&v, 80))) }
        }
    }
}

fn login_form_shown(landing: &Landing) -> Verdict {
    match landing {
        // A password input, or a two-step login's first page (the username alone).
        Landing::Page { page, .. } if page.login_form().is_some() || page.username_form().is_some() => Ok(()),
        Landing::Page { url, status, page } => Err(format!(
            "expected a login page (a password input, or a username on a first step), got status {status} at {} ({}, {} form(s), none asking for a password or a username)",
            show_url(url),
            page.summary(),
            page.forms.len()
        )),
        Landing::Redirect(u) => Err(format!("expected a login page, got a redirect to {}", show_url(u))),
    }
}

/// X-Frame-Options DENY / SAMEORIGIN, or CSP frame-ancestors other than `*`.
fn anti_framing(landing: &Landing) -> Verdict {
    let Landing::Page { page, .. } = landing else {
        return Err("expected a page, got a redirect".into());
    };
    let get = |name: &str| page.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.to_ascii_lowercase()).collect::<Vec<_>>();
    let xfo = get("x-frame-options").iter().any(|v| v.trim() == "deny" || v.trim() == "sameorigin");
    let csp = get("content-security-policy").iter().any(|v| {
        v.split(';').filter_map(|d| d.trim().strip_prefix("frame-ancestors")).any(|srcs| !srcs.split_whitespace().any(|s| s == "*"))
    });
    if xfo || csp {
        Ok(())
    } else {
        Err("expected X-Frame-Options: DENY or SAMEORIGIN, or Content-Security-Policy frame-ancestors, got neither".into())
    }
}

/// Referrer policies that never send a page's path and query (where codes and state travel) to
/// another origin (W3C Referrer Policy §3).
const TIGHT_REFERRER_POLICIES: &[&str] = &["no-referrer", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin"];

/// RFC 9700 §4.2.4: a Referrer-Policy header or `<meta name="referrer">` that keeps the URL to
/// its own origin. In a header list the last policy the browser knows wins, so the last one counts.
fn referrer_policy(landing: &Landing) -> Verdict {
    let Landing::Page { page, .. } = landing else {
        return Err("expected a page, got a redirect".into());
    };
    let header = page.headers.iter().filter(|(k, _)| k == "referrer-policy").flat_map(|(_, v)| v.split(',')).map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).last();
    let meta = page.referrer_meta.as_ref().map(|m| m.trim().to_ascii_lowercase());
    match (header, meta) {
        (Some(p), _) | (None, Some(p)) if TIGHT_REFERRER_POLICIES.contains(&p.as_str()) => Ok(()),
        (Some(p), _) | (None, Some(p)) => Err(format!("expected a referrer policy that keeps the URL to its origin (no-referrer, same-origin, strict-origin, …), got {}", excerpt(&p, 60))),
        (None, None) => Err("expected a Referrer-Policy header or <meta name=\"referrer\">, got neither".into()),
    }
}

/// RFC 8414 §2: the issuer is a URL with no query or fragment, https except on loopback hosts
/// (where a test deployment runs).
fn is_issuer_url(name: &str, got: Option<&Value>) -> Verdict {
    let Some(Value::String(s)) = got else {
        return Err(format!("expected {name} as a URL string, got {}", got.map_or("nothing".to_string(), |v| excerpt(&v.to_string(), 80))));
    };
    let u = Url::parse(s).map_err(|e| format!("expected {name} to be a URL, got {} ({e})", excerpt(s, 80)))?;
    let loopback = matches!(u.host(), Some(url::Host::Domain("localhost"))) || matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback()) || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback());
    if s.contains('?') || s.contains('#') {
        return Err(format!("expected {name} without query or fragment, got {}", excerpt(s, 80)));
    }
    if u.scheme() != "https" && !loopback {
        return Err(format!("expected {name} to use https, got {}", excerpt(s, 80)));
    }
    Ok(())
}

/// A NumericDate (RFC 7519 §2) still ahead, when the member is there at all.
fn is_future_time(name: &str, got: Option<&Value>) -> Verdict {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    match got {
        None => Ok(()),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|t| t > now) => Ok(()),
        Some(Value::Number(n)) => Err(format!("expected {name} in the future (now is {}), got {n}: the token is active yet expired", now as u64)),
        Some(other) => Err(format!("expected {name} as a NumericDate (seconds since 1970), got {}", excerpt(&other.to_string(), 80))),
    }
}

fn not_redirected(landing: &Landing) -> Verdict {
    match landing {
        Landing::Page { .. } => Ok(()),
        Landing::Redirect(u) => Err(format!("expected no redirect away from the authorization server, got a redirect to {}", show_url(u))),
    }
}

fn same_endpoint(url: &Url, sent: Option<&str>) -> Verdict {
    let Some(sent) = sent.and_then(|s| Url::parse(s).ok()) else {
        return Ok(());
    };
    let same = url.scheme() == sent.scheme()
        && url.host_str() == sent.host_str()
        && url.port_or_known_default() == sent.port_or_known_default()
        && url.path() == sent.path();
    let sent_pairs: Vec<_> = sent.query_pairs().collect();
    let keeps_query = sent_pairs.iter().all(|p| url.query_pairs().any(|q| q == *p));
    if same && keeps_query {
        Ok(())
    } else {
        Err(format!("expected a redirect to {sent}, got a redirect to {}", show_url(url)))
    }
}

/// RFC 6749 §3.1: a parameter appears at most once in the authorization response.
fn no_repeated_params(url: &Url) -> Verdict {
    let mut seen: Vec<String> = Vec::new();
    for (k, _) in url.query_pairs() {
        if seen.iter().any(|s| *s == k) {
            let n = url.query_pairs().filter(|(x, _)| *x == k).count();
            return Err(format!("expected each parameter once in the redirect, got {} {n} times", excerpt(&k, 40)));
        }
        seen.push(k.into_owned());
    }
    Ok(())
}

fn no_code(landing: &Landing) -> Verdict {
    match landing {
        Landing::Page { .. } => Ok(()),
        Landing::Redirect(u) if u.query_pairs().any(|(k, _)| k == "code") => {
            Err(format!("expected no code for this request, got a redirect with a code to {}", show_url(u)))
        }
        Landing::Redirect(_) => Ok(()),
    }
}

/// The scope member, when a token was issued for a scope other than the one requested.
fn scope_stated(obj: Option<&Value>) -> Verdict {
    match obj.and_then(|v| v.get("scope")) {
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(format!("expected scope to be a string, got {}", excerpt(&other.to_string(), 60))),
        None => Err("expected a scope member stating the granted scope (it differs from the requested one), got none".into()),
    }
}

/// Every granted scope is one of `allowed` (space-separated).
fn scope_within(obj: Option<&Value>, allowed: &str) -> Verdict {
    let allowed: Vec<&str> = allowed.split(' ').filter(|s| !s.is_empty()).collect();
    match obj.and_then(|v| v.get("scope")) {
        Some(Value::String(s)) => match s.split(' ').filter(|x| !x.is_empty()).find(|x| !allowed.contains(x)) {
            None => Ok(()),
            Some(extra) => Err(format!("expected a scope within {:?}, got {:?} (adds {:?})", allowed.join(" "), excerpt(s, 80), excerpt(extra, 40))),
        },
        Some(other) => Err(format!("expected scope to be a string, got {}", excerpt(&other.to_string(), 60))),
        None => Err(format!(
            "expected a refusal or a scope within {:?}; got a token with no scope member, which means the requested scope was granted whole",
            allowed.join(" ")
        )),
    }
}

/// RFC 6749 §5.2: the 401's challenge uses the scheme the client authenticated with.
fn challenge_scheme(resp: &HttpResponse, scheme: &str) -> Verdict {
    let Some(v) = resp.header_joined("www-authenticate") else {
        return Err(format!("expected a WWW-Authenticate challenge for the {scheme} scheme, got no WWW-Authenticate header"));
    };
    // Challenges are `scheme [params]`, comma-separated; a scheme is the token that starts the
    // header or follows a comma and is not followed by `=`.
    let schemes: Vec<&str> = v
        .split(',')
        .filter_map(|part| {
            let first = part.split_whitespace().next()?;
            (!first.contains('=')).then_some(first)
        })
        .collect();
    if schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        Ok(())
    } else {
        Err(format!("expected a WWW-Authenticate challenge for the {scheme} scheme (the client used {scheme}), got {}", excerpt(&v, 100)))
    }
}

fn code_in_redirect(codes: &[&str], errors: &[&str]) -> Verdict {
    match (codes, errors) {
        ([one], []) if !one.is_empty() => Ok(()),
        ([], [e, ..]) => Err(format!("expected a code in the redirect, got error={}", excerpt(e, 80))),
        ([], []) => Err("expected a code in the redirect, got none".into()),
        ([_], [e, ..]) => Err(format!("expected a code and no error, got both (error={})", excerpt(e, 80))),
        ([""], _) => Err("expected a code in the redirect, got an empty code".into()),
        (many, _) => Err(format!("expected exactly one code parameter, got {}", many.len())),
    }
}

fn state_echoed(sent: Option<&str>, got: &[&str]) -> Verdict {
    let Some(sent) = sent else { return Ok(()) };
    match got {
        [one] if *one == sent => Ok(()),
        [one] => Err(format!("expected state {:?} echoed exactly, got {:?}", excerpt(sent, 100), excerpt(one, 100))),
        [] => Err(format!("expected state {:?} echoed, got no state", excerpt(sent, 100))),
        many => Err(format!("expected one state parameter, got {}", many.len())),
    }
}

/// A URL for a message: untrusted, so bounded.
pub fn show_url(u: &Url) -> String {
    excerpt(u.as_str(), 300)
}

fn show_query(u: &Url) -> String {
    excerpt(u.query().unwrap_or(""), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_dotted_member_name_reaches_into_a_nested_object() {
        let v: Value = serde_json::json!({ "cnf": { "jkt": "abc" }, "a.b": "flat" });
        assert!(member_equals(Some(&v), "cnf.jkt", "abc").is_ok());
        assert!(member_equals(Some(&v), "cnf.jkt", "abd").unwrap_err().contains("expected cnf.jkt = \"abd\""));
        assert!(member_equals(Some(&v), "cnf.x5t", "abc").unwrap_err().contains("no cnf.x5t member"));
        assert!(member_equals(Some(&v), "a.b", "flat").is_ok());
    }

    #[test]
    fn no_store_is_a_directive_not_a_substring() {
        let r = resp(200, &[("Cache-Control", "private, no-store-ish")], "");
        assert!(header_has_token(&r, "cache-control", "no-store").is_err());
        let r = resp(200, &[("cache-control", "private"), ("cache-control", "No-Store")], "");
        assert!(header_has_token(&r, "cache-control", "no-store").is_ok());
    }

    #[test]
    fn error_description_charset() {
        assert!(error_description_ascii(Some(&Value::String("bad request: x".into()))).is_ok());
        let e = error_description_ascii(Some(&Value::String("zła prośba".into()))).unwrap_err();
        assert!(e.contains("'ł'"), "{e}");
        assert!(error_description_ascii(Some(&Value::String("say \"hi\"".into()))).is_err());
    }

    #[test]
    fn state_must_match_byte_for_byte() {
        assert!(state_echoed(Some("a b+c"), &["a b+c"]).is_ok());
        assert_eq!(state_echoed(Some("a b"), &["a+b"]).unwrap_err(), "expected state \"a b\" echoed exactly, got \"a+b\"");
        assert!(state_echoed(Some("x"), &[]).is_err());
    }

    #[test]
    fn date_times() {
        for ok in ["2026-11-22T08:07:26Z", "2026-11-22T08:07:26.123+01:00", "2026-02-28 23:59:60z"] {
            assert!(parse_date_time(ok), "{ok}");
        }
        for bad in ["1795336713", "2026-11-22", "2026-13-22T08:07:26Z", "2026-11-22T08:07:26", "22/11/2026 08:07:26Z"] {
            assert!(!parse_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn jose_shapes() {
        let jws = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        assert!(is_jose("t", Some(&Value::String(jws.into()))).is_ok());
        assert!(is_jose("t", Some(&Value::String("a998f5f8c1c158a2".into()))).unwrap_err().contains("got 1"));
        assert!(is_jose("t", Some(&Value::String("e30.e30.x".into()))).unwrap_err().contains("alg"));
    }

    #[test]
    fn expires_in_rules() {
        assert!(expires_in_number(&serde_json::json!({"expires_in": 1800})).is_ok());
        assert!(expires_in_number(&serde_json::json!({"expires_in": "1800"})).is_err());
        assert!(expires_in_number(&serde_json::json!({"expires_in": 0})).is_err());
        assert!(expires_in_string(&serde_json::json!({"expires_in": "600"})).is_ok());
        assert!(expires_in_string(&serde_json::json!({"expires_in": 600})).is_err());
    }
}
