//! The checks of an HTTP answer, one evaluator per `expect` field (see `check::fields`): the
//! status, the JSON body (shape first: a body that is no JSON object is said once, and the body
//! checks are skipped), then the headers. What enters: the answer and the step's `Expect`. What
//! leaves: records in the `Recorder`.
use serde_json::Value;

use crate::check::expect::{ExpiresIn, Expect, Format};
use crate::check::formats;
use crate::check::record::{CheckContext, Mismatch, Recorder, Verdict};
use crate::check::schema::Schemas;
use crate::model::placeholder;
use crate::transport::http::{HttpResponse, excerpt};

/// An HTTP answer as the evaluators see it.
pub struct Answer<'a> {
    pub resp: &'a HttpResponse,
    pub json: Option<Value>,
    pub success: bool,
    pub ctx: &'a CheckContext<'a>,
}

impl<'a> Answer<'a> {
    pub fn new(resp: &'a HttpResponse, ctx: &'a CheckContext<'a>) -> Answer<'a> {
        Answer { resp, json: resp.json(), success: (200..300).contains(&resp.status), ctx }
    }

    /// The body, when it is a JSON object.
    pub fn obj(&self) -> Option<&Value> {
        self.json.as_ref().filter(|v| v.is_object())
    }

    fn expand(&self, template: &str) -> String {
        placeholder::expand(template, self.ctx.resolve).unwrap_or_else(|_| template.to_string())
    }

    fn member(&self, name: &str) -> Option<&Value> {
        self.obj().and_then(|v| v.get(name))
    }
}

/// The JSON shape every body check stands on: Content-Type and a JSON object. False when the
/// body is no JSON object (the body checks are then skipped).
pub fn body_shape(r: &mut Recorder, e: &Expect, a: &Answer<'_>) -> bool {
    if !e.wants_json(a.success) || r.nested {
        return true;
    }
    let rule = if expected_errors(e).is_empty() { "RFC 6749 §5.1" } else { "RFC 6749 §5.2" };
    r.record("content_type_is_json", Some(rule), content_type_json(a.resp));
    r.record("body_is_json_object", Some(rule), body_json_object(a.resp, a.json.as_ref()))
}

pub fn status(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let Some(s) = e.status {
        r.record("status_is", None, status_is(a.resp.status, s, a.resp));
    }
}

pub fn status_in(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    r.record("status_is_one_of", None, status_one_of(a.resp.status, &e.status_in, a.resp));
}

pub fn success(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let Some(ok) = e.success {
        r.record(if ok { "status_is_success" } else { "status_is_not_success" }, None, status_success(a.resp, ok));
    }
}

pub fn schema(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let (Some(schema), Some(v)) = (&e.schema, a.obj()) {
        r.record("body_matches_schema", None, matches_schema(a.ctx.schemas, schema, v));
    }
}

/// `error` and `error_in` (one is given): the code, the error body's schema and its description.
pub fn error(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    let errors = expected_errors(e);
    match a.obj() {
        Some(v) => {
            if !r.nested {
                r.record("error_body_matches_schema", None, matches_schema(a.ctx.schemas, a.ctx.error_schema, v));
            }
            r.record("error_code_is", None, error_code(v.get("error").and_then(Value::as_str), &errors));
            if !r.nested {
                r.record("error_description_is_ascii", Some("RFC 6749 §5.2"), error_description_ascii(v.get("error_description")));
            }
        }
        None if r.nested => {
            r.record("error_code_is", None, Err(Mismatch::expected(format!("error {}", errors.join(" or ")), body_hint(a.resp))));
        }
        None => {}
    }
}

pub fn scope_stated(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    if a.success {
        r.record("scope_stated_when_changed", Some("RFC 6749 §3.3"), scope_member(a.obj()));
    }
}

pub fn scope_within(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let (true, Some(template)) = (a.success, &e.scope_within) {
        r.record("scope_not_widened", Some("RFC 6749 §3.3, §6"), scope_subset(a.obj(), &a.expand(template)));
    }
}

pub fn token_type(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let (Some(tt), Some(v)) = (&e.token_type, a.obj()) {
        r.record("token_type_is", Some("RFC 6749 §5.1, §7.1"), token_type_is(v, tt));
    }
}

pub fn expires_in(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    match (e.expires_in, a.obj()) {
        (Some(ExpiresIn::PositiveNumber), Some(v)) => r.record("expires_in_is_positive_number", Some("RFC 6749 §5.1"), expires_in_number(v)),
        (Some(ExpiresIn::PositiveIntegerString), Some(v)) => r.record("expires_in_is_positive_integer_string", None, expires_in_string(v)),
        _ => true,
    };
}

pub fn present(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for name in &e.present {
        let got = a.member(name);
        r.record("member_present", None, present_in(name, got.is_some_and(|x| !x.is_null() && x != ""), "the JSON body"));
    }
}

pub fn absent(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for name in &e.absent {
        r.record("member_absent", None, absent_from(name, a.member(name).map(Value::to_string), "the JSON body"));
    }
}

pub fn equals(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, template) in &e.equals {
        r.record("member_equals", None, member_equals(a.obj(), name, &a.expand(template)));
    }
}

