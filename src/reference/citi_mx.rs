//! The citi-mx reference: `GET /v1/authorize` of the Mexico "API Authorize" (seed
//! 001_94e443187cfdedd5.txt): a fresh `uuid` header per request, optional PKCE (S256 only), a
//! visitor token as JSON (a signed JWT plus a random 256-bit opaque token), and errors shaped
//! `{code, details, location, moreInfo, timestamp}`. Faults are consulted where they alter.
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::fault::{Fault, Faults};
use super::variant::{Variant, Variants};
use super::oauth_error::{CACHE_CONTROL_MORE, no_store};
use super::params::{Params, ascii};
use super::page;
use super::registration::Registration;

const EXPIRES_IN: u64 = 600;
const SCOPES: &[&str] = &["visitor"];

pub struct MxState {
    reg: Registration,
    faults: Faults,
    variants: Variants,
    /// HS256 key the access tokens are signed with, fresh per server.
    key: [u8; 32],
}

impl MxState {
    pub fn new(reg: Registration, faults: Faults, variants: Variants) -> Self {
        MxState { reg, faults, variants, key: crate::model::token::random_bytes::<32>() }
    }

    fn has(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    fn variant(&self, v: Variant) -> bool {
        self.variants.has(v)
    }

    /// no-store, with more directives under the cache-control-more variant.
    fn no_store(&self, resp: &mut Response) {
        no_store(resp);
        if self.variant(Variant::CacheControlMore) {
            resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(CACHE_CONTROL_MORE));
        }
    }
}

pub fn router(state: Arc<MxState>) -> Router {
    Router::new().route("/v1/authorize", get(authorize)).with_state(state)
}

/// An error in the seed's shape.
struct MxError {
    status: StatusCode,
    code: &'static str,
    details: String,
    location: Option<&'static str>,
}

fn bad(location: &'static str, details: impl Into<String>) -> MxError {
    MxError { status: StatusCode::BAD_REQUEST, code: "invalid_request", details: details.into(), location: Some(location) }
}

