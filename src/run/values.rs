//! The values a case's placeholders take: the fresh ones each case starts with (state, PKCE
//! verifier and challenge, jti), the target file's (client ids, redirect URIs, the issuer) and the
//! redirect URIs changed the way attacks change them. Enters: a placeholder's name, the target and
//! the case's own values; leaves: the text, or nothing when the target lacks it.
use std::collections::HashMap;

use url::Url;

use crate::run::request::Role;
use crate::target::file::Target;

/// The values a case starts with, fresh for every case.
pub(crate) fn initial() -> HashMap<String, String> {
    let mut values = HashMap::new();
    values.insert("state".to_string(), format!("st-{}", crate::model::token::random_hex(12)));
    values.insert("long_state".to_string(), long_state());
    values.insert("random".to_string(), crate::model::token::random_hex(8));
    // OpenID Connect Core §3.1.2.1: the nonce an authentication request sends, fresh per case.
    values.insert("nonce".to_string(), format!("n-{}", crate::model::token::random_hex(12)));
    // The jti every `jwt_replay` step of the case shares.
    values.insert("jti".to_string(), crate::model::token::random_token());
    // RFC 7636 §4.1-4.2: a 43-character verifier and its S256 challenge.
    let verifier = crate::model::token::random_token();
    values.insert("code_challenge".to_string(), crate::model::token::s256(&verifier));
    values.insert("code_verifier".to_string(), verifier);
    values
}

/// The value of placeholder `name` for a request sent as `role`: the target file's, a made-up
/// one, or the case's own (`own`: its initial values and what earlier steps captured).
/// `dpop_jkt` computes the thumbprint of the case's DPoP key, made only when asked for.
pub(crate) fn lookup(name: &str, role: Role, t: &Target, own: &HashMap<String, String>, dpop_jkt: &dyn Fn() -> String) -> Option<String> {
    let (me, other) = match role {
        Role::Client => (Some(&t.client), t.second_client.as_ref()),
        Role::SecondClient => (t.second_client.as_ref(), Some(&t.client)),
        Role::PublicClient => (t.public_client.as_ref(), Some(&t.client)),
        Role::Fapi => (t.fapi_client.as_ref().map(|f| &f.client), Some(&t.client)),
    };
    let second = if role == Role::Client { other } else { me };
    match name {
        "client_id" => me.map(|c| c.id.clone()),
        "mtls_client_id" => t.mtls_client.as_ref().map(|m| m.id.clone()),
        // RFC 8705 §3.1: what a token bound to the client's certificate says it is bound to.
        "mtls_x5t" => t.mtls_client.as_ref().map(|m| m.x5t.clone()),
        // …and the FAPI client's, when its tokens are bound to its certificate.
        "fapi_x5t" => t.fapi_client.as_ref().and_then(|f| f.tls.as_ref()).map(|c| c.x5t.clone()),
        "redirect_uri" => me.and_then(|c| c.redirect_uri.clone()),
        "scope" => me.and_then(|c| c.scope.clone()).or_else(|| t.client.scope.clone()),
        // OpenID Connect Core §3.1.2.1: an OpenID request's scope holds openid; the client's own
        // scope with openid put first when it lacks it.
        "openid_scope" => {
            let scope = lookup("scope", role, t, own, dpop_jkt).unwrap_or_default();
            Some(if scope.split(' ').any(|s| s == "openid") { scope } else { format!("openid {scope}").trim_end().to_string() })
        }
        // The same scope values in reverse order (RFC 6749 §3.3: their order does not matter).
        "openid_scope_reversed" => {
            let scope = lookup("openid_scope", role, t, own, dpop_jkt)?;
            Some(scope.split(' ').filter(|s| !s.is_empty()).rev().collect::<Vec<_>>().join(" "))
        }
        "redirect_uri_other_scheme" => {
            let mut u = Url::parse(me?.redirect_uri.as_deref()?).ok()?;
            let other_scheme = if u.scheme() == "https" { "http" } else { "https" };
            u.set_scheme(other_scheme).ok()?;
            Some(u.to_string())
        }
        name if name.starts_with("redirect_uri_") => manipulated_redirect_uri(me?.redirect_uri.as_deref()?, &name["redirect_uri_".len()..]),
        "second_client_id" => second.map(|c| c.id.clone()),
        // The device grant's client: the target's [device_client], else the main client.
        "device_client_id" => Some(t.device_client.as_ref().unwrap_or(&t.client).id.clone()),
        "second_redirect_uri" => second.and_then(|c| c.redirect_uri.clone()),
        "public_redirect_uri" => t.public_client.as_ref().and_then(|c| c.redirect_uri.clone()),
        "uuid" => Some(uuid_v4()),
        "issuer" => Some(t.issuer()),
        // The test user's name, as a login_hint (OpenID Connect Core §3.1.2.1).
        "login_username" => t.login.as_ref().map(|l| l.username.clone()),
        "dpop_jkt" => Some(dpop_jkt()),
        // OpenID Connect Core §6.1: the authorization request's parameters as an unsigned
        // request object (alg none), with the case's own state and nonce.
        "request_object" => {
            use base64::Engine;
            let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            let claims = serde_json::json!({
                "iss": me?.id, "aud": t.issuer(), "response_type": "code", "client_id": me?.id,
                "redirect_uri": me?.redirect_uri.clone()?, "scope": lookup("openid_scope", role, t, own, dpop_jkt)?,
                "state": own.get("state")?, "nonce": own.get("nonce")?,
            });
            Some(format!("{}.{}.", b64(&serde_json::json!({ "alg": "none" })), b64(&claims)))
        }
        _ => own.get(name).cloned(),
    }
}

