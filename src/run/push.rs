//! PAR everywhere (RFC 9126 §5): against a server whose metadata says
//! `require_pushed_authorization_requests`, a case's authorization request is pushed to the PAR
//! endpoint first, as that server's clients must, and the browser starts from `client_id` and the
//! `request_uri` alone (RFC 9126 §4). A case that judges the plain request itself (it needs
//! `par_required`) and the FAPI client's requests (its table pushes explicitly) are sent as
//! written. A push the server refuses is the server refusing the authorization request there, as
//! RFC 9126 §2.1 lets it: a case expecting a refusal holds there, any other is judged on it.
//! Enters: a browser step's built request; leaves: the request that starts the login, or the
//! push's refusal.
use crate::model::capability::Capability;
use crate::model::result::ErrorKind;
use crate::run::case_run::{CaseError, CaseRun, PushRefused};
use crate::run::request::{self, Built, Role};
use crate::suite::case::Step;
use crate::transport::http::HttpResponse;

/// The members of a push that authenticate the client (RFC 6749 §2.3.1, RFC 7523 §2.2); the
/// rest of the push is the authorization request's parameters.
const CLIENT_AUTH: [&str; 4] = ["client_id", "client_secret", "client_assertion", "client_assertion_type"];

impl CaseRun<'_> {
    /// The records of a browser step whose push was refused, when that settles it (see
    /// [`settled_at_push`]), at the case's level.
    pub(super) fn settled_at_push(&self, label: &str, step: &Step, refused: &PushRefused) -> Option<Vec<crate::model::result::CheckRecord>> {
        settled_at_push(label, step, refused, self.level)
    }

    /// Whether `step`'s authorization request goes through the PAR endpoint first.
    pub(super) fn pushes_first(&self, step: &Step, built: &Built) -> bool {
        let t = &self.env.target;
        !self.plain_requests
            && !step.fapi
            && step.endpoint == "authorize"
            && t.capabilities.offers(Capability::ParRequired)
            && t.endpoints.contains_key("par")
            && !built.request.url.query_pairs().any(|(k, _)| k == "request_uri")
    }

    /// Pushes the parameters of `built` as `role` (with its client authentication) and points
    /// `built` at the authorization endpoint with `client_id` and the `request_uri`. `Ok(Some)`:
    /// the server refused the push, and `built` is left as it was.
    pub(super) async fn push_first(&mut self, label: &str, step: &Step, role: Role, built: &mut Built) -> Result<Option<(url::Url, HttpResponse, PushRefused)>, CaseError> {
        let mut par = Step::default_for("par");
        par.auth = step.auth;
        let mut push = self.built(&par, role, &[])?;
        let own = push.request.body.take().unwrap_or_default();
        // The authorization request's parameters: its query, and its form when it is sent by POST
        // (OpenID Connect Core §3.1.2.1). They go as they are (a client_id given twice on purpose
        // stays twice); the client authentication adds its client_id only where they have none.
        let posted = built.request.body.as_deref().filter(|_| built.request.method == "POST").unwrap_or_default();
        let params: Vec<(String, String)> = built.request.url.query_pairs().into_owned().chain(url::form_urlencoded::parse(posted.as_bytes()).into_owned()).collect();
        let client_id = params.iter().find(|(k, _)| k == "client_id").map(|(_, v)| v.clone());
        let mut form: Vec<(String, String)> = url::form_urlencoded::parse(own.as_bytes())
            .into_owned()
            .filter(|(k, _)| CLIENT_AUTH.contains(&k.as_str()) && !(k == "client_id" && client_id.is_some()))
            .collect();
        form.extend(params);
        push.request.body = Some(request::encode(&form));
        if !push.request.headers.iter().any(|(k, _)| k == "content-type") {
            push.request.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
        }
        let par_url = push.request.url.clone();
        let ex = self.env.http.send(push.request).await;
        self.learn_exchange(&ex);
        let resp = ex.response.clone();
        let what = format!("POST {}", crate::check::record::show_url(&ex.request.url));
        self.exchanges.push((format!("{label}, pushed first (the server requires PAR: RFC 9126 §5)"), ex));
        let resp = resp.map_err(|e| CaseError::new(ErrorKind::Transport, format!("{what}: {e}")))?;
        let Some(request_uri) = (resp.status == 201).then(|| request_uri_of(&resp)).flatten() else {
            let error = resp.json().and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
            let status = resp.status;
            return Ok(Some((par_url, resp, PushRefused { status, error })));
        };
        let mut url = built.request.url.clone();
        let mut pairs: Vec<(String, String)> = client_id.into_iter().map(|c| ("client_id".to_string(), c)).collect();
        pairs.push(("request_uri".into(), request_uri));
        url.set_query(Some(&request::encode(&pairs)));
        built.request.url = url;
        built.request.method = "GET".into();
        built.request.body = None;
        built.request.headers.retain(|(k, _)| k != "content-type");
        Ok(None)
    }
}

