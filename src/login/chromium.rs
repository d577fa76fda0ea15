//! The chromium login driver: headless Chromium over the DevTools protocol (`devtools`), for
//! login pages a form parser cannot pass (forms built by script, components, script-submitted
//! pages). It reads the page the browser rendered with the form driver's own parser and
//! heuristics (username, password, approve / deny), acts through the DOM, and stops at the first
//! navigation to the client's redirect URI or off the server — intercepted and failed in the
//! browser, so the client's host is never contacted. One browser per run, a few logins at once,
//! each bounded by `[login] timeout`. A login that does not finish says where it stopped and
//! keeps a screenshot with every input emptied.
//!
//! Each login runs in a browser context of its own, with one page; a context whose login landed
//! is kept for a later login, its cookies cleared (or set to a case's session's) and its page's
//! storage emptied first. A fresh context costs Chromium a new renderer process, about half a
//! second of CPU, which was most of a JavaScript login's cost; a kept page navigates within the
//! server's site and keeps its process. A context whose login stopped is thrown away.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use url::Url;

pub mod devtools;
mod script;
mod traffic;

use devtools::{Browser, CdpError, Tab};

use script::{click_script, fill_script, js, type_script};
use traffic::{AbortOnDrop, REACT, SETTLED, Traffic, held, posted_fields, watch_traffic};
use super::choice::{Choice, DriveError};
use super::controls::{auto_submit_form, consent_button, consent_link, is_stop, login_fields, user_code_form, username_field};
use crate::target::file::{Login, LoginStep};
use crate::transport::page::{CredentialsAnswer, Form, Landing, Page, Seen, parse_page};


/// Logins at once: each is a browser context with one page.
const CONTEXTS: usize = 6;
/// How often the driver looks at the page.
const POLL: Duration = Duration::from_millis(60);
/// At most this many actions (submits, clicks) per login.
const MAX_ACTIONS: usize = 10;
/// How long a look at a login that stopped (its address, its screenshot) may take.
const LOOK_WITHIN: Duration = Duration::from_secs(5);

/// The browser's flags. Without the background-networking ones Chromium keeps calling home,
/// which a closed CI network refuses: the suite talks to the target only. Pages in the
/// background are not slowed down (several logins run at once, none of them in front); a
/// target's self-signed certificate is the TLS probes' business, not the login's. The page is a
/// desktop one, 800×600, without touch. The benchmark starts its browser with the same flags.
pub const ARGS: &[&str] = &[
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--window-size=800,600", "--ignore-certificate-errors",
    "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding", "--disable-breakpad",
    "--disable-dev-shm-usage", "--disable-hang-monitor", "--disable-ipc-flooding-protection", "--disable-popup-blocking", "--disable-prompt-on-repost",
    "--disable-default-apps", "--disable-client-side-phishing-detection", "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain",
    "--lang=en-US",
];

