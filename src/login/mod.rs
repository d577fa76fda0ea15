//! The login drivers: they get a person through the authorization server's own login and consent
//! pages. An authorization URL, the case's [`Choice`] and the target's `[login]` enter; a
//! [`Driven`] leaves: where the login landed (a redirect to the client, or a page), with what it
//! leaves for the report. This module only dispatches to the driver the target names: the form
//! driver ([`form`]), headless Chromium ([`chromium`]) or the user's own program ([`command`]).
use std::sync::Arc;

use url::Url;

pub mod choice;
pub mod chromium;
pub mod command;
pub mod controls;
pub mod form;
pub mod session;

pub use session::Session;

pub use choice::{Choice, DriveError};
pub use controls::{consent_button, consent_link, is_stop};
pub use form::{Browser, MAX_HOPS};

use crate::target::file::{Login, LoginDriver};
use crate::transport::page::{Landing, Seen, parse_page};


/// The run's one headless Chromium, started by the first login that needs it (or why it did not
/// start, for every login after).
pub type SharedChromium = tokio::sync::OnceCell<Result<Arc<chromium::Chromium>, Arc<chromium::LaunchError>>>;

/// A login as a driver did it: where it ended, and what it leaves for the report.
pub struct Driven {
    pub landing: Result<Landing, DriveError>,
    /// Where a browser login stopped (PNG, inputs emptied).
    pub screenshot: Option<Vec<u8>>,
    /// What the login command wrote to its standard error (unredacted: the caller redacts).
    pub log: Option<String>,
    /// What the driver did on the server's pages (a login program does not say).
    pub seen: Option<Seen>,
}

impl Driven {
    fn by_form(browser: &Browser<'_>, landing: Result<Landing, DriveError>) -> Driven {
        Driven { landing, screenshot: None, log: None, seen: Some(browser.seen) }
    }
}

/// Drives a login with the target's `[login] driver`: this form driver, headless Chromium, or
/// the user's own program. A first page the form driver fetches itself (for its headers) and has
/// the other driver render only when script builds it.
/// With a `session`, the login starts from its cookies and leaves its own there (the form
/// driver's browser shares the session's jar already, see [`Browser::in_session`]).
pub async fn drive_with(browser: &mut Browser<'_>, start: Url, choice: Choice, shared: &SharedChromium, session: Option<&Session>) -> Driven {
    let Some(login) = browser.login else {
        let landing = browser.drive(start, choice).await;
        return Driven::by_form(browser, landing);
    };
    match &login.driver {
        LoginDriver::Form => {
            let landing = browser.drive(start, choice).await;
            Driven::by_form(browser, landing)
        }
        LoginDriver::Chromium => drive_chromium(browser, start, choice, login, shared, session).await,
        LoginDriver::Command { .. } if browser.post_start.is_some() => {
            let why = "a login program starts from a URL (a GET): an authorization request sent by POST needs the form or the chromium driver".to_string();
            Driven { landing: Err(DriveError::Unable { url: start, why }), screenshot: None, log: None, seen: None }
        }
        LoginDriver::Command { .. } if session.is_some() => {
            let why = "a login program cannot keep a browser session from one login to the next (cases with session = true need the form or the chromium driver)".to_string();
            Driven { landing: Err(DriveError::Unable { url: start, why }), screenshot: None, log: None, seen: None }
        }
        LoginDriver::Command { argv, dir } => drive_command(browser, start, choice, login, argv, dir).await,
    }
}

/// The login through the run's Chromium (started here when it is the first).
async fn drive_chromium(browser: &mut Browser<'_>, start: Url, choice: Choice, login: &Login, shared: &SharedChromium, session: Option<&Session>) -> Driven {
    let launched = shared.get_or_init(|| async { chromium::Chromium::launch().await.map(Arc::new).map_err(Arc::new) }).await.clone();
    let (stops, origins, user_code, post) = (browser.stops().to_vec(), browser.origins().to_vec(), browser.user_code.clone(), browser.post_start.clone());
    let seen = std::sync::Mutex::new(None);
    let drive = || async {
        let browser = launched.map_err(|e| DriveError::Browser { url: start.clone(), why: e.to_string() })?;
        let cookies = session.map(|s| &s.chromium);
        let route = chromium::Route { start: &start, post: post.as_deref(), stops: &stops, origins: &origins };
        let (landing, saw) = browser.drive(&route, choice, login, user_code.as_deref(), cookies).await;
        *seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(saw);
        landing
    };
    let landing = if choice == Choice::FirstPage { first_page_via(browser, &start, drive).await } else { drive().await };
    let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    match landing {
        Ok(l) => Driven { landing: Ok(l), screenshot: None, log: None, seen },
        Err(stopped) => Driven { landing: Err(stopped.error), screenshot: stopped.screenshot, log: None, seen },
    }
}

/// The login through the user's program, its standard error kept for the report.
async fn drive_command(browser: &mut Browser<'_>, start: Url, choice: Choice, login: &Login, argv: &[String], dir: &std::path::Path) -> Driven {
    let (stops, user_code) = (browser.stops().to_vec(), browser.user_code.clone());
    let run = |c: Choice| command::run(argv, dir, &start, c, login, user_code.as_deref(), &stops);
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
    Driven { landing, screenshot: None, log: log.into_inner().unwrap_or_else(|e| e.into_inner()), seen: None }
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
