//! Sending one step: its request built from the table and the target, signed with DPoP when the
//! step says so, sent over HTTP or through a login driver for browser endpoints; every exchange
//! recorded, and every token or code the target issued registered for redaction before anything
//! can quote it. Enters: a step, the role it is sent as; leaves: what came back (`Observed`).
use serde_json::Value;
use url::Url;

use crate::login::{self, Choice};
use crate::model::result::{Diagnosis, ErrorKind};
use crate::run::case_run::{Both, CaseError, CaseRun, Observed, Sent};
use crate::run::request::{self, Role};
use crate::suite::case::{Auth, Browser, Step};
use crate::transport::http::Exchange;
use crate::transport::page::{CredentialsAnswer, Landing};

impl CaseRun<'_> {
    /// `step` made into a request for `role` (placeholders from `overrides` first), its client
    /// assertion, if any, registered with the redactors.
    pub(super) fn built(&self, step: &Step, role: Role, overrides: &[(String, String)]) -> Result<request::Built, CaseError> {
        let lookup = |n: &str| overrides.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).or_else(|| self.lookup(n, role));
        let built = request::build(step, &self.env.profile, &self.env.target, role, &lookup)?;
        // What the suite signs for one request travels only in this case's requests: its own
        // redactor covers it, and the run's (the last pass over every case) stays small.
        if let Some(a) = &built.assertion {
            self.local.add("client_assertion", a);
        }
        Ok(built)
    }

    /// Sends `step` (through the login driver for browser endpoints) and records the exchanges.
    pub(crate) async fn perform(&mut self, label: &str, step: &Step, role: Role, overrides: &[(String, String)]) -> Result<Observed, CaseError> {
        self.last_hint = None;
        let mut built = self.built(step, role, overrides)?;
        let dpop = request::dpop_of(step, role, &self.env.target);
        if let Some(flaw) = dpop {
            self.sign_dpop(&mut built.request, flaw)?;
        }
        // A request object (OpenID Connect Core §6.1) is JWT-shaped: kept out of the reports like
        // an assertion, although it holds nothing secret.
        for (k, v) in built.request.url.query_pairs().filter(|(k, _)| k == "request" || k == "id_token_hint") {
            match &*k {
                "request" => self.local.add(&k, &v),
                _ => Both(&self.local, &self.env.redactor).add(&k, &v),
            }
        }
        let env = self.env;
        match step.browser {
            Some(b) => {
                let user_code = match &step.user_code {
                    Some(template) => {
                        let lookup = |n: &str| overrides.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).or_else(|| self.lookup(n, role));
                        Some(crate::model::placeholder::expand(template, lookup).map_err(|e| CaseError::new(ErrorKind::Request, format!("field `user_code`: {e}")))?)
                    }
                    None => None,
                };
                if self.pushes_first(step, &built)
                    && let Some((url, resp, refused)) = self.push_first(label, step, role, &mut built).await?
                {
                    // Refused at the push: where the browser would have gone, the push's answer.
                    let page = crate::transport::page::parse_page(&resp.text());
                    self.push_refused = Some(refused);
                    let seen = crate::transport::page::Seen { credentials: CredentialsAnswer::NotSent, ..Default::default() };
                    return Ok(Observed::Browser(Landing::Page { url, status: resp.status, page }, Sent { state: built.sent_state, redirect_uri: built.sent_redirect_uri, seen: Some(seen) }));
                }
                self.drive_login(label, step, b, built, user_code).await
            }
            None => {
                let http = http_for(env, step, role)?;
                let mut ex = http.send(built.request.clone()).await;
                self.tls_refused = foreign_certificate_refused(request::presents(step, role, &env.target, &env.profile), &ex);
                // RFC 9449 §8, §9: asked for a nonce, a client signs again with it and retries once.
                if let (Some(flaw), Ok(resp)) = (dpop, &ex.response) {
                    let origin = built.request.url.origin().ascii_serialization();
                    if let Some(n) = resp.header("dpop-nonce") {
                        self.dpop.nonces.insert(origin, n.trim().to_string());
                    }
                    if crate::jose::dpop::nonce_asked(resp).is_some() && !matches!(flaw, crate::jose::dpop::Flaw::Absent | crate::jose::dpop::Flaw::Replay) && !flaw.judged_on_iat() {
                        self.learn_exchange(&ex);
                        self.exchanges.push((format!("{label} (the server asked for a DPoP nonce)"), ex));
                        // A client assertion is single-use (RFC 7523 §3: jti): the retry carries a
                        // fresh one, unless the case replays it on purpose.
                        let mut again = match &built.assertion {
                            Some(_) if step.auth != Some(Auth::JwtReplay) => self.built(step, role, overrides)?.request,
                            _ => built.request.clone(),
                        };
                        self.sign_dpop(&mut again, flaw)?;
                        ex = http.send(again).await;
                    }
                }
                self.learn_exchange(&ex);
                let what = format!("{} {}", ex.request.method, crate::check::record::show_url(&ex.request.url));
                let resp = ex.response.clone();
                self.exchanges.push((label.to_string(), ex));
                let own_credentials = step.auth.or_else(|| env.profile.endpoints.get(&step.endpoint).map(|e| e.auth)) == Some(Auth::Basic);
                if let (Ok(r), true) = (&resp, own_credentials)
                    && (r.status == 401 || r.json().and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e == "invalid_client")).unwrap_or(false)) {
                        self.last_hint = Some(Diagnosis::ClientCredentials);
                    }
                resp.map(Observed::Http).map_err(|e| CaseError::new(ErrorKind::Transport, format!("{what}: {e}")))
            }
        }
    }

    /// Puts the step's DPoP proof on `request`, with the nonce its origin last gave.
    pub(super) fn sign_dpop(&mut self, request: &mut crate::transport::http::HttpRequest, flaw: crate::jose::dpop::Flaw) -> Result<(), CaseError> {
        let nonce = self.dpop.nonces.get(&request.url.origin().ascii_serialization()).filter(|_| !flaw.judged_on_iat()).cloned();
        let proofs = crate::jose::dpop::attach(request, self.dpop.keys(), flaw, nonce.as_deref(), self.dpop.last.as_deref()).map_err(|e| CaseError::new(ErrorKind::Request, e.to_string()))?;
        for p in &proofs {
            self.local.add("dpop_proof", p);
        }
        if let Some(p) = proofs.last() {
            self.dpop.last = Some(p.clone());
        }
        Ok(())
    }

    /// Registers every token and code the target issued, before any message can quote it.
    /// A browser step: the login driver from the built request's URL to where the login ends,
    /// every exchange recorded and what the redirect carries registered for redaction.
    async fn drive_login(&mut self, label: &str, step: &Step, b: Browser, built: request::Built, user_code: Option<String>) -> Result<Observed, CaseError> {
        let env = self.env;
        let choice = match b {
            Browser::Approve => Choice::Approve,
            Browser::Deny => Choice::Deny,
            Browser::FirstPage => Choice::FirstPage,
        };
        let t = &env.target;
        let origins = vec![t.base_url.origin(), built.request.url.origin()];
        let stop_at: Vec<Url> = [built.sent_redirect_uri.clone(), t.client.redirect_uri.clone(), t.second_client.as_ref().and_then(|c| c.redirect_uri.clone())]
            .into_iter()
            .flatten()
            .filter_map(|u| Url::parse(&u).ok())
            .collect();
        let mut browser = login::Browser::new(&env.http, origins, t.login.as_ref(), stop_at);
        let session = step.session.then_some(&self.session);
        if let Some(s) = session {
            browser = browser.in_session(s);
        }
        browser.device_verification = user_code.is_some() || step.endpoint == "device_verify";
        browser.user_code = user_code;
        // A browser step sent by POST (Core §3.1.2.1): its parameters travel as the form body.
        let mut start = built.request.url.clone();
        if built.request.method == "POST" {
            browser.post_start = Some(start.query().unwrap_or_default().to_string());
            start.set_query(None);
        }
        let login::Driven { landing, screenshot, log, seen } = login::drive_with(&mut browser, start, choice, &env.chromium, session).await;
        self.screenshot = screenshot;
        self.login_log.extend(log.map(|text| (label.to_string(), text)));
        for ex in std::mem::take(&mut browser.exchanges) {
            self.learn_exchange(&ex);
            self.exchanges.push((label.to_string(), ex));
        }
        if let Err(login::DriveError::LoginRefused { .. }) = &landing {
            self.last_hint = Some(Diagnosis::Login);
        }
        let landing = landing.map_err(|e| {
            let kind = if matches!(e, login::DriveError::Transport { .. }) { ErrorKind::Transport } else { ErrorKind::Login };
            let message = if matches!(e, login::DriveError::Command { .. }) { self.without_password(&e.to_string()) } else { e.to_string() };
            CaseError::new(kind, message)
        })?;
        // What the driver saw is judged only where it says: a login program does not, and the
        // server is not failed for it.
        let judges_pages = |e: &crate::check::expect::Expect| e.login_page.is_some() || e.consent_page.is_some() || e.no_interaction;
        if seen.is_none() && (judges_pages(&step.expect) || step.expect.graded().any(|(_, e)| judges_pages(e))) {
            return Err(CaseError::new(ErrorKind::Login, "the login driver does not report the pages it passed (a login program): use the form or the chromium driver to judge them".to_string()));
        }
        // The answer to the request carrying the password: a login program reports none, a drive
        // that sent no password has none, and one the driver did not see is not judged. None of
        // them is the server's.
        let judges_credentials = step.expect.credentials_redirect.is_some() || step.expect.graded().any(|(_, e)| e.credentials_redirect.is_some());
        match seen.map(|s| s.credentials) {
            _ if !judges_credentials => {}
            None => {
                return Err(CaseError::new(ErrorKind::Login, "a login program reports the URL it reached, not the status of the redirect that answered the login form: use the form driver to judge it".to_string()));
            }
            Some(CredentialsAnswer::Unseen) => {
                return Err(CaseError::new(ErrorKind::Login, "the login driver did not see how the request carrying the password was answered (its body was not in the browser's DevTools copy): use the form driver to judge it".to_string()));
            }
            Some(CredentialsAnswer::NotSent) => {
                return Err(CaseError::new(ErrorKind::Login, "the drive reached the client without sending a password (a session's sign-in stood): nothing answered a login form's POST".to_string()));
            }
            Some(CredentialsAnswer::Page(_) | CredentialsAnswer::Redirect(_)) => {}
        }
        if seen.is_none() && (step.expect.form_post || step.expect.graded().any(|(_, e)| e.form_post)) {
            return Err(CaseError::new(ErrorKind::Login, "a login program reports the URL it reached, not the fields of a form posted there (response_mode=form_post): use the form or the chromium driver".to_string()));
        }
        // Chromium and login programs reach the client without the suite seeing the
        // exchange: what the redirect carries is registered here.
        if let Landing::Redirect(u) = &landing {
            self.learn_url(u);
        }
        if let Landing::Posted { params, .. } = &landing {
            self.learn_pairs(params.iter().cloned());
        }
        self.last_hint = self.last_hint.or_else(|| redirect_uri_refused(&landing).then_some(Diagnosis::RedirectUri));
        Ok(Observed::Browser(landing, Sent { state: built.sent_state, redirect_uri: built.sent_redirect_uri, seen }))
    }

    /// Registers the codes and tokens a URL carries in its query or fragment: a request's URL, a
    /// redirect's Location, or the client URL a browser driver reached without recording the
    /// exchange that led there.
    pub(super) fn learn_url(&self, url: &Url) {
        let pairs = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).chain(url.fragment().into_iter().flat_map(|f| url::form_urlencoded::parse(f.as_bytes()).into_owned()));
        self.learn_pairs(pairs);
    }

    /// Registers the codes and tokens among a response's parameters (a redirect's, a posted
    /// form's) for redaction.
    pub(super) fn learn_pairs(&self, pairs: impl Iterator<Item = (String, String)>) {
        let r = &Both(&self.local, &self.env.redactor);
        let credential = |k: &str| k.ends_with("token") || k == "code" || k.ends_with("_code");
        for (k, v) in pairs {
            if credential(&k) {
                r.add(&k, &v);
            }
        }
    }

    pub(super) fn learn_exchange(&self, ex: &Exchange) {
        // In URLs (the request's, a redirect's Location): codes and tokens (`learn_url`).
        self.learn_url(&ex.request.url);
        let Ok(resp) = &ex.response else { return };
        // In JSON bodies: tokens only (a JSON `code` is an error code in some APIs, e.g.
        // citi-mx's {code, details, …}); device codes, user codes and request_uris are
        // credentials too (RFC 8628, RFC 9126), and so is anything shaped like a JWT.
        let in_json = |k: &str| k.ends_with("token") || matches!(k, "device_code" | "user_code" | "request_uri");
        if let Some(Value::Object(o)) = resp.json() {
            let r = &Both(&self.local, &self.env.redactor);
            for (k, v) in o {
                if let Value::String(s) = &v
                    && (in_json(&k) || looks_like_jwt(s))
                {
                    r.add(&k, s);
                }
            }
        }
        if let Some(loc) = resp.header("location").and_then(|l| ex.request.url.join(l).ok()) {
            self.learn_url(&loc);
        }
        // A cookie the server sets is the browser's session credential (Keycloak's
        // KEYCLOAK_IDENTITY is a signed JWT): its value never reaches a report, in the Set-Cookie
        // that brought it or in the Cookie headers that send it back.
        let r = &Both(&self.local, &self.env.redactor);
        for set in resp.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v) {
            if let Some((_, value)) = set.split(';').next().and_then(|pair| pair.split_once('=')) {
                let value = value.trim().trim_matches('"');
                if value.len() >= 8 {
                    r.add("cookie", value);
                }
            }
        }
    }
}

