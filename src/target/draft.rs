//! `init`: a first target file drafted from the server's own metadata, so nobody has to read the
//! whole reference to start. What enters: the metadata document (RFC 8414 or OpenID Connect
//! Discovery), the URL it came from, and what only the user knows (client, redirect URI, login).
//! What leaves: commented TOML in which every secret, and every answer not given, is a `${VAR}`
//! placeholder, and the list of those variables.
use std::fmt::Write;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::capabilities::Capabilities;
use super::discovery::{ENDPOINTS, MetadataProblem, fetch, lists, observe};
use crate::model::capability::Capability;

/// What the metadata cannot say. An answer left out becomes a `${VAR}` placeholder (client,
/// redirect URI, login) or a commented-out line (scope, probe, second client).
#[derive(Debug, Default, Clone)]
pub struct Answers {
    pub client_id: Option<String>,
    /// The client has no secret (a public client): no `secret` line.
    pub public: bool,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub second_client_id: Option<String>,
    pub second_redirect_uri: Option<String>,
    pub username: Option<String>,
    pub probe_url: Option<String>,
    /// The CA file `init --ca-cert` trusted (absolute): the draft's `[tls] ca_cert`.
    pub ca_cert: Option<std::path::PathBuf>,
}

/// The drafted file and the environment variables it reads (name, what to put there).
#[derive(Debug)]
pub struct Draft {
    pub text: String,
    pub variables: Vec<(&'static str, &'static str)>,
}

/// Why no metadata document was found.
#[derive(Debug, thiserror::Error)]
#[error("no metadata document: {}", .tried.iter().map(|(u, p)| format!("{u} {p}")).collect::<Vec<_>>().join("; "))]
pub struct NoMetadata {
    /// Each URL tried and what went wrong there.
    pub tried: Vec<(Url, MetadataProblem)>,
}

/// Where an issuer's metadata may be: RFC 8414 §3.1 (the well-known segment between host and
/// path), then OpenID Connect Discovery §4 (appended to the issuer).
pub fn metadata_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let mut rfc8414 = issuer.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    let mut oidc = issuer.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    for u in [&mut rfc8414, &mut oidc] {
        u.set_query(None);
        u.set_fragment(None);
    }
    vec![rfc8414, oidc]
}

/// The first of `urls` that answers with a metadata document, and that document.
pub fn fetch_first(urls: &[Url], timeout: Duration, tls: &crate::transport::http::TlsOptions) -> Result<(Url, Value), NoMetadata> {
    let mut tried = Vec::new();
    for url in urls {
        match fetch(url, timeout, tls) {
            Ok(meta) => return Ok((url.clone(), meta)),
            Err(problem) => tried.push((url.clone(), problem)),
        }
    }
    Err(NoMetadata { tried })
}