pub fn booleans(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, want) in &e.booleans {
        let verdict = match a.member(name) {
            Some(Value::Bool(b)) if b == want => Ok(()),
            Some(other) => Err(Mismatch::expected(format!("{name} = {want}"), excerpt(&other.to_string(), 80))),
            None => Err(Mismatch::expected(format!("{name} = {want}"), format!("no {name} member"))),
        };
        r.record("member_is_boolean", None, verdict);
    }
}

pub fn booleans_not(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, never) in &e.booleans_not {
        let verdict = match a.member(name) {
            Some(Value::Bool(b)) if b == never => Err(Mismatch::expected(format!("{name} absent or not {never}"), never.to_string())),
            _ => Ok(()),
        };
        r.record("member_is_not_boolean", None, verdict);
    }
}

pub fn below(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, bound) in &e.below {
        let verdict = match a.member(name) {
            Some(Value::Number(n)) if n.as_f64().is_some_and(|v| v < *bound) => Ok(()),
            Some(other) => Err(Mismatch::expected(format!("{name} a number below {bound}"), excerpt(&other.to_string(), 80))),
            None => Err(Mismatch::expected(format!("{name} a number below {bound}"), format!("no {name} member"))),
        };
        r.record("member_below", None, verdict);
    }
}

pub fn contains(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, want) in &e.contains {
        let verdict = match a.member(name) {
            Some(Value::Array(items)) if items.iter().any(|i| i.as_str() == Some(want.as_str())) => Ok(()),
            Some(Value::Array(items)) => Err(Mismatch::expected(format!("{name} to list {want:?}"), excerpt(&Value::Array(items.clone()).to_string(), 120))),
            Some(other) => Err(Mismatch::expected(format!("{name} to be an array listing {want:?}"), excerpt(&other.to_string(), 80))),
            None => Err(Mismatch::expected(format!("{name} listing {want:?}"), format!("no {name} member"))),
        };
        r.record("member_lists", None, verdict);
    }
}

pub fn formats(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, format) in &e.formats {
        let got = a.member(name);
        let (check, verdict) = match format {
            Format::DateTime => ("member_is_date_time", formats::is_date_time(name, got)),
            Format::Jose => ("member_is_compact_jose", formats::is_jose(name, got)),
            Format::PositiveIntegerString => ("member_is_positive_integer_string", formats::is_positive_integer_string(name, got)),
            Format::NonEmpty => ("member_is_non_empty_string", formats::is_non_empty(name, got)),
            Format::IssuerUrl => ("member_is_issuer_url", formats::is_issuer_url(name, got)),
            Format::FutureTimeIfPresent => ("member_is_future_time", formats::is_future_time(name, got)),
            Format::HttpsUrlIfPresent => ("member_is_https_url", formats::is_https_url(name, got)),
        };
        r.record(check, None, verdict);
    }
}

pub fn differs(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (name, template) in &e.differs {
        let old = placeholder::expand(template, a.ctx.resolve).ok();
        let new = a.member(name).and_then(Value::as_str);
        r.record("member_differs", None, differs_from(name, new, old.as_deref()));
    }
}

