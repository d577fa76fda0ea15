//! The authorization endpoint (RFC 6749 §4.1.1): the client and its redirect_uri made sure of
//! first (never redirect before, §4.1.2.1), then the request checked (response_type, the
//! profile's own parameters, scope, PKCE), then the login page. A pushed request (RFC 9126 §4)
//! comes in by its request_uri. Enters: the query; leaves: the login page, an error redirect to
//! the client, or an error page.
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::super::fault::Fault;
use super::super::offer::Offer;
use super::super::page;
use super::super::params::{Params, ascii};
use super::super::registration::ClientReg;
use super::super::variant::Variant;
use super::answer::{error_page, html, redirect_with_fragment};
use super::hybrid::{self, ResponseType};
use super::login::{CONSENT, LOGIN, session, session_cookie};
use super::prompt::{self, Decision};
use super::request_object;
use super::state::{AuthServer, issuer};

/// An authorization request refused after its redirect_uri is known good: an error code and
/// its description, for the client (or, under a variant, for the user).
type Refusal = (&'static str, String);

pub async fn authorize(State(st): State<Arc<AuthServer>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    authorization_request(st, headers, q.unwrap_or_default().as_bytes()).await
}

/// OpenID Connect Core §3.1.2.1: the same request sent by POST, its parameters form-encoded in
/// the body (refused under its fault).
pub async fn authorize_post(State(st): State<Arc<AuthServer>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if st.has(Fault::RfcOidcAuthorizePostRefused) {
        return (axum::http::StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")]).into_response();
    }
    authorization_request(st, headers, &body).await
}

async fn authorization_request(st: Arc<AuthServer>, headers: HeaderMap, raw: &[u8]) -> Response {
    let given = Params::parse(raw);
    let by_reference = given.get("request_uri").is_some();
    let p = match pushed_or_given(&st, given) {
        Ok(p) => p,
        Err(why) => return error_page(why),
    };
    let issuer = issuer(&headers);
    // OpenID Connect Core §6.1: a request object's parameters stand for the query's.
    let (p, object_refused) = request_object::apply(&st, p);
    let (client, redirect_uri) = match client_and_redirect_uri(&st, &p, &issuer) {
        Ok(found) => found,
        Err(resp) => return *resp,
    };
    if let Some(resp) = refused_before_checks(&st, &p, (client, redirect_uri), object_refused, by_reference, &issuer) {
        return resp;
    }
    let (scope, challenge) = match checked(&st, &p, client) {
        Ok(ok) => ok,
        // The error-page variant: a malformed request is told on a page, not by redirect — but
        // for response_type, RFC 6749 §3.1.1 makes the error response a MUST.
        Err((code, desc)) if st.variant(Variant::ErrorPageForMalformedRequest) && !desc.contains("response_type") => return error_page(&format!("{code}: {desc}")),
        Err((code, desc)) => return error_redirect(&st, &p, redirect_uri, code, &desc, &issuer),
    };
    let redirect_uri_sent = p.get("redirect_uri").is_some();
    if st.has(Fault::NoLoginPage) {
        let code = st.store.issue_code_full(&client.id, redirect_uri, redirect_uri_sent, &scope, challenge);
        st.store.carry(&code, p.get("nonce"), p.get("dpop_jkt"));
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = p.get("state") {
            params.push(("state", s));
        }
        return st.redirect(redirect_uri, &params, &issuer);
    }
    let (sid, new_session) = session(&headers);
    let openid = st.openid_on() && scope.split(' ').any(|s| s == "openid");
    let decision = if openid { prompt::decide(&st, &p, &sid, &client.id) } else { Decision::Login };
    match decision {
        Decision::Refuse(code, desc) => return error_redirect(&st, &p, redirect_uri, code, desc, &issuer),
        Decision::Grant(auth_time) => {
            if let Some(rt) = openid_flow(&st, &p) {
                let form_post = st.form_post_asked(p.get("response_mode"));
                let approved = hybrid::Approved { client_id: &client.id, redirect_uri, redirect_uri_sent, scope: &scope, challenge, nonce: p.get("nonce"), state: p.get("state"), auth_time: Some(auth_time), form_post };
                return hybrid::respond(&st, rt, approved, &issuer);
            }
            let code = st.store.issue_code_full(&client.id, redirect_uri, redirect_uri_sent, &scope, challenge);
            st.store.carry(&code, p.get("nonce"), p.get("dpop_jkt"));
            st.sessions.set_code_auth_time(&code, auth_time);
            let mut params = vec![("code", code.as_str())];
            params.extend(p.get("state").map(|s| ("state", s)));
            if st.form_post_asked(p.get("response_mode")) {
                return st.form_post(redirect_uri, &params, &issuer);
            }
            return st.redirect(redirect_uri, &params, &issuer);
        }
        Decision::Login | Decision::Consent(_) => {}
    }
    // The state-repeated fault keeps every state value, joined, to echo them all.
    let all_states = p.all("state").join("\u{0}");
    let state = if st.has(Fault::StateRepeatedInRedirect) && p.count("state") > 1 { Some(all_states.as_str()) } else { p.get("state") };
    let txn = st.store.begin(&sid, &client.id, redirect_uri, &scope, state);
    st.store.set_challenge(&txn, challenge);
    st.store.set_redirect_uri_sent(&txn, redirect_uri_sent);
    st.store.carry(&txn, p.get("nonce"), p.get("dpop_jkt"));
    st.store.set_response_type(&txn, openid_flow(&st, &p).and(p.get("response_type")));
    st.store.set_form_post(&txn, st.form_post_asked(p.get("response_mode")));
    if let Decision::Consent(user) = decision {
        // The session's user stands: straight to the consent page.
        st.store.sign_in(&txn, &sid, &user);
        let to = format!("{CONSENT}?txn={}", url::form_urlencoded::byte_serialize(txn.as_bytes()).collect::<String>());
        return (axum::http::StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    }
    let mut resp = html(page::login(st.login_style, LOGIN, &txn, &client.id, None));
    login_page_headers(&st, &mut resp);
    if new_session {
        resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&sid));
    }
    resp
}

/// What is refused once the client and redirect_uri are known good, before the request's own
/// checks: a request object the server does not take, and the FAPI client's request that did
/// not come through PAR (FAPI 2.0 §5.3.2.2 item 3).
fn refused_before_checks(st: &AuthServer, p: &Params, (client, redirect_uri): (&ClientReg, &str), object_refused: Option<&str>, by_reference: bool, issuer: &str) -> Option<Response> {
    if let Some(code) = object_refused {
        return Some(error_redirect(st, p, redirect_uri, code, "the request object is not taken", issuer));
    }
    if st.fapi_plain_refused(&client.id, by_reference) {
        const WHY: &str = "FAPI 2.0: authorization requests only through PAR (RFC 9126)";
        if st.variant(Variant::FapiErrorPage) {
            return Some(error_page(WHY));
        }
        return Some(error_redirect(st, p, redirect_uri, "invalid_request", WHY, issuer));
    }
    None
}

/// RFC 9126 §4: a request by request_uri is the pushed request, for the client that pushed it;
/// with PAR required, only such requests are taken. The error is for the user's page.
fn pushed_or_given(st: &AuthServer, p: Params) -> Result<Params, &'static str> {
    if !(st.flavour.par && st.offers(Offer::Par)) {
        return Ok(p);
    }
    match p.get("request_uri") {
        Some(uri) => {
            let reusable = st.has(Fault::RfcParReusable) || st.variant(Variant::ParRequestUriReload);
            let pushed = st.store.take_pushed(uri, p.get("client_id"), st.has(Fault::RfcParAnyClient), reusable)?;
            let pushed = Params::parse(pushed.as_bytes());
            if !st.is_fapi(pushed.get("client_id")) {
                return Ok(pushed);
            }
            // The FAPI client's request, checked here when the push left it (RFC 9126 §2.1).
            if let Some((_, desc)) = st.fapi_request_refusal(&pushed) {
                return Err(desc);
            }
            Ok(st.fapi_served(&pushed))
        }
        None if st.par_required => Err("this server takes authorization requests only through PAR (RFC 9126)"),
        None => Ok(p),
    }
}