/// The executable: `OAUTH_CONFORMANCE_CHROMIUM`, else the first on the PATH of Chromium's
/// headless shell (`chromium-headless-shell`, Google's `chrome-headless-shell`), `chromium`,
/// `chromium-browser`, `google-chrome`. The shell first: it renders with the same engine but
/// without the full browser around it, and a login through it costs half the CPU (citi-pl's 95
/// cases through the JavaScript login: 6.7–7.3 s against 14–15 s with `chromium`).
pub fn executable() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("OAUTH_CONFORMANCE_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium-headless-shell", "chrome-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// One headless Chromium for the run.
pub struct Chromium {
    browser: Browser,
    slots: tokio::sync::Semaphore,
    /// Contexts whose login landed, ready for the next.
    idle: Mutex<Vec<Slot>>,
    profile_dir: std::path::PathBuf,
}

/// A browser context and its one page, whose document navigations all pause at its interceptor
/// (see `intercept_navigations`) for as long as the slot lives.
struct Slot {
    context: String,
    page: Tab,
    /// Where the current login goes; None between logins.
    routing: Arc<Mutex<Option<Routing>>>,
    _interceptor: AbortOnDrop,
}

/// A browser context or page the driver could not make (or watch): what, and the browser's words.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
struct SlotError {
    what: &'static str,
    source: CdpError,
}

/// A login's way out: the client's redirect URIs and the server's origins, and where the login
/// left them once it did.
struct Routing {
    stops: Vec<Url>,
    origins: Vec<url::Origin>,
    arrived: Arc<Mutex<Option<Landing>>>,
}

/// Run on a kept page before its next login: its storage emptied, and its document marked as
/// the last login's, so that the driver does not read it while the next navigation is on its
/// way (`visible_html` returns nothing for a marked document).
const RESET_PAGE: &str = "(() => { window.__ocStale = true; try { sessionStorage.clear(); } catch (e) {} try { localStorage.clear(); } catch (e) {} return true; })()";

impl Drop for Chromium {
    /// The browser first (it writes into its profile until it dies), then its profile folder.
    fn drop(&mut self) {
        self.browser.kill();
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile_dir).is_ok() || !self.profile_dir.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Why the run's Chromium did not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("no Chromium found: install Debian's `chromium-headless-shell` or `chromium` (or set OAUTH_CONFORMANCE_CHROMIUM to the browser's path)")]
    NotFound,
    #[error("{}: {source}", .path.display())]
    ProfileDir { path: std::path::PathBuf, source: std::io::Error },
    #[error("starting {}: {source}", .exe.display())]
    Start { exe: std::path::PathBuf, source: CdpError },
}

/// A login that did not finish: where it stopped, and the masked screenshot.
#[derive(Debug, Clone)]
pub struct Stopped {
    pub error: DriveError,
    pub screenshot: Option<Vec<u8>>,
}

impl From<DriveError> for Stopped {
    fn from(error: DriveError) -> Stopped {
        Stopped { error, screenshot: None }
    }
}

impl Chromium {
    /// Starts the browser (on the caller's runtime; its event loop runs as a task there).
    pub async fn launch() -> Result<Chromium, LaunchError> {
        let exe = executable().ok_or(LaunchError::NotFound)?;
        let profile_dir = std::env::temp_dir().join(format!("oauth-conformance-chromium-{}-{}", std::process::id(), crate::model::token::random_hex(4)));
        std::fs::create_dir_all(&profile_dir).map_err(|source| LaunchError::ProfileDir { path: profile_dir.clone(), source })?;
        let user_data = format!("--user-data-dir={}", profile_dir.display());
        let mut args = ARGS.to_vec();
        args.push(&user_data);
        let browser = Browser::launch(&exe, &args).await.map_err(|source| LaunchError::Start { exe: exe.clone(), source })?;
        Ok(Chromium { browser, slots: tokio::sync::Semaphore::new(CONTEXTS), idle: Mutex::default(), profile_dir })
    }

    /// Drives from `start` as the form driver would, through the rendered page.
    /// `user_code`: the device flow's code, typed where a verification page asks for it.
    /// `session`: the cookies to start from, replaced by those the login ends with.
    pub async fn drive(&self, route: &Route<'_>, choice: Choice, login: &Login, user_code: Option<&str>, session: Option<&Mutex<Vec<Value>>>) -> (Result<Landing, Stopped>, Seen) {
        let start = route.start;
        let stopped = |error: DriveError| Stopped { error, screenshot: None };
        let Ok(_slot) = self.slots.acquire().await else {
            return (Err(stopped(DriveError::Browser { url: start.clone(), why: "the browser was closed".into() })), Seen::default());
        };
        let fail = |why: String| (Err(stopped(DriveError::Browser { url: start.clone(), why })), Seen::default());
        let slot = match self.slot().await {
            Ok(slot) => slot,
            Err(e) => return fail(e.to_string()),
        };
        if let Some(cookies) = session.map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).clone()).filter(|c| !c.is_empty())
            && let Err(e) = self.browser.set_cookies(&slot.context, &cookies).await
        {
            self.discard(slot).await;
            return fail(format!("the session's cookies: {e}"));
        }
        let page = &slot.page;
        let mut seen = Seen::default();
        let r = tokio::time::timeout(login.timeout, drive_page(&slot, route, choice, login, user_code, &mut seen)).await;
        *slot.routing.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let r = match r {
            Ok(r) => r,
            Err(_) => Err(DriveError::Browser { url: page_url(page).await.unwrap_or_else(|| start.clone()), why: format!("the login did not finish within {} s (login.timeout)", login.timeout.as_secs()) }),
        };
        let r = match r {
            Ok(landing) => Ok(landing),
            Err(error) => Err(Stopped { error, screenshot: masked_screenshot(page).await }),
        };
        if let Some(kept) = session
            && let Ok(got) = self.browser.cookies(&slot.context).await
        {
            *kept.lock().unwrap_or_else(|e| e.into_inner()) = got.iter().map(session_cookie).collect();
        }
        match r {
            Ok(_) => self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(slot),
            Err(_) => self.discard(slot).await,
        }
        (r, seen)
    }

    /// How many contexts are kept for later logins (their logins landed).
    pub fn kept_contexts(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// A context for a login: a kept one reset (its cookies cleared, its page's storage emptied
    /// and its document marked stale), else a new one with a blank page.
    async fn slot(&self) -> Result<Slot, SlotError> {
        loop {
            let Some(slot) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() else { break };
            let reset = async { self.browser.clear_cookies(&slot.context).await.is_ok() && slot.page.evaluate(RESET_PAGE).await.is_ok() };
            if tokio::time::timeout(Duration::from_secs(5), reset).await.unwrap_or(false) {
                return Ok(slot);
            }
            self.discard(slot).await;
        }
        let context = self.browser.new_context().await.map_err(|source| SlotError { what: "a browser context", source })?;
        let made = match self.browser.new_page(&context).await {
            Ok(page) => intercept_navigations(&page).await.map(|(routing, interceptor)| Slot { context: context.clone(), page, routing, _interceptor: interceptor }),
            Err(source) => Err(SlotError { what: "a page", source }),
        };
        if made.is_err() {
            let _ = self.browser.dispose_context(&context).await;
        }
        made
    }

    async fn discard(&self, slot: Slot) {
        let _ = slot.page.close().await;
        let _ = self.browser.dispose_context(&slot.context).await;
    }
}

/// Where a Chromium login goes: from `start` (a GET, or `post`'s fields posted there) until
/// one of `stops`, the client's redirect URIs, or off `origins`, the server's.
pub struct Route<'a> {
    pub start: &'a Url,
    pub post: Option<&'a str>,
    pub stops: &'a [Url],
    pub origins: &'a [url::Origin],
}

