//! The page's network as DevTools shows it during a login: what is in flight (a page waiting
//! on its own request is busy), the status of each document, the fields a form posted, and how
//! the request carrying the password was answered. Enters: a page; leaves: `Traffic`.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::devtools::Tab;

use crate::transport::page::CredentialsAnswer;

/// A page that stays the same this long, with nothing the driver can press, is where it ends.
pub(super) const SETTLED: Duration = Duration::from_millis(700);
/// How long a page may stay unchanged after the driver clicked or submitted on it.
pub(super) const REACT: Duration = Duration::from_secs(10);

/// Stops a watcher (the network's, the navigations') with the login.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// DevTools' name for a request, the same in its network events and its interceptions.
pub(super) type RequestId = String;

/// A request as DevTools shows it (`Network.Request`): the parts the driver reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Request {
    pub(super) url: String,
    pub(super) url_fragment: Option<String>,
    pub(super) method: String,
    pub(super) post_data_entries: Option<Vec<PostDataEntry>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PostDataEntry {
    bytes: Option<String>,
}

/// `Fetch.requestPaused`: a navigation held until the driver lets it go or fails it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Paused {
    pub(super) request_id: RequestId,
    pub(super) request: Request,
}

/// An answer's status and address (`Network.Response`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Response {
    url: String,
    status: f64,
}

/// The four network events the watcher reads, in one shape (`requestWillBeSent`'s request and
/// redirect, `responseReceived`'s type and response; `loadingFinished` and `loadingFailed` carry
/// only the request's id).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct NetworkEvent {
    request_id: RequestId,
    request: Option<Request>,
    redirect_response: Option<Response>,
    r#type: Option<String>,
    response: Option<Response>,
}

const NETWORK: &[&str] = &["Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFinished", "Network.loadingFailed"];

/// The fields of a form the page posted (`application/x-www-form-urlencoded`, as HTML forms
/// send them), from DevTools' copy of the body.
pub(super) fn posted_fields(request: &Request) -> Option<Vec<(String, String)>> {
    if request.method != "POST" {
        return None;
    }
    Some(url::form_urlencoded::parse(&post_body(request)).into_owned().collect())
}

/// A request's body, from DevTools' copy of it.
fn post_body(request: &Request) -> Vec<u8> {
    use base64::Engine;
    let mut body = Vec::new();
    for entry in request.post_data_entries.iter().flatten() {
        let bytes = entry.bytes.as_ref().map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap_or_default()).unwrap_or_default();
        body.extend(bytes);
    }
    body
}

/// Whether a request is a POST whose body carries the password (a login form's, or a sign-in
/// call's, in a form or JSON): the request whose answer RFC 9700 §4.12 and FAPI 2.0 §5.3.2.2
/// items 10 and 11 judge.
fn carries_password(request: &Request, password: &str) -> bool {
    body_carries(&request.method, &post_body(request), password)
}

/// Whether a `method` request with `body` is a POST carrying `password`, as it is or as a form
/// or JSON encodes it.
fn body_carries(method: &str, body: &[u8], password: &str) -> bool {
    if method != "POST" || password.is_empty() {
        return false;
    }
    // A field's whole value: a short password is never found inside the username or another
    // field by chance.
    fn in_json(v: &serde_json::Value, password: &str) -> bool {
        match v {
            serde_json::Value::String(s) => s == password,
            serde_json::Value::Array(a) => a.iter().any(|v| in_json(v, password)),
            serde_json::Value::Object(o) => o.values().any(|v| in_json(v, password)),
            _ => false,
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => in_json(&v, password),
        Err(_) => url::form_urlencoded::parse(body).any(|(_, v)| v == password),
    }
}

/// One watcher of the page's network: the status of each document the server answered (a
/// rendered page does not carry it, and an error with an empty body shows as the browser's own
/// error page), and what the page has asked for and not yet had — a page waiting on its own
/// request (an application's sign-in call, the data its next screen needs) is busy, not
/// settled, however long a loaded machine takes to answer it.
/// It also notes how the request carrying the password was answered: the status of the redirect
/// the browser followed (DevTools gives it with the next hop), or of the answer it rendered.
pub(super) fn watch_traffic(page: &Tab, password: &str) -> (Arc<Mutex<Traffic>>, AbortOnDrop) {
    let traffic: Arc<Mutex<Traffic>> = Arc::new(Mutex::new(Traffic { in_flight: Default::default(), last: Instant::now(), document: None, password_posts: Default::default(), credentials: None }));
    let password = password.to_string();
    // One listener for the four events: they arrive in the order DevTools sent them, so a
    // redirect's hop (with the redirect's status) comes before the response to the same request.
    let mut events = page.events(NETWORK);
    let t2 = traffic.clone();
    let watcher = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let Ok(ev) = serde_json::from_value::<NetworkEvent>(event.params) else { continue };
            let mut t = held(&t2);
            match event.method.as_str() {
                "Network.requestWillBeSent" => {
                    if let Some(r) = &ev.redirect_response {
                        t.answered(&ev.request_id, CredentialsAnswer::Redirect(status_of(r)));
                    }
                    if ev.request.as_ref().is_some_and(|r| carries_password(r, &password)) {
                        t.password_posts.insert(ev.request_id.clone());
                    }
                    t.note(ev.request_id, true);
                }
                "Network.responseReceived" => {
                    let Some(response) = &ev.response else { continue };
                    let status = status_of(response);
                    if let (Some("Document"), Ok(u)) = (ev.r#type.as_deref(), Url::parse(&response.url)) {
                        t.document = Some((u, status));
                    }
                    t.answered(&ev.request_id, CredentialsAnswer::Page(status));
                }
                _ => t.note(ev.request_id, false),
            }
        }
    });
    (traffic, AbortOnDrop(watcher))
}