/// The registered client and the redirect_uri it may be sent back to; until both are known
/// good, never redirect (RFC 6749 §4.1.2.1) — unless a fault does.
fn client_and_redirect_uri<'a>(st: &'a AuthServer, p: &'a Params, issuer: &str) -> Result<(&'a ClientReg, &'a str), Box<Response>> {
    if (p.count("client_id") > 1 || p.count("redirect_uri") > 1) && !st.has(Fault::RepeatedParamsAccepted) {
        return Err(Box::new(error_page("client_id and redirect_uri must be given once")));
    }
    let Some(client) = p.get("client_id").and_then(|id| st.reg.client(id)) else {
        if let (true, Some(uri)) = (st.has(Fault::UnknownClientRedirects), p.get("redirect_uri")) {
            return Err(Box::new(error_redirect(st, p, uri, "unauthorized_client", "unknown client", issuer)));
        }
        return Err(Box::new(error_page("unknown or missing client_id")));
    };
    let redirect_uri = match p.get("redirect_uri") {
        Some(u) => u,
        // RFC 6749 §3.1.2.3: with one registered URI the parameter may be omitted.
        // A server that ignores the request object never sees the redirect_uri it carries.
        None if st.has(Fault::RfcOidcRequestObjectIgnored) && p.get("request").is_some() => return Err(Box::new(error_page("redirect_uri is required"))),
        None if st.has(Fault::RedirectUriDefaulted) || st.flavour.redirect_uri_optional => client.redirect_uri.as_str(),
        None => return Err(Box::new(error_page("redirect_uri is required"))),
    };
    if !st.redirect_uri_matches(&client.redirect_uri, redirect_uri) {
        if st.has(Fault::ErrorRedirectUnregistered) {
            return Err(Box::new(error_redirect(st, p, redirect_uri, "invalid_request", "redirect_uri is not registered", issuer)));
        }
        return Err(Box::new(error_page("redirect_uri is not registered for this client")));
    }
    Ok((client, redirect_uri))
}

