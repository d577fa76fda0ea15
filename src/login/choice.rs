//! What a login is asked to do and how it can fail: the case's [`Choice`] enters every driver, and
//! a [`DriveError`] leaves any of them when the login did not reach the client.
use url::Url;

use crate::transport::http::TransportError;

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
    #[error("the device verification page at {url} asked for the user_code again after it was typed: the code was refused ({page})")]
    UserCodeRefused { url: Url, page: String },
    #[error("the login form at {url} has no text or email input for the username (set login.username_field)")]
    NoUsernameField { url: Url },
    #[error("status {status} redirect at {url} without a usable Location header")]
    BadLocation { url: Url, status: u16 },
    #[error("the chromium driver stopped at {url}: {why}")]
    Browser { url: Url, why: String },
    #[error("the login command for {url} failed: {why}")]
    Command { url: Url, why: String },
    /// The case asks what the target's login driver cannot do (a login program keeps no
    /// session, sends no POST): the suite could not act, which says nothing of the server.
    #[error("{why} (the login for {url})")]
    Unable { url: Url, why: String },
    #[error("the page at {url} has no form the form driver can read: it is built by JavaScript ({page}); set [login] driver = \"chromium\" (or \"command\")")]
    NeedsBrowser { url: Url, page: String },
    /// The case needs the user to decline, and the pages offered nothing to decline with: the
    /// suite could not act, which says nothing of the server's answer to a denial.
    #[error("the login reached {url} without a control to deny consent ({page}); name one with a [[login.step]] with choice = \"deny\" (chromium driver)")]
    NoDenyControl { url: Url, page: String },
    /// The case needs the user to decline, and the server sent the browser back to the client
    /// with a code without showing anything to decline on (a remembered consent, or none asked).
    #[error("no consent page appeared: the server sent the browser back to the client ({at}) with a code before anything could be declined (a consent remembered from earlier, or none asked); the suite could not refuse")]
    NoConsentPage { at: String },
}
