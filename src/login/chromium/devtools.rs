//! The DevTools protocol, as much of it as the chromium driver uses, over Chromium's pipe
//! (`--remote-debugging-pipe`): JSON messages each ended by a NUL byte, the browser reading on
//! its file descriptor 3 and writing on 4. A dozen commands and six events; a general client
//! (chromiumoxide, with the whole protocol generated as types) was a tenth of the suite's build.
//! Enters: the browser's executable and arguments; leaves: `Browser`, `Tab` (a page), answers as JSON.
use std::collections::HashMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

/// How long a command may wait for its answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
/// The longest message read from the browser (a screenshot is the largest the driver asks for).
const MAX_MESSAGE: usize = 64 << 20;

/// What went wrong talking to the browser.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CdpError {
    #[error("starting the browser: {0}")]
    Start(String),
    #[error("the browser refused {method}: {message}")]
    Refused { method: String, message: String },
    #[error("the browser did not answer {method} within {} s", ANSWER_WITHIN.as_secs())]
    Silent { method: String },
    #[error("the browser closed its end of the connection")]
    Closed,
    #[error("the browser's answer to {method} lacks {what}")]
    Shape { method: String, what: &'static str },
    #[error("the page's script threw: {0}")]
    Thrown(String),
}

/// Who hears an event: the methods, on one session (a page) or the browser's own.
struct Listener {
    session: Option<String>,
    methods: &'static [&'static str],
    to: mpsc::UnboundedSender<Event>,
}

/// An event the browser sent: its method and parameters.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
}

type Answer = Result<Value, (String, String)>;

/// The connection: messages out through a writer task (a command dropped half-way never leaves
/// half a message), answers and events in through a reader task.
struct Connection {
    out: mpsc::UnboundedSender<Vec<u8>>,
    next_id: AtomicU64,
    pending: Mutex<Option<HashMap<u64, oneshot::Sender<Answer>>>>,
    listeners: Mutex<Vec<Listener>>,
}

impl Connection {
    fn new(out: mpsc::UnboundedSender<Vec<u8>>) -> Connection {
        Connection { out, next_id: AtomicU64::new(1), pending: Mutex::new(Some(HashMap::new())), listeners: Mutex::default() }
    }

    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, CdpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        match lock(&self.pending).as_mut() {
            Some(pending) => pending.insert(id, tx),
            None => return Err(CdpError::Closed),
        };
        // However this call ends (answered, timed out, or dropped by a caller's own timeout),
        // its entry goes with it.
        let _forget = Forget { connection: self, id };
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&message).unwrap_or_default();
        bytes.push(0);
        if self.out.send(bytes).is_err() {
            return Err(CdpError::Closed);
        }
        match tokio::time::timeout(ANSWER_WITHIN, rx).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err((_, message)))) => Err(CdpError::Refused { method: method.into(), message }),
            Ok(Err(_)) => Err(CdpError::Closed),
            Err(_) => Err(CdpError::Silent { method: method.into() }),
        }
    }

    fn listen(&self, session: Option<&str>, methods: &'static [&'static str]) -> mpsc::UnboundedReceiver<Event> {
        let (to, from) = mpsc::unbounded_channel();
        lock(&self.listeners).push(Listener { session: session.map(str::to_string), methods, to });
        from
    }

    /// One message from the browser: an answer to its command, or an event to its listeners.
    fn dispatch(&self, bytes: &[u8]) {
        let Ok(mut m) = serde_json::from_slice::<Value>(bytes) else { return };
        if let Some(id) = m.get("id").and_then(Value::as_u64) {
            let answer = match m.get_mut("error") {
                Some(e) => Err((e["code"].to_string(), e["message"].as_str().unwrap_or_default().to_string())),
                None => Ok(m.get_mut("result").map(Value::take).unwrap_or_default()),
            };
            if let Some(tx) = lock(&self.pending).as_mut().and_then(|p| p.remove(&id)) {
                let _ = tx.send(answer);
            }
            return;
        }
        let (Some(method), session) = (m.get("method").and_then(Value::as_str), m.get("sessionId").and_then(Value::as_str)) else { return };
        let event = Event { method: method.to_string(), params: m.get("params").cloned().unwrap_or_default() };
        lock(&self.listeners).retain(|l| {
            if l.session.as_deref() != session || !l.methods.contains(&method) {
                return !l.to.is_closed();
            }
            l.to.send(event.clone()).is_ok()
        });
    }

    /// The browser is gone: every command waiting hears so, and later ones at once.
    fn close(&self) {
        lock(&self.pending).take();
        lock(&self.listeners).clear();
    }
}