/// An implicit or hybrid response type (OpenID Connect Core §3.2, §3.3) the server takes: an
/// OpenID request of one of them, where the server offers those flows.
pub(super) fn openid_flow(st: &AuthServer, p: &Params) -> Option<ResponseType> {
    let openid = p.get("scope").is_some_and(|s| s.split(' ').any(|v| v == "openid"));
    p.get("response_type").and_then(ResponseType::parse).filter(|rt| !rt.is_code() && openid && hybrid::offered(st))
}

/// An error redirect to the client, with the request's state (RFC 6749 §4.1.2.1); in the
/// fragment for an implicit or hybrid request (OpenID Connect Core §3.2.2.6, §3.3.2.6).
fn error_redirect(st: &AuthServer, p: &Params, uri: &str, code: &str, desc: &str, issuer: &str) -> Response {
    let mut params = vec![("error", code), ("error_description", desc)];
    if let Some(s) = p.get("state") {
        params.push(("state", s));
    }
    if st.form_post_asked(p.get("response_mode")) && !st.has(Fault::RfcOidcFormPostErrorRedirected) {
        return st.form_post(uri, &params, issuer);
    }
    if openid_flow(st, p).is_some() && !st.has(Fault::RfcOidcHybridInQuery) {
        params.push(("iss", issuer));
        return redirect_with_fragment(uri, &params);
    }
    st.redirect(uri, &params, issuer)
}

