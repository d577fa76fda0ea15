//! The form driver: a minimal browser over the suite's HTTP client. An authorization URL, the
//! server's origins, the client's redirect URIs and the target's `[login]` enter; it keeps
//! cookies, reads forms, fills the username and password, presses approve or deny, follows
//! redirects on the server's origin, and leaves a [`Landing`] — the first redirect to the client
//! (never contacting the client's host) or the page it stopped at — with every exchange it made.
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;
use url::Url;

use super::choice::{Choice, DriveError};
use super::controls::{auto_submit_form, consent_button, consent_link, fill_field, fill_login, fill_username, is_stop, pairs_of, user_code_form};
use crate::target::file::Login;
use crate::transport::http::{Exchange, Http, HttpRequest, HttpResponse};
use crate::transport::page::{Button, CredentialsAnswer, FORMLESS, Form, Landing, Page, Seen, parse_page};

/// At most this many requests per drive.
pub const MAX_HOPS: usize = 10;

/// One browser session: its own cookie jar, the server's origins, and what it sent.
pub struct Browser<'a> {
    http: &'a Http,
    /// Shared with the case's other logins when it keeps a session (`session = true`).
    jar: std::sync::Arc<Jar>,
    origins: Vec<url::Origin>,
    pub(super) login: Option<&'a Login>,
    /// Redirect targets to stop at (the client's redirect_uri as sent and as registered).
    stop_at: Vec<Url>,
    pub exchanges: Vec<Exchange>,
    /// Return a page built by script as it is (another driver renders it) instead of an error.
    pub read_script_pages: bool,
    /// The device flow's user code, typed where a verification page asks for it (RFC 8628 §3.3).
    pub user_code: Option<String>,
    /// What the last drive did on the server's pages.
    pub seen: Seen,
    /// A device verification (RFC 8628 §3.3): the drive ends on the server's page, not at the
    /// client.
    pub device_verification: bool,
    /// Logs in within a session: a sign-in page may ask for the password alone (the server
    /// knows the user, as Keycloak's re-authentication for prompt=login and max_age does).
    known_user: bool,
    /// The authorization request's parameters, posted to the start URL instead of sent in its
    /// query (OpenID Connect Core §3.1.2.1: the server supports GET and POST).
    pub post_start: Option<String>,
}

/// What the form driver does on a page it reached.
#[derive(Debug)]
enum Move {
    /// Submit `form` with `pairs`, and the pressed button's name=value when it has a name.
    Submit { form: Form, pairs: Vec<(String, String)>, pressed: Option<Button> },
    /// Follow a link (a GET).
    Follow(Url),
    /// The page is where the drive ends.
    Stay,
}

/// What one drive has done so far: sign-ins, username pages, and whether it declined.
#[derive(Debug, Default)]
struct Tally {
    logins: usize,
    consents: usize,
    usernames: usize,
    user_codes: usize,
    denied: bool,
    /// How the first request carrying the password was answered (`NotSent` until then).
    credentials: Option<CredentialsAnswer>,
}

/// The next request of a drive.
struct Next {
    method: String,
    url: Url,
    body: Option<String>,
    /// The body carries the user's password (a login form's submission).
    credentials: bool,
}

impl<'a> Browser<'a> {
    pub fn new(http: &'a Http, origins: Vec<url::Origin>, login: Option<&'a Login>, stop_at: Vec<Url>) -> Self {
        Browser { http, jar: Default::default(), origins, login, stop_at, exchanges: Vec::new(), read_script_pages: false, user_code: None, seen: Seen::default(), device_verification: false, known_user: false, post_start: None }
    }

    /// Logs in with the cookies of `session` (and leaves its own there).
    pub fn in_session(mut self, session: &super::session::Session) -> Self {
        self.jar = session.jar.clone();
        self.known_user = true;
        self
    }

    pub fn on_server(&self, url: &Url) -> bool {
        self.origins.contains(&url.origin())
    }

    /// Where a drive by another driver ended: at the client or off the server is a redirect the
    /// suite judges; still on the server is a login that did not finish.
    pub fn landing_of(&self, url: Url) -> Result<Landing, DriveError> {
        if self.is_client(&url) || !self.on_server(&url) {
            Ok(Landing::Redirect(url))
        } else {
            Err(DriveError::Command { why: format!("it ended at {url}, on the authorization server, not at the client"), url })
        }
    }

    pub fn is_client(&self, url: &Url) -> bool {
        is_stop(&self.stop_at, url)
    }