pub fn no_store(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    r.record("cache_control_no_store", Some("RFC 6749 §5.1"), header_has_token(a.resp, "cache-control", "no-store"));
    r.record("pragma_no_cache", Some("RFC 6749 §5.1"), header_has_token(a.resp, "pragma", "no-cache"));
}

pub fn header_present(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for h in &e.header_present {
        let rule = if h.eq_ignore_ascii_case("www-authenticate") { Some("RFC 6749 §5.2, RFC 9110 §15.5.2") } else { None };
        r.record("header_present", rule, has_header(a.resp, h));
    }
}

pub fn header_contains(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (h, needle) in &e.header_contains {
        r.record("header_contains", None, header_has_token(a.resp, h, needle));
    }
}

pub fn header_includes(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (h, needle) in &e.header_includes {
        let verdict = match a.resp.header_joined(h) {
            Some(v) if v.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()) => Ok(()),
            Some(v) => Err(Mismatch::expected(format!("{h} to include {needle:?}"), excerpt(&v, 100))),
            None => Err(Mismatch::expected(format!("{h} to include {needle:?}"), format!("no {h} header"))),
        };
        r.record("header_includes", None, verdict);
    }
}

pub fn header_excludes(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    for (h, needle) in &e.header_excludes {
        let verdict = match a.resp.header_joined(h) {
            Some(v) if v.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()) => Err(Mismatch::expected(format!("{h} without {needle:?}"), excerpt(&v, 100))),
            _ => Ok(()),
        };
        r.record("header_excludes", None, verdict);
    }
}

pub fn challenge(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let Some(scheme) = &e.challenge {
        // Where the scheme's challenge is required: a client's failed authentication (Basic), a
        // resource's refusal of a bearer or DPoP token.
        let clause = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => "RFC 6750 §3",
            "dpop" => "RFC 9449 §7.1",
            _ => "RFC 6749 §5.2",
        };
        r.record("challenge_scheme_matches", Some(clause), challenge_scheme(a.resp, scheme));
    }
}

pub(crate) fn expected_errors(e: &Expect) -> Vec<String> {
    match &e.error {
        Some(one) => vec![one.clone()],
        None => e.error_in.clone(),
    }
}

fn body_hint(resp: &HttpResponse) -> String {
    if resp.body.is_empty() { "empty body".into() } else { format!("body: {}", resp.excerpt(200)) }
}

fn status_is(got: u16, want: u16, resp: &HttpResponse) -> Verdict {
    if got == want { Ok(()) } else { Err(Mismatch::expected(format!("status {want}"), format!("{got} ({})", body_hint(resp)))) }
}

fn status_one_of(got: u16, want: &[u16], resp: &HttpResponse) -> Verdict {
    if want.contains(&got) {
        Ok(())
    } else {
        let list = want.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ");
        Err(Mismatch::expected(format!("status {list}"), format!("{got} ({})", body_hint(resp))))
    }
}

fn status_success(resp: &HttpResponse, want_success: bool) -> Verdict {
    let is = (200..300).contains(&resp.status);
    match (want_success, is) {
        (true, true) | (false, false) => Ok(()),
        (true, false) => Err(Mismatch::expected("a 2xx status", format!("{} ({})", resp.status, body_hint(resp)))),
        (false, true) => Err(Mismatch::expected("a non-2xx status", format!("{} ({})", resp.status, body_hint(resp)))),
    }
}

fn content_type_json(resp: &HttpResponse) -> Verdict {
    let ct = resp.header("content-type").unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media == "application/json" || (media.starts_with("application/") && media.ends_with("+json")) {
        Ok(())
    } else if ct.is_empty() {
        Err(Mismatch::expected("Content-Type application/json", "no Content-Type"))
    } else {
        Err(Mismatch::expected("Content-Type application/json", excerpt(ct, 80).to_string()))
    }
}

fn body_json_object(resp: &HttpResponse, json: Option<&Value>) -> Verdict {
    match json {
        Some(v) if v.is_object() => Ok(()),
        Some(v) => Err(Mismatch::expected("a JSON object", format!("JSON {}", excerpt(&v.to_string(), 120)))),
        None => Err(Mismatch::expected("a JSON object", body_hint(resp).to_string())),
    }
}