/// A cookie (`Storage.getCookies`' `Cookie`) as the next context of the session gets it back
/// (a `CookieParam`): an expiry only on a cookie that is not the session's.
fn session_cookie(c: &Value) -> Value {
    let mut p = json!({});
    for key in ["name", "value", "domain", "path", "secure", "httpOnly", "sameSite"] {
        if let Some(v) = c.get(key) {
            p[key] = v.clone();
        }
    }
    if c["session"] == false {
        p["expires"] = c["expires"].clone();
    }
    p
}

/// The page's address; None when the page did not say within `LOOK_WITHIN` (a page stuck in its
/// own script).
async fn page_url(page: &Tab) -> Option<Url> {
    tokio::time::timeout(LOOK_WITHIN, page.url()).await.ok().flatten().and_then(|u| Url::parse(&u).ok())
}

/// Empties every visible input, then photographs the page.
/// No screenshot when the inputs could not be emptied (within `LOOK_WITHIN`): it could show what
/// the driver typed.
async fn masked_screenshot(page: &Tab) -> Option<Vec<u8>> {
    let mask = page.evaluate("for (const i of document.querySelectorAll('input:not([type=hidden]), textarea')) { i.value = ''; } 1");
    tokio::time::timeout(LOOK_WITHIN, mask).await.ok()?.ok()?;
    tokio::time::timeout(LOOK_WITHIN, page.screenshot()).await.ok()?.ok()
}

/// The rendered page with its invisible controls marked `data-oc-invisible` (the form parser
/// skips them): single-page apps keep panels they are not showing — a re-authentication dialog's
/// password input, say — in the DOM.
async fn visible_html(page: &Tab) -> Option<String> {
    const SCRIPT: &str = "(() => { if (window.__ocStale) return null; const marked = [];\
        for (const e of document.querySelectorAll('input:not([type=hidden]), button, select, textarea, a[href]')) {\
          if (typeof e.checkVisibility === 'function' && !e.checkVisibility()) { e.setAttribute('data-oc-invisible', ''); marked.push(e); } }\
        const html = document.documentElement.outerHTML; for (const e of marked) e.removeAttribute('data-oc-invisible'); return html; })()";
    page.evaluate(SCRIPT).await.ok()?.as_str().map(str::to_string)
}

/// The first of a step's selectors (wait_for, then what it types into and clicks) that matches
/// nothing on the page yet; None when the step can run.
async fn step_missing(page: &Tab, step: &LoginStep) -> Option<String> {
    let selectors: Vec<&String> = step.wait_for.iter().chain(step.fill.iter().map(|(s, _)| s)).chain(step.click.iter()).collect();
    first_missing(page, &selectors).await
}