/// A printable ASCII state with every reserved character of RFC 3986 §2.2 and a space, ~300 bytes.
fn long_state() -> String {
    let mut s = crate::model::token::random_hex(16);
    while s.len() < 300 {
        s.push_str(" :/?#[]@!$&'()*+,;=%~-._");
        s.push_str(&crate::model::token::random_hex(4));
    }
    s
}

/// The registered redirect URI changed the way redirect-URI attacks change it (RFC 9700 §4.1), as
/// text: parsing it with `Url` would undo the very normalisations under test.
fn manipulated_redirect_uri(registered: &str, how: &str) -> Option<String> {
    let u = Url::parse(registered).ok()?;
    let (scheme, host) = (u.scheme(), u.host_str()?);
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = u.path();
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    let origin = format!("{scheme}://{host}{port}");
    Some(match how {
        "trailing_slash" => format!("{origin}{}/{query}", path.trim_end_matches('/')),
        "path_case" => format!("{origin}{}{query}", path.to_uppercase()),
        // The path's last letter percent-encoded: the same resource to a lax comparison.
        "percent_encoded" => {
            let (head, last) = path.split_at(path.len().checked_sub(1)?);
            format!("{origin}{head}%{:02X}{query}", last.as_bytes().first()?)
        }
        "dot_segment" => format!("{origin}/x/..{path}{query}"),
        "userinfo" => format!("{scheme}://{host}@evil.example.test{path}{query}"),
        "other_port" => format!("{scheme}://{host}:{}{path}{query}", u.port_or_known_default().map_or(8443, |p| if p == 8443 { 8444 } else { 8443 })),
        "subdomain" => format!("{scheme}://evil.{host}{port}{path}{query}"),
        "fragment" => format!("{registered}#injected"),
        _ => return None,
    })
}