/// Removes a command's entry from the pending ones when the command ends.
struct Forget<'c> {
    connection: &'c Connection,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if let Some(p) = lock(&self.connection.pending).as_mut() {
            p.remove(&self.id);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running browser, spoken to over its pipe. Dropped, it is killed.
pub struct Browser {
    connection: Arc<Connection>,
    child: Mutex<tokio::process::Child>,
}

impl Browser {
    /// Starts `exe` with `args` (and the pipe), on the caller's runtime, and waits for its first
    /// answer.
    pub async fn launch(exe: &std::path::Path, args: &[&str]) -> Result<Browser, CdpError> {
        let start = |e: std::io::Error| CdpError::Start(e.to_string());
        let (theirs_in, ours_out) = std::io::pipe().map_err(start)?;
        let (ours_in, theirs_out) = std::io::pipe().map_err(start)?;
        let (fd_in, fd_out) = (theirs_in.as_raw_fd(), theirs_out.as_raw_fd());
        let mut command = tokio::process::Command::new(exe);
        command.args(args).arg("--remote-debugging-pipe").stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).kill_on_drop(true);
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2, close). Both
        // ends are first copied above 9, so that placing one on 3 or 4 never overwrites the
        // other; the copies at 3 and 4 are not closed on exec, the originals are (std's pipes).
        unsafe {
            command.pre_exec(move || {
                let (a, b) = (libc::fcntl(fd_in, libc::F_DUPFD, 10), libc::fcntl(fd_out, libc::F_DUPFD, 10));
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(a);
                libc::close(b);
                Ok(())
            });
        }
        let child = command.spawn().map_err(start)?;
        drop((theirs_in, theirs_out));
        let writer = pipe::Sender::from_owned_fd(OwnedFd::from(ours_out)).map_err(start)?;
        let reader = pipe::Receiver::from_owned_fd(OwnedFd::from(ours_in)).map_err(start)?;
        let (out, queue) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection::new(out));
        tokio::spawn(write_loop(writer, queue));
        tokio::spawn(read_loop(reader, connection.clone()));
        let browser = Browser { connection, child: Mutex::new(child) };
        browser.call("Browser.getVersion", json!({})).await?;
        Ok(browser)
    }

    /// A browser-wide command (no page).
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, CdpError> {
        self.connection.call(None, method, params).await
    }

    /// A new browser context (its own cookies and storage): its id.
    pub async fn new_context(&self) -> Result<String, CdpError> {
        text(&self.call("Target.createBrowserContext", json!({})).await?, "browserContextId", "Target.createBrowserContext")
    }

    pub async fn dispose_context(&self, context: &str) -> Result<(), CdpError> {
        self.call("Target.disposeBrowserContext", json!({ "browserContextId": context })).await.map(|_| ())
    }

    /// The cookies `context` holds (DevTools' `Cookie`s).
    pub async fn cookies(&self, context: &str) -> Result<Vec<Value>, CdpError> {
        let got = self.call("Storage.getCookies", json!({ "browserContextId": context })).await?;
        Ok(got["cookies"].as_array().cloned().unwrap_or_default())
    }

    /// Sets `cookies` (DevTools' `CookieParam`s) in `context`.
    pub async fn set_cookies(&self, context: &str, cookies: &[Value]) -> Result<(), CdpError> {
        self.call("Storage.setCookies", json!({ "cookies": cookies, "browserContextId": context })).await.map(|_| ())
    }

    pub async fn clear_cookies(&self, context: &str) -> Result<(), CdpError> {
        self.call("Storage.clearCookies", json!({ "browserContextId": context })).await.map(|_| ())
    }

    /// A new page in `context`, attached, its network watched (the driver reads its traffic).
    pub async fn new_page(&self, context: &str) -> Result<Tab, CdpError> {
        let made = self.call("Target.createTarget", json!({ "url": "about:blank", "browserContextId": context })).await?;
        let target = text(&made, "targetId", "Target.createTarget")?;
        let attached = self.call("Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await?;
        let session = text(&attached, "sessionId", "Target.attachToTarget")?;
        let page = Tab { connection: self.connection.clone(), session, target };
        page.call("Network.enable", json!({})).await?;
        Ok(page)
    }

    /// Sends the browser its kill signal now, without waiting for it to exit (it is killed
    /// when dropped too): for a caller about to remove the browser's files.
    pub fn kill(&self) {
        let _ = lock(&self.child).start_kill();
    }
}

