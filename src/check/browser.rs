//! The checks of where a browser step landed (the login driver's `Landing`): the first page
//! (login form, framing, referrer policy) or the redirect to the client (code or error, state,
//! parameters). One evaluator per `expect` field that judges browser steps (see
//! `check::fields`); `redirect` also judges the redirect's parameters (`error`, `state_echoed`,
//! `present`, `equals`, `absent`). What enters: the landing and the step's `Expect`. What leaves:
//! records in the `Recorder`.
use serde_json::Value;
use url::Url;

use crate::check::expect::{CredentialsRedirect, Expect, RedirectExpect};
use crate::check::http::{absent_from, error_code, error_description_ascii, expected_errors, present_in};
use crate::check::record::{CheckContext, Mismatch, Recorder, Verdict, show_url};
use crate::model::placeholder;
use crate::transport::http::excerpt;
use crate::transport::page::{CredentialsAnswer, Landing, Seen};

/// Where a browser step landed, as the evaluators see it.
pub struct Answer<'a> {
    pub landing: &'a Landing,
    /// What the login driver did on the way (a login program does not say).
    pub seen: Option<Seen>,
    pub ctx: &'a CheckContext<'a>,
}

pub fn status(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    let Some(s) = e.status else { return };
    let verdict = match a.landing {
        Landing::Page { status, .. } if *status == s => Ok(()),
        Landing::Page { status, .. } => Err(Mismatch::expected(format!("status {s}"), status.to_string())),
        other => Err(Mismatch::expected(format!("a page with status {s}"), at_client(other))),
    };
    r.record("status_is", None, verdict);
}

pub fn login_form(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    r.record("login_form_shown", None, login_form_shown(a.landing));
}

/// What the driver saw, or why nothing can be said (a login program reports no pages).
fn seen_by_driver(a: &Answer<'_>) -> Result<Seen, Mismatch> {
    a.seen.ok_or_else(|| Mismatch::Other("the login driver does not report the pages it passed (a login program): use the form or the chromium driver".into()))
}

/// A kind of page the driver may have passed: how it is counted and said.
struct PageKind {
    count: fn(&Seen) -> usize,
    /// The check's names when a page is wanted and when none is.
    checks: (&'static str, &'static str),
    wanted: &'static str,
    unwanted: &'static str,
    /// How the driver's passes are told ("signed in 2 time(s)").
    passed: &'static str,
}

const LOGIN: PageKind = PageKind { count: |s| s.logins, checks: ("login_page_shown", "no_login_page_shown"), wanted: "a login page (the user signs in again)", unwanted: "no login page (the session's sign-in stands)", passed: "the driver signed in" };
const CONSENT: PageKind = PageKind { count: |s| s.consents, checks: ("consent_page_shown", "no_consent_page_shown"), wanted: "a consent page (the user is asked again)", unwanted: "no consent page", passed: "the driver answered a consent page" };

/// Whether the driver passed a page of `kind` (`want`) or none.
fn page_seen(r: &mut Recorder, want: bool, kind: &PageKind, a: &Answer<'_>) {
    let verdict = seen_by_driver(a).and_then(|s| match (want, (kind.count)(&s)) {
        (true, 0) => Err(Mismatch::expected(kind.wanted, "none: the server went on with what it had")),
        (false, n) if n > 0 => Err(Mismatch::expected(kind.unwanted, format!("{} {n} time(s)", kind.passed))),
        _ => Ok(()),
    });
    r.record(if want { kind.checks.0 } else { kind.checks.1 }, None, verdict);
}

pub fn login_page(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let Some(want) = e.login_page {
        page_seen(r, want, &LOGIN, a);
    }
}

pub fn consent_page(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    if let Some(want) = e.consent_page {
        page_seen(r, want, &CONSENT, a);
    }
}

/// RFC 9700 §4.12 (FAPI 2.0 Security Profile §5.3.2.2 items 10 and 11): the redirect that answers
/// the login form's POST is not a 307 (the browser would post the password again, to the client
/// or wherever it points), and should be a 303. A login answered without a redirect
/// keeps both. `send` makes the case an error where the driver cannot say (see there).
pub fn credentials_redirect(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    let Some(want) = e.credentials_redirect else { return };
    let answer = a.seen.map(|s| s.credentials);
    let (check, verdict) = match (want, answer) {
        // The MUST NOT names 307 (a 308 keeps the method too, and misses the SHOULD below).
        (CredentialsRedirect::Not307, Some(CredentialsAnswer::Redirect(307))) => {
            ("password_post_not_redirected_307", Err(Mismatch::expected("a redirect that turns the POST into a GET (303, or 302)", "307: the browser posts the password again to the Location")))
        }
        (CredentialsRedirect::Not307, _) => ("password_post_not_redirected_307", Ok(())),
        (CredentialsRedirect::SeeOther, Some(CredentialsAnswer::Redirect(s))) if s != 303 => ("password_post_redirected_303", Err(Mismatch::expected("303 See Other", s.to_string()))),
        (CredentialsRedirect::SeeOther, _) => ("password_post_redirected_303", Ok(())),
    };
    r.record(check, None, verdict);
}

