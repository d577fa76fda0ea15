//! The login driver: a minimal browser that gets a person through the authorization server's own
//! login and consent pages. It keeps cookies, reads forms, fills the username and password, presses
//! approve or deny, follows redirects on the server's origin, and stops at the first redirect to the
//! client (never contacting the client's host).
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;

use url::Url;

pub mod chromium;
pub mod command;

use crate::transport::http::{Exchange, Http, HttpRequest, TransportError};
use crate::target::file::Login;
use crate::transport::page::{Button, FORMLESS, Form, Landing, Page, is_username_field, parse_page};

/// At most this many requests per drive.
pub const MAX_HOPS: usize = 10;

const APPROVE_WORDS: &[&str] = &["allow", "approve", "accept", "authorize", "authorise", "consent", "yes", "continue", "grant"];
const DENY_WORDS: &[&str] = &["deny", "reject", "cancel", "decline", "no", "abort"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Approve,
    Deny,
    /// Stop at the first page (after same-origin redirects).
    FirstPage,
}


#[derive(Debug, Clone, thiserror::Error)]
pub enum DriveError {
    #[error("request to {url} failed: {error}")]
    Transport { url: Url, error: TransportError },
    #[error("the login page at {url} was shown but the target file has no [login]")]
    NoLogin { url: Url },
    #[error("the login page at {url} was shown again after signing in: the credentials were refused ({page})")]
    LoginRefused { url: Url, page: String },
    #[error("redirect loop: no redirect to the client after {max} hops (last: {url})")]
    TooManyHops { max: usize, url: Url },
    #[error("the form at {url} submits to {action}, off the authorization server's origin")]
    OffOriginForm { url: Url, action: String },
    #[error("the login form at {url} has no text or email input for the username (set login.username_field)")]
    NoUsernameField { url: Url },
    #[error("status {status} redirect at {url} without a usable Location header")]
    BadLocation { url: Url, status: u16 },
    #[error("the chromium driver stopped at {url}: {why}")]
    Browser { url: Url, why: String },
    #[error("the login command for {url} failed: {why}")]
    Command { url: Url, why: String },
    #[error("the page at {url} has no form the form driver can read: it is built by JavaScript ({page}); set [login] driver = \"chromium\" (or \"command\")")]
    NeedsBrowser { url: Url, page: String },
    /// The case needs the user to decline, and the pages offered nothing to decline with: the
    /// suite could not act, which says nothing of the server's answer to a denial.
    #[error("the login reached {url} without a control to deny consent ({page}); name one with a [[login.step]] with choice = \"deny\" (chromium driver)")]
    NoDenyControl { url: Url, page: String },
}

/// The words of a button (name, value, label), lower-cased.
fn button_words(b: &Button) -> Vec<String> {
    let all = format!("{} {} {}", b.name.as_deref().unwrap_or(""), b.value, b.label);
    all.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
}

/// The form and button to press for `choice` on a consent page.
pub fn consent_button(page: &Page, choice: Choice) -> Option<(&Form, &Button)> {
    let words = if choice == Choice::Deny { DENY_WORDS } else { APPROVE_WORDS };
    page.forms
        .iter()
        .flat_map(|f| f.buttons.iter().map(move |b| (f, b)))
        .find(|(_, b)| button_words(b).iter().any(|w| words.contains(&w.as_str())))
}

/// A link to follow for `choice` when no button fits (e.g. "[ Cancel ]").
pub fn consent_link(page: &Page, choice: Choice) -> Option<&str> {
    let words = if choice == Choice::Deny { DENY_WORDS } else { APPROVE_WORDS };
    page.links
        .iter()
        // "#" and javascript: leave the page where it is: a menu toggle, not a choice.
        .filter(|(href, _)| !href.starts_with('#') && !href.trim_start().to_ascii_lowercase().starts_with("javascript:"))
        .find(|(_, text)| text.split(|c: char| !c.is_alphanumeric()).any(|w| words.contains(&w.to_lowercase().as_str())))
        .map(|(href, _)| href.as_str())
}

/// One browser session: its own cookie jar, the server's origins, and what it sent.
pub struct Browser<'a> {
    http: &'a Http,
    jar: Jar,
    origins: Vec<url::Origin>,
    login: Option<&'a Login>,
    /// Redirect targets to stop at (the client's redirect_uri as sent and as registered).
    stop_at: Vec<Url>,
    pub exchanges: Vec<Exchange>,
    /// Return a page built by script as it is (another driver renders it) instead of an error.
    pub read_script_pages: bool,
}

