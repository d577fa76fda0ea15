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

/// The Cache-Control of the cache-control-more variant: more directives beside no-store.
pub const CACHE_CONTROL_MORE: &str = "private, no-store, max-age=0";

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

#[cfg(test)]
mod tests {
    use super::*;

    async fn rendered(e: OAuthError) -> (StatusCode, axum::http::HeaderMap, String) {
        let (parts, body) = e.into_response().into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_bad_request_is_json_not_cached_and_unchallenged() {
        let (status, headers, body) = rendered(OAuthError::bad_request("invalid_request", "code is required")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        insta::assert_snapshot!(body, @r#"{"error":"invalid_request","error_description":"code is required"}"#);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::PRAGMA], "no-cache");
        assert!(!headers.contains_key(header::WWW_AUTHENTICATE));
    }

    #[tokio::test]
    async fn an_invalid_client_is_401_with_a_basic_challenge_in_its_realm() {
        let (status, headers, body) = rendered(OAuthError::invalid_client("unknown client", "citi-pl")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Basic realm=\"citi-pl\"");
        insta::assert_snapshot!(body, @r#"{"error":"invalid_client","error_description":"unknown client"}"#);
    }
}