    /// The client's redirect URIs this drive stops at.
    pub fn stops(&self) -> &[Url] {
        &self.stop_at
    }

    /// The authorization server's origins.
    pub fn origins(&self) -> &[url::Origin] {
        &self.origins
    }

    async fn fetch(&mut self, method: &str, url: &Url, form_body: Option<String>) -> Result<HttpResponse, DriveError> {
        let mut headers = vec![("accept".to_string(), "text/html,application/xhtml+xml".to_string())];
        if let Some(c) = self.jar.cookies(url) {
            headers.push(("cookie".into(), String::from_utf8_lossy(c.as_bytes()).into_owned()));
        }
        if form_body.is_some() {
            headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
        }
        let ex = self.http.send(HttpRequest { method: method.into(), url: url.clone(), headers, body: form_body }).await;
        let resp = ex.response.clone();
        self.exchanges.push(ex);
        let resp = resp.map_err(|error| DriveError::Transport { url: url.clone(), error })?;
        let set: Vec<HeaderValue> = resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| HeaderValue::from_str(v).ok())
            .collect();
        if !set.is_empty() {
            self.jar.set_cookies(&mut set.iter(), url);
        }
        Ok(resp)
    }

    /// Drives from `start` until a redirect to the client (or off the server), or a page it stops at.
    pub async fn drive(&mut self, start: Url, choice: Choice) -> Result<Landing, DriveError> {
        let mut tally = Tally::default();
        let landing = self.walk(start, choice, &mut tally).await;
        self.seen = Seen { logins: tally.logins, consents: tally.consents, credentials: tally.credentials.unwrap_or(CredentialsAnswer::NotSent) };
        landing
    }

    async fn walk(&mut self, start: Url, choice: Choice, tally: &mut Tally) -> Result<Landing, DriveError> {
        let mut next = match self.post_start.clone() {
            Some(body) => Next { method: "POST".to_string(), url: start, body: Some(body), credentials: false },
            None => Next { method: "GET".to_string(), url: start, body: None, credentials: false },
        };
        for _ in 0..MAX_HOPS {
            let url = next.url.clone();
            if self.is_client(&url) || !self.on_server(&url) {
                // A page's form posted to the client carries the response in its fields (the
                // Form Post Response Mode); never sent there.
                let landing = match (next.method.as_str(), next.body.take()) {
                    ("POST", Some(body)) => Landing::Posted { url, params: url::form_urlencoded::parse(body.as_bytes()).into_owned().collect() },
                    _ => Landing::Redirect(url),
                };
                return granted_without_asking(landing, choice, tally.denied);
            }
            let resp = self.fetch(&next.method, &url, next.body.take()).await?;
            let redirected = (300..400).contains(&resp.status) && resp.status != 304;
            if std::mem::take(&mut next.credentials) && tally.credentials.is_none() {
                tally.credentials = Some(if redirected { CredentialsAnswer::Redirect(resp.status) } else { CredentialsAnswer::Page(resp.status) });
            }
            if redirected {
                let loc = resp.header("location").and_then(|l| url.join(l).ok());
                let Some(to) = loc else {
                    return Err(DriveError::BadLocation { url, status: resp.status });
                };
                if !(resp.status == 307 || resp.status == 308) {
                    next.method = "GET".into();
                }
                next.url = to;
                continue;
            }
            // A device verification that has made the consent decision ends
            // on the server's page (Keycloak's "Device Login Successful", with a script and few
            // words): that is where it ends, not a login page the form driver cannot read.
            let acted = self.device_verification && tally.consents > 0;
            let page = self.read_page(&url, &resp, acted)?;
            if choice == Choice::FirstPage {
                return Ok(Landing::Page { url, status: resp.status, page });
            }
            match self.choose(&page, &url, choice, tally)? {
                Move::Stay => return Ok(Landing::Page { url, status: resp.status, page }),
                Move::Follow(to) => next = Next { method: "GET".into(), url: to, body: None, credentials: false },
                Move::Submit { form, .. } if form.method == FORMLESS => return Err(DriveError::NeedsBrowser { url, page: page.summary() }),
                Move::Submit { form, pairs, pressed } => next = self.submission(&url, &form, pairs, pressed)?,
            }
        }
        Err(DriveError::TooManyHops { max: MAX_HOPS, url: next.url })
    }

    /// The response's page with its headers (lower-case names, bounded values); a page built by
    /// script is an error unless another driver will render it.
    fn read_page(&self, url: &Url, resp: &HttpResponse, acted: bool) -> Result<Page, DriveError> {
        let mut page = parse_page(&resp.text());
        page.headers = resp.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), crate::transport::http::excerpt(v, 300))).collect();
        if page.built_by_script(resp.status) && !self.read_script_pages && !acted {
            return Err(DriveError::NeedsBrowser { url: url.clone(), page: page.summary() });
        }
        Ok(page)
    }

    /// What to do on `page`: sign in, give the username, press approve or deny (a button, else a
    /// link), let a self-submitting form go, or stop.
    fn choose(&self, page: &Page, url: &Url, choice: Choice, tally: &mut Tally) -> Result<Move, DriveError> {
        if let (Some(code), Some((form, field))) = (&self.user_code, user_code_form(page)) {
            // The user types the code shown on the device; asked again, the code was refused —
            // unless the user declined: the page then offers to start over, and the drive ends.
            if tally.denied {
                return Ok(Move::Stay);
            }
            tally.user_codes += 1;
            if tally.user_codes > 1 {
                return Err(DriveError::UserCodeRefused { url: url.clone(), page: page.summary() });
            }
            return Ok(Move::Submit { form: form.clone(), pairs: fill_field(form, field, code), pressed: form.buttons.first().cloned() });
        }
        if let Some(form) = page.login_form() {
            let login = self.login.ok_or_else(|| DriveError::NoLogin { url: url.clone() })?;
            tally.logins += 1;
            if tally.logins > 1 {
                return Err(DriveError::LoginRefused { url: url.clone(), page: page.summary() });
            }
            let filled = fill_login(form, login, tally.usernames > 0 || self.known_user).ok_or_else(|| DriveError::NoUsernameField { url: url.clone() })?;
            return Ok(Move::Submit { form: form.clone(), pairs: filled, pressed: form.buttons.first().cloned() });
        }
        if let (Some(form), Some(login)) = (page.username_form(), self.login) {
            // A two-step login: the username now, the password on the next page.
            tally.usernames += 1;
            if tally.usernames > 1 {
                return Err(DriveError::LoginRefused { url: url.clone(), page: page.summary() });
            }
            return Ok(Move::Submit { form: form.clone(), pairs: fill_username(form, login), pressed: form.buttons.first().cloned() });
        }
        if let Some((form, button)) = consent_button(page, choice) {
            tally.denied |= choice == Choice::Deny;
            tally.consents += 1;
            return Ok(Move::Submit { form: form.clone(), pairs: pairs_of(form), pressed: Some(button.clone()) });
        }
        if let Some(href) = consent_link(page, choice) {
            let next = url.join(href).map_err(|_| DriveError::OffOriginForm { url: url.clone(), action: href.to_string() })?;
            if !self.on_server(&next) && !self.is_client(&next) {
                return Err(DriveError::OffOriginForm { url: url.clone(), action: next.to_string() });
            }
            tally.denied |= choice == Choice::Deny;
            tally.consents += 1;
            return Ok(Move::Follow(next));
        }
        if let Some(form) = auto_submit_form(page) {
            // A page whose only form has nothing to fill in (hidden fields, no visible input):
            // a browser's script submits it at once (oidc-provider's device confirmation,
            // form_post responses). Submitted once per page, like a browser.
            return Ok(Move::Submit { form: form.clone(), pairs: pairs_of(form), pressed: None });
        }
        if choice == Choice::Deny && !tally.denied && tally.logins > 0 {
            return Err(DriveError::NoDenyControl { url: url.clone(), page: page.summary() });
        }
        Ok(Move::Stay)
    }

    /// The request that submits `form` from the page at `url`: to its action on the server (or
    /// the client), as a POST body or a GET query.
    fn submission(&self, url: &Url, form: &Form, mut pairs: Vec<(String, String)>, pressed: Option<Button>) -> Result<Next, DriveError> {
        if let Some(Button { name: Some(n), value, .. }) = pressed {
            pairs.push((n, value));
        }
        let action = form.action.as_deref().filter(|a| !a.is_empty());
        let target = match action {
            Some(a) => url.join(a).map_err(|_| DriveError::OffOriginForm { url: url.clone(), action: a.to_string() })?,
            None => url.clone(),
        };
        if !self.on_server(&target) && !self.is_client(&target) {
            return Err(DriveError::OffOriginForm { url: url.clone(), action: target.to_string() });
        }
        let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter()).finish();
        let credentials = form.fields.iter().any(|f| f.kind == "password");
        if form.method == "POST" {
            Ok(Next { method: "POST".into(), url: target, body: Some(encoded), credentials })
        } else {
            let mut t = target;
            t.set_query(Some(&encoded));
            Ok(Next { method: "GET".into(), url: t, body: None, credentials })
        }
    }
}

