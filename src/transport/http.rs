//! The suite's HTTP client: no automatic redirects, a timeout on every request (body included),
//! and a cap on what it reads. Everything the target sends is untrusted; a transport problem is a
//! `TransportError` with what happened, never a panic or a hang.
use std::error::Error as _;
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;

/// Default cap on a response body.
pub const DEFAULT_BODY_CAP: usize = 1024 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, joined with ", " as HTTP allows.
    pub fn header_joined(&self, name: &str) -> Option<String> {
        let vals: Vec<&str> =
            self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        if vals.is_empty() { None } else { Some(vals.join(", ")) }
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body for a message: at most `max` characters, control characters escaped.
    pub fn excerpt(&self, max: usize) -> String {
        excerpt(&self.text(), max)
    }
}

/// `text` shortened to `max` characters on one line, control characters escaped.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why no HTTP answer was had.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq, Serialize)]
pub enum TransportError {
    #[error("timed out after {secs} s")]
    Timeout { secs: u64 },
    #[error("connection refused at {addr}")]
    Refused { addr: String },
    #[error("connection reset or closed before a complete answer")]
    Reset,
    #[error("the answer is not HTTP: {0}")]
    NotHttp(String),
    #[error("body over the {cap} byte cap")]
    TooLarge { cap: usize },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{0}")]
    Other(String),
}

/// One request and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: HttpRequest,
    pub response: Result<HttpResponse, TransportError>,
    pub elapsed: Duration,
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
    body_cap: usize,
}

static CRYPTO: Once = Once::new();

/// Installs the ring crypto provider once: reqwest is built without one (no aws-lc C build).
pub fn install_crypto_provider() {
    CRYPTO.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The request header naming the case a request belongs to, when the run marks them (`marked`):
/// the selftest's recording run only (`reference::switch::Asked`).
pub const CASE_HEADER: &str = "x-oauth-conformance-case";

tokio::task_local! {
    /// The case whose requests are being sent, when the run marks them (`marked`).
    static MARK: std::sync::Arc<str>;
}

/// `f` with every request it sends marked as `case`'s (`CASE_HEADER`): for the
/// selftest's recording run against its own reference, never against a target.
pub async fn marked<F: std::future::Future>(case: std::sync::Arc<str>, f: F) -> F::Output {
    MARK.scope(case, f).await
}

/// `f` under the mark of the task that makes it (`marked`): for a request sent from a task of its
/// own, which the mark would not reach.
pub fn keep_mark<F: std::future::Future>(f: F) -> impl std::future::Future<Output = F::Output> {
    let mark = MARK.try_with(std::sync::Arc::clone).ok();
    async move {
        match mark {
            Some(mark) => marked(mark, f).await,
            None => f.await,
        }
    }
}

/// The system's trusted roots (as `rustls-native-certs` finds them), each one rustls can use: read
/// once. None found is no error here: an https target then fails its handshake and says why.
fn system_roots() -> &'static [reqwest::Certificate] {
    static ROOTS: OnceLock<Vec<reqwest::Certificate>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect()
    })
}

/// How the suite reaches an https target.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Extra trusted CA certificates (PEM), from `--ca-cert`.
    pub ca_certs: Vec<Vec<u8>>,
    /// A client certificate and key (PEM, concatenated) for mutual TLS.
    pub identity: Option<Vec<u8>>,
    /// Accept any server certificate (`--insecure`). Never the default.
    pub insecure: bool,
}

impl Http {
    pub fn new(timeout: Duration, body_cap: usize) -> Result<Http, TransportError> {
        Self::with_tls(timeout, body_cap, &TlsOptions::default())
    }

    pub fn with_tls(timeout: Duration, body_cap: usize, tls: &TlsOptions) -> Result<Http, TransportError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("oauth-conformance/", env!("CARGO_PKG_VERSION")));
        // The system's roots and the extra CAs, as the platform verifier would trust them, but
        // read from disk once per process rather than once per client: a run makes one client,
        // and up to eight more for mutual TLS, and the selftest some three hundred runs (reading
        // the roots was a tenth of its CPU).
        let mut roots = system_roots().to_vec();
        for pem in &tls.ca_certs {
            roots.extend(reqwest::Certificate::from_pem_bundle(pem).map_err(|e| TransportError::Tls(format!("cannot read the CA certificate: {e}")))?);
        }
        builder = builder.tls_certs_only(roots);
        if let Some(pem) = &tls.identity {
            let id = reqwest::Identity::from_pem(pem).map_err(|e| TransportError::Tls(format!("cannot read the client certificate and key: {e}")))?;
            builder = builder.identity(id);
        }
        if tls.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build().map_err(|e| TransportError::Other(chain(&e)))?;
        Ok(Http { client, timeout, body_cap })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `req`; the whole exchange, body included, is bounded by the timeout and the cap.
    pub async fn send(&self, req: HttpRequest) -> Exchange {
        let started = Instant::now();
        let response = match tokio::time::timeout(self.timeout, self.send_inner(&req)).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout { secs: self.timeout.as_secs().max(1) }),
        };
        Exchange { request: req, response, elapsed: started.elapsed() }
    }

    async fn send_inner(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| TransportError::Other(e.to_string()))?;
        let mut rb = self.client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &req.body {
            rb = rb.body(b.clone());
        }
        if let Ok(case) = MARK.try_with(|c| c.to_string()) {
            rb = rb.header(CASE_HEADER, case);
        }
        let mut resp = rb.send().await.map_err(|e| classify(&e, &req.url, self.timeout))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if resp.content_length().is_some_and(|n| n as usize > self.body_cap) {
            return Err(TransportError::TooLarge { cap: self.body_cap });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, &req.url, self.timeout))? {
            if body.len() + chunk.len() > self.body_cap {
                return Err(TransportError::TooLarge { cap: self.body_cap });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}

/// The error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        src = s.source();
    }
    out
}