pub fn no_interaction(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    let verdict = seen_by_driver(a).and_then(|s| match (s.logins, s.consents) {
        (0, 0) => Ok(()),
        (l, c) => Err(Mismatch::expected("no user interface (no login, no consent page)", format!("the driver signed in {l} time(s) and answered {c} consent page(s)"))),
    });
    r.record("no_user_interface_shown", None, verdict);
}

pub fn anti_framing(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    r.record("page_resists_framing", Some("RFC 9700 §4.16"), resists_framing(a.landing));
}

pub fn referrer_policy(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    r.record("page_limits_referrer", Some("RFC 9700 §4.2.4"), limits_referrer(a.landing));
}

pub fn single_params(r: &mut Recorder, _: &Expect, a: &Answer<'_>) {
    r.record("no_repeated_parameters", Some("RFC 6749 §3.1"), no_repeated_params(&response_params(a.landing, false)));
}

/// How a landing at the client reads in a message: "a redirect to …" or "a form posted to …".
fn at_client(landing: &Landing) -> String {
    match landing {
        Landing::Redirect(u) => format!("a redirect to {}", show_url(u)),
        Landing::Posted { url, params } => format!("a form posted to {} (fields: {})", show_url(url), names_of(params)),
        Landing::Page { url, status, page } => format!("status {status} at {} ({})", show_url(url), page.summary()),
    }
}

/// The names of a response's parameters, for messages (their values may be credentials).
fn names_of(params: &[(String, String)]) -> String {
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    if names.is_empty() { "none".into() } else { excerpt(&names.join(", "), 200) }
}

/// The response's parameters: the query's, or (`fragment`) the fragment's; a posted form's
/// fields wherever it was asked for.
fn response_params(landing: &Landing, fragment: bool) -> Vec<(String, String)> {
    match landing {
        Landing::Redirect(url) if fragment => url.fragment().map(|f| url::form_urlencoded::parse(f.as_bytes()).into_owned().collect()).unwrap_or_default(),
        Landing::Redirect(url) => url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        Landing::Posted { params, .. } => params.clone(),
        Landing::Page { .. } => Vec::new(),
    }
}

/// The authorization response's own parameters: one of them in a query or a fragment is the
/// response travelling there.
const RESPONSE: [&str; 6] = ["code", "access_token", "id_token", "state", "error", "token_type"];

/// OpenID Connect Core §3.2.2.5, §3.3.2.5 (and RFC 6749 §4.2.2): the response's parameters are
/// in the fragment, none of them in the query.
fn in_fragment(landing: &Landing) -> Verdict {
    let url = match landing {
        Landing::Redirect(u) => u,
        other => return Err(Mismatch::expected("the response in the fragment", at_client(other))),
    };
    match url.query_pairs().find(|(k, _)| RESPONSE.contains(&k.as_ref())) {
        Some((k, _)) => Err(Mismatch::expected("the response in the fragment", format!("{k} in the query"))),
        None if url.fragment().is_none_or(str::is_empty) => Err(Mismatch::expected("the response in the fragment", "no fragment")),
        None => Ok(()),
    }
}

/// OAuth 2.0 Form Post Response Mode §2: with response_mode=form_post the response comes as
/// form fields posted to the redirect_uri, none of it in the URL's query or fragment.
fn posted(landing: &Landing) -> Verdict {
    const WANT: &str = "the response posted to the redirect_uri as form fields (response_mode=form_post)";
    match landing {
        Landing::Posted { url, .. } => match url.query_pairs().find(|(k, _)| RESPONSE.contains(&k.as_ref())) {
            Some((k, _)) => Err(Mismatch::expected(WANT, format!("{k} in the query of the URL posted to"))),
            None => Ok(()),
        },
        other => Err(Mismatch::expected(WANT, at_client(other))),
    }
}

