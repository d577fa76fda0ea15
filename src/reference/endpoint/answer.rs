//! How the authorization server answers what it refuses or hands back to the client: RFC 6749
//! §5.2 errors (in the broken shapes the error faults ask for), error pages, and redirects to the
//! client (shaped by the variants). Enters: an `OAuthError` or redirect parameters; leaves: a
//! `Response`.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::super::client_auth::NO_CLIENT_AUTH;
use super::super::fault::Fault;
use super::super::oauth_error::{CACHE_CONTROL_MORE, OAuthError, no_store};
use super::super::offer::Offer;
use super::super::page;
use super::super::variant::Variant;
use super::state::AuthServer;

/// What the markup-in-error-description fault puts where reports show target text: if a report
/// ever ran it, the page's body would carry a data-pwned attribute.
pub const MARKUP: &str = "<script>document.body.setAttribute('data-pwned','script')</script>\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">";

impl AuthServer {
    /// Renders an RFC 6749 §5.2 error, or the broken shapes the error faults ask for.
    pub fn error(&self, e: OAuthError) -> Response {
        let e = self.reworded(e);
        let mut resp = if self.has(Fault::ErrorHtml) {
            let mut r = Html(page::error(&format!("{}: {}", e.code, e.description))).into_response();
            *r.status_mut() = e.status;
            no_store(&mut r);
            if e.status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"citi-pl\""));
            }
            r
        } else if self.variant(Variant::ErrorDescriptionOmitted) || self.variant(Variant::ExtraTokenMembers) {
            self.variant_error(e)
        } else {
            e.into_response()
        };
        self.reheader(&mut resp);
        resp
    }

    /// The error's status, code and description as the faults and variants alter them.
    fn reworded(&self, mut e: OAuthError) -> OAuthError {
        if self.has(Fault::InvalidClient400) && e.status == StatusCode::UNAUTHORIZED {
            e.status = StatusCode::BAD_REQUEST;
        }
        if self.has(Fault::NonstandardErrorCode) && e.code == "invalid_request" {
            e.code = "invalid_parameter";
        }
        if self.has(Fault::UnsupportedGrantAsInvalidRequest) && e.code == "unsupported_grant_type" {
            e.code = "invalid_request";
        }
        if self.variant(Variant::NoClientAuth400) && e.code == "invalid_client" && e.description == NO_CLIENT_AUTH {
            e.status = StatusCode::BAD_REQUEST;
        }
        if self.has(Fault::MarkupInErrorDescription) {
            e.description = format!("{} {MARKUP}", e.description);
        }
        if self.has(Fault::NonAsciiErrorDescription) {
            e.description = format!("{} — żądanie odrzucone", e.description);
        }
        e
    }

    /// The error answer's headers and status as the faults and variants alter them.
    fn reheader(&self, resp: &mut Response) {
        if self.has(Fault::MarkupInErrorDescription) {
            resp.headers_mut().insert("x-debug", HeaderValue::from_static(MARKUP));
        }
        if self.has(Fault::ChallengeBearerAfterBasic) && resp.headers().contains_key(header::WWW_AUTHENTICATE) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"citi-pl\""));
        }
        if self.variant(Variant::SeveralChallenges) && resp.headers().contains_key(header::WWW_AUTHENTICATE) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"citi-pl\", Basic realm=\"citi-pl\", charset=\"UTF-8\""));
        }
        if self.has(Fault::NoWwwAuthenticate) {
            resp.headers_mut().remove(header::WWW_AUTHENTICATE);
        }
        if self.variant(Variant::CacheControlMore) && resp.headers().contains_key(header::CACHE_CONTROL) {
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_MORE));
        }
        if self.has(Fault::ErrorStatus200) {
            *resp.status_mut() = StatusCode::OK;
        }
    }

    /// The RFC 6749 §5.2 answer with the body the variants ask for: no error_description, or
    /// an extra member.
    fn variant_error(&self, e: OAuthError) -> Response {
        let (code, description) = (e.code, e.description.clone());
        let (parts, _) = e.into_response().into_parts();
        let mut body = json!({ "error": code });
        if !self.variant(Variant::ErrorDescriptionOmitted) {
            body["error_description"] = json!(description);
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["trace_id"] = json!(crate::model::token::random_hex(8));
        }
        let mut resp = Response::from_parts(parts, axum::body::Body::from(serde_json::to_vec(&body).unwrap_or_default()));
        resp.headers_mut().remove(header::CONTENT_LENGTH);
        resp
    }

    /// A redirect to the client with `params` in the query, shaped by the variants (303, iss,
    /// %20 for spaces).
    pub fn redirect(&self, to: &str, params: &[(&str, &str)], issuer: &str) -> Response {
        let Ok(mut url) = url::Url::parse(to) else {
            return (StatusCode::BAD_REQUEST, Html(page::error("the redirect_uri is not a valid URI"))).into_response();
        };
        let mut all: Vec<(&str, &str)> = params.to_vec();
        // RFC 9207: the rfc6749 reference always says who it is; citi-pl only as a variant.
        let wrong_issuer = format!("{issuer}/");
        let is_error = params.iter().any(|(k, _)| *k == "error");
        // FAPI 2.0 §5.3.2.2 item 7: the FAPI client is always told (unless the fault).
        let fapi = self.is_fapi_redirect(to);
        let says_iss = if fapi { !self.has(Fault::FapiNoIss) } else { self.variant(Variant::IssParameter) || (self.flavour.iss && self.offers(Offer::Iss)) };
        // An error found before any login (anything but a denial) goes out through the same door.
        let early_error = params.iter().any(|(k, v)| *k == "error" && *v != "access_denied");
        if says_iss && !(is_error && self.has(Fault::RfcIssMissingOnError)) && !(early_error && self.has(Fault::RfcIssMissingOnEarlyError)) {
            all.push(("iss", if self.has(Fault::RfcIssWrong) { &wrong_issuer } else { issuer }));
        }
        if self.variant(Variant::RedirectPercent20) {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
            let extra = all.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
            let query = match url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{extra}"),
                _ => extra,
            };
            url.set_query(Some(&query));
        } else {
            url.query_pairs_mut().extend_pairs(all.iter());
        }
        let status = if self.variant(Variant::Redirect303) { StatusCode::SEE_OTHER } else { StatusCode::FOUND };
        let mut resp = (status, [(header::LOCATION, url.to_string())]).into_response();
        no_store(&mut resp);
        resp
    }
}

