//! OpenID Connect Core §6.1: an authorization request's parameters passed as a Request Object
//! (the `request` parameter), an unsigned JWT (alg none) here; its claims take precedence over
//! the query's. Enters: the request's parameters; leaves: the parameters the request stands for,
//! and the error to redirect with (once the client and redirect_uri are known good) when the
//! object is refused.
use serde_json::Value;

use super::super::fault::Fault;
use super::super::params::Params;
use super::super::variant::Variant;
use super::state::AuthServer;

/// Whether the server takes request objects (the metadata says so too).
pub fn supported(st: &AuthServer) -> bool {
    st.openid_on() && !st.variant(Variant::RequestObjectsRefused)
}

/// The parameters with the request object's claims merged in, and the error code for a request
/// object the server refuses.
pub fn apply(st: &AuthServer, p: Params) -> (Params, Option<&'static str>) {
    let Some(object) = p.get("request").map(str::to_string) else { return (p, None) };
    if !st.openid_on() || st.has(Fault::RfcOidcRequestObjectIgnored) {
        return (p, None);
    }
    if st.has(Fault::RfcOidcRequestObjectWrongError) {
        return (p, Some("invalid_request"));
    }
    if !supported(st) {
        return (p, Some("request_not_supported"));
    }
    let Some(claims) = unsigned_claims(&object) else { return (p, Some("invalid_request_object")) };
    let mut pairs: Vec<(String, String)> = p.pairs().iter().filter(|(k, _)| k != "request" && !claims.contains_key(k)).cloned().collect();
    for (k, v) in claims {
        let text = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        pairs.push((k, text));
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    (Params::parse(query.as_bytes()), None)
}

/// The claims of a compact JWS whose header says alg none (Core §6.1: a plaintext request object).
fn unsigned_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let (header, claims) = super::super::signing::read(token)?;
    (header.get("alg")?.as_str()? == "none").then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn object(claims: &str) -> String {
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#), URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn the_objects_claims_win_over_the_query() {
        let st = super::super::super::app::test_server(&[], &[]);
        let q = format!("client_id=c&state=old&request={}", object(r#"{"state":"new","redirect_uri":"https://app/cb","max_age":5}"#));
        let (p, refused) = apply(&st, Params::parse(q.as_bytes()));
        assert_eq!(refused, None);
        assert_eq!((p.get("state"), p.get("redirect_uri"), p.get("max_age"), p.get("request")), (Some("new"), Some("https://app/cb"), Some("5"), None));
    }

    #[test]
    fn a_signed_object_or_a_refusing_server_gets_an_error() {
        let st = super::super::super::app::test_server(&[], &[]);
        let signed = format!("{}.{}.sig", URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode("{}"));
        assert_eq!(apply(&st, Params::parse(format!("request={signed}").as_bytes())).1, Some("invalid_request_object"));
        let st = super::super::super::app::test_server(&[], &[Variant::RequestObjectsRefused]);
        assert_eq!(apply(&st, Params::parse(format!("request={}", object("{}")).as_bytes())).1, Some("request_not_supported"));
    }
}
