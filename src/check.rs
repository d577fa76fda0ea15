//! Checks: each one small named unit verifying one rule, carrying the rule's reference where the
//! rule has its own (else the case's refs apply). A check never formats output; it says "expected
//! …, got …" and the runner records it.
use serde_json::Value;
use url::Url;

use crate::case::{ExpiresIn, Expect, RedirectExpect};
use crate::http::{HttpResponse, excerpt};
use crate::login::Landing;
use crate::result::CheckRecord;
use crate::schema::Schemas;

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
    records: Vec<CheckRecord>,
}

impl Recorder {
    fn record(&mut self, check: &'static str, rule: Option<&'static str>, verdict: Verdict) -> bool {
        let passed = verdict.is_ok();
        self.records.push(CheckRecord { step: self.step.clone(), check, rule, passed, message: verdict.err() });
        passed
    }
}

/// Runs every check `expect` asks for on `obs`.
pub fn evaluate(step: &str, expect: &Expect, obs: &Observation<'_>, ctx: &CheckContext<'_>) -> Vec<CheckRecord> {
    let mut r = Recorder { step: step.to_string(), records: Vec::new() };
    match obs {
        Observation::Http(resp) => evaluate_http(&mut r, expect, resp, ctx),
        Observation::Browser(landing) => evaluate_browser(&mut r, expect, landing, ctx),
    }
    r.records
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
    let wants_json = e.schema.is_some()
        || !errors.is_empty()
        || e.token_type.is_some()
        || e.expires_in.is_some()
        || !e.present.is_empty()
        || !e.differs.is_empty();
    let json = resp.json();
    if wants_json {
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
        r.record("error_body_matches_schema", None, matches_schema(ctx.schemas, ctx.error_schema, v));
        r.record("error_code_is", None, error_code(v.get("error").and_then(Value::as_str), &errors));
        r.record("error_description_is_ascii", Some("RFC 6749 §5.2"), error_description_ascii(v.get("error_description")));
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
    for (name, template) in &e.differs {
        let old = crate::placeholder::expand(template, ctx.resolve).ok();
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
    let errors = expected_errors(e);
    match e.redirect {
        None => {}
        Some(RedirectExpect::None) => {
            r.record("not_redirected_to_client", Some("RFC 6749 §4.1.2.1, RFC 9700 §4.1"), not_redirected(landing));
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
            for name in &e.absent {
                r.record("parameter_absent", None, absent(name, get(name).first().map(|s| s.to_string()), "the redirect"));
            }
        }
    }
}

/// Eight (or n) identical requests: at most `max` may be answered 2xx.
pub fn race_successes(step: &str, successes: usize, count: usize, max: usize) -> CheckRecord {
    let passed = successes <= max;
    CheckRecord {
        step: step.to_string(),
        check: "at_most_one_redemption",
        rule: Some("RFC 6749 §4.1.2, RFC 9700 §4.5"),
        passed,
        message: (!passed).then(|| format!("expected at most {max} of {count} concurrent requests to succeed, got {successes}")),
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
        Landing::Page { page, .. } if page.login_form().is_some() => Ok(()),
        Landing::Page { url, status, page } => Err(format!(
            "expected a login page with a password input, got status {status} at {} ({}, {} form(s), none with a password input)",
            show_url(url),
            page.summary(),
            page.forms.len()
        )),
        Landing::Redirect(u) => Err(format!("expected a login page, got a redirect to {}", show_url(u))),
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
    fn expires_in_rules() {
        assert!(expires_in_number(&serde_json::json!({"expires_in": 1800})).is_ok());
        assert!(expires_in_number(&serde_json::json!({"expires_in": "1800"})).is_err());
        assert!(expires_in_number(&serde_json::json!({"expires_in": 0})).is_err());
        assert!(expires_in_string(&serde_json::json!({"expires_in": "600"})).is_ok());
        assert!(expires_in_string(&serde_json::json!({"expires_in": 600})).is_err());
    }
}