/// `id_token` on a browser step: the ID Token the authorization endpoint returned (implicit and
/// hybrid flows), judged as the token endpoint's is, with the code and access token beside it.
pub fn id_token(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    let (Some(want), Some(_)) = (&e.id_token, a.landing.at_client()) else { return };
    let params = response_params(a.landing, e.fragment);
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("error").is_some() {
        return;
    }
    crate::check::openid::judge_id_token(r, want, get("id_token"), get("access_token"), get("code"), a.ctx);
}

pub fn redirect(r: &mut Recorder, e: &Expect, a: &Answer<'_>) {
    match e.redirect {
        None => {}
        Some(RedirectExpect::None) => {
            r.record("not_redirected_to_client", Some("RFC 6749 §4.1.2.1, RFC 9700 §4.1"), not_redirected(a.landing));
        }
        Some(RedirectExpect::NoCode) => {
            r.record("no_code_issued", None, no_code(a.landing));
        }
        Some(kind) => redirect_with(r, e, a, kind),
    }
}

/// A redirect to the redirect_uri with a code or an error, and the parameters it must carry.
fn redirect_with(r: &mut Recorder, e: &Expect, a: &Answer<'_>, kind: RedirectExpect) {
    let Some(url) = a.landing.at_client() else {
        r.record("redirected_to_redirect_uri", Some("RFC 6749 §4.1.2"), Err(Mismatch::expected("a redirect to the redirect_uri", at_client(a.landing))));
        return;
    };
    let params = response_params(a.landing, e.fragment);
    let get = |name: &str| params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    if !r.record("redirected_to_redirect_uri", Some("RFC 6749 §3.1.2, §4.1.2"), same_endpoint(url, a.ctx.sent_redirect_uri)) {
        return;
    }
    if !r.nested && !e.single_params {
        r.record("no_repeated_parameters", Some("RFC 6749 §3.1"), no_repeated_params(&response_params(a.landing, false)));
    }
    // Either outcome is allowed: judged as the one the server chose.
    let kind = match kind {
        RedirectExpect::CodeOrError if get("error").is_empty() => RedirectExpect::Code,
        RedirectExpect::CodeOrError => RedirectExpect::Error,
        k => k,
    };
    if e.fragment {
        r.record("response_in_fragment", Some("OpenID Connect Core §3.2.2.5, §3.3.2.5"), in_fragment(a.landing));
    }
    if e.form_post {
        r.record("response_posted", Some("OAuth 2.0 Form Post Response Mode §2"), posted(a.landing));
    }
    match kind {
        RedirectExpect::Code => {
            r.record("code_in_redirect", Some("RFC 6749 §4.1.2"), code_in_redirect(&get("code"), &get("error")));
        }
        RedirectExpect::Success => {
            let verdict = match get("error").first() {
                None => Ok(()),
                Some(err) => Err(Mismatch::expected("a successful response", format!("error={}", excerpt(err, 60)))),
            };
            r.record("no_error_in_redirect", Some("OpenID Connect Core §3.2.2.5, §3.3.2.5"), verdict);
        }
        _ => error_redirect(r, e, &params, &get),
    }
    if e.state_echoed {
        r.record("state_echoed_exactly", Some("RFC 6749 §4.1.2, §4.1.2.1"), state_matches(a.ctx.sent_state, &get("state")));
    }
    parameters(r, e, a, &get);
}

/// An error redirect: one `error` of the expected codes, an ASCII description, no code.
fn error_redirect<'p>(r: &mut Recorder, e: &Expect, params: &[(String, String)], get: &dyn Fn(&str) -> Vec<&'p str>) {
    let errors = expected_errors(e);
    let verdict = match get("error").as_slice() {
        [one] => error_code(Some(one), &errors),
        [] => Err(Mismatch::expected(format!("error={} in the redirect", errors.join("|")), format!("none (parameters: {})", names_of(params)))),
        many => Err(Mismatch::expected("one error parameter", many.len().to_string())),
    };
    r.record("error_in_redirect", Some("RFC 6749 §4.1.2.1"), verdict);
    let desc = get("error_description").first().map(|s| Value::String(s.to_string()));
    r.record("error_description_is_ascii", Some("RFC 6749 §4.1.2.1"), error_description_ascii(desc.as_ref()));
    r.record("no_code_with_error", Some("RFC 6749 §4.1.2.1"), absent_from("code", get("code").first().map(|s| s.to_string()), "the redirect"));
}