fn status_of(r: &Response) -> u16 {
    if (0.0..=f64::from(u16::MAX)).contains(&r.status) { r.status as u16 } else { 0 }
}

/// The page's own requests still unanswered, when the last one began or ended, and the last
/// document the server answered (its URL and status).
pub(super) struct Traffic {
    pub(super) in_flight: std::collections::HashMap<RequestId, Instant>,
    pub(super) last: Instant,
    pub(super) document: Option<(Url, u16)>,
    /// The requests (hops) whose body carries the password, not answered yet.
    pub(super) password_posts: std::collections::HashSet<RequestId>,
    /// How the first of them was answered.
    pub(super) credentials: Option<CredentialsAnswer>,
}

/// The lock, whether or not a watcher panicked while holding it.
pub(super) fn held(t: &Mutex<Traffic>) -> std::sync::MutexGuard<'_, Traffic> {
    t.lock().unwrap_or_else(|e| e.into_inner())
}

impl Traffic {
    /// Request `id` was answered `how`: the password's answer, if it carried the password. Of
    /// several such requests (a sign-in call, then a form), the strictest answer is kept: a 307
    /// or 308 (which carries the password on), else any redirect, else the first page.
    fn answered(&mut self, id: &RequestId, how: CredentialsAnswer) {
        if !self.password_posts.remove(id) {
            return;
        }
        let rank = |a: &CredentialsAnswer| match a {
            CredentialsAnswer::Redirect(307 | 308) => 3,
            CredentialsAnswer::Redirect(_) => 2,
            _ => 1,
        };
        if self.credentials.as_ref().is_none_or(|kept| rank(&how) > rank(kept)) {
            self.credentials = Some(how);
        }
    }

    pub(super) fn note(&mut self, id: RequestId, begins: bool) {
        let now = Instant::now();
        if begins {
            self.in_flight.insert(id, now);
        } else {
            self.in_flight.remove(&id);
        }
        self.last = now;
    }

    /// Zero while a request is in flight; a request unanswered for REACT (a long poll, a
    /// stream) no longer counts, so a page that keeps one open can still settle.
    pub(super) fn quiet_for(&self) -> Duration {
        if self.in_flight.values().any(|t| t.elapsed() < REACT) {
            return Duration::ZERO;
        }
        let stale_for = self.in_flight.values().map(Instant::elapsed).min().map_or(Duration::MAX, |d| d.saturating_sub(REACT));
        self.last.elapsed().min(stale_for)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traffic(in_flight: std::collections::HashMap<RequestId, Instant>, last: Instant) -> Traffic {
        Traffic { in_flight, last, document: None, password_posts: Default::default(), credentials: None }
    }

    #[test]
    fn a_page_is_busy_while_its_request_is_in_flight_and_quiet_after() {
        let mut t = traffic(Default::default(), Instant::now() - Duration::from_secs(5));
        assert!(t.quiet_for() >= Duration::from_secs(5));
        t.note("1".to_string(), true);
        assert_eq!(t.quiet_for(), Duration::ZERO);
        t.note("1".to_string(), false);
        assert!(t.quiet_for() < SETTLED);
    }

    #[test]
    fn a_request_left_open_past_react_no_longer_keeps_the_page_busy() {
        let long_ago = Instant::now() - REACT - Duration::from_secs(2);
        let t = traffic([("poll".to_string(), long_ago)].into_iter().collect(), long_ago);
        let quiet = t.quiet_for();
        assert!(quiet >= Duration::from_secs(2) && quiet < Duration::from_secs(3), "{quiet:?}");
    }

    #[test]
    fn the_password_s_strictest_answer_is_kept_and_only_the_password_s() {
        let mut t = traffic(Default::default(), Instant::now());
        t.answered(&"css".to_string(), CredentialsAnswer::Page(200));
        assert_eq!(t.credentials, None, "a request without the password says nothing");
        t.password_posts.insert("login".to_string());
        t.answered(&"login".to_string(), CredentialsAnswer::Redirect(307));
        t.password_posts.insert("login".to_string());
        t.answered(&"login".to_string(), CredentialsAnswer::Redirect(303));
        assert_eq!(t.credentials, Some(CredentialsAnswer::Redirect(307)), "a 307 re-posts the password: the strictest answer is kept");
        t.password_posts.insert("call".to_string());
        t.answered(&"call".to_string(), CredentialsAnswer::Page(200));
        assert_eq!(t.credentials, Some(CredentialsAnswer::Redirect(307)));
    }

    #[rstest::rstest]
    #[case::a_form("POST", "username=alice&password=p%40ss+word", true)]
    #[case::json("POST", r#"{"username":"alice","password":"p@ss word"}"#, true)]
    #[case::another_post("POST", "username=alice&password=other", false)]
    #[case::inside_another_value("POST", "username=p%40ss+words", false)]
    #[case::a_get("GET", "password=p%40ss+word", false)]
    fn a_request_carries_the_password_in_a_form_or_json(#[case] method: &str, #[case] body: &str, #[case] carries: bool) {
        assert_eq!(body_carries(method, body.as_bytes(), "p@ss word"), carries);
    }
}