/// Seconds since the epoch as an RFC 3339 UTC date-time.
fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl MxState {
    fn error(&self, e: MxError) -> Response {
        let now = SystemTime::now();
        let timestamp = if self.has(Fault::MxTimestampEpoch) {
            now.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0).to_string()
        } else if self.variant(Variant::MxTimestampOffset) {
            let base = rfc3339(now);
            let millis = now.duration_since(UNIX_EPOCH).map(|d| d.subsec_millis()).unwrap_or(0);
            format!("{}.{millis:03}+00:00", base.trim_end_matches('Z'))
        } else {
            rfc3339(now)
        };
        let status = if self.has(Fault::MxUnknownClient400) && e.status == StatusCode::UNAUTHORIZED { StatusCode::BAD_REQUEST } else { e.status };
        if self.has(Fault::MxErrorHtml) {
            return (status, Html(page::error(&e.details))).into_response();
        }
        let mut body = json!({
            "code": if self.has(Fault::MxErrorCodeEmpty) { "" } else { e.code },
            "details": e.details,
            "moreInfo": "see the API Authorize documentation",
            "timestamp": timestamp,
        });
        if let (Some(l), false) = (e.location, self.has(Fault::MxErrorWithoutLocation)) {
            body["location"] = json!(l);
        }
        if self.has(Fault::MxTokenOnError) {
            body["access_token"] = json!(crate::model::token::random_token());
        }
        if self.variant(Variant::MxErrorType) {
            body["type"] = json!("error");
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["trace_id"] = json!(crate::model::token::random_hex(8));
        }
        let mut resp = (status, axum::Json(body)).into_response();
        // RFC 9110 §15.5.2: a 401 MUST carry a challenge. The seed names no scheme; the client
        // identifies itself with its client_id, so the challenge names that.
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("client_id realm=\"citi-mx\""));
        }
        self.no_store(&mut resp);
        resp
    }

    fn check(&self, headers: &HeaderMap, p: &Params) -> Result<String, MxError> {
        let uuids: Vec<&str> = headers.get_all("uuid").iter().map(|v| v.to_str().unwrap_or("")).collect();
        match uuids.as_slice() {
            [] if !self.has(Fault::MxUuidNotRequired) => return Err(bad("uuid", "the uuid header is required")),
            [one] if !is_uuid(one) && !self.has(Fault::MxUuidNotValidated) => return Err(bad("uuid", "the uuid header must be a UUID")),
            [_, _, ..] if !self.has(Fault::MxUuidRepeatAccepted) => return Err(bad("uuid", "the uuid header must be sent once")),
            _ => {}
        }
        if let Some(k) = p.repeated() {
            let field = ["response_type", "client_id", "businessCode", "countryCode", "channelId", "scope", "code_challenge", "code_challenge_method", "state", "redirect_uri"]
                .into_iter()
                .find(|f| *f == k)
                .unwrap_or("query");
            return Err(bad(field, format!("parameter {} is repeated", ascii(k))));
        }
        let mut required = vec!["client_id", "countryCode"];
        if !self.has(Fault::MxParamsUnchecked) {
            required.extend(["response_type", "businessCode"]);
        }
        if !self.has(Fault::MxChannelIdNotRequired) {
            required.push("channelId");
        }
        for name in ["response_type", "client_id", "businessCode", "countryCode", "channelId"] {
            if required.contains(&name) && p.get(name).is_none() {
                return Err(bad(name, format!("{name} is required")));
            }
        }
        let client_id = p.get("client_id").unwrap_or_default();
        if self.reg.client(client_id).is_none() {
            return Err(MxError { status: StatusCode::UNAUTHORIZED, code: "unauthorized_client", details: "the client is unknown".into(), location: Some("client_id") });
        }
        if let Some(rt) = p.get("response_type")
            && rt != "token" {
                return Err(bad("response_type", format!("response_type {} is not supported", ascii(rt))));
            }
        let cc = p.get("countryCode").unwrap_or_default();
        let iso_alpha2 = cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase());
        if !iso_alpha2 && !self.has(Fault::MxCountryCodeUnchecked) {
            return Err(bad("countryCode", "countryCode must be 2 upper-case letters (ISO 3166-1 alpha-2)"));
        }
        let scope = match p.get("scope") {
            None if self.has(Fault::MxScopeNotVisitor) => "default".to_string(),
            None => "visitor".to_string(),
            Some(s) => {
                if !self.has(Fault::MxUnknownScopeGranted)
                    && let Some(bad_scope) = s.split(' ').filter(|x| !x.is_empty()).find(|x| !SCOPES.contains(x)) {
                        return Err(bad("scope", format!("unknown scope {}", ascii(bad_scope))));
                    }
                s.to_string()
            }
        };
        self.check_pkce(p)?;
        Ok(scope)
    }

    /// RFC 7636: optional; when present, S256 only and a 43-character base64url challenge.
    fn check_pkce(&self, p: &Params) -> Result<(), MxError> {
        let (challenge, method) = (p.get("code_challenge"), p.get("code_challenge_method"));
        if challenge.is_none() {
            if method.is_some() && !self.has(Fault::MxMethodWithoutChallenge) {
                return Err(bad("code_challenge", "code_challenge_method was sent without code_challenge"));
            }
            return Ok(());
        }
        let method_ok = match method {
            Some("S256") => true,
            Some("plain") | None => self.has(Fault::MxPlainAccepted) || self.has(Fault::MxAnyMethodAccepted),
            Some(m) if m.eq_ignore_ascii_case("s256") => self.has(Fault::MxMethodCaseInsensitive) || self.has(Fault::MxAnyMethodAccepted),
            Some(_) => self.has(Fault::MxAnyMethodAccepted),
        };
        if !method_ok {
            return Err(bad("code_challenge_method", "code_challenge_method must be S256"));
        }
        let c = challenge.unwrap_or_default();
        let shaped = c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !shaped && !self.has(Fault::MxChallengeUnchecked) {
            return Err(bad("code_challenge", "code_challenge must be 43 base64url characters (RFC 7636 §4.2)"));
        }
        Ok(())
    }

    fn token(&self, client_id: &str, scope: &str, uuid: &str) -> Response {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let claims = json!({
            "iss": "oauth-conformance-reference/citi-mx",
            "sub": client_id,
            "scope": scope,
            "iat": now,
            "exp": now + EXPIRES_IN,
            "jti": uuid,
        });
        let jwt = jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &jsonwebtoken::EncodingKey::from_secret(&self.key));
        let access_token = match (jwt, self.has(Fault::MxAccessTokenOpaque)) {
            (_, true) => crate::model::token::random_hex(32),
            (Ok(t), false) => t,
            (Err(e), false) => {
                return self.error(MxError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "server_error", details: format!("cannot sign: {e}"), location: None });
            }
        };
        let mut body = json!({
            "access_token": access_token,
            "token_type": match (self.has(Fault::MxTokenTypeMac), self.variant(Variant::TokenTypeCapitalised)) {
                (true, _) => "mac",
                (false, true) => "bearer",
                (false, false) => "Bearer",
            },
            "expires_in": EXPIRES_IN.to_string(),
            "scope": scope,
            "opaque_token": crate::model::token::random_hex(32),
        });
        if self.has(Fault::MxExpiresInNumber) {
            body["expires_in"] = json!(EXPIRES_IN);
        }
        if self.has(Fault::MxNoOpaqueToken) {
            body.as_object_mut().map(|o| o.remove("opaque_token"));
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["consented_on"] = json!(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0));
        }
        let mut resp = axum::Json(body).into_response();
        if !self.has(Fault::MxNoCacheControl) {
            self.no_store(&mut resp);
        }
        resp
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn authorize(State(st): State<Arc<MxState>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.unwrap_or_default().as_bytes());
    match st.check(&headers, &p) {
        Ok(scope) => {
            let uuid = headers.get("uuid").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            st.token(p.get("client_id").unwrap_or_default(), &scope, &uuid)
        }
        Err(e) => st.error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(1_795_336_713)), "2026-11-22T08:38:33Z");
        assert_eq!(rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