/// RFC 4122 version 4 UUID from fresh random bytes.
fn uuid_v4() -> String {
    let mut b = crate::model::token::random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const REGISTERED: &str = "https://client.example.com/cb?x=1";

    #[rstest]
    #[case::trailing_slash("trailing_slash", "https://client.example.com/cb/?x=1")]
    #[case::path_case("path_case", "https://client.example.com/CB?x=1")]
    #[case::percent_encoded("percent_encoded", "https://client.example.com/c%62?x=1")]
    #[case::dot_segment("dot_segment", "https://client.example.com/x/../cb?x=1")]
    #[case::userinfo("userinfo", "https://client.example.com@evil.example.test/cb?x=1")]
    #[case::other_port("other_port", "https://client.example.com:8443/cb?x=1")]
    #[case::subdomain("subdomain", "https://evil.client.example.com/cb?x=1")]
    #[case::fragment("fragment", "https://client.example.com/cb?x=1#injected")]
    fn a_redirect_uri_is_changed_the_way_the_attack_changes_it(#[case] how: &str, #[case] expected: &str) {
        assert_eq!(manipulated_redirect_uri(REGISTERED, how).as_deref(), Some(expected));
    }

    #[test]
    fn an_unknown_manipulation_or_a_relative_uri_gives_nothing() {
        assert_eq!(manipulated_redirect_uri(REGISTERED, "sideways"), None);
        assert_eq!(manipulated_redirect_uri("/cb", "trailing_slash"), None);
    }

    #[test]
    fn the_other_port_moves_off_8443_when_8443_is_registered() {
        assert_eq!(manipulated_redirect_uri("https://c.example:8443/cb", "other_port").as_deref(), Some("https://c.example:8444/cb"));
    }

    #[test]
    fn the_long_state_is_printable_ascii_with_every_reserved_character() {
        let s = long_state();
        assert!(s.len() >= 300, "{} bytes", s.len());
        assert!(s.bytes().all(|b| (0x20..0x7f).contains(&b)), "{s}");
        for c in " :/?#[]@!$&'()*+,;=%".chars() {
            assert!(s.contains(c), "{c:?} missing");
        }
    }

    #[test]
    fn a_uuid_is_version_4_with_the_rfc_4122_variant() {
        let u = uuid_v4();
        let groups: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
        assert_eq!(&u[14..15], "4", "{u}");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_ne!(u, uuid_v4());
    }

    #[test]
    fn every_case_starts_with_its_own_state_and_a_matching_pkce_pair() {
        let (a, b) = (initial(), initial());
        assert_ne!(a["state"], b["state"]);
        assert_eq!(a["code_verifier"].len(), 43);
        assert_eq!(a["code_challenge"], crate::model::token::s256(&a["code_verifier"]));
    }

    fn target() -> Target {
        let text = "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\nclient = { id = \"c\", redirect_uri = \"https://c.example/cb\" }\n[second_client]\nid = \"s\"\nredirect_uri = \"https://s.example/cb\"\n";
        Target::parse("t.toml", text, &|_| None).unwrap()
    }

    #[rstest]
    #[case::own_client(Role::Client, "client_id", Some("c"))]
    #[case::second_seen_from_the_client(Role::Client, "second_client_id", Some("s"))]
    #[case::second_as_itself(Role::SecondClient, "client_id", Some("s"))]
    #[case::second_redirect(Role::Client, "second_redirect_uri", Some("https://s.example/cb"))]
    #[case::other_scheme(Role::Client, "redirect_uri_other_scheme", Some("http://c.example/cb"))]
    #[case::no_public_client(Role::PublicClient, "client_id", None)]
    #[case::the_case_own(Role::Client, "token.access_token", Some("at-1"))]
    #[case::unknown(Role::Client, "nothing", None)]
    fn a_placeholder_takes_the_value_of_the_client_it_is_sent_as(#[case] role: Role, #[case] name: &str, #[case] expected: Option<&str>) {
        let own = HashMap::from([("token.access_token".to_string(), "at-1".to_string())]);
        assert_eq!(lookup(name, role, &target(), &own, &|| "jkt".into()).as_deref(), expected);
    }

    #[test]
    fn the_dpop_thumbprint_is_computed_only_when_asked_for() {
        let asked = std::cell::Cell::new(0);
        let jkt = || {
            asked.set(asked.get() + 1);
            "jkt".to_string()
        };
        lookup("client_id", Role::Client, &target(), &HashMap::new(), &jkt);
        assert_eq!(asked.get(), 0);
        assert_eq!(lookup("dpop_jkt", Role::Client, &target(), &HashMap::new(), &jkt).as_deref(), Some("jkt"));
        assert_eq!(asked.get(), 1);
    }
}
