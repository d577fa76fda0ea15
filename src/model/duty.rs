//! Whose duty a case's rule is. A conformance gate judges the server; a rule whose keyword binds
//! the client, or the deployment, is still worth telling the operator, but as advice: it never
//! fails the gate and never counts in the compliance score.
use serde::{Deserialize, Serialize};

/// Who the keyword of a case's rule binds (its grammatical subject in the spec text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Duty {
    /// The authorization server or the resource server: the only duty the gate judges.
    #[default]
    Server,
    /// The client (e.g. RFC 6749 §3.2 "The client MUST use the HTTP POST method"): a server that
    /// tolerates the client's mistake breaks no keyword of its own.
    Client,
    /// Whoever deploys the server: hardening a text recommends without binding the server.
    Deployment,
}

impl Duty {
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::Server => "server",
            Duty::Client => "client",
            Duty::Deployment => "deployment",
        }
    }

    /// Whether a case of this duty can fail the gate.
    pub fn gates(self) -> bool {
        self == Duty::Server
    }

    /// Why a case of this duty is advice, for reports: empty for the server's own duties.
    pub fn why_advice(self) -> &'static str {
        match self {
            Duty::Server => "",
            Duty::Client => "a duty of the client: a server that tolerates the client's mistake breaks no keyword of its own",
            Duty::Deployment => "hardening for the deployment: the text recommends it without binding the server",
        }
    }

    pub fn is_server(&self) -> bool {
        *self == Duty::Server
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Duty::Server, "server", true)]
    #[case(Duty::Client, "client", false)]
    #[case(Duty::Deployment, "deployment", false)]
    fn only_the_servers_duty_gates_and_the_name_round_trips(#[case] duty: Duty, #[case] name: &str, #[case] gates: bool) {
        assert_eq!(duty.as_str(), name);
        assert_eq!(duty.gates(), gates);
        assert_eq!(duty.why_advice().is_empty(), gates, "advice always says why");
        assert_eq!(serde_json::from_value::<Duty>(serde_json::json!(name)).unwrap(), duty);
    }

    #[test]
    fn a_case_without_a_duty_is_the_servers() {
        assert_eq!(Duty::default(), Duty::Server);
        assert!(serde_json::from_value::<Duty>(serde_json::json!("Client")).is_err());
    }
}