/// The first selector that matches nothing on the page (or is not a valid selector).
async fn first_missing(page: &Tab, selectors: &[&String]) -> Option<String> {
    let list = serde_json::to_string(selectors).unwrap_or_else(|_| "[]".into());
    let probe = format!("(() => {{ for (const s of {list}) {{ try {{ if (!document.querySelector(s)) return s; }} catch (e) {{ return s; }} }} return ''; }})()");
    let missing = page.evaluate(&probe).await.ok().and_then(|r| r.as_str().map(str::to_string));
    match missing {
        Some(s) if s.is_empty() => None,
        Some(s) => Some(s),
        None => selectors.first().map(|s| s.to_string()),
    }
}

/// The first `[[login.step]]` for this page: its URL fragment, its choice, and its `when`
/// selector present.
async fn step_for<'l>(page: &Tab, login: &'l Login, url: &Url, choice: Choice) -> Option<(usize, &'l LoginStep)> {
    let wanted = if choice == Choice::Deny { "deny" } else { "approve" };
    for (i, st) in login.steps.iter().enumerate() {
        if !url.as_str().contains(&st.url) || st.choice.as_deref().is_some_and(|c| c != wanted) {
            continue;
        }
        match &st.when {
            Some(sel) if first_missing(page, &[sel]).await.is_some() => continue,
            _ => return Some((i, st)),
        }
    }
    None
}

/// One `[[login.step]]`, once its elements are all on the page: type into some, click some.
async fn run_step(page: &Tab, i: usize, step: &LoginStep, login: &Login, url: &Url) -> Result<(), DriveError> {
    let at = |why: String| DriveError::Browser { url: url.clone(), why: format!("login.step[{i}]: {why}") };
    for (sel, template) in &step.fill {
        let value = template.replace("{username}", &login.username).replace("{password}", &login.password);
        run_js(page, fill_script(&js(sel), &value), url).await.map_err(|_| at(format!("no element matches `{sel}` to type into")))?;
    }
    for (n, sel) in step.click.iter().enumerate() {
        if n > 0 {
            // Let the page take in the click before the next (a ticked box enables its button).
            tokio::time::sleep(POLL).await;
        }
        let click = format!("(() => {{ const e = document.querySelector({}); if (!e) return false; e.click(); return true; }})()", js(sel));
        run_js(page, click, url).await.map_err(|_| at(format!("no element matches `{sel}` to click")))?;
    }
    Ok(())
}

async fn run_js(page: &Tab, script: String, url: &Url) -> Result<(), DriveError> {
    let done = page.evaluate(&script).await.map_err(|e| DriveError::Browser { url: url.clone(), why: format!("acting on the page: {e}") })?;
    match done {
        Value::Bool(true) => Ok(()),
        _ => Err(DriveError::Browser { url: url.clone(), why: VANISHED.into() }),
    }
}

#[allow(clippy::too_many_arguments)]
async fn drive_page(slot: &Slot, route: &Route<'_>, choice: Choice, login: &Login, user_code: Option<&str>, seen: &mut Seen) -> Result<Landing, DriveError> {
    let (page, start) = (&slot.page, route.start);
    let arrived: Arc<Mutex<Option<Landing>>> = Arc::default();
    *slot.routing.lock().unwrap_or_else(|e| e.into_inner()) = Some(Routing { stops: route.stops.to_vec(), origins: route.origins.to_vec(), arrived: arrived.clone() });
    let (traffic, _stop_traffic_watcher) = watch_traffic(page, &login.password);
    match route.post {
        Some(body) => post_to(page, start, body),
        None => navigate(page, start),
    }
    let mut walk = Walk { page, choice, login, user_code, traffic: &traffic, tally: Tally::default(), last: None, acted_on: None, vanished: 0 };
    let landing = walk.until_landed(&arrived).await;
    // The password's answer as DevTools showed it; none seen after a sign-in (a body DevTools did
    // not copy) is said as such, never guessed.
    let credentials = match (held(&traffic).credentials, walk.tally.logins) {
        (Some(how), _) => how,
        (None, 0) => CredentialsAnswer::NotSent,
        (None, _) => CredentialsAnswer::Unseen,
    };
    *seen = Seen { logins: walk.tally.logins, consents: walk.tally.consents, credentials };
    landing
}

