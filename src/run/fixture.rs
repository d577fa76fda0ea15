//! Fixtures: the fresh values a case starts from (a code, a token pair, the second client's), made
//! through the target's own endpoints with their default requests.
use crate::suite::case::{Fixture, Step};
use crate::transport::page::Landing;
use crate::run::request::Role;
use crate::model::result::ErrorKind;
use crate::run::case_run::{CaseError, CaseRun, Observed, Place};

impl CaseRun<'_> {
    /// Makes `fx` and stores the values it provides; the error is placed in the fixture and says
    /// how it failed.
    pub(crate) async fn make_fixture(&mut self, fx: Fixture) -> Result<(), CaseError> {
        let label = format!("fixture {}", fx.name());
        self.make(fx, &label).await.map_err(|e| e.at(Place::Fixture(label)))
    }

    async fn make(&mut self, fx: Fixture, label: &str) -> Result<(), CaseError> {
        let setup = |m: String| CaseError::new(ErrorKind::Setup, m);
        match fx {
            Fixture::Code => {
                let code = self.fresh_code(label, Role::Client).await?;
                self.values.insert("code".into(), code);
            }
            Fixture::SecondCode => {
                let code = self.fresh_code(label, Role::SecondClient).await?;
                self.values.insert("second_code".into(), code);
            }
            Fixture::PublicCode => {
                let code = self.fresh_code(label, Role::PublicClient).await?;
                self.values.insert("public_code".into(), code);
            }
            Fixture::FapiCode => {
                let code = self.fresh_code(label, Role::Fapi).await?;
                self.values.insert("fapi_code".into(), code);
            }
            Fixture::TokenPair | Fixture::SecondTokenPair | Fixture::PublicTokenPair | Fixture::FapiTokenPair => {
                let role = match fx {
                    Fixture::TokenPair => Role::Client,
                    Fixture::SecondTokenPair => Role::SecondClient,
                    Fixture::FapiTokenPair => Role::Fapi,
                    _ => Role::PublicClient,
                };
                let code = self.fresh_code(label, role).await?;
                let endpoint = self.env.profile.fixtures.tokens.clone().ok_or_else(|| setup("the profile names no token endpoint for fixtures".into()))?;
                let json = self.token_request(label, &endpoint, role, Some(code)).await?;
                let prefix = match role {
                    Role::Client => "",
                    Role::SecondClient => "second_",
                    Role::PublicClient => "public_",
                    Role::Fapi => "fapi_",
                };
                for name in ["access_token", "refresh_token"] {
                    let v = json.get(name).and_then(|v| v.as_str()).ok_or_else(|| {
                        setup(format!("the token response has no {name} (members: {})", members(&json)))
                    })?;
                    self.values.insert(format!("{prefix}{name}"), v.to_string());
                }
            }
            Fixture::ClientCredentials => {
                let endpoint = self.env.profile.fixtures.client_credentials.clone().ok_or_else(|| setup("the profile names no client credentials endpoint".into()))?;
                let json = self.token_request(label, &endpoint, Role::Client, None).await?;
                let v = json.get("access_token").and_then(|v| v.as_str()).ok_or_else(|| setup("no access_token in the answer".into()))?;
                self.values.insert("cc_access_token".into(), v.to_string());
            }
        }
        Ok(())
    }

    /// Signs in through the authorization endpoint, approves, and returns the code.
    pub(crate) async fn fresh_code(&mut self, label: &str, role: Role) -> Result<String, CaseError> {
        let setup = |m: String| CaseError::new(ErrorKind::Setup, m);
        let endpoint = self.env.profile.fixtures.code.clone().ok_or_else(|| setup("the profile names no authorization endpoint for fixtures".into()))?;
        let mut step = Step::default_for(&endpoint);
        step.browser = Some(crate::suite::case::Browser::Approve);
        if role == Role::Fapi {
            // FAPI 2.0 §5.3.2.2: the FAPI client's requests are pushed first (RFC 9126 §4: the
            // authorization request then carries client_id and request_uri only).
            let request_uri = self.push(label).await?;
            step.fapi = true;
            step.query = vec![("request_uri".into(), request_uri)];
            step.omit = ["response_type", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"].map(String::from).to_vec();
        }
        let observed = self.perform(label, &step, role, &[]).await?;
        match observed {
            Observed::Browser(landing @ (Landing::Redirect(_) | Landing::Posted { .. }), _) => {
                // A code flow's response: the query (or the fields a form_post page posted).
                let code = match &landing {
                    Landing::Redirect(url) => url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()),
                    other => other.response_value("code"),
                };
                code.filter(|c| !c.is_empty()).ok_or_else(|| {
                    let at = landing.at_client().map(crate::check::record::show_url).unwrap_or_default();
                    setup(format!("the login ended in a redirect without a code: {at}"))
                })
            }
            Observed::Browser(Landing::Page { url, status, page }, _) => Err(CaseError::new(
                ErrorKind::Login,
                format!(
                    "the login driver stopped at {} (status {status}, {}) instead of being redirected to the client",
                    crate::check::record::show_url(&url),
                    page.summary()
                ),
            )),
            Observed::Http(..) => Err(setup(format!("endpoint {endpoint} is not a browser endpoint"))),
        }
    }

    /// Pushes the FAPI client's default authorization request (RFC 9126 §2) and returns its
    /// request_uri.
    async fn push(&mut self, label: &str) -> Result<String, CaseError> {
        let setup = |m: String| CaseError::new(ErrorKind::Setup, m);
        let mut step = Step::default_for("par");
        step.fapi = true;
        let observed = self.perform(&format!("{label} (push)"), &step, Role::Fapi, &[]).await?;
        let Observed::Http(resp) = observed else { return Err(setup("the PAR endpoint answered through the browser".into())) };
        if resp.status != 201 {
            return Err(setup(format!("the push answered {} instead of 201 ({})", resp.status, resp.excerpt(200))));
        }
        crate::run::push::request_uri_of(&resp).ok_or_else(|| setup(format!("the push answered 201 without a request_uri ({})", resp.excerpt(200))))
    }

    pub(crate) async fn token_request(&mut self, label: &str, endpoint: &str, role: Role, code: Option<String>) -> Result<serde_json::Value, CaseError> {
        let setup = |m: String| CaseError::new(ErrorKind::Setup, m);
        let mut step = Step::default_for(endpoint);
        if role == Role::Fapi {
            // FAPI 2.0 §5.3.2.1: its tokens are sender-constrained, here by the case's DPoP key.
            step.fapi = true;
            step.dpop = Some(crate::jose::dpop::Flaw::None);
        }
        let overrides: Vec<(String, String)> = code.into_iter().map(|c| ("code".to_string(), c)).collect();
        let observed = self.perform(label, &step, role, &overrides).await?;
        let Observed::Http(resp) = observed else { return Err(setup(format!("{endpoint} answered through the browser"))) };
        if resp.status != 200 {
            return Err(setup(format!("{endpoint} answered {} instead of 200 ({})", resp.status, resp.excerpt(200))));
        }
        resp.json().filter(|v| v.is_object()).ok_or_else(|| setup(format!("{endpoint} answered 200 without a JSON object ({})", resp.excerpt(200))))
    }
}

fn members(v: &serde_json::Value) -> String {
    v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default()
}