/// The request checked in RFC 6749's order and the profile's: the scope it will be granted and
/// its PKCE code_challenge.
fn checked<'a>(st: &AuthServer, p: &'a Params, client: &ClientReg) -> Result<(String, Option<&'a str>), Refusal> {
    let repeats_accepted = st.has(Fault::RepeatedParamsAccepted) || st.has(Fault::StateRepeatedInRedirect);
    if let (Some(k), false) = (p.repeated(), repeats_accepted) {
        return Err(("invalid_request", format!("parameter {} is repeated", ascii(k))));
    }
    if !st.has(Fault::ResponseTypeUnchecked) {
        match p.get("response_type") {
            None if st.has(Fault::MissingResponseTypeUnsupported) => return Err(("unsupported_response_type", "response_type is required".into())),
            None => return Err(("invalid_request", "response_type is required".into())),
            Some("code") => {}
            Some(other) if openid_flow(st, p).is_some() => {
                // OpenID Connect Core §3.2.2.1, §3.3.2.11: nonce is REQUIRED in these flows.
                if p.get("nonce").is_none() && !st.has(Fault::RfcOidcNonceNotRequired) {
                    return Err(("invalid_request", format!("nonce is required with response_type {}", ascii(other))));
                }
            }
            Some(other) => return Err(("unsupported_response_type", format!("response_type {} is not supported", ascii(other)))),
        }
    }
    let required = st.flavour.required.iter().filter(|(_, waiver)| !st.has(*waiver));
    if let Some((missing, _)) = required.into_iter().find(|(name, _)| p.get(name).is_none()) {
        return Err(("invalid_request", format!("{missing} is required")));
    }
    let scope = granted_scope(st, p.get("scope").unwrap_or("accounts"))?;
    openid_params(st, p, &scope)?;
    let challenge = checked_pkce(st, p, client)?;
    for (name, len, waiver) in st.flavour.upper_case {
        let value = p.get(name).unwrap_or_default();
        let upper = value.len() == *len && value.bytes().all(|b| b.is_ascii_uppercase());
        if !upper && !st.has(*waiver) {
            return Err(("invalid_request", format!("{name} must be {len} upper-case letters")));
        }
    }
    Ok((scope, challenge))
}

/// What the OpenID faults refuse of an OpenID request: the optional parameters OpenID Connect
/// Core §15.1 says must not cause an error, an unknown parameter, openid not first in scope. A
/// correct server ignores what it does not act on.
fn openid_params(st: &AuthServer, p: &Params, scope: &str) -> Result<(), Refusal> {
    const OPTIONAL: [&str; 5] = ["display", "ui_locales", "claims_locales", "acr_values", "login_hint"];
    if !st.openid_on() || !scope.split(' ').any(|s| s == "openid") {
        return Ok(());
    }
    if let Some(name) = OPTIONAL.into_iter().find(|n| p.get(n).is_some()).filter(|_| st.has(Fault::RfcOidcOptionalParamsRefused)) {
        return Err(("invalid_request", format!("{name} is not supported")));
    }
    if st.has(Fault::RfcOidcUnknownParamRefused) && p.get("extra").is_some() {
        return Err(("invalid_request", "unknown parameter extra".into()));
    }
    if st.has(Fault::RfcOidcScopeOrderFixed) && !scope.starts_with("openid") {
        return Err(("invalid_scope", "openid must come first".into()));
    }
    Ok(())
}

/// The scope asked for, less what the server drops (a variant or fault); invalid_scope for a
/// scope it does not know (RFC 6749 §3.3).
fn granted_scope(st: &AuthServer, scope: &str) -> Result<String, Refusal> {
    let scope = if st.drops_unknown_scopes() && st.unknown_scope(scope).is_some() { st.known_scopes(scope) } else { scope.to_string() };
    if let Some(bad) = st.unknown_scope(&scope) {
        return Err(("invalid_scope", format!("unknown scope {}", ascii(bad))));
    }
    Ok(scope)
}

/// RFC 7636 §4.3, RFC 9700 §2.1.1: S256 only; a 43-character base64url challenge; a public
/// client must send one.
fn checked_pkce<'a>(st: &AuthServer, p: &'a Params, client: &ClientReg) -> Result<Option<&'a str>, Refusal> {
    let challenge = p.get("code_challenge");
    match (challenge, p.get("code_challenge_method")) {
        (None, None) => {}
        (None, Some(_)) => return Err(("invalid_request", "code_challenge_method without code_challenge".into())),
        (Some(_), Some("S256")) => {}
        (Some(_), Some(_)) if st.has(Fault::RfcPkceUnknownMethodAccepted) => {}
        (Some(_), _) => return Err(("invalid_request", "code_challenge_method must be S256".into())),
    }
    if challenge.is_none() && st.reg.is_public(&client.id) && !st.has(Fault::RfcPublicPkceOptional) {
        return Err(("invalid_request", "a public client must send code_challenge (PKCE)".into()));
    }
    if let Some(c) = challenge
        && (c.len() != 43 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(("invalid_request", "code_challenge must be 43 base64url characters".into()));
    }
    Ok(challenge)
}