impl Walk<'_> {
    /// Looks and acts until the login lands (or stops).
    async fn until_landed(&mut self, arrived: &Mutex<Option<Landing>>) -> Result<Landing, DriveError> {
        let (page, choice) = (self.page, self.choice);
        loop {
            tokio::time::sleep(POLL).await;
            if let Some(u) = arrived.lock().unwrap_or_else(|e| e.into_inner()).clone() {
                return super::form::granted_without_asking(u, choice, self.tally.denied);
            }
            let (Some(url), Some(html)) = (page_url(page).await, visible_html(page).await) else { continue };
            if url.scheme() == "chrome-error" {
                // The server answered an error with nothing to show (the browser shows its own
                // page), or did not answer at all.
                return match self.answered() {
                    Some((url, status)) if status >= 400 => Ok(Landing::Page { url, status, page: Page::default() }),
                    _ => Err(DriveError::Browser { url, why: "the browser could not load the server's page (no answer)".into() }),
                };
            }
            if url.scheme() == "about" {
                continue;
            }
            if let Some(end) = self.look(url, &html).await? {
                return Ok(end);
            }
        }
    }
}

/// Every document navigation of a slot's page pauses here. During a login, the client's (or
/// any off-server) URL is recorded (with the fields of a form posted there: the Form Post
/// Response Mode) and failed in the browser, the server's continue; between logins every
/// navigation fails, so nothing the last page still does reaches anywhere, and nothing is left
/// paused. What leaves is the routing the logins set, and the interceptor (stopped when dropped).
async fn intercept_navigations(page: &Tab) -> Result<(Arc<Mutex<Option<Routing>>>, AbortOnDrop), SlotError> {
    let mut paused = page.events(&["Fetch.requestPaused"]);
    let enable = json!({ "patterns": [{ "urlPattern": "*", "resourceType": "Document" }] });
    page.call("Fetch.enable", enable).await.map_err(|source| SlotError { what: "intercepting navigations", source })?;
    let routing: Arc<Mutex<Option<Routing>>> = Arc::default();
    let (p2, r2) = (page.clone(), routing.clone());
    let interceptor = tokio::spawn(async move {
        while let Some(ev) = paused.recv().await {
            let ev = match serde_json::from_value::<traffic::Paused>(ev.params.clone()) {
                Ok(ev) => ev,
                // Not the shape the driver reads: let it go rather than leave it paused.
                Err(_) => {
                    let _ = p2.call("Fetch.continueRequest", json!({ "requestId": ev.params["requestId"] })).await;
                    continue;
                }
            };
            // A fragment never travels in a request: DevTools gives it apart (an implicit or
            // hybrid response's parameters are there).
            let url = Url::parse(&format!("{}{}", ev.request.url, ev.request.url_fragment.as_deref().unwrap_or_default())).ok();
            let landed = {
                let routing = r2.lock().unwrap_or_else(|e| e.into_inner());
                match (routing.as_ref(), url) {
                    (Some(r), Some(url)) if !is_stop(&r.stops, &url) && r.origins.contains(&url.origin()) => None,
                    (Some(r), Some(url)) => Some(Some((r.arrived.clone(), url))),
                    _ => Some(None),
                }
            };
            let Some(landed) = landed else {
                let _ = p2.call("Fetch.continueRequest", json!({ "requestId": ev.request_id })).await;
                continue;
            };
            let _ = p2.call("Fetch.failRequest", json!({ "requestId": ev.request_id, "errorReason": "Aborted" })).await;
            if let Some((arrived, url)) = landed {
                let landing = match posted_fields(&ev.request) {
                    Some(params) => Landing::Posted { url, params },
                    None => Landing::Redirect(url),
                };
                *arrived.lock().unwrap_or_else(|e| e.into_inner()) = Some(landing);
            }
        }
    });
    Ok((routing, AbortOnDrop(interceptor)))
}

/// What one login has done so far: actions, sign-ins, username pages, and whether it declined.
#[derive(Debug, Default, Clone)]
struct Tally {
    actions: usize,
    logins: usize,
    consents: usize,
    usernames: usize,
    user_codes: usize,
    denied: bool,
}

/// One login through the rendered pages: what it has done and the page state it last saw.
struct Walk<'p> {
    page: &'p Tab,
    choice: Choice,
    login: &'p Login,
    /// The device flow's user code, typed where a verification page asks for it.
    user_code: Option<&'p str>,
    traffic: &'p Mutex<Traffic>,
    tally: Tally,
    /// The last page state (URL and HTML) and since when it is unchanged.
    last: Option<(String, Instant)>,
    /// The page state the driver last acted on.
    acted_on: Option<String>,
    /// Actions whose control was gone when the driver pressed it (`VANISHED`), each looked at again.
    vanished: usize,
}

/// Why an action failed when the control it chose was no longer on the page: an application
/// re-rendered between the look and the press (seen on glewlwyd's login on a loaded machine).
const VANISHED: &str = "the control the driver chose is not on the page";