/// `present`, `equals` and `absent` on the redirect's parameters.
fn parameters<'p>(r: &mut Recorder, e: &Expect, a: &Answer<'_>, get: &dyn Fn(&str) -> Vec<&'p str>) {
    for name in &e.present {
        r.record("parameter_present", None, present_in(name, !get(name).is_empty(), "the redirect"));
    }
    for (name, template) in &e.equals {
        let want = placeholder::expand(template, a.ctx.resolve).unwrap_or_else(|_| template.clone());
        let verdict = match get(name).as_slice() {
            [one] if *one == want => Ok(()),
            [one] => Err(Mismatch::expected(format!("{name}={want:?} in the redirect"), format!("{:?}", excerpt(one, 100)))),
            [] => Err(Mismatch::expected(format!("{name}={want:?} in the redirect"), "none")),
            many => Err(Mismatch::expected(format!("one {name} parameter"), many.len().to_string())),
        };
        r.record("parameter_equals", None, verdict);
    }
    for name in &e.absent {
        r.record("parameter_absent", None, absent_from(name, get(name).first().map(|s| s.to_string()), "the redirect"));
    }
}

fn login_form_shown(landing: &Landing) -> Verdict {
    match landing {
        // A password input, or a two-step login's first page (the username alone).
        Landing::Page { page, .. } if page.login_form().is_some() || page.username_form().is_some() => Ok(()),
        Landing::Page { url, status, page } => Err(Mismatch::expected("a login page (a password input, or a username on a first step)", format!("status {status} at {} ({}, {} form(s), none asking for a password or a username)", show_url(url), page.summary(), page.forms.len()))),
        other => Err(Mismatch::expected("a login page", at_client(other))),
    }
}

/// X-Frame-Options DENY / SAMEORIGIN, or CSP frame-ancestors other than `*`.
fn resists_framing(landing: &Landing) -> Verdict {
    let Landing::Page { page, .. } = landing else {
        return Err(Mismatch::expected("a page", "a redirect"));
    };
    let get = |name: &str| page.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.to_ascii_lowercase()).collect::<Vec<_>>();
    let xfo = get("x-frame-options").iter().any(|v| v.trim() == "deny" || v.trim() == "sameorigin");
    let csp = get("content-security-policy").iter().any(|v| {
        v.split(';').filter_map(|d| d.trim().strip_prefix("frame-ancestors")).any(|srcs| !srcs.split_whitespace().any(|s| s == "*"))
    });
    if xfo || csp {
        Ok(())
    } else {
        Err(Mismatch::expected("X-Frame-Options: DENY or SAMEORIGIN, or Content-Security-Policy frame-ancestors", "neither"))
    }
}