fn matches_schema(schemas: &Schemas, name: &str, v: &Value) -> Verdict {
    let errs = schemas.violations(name, v);
    if errs.is_empty() {
        Ok(())
    } else {
        let shown: Vec<String> = errs.iter().take(3).map(|e| excerpt(e, 160)).collect();
        let more = if errs.len() > 3 { format!(" (+{} more)", errs.len() - 3) } else { String::new() };
        Err(Mismatch::Other(format!("expected a body valid against {name}.schema.json, got: {}{more}", shown.join("; "))))
    }
}

pub(crate) fn error_code(got: Option<&str>, want: &[String]) -> Verdict {
    let list = want.join(" or ");
    match got {
        Some(g) if want.iter().any(|w| w == g) => Ok(()),
        Some(g) => Err(Mismatch::expected(format!("error {list}"), excerpt(g, 80).to_string())),
        None => Err(Mismatch::expected(format!("error {list}"), "no error member")),
    }
}

/// RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
pub(crate) fn error_description_ascii(desc: Option<&Value>) -> Verdict {
    match desc {
        None => Ok(()),
        Some(Value::String(s)) => match s.chars().find(|&c| !matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')) {
            None => Ok(()),
            Some(c) => Err(Mismatch::expected("error_description in printable ASCII without \" and \\", format!("{:?} containing {c:?}", excerpt(s, 80)))),
        },
        Some(other) => Err(Mismatch::expected("error_description to be a string", excerpt(&other.to_string(), 80).to_string())),
    }
}

fn token_type_is(v: &Value, want: &str) -> Verdict {
    match v.get("token_type") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case(want) => Ok(()),
        Some(other) => Err(Mismatch::expected(format!("token_type {want} (any case)"), excerpt(&other.to_string(), 60).to_string())),
        None => Err(Mismatch::expected(format!("token_type {want}"), "no token_type member")),
    }
}

fn expires_in_number(v: &Value) -> Verdict {
    match v.get("expires_in") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f > 0.0) => Ok(()),
        Some(other) => Err(Mismatch::expected("expires_in to be a positive JSON number", excerpt(&other.to_string(), 60).to_string())),
        None => Err(Mismatch::expected("expires_in to be a positive JSON number", "no expires_in member")),
    }
}

fn expires_in_string(v: &Value) -> Verdict {
    match v.get("expires_in") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0) => Ok(()),
        Some(other) => Err(Mismatch::expected("expires_in to be a string holding a positive whole number", excerpt(&other.to_string(), 60).to_string())),
        None => Err(Mismatch::expected("expires_in", "no expires_in member")),
    }
}

pub(crate) fn present_in(name: &str, is: bool, place: &str) -> Verdict {
    if is { Ok(()) } else { Err(Mismatch::expected(format!("{name} in {place}"), "none")) }
}

pub(crate) fn absent_from(name: &str, got: Option<String>, place: &str) -> Verdict {
    match got {
        None => Ok(()),
        Some(v) => Err(Mismatch::expected(format!("no {name} in {place}"), excerpt(&v, 80).to_string())),
    }
}

fn differs_from(name: &str, new: Option<&str>, old: Option<&str>) -> Verdict {
    match (new, old) {
        (Some(n), Some(o)) if n != o => Ok(()),
        (Some(_), Some(_)) => Err(Mismatch::expected(format!("a new {name}"), "the same value again")),
        (None, _) => Err(Mismatch::expected(format!("a new {name}"), "none")),
        (_, None) => Err(Mismatch::Other(format!("no earlier {name} to compare with"))),
    }
}

fn member_equals(obj: Option<&Value>, name: &str, want: &str) -> Verdict {
    // `cnf.jkt`: a member of a member (RFC 7800's confirmation claim), unless one is named so.
    fn nested<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
        v.get(name).or_else(|| v.pointer(&format!("/{}", name.replace('.', "/"))))
    }
    match obj.and_then(|v| nested(v, name)) {
        Some(Value::String(s)) if s == want => Ok(()),
        Some(other) => Err(Mismatch::expected(format!("{name} = {want:?}"), excerpt(&other.to_string(), 80).to_string())),
        None => Err(Mismatch::expected(format!("{name} = {want:?}"), format!("no {name} member"))),
    }
}