/// A TOML string literal (quotes and escapes as TOML wants them).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The draft for the server whose metadata `meta` was fetched from `source`.
pub fn draft(source: &Url, meta: &Value, a: &Answers) -> Draft {
    let mut vars = Vec::new();
    let mut placeholder = |var: &'static str, what: &'static str| {
        vars.push((var, what));
        format!("${{{var}}}")
    };
    let issuer = meta.get("issuer").and_then(Value::as_str).map(|s| s.trim_end_matches('/').to_string());
    let base = issuer.clone().unwrap_or_else(|| source.origin().ascii_serialization());
    let mut t = format!(
        "# Target file drafted by `oauth-conformance init` from {source}.\n\
         # Read it through before the first run. Values from the metadata are read again from\n\
         # discovery_url at every run; secrets are ${{VAR}} placeholders, set in the environment,\n\
         # never written here. Every key: docs/target-file.md.\n\
         profile = \"rfc6749\"\nbase_url = {}\ndiscovery_url = {}\n",
        quoted(&base),
        quoted(source.as_str())
    );
    probe(&mut t, meta, a);
    endpoints(&mut t, meta);
    capabilities(&mut t, meta);
    let client_id = a.client_id.clone().unwrap_or_else(|| placeholder("OAUTH_CLIENT_ID", "the client's id, as registered at the server"));
    let _ = write!(t, "\n[client]\n# Registered at the server for the authorization code grant.\nid = {}\n", quoted(&client_id));
    if !a.public {
        let _ = writeln!(t, "secret = {}", quoted(&placeholder("OAUTH_CLIENT_SECRET", "the client's secret")));
    }
    let redirect = a.redirect_uri.clone().unwrap_or_else(|| placeholder("OAUTH_REDIRECT_URI", "a redirect URI registered for the client (never contacted)"));
    let _ = writeln!(t, "redirect_uri = {}", quoted(&redirect));
    scope(&mut t, meta, a.scope.as_deref());
    match &a.second_client_id {
        Some(id) => {
            let uri = a.second_redirect_uri.clone().unwrap_or_else(|| placeholder("OAUTH_SECOND_REDIRECT_URI", "the second client's redirect URI"));
            let secret = placeholder("OAUTH_SECOND_CLIENT_SECRET", "the second client's secret");
            let _ = write!(t, "\n[second_client]\nid = {}\nsecret = {}\nredirect_uri = {}\n", quoted(id), quoted(&secret), quoted(&uri));
        }
        None => t.push_str(SECOND_CLIENT),
    }
    optional_clients(&mut t, meta);
    let user = a.username.clone().unwrap_or_else(|| placeholder("OAUTH_LOGIN_USERNAME", "a test user's name at the login page"));
    let password = placeholder("OAUTH_LOGIN_PASSWORD", "that user's password");
    let _ = write!(t, "\n[login]\n# A test user; the suite logs in and approves (or denies) like a person would.\nusername = {}\npassword = {}\n{LOGIN_NOTES}", quoted(&user), quoted(&password));
    if let Some(ca) = &a.ca_cert {
        let _ = write!(t, "\n[tls]\n# The CA that signed the server's certificate (init --ca-cert), trusted by every run.\nca_cert = {}\n", quoted(&ca.to_string_lossy()));
    }
    Draft { text: t, variables: vars }
}

