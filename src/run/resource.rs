//! Which token the probe resource accepts. A resource that serves end users (a userinfo-style
//! endpoint) refuses client-credentials tokens by design; a machine-to-machine API may take
//! nothing else. The target's `[resource] token` says which; without it the first case that
//! needs a resource token finds out once for the run: a client-credentials token first (no
//! login), then one from the code flow, and the run's notes say what was found. Enters: a
//! `resource_token` step; leaves: the token request of the grant the resource takes.
use serde_json::Value;

use crate::run::case_run::{CaseError, CaseRun, Observed};
use crate::run::request::Role;
use crate::model::result::ErrorKind;
use crate::suite::case::Step;
use crate::target::file::ResourceToken;

/// Why the resource did not accept a token of one kind, in words for the run's notes.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

impl CaseRun<'_> {
    /// The grant whose tokens the resource accepts: the target's word, else found out once per
    /// profile run.
    pub(crate) async fn resource_token(&mut self) -> ResourceToken {
        let env = self.env;
        if let Some(t) = env.target.resource_token {
            return t;
        }
        *env.resource.get_or_init(|| self.detect_resource()).await
    }

    /// A `resource_token` step as the request it stands for, and the values it needs (a fresh
    /// code for the code exchange).
    pub(crate) async fn resource_step(&mut self, label: &str, step: &Step) -> Result<(Step, Vec<(String, String)>), CaseError> {
        let kind = self.resource_token().await;
        let endpoint = self.token_endpoint(kind).ok_or_else(|| CaseError::new(ErrorKind::Setup, format!("the profile names no token endpoint for {} tokens", kind.name())))?;
        let overrides = match kind {
            ResourceToken::ClientCredentials => Vec::new(),
            ResourceToken::AuthorizationCode => vec![("code".to_string(), self.fresh_code(label, Role::Client).await?)],
        };
        Ok((Step { endpoint, ..step.clone() }, overrides))
    }

    /// The profile's token endpoint for tokens of `kind`.
    fn token_endpoint(&self, kind: ResourceToken) -> Option<String> {
        let fixtures = &self.env.profile.fixtures;
        match kind {
            ResourceToken::ClientCredentials => fixtures.client_credentials.clone(),
            ResourceToken::AuthorizationCode => fixtures.tokens.clone(),
        }
    }

    /// Tries a client-credentials token at the probe, then a code-flow one; notes what it found.
    async fn detect_resource(&mut self) -> ResourceToken {
        let cc = match self.try_resource(ResourceToken::ClientCredentials).await {
            Ok(()) => return ResourceToken::ClientCredentials,
            Err(why) => why,
        };
        let note = match self.try_resource(ResourceToken::AuthorizationCode).await {
            Ok(()) => format!(
                "resource: the probe resource refused a client-credentials token ({cc}) and accepted an authorization-code token: its cases use authorization-code tokens ([resource] token = \"authorization_code\" says so without trying)"
            ),
            Err(code) => format!(
                "resource: the probe resource refused both a client-credentials token ({cc}) and an authorization-code token ({code}): check probe_url and [resource] token in the target file; the resource cases cannot pass"
            ),
        };
        self.env.note(note);
        ResourceToken::AuthorizationCode
    }

    /// A token of `kind` sent to the probe as a bearer token: `Err` says why it was not accepted.
    async fn try_resource(&mut self, kind: ResourceToken) -> Result<(), Refused> {
        let label = format!("resource detection ({})", kind.name());
        let endpoint = self.token_endpoint(kind).ok_or_else(|| Refused("the profile has no token endpoint for it".into()))?;
        let code = match kind {
            ResourceToken::ClientCredentials => None,
            ResourceToken::AuthorizationCode => Some(self.fresh_code(&label, Role::Client).await.map_err(|e| Refused(format!("no code: {e}")))?),
        };
        let json = self.token_request(&label, &endpoint, Role::Client, code).await.map_err(|e| Refused(format!("no token: {e}")))?;
        let token = json.get("access_token").and_then(Value::as_str).ok_or_else(|| Refused("the token answer has no access_token".into()))?.to_string();
        let mut probe = Step::default_for("probe");
        probe.bearer = Some("{detected_access_token}".into());
        let observed = self.perform(&label, &probe, Role::Client, &[("detected_access_token".into(), token)]).await.map_err(|e| Refused(e.to_string()))?;
        match observed {
            Observed::Http(r) if (200..300).contains(&r.status) => Ok(()),
            Observed::Http(r) => {
                let challenge = r.header("www-authenticate").map(|h| format!(", {}", crate::transport::http::excerpt(h, 80))).unwrap_or_default();
                Err(Refused(format!("answered {}{challenge}", r.status)))
            }
            Observed::Browser(..) => Err(Refused("the probe is not an HTTP endpoint".into())),
        }
    }
}