/// How many vanished controls a login looks at again before it gives up.
const MAX_VANISHED: usize = 3;

/// One look at the page, as the quiet-page rule reads it.
#[derive(Debug, Clone, Copy)]
struct Look {
    choice: Choice,
    /// How long the page has been unchanged with nothing of its own in flight.
    quiet: Duration,
    /// The page changed since the last look.
    fresh: bool,
    /// The driver already acted on this very page state.
    acted_here: bool,
    /// Its script has yet to build its form or submit its own.
    scripted: bool,
    login_form: bool,
    username_form: bool,
    logins: usize,
    denied: bool,
}

/// What the driver makes of a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Look again.
    Wait,
    /// Fill, click or follow something.
    Act,
    /// The page is where the login ends.
    End,
    /// The page did not do what the driver waited for (the words say what).
    Stuck(&'static str),
    /// The login form is still there once the page settled after signing in.
    Refused,
    /// A denial was asked for and the page offers no control to deny with.
    NoDenyControl,
}

/// The quiet-page rule: after a click the page stays as it was until the navigation lands, and
/// a page whose script has yet to build its form or submit its own is still working — both
/// waited for up to REACT; a page unchanged for SETTLED with nothing to press is the end.
fn next(l: &Look) -> Next {
    let busy = l.acted_here || l.scripted;
    let settled = l.quiet >= if busy { REACT } else { SETTLED };
    if settled && busy {
        return Next::Stuck(if l.acted_here { "react to the driver's action" } else { "finish what its script does (build its form, or submit its own)" });
    }
    if l.choice == Choice::FirstPage {
        // An application shows its menus before its login form: wait for the form.
        return if l.login_form || l.username_form || settled { Next::End } else { Next::Wait };
    }
    if !l.fresh {
        if !settled {
            return Next::Wait;
        }
        if l.logins > 0 && l.login_form {
            return Next::Refused;
        }
        if l.choice == Choice::Deny && !l.denied && l.logins > 0 {
            return Next::NoDenyControl;
        }
        // A page that submits itself has had its chance; one that never changes is where it ends.
        return Next::End;
    }
    if l.acted_here { Next::Wait } else { Next::Act }
}