/// `probe_url`: the user's, else the OpenID Connect userinfo endpoint (only for a scope with
/// openid: UserInfo serves tokens of OpenID requests, Core §5.3), else a commented line.
fn probe(t: &mut String, meta: &Value, a: &Answers) {
    let userinfo = meta.get("userinfo_endpoint").and_then(Value::as_str);
    let openid = a.scope.as_deref().is_none_or(|s| s.split(' ').any(|x| x == "openid"));
    match (a.probe_url.as_deref(), userinfo) {
        (Some(p), _) => {
            let _ = writeln!(t, "probe_url = {}", quoted(p));
        }
        (None, Some(u)) if !openid => {
            let _ = writeln!(t, "# The userinfo endpoint takes only tokens whose scope holds openid (OpenID Connect Core §5.3),
# which this client's scope lacks; a protected resource that takes its tokens goes here.
# probe_url = {}", quoted(u));
        }
        (None, Some(u)) => {
            let _ = writeln!(t, "# The userinfo endpoint: a protected resource that takes user tokens (add scope \"openid\").\nprobe_url = {}", quoted(u));
        }
        (None, None) => t.push_str("# A protected resource that accepts this server's access tokens; without it the bearer,\n# DPoP and resource cases are skipped.\n# probe_url = \"https://api.example/me\"\n"),
    }
}

/// The endpoints the metadata names, as comments: the run reads them from discovery_url.
fn endpoints(t: &mut String, meta: &Value) {
    t.push_str("\n# Endpoints from the metadata (an [endpoints] table would override them):\n");
    for (key, member) in ENDPOINTS {
        let v = meta.get(member).and_then(Value::as_str).unwrap_or("(not in the metadata)");
        let _ = writeln!(t, "#   {key:<21} {v}");
    }
}

/// What the metadata says the server offers (as comments), and the `[capabilities]` no member
/// can state, commented out for the user to decide.
fn capabilities(t: &mut String, meta: &Value) {
    let mut caps = Capabilities::default();
    observe(&mut caps, meta, false);
    t.push_str("\n# What the metadata says the server offers (cases that need what it lacks are skipped):\n");
    for c in Capability::ALL {
        if let Some(member) = c.source().strip_prefix("metadata: ") {
            let mark = if caps.offers(c) { "yes" } else { "no " };
            let _ = writeln!(t, "#   {mark} {:<55} ({member})", c.describe());
        }
    }
    let post = lists(meta, "token_endpoint_auth_methods_supported", "client_secret_post");
    let listed = if post { "the metadata lists it, server-wide" } else { "the metadata does not list it" };
    let _ = write!(
        t,
        "\n[capabilities]\n# No metadata member says these; uncomment what holds for this server and client.\n\
         # The server issues a new refresh token at each refresh (RFC 9700 §4.14.2):\n# refresh_rotation = true\n\
         # This client may send its secret in the request body (RFC 6749 §2.3.1; {listed}):\n# client_secret_post = true\n"
    );
}

/// `scope`: the user's, else a commented line with the scopes the metadata lists.
fn scope(t: &mut String, meta: &Value, scope: Option<&str>) {
    match scope {
        Some(s) => {
            let _ = writeln!(t, "scope = {}", quoted(s));
        }
        None => {
            let listed: Vec<&str> = meta.get("scopes_supported").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let hint = if listed.is_empty() { String::new() } else { format!(" (scopes_supported: {})", listed.join(" ")) };
            let _ = writeln!(t, "# The scope the client asks for; the server's default when absent{hint}.\n# scope = \"openid\"");
        }
    }
}

/// The clients a server may offer beyond the first, as commented tables with every key.
fn optional_clients(t: &mut String, meta: &Value) {
    if lists(meta, "grant_types_supported", "client_credentials") {
        t.push_str("\n# A client for the client credentials grant (the token-cc cases); without it the first client is used.\n# [cc_client]\n# id = \"cc-client\"\n# secret = \"${OAUTH_CC_CLIENT_SECRET}\"\n");
    }
    t.push_str(PUBLIC_CLIENT);
    if lists(meta, "token_endpoint_auth_methods_supported", "private_key_jwt") {
        t.push_str("\n# A client registered for private_key_jwt (RFC 7523) with this PKCS#8 P-256 key (ES256).\n# [jwt_client]\n# id = \"jwt-client\"\n# private_key = \"jwt-client.pem\"\n");
    }
    if meta.get("device_authorization_endpoint").is_some_and(Value::is_string) {
        t.push_str("\n# The client for the device grant (RFC 8628), public (no secret) or confidential; default: [client].\n# [device_client]\n# id = \"device-client\"\n");
    }
}

const SECOND_CLIENT: &str = "\n# A second registered client: the cases where one client presents another's code, token or\n\
# refresh token need it, and are skipped without it.\n# [second_client]\n# id = \"other-client\"\n\
# secret = \"${OAUTH_SECOND_CLIENT_SECRET}\"\n# redirect_uri = \"https://other.example/cb\"\n";

const PUBLIC_CLIENT: &str = "\n# A public client (no secret), for the PKCE-required and public-client cases.\n\
# application_type = \"native\" for a native app whose loopback redirect URI may take any port (RFC 8252 §7.3).\n\
# [public_client]\n# id = \"public-app\"\n# redirect_uri = \"http://127.0.0.1/cb\"\n# scope = \"openid\"\n# application_type = \"native\"\n";

const LOGIN_NOTES: &str = "# A login page built by JavaScript needs the chromium driver: driver = \"chromium\".\n\
# A server that remembers consent shows no page to deny on; where it honours OpenID Connect's\n\
# prompt=consent, an [authorize] table with prompt = \"consent\" brings the page back.\n";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta() -> Value {
        json!({
            "issuer": "https://as.example/realms/x",
            "authorization_endpoint": "https://as.example/realms/x/auth",
            "token_endpoint": "https://as.example/realms/x/token",
            "userinfo_endpoint": "https://as.example/realms/x/userinfo",
            "authorization_response_iss_parameter_supported": true,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "scopes_supported": ["openid", "profile"]
        })
    }

    fn parses(text: &str, env: &[(&str, &str)]) -> crate::target::file::Target {
        let lookup = |v: &str| env.iter().find(|(k, _)| *k == v).map(|(_, val)| val.to_string());
        crate::target::file::Target::parse("t.toml", text, &lookup).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn an_issuer_with_a_path_has_the_rfc8414_url_first_then_the_openid_one() {
        let urls = metadata_urls(&Url::parse("https://as.example/realms/x/").unwrap());
        let urls: Vec<&str> = urls.iter().map(Url::as_str).collect();
        assert_eq!(urls, ["https://as.example/.well-known/oauth-authorization-server/realms/x", "https://as.example/realms/x/.well-known/openid-configuration"]);
    }

    #[test]
    fn unanswered_values_become_placeholders_and_the_draft_parses_once_they_are_set() {
        let d = draft(&Url::parse("https://as.example/realms/x/.well-known/openid-configuration").unwrap(), &meta(), &Answers::default());
        let names: Vec<&str> = d.variables.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_REDIRECT_URI", "OAUTH_LOGIN_USERNAME", "OAUTH_LOGIN_PASSWORD"]);
        let env = [("OAUTH_CLIENT_ID", "c"), ("OAUTH_CLIENT_SECRET", "s"), ("OAUTH_REDIRECT_URI", "https://app/cb"), ("OAUTH_LOGIN_USERNAME", "u"), ("OAUTH_LOGIN_PASSWORD", "p")];
        let target = parses(&d.text, &env);
        assert_eq!(target.base_url.as_str(), "https://as.example/realms/x");
        assert_eq!(target.probe_url.as_ref().map(Url::as_str), Some("https://as.example/realms/x/userinfo"));
        assert_eq!(target.client.secret.as_deref(), Some("s"));
        assert!(target.second_client.is_none() && target.endpoints.is_empty());
    }

    #[test]
    fn answers_are_written_as_given_and_quoted_as_toml_wants() {
        let a = Answers {
            client_id: Some("my \"odd\" client".into()),
            public: true,
            redirect_uri: Some("https://app.example/cb".into()),
            scope: Some("openid profile".into()),
            second_client_id: Some("other".into()),
            username: Some("alice".into()),
            probe_url: Some("https://api.example/me".into()),
            ..Answers::default()
        };
        let d = draft(&Url::parse("https://as.example/.well-known/oauth-authorization-server").unwrap(), &meta(), &a);
        let names: Vec<&str> = d.variables.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["OAUTH_SECOND_REDIRECT_URI", "OAUTH_SECOND_CLIENT_SECRET", "OAUTH_LOGIN_PASSWORD"]);
        let env = [("OAUTH_SECOND_REDIRECT_URI", "https://o/cb"), ("OAUTH_SECOND_CLIENT_SECRET", "s2"), ("OAUTH_LOGIN_PASSWORD", "p")];
        let target = parses(&d.text, &env);
        assert_eq!(target.client.id, "my \"odd\" client");
        assert_eq!(target.client.secret, None);
        assert_eq!(target.client.scope.as_deref(), Some("openid profile"));
        assert_eq!(target.probe_url.as_ref().map(Url::as_str), Some("https://api.example/me"));
        assert_eq!(target.second_client.as_ref().map(|c| c.id.as_str()), Some("other"));
    }

    #[rstest::rstest]
    #[case::no_scope_given(None, true)]
    #[case::scope_with_openid(Some("openid accounts"), true)]
    #[case::scope_without_openid(Some("accounts"), false)]
    fn userinfo_is_the_probe_only_for_a_scope_that_holds_openid(#[case] scope: Option<&str>, #[case] probes: bool) {
        let a = Answers { scope: scope.map(String::from), ..Answers::default() };
        let d = draft(&Url::parse("https://as.example/realms/x/.well-known/openid-configuration").unwrap(), &meta(), &a);
        let line = "probe_url = \"https://as.example/realms/x/userinfo\"";
        assert_eq!(d.text.lines().any(|l| l == line), probes, "{}", d.text);
        assert!(d.text.contains(line), "named either way");
    }

    #[test]
    fn the_draft_lists_what_the_metadata_offers_and_leaves_the_rest_to_the_user() {
        let d = draft(&Url::parse("https://as.example/.well-known/oauth-authorization-server").unwrap(), &meta(), &Answers::default());
        assert!(d.text.contains("#   yes RFC 9207 iss in authorization responses"), "{}", d.text);
        assert!(d.text.contains("#   no  RFC 9126 pushed authorization requests"), "{}", d.text);
        assert!(d.text.contains("#   token                 https://as.example/realms/x/token"), "{}", d.text);
        assert!(d.text.contains("# refresh_rotation = true") && d.text.contains("the metadata does not list it"), "{}", d.text);
        assert!(d.text.contains("# [jwt_client]") && d.text.contains("# [cc_client]") && !d.text.contains("# [device_client]"), "{}", d.text);
        assert!(d.text.contains("(scopes_supported: openid profile)"), "{}", d.text);
    }
}