/// Referrer policies that never send a page's path and query (where codes and state travel) to
/// another origin (W3C Referrer Policy §3).
const TIGHT_REFERRER_POLICIES: &[&str] = &["no-referrer", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin"];

/// RFC 9700 §4.2.4: a Referrer-Policy header or `<meta name="referrer">` that keeps the URL to
/// its own origin. In a header list the last policy the browser knows wins, so the last one counts.
fn limits_referrer(landing: &Landing) -> Verdict {
    let Landing::Page { page, .. } = landing else {
        return Err(Mismatch::expected("a page", "a redirect"));
    };
    let header = page.headers.iter().filter(|(k, _)| k == "referrer-policy").flat_map(|(_, v)| v.split(',')).map(|t| t.trim().to_ascii_lowercase()).rfind(|t| !t.is_empty());
    let meta = page.referrer_meta.as_ref().map(|m| m.trim().to_ascii_lowercase());
    match (header, meta) {
        (Some(p), _) | (None, Some(p)) if TIGHT_REFERRER_POLICIES.contains(&p.as_str()) => Ok(()),
        (Some(p), _) | (None, Some(p)) => Err(Mismatch::expected("a referrer policy that keeps the URL to its origin (no-referrer, same-origin, strict-origin, …)", excerpt(&p, 60).to_string())),
        (None, None) => Err(Mismatch::expected("a Referrer-Policy header or <meta name=\"referrer\">", "neither")),
    }
}

fn not_redirected(landing: &Landing) -> Verdict {
    match landing {
        Landing::Page { .. } => Ok(()),
        other => Err(Mismatch::expected("no redirect away from the authorization server", at_client(other))),
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
        Err(Mismatch::expected(format!("a redirect to {sent}"), format!("a redirect to {}", show_url(url))))
    }
}

/// RFC 6749 §3.1: a parameter appears at most once in the authorization response.
fn no_repeated_params(params: &[(String, String)]) -> Verdict {
    for (i, (k, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(s, _)| s == k) {
            let n = params.iter().filter(|(x, _)| x == k).count();
            return Err(Mismatch::expected("each parameter once in the redirect", format!("{} {n} times", excerpt(k, 40))));
        }
    }
    Ok(())
}

fn no_code(landing: &Landing) -> Verdict {
    match landing {
        Landing::Page { .. } => Ok(()),
        other if other.response_value("code").is_some() => Err(Mismatch::expected("no code for this request", format!("{} with a code", at_client(other)))),
        _ => Ok(()),
    }
}

fn code_in_redirect(codes: &[&str], errors: &[&str]) -> Verdict {
    match (codes, errors) {
        ([one], []) if !one.is_empty() => Ok(()),
        ([], [e, ..]) => Err(Mismatch::expected("a code in the redirect", format!("error={}", excerpt(e, 80)))),
        ([], []) => Err(Mismatch::expected("a code in the redirect", "none")),
        ([_], [e, ..]) => Err(Mismatch::expected("a code and no error", format!("both (error={})", excerpt(e, 80)))),
        ([""], _) => Err(Mismatch::expected("a code in the redirect", "an empty code")),
        (many, _) => Err(Mismatch::expected("exactly one code parameter", format!("{}", many.len()))),
    }
}

fn state_matches(sent: Option<&str>, got: &[&str]) -> Verdict {
    let Some(sent) = sent else { return Ok(()) };
    match got {
        [one] if *one == sent => Ok(()),
        [one] => Err(Mismatch::expected(format!("state {:?} echoed exactly", excerpt(sent, 100)), format!("{:?}", excerpt(one, 100)))),
        [] => Err(Mismatch::expected(format!("state {:?} echoed", excerpt(sent, 100)), "no state")),
        many => Err(Mismatch::expected("one state parameter", format!("{}", many.len()))),
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9700 §4.12: how the login form's POST was answered, judged against `not_307` and
    /// `303`: (check, passed, message).
    #[rstest::rstest]
    #[case(CredentialsAnswer::Redirect(307), "not_307", false, "expected a redirect that turns the POST into a GET (303, or 302), got 307: the browser posts the password again to the Location")]
    #[case(CredentialsAnswer::Redirect(308), "not_307", true, "")]
    #[case(CredentialsAnswer::Redirect(308), "303", false, "expected 303 See Other, got 308")]
    #[case(CredentialsAnswer::Redirect(302), "not_307", true, "")]
    #[case(CredentialsAnswer::Page(200), "not_307", true, "")]
    #[case(CredentialsAnswer::Redirect(303), "303", true, "")]
    #[case(CredentialsAnswer::Redirect(302), "303", false, "expected 303 See Other, got 302")]
    #[case(CredentialsAnswer::Redirect(307), "303", false, "expected 303 See Other, got 307")]
    #[case(CredentialsAnswer::Page(200), "303", true, "")]
    fn the_redirect_answering_the_password_is_judged(#[case] answer: CredentialsAnswer, #[case] want: &str, #[case] passed: bool, #[case] message: &str) {
        let schemas = crate::check::schema::Schemas::default();
        let ctx = CheckContext { schemas: &schemas, error_schema: "", sent_state: None, sent_redirect_uri: None, resolve: &|_| None, jwks: None };
        let expect: Expect = toml::from_str(&format!("credentials_redirect = \"{want}\"")).unwrap();
        let landing = Landing::Redirect(Url::parse("https://client.test/cb?code=x").unwrap());
        let mut r = Recorder::new("main", crate::model::level::Level::Must);
        credentials_redirect(&mut r, &expect, &Answer { landing: &landing, seen: Some(Seen { logins: 1, consents: 1, credentials: answer }), ctx: &ctx });
        let got: Vec<_> = r.records.into_iter().map(|c| (c.check, c.passed, c.message.unwrap_or_default())).collect();
        let check = if want == "303" { "password_post_redirected_303" } else { "password_post_not_redirected_307" };
        assert_eq!(got, [(check, passed, message.to_string())]);
    }

    #[test]
    fn state_must_match_byte_for_byte() {
        assert!(state_matches(Some("a b+c"), &["a b+c"]).is_ok());
        assert_eq!(state_matches(Some("a b"), &["a+b"]).unwrap_err().to_string(), "expected state \"a b\" echoed exactly, got \"a+b\"");
        assert!(state_matches(Some("x"), &[]).is_err());
    }
}