impl Walk<'_> {
    /// The last document the server answered (its URL and status).
    fn answered(&self) -> Option<(Url, u16)> {
        held(self.traffic).document.clone()
    }

    /// The status the server answered the document at `url` with (200 when unseen).
    fn status_of(&self, url: &Url) -> u16 {
        self.answered().filter(|(u, _)| without_fragment(u) == without_fragment(url)).map_or(200, |(_, s)| s)
    }

    /// Takes in the page at `url` as rendered (`html`); acts on it once per state. Some landing
    /// when the login ends on it.
    async fn look(&mut self, url: Url, html: &str) -> Result<Option<Landing>, DriveError> {
        let state = format!("{url}\u{0}{html}");
        let fresh = self.last.as_ref().is_none_or(|(s, _)| *s != state);
        if fresh {
            self.last = Some((state, Instant::now()));
        }
        // How long the page has been quiet: unchanged, and with nothing of its own in flight.
        let quiet = self.last.as_ref().map_or(Duration::ZERO, |(_, t)| t.elapsed().min(held(self.traffic).quiet_for()));
        let parsed: Page = parse_page(html);
        let acted_here = self.acted_on.as_deref() == self.last.as_ref().map(|(s, _)| s.as_str());
        // A page a scripted step applies to is waited for until its elements are all there.
        let step = step_for(self.page, self.login, &url, self.choice).await;
        let step_missing = match step {
            Some((_, st)) if !acted_here && self.choice != Choice::FirstPage => step_missing(self.page, st).await,
            _ => None,
        };
        if let (Some((i, _)), Some(sel), true) = (step, &step_missing, quiet >= REACT) {
            return Err(DriveError::Browser { url, why: format!("login.step[{i}]: no element matches `{sel}` within {} s", REACT.as_secs()) });
        }
        if step_missing.is_some() {
            return Ok(None);
        }
        let scripted = parsed.built_by_script(200) || auto_submit_form(&parsed).is_some();
        let (logins, denied) = (self.tally.logins, self.tally.denied);
        let look = Look { choice: self.choice, quiet, fresh, acted_here, scripted, login_form: parsed.login_form().is_some(), username_form: parsed.username_form().is_some(), logins, denied };
        match next(&look) {
            Next::Wait => Ok(None),
            Next::End => Ok(Some(Landing::Page { status: self.status_of(&url), url, page: parsed })),
            Next::Stuck(what) => Err(DriveError::Browser { url, why: format!("the page did not {what} within {} s", REACT.as_secs()) }),
            Next::Refused => Err(DriveError::LoginRefused { url, page: parsed.summary() }),
            Next::NoDenyControl => Err(DriveError::NoDenyControl { url, page: parsed.summary() }),
            Next::Act => {
                let (tally, acted_on) = (self.tally.clone(), self.acted_on.clone());
                match self.act(&url, &parsed, step).await {
                    // The page changed between the look and the press: put the tallies back and
                    // look again (the next look reads the page as it is now).
                    Err(DriveError::Browser { why, .. }) if why == VANISHED && self.vanished < MAX_VANISHED => {
                        self.vanished += 1;
                        (self.tally, self.acted_on) = (tally, acted_on);
                        Ok(None)
                    }
                    other => other.map(|()| None),
                }
            }
        }
    }

    /// Does one thing on the page: the target file's scripted step first, else sign in, give the
    /// username, press approve or deny (a button, else a link); nothing to press is no action.
    async fn act(&mut self, url: &Url, parsed: &Page, step: Option<(usize, &LoginStep)>) -> Result<(), DriveError> {
        let (page, login, choice) = (self.page, self.login, self.choice);
        self.tally.actions += 1;
        self.acted_on = self.last.as_ref().map(|(s, _)| s.clone());
        if self.tally.actions > MAX_ACTIONS {
            return Err(DriveError::TooManyHops { max: MAX_ACTIONS, url: url.clone() });
        }
        let user_code = self.user_code.and_then(|code| user_code_form(parsed).map(|(form, field)| (code, form, field)));
        if let Some((i, step)) = step {
            self.tally.denied |= step.choice.as_deref() == Some("deny");
            self.tally.consents += usize::from(step.choice.is_some());
            run_step(page, i, step, login, url).await?;
        } else if let Some((code, form, field)) = user_code {
            // Typed once; asked again, the code was refused, unless the user declined (the page
            // then offers to start over, and the login ends there).
            if self.tally.denied {
                self.undo();
                return Ok(());
            }
            self.tally.user_codes += 1;
            if self.tally.user_codes > 1 {
                return Err(DriveError::UserCodeRefused { url: url.clone(), page: parsed.summary() });
            }
            run_js(page, type_script(field, code), url).await?;
            run_js(page, click_script(form.buttons.first(), Some(field)), url).await?;
        } else if let Some(form) = parsed.login_form() {
            // An application re-renders its form while it signs in (a spinner, a disabled
            // button): a login form after the first is judged once the page settles.
            if self.tally.logins > 0 {
                self.undo();
                return Ok(());
            }
            self.tally.logins += 1;
            sign_in(page, form, login, self.tally.usernames > 0, url).await?;
        } else if let Some(form) = parsed.username_form() {
            self.tally.usernames += 1;
            if self.tally.usernames > 1 {
                return Err(DriveError::LoginRefused { url: url.clone(), page: parsed.summary() });
            }
            let user = username_field(form, login).unwrap_or_default();
            run_js(page, type_script(&user, &login.username), url).await?;
            run_js(page, click_script(form.buttons.first(), Some(&user)), url).await?;
        } else if let Some((_, button)) = consent_button(parsed, choice) {
            self.tally.denied |= choice == Choice::Deny;
            self.tally.consents += 1;
            run_js(page, click_script(Some(button), None), url).await?;
        } else if let Some(href) = consent_link(parsed, choice) {
            self.tally.denied |= choice == Choice::Deny;
            self.tally.consents += 1;
            let next = url.join(href).map_err(|_| DriveError::OffOriginForm { url: url.clone(), action: href.to_string() })?;
            navigate(page, &next);
        } else {
            // Nothing to press: a page that submits itself (give it time), or the end.
            self.undo();
        }
        Ok(())
    }

    /// The look was no action after all.
    fn undo(&mut self) {
        self.tally.actions -= 1;
        self.acted_on = None;
    }
}

/// Types the username (unless an earlier page took it) and the password into the login form,
/// then submits it.
async fn sign_in(page: &Tab, form: &Form, login: &Login, username_given: bool, url: &Url) -> Result<(), DriveError> {
    let (user, pass) = login_fields(form, login);
    match (user, username_given) {
        (Some(u), _) => run_js(page, type_script(&u, &login.username), url).await?,
        (None, true) => {}
        (None, false) => return Err(DriveError::NoUsernameField { url: url.clone() }),
    }
    if let Some(p) = &pass {
        run_js(page, type_script(p, &login.password), url).await?;
    }
    run_js(page, click_script(form.buttons.first(), pass.as_deref()), url).await
}

