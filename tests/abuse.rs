//! The reference server under abuse: arbitrary query strings, form bodies and headers (huge,
//! duplicated, non-UTF-8) at every endpoint. Never a panic, never a 500 for a client's mistake,
//! always the documented error shape. Plus 16 real clients redeeming one code at once.
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use oauth_conformance::reference::{self, Faults, Registration};
use proptest::prelude::*;
use tower::ServiceExt;

const PL_POST: &[&str] = &[
    "/clientCredentials/oauth2/token/pl/gcb",
    "/authCode/oauth2/token/pl/gcb",
    "/authCode/oauth2/refresh",
    "/authCode/oauth2/revoke",
];
const PL_OTHER: &[(&str, &str)] = &[
    ("GET", "/authCode/oauth2/authorize"),
    ("POST", "/authCode/oauth2/login"),
    ("GET", "/authCode/oauth2/consent"),
    ("POST", "/authCode/oauth2/consent"),
    ("GET", "/api/v1/me"),
];
const OAUTH_ERRORS: &[&str] = &[
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope", "access_denied", "unsupported_response_type", "server_error", "temporarily_unavailable",
    "unsupported_token_type", "invalid_token",
];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Bytes as a query component: every byte percent-encoded except a few structural ones kept raw.
fn query_of(raw: &[u8]) -> String {
    raw.iter()
        .map(|b| match b {
            b'=' | b'&' => (*b as char).to_string(),
            b if b.is_ascii_alphanumeric() => (*b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn keys() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("grant_type".to_string()), Just("code".to_string()), Just("redirect_uri".to_string()),
        Just("refresh_token".to_string()), Just("token".to_string()), Just("token_type_hint".to_string()),
        Just("client_id".to_string()), Just("response_type".to_string()), Just("scope".to_string()),
        Just("state".to_string()), Just("countryCode".to_string()), Just("txn".to_string()),
        Just("code_challenge".to_string()), Just("code_challenge_method".to_string()), "[a-zA-Z_]{1,12}",
    ]
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("client_credentials".to_string()), Just("authorization_code".to_string()), Just("refresh_token".to_string()),
        Just("code".to_string()), Just("https://app.example.test/callback".to_string()), Just("my-client".to_string()),
        Just("accounts".to_string()), Just("S256".to_string()), Just(String::new()), "\\PC{0,40}", ".{0,300}",
    ]
}

/// A form body or query: known keys with odd values, repeats, raw junk.
fn params() -> impl Strategy<Value = String> {
    (proptest::collection::vec((keys(), values()), 0..8), proptest::collection::vec(any::<u8>(), 0..64)).prop_map(|(pairs, junk)| {
        let mut s = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        if !junk.is_empty() {
            s.push('&');
            s.push_str(&query_of(&junk));
        }
        s
    })
}

/// Hostile headers: Authorization, Cookie, Content-Type, uuid, in odd, huge, repeated, non-UTF-8 forms.
fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![Just("authorization"), Just("cookie"), Just("content-type"), Just("uuid"), Just("x-junk")];
    let value = prop_oneof![
        Just(b"Basic bXktY2xpZW50Om5vcGU=".to_vec()),
        Just(b"Basic !!!".to_vec()),
        Just(b"Bearer ".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
        Just(b"sid=AAAA; sid=BBBB".to_vec()),
        Just(vec![b'a'; 16 * 1024]),
        proptest::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff], 0..200),
    ];
    proptest::collection::vec((name, value), 0..6).prop_map(|v| v.into_iter().map(|(n, b)| (n.to_string(), b)).collect())
}

fn request(method: &str, path: &str, query: &str, body: &str, hdrs: &[(String, Vec<u8>)]) -> Request<Body> {
    let uri = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    let mut req = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(uri).body(Body::from(body.to_string())).unwrap();
    for (n, v) in hdrs {
        if let Ok(v) = HeaderValue::from_bytes(v) {
            req.headers_mut().append(HeaderName::from_bytes(n.as_bytes()).unwrap(), v);
        }
    }
    req
}

async fn answer(app: axum::Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app.oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 4 << 20).await.unwrap();
    (parts.status, parts.headers, bytes.to_vec())
}

/// The token-endpoint shape rule, shared by the property and its negative control.
fn token_answer_shape(status: StatusCode, h: &axum::http::HeaderMap, bytes: &[u8]) -> Result<(), String> {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return Err("500".into());
    }
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))?;
    if status.is_success() {
        return if json.get("access_token").is_some() || json.get("status").is_some() { Ok(()) } else { Err("2xx without a token".into()) };
    }
    let code = json.get("error").and_then(|e| e.as_str()).unwrap_or("");
    if !OAUTH_ERRORS.contains(&code) {
        return Err(format!("error code {code:?}"));
    }
    if !matches!(status.as_u16(), 400 | 401) {
        return Err(format!("status {status}"));
    }
    if status == StatusCode::UNAUTHORIZED && h.get("www-authenticate").is_none() {
        return Err("401 without WWW-Authenticate".into());
    }
    if h.get("cache-control").map(|v| v.as_bytes()) != Some(&b"no-store"[..]) {
        return Err("no Cache-Control: no-store".into());
    }
    Ok(())
}