/// A page or error redirect that blames the redirect_uri.
fn redirect_uri_refused(landing: &Landing) -> bool {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("redirect_uri") || s.contains("redirect uri") || s.contains("redirection uri")
    };
    match landing {
        Landing::Page { page, .. } => page.login_form().is_none() && mentions(&page.text),
        Landing::Redirect(_) | Landing::Posted { .. } => landing.response_value("error_description").is_some_and(|v| mentions(&v)),
    }
}

/// A compact JWS or JWE (three or five base64url segments, the header JSON): whatever member
/// carries one, it is an issued credential (an ID Token under any name, a signed response).
fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    s.starts_with("eyJ") && matches!(parts.len(), 3 | 5) && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// The HTTP client a step is sent with: the run's, or, where it presents a certificate (or
/// pointedly none, RFC 8705), the one presenting it.
fn http_for<'e>(env: &'e crate::run::case_run::Env, step: &Step, role: Role) -> Result<&'e crate::transport::http::Http, CaseError> {
    let (certified, whose) = match role {
        Role::Fapi => (&env.fapi_mtls, "[fapi_client]"),
        _ => (&env.mtls, "[mtls_client]"),
    };
    match (request::presents(step, role, &env.target, &env.profile), certified) {
        (None, _) => Ok(&env.http),
        (Some(cert), Some(lazy)) => match lazy.get() {
            Ok(certified) => Ok(certified.for_cert(cert)),
            Err(why) => Err(CaseError::new(ErrorKind::Setup, format!("no HTTP client for the {whose} certificate: {why}"))),
        },
        (Some(_), None) => Err(CaseError::new(ErrorKind::Setup, format!("the step presents a client certificate, and the target file has no {whose} certificate"))),
    }
}

/// The TLS alert with which the server refused a certificate other than the client's (or none)
/// in the handshake: a refusal without an HTTP answer (`case_run::refused_at_handshake`).
fn foreign_certificate_refused(presented: Option<crate::suite::case::Cert>, ex: &Exchange) -> Option<String> {
    match (presented, &ex.response) {
        (Some(cert), Err(crate::transport::http::TransportError::Tls(why))) if cert != crate::suite::case::Cert::Client && why.contains("alert") => {
            Some(why.rsplit(": ").next().unwrap_or(why).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_shaped_value_is_a_credential_whatever_its_member() {
        assert!(looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assert!(looks_like_jwt("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"));
        assert!(!looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.only-two"));
        assert!(!looks_like_jwt("not.a.jwt"));
        assert!(!looks_like_jwt("eyJ a.b.c"));
    }
}