fn text(v: &Value, key: &'static str, method: &str) -> Result<String, CdpError> {
    v.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| CdpError::Shape { method: method.into(), what: key })
}

/// One page (a target attached as a session of its own).
#[derive(Clone)]
pub struct Tab {
    connection: Arc<Connection>,
    session: String,
    target: String,
}

impl Tab {
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, CdpError> {
        self.connection.call(Some(&self.session), method, params).await
    }

    /// The page's events of these methods, in the order the browser sent them.
    pub fn events(&self, methods: &'static [&'static str]) -> mpsc::UnboundedReceiver<Event> {
        self.connection.listen(Some(&self.session), methods)
    }

    /// Runs `expression` in the page and gives its value (JSON; `null` for none).
    pub async fn evaluate(&self, expression: &str) -> Result<Value, CdpError> {
        let mut answer = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true })).await?;
        if let Some(e) = answer.get("exceptionDetails") {
            let said = e.pointer("/exception/description").or_else(|| e.get("text")).and_then(Value::as_str).unwrap_or("an exception");
            return Err(CdpError::Thrown(said.lines().next().unwrap_or_default().to_string()));
        }
        Ok(answer.pointer_mut("/result/value").map(Value::take).unwrap_or(Value::Null))
    }

    /// The page's address as its document has it (`chrome-error://…` for the browser's own error
    /// page).
    pub async fn url(&self) -> Option<String> {
        self.evaluate("location.href").await.ok()?.as_str().map(str::to_string)
    }

    /// A PNG of what the page shows.
    pub async fn screenshot(&self) -> Result<Vec<u8>, CdpError> {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" })).await?;
        let data = text(&shot, "data", "Page.captureScreenshot")?;
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| CdpError::Shape { method: "Page.captureScreenshot".into(), what: "base64 data" })
    }

    /// Navigates to `url` and waits for the page's load event.
    pub async fn goto(&self, url: &str) -> Result<(), CdpError> {
        let mut loaded = self.events(&["Page.loadEventFired"]);
        self.call("Page.enable", json!({})).await?;
        let started = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(why) = started.get("errorText").and_then(Value::as_str).filter(|w| !w.is_empty()) {
            return Err(CdpError::Refused { method: "Page.navigate".into(), message: why.to_string() });
        }
        match tokio::time::timeout(ANSWER_WITHIN, loaded.recv()).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(CdpError::Closed),
            Err(_) => Err(CdpError::Silent { method: "Page.navigate".into() }),
        }
    }

    /// Closes the page.
    pub async fn close(&self) -> Result<(), CdpError> {
        self.connection.call(None, "Target.closeTarget", json!({ "targetId": self.target })).await.map(|_| ())
    }
}