impl<'a> Browser<'a> {
    pub fn new(http: &'a Http, origins: Vec<url::Origin>, login: Option<&'a Login>, stop_at: Vec<Url>) -> Self {
        Browser { http, jar: Jar::default(), origins, login, stop_at, exchanges: Vec::new(), read_script_pages: false }
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

    async fn fetch(&mut self, method: &str, url: &Url, form_body: Option<String>) -> Result<crate::transport::http::HttpResponse, DriveError> {
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
        let mut method = "GET".to_string();
        let mut url = start;
        let mut body: Option<String> = None;
        let (mut logins, mut usernames) = (0, 0);
        let mut denied = false;
        for _ in 0..MAX_HOPS {
            if self.is_client(&url) || !self.on_server(&url) {
                return Ok(Landing::Redirect(url));
            }
            let resp = self.fetch(&method, &url, body.take()).await?;
            if (300..400).contains(&resp.status) && resp.status != 304 {
                let loc = resp.header("location").and_then(|l| url.join(l).ok());
                let Some(next) = loc else {
                    return Err(DriveError::BadLocation { url, status: resp.status });
                };
                if !(resp.status == 307 || resp.status == 308) {
                    method = "GET".into();
                }
                url = next;
                continue;
            }
            let mut page = parse_page(&resp.text());
            page.headers = resp.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), crate::transport::http::excerpt(v, 300))).collect();
            if page.built_by_script(resp.status) && !self.read_script_pages {
                return Err(DriveError::NeedsBrowser { url, page: page.summary() });
            }
            if choice == Choice::FirstPage {
                return Ok(Landing::Page { url, status: resp.status, page });
            }
            let (form_def, mut pairs, pressed) = if let Some(form) = page.login_form() {
                let login = self.login.ok_or_else(|| DriveError::NoLogin { url: url.clone() })?;
                logins += 1;
                if logins > 1 {
                    return Err(DriveError::LoginRefused { url: url.clone(), page: page.summary() });
                }
                let filled = fill_login(form, login, usernames > 0).ok_or_else(|| DriveError::NoUsernameField { url: url.clone() })?;
                (form.clone(), filled, form.buttons.first().cloned())
            } else if let (Some(form), Some(login)) = (page.username_form(), self.login) {
                // A two-step login: the username now, the password on the next page.
                usernames += 1;
                if usernames > 1 {
                    return Err(DriveError::LoginRefused { url: url.clone(), page: page.summary() });
                }
                let user_field = login.username_field.clone().or_else(|| form.fields.iter().find(|f| is_username_field(f)).map(|f| f.name.clone()));
                let mut pairs: Vec<(String, String)> = form.fields.iter().filter(|f| Some(&f.name) != user_field.as_ref()).map(|f| (f.name.clone(), f.value.clone())).collect();
                pairs.extend(user_field.map(|n| (n, login.username.clone())));
                (form.clone(), pairs, form.buttons.first().cloned())
            } else if let Some((form, button)) = consent_button(&page, choice) {
                denied |= choice == Choice::Deny;
                let fields = form.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect::<Vec<_>>();
                (form.clone(), fields, Some(button.clone()))
            } else if let Some(href) = (page.login_form().is_none()).then(|| consent_link(&page, choice)).flatten() {
                let next = url.join(href).map_err(|_| DriveError::OffOriginForm { url: url.clone(), action: href.to_string() })?;
                if !self.on_server(&next) && !self.is_client(&next) {
                    return Err(DriveError::OffOriginForm { url: url.clone(), action: next.to_string() });
                }
                denied |= choice == Choice::Deny;
                method = "GET".into();
                url = next;
                continue;
            } else if let Some(form) = auto_submit_form(&page) {
                // A page whose only form has nothing to fill in (hidden fields, no visible input):
                // a browser's script submits it at once (oidc-provider's device confirmation,
                // form_post responses). Submitted once per page, like a browser.
                let fields = form.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect::<Vec<_>>();
                (form.clone(), fields, None)
            } else if choice == Choice::Deny && !denied && logins > 0 {
                return Err(DriveError::NoDenyControl { url, page: page.summary() });
            } else {
                return Ok(Landing::Page { url, status: resp.status, page });
            };
            if form_def.method == FORMLESS {
                return Err(DriveError::NeedsBrowser { url, page: page.summary() });
            }
            if let Some(Button { name: Some(n), value, .. }) = pressed {
                pairs.push((n, value));
            }
            let action = form_def.action.as_deref().filter(|a| !a.is_empty());
            let target = match action {
                Some(a) => url.join(a).map_err(|_| DriveError::OffOriginForm { url: url.clone(), action: a.to_string() })?,
                None => url.clone(),
            };
            if !self.on_server(&target) && !self.is_client(&target) {
                return Err(DriveError::OffOriginForm { url: url.clone(), action: target.to_string() });
            }
            let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter()).finish();
            if form_def.method == "POST" {
                method = "POST".into();
                body = Some(encoded);
                url = target;
            } else {
                method = "GET".into();
                let mut t = target;
                t.set_query(Some(&encoded));
                url = t;
            }
        }
        Err(DriveError::TooManyHops { max: MAX_HOPS, url })
    }
}