/// The `request_uri` a push's JSON answer carries (RFC 9126 §2.2).
pub(super) fn request_uri_of(resp: &HttpResponse) -> Option<String> {
    resp.json().and_then(|v| v.get("request_uri").and_then(|u| u.as_str()).map(str::to_string))
}

/// The records of a browser step whose push was refused, when that settles it: the step expects
/// the authorization request refused (no code, an error), and the server refused it at the push
/// (RFC 9126 §2.1 lets it validate there; §2.3 answers with the authorization endpoint's error
/// codes). A named error must be the push's. None: the step is judged on the push's answer.
pub(crate) fn settled_at_push(label: &str, step: &Step, refused: &PushRefused, level: crate::model::level::Level) -> Option<Vec<crate::model::result::CheckRecord>> {
    use crate::check::expect::RedirectExpect;
    let e = &step.expect;
    if !matches!(e.redirect, Some(RedirectExpect::Error | RedirectExpect::None | RedirectExpect::NoCode | RedirectExpect::CodeOrError)) {
        return None;
    }
    let mut records = vec![crate::check::evaluate::refused_early(&format!("{label}, pushed first"), refused.status)];
    let named: Vec<&str> = e.error.iter().map(String::as_str).chain(e.error_in.iter().map(String::as_str)).collect();
    if !named.is_empty() {
        let got = refused.error.as_deref();
        let passed = got.is_some_and(|g| named.contains(&g));
        records.push(crate::model::result::CheckRecord {
            step: label.to_string(),
            check: "error_code_is",
            rule: Some("RFC 9126 §2.3"),
            level,
            passed,
            message: (!passed).then(|| format!("expected error {} in the push's refusal, got {}", named.join(" or "), got.map_or("no error member".to_string(), |g| format!("\"{g}\"")))),
        });
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::level::Level;

    fn step(expect: &str) -> Step {
        let mut s = Step::default_for("authorize");
        s.expect = toml::from_str(expect).unwrap();
        s
    }

    /// (check, passed) of what a refused push settles, or None: judged on the push's answer.
    fn settled(expect: &str, error: Option<&str>) -> Option<Vec<(&'static str, bool)>> {
        let refused = PushRefused { status: 400, error: error.map(str::to_string) };
        settled_at_push("main", &step(expect), &refused, Level::Must).map(|r| r.into_iter().map(|c| (c.check, c.passed)).collect())
    }

    #[rstest::rstest]
    #[case::no_code("redirect = \"no_code\"", Some("invalid_request"), Some(vec![("refused_early", true)]))]
    #[case::named_error_held("redirect = \"error\"\nerror = \"invalid_scope\"", Some("invalid_scope"), Some(vec![("refused_early", true), ("error_code_is", true)]))]
    #[case::named_error_other("redirect = \"error\"\nerror = \"invalid_scope\"", Some("invalid_request"), Some(vec![("refused_early", true), ("error_code_is", false)]))]
    #[case::named_error_missing("redirect = \"error\"\nerror_in = [\"invalid_request\", \"unsupported_response_type\"]", None, Some(vec![("refused_early", true), ("error_code_is", false)]))]
    #[case::code_wanted("redirect = \"code\"", Some("invalid_request"), None)]
    #[case::login_page_wanted("login_form = true", Some("invalid_request"), None)]
    fn a_refused_push_settles_only_a_step_expecting_a_refusal(#[case] expect: &str, #[case] error: Option<&str>, #[case] want: Option<Vec<(&'static str, bool)>>) {
        assert_eq!(settled(expect, error), want);
    }
}