/// The shape rule catches a server that breaks it (so the property can fail).
#[test]
fn the_shape_rule_catches_broken_servers() {
    for fault in [reference::Fault::ErrorHtml, reference::Fault::NoWwwAuthenticate, reference::Fault::ErrorStatus200] {
        let app = reference::app("citi-pl", Registration::generate(), std::iter::once(fault).collect()).unwrap();
        let (status, h, bytes) = rt().block_on(answer(app, request("POST", PL_POST[0], "", "grant_type=client_credentials", &[])));
        assert!(token_answer_shape(status, &h, &bytes).is_err(), "{fault:?} went unnoticed");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Token endpoints: every answer is 200 JSON or an RFC 6749 §5.2 error; 401 has a challenge.
    #[test]
    fn citi_pl_token_endpoints_answer_in_the_documented_shape(ep in 0..PL_POST.len(), body in params(), query in params(), hdrs in headers()) {
        let app = reference::app("citi-pl", Registration::generate(), Faults::none()).unwrap();
        let (status, h, bytes) = rt().block_on(answer(app, request("POST", PL_POST[ep], &query, &body, &hdrs)));
        token_answer_shape(status, &h, &bytes).map_err(|e| TestCaseError::fail(format!("{}: {e}", PL_POST[ep])))?;
    }

    /// Browser endpoints and the probe: a page, a redirect to the registered URI, an error page,
    /// or 401 — never a 500, never a redirect anywhere else.
    #[test]
    fn citi_pl_browser_endpoints_never_fail_or_redirect_astray(ep in 0..PL_OTHER.len(), query in params(), body in params(), hdrs in headers()) {
        let (method, path) = PL_OTHER[ep];
        let app = reference::app("citi-pl", Registration::generate(), Faults::none()).unwrap();
        let (status, h, _) = rt().block_on(answer(app, request(method, path, &query, &body, &hdrs)));
        prop_assert!(matches!(status.as_u16(), 200 | 302 | 303 | 400 | 401), "{method} {path}: {status}");
        if status == StatusCode::FOUND {
            let loc = h.get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
            prop_assert!(loc.starts_with("https://app.example.test/callback?") || loc.starts_with("https://other.example.test/cb?"), "redirect to {loc}");
        }
    }

    /// citi-mx: 200 with a token, or the seed's error shape with an ISO 8601 timestamp.
    #[test]
    fn citi_mx_answers_in_the_documented_shape(query in params(), hdrs in headers()) {
        let app = reference::app("citi-mx", Registration::generate(), Faults::none()).unwrap();
        let (status, _, bytes) = rt().block_on(answer(app, request("GET", "/v1/authorize", &query, "", &hdrs)));
        let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
        match status.as_u16() {
            200 => prop_assert!(json.get("access_token").is_some()),
            400 | 401 => {
                prop_assert!(json.get("code").and_then(|c| c.as_str()).is_some_and(|c| !c.is_empty()));
                let ts = json.get("timestamp").and_then(|t| t.as_str()).unwrap_or("");
                prop_assert!(oauth_conformance::check::formats::parse_date_time(ts), "timestamp {ts:?}");
                prop_assert!(json.get("access_token").is_none());
            }
            other => prop_assert!(false, "status {other}"),
        }
    }
}

/// 16 real clients redeem one fresh code at once: exactly one token pair is issued.
#[test]
fn sixteen_concurrent_redemptions_issue_exactly_one_token_pair() {
    let server = reference::ReferenceServer::start("citi-pl", Faults::none()).unwrap();
    let reg = &server.registration;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = oauth_conformance::transport::http::Http::new(std::time::Duration::from_secs(10), 1 << 20).unwrap();
    let login = oauth_conformance::target::file::Login::form(&reg.user.username, &reg.user.password);
    let client = &reg.clients[0];
    let start = url::Url::parse(&format!(
        "{}/authCode/oauth2/authorize?response_type=code&client_id={}&scope=accounts&countryCode=PL&businessCode=GCB&locale=en_US&state=s1&redirect_uri={}",
        server.base_url(),
        client.id,
        url::form_urlencoded::byte_serialize(client.redirect_uri.as_bytes()).collect::<String>()
    ))
    .unwrap();
    let code = rt.block_on(async {
        let mut b = oauth_conformance::login::Browser::new(&http, vec![start.origin()], Some(&login), vec![url::Url::parse(&client.redirect_uri).unwrap()]);
        match b.drive(start.clone(), oauth_conformance::login::Choice::Approve).await.unwrap() {
            oauth_conformance::transport::page::Landing::Redirect(u) => u.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned(),
            other => panic!("no code: {other:?}"),
        }
    });
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", client.redirect_uri.as_str()), ("scope", "accounts")])
        .finish();
    let statuses: Vec<u16> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (http, form) = (http.clone(), form.clone());
            let req = oauth_conformance::transport::http::HttpRequest {
                method: "POST".into(),
                url: url::Url::parse(&format!("{}/authCode/oauth2/token/pl/gcb", server.base_url())).unwrap(),
                headers: vec![
                    ("authorization".into(), oauth_conformance::run::request::basic(&client.id, &client.secret)),
                    ("content-type".into(), "application/x-www-form-urlencoded".into()),
                ],
                body: Some(form),
            };
            set.spawn(async move { http.send(req).await.response.unwrap().status });
        }
        let mut v = Vec::new();
        while let Some(s) = set.join_next().await {
            v.push(s.unwrap());
        }
        v
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 15, "{statuses:?}");
}