async fn write_loop(mut writer: pipe::Sender, mut queue: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(bytes) = queue.recv().await {
        if writer.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

async fn read_loop(mut reader: pipe::Receiver, connection: Arc<Connection>) {
    let (mut messages, mut chunk) = (Messages { pending: Vec::new(), skipping: false, max: MAX_MESSAGE }, vec![0u8; 1 << 16]);
    loop {
        let n = match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        messages.push(&chunk[..n], |m| connection.dispatch(m));
    }
    connection.close();
}

/// The browser's byte stream cut into messages at each NUL. A message longer than
/// `max` (a page's document of that size, read by the driver) is dropped whole, not
/// kept: the command it answers hears nothing and says so after `ANSWER_WITHIN`, and the
/// connection goes on for every other page.
struct Messages {
    pending: Vec<u8>,
    skipping: bool,
    max: usize,
}

impl Messages {
    fn push(&mut self, bytes: &[u8], mut each: impl FnMut(&[u8])) {
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|b| *b == 0) {
            if !std::mem::take(&mut self.skipping) {
                if self.pending.is_empty() {
                    each(&rest[..end]);
                } else {
                    self.pending.extend_from_slice(&rest[..end]);
                    each(&self.pending);
                }
            }
            self.pending.clear();
            if self.pending.capacity() > 1 << 20 {
                // A large message read: its room is not kept for the browser's life.
                self.pending = Vec::new();
            }
            rest = &rest[end + 1..];
        }
        if self.skipping {
            return;
        }
        self.pending.extend_from_slice(rest);
        if self.pending.len() > self.max {
            self.pending = Vec::new();
            self.skipping = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> (Connection, mpsc::UnboundedReceiver<Vec<u8>>) {
        let (out, queue) = mpsc::unbounded_channel();
        (Connection::new(out), queue)
    }

    #[tokio::test]
    async fn an_answer_reaches_its_command_and_an_error_says_the_browser_s_words() {
        let (c, mut sent) = connection();
        let c = Arc::new(c);
        let c2 = c.clone();
        let call = tokio::spawn(async move { c2.call(Some("S"), "Runtime.evaluate", json!({ "expression": "1" })).await });
        let bytes = sent.recv().await.unwrap();
        assert_eq!(bytes.last(), Some(&0), "each message ends with a NUL byte");
        let m: Value = serde_json::from_slice(&bytes[..bytes.len() - 1]).unwrap();
        assert_eq!((m["method"].as_str(), m["sessionId"].as_str(), m["params"]["expression"].as_str()), (Some("Runtime.evaluate"), Some("S"), Some("1")));
        c.dispatch(format!(r#"{{"id":{},"result":{{"result":{{"value":1}}}}}}"#, m["id"]).as_bytes());
        assert_eq!(call.await.unwrap().unwrap()["result"]["value"], 1);

        let c2 = c.clone();
        let call = tokio::spawn(async move { c2.call(None, "Target.createTarget", json!({})).await });
        let m: Value = serde_json::from_slice(sent.recv().await.unwrap().strip_suffix(&[0]).unwrap()).unwrap();
        c.dispatch(format!(r#"{{"id":{},"error":{{"code":-32000,"message":"no such context"}}}}"#, m["id"]).as_bytes());
        let e = call.await.unwrap().unwrap_err();
        assert_eq!(e.to_string(), "the browser refused Target.createTarget: no such context");
    }

    #[tokio::test]
    async fn events_reach_the_listeners_of_their_session_and_method_in_order() {
        let (c, _sent) = connection();
        let mut network = c.listen(Some("A"), &["Network.requestWillBeSent", "Network.loadingFinished"]);
        let mut other = c.listen(Some("B"), &["Network.requestWillBeSent"]);
        c.dispatch(br#"{"method":"Network.requestWillBeSent","sessionId":"A","params":{"requestId":"1"}}"#);
        c.dispatch(br#"{"method":"Page.loadEventFired","sessionId":"A","params":{}}"#);
        c.dispatch(br#"{"method":"Network.loadingFinished","sessionId":"A","params":{"requestId":"1"}}"#);
        let (first, second) = (network.recv().await.unwrap(), network.recv().await.unwrap());
        assert_eq!((first.method.as_str(), second.method.as_str()), ("Network.requestWillBeSent", "Network.loadingFinished"));
        assert!(other.try_recv().is_err(), "another session's listener hears nothing");
    }

    #[tokio::test]
    async fn a_closed_browser_ends_every_command_waiting_and_refuses_later_ones() {
        let (c, _sent) = connection();
        let c = Arc::new(c);
        let c2 = c.clone();
        let call = tokio::spawn(async move { c2.call(None, "Browser.getVersion", json!({})).await });
        tokio::task::yield_now().await;
        while lock(&c.pending).as_ref().is_some_and(HashMap::is_empty) {
            tokio::task::yield_now().await;
        }
        c.close();
        assert!(matches!(call.await.unwrap(), Err(CdpError::Closed)));
        assert!(matches!(c.call(None, "Browser.getVersion", json!({})).await, Err(CdpError::Closed)));
    }

    #[test]
    fn messages_are_cut_at_each_nul_across_reads_and_one_too_long_is_dropped_whole() {
        let mut m = Messages { pending: Vec::new(), skipping: false, max: 100 };
        let mut got: Vec<Vec<u8>> = Vec::new();
        m.push(b"{\"a\":1}\0{\"b\"", |x| got.push(x.to_vec()));
        m.push(b":2}\0", |x| got.push(x.to_vec()));
        assert_eq!(got, [b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()]);
        got.clear();
        let huge = vec![b'x'; 51];
        m.push(&huge, |x| got.push(x.to_vec()));
        m.push(&huge, |x| got.push(x.to_vec()));
        assert!(m.pending.is_empty() && m.skipping, "past the bound nothing more is kept");
        m.push(b"tail of it\0{\"c\":3}\0", |x| got.push(x.to_vec()));
        assert_eq!(got, [b"{\"c\":3}".to_vec()], "the long message is dropped, the next one read");
    }

    #[tokio::test]
    async fn a_browser_that_is_not_one_is_a_start_error_not_a_hang() {
        // `true` exits at once: its end of the pipe closes, and the first command hears so.
        let e = Browser::launch(std::path::Path::new("true"), &[]).await.err().unwrap();
        assert!(matches!(e, CdpError::Closed), "{e}");
        let e = Browser::launch(std::path::Path::new("/nonexistent/chromium"), &[]).await.err().unwrap();
        assert!(matches!(e, CdpError::Start(_)), "{e}");
    }

    #[tokio::test]
    async fn the_browser_reads_its_commands_on_3_and_answers_on_4() {
        // A peer that echoes what it reads on 3 to 4: the command comes back with its id and no
        // error, an answer (and `--remote-debugging-pipe` is one more argument it ignores).
        let echo = Browser::launch(std::path::Path::new("sh"), &["-c", "cat <&3 >&4", "echo"]).await;
        assert!(echo.is_ok(), "{:?}", echo.err());
        let echo = echo.unwrap();
        assert_eq!(echo.call("Target.getTargets", json!({})).await.unwrap(), Value::Null);
        assert!(lock(&echo.connection.pending).as_ref().is_some_and(HashMap::is_empty), "answered commands leave nothing pending");
    }

    #[tokio::test]
    async fn a_command_its_caller_gave_up_on_leaves_nothing_pending() {
        let (c, _sent) = connection();
        let gave_up = tokio::time::timeout(Duration::from_millis(20), c.call(None, "Page.captureScreenshot", json!({}))).await;
        assert!(gave_up.is_err());
        assert!(lock(&c.pending).as_ref().is_some_and(HashMap::is_empty));
    }
}
