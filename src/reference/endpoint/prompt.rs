//! What an OpenID request's `prompt`, `max_age` and `id_token_hint` (Core §3.1.2.1) decide
//! against the browser's session: sign in, only consent, a code at once (the session stands and
//! the client has the user's consent), or an error redirect without any page (`prompt=none`).
//! Enters: the request's parameters and the session; leaves: a [`Decision`].
use super::super::fault::Fault;
use super::super::params::Params;
use super::super::sessions::SignedIn;
use super::super::variant::Variant;
use super::state::AuthServer;

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// The login page, as for any request.
    Login,
    /// The session's user stands; the consent page only.
    Consent(String),
    /// No page at all: a code for the session's user, who authenticated at this time.
    Grant(u64),
    /// `prompt=none` cannot be honoured: this error, back to the client (Core §3.1.2.6).
    Refuse(&'static str, &'static str),
}

pub fn decide(st: &AuthServer, p: &Params, sid: &str, client_id: &str) -> Decision {
    match decided(st, p, sid, client_id) {
        // The fault: every refusal of prompt=none named invalid_request.
        Decision::Refuse(_, desc) if st.has(Fault::RfcOidcPromptNoneInvalidRequest) && p.get("prompt").is_some_and(|v| v.split(' ').any(|w| w == "none")) => Decision::Refuse("invalid_request", desc),
        d => d,
    }
}

fn decided(st: &AuthServer, p: &Params, sid: &str, client_id: &str) -> Decision {
    let mut prompts: Vec<&str> = p.get("prompt").unwrap_or_default().split(' ').filter(|s| !s.is_empty()).collect();
    if prompts.contains(&"none") && prompts.len() > 1 {
        if !st.has(Fault::RfcOidcPromptNoneCombined) {
            return Decision::Refuse("invalid_request", "prompt=none cannot be combined with other values");
        }
        // The fault: the other values win, as if none had not been sent.
        prompts.retain(|v| *v != "none");
    }
    let none = prompts.contains(&"none") && !st.has(Fault::RfcOidcPromptNoneShowsLogin);
    let login_again = prompts.contains(&"login") && !st.has(Fault::RfcOidcPromptLoginIgnored);
    let consent_again = prompts.contains(&"consent") && !st.has(Fault::RfcOidcPromptConsentIgnored);
    let max_age = p.get("max_age").and_then(|m| m.parse::<u64>().ok()).filter(|_| !st.has(Fault::RfcOidcMaxAgeIgnored));
    // Core §3.1.2.1 (errata): max_age=0 is equivalent to prompt=login.
    // The zero fault: 0 read as "no max_age" (a falsy-zero test).
    let max_age = max_age.filter(|m| *m > 0 || !st.has(Fault::RfcOidcMaxAgeZeroIgnored));
    let fresh = |s: &SignedIn| max_age.is_none_or(|m| m > 0 && st.sessions.now().saturating_sub(s.auth_time) <= m);
    // Core §3.1.2.1: the hint names the user the client believes is signed in.
    let hinted = |s: &SignedIn| match p.get("id_token_hint") {
        None => true,
        Some(_) if st.has(Fault::RfcOidcIdTokenHintRefused) => false,
        Some(h) => hint_sub(h).as_deref() == Some(s.user.as_str()),
    };
    let forgetful = none && st.has(Fault::RfcOidcNoSilentLogin);
    let standing = st.sessions.signed_in(sid).filter(|s| fresh(s) && hinted(s) && !login_again && !forgetful);
    match standing {
        Some(s) if s.consented_to(client_id) && !consent_again && !(none && st.has(Fault::RfcOidcPromptNoneAsksConsent)) => Decision::Grant(s.auth_time),
        Some(s) if !none || st.has(Fault::RfcOidcPromptNoneAsksConsent) => Decision::Consent(s.user),
        Some(_) => Decision::Refuse("consent_required", "the user has not consented to this client"),
        None if none && st.variant(Variant::InteractionRequired) => Decision::Refuse("interaction_required", "the user must sign in"),
        None if none => Decision::Refuse("login_required", "no user is signed in"),
        None => Decision::Login,
    }
}

/// The `sub` of an ID Token given as a hint (the server issued it; its payload is read as is).
fn hint_sub(token: &str) -> Option<String> {
    super::super::signing::read(token)?.1.get("sub")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(faults: &[Fault]) -> std::sync::Arc<AuthServer> {
        super::super::super::app::test_server(faults, &[])
    }

    fn decided(st: &AuthServer, q: &str) -> Decision {
        decide(st, &Params::parse(q.as_bytes()), "sid", "my-client")
    }

    #[test]
    fn prompt_none_without_a_session_is_an_error_and_with_one_a_code() {
        let st = server(&[]);
        assert_eq!(decided(&st, "prompt=none"), Decision::Refuse("login_required", "no user is signed in"));
        assert_eq!(decided(&st, ""), Decision::Login);
        st.sessions.sign_in("sid", "alice", false);
        assert_eq!(decided(&st, "prompt=none"), Decision::Refuse("consent_required", "the user has not consented to this client"));
        assert_eq!(decided(&st, ""), Decision::Consent("alice".into()));
        st.sessions.consent("sid", "my-client");
        assert!(matches!(decided(&st, "prompt=none"), Decision::Grant(_)));
        assert_eq!(decided(&st, "prompt=login"), Decision::Login);
    }

    #[test]
    fn max_age_and_a_hint_for_someone_else_send_the_user_to_the_login_page() {
        let st = server(&[]);
        st.sessions.sign_in("sid", "alice", false);
        st.sessions.consent("sid", "my-client");
        assert!(matches!(decided(&st, "max_age=10000"), Decision::Grant(_)));
        // A hint whose sub is another user's (an unsigned token is enough to name one).
        let other = super::super::super::signing::unsigned(&serde_json::json!({ "sub": "bob" }));
        assert_eq!(decided(&st, &format!("prompt=none&id_token_hint={other}")), Decision::Refuse("login_required", "no user is signed in"));
    }

    #[test]
    fn the_faults_each_break_their_rule() {
        let st = server(&[Fault::RfcOidcPromptNoneShowsLogin]);
        assert_eq!(decided(&st, "prompt=none"), Decision::Login);
        let st = server(&[Fault::RfcOidcPromptLoginIgnored]);
        st.sessions.sign_in("sid", "alice", false);
        st.sessions.consent("sid", "my-client");
        assert!(matches!(decided(&st, "prompt=login"), Decision::Grant(_)));
    }
}
