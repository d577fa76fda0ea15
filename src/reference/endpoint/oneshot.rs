//! Test support: a profile's router asked one request, without a socket (axum's `oneshot`).
//! Enters: a profile, its switches and a request; leaves: the answer's status, headers and body.
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use tower::ServiceExt;

use super::super::app::app_full;
use super::super::extras::Extras;
use super::super::fault::{Fault, Faults};
use super::super::registration::Registration;
use super::super::variant::Variants;

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// `profile`'s router with `faults` and `extras`, and whom it knows.
pub fn server(profile: &str, faults: &[Fault], extras: Extras) -> (Router, Registration) {
    let reg = Registration::generate();
    let router = app_full(profile, reg.clone(), faults.iter().copied().collect::<Faults>(), Variants::none(), extras).unwrap();
    (router, reg)
}

/// A form POST to `uri` with `body`, authenticated by HTTP Basic when `basic` is given.
pub fn post(uri: &str, body: &str, basic: Option<(&str, &str)>) -> Request<Body> {
    let mut req = Request::post(uri).header(header::HOST, "as.test").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        // RFC 6749 §2.3.1: each part form-encoded before they are joined.
        let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", form(id), form(secret)));
        req = req.header(header::AUTHORIZATION, format!("Basic {encoded}"));
    }
    req.body(Body::from(body.to_string())).unwrap()
}

/// A GET of `uri`.
pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).header(header::HOST, "as.test").body(Body::empty()).unwrap()
}

/// The router's answer to `req`.
pub async fn send(router: &Router, req: Request<Body>) -> Answer {
    let resp = router.clone().oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    Answer { status: parts.status, headers: parts.headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}
