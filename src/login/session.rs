//! A browser session that a case's login steps share (`session = true` on each): the form
//! driver's cookie jar, and the cookies Chromium held when the session's last login ended. Only
//! within one case: cases run in parallel and in any order, so a session shared between cases
//! would make a verdict depend on which ran first.
use std::sync::{Arc, Mutex};


#[derive(Default)]
pub struct Session {
    pub(super) jar: Arc<reqwest::cookie::Jar>,
    /// Set in the next login's browser context, replaced by what it ends with (DevTools'
    /// `CookieParam`s).
    pub(super) chromium: Mutex<Vec<serde_json::Value>>,
}