fn classify(e: &reqwest::Error, url: &Url, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout { secs: timeout.as_secs().max(1) };
    }
    let mut src: Option<&dyn std::error::Error> = e.source();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => {
                    let addr = format!("{}:{}", url.host_str().unwrap_or("?"), url.port_or_known_default().unwrap_or(0));
                    return TransportError::Refused { addr };
                }
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => return TransportError::Reset,
                _ => {}
            }
        }
        src = s.source();
    }
    let text = chain(e);
    let lower = text.to_ascii_lowercase();
    if lower.contains("invalid http") || lower.contains("parse") || lower.contains("message head is too large") {
        TransportError::NotHttp(text)
    } else if lower.contains("connection closed before message completed") || lower.contains("incomplete") {
        TransportError::Reset
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        TransportError::Tls(text)
    } else {
        TransportError::Other(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn response(headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.to_vec(),
        }
    }

    #[rstest]
    #[case::short_text_whole("abc", 10, "abc")]
    #[case::exactly_max_gets_no_ellipsis("abcd", 4, "abcd")]
    #[case::one_over_is_cut("abcde", 4, "abcd…")]
    #[case::zero("abc", 0, "…")]
    #[case::multibyte_counted_as_characters("héllo wörld", 5, "héllo…")]
    #[case::emoji_never_split("🔑🔑🔑", 2, "🔑🔑…")]
    #[case::newline_escaped("a\nb", 10, "a\\nb")]
    #[case::escape_does_not_count_extra("\t\t\tx", 3, "\\t\\t\\t…")]
    #[case::nul_escaped("a\0b", 10, "a\\u{0}b")]
    fn excerpt_cuts_at_characters_and_escapes_controls(#[case] text: &str, #[case] max: usize, #[case] out: &str) {
        assert_eq!(excerpt(text, max), out);
    }

    #[test]
    fn a_response_excerpt_reads_invalid_utf8_lossily() {
        let r = response(&[], b"ok\xff\xfe!");
        assert_eq!(r.excerpt(3), "ok\u{fffd}…");
    }

    #[test]
    fn header_lookup_ignores_case_and_takes_the_first() {
        let r = response(&[("Content-Type", "application/json"), ("x-a", "1"), ("X-A", "2")], b"");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(r.header("x-a"), Some("1"));
        assert_eq!(r.header("missing"), None);
    }

    #[test]
    fn header_joined_joins_every_value_in_order() {
        let r = response(&[("WWW-Authenticate", "Bearer"), ("other", "x"), ("www-authenticate", "DPoP algs=\"ES256\"")], b"");
        assert_eq!(r.header_joined("www-authenticate").as_deref(), Some("Bearer, DPoP algs=\"ES256\""));
        assert_eq!(r.header_joined("missing"), None);
    }

    #[rstest]
    #[case::object(br#"{"error":"invalid_grant"}"#, true)]
    #[case::array(b"[1,2]", true)]
    #[case::surrounding_whitespace(b"  {}\n", true)]
    #[case::html(b"<html>no</html>", false)]
    #[case::empty(b"", false)]
    #[case::truncated(br#"{"error":"#, false)]
    fn json_is_had_only_from_a_whole_json_body(#[case] body: &[u8], #[case] is_json: bool) {
        assert_eq!(response(&[("content-type", "text/plain")], body).json().is_some(), is_json);
    }

    #[rstest]
    #[case(TransportError::Timeout { secs: 10 }, "timed out after 10 s")]
    #[case(TransportError::Refused { addr: "127.0.0.1:9".into() }, "connection refused at 127.0.0.1:9")]
    #[case(TransportError::TooLarge { cap: 1024 }, "body over the 1024 byte cap")]
    #[case(TransportError::NotHttp("garbage".into()), "the answer is not HTTP: garbage")]
    fn transport_errors_read_as_what_happened(#[case] e: TransportError, #[case] text: &str) {
        assert_eq!(e.to_string(), text);
    }
}