impl AuthServer {
    /// Whether an authorization request asks for the Form Post Response Mode, which this
    /// server offers as an OpenID Provider (its configuration lists form_post) — unless a fault
    /// ignores it.
    pub fn form_post_asked(&self, response_mode: Option<&str>) -> bool {
        response_mode == Some("form_post") && self.openid_on() && !self.has(Fault::RfcOidcFormPostIgnored)
    }

    /// OAuth 2.0 Form Post Response Mode §2: the response (with `iss`, RFC 9207) posted to the
    /// client by a page's form; the page is never stored (no-store, as the mode requires).
    pub fn form_post(&self, to: &str, params: &[(&str, &str)], issuer: &str) -> Response {
        let mut all = params.to_vec();
        if !all.iter().any(|(k, _)| *k == "iss") {
            all.push(("iss", issuer));
        }
        html(page::form_post(to, &all))
    }
}

/// A redirect with `params` in the fragment (the code-in-fragment fault).
pub fn redirect_with_fragment(to: &str, params: &[(&str, &str)]) -> Response {
    let fragment = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter()).finish();
    (StatusCode::FOUND, [(header::LOCATION, format!("{to}#{fragment}"))]).into_response()
}

/// A 400 page for the user (never a redirect: the client is not known good).
pub fn error_page(message: &str) -> Response {
    let mut resp = (StatusCode::BAD_REQUEST, Html(page::error(message))).into_response();
    no_store(&mut resp);
    resp
}

/// A 200 HTML page the answers must not be cached from.
pub fn html(body: String) -> Response {
    let mut resp = Html(body).into_response();
    no_store(&mut resp);
    resp
}