/// Where a drive reached the client. Asked to decline and sent back with a code before it could:
/// the suite could not act (an error), which says nothing of how the server answers a denial.
pub(super) fn granted_without_asking(landing: Landing, choice: Choice, denied: bool) -> Result<Landing, DriveError> {
    let has = |k: &str| landing.response_value(k).is_some();
    if let (Choice::Deny, false, true, false, Some(url)) = (choice, denied, has("code"), has("error"), landing.at_client()) {
        let at = format!("{}{}", url.origin().ascii_serialization(), url.path());
        return Err(DriveError::NoConsentPage { at });
    }
    Ok(landing)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn http() -> Http {
        Http::new(Duration::from_secs(1), 1 << 16).unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// A browser on https://as.test stopping at https://app.test/cb.
    fn browser<'a>(http: &'a Http, login: Option<&'a Login>) -> Browser<'a> {
        Browser::new(http, vec![url("https://as.test").origin()], login, vec![url("https://app.test/cb")])
    }

    const LOGIN: &str = r#"<form method=post action="/login"><input type=hidden name=csrf value=t><input name=user><input type=password name=pw><button name=go value=1>Sign in</button></form>"#;

    #[test]
    fn a_login_form_is_submitted_filled_with_its_first_button_and_a_second_is_refused() {
        let (http, login) = (http(), Login::form("alice", "pw1"));
        let b = browser(&http, Some(&login));
        let (page, at, mut tally) = (parse_page(LOGIN), url("https://as.test/authorize"), Tally::default());
        let Move::Submit { form, pairs, pressed } = b.choose(&page, &at, Choice::Approve, &mut tally).unwrap() else { panic!("no submit") };
        let next = b.submission(&at, &form, pairs, pressed).unwrap();
        assert_eq!((next.method.as_str(), next.url.as_str()), ("POST", "https://as.test/login"));
        assert_eq!(next.body.as_deref(), Some("csrf=t&user=alice&pw=pw1&go=1"));
        let again = b.choose(&page, &at, Choice::Approve, &mut tally).unwrap_err();
        assert!(matches!(again, DriveError::LoginRefused { .. }), "{again}");
    }

    /// Asked to decline, a drive sent back to the client with a code it never had the chance to
    /// decline is the suite's error; an error redirect, or an approval, is the server's answer.
    #[test]
    fn a_denial_that_never_met_a_consent_page_is_an_error() {
        let e = granted_without_asking(Landing::Redirect(url("https://app.test/cb?code=c1&state=s")), Choice::Deny, false).unwrap_err();
        assert!(matches!(e, DriveError::NoConsentPage { ref at } if at == "https://app.test/cb"), "{e}");
        assert!(!e.to_string().contains("c1"), "the code stays out of the message: {e}");
        assert!(granted_without_asking(Landing::Redirect(url("https://app.test/cb?code=c1")), Choice::Deny, true).is_ok(), "declined, then a code: judged");
        assert!(granted_without_asking(Landing::Redirect(url("https://app.test/cb?error=access_denied")), Choice::Deny, false).is_ok());
        assert!(granted_without_asking(Landing::Redirect(url("https://app.test/cb?code=c1")), Choice::Approve, false).is_ok());
    }

    /// OAuth 2.0 Form Post Response Mode: the page's self-submitting form (oidc-provider's, with
    /// its button for browsers without script inside noscript) goes to the client as a POST.
    #[test]
    fn a_form_post_response_page_is_submitted_to_the_client_with_its_fields() {
        let http = http();
        let b = browser(&http, None);
        let page = parse_page(r#"<body onload="document.forms[0].submit()"><form method="post" action="https://app.test/cb"><input type="hidden" name="code" value="c 1"/><input type="hidden" name="state" value="s"/><noscript><button type="submit">Continue</button></noscript></form></body>"#);
        let at = url("https://as.test/auth");
        let Move::Submit { form, pairs, pressed } = b.choose(&page, &at, Choice::Approve, &mut Tally::default()).unwrap() else { panic!("no submit") };
        let next = b.submission(&at, &form, pairs, pressed).unwrap();
        assert_eq!((next.method.as_str(), next.url.as_str(), next.body.as_deref()), ("POST", "https://app.test/cb", Some("code=c+1&state=s")));
    }

    const USER_CODE: &str = r#"<form method=post action="/device"><input type=hidden name=xsrf value=x><input name=user_code><button>Continue</button></form>"#;

    /// RFC 8628 §3.3: the user types the device's code where the page asks for it, once; asked
    /// again, the code was refused — unless the user declined and the page offers to start over.
    #[test]
    fn the_user_code_is_typed_once_and_a_second_ask_is_a_refusal_unless_the_user_declined() {
        let http = http();
        let mut b = browser(&http, None);
        b.user_code = Some("WDJB-MJHT".into());
        let (page, at, mut tally) = (parse_page(USER_CODE), url("https://as.test/device"), Tally::default());
        let Move::Submit { form, pairs, pressed } = b.choose(&page, &at, Choice::Approve, &mut tally).unwrap() else { panic!("no submit") };
        let next = b.submission(&at, &form, pairs, pressed).unwrap();
        assert_eq!(next.body.as_deref(), Some("xsrf=x&user_code=WDJB-MJHT"));
        let again = b.choose(&page, &at, Choice::Approve, &mut tally).unwrap_err();
        assert!(matches!(again, DriveError::UserCodeRefused { .. }), "{again}");
        let mut declined = Tally { denied: true, user_codes: 1, ..Tally::default() };
        assert!(matches!(b.choose(&page, &at, Choice::Deny, &mut declined).unwrap(), Move::Stay));
    }

    #[test]
    fn a_login_form_without_a_login_section_is_an_error() {
        let http = http();
        let e = browser(&http, None).choose(&parse_page(LOGIN), &url("https://as.test/a"), Choice::Approve, &mut Tally::default()).unwrap_err();
        assert!(matches!(e, DriveError::NoLogin { .. }), "{e}");
    }

    #[test]
    fn a_get_form_sends_its_pairs_as_the_query_of_its_action() {
        let http = http();
        let page = parse_page(r#"<form action="consent?old=1"><input type=hidden name=txn value="a b"><button name=decision value=deny>Deny</button></form>"#);
        let b = browser(&http, None);
        let at = url("https://as.test/i/1");
        let Move::Submit { form, pairs, pressed } = b.choose(&page, &at, Choice::Deny, &mut Tally::default()).unwrap() else { panic!("no submit") };
        let next = b.submission(&at, &form, pairs, pressed).unwrap();
        assert_eq!((next.method.as_str(), next.url.as_str(), next.body), ("GET", "https://as.test/i/consent?txn=a+b&decision=deny", None));
    }

    #[test]
    fn a_form_or_link_off_the_servers_origin_is_refused_but_one_to_the_client_is_followed() {
        let http = http();
        let b = browser(&http, None);
        let at = url("https://as.test/consent");
        let evil = parse_page(r#"<form method=post action="https://evil.test/steal"><button>Allow</button></form>"#);
        let Move::Submit { form, pairs, pressed } = b.choose(&evil, &at, Choice::Approve, &mut Tally::default()).unwrap() else { panic!("no submit") };
        let e = b.submission(&at, &form, pairs, pressed).err().unwrap();
        assert!(matches!(&e, DriveError::OffOriginForm { action, .. } if action == "https://evil.test/steal"), "{e}");
        let off = b.choose(&parse_page(r#"<a href="https://evil.test/no">Cancel</a>"#), &at, Choice::Deny, &mut Tally::default()).unwrap_err();
        assert!(matches!(off, DriveError::OffOriginForm { .. }), "{off}");
        let mut tally = Tally::default();
        let to_client = b.choose(&parse_page(r#"<a href="https://app.test/cb?error=access_denied">Cancel</a>"#), &at, Choice::Deny, &mut tally).unwrap();
        assert!(matches!(&to_client, Move::Follow(u) if u.as_str() == "https://app.test/cb?error=access_denied"), "{to_client:?}");
        assert!(tally.denied);
    }

    #[test]
    fn a_page_with_nothing_to_deny_with_after_signing_in_is_an_error_but_ends_an_approval() {
        let http = http();
        let b = browser(&http, None);
        let page = parse_page("<h1>Welcome</h1>");
        let at = url("https://as.test/home");
        let signed_in = || Tally { logins: 1, ..Tally::default() };
        let e = b.choose(&page, &at, Choice::Deny, &mut signed_in()).unwrap_err();
        assert!(matches!(e, DriveError::NoDenyControl { .. }), "{e}");
        assert!(matches!(b.choose(&page, &at, Choice::Approve, &mut signed_in()), Ok(Move::Stay)));
        assert!(matches!(b.choose(&page, &at, Choice::Deny, &mut Tally::default()), Ok(Move::Stay)));
    }
}
