//! One error type renders every RFC 6749 §5.2 error answer of the reference server.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    /// Realm for the WWW-Authenticate challenge on 401.
    pub realm: &'static str,
}

impl OAuthError {
    pub fn bad_request(code: &'static str, description: impl Into<String>) -> Self {
        OAuthError { status: StatusCode::BAD_REQUEST, code, description: description.into(), realm: "oauth" }
    }

    pub fn invalid_client(description: impl Into<String>, realm: &'static str) -> Self {
        OAuthError { status: StatusCode::UNAUTHORIZED, code: "invalid_client", description: description.into(), realm }
    }
}

/// RFC 6749 §5.1: token answers must not be cached.
pub fn no_store(resp: &mut Response) {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code, "error_description": self.description });
        let mut resp = (self.status, axum::Json(body)).into_response();
        no_store(&mut resp);
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = format!("Basic realm=\"{}\"", self.realm);
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        resp
    }
}
