//! OpenID Connect's implicit and hybrid flows (Core §3.2, §3.3): the response types besides
//! `code`, what each returns from the authorization endpoint, and where (the fragment, §3.2.2.5,
//! §3.3.2.5). Enters: an approved request; leaves: the redirect with its code, access token and
//! ID Token.
use axum::response::Response;

use super::super::fault::Fault;
use super::super::variant::Variant;
use super::answer::redirect_with_fragment;
use super::id_token::{self, About};
use super::state::AuthServer;

/// The response types of OpenID Connect's three flows, as metadata lists them.
pub const RESPONSE_TYPES: [&str; 6] = ["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"];

/// What a response type returns from the authorization endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseType {
    pub code: bool,
    pub id_token: bool,
    pub token: bool,
}

impl ResponseType {
    /// A response type of the three flows (its values space-separated, in any order), or None.
    pub fn parse(value: &str) -> Option<ResponseType> {
        let mut words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
        words.sort_unstable();
        words.dedup();
        if words.iter().any(|w| !matches!(*w, "code" | "id_token" | "token")) {
            return None;
        }
        let rt = ResponseType { code: words.contains(&"code"), id_token: words.contains(&"id_token"), token: words.contains(&"token") };
        // RFC 6749's implicit grant alone (token) is not one of OpenID Connect's.
        (rt.code || rt.id_token).then_some(rt)
    }

    pub fn is_code(self) -> bool {
        self.code && !self.id_token && !self.token
    }
}

/// Whether the server offers the implicit and hybrid flows.
pub fn offered(st: &AuthServer) -> bool {
    st.openid_on() && !st.variant(Variant::CodeFlowOnly)
}

/// An approved request of an implicit or hybrid response type, as the server answers it.
pub struct Approved<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub redirect_uri_sent: bool,
    pub scope: &'a str,
    pub challenge: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub state: Option<&'a str>,
    pub auth_time: Option<u64>,
    /// The request asked for the Form Post Response Mode.
    pub form_post: bool,
}

/// Core §3.2.2.5, §3.3.2.5: the code, the access token and the ID Token the response type asks
/// for, with the state, in the fragment.
pub fn respond(st: &AuthServer, rt: ResponseType, a: Approved<'_>, issuer: &str) -> Response {
    let code = rt.code.then(|| {
        let c = st.store.issue_code_full(a.client_id, a.redirect_uri, a.redirect_uri_sent, a.scope, a.challenge);
        st.store.carry(&c, a.nonce, None);
        if let Some(t) = a.auth_time {
            st.sessions.set_code_auth_time(&c, t);
        }
        c
    });
    let access = (rt.token || st.has(Fault::RfcOidcUnaskedAccessToken)).then(|| st.store.issue_at_authorization(a.client_id, a.scope));
    let expires = st.expires_in.to_string();
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &code {
        params.push(("code", c));
    }
    if let Some(t) = &access {
        params.extend([("access_token", t.as_str()), ("token_type", "Bearer"), ("expires_in", expires.as_str())]);
    }
    let id_token = rt.id_token.then(|| {
        let about = About {
            nonce: a.nonce,
            auth_time: a.auth_time,
            access_token: access.as_deref(),
            code: code.as_deref(),
            at_hash_required: true,
            scope: Some(a.scope),
            ..Default::default()
        };
        id_token::issue(st, issuer, a.client_id, about)
    });
    if let Some(t) = &id_token {
        params.push(("id_token", t));
    }
    params.extend(a.state.map(|s| ("state", s)));
    if a.form_post {
        return st.form_post(a.redirect_uri, &params, issuer);
    }
    if st.has(Fault::RfcOidcHybridInQuery) {
        return st.redirect(a.redirect_uri, &params, issuer);
    }
    params.push(("iss", issuer));
    redirect_with_fragment(a.redirect_uri, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_flows_response_types_in_any_order_and_nothing_else() {
        assert!(ResponseType::parse("code").unwrap().is_code());
        assert_eq!(ResponseType::parse("token id_token code"), Some(ResponseType { code: true, id_token: true, token: true }));
        assert_eq!(ResponseType::parse("id_token"), Some(ResponseType { code: false, id_token: true, token: false }));
        for bad in ["token", "code foo", "", "none"] {
            assert_eq!(ResponseType::parse(bad), None, "{bad}");
        }
    }
}