fn has_header(resp: &HttpResponse, name: &str) -> Verdict {
    match resp.header(name) {
        Some(_) => Ok(()),
        None => Err(Mismatch::expected(format!("a {name} header"), "none")),
    }
}

/// The header holds `token` as one of its comma-separated directives (case-insensitive).
fn header_has_token(resp: &HttpResponse, name: &str, token: &str) -> Verdict {
    match resp.header_joined(name) {
        None => Err(Mismatch::expected(format!("{name}: {token}"), format!("no {name} header"))),
        Some(v) => {
            let has = v.split(',').any(|d| d.trim().split('=').next().unwrap_or("").trim().eq_ignore_ascii_case(token));
            if has { Ok(()) } else { Err(Mismatch::expected(format!("{name} to contain {token}"), excerpt(&v, 80).to_string())) }
        }
    }
}

/// The scope member, when a token was issued for a scope other than the one requested.
fn scope_member(obj: Option<&Value>) -> Verdict {
    match obj.and_then(|v| v.get("scope")) {
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(Mismatch::expected("scope to be a string", excerpt(&other.to_string(), 60).to_string())),
        None => Err(Mismatch::expected("a scope member stating the granted scope (it differs from the requested one)", "none")),
    }
}

/// Every granted scope is one of `allowed` (space-separated).
fn scope_subset(obj: Option<&Value>, allowed: &str) -> Verdict {
    let allowed: Vec<&str> = allowed.split(' ').filter(|s| !s.is_empty()).collect();
    match obj.and_then(|v| v.get("scope")) {
        Some(Value::String(s)) => match s.split(' ').filter(|x| !x.is_empty()).find(|x| !allowed.contains(x)) {
            None => Ok(()),
            Some(extra) => Err(Mismatch::expected(format!("a scope within {:?}", allowed.join(" ")), format!("{:?} (adds {:?})", excerpt(s, 80), excerpt(extra, 40)))),
        },
        Some(other) => Err(Mismatch::expected("scope to be a string", excerpt(&other.to_string(), 60).to_string())),
        None => Err(Mismatch::Other(format!("expected a refusal or a scope within {:?}; got a token with no scope member, which means the requested scope was granted whole", allowed.join(" ")))),
    }
}

/// RFC 9110 §15.5.2: a 401 carries at least one challenge in WWW-Authenticate.
pub fn has_challenge(resp: &HttpResponse) -> Verdict {
    match resp.header("www-authenticate").map(str::trim) {
        Some(v) if !v.is_empty() => Ok(()),
        Some(_) => Err(Mismatch::expected("a 401 with a WWW-Authenticate challenge", "an empty WWW-Authenticate header")),
        None => Err(Mismatch::expected("a 401 with a WWW-Authenticate challenge", "no WWW-Authenticate header")),
    }
}

/// RFC 6749 §5.2: the 401's challenge uses the scheme the client authenticated with.
fn challenge_scheme(resp: &HttpResponse, scheme: &str) -> Verdict {
    let Some(v) = resp.header_joined("www-authenticate") else {
        return Err(Mismatch::expected(format!("a WWW-Authenticate challenge for the {scheme} scheme"), "no WWW-Authenticate header"));
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
        Err(Mismatch::expected(format!("a WWW-Authenticate challenge for the {scheme} scheme (the client used {scheme})"), excerpt(&v, 100).to_string()))
    }
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
        assert!(member_equals(Some(&v), "cnf.jkt", "abd").unwrap_err().to_string().contains("expected cnf.jkt = \"abd\""));
        assert!(member_equals(Some(&v), "cnf.x5t", "abc").unwrap_err().to_string().contains("no cnf.x5t member"));
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
        let e = error_description_ascii(Some(&Value::String("zła prośba".into()))).unwrap_err().to_string();
        assert!(e.contains("'ł'"), "{e}");
        assert!(error_description_ascii(Some(&Value::String("say \"hi\"".into()))).is_err());
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