/// OpenID Connect Core §3.1.2.1's POST: a blank page's form, filled with `body`'s fields and
/// submitted by its script, posts the authorization request to `to` (not waited for, as
/// `navigate`).
fn post_to(page: &Tab, to: &Url, body: &str) {
    let form = crate::transport::page::hidden_form(to.as_str(), url::form_urlencoded::parse(body.as_bytes()));
    let html = format!("{form}<script>document.forms[0].submit()</script>");
    let (page, script) = (page.clone(), format!("document.open(); document.write({}); document.close(); true", js(&html)));
    tokio::spawn(async move {
        let _ = page.evaluate(&script).await;
    });
}

/// Starts a navigation without waiting for it, from the page's script: one the driver aborts (at
/// the client) never completes, so nothing may wait for it.
fn navigate(page: &Tab, to: &Url) {
    let (page, script) = (page.clone(), format!("location.assign({}); true", js(to.as_str())));
    tokio::spawn(async move {
        let _ = page.evaluate(&script).await;
    });
}

fn without_fragment(u: &Url) -> Url {
    let mut u = u.clone();
    u.set_fragment(None);
    u
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    /// A look at a page for the quiet-page rule: approving, a fresh page nobody acted on.
    fn look(quiet_ms: u64) -> Look {
        Look { choice: Choice::Approve, quiet: Duration::from_millis(quiet_ms), fresh: true, acted_here: false, scripted: false, login_form: false, username_form: false, logins: 0, denied: false }
    }

    #[rstest]
    #[case::a_fresh_page_is_acted_on(look(0), Next::Act)]
    #[case::a_page_acted_on_is_waited_for(Look { acted_here: true, ..look(0) }, Next::Wait)]
    #[case::an_unchanged_page_is_waited_for_until_settled(Look { fresh: false, ..look(SETTLED.as_millis() as u64 - 1) }, Next::Wait)]
    #[case::an_unchanged_page_settled_is_the_end(Look { fresh: false, ..look(SETTLED.as_millis() as u64) }, Next::End)]
    #[case::after_an_action_settled_is_not_enough(Look { fresh: false, acted_here: true, ..look(SETTLED.as_millis() as u64 * 2) }, Next::Wait)]
    #[case::after_an_action_react_is_the_limit(Look { fresh: false, acted_here: true, ..look(REACT.as_millis() as u64) }, Next::Stuck("react to the driver's action"))]
    #[case::a_scripted_page_gets_react(Look { fresh: false, scripted: true, ..look(SETTLED.as_millis() as u64 * 2) }, Next::Wait)]
    #[case::a_scripted_page_that_does_nothing_is_stuck(Look { fresh: false, scripted: true, ..look(REACT.as_millis() as u64) }, Next::Stuck("finish what its script does (build its form, or submit its own)"))]
    #[case::the_login_form_again_once_settled_is_refused(Look { fresh: false, login_form: true, logins: 1, ..look(SETTLED.as_millis() as u64) }, Next::Refused)]
    #[case::a_denial_with_nothing_to_deny_with(Look { choice: Choice::Deny, fresh: false, logins: 1, ..look(SETTLED.as_millis() as u64) }, Next::NoDenyControl)]
    #[case::a_denial_done_ends_on_the_page(Look { choice: Choice::Deny, fresh: false, logins: 1, denied: true, ..look(SETTLED.as_millis() as u64) }, Next::End)]
    #[case::the_first_page_ends_at_its_login_form(Look { choice: Choice::FirstPage, login_form: true, ..look(0) }, Next::End)]
    #[case::the_first_page_ends_at_a_username_form(Look { choice: Choice::FirstPage, username_form: true, ..look(0) }, Next::End)]
    #[case::the_first_page_waits_for_its_form(Look { choice: Choice::FirstPage, ..look(SETTLED.as_millis() as u64 - 1) }, Next::Wait)]
    #[case::the_first_page_without_a_form_ends_once_settled(Look { choice: Choice::FirstPage, ..look(SETTLED.as_millis() as u64) }, Next::End)]
    fn the_quiet_page_rule(#[case] seen: Look, #[case] want: Next) {
        assert_eq!(next(&seen), want);
    }

}