/// The login page's protections: no referrer (RFC 9700 §4.2.4), no framing (§4.16).
fn login_page_headers(st: &AuthServer, resp: &mut Response) {
    if !st.has(Fault::RfcNoReferrerPolicy) {
        // RFC 9700 §4.2.4: the page's URL (state, and codes on later pages) stays here.
        resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    if !st.has(Fault::RfcNoAntiFraming) {
        // RFC 9700 §4.16: the login page may not be framed.
        resp.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use rstest::rstest;

    use super::super::super::extras::Extras;
    use super::super::super::fault::Fault;
    use super::super::oneshot::{get, send, server};

    const BANK: &str = "response_type=code&client_id=my-client&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcallback&scope=accounts&countryCode=PL&businessCode=GCB&locale=en_US";

    /// The error and error_description of a redirect's Location.
    fn redirect_error(location: &str) -> (String, String) {
        let url = url::Url::parse(location).unwrap();
        let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned()).unwrap_or_default();
        (get("error"), get("error_description"))
    }

    #[rstest]
    #[case(BANK.replace("&locale=en_US", "&state=s"), "locale is required")]
    #[case(BANK.to_string(), "state is required")]
    #[case(BANK.replace("countryCode=PL", "countryCode=pl") + "&state=s", "countryCode must be 2 upper-case letters")]
    #[case(BANK.replace("businessCode=GCB", "businessCode=GC") + "&state=s", "businessCode must be 3 upper-case letters")]
    #[tokio::test]
    async fn citi_pl_requires_the_banks_parameters(#[case] query: String, #[case] told: &str) {
        let (router, _) = server("citi-pl", &[], Extras::default());
        let answer = send(&router, get(&format!("/authCode/oauth2/authorize?{query}"))).await;
        assert_eq!(answer.status, StatusCode::FOUND);
        assert_eq!(redirect_error(answer.header("location")), ("invalid_request".to_string(), told.to_string()));
    }

    #[tokio::test]
    async fn rfc6749_needs_neither_state_nor_the_banks_parameters() {
        let (router, _) = server("rfc6749", &[], Extras::default());
        let answer = send(&router, get("/authorize?response_type=code&client_id=my-client")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert!(answer.body.contains("name=\"password\""));
        assert_eq!(answer.header("x-frame-options"), "DENY");
        assert!(answer.header("set-cookie").starts_with("sid="));
    }

    #[tokio::test]
    async fn an_unknown_client_gets_a_page_never_a_redirect_unless_a_fault_redirects() {
        let query = "/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.test%2F";
        let (router, _) = server("rfc6749", &[], Extras::default());
        let answer = send(&router, get(query)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert!(answer.headers.get("location").is_none());
        let (router, _) = server("rfc6749", &[Fault::UnknownClientRedirects], Extras::default());
        let answer = send(&router, get(query)).await;
        assert!(answer.header("location").starts_with("https://evil.test/?error=unauthorized_client"));
    }

    #[tokio::test]
    async fn a_public_client_must_use_pkce() {
        let (router, _) = server("rfc6749", &[], Extras::default());
        let answer = send(&router, get("/authorize?response_type=code&client_id=public-app")).await;
        let (error, description) = redirect_error(answer.header("location"));
        assert_eq!((error.as_str(), description.as_str()), ("invalid_request", "a public client must send code_challenge (PKCE)"));
        assert!(answer.header("location").contains("iss=http%3A%2F%2Fas.test"), "rfc6749 says who it is");
    }
}