/// The run's one headless Chromium, started by the first login that needs it.
pub type SharedChromium = tokio::sync::OnceCell<Result<std::sync::Arc<chromium::Chromium>, String>>;

/// A login as a driver did it: where it ended, and what it leaves for the report.
pub struct Driven {
    pub landing: Result<Landing, DriveError>,
    /// Where a browser login stopped (PNG, inputs emptied).
    pub screenshot: Option<Vec<u8>>,
    /// What the login command wrote to its standard error (unredacted: the caller redacts).
    pub log: Option<String>,
}

impl Driven {
    fn landing(landing: Result<Landing, DriveError>) -> Driven {
        Driven { landing, screenshot: None, log: None }
    }
}

/// Drives a login with the target's `[login] driver`: this form driver, headless Chromium, or
/// the user's own program. A first page the form driver fetches itself (for its headers) and has
/// the other driver render only when script builds it.
pub async fn drive_with(browser: &mut Browser<'_>, start: Url, choice: Choice, shared: &SharedChromium) -> Driven {
    let Some(login) = browser.login else { return Driven::landing(browser.drive(start, choice).await) };
    match &login.driver {
        crate::target::file::LoginDriver::Form => Driven::landing(browser.drive(start, choice).await),
        crate::target::file::LoginDriver::Chromium => {
            let launched = shared.get_or_init(|| async { chromium::Chromium::launch().await.map(std::sync::Arc::new) }).await.clone();
            let (stops, origins) = (browser.stops().to_vec(), browser.origins().to_vec());
            let drive = || async {
                let browser = launched.map_err(|why| DriveError::Browser { url: start.clone(), why })?;
                browser.drive(&start, choice, login, &stops, &origins).await
            };
            let landing = if choice == Choice::FirstPage { first_page_via(browser, &start, drive).await } else { drive().await };
            match landing {
                Ok(l) => Driven::landing(Ok(l)),
                Err(stopped) => Driven { landing: Err(stopped.error), screenshot: stopped.screenshot, log: None },
            }
        }
        crate::target::file::LoginDriver::Command { argv, dir } => {
            let stops = browser.stops().to_vec();
            let run = |c: Choice| command::run(argv, dir, &start, c, login, &stops);
            // Its stderr goes to the report; on failure it is in the error already.
            let log: std::sync::Mutex<Option<String>> = Default::default();
            let keep = |r: &command::Reported| *log.lock().unwrap_or_else(|e| e.into_inner()) = Some(r.stderr.clone()).filter(|s| !s.trim().is_empty());
            let landing = if choice == Choice::FirstPage {
                let rendered = || async {
                    run(choice).await.map(|r| {
                        keep(&r);
                        Landing::Page { page: parse_page(r.html.as_deref().unwrap_or_default()), url: r.url, status: 200 }
                    })
                };
                first_page_via(browser, &start, rendered).await
            } else {
                match run(choice).await {
                    Ok(r) => {
                        keep(&r);
                        match r {
                            // Stopped on a page of the server (an error page): judged as this driver's would be.
                            command::Reported { url, html: Some(html), .. } if browser.on_server(&url) && !browser.is_client(&url) => {
                                Ok(Landing::Page { url, status: 200, page: parse_page(&html) })
                            }
                            r => browser.landing_of(r.url),
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            Driven { landing, screenshot: None, log: log.into_inner().unwrap_or_else(|e| e.into_inner()) }
        }
    }
}

/// The first page as `browser` fetched it (its status and headers), with the content another
/// driver rendered in its place when script builds it.
pub async fn first_page_via<F, Fut, E>(browser: &mut Browser<'_>, start: &Url, render: F) -> Result<Landing, E>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Landing, E>>,
    E: From<DriveError>,
{
    browser.read_script_pages = true;
    match browser.drive(start.clone(), Choice::FirstPage).await.map_err(E::from) {
        Ok(Landing::Page { status, page, .. }) if page.built_by_script(status) => match render().await? {
            Landing::Page { url, page: mut rendered, .. } => {
                rendered.headers = page.headers;
                Ok(Landing::Page { url, status, page: rendered })
            }
            other => Ok(other),
        },
        other => other,
    }
}

/// The login form's username and password inputs: the target file's names, else the first text
/// or email input and the password input. The username may be missing where an earlier page of
/// a two-step login took it.
fn login_fields(form: &Form, login: &Login) -> (Option<String>, Option<String>) {
    let user = login.username_field.clone().or_else(|| form.fields.iter().find(|f| matches!(f.kind.as_str(), "text" | "email")).map(|f| f.name.clone()));
    let pass = login.password_field.clone().or_else(|| form.fields.iter().find(|f| f.kind == "password").map(|f| f.name.clone()));
    (user, pass)
}

/// `url` is one of the client's redirect URIs (any query): where a drive stops.
pub fn is_stop(stops: &[Url], url: &Url) -> bool {
    stops.iter().any(|s| s.scheme() == url.scheme() && s.host_str() == url.host_str() && s.port_or_known_default() == url.port_or_known_default() && s.path() == url.path())
}

/// The page's one form with hidden fields only and no button a user would press: a browser's
/// script submits it (other forms beside it, e.g. a deny button, stay for the user).
fn auto_submit_form(page: &Page) -> Option<&Form> {
    let mut silent = page.forms.iter().filter(|f| !f.fields.is_empty() && f.buttons.is_empty() && f.fields.iter().all(|x| x.kind == "hidden"));
    match (silent.next(), silent.next()) {
        (Some(form), None) => Some(form),
        _ => None,
    }
}

/// The login form's fields with the username and password filled in; None without a username
/// input, unless the username was given on an earlier page (a two-step login's password page).
fn fill_login(form: &Form, login: &Login, username_given: bool) -> Option<Vec<(String, String)>> {
    let (user_field, pass_field) = login_fields(form, login);
    let pass_field = pass_field?;
    if user_field.is_none() && !username_given {
        return None;
    }
    let mut pairs: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|f| Some(&f.name) != user_field.as_ref() && f.name != pass_field)
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    pairs.extend(user_field.map(|u| (u, login.username.clone())));
    pairs.push((pass_field, login.password.clone()));
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONSENT: &str = r#"<html><head><title>Consent</title></head><body>
      <form method="post" action="/consent"><input type="hidden" name="txn" value="t1">
      <button name="decision" value="allow">Allow</button>
      <button name="decision" value="deny">Deny</button></form></body></html>"#;

    #[test]
    fn finds_approve_and_deny_buttons() {
        let page = parse_page(CONSENT);
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.value, "allow");
        assert_eq!(consent_button(&page, Choice::Deny).unwrap().1.value, "deny");
        assert_eq!(page.forms[0].fields[0].name, "txn");
    }

    #[test]
    fn a_cancel_link_is_a_way_to_deny() {
        let page = parse_page(r#"<form method=post action="/i/1/confirm"><button autofocus>Continue</button></form><a href="/i/1/abort">[ Cancel ]</a>"#);
        assert!(consent_button(&page, Choice::Deny).is_none());
        assert_eq!(consent_link(&page, Choice::Deny), Some("/i/1/abort"));
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.label, "Continue");
    }

    #[test]
    fn no_is_a_whole_word_not_a_substring() {
        let page = parse_page(r#"<form><button name="go">Continue now</button></form>"#);
        assert!(consent_button(&page, Choice::Deny).is_none());
        assert!(consent_button(&page, Choice::Approve).is_some());
    }

    #[test]
    fn a_menu_toggle_link_is_not_a_choice() {
        // "#" and javascript: go nowhere; an application's dropdown items look like this.
        let page = parse_page(r##"<a href="#">Grant</a><a href="javascript:void(0)">Cancel</a><a href="/i/1/abort">Cancel</a>"##);
        assert_eq!(consent_link(&page, Choice::Approve), None);
        assert_eq!(consent_link(&page, Choice::Deny), Some("/i/1/abort"));
    }

    #[test]
    fn a_plain_button_counts_only_outside_any_form() {
        // In a form, type=button submits nothing; in no form it is a component's button, which
        // only the browser driver can press (the form it makes has no method a client can send).
        let page = parse_page(r#"<form action="/x"><button type="button">Allow</button></form><div><button type="button" class="btn">Continue</button></div>"#);
        assert!(page.forms[0].buttons.is_empty());
        let (form, button) = consent_button(&page, Choice::Approve).unwrap();
        assert_eq!((form.method.as_str(), button.label.as_str()), (FORMLESS, "Continue"));
    }

    #[test]
    fn links_the_browser_saw_hidden_are_left_out() {
        let page = parse_page(r#"<a href="/a" data-oc-invisible>Allow</a><a href="/b">Deny</a>"#);
        assert_eq!(page.links, vec![("/b".to_string(), "Deny".to_string())]);
    }

    #[test]
    fn a_button_outside_its_form_belongs_to_the_form_it_names() {
        let page = parse_page(r#"<form id="c" method="post" action="/consent"><input type="hidden" name="txn" value="t1"></form>
            <footer><button form="c" name="decision" value="allow">Allow</button><input type="submit" form="c" name="decision" value="Deny"></footer>"#);
        assert_eq!(page.forms.len(), 1);
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.value, "allow");
        assert_eq!(consent_button(&page, Choice::Deny).unwrap().1.value, "Deny");
    }

    #[test]
    fn buttons_in_no_form_are_found_as_a_form_only_a_browser_can_submit() {
        let page = parse_page(r#"<div><p>My client requires access</p><button class="btn">Grant</button><a href="/x">Cancel</a></div><form><input type=hidden name=a value=1><button>Inside</button></form>"#);
        assert_eq!(page.forms.len(), 2);
        let (form, button) = consent_button(&page, Choice::Approve).unwrap();
        assert_eq!((form.method.as_str(), button.label.as_str()), (FORMLESS, "Grant"));
        assert_eq!(page.forms[0].buttons[0].label, "Inside");
    }

    #[test]
    fn a_username_only_form_is_the_first_step_of_a_login_but_a_user_code_is_not() {
        let step1 = parse_page(r#"<form method=post><input name="username" autocomplete="username"><button>Next</button></form>"#);
        assert!(step1.username_form().is_some() && step1.login_form().is_none());
        let device = parse_page(r#"<form method=post><input name="user_code"><button>Continue</button></form>"#);
        assert!(device.username_form().is_none());
        let email = parse_page(r#"<form><input type=email name=e><button>Next</button></form>"#);
        assert!(email.username_form().is_some());
    }

    #[test]
    fn an_application_shell_is_built_by_script_an_error_page_is_not() {
        let shell = parse_page(r#"<html><body><div id="app"></div><script src="/app.js"></script></body></html>"#);
        assert!(shell.built_by_script(200));
        assert!(!shell.built_by_script(400));
        let error = parse_page(r#"<html><body><h1>Error</h1><p>invalid redirect_uri</p><a href="/">home</a><script>track()</script></body></html>"#);
        assert!(!error.built_by_script(200));
        assert!(!parse_page(CONSENT).built_by_script(200));
    }

    #[test]
    fn fills_login_keeping_hidden_inputs() {
        let page = parse_page(
            r#"<form method=post><input type=hidden name=csrf value=abc><input name=user><input type=password name=pw></form>"#,
        );
        let login = Login::form("alice", "pw1");
        let pairs = fill_login(page.login_form().unwrap(), &login, false).unwrap();
        assert_eq!(pairs, vec![("csrf".into(), "abc".into()), ("user".into(), "alice".into()), ("pw".into(), "pw1".into())]);
    }
}
