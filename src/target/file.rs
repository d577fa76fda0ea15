//! The target file: which server to judge, with which clients and user. Values may be
//! `${ENV_VAR}` so secrets stay out of files.
use indexmap::IndexMap;
use serde::Deserialize;

use crate::model::capability::Capability;
use toml::Spanned;
use url::Url;

use crate::suite::case::{self};
use crate::model::load_error::LoadError;
use crate::suite::profile::Profile;

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    /// The client registered exactly one redirect_uri and may omit it (RFC 6749 §3.1.2.3).
    pub redirect_uri_optional: bool,
}

/// `[jwt_client]`: a client that authenticates with assertions signed by its private key.
#[derive(Debug, Clone)]
pub struct JwtClient {
    pub id: String,
    pub key: crate::jose::assertion::SigningKey,
}

impl Client {
    /// An http redirect URI on a loopback IP literal (RFC 8252 §7.3): a native client's.
    pub fn is_loopback(&self) -> bool {
        let Some(u) = self.redirect_uri.as_deref().and_then(|u| Url::parse(u).ok()) else { return false };
        u.scheme() == "http" && (matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback()) || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback()))
    }
}

#[derive(Debug, Clone)]
pub struct Login {
    pub username: String,
    pub password: String,
    pub username_field: Option<String>,
    pub password_field: Option<String>,
    /// Who gets a person through the login pages.
    pub driver: LoginDriver,
    /// How long one login may take (the command driver's bound).
    pub timeout: std::time::Duration,
    /// Scripted steps for pages the heuristics cannot read (chromium driver).
    pub steps: Vec<LoginStep>,
}

/// `[[login.step]]`: on a page whose URL contains `url`, wait for an element, type into some,
/// click some in order — CSS selectors; `{username}` and `{password}` in typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginStep {
    pub url: String,
    /// Only when approving, or only when denying; both when absent.
    pub choice: Option<String>,
    pub wait_for: Option<String>,
    pub fill: Vec<(String, String)>,
    /// The step applies only where this selector matches (an application that shows its login
    /// and its consent at one URL); elsewhere at `url` the heuristics act.
    pub when: Option<String>,
    /// Clicked in order (a checkbox to tick, then the button).
    pub click: Vec<String>,
}

/// `[login] driver`: the built-in form driver, or a program the user already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginDriver {
    /// Parses server-rendered HTML forms (fast, no browser).
    Form,
    /// Runs `argv` with the authorization URL as its last argument, from the target file's
    /// folder; it prints the final redirect URL (see `login::command`).
    Command { argv: Vec<String>, dir: std::path::PathBuf },
    /// Headless Chromium over the DevTools protocol (see `login::chromium`).
    Chromium,
}

impl Login {
    /// A login with the form driver and the default bound, for targets made in code.
    pub fn form(username: &str, password: &str) -> Login {
        Login {
            username: username.into(),
            password: password.into(),
            username_field: None,
            password_field: None,
            driver: LoginDriver::Form,
            timeout: std::time::Duration::from_secs(30),
            steps: Vec::new(),
        }
    }
}

/// A validated target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where it was read from, for messages ("embedded reference" when made in-process).
    pub source: String,
    pub profile: String,
    pub base_url: Url,
    pub probe_url: Option<Url>,
    pub client: Client,
    pub second_client: Option<Client>,
    /// The client for client-credentials requests, where the server wants a separate one.
    pub cc_client: Option<Client>,
    /// A public client (no secret: client_id in the form, PKCE), for the public-client cases.
    pub public_client: Option<Client>,
    /// A client registered for private_key_jwt (RFC 7523 §2.2) and its ES256 key.
    pub jwt_client: Option<JwtClient>,
    /// RFC 8414 metadata that fills the endpoints the target file does not give.
    pub discovery_url: Option<Url>,
    pub login: Option<Login>,
    /// Extra query parameters on every authorization request.
    pub authorize: Vec<(String, String)>,
    /// Endpoint path (or absolute URL) overrides.
    pub endpoints: IndexMap<String, String>,
    /// Mutual TLS and extra trust, from the `[tls]` table.
    pub tls: Option<Tls>,
    /// What the server offers: from its RFC 8414 metadata (discovery), overridden by the target
    /// file's `[capabilities]`.
    pub capabilities: Capabilities,
    /// `[slow]`: seconds to wait before a code or access token must be dead (the slow cases).
    pub slow: std::collections::BTreeMap<String, u64>,
    lines: Lines,
}

/// Which capabilities the target offers: the target file's word first, then the metadata's;
/// absent from both, not offered.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    explicit: std::collections::BTreeMap<Capability, bool>,
    from_metadata: std::collections::BTreeMap<Capability, bool>,
}

impl Capabilities {
    pub fn offers(&self, c: Capability) -> bool {
        self.explicit.get(&c).or_else(|| self.from_metadata.get(&c)).copied().unwrap_or(c.default_offered())
    }

    /// Why a case needing `c` is skipped here.
    pub fn missing_reason(&self, c: Capability) -> String {
        match self.explicit.get(&c) {
            Some(false) => format!("the server does not offer {} (target file: [capabilities] {} = false)", c.describe(), c.name()),
            _ => format!("the server does not offer {} ({})", c.describe(), c.source()),
        }
    }
}

/// `[tls]`: files are read when the target is loaded; paths are relative to the target file.
#[derive(Debug, Clone)]
pub struct Tls {
    /// Client certificate and key (PEM, concatenated) for mutual TLS.
    pub identity: Option<Vec<u8>>,
    /// A CA certificate (PEM) to trust for this target.
    pub ca_cert: Option<Vec<u8>>,
}

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    profile: Text,
    base_url: Text,
    probe_url: Option<Text>,
    client: Spanned<RawClient>,
    second_client: Option<Spanned<RawClient>>,
    cc_client: Option<Spanned<RawClient>>,
    public_client: Option<Spanned<RawClient>>,
    jwt_client: Option<Spanned<RawJwtClient>>,
    discovery_url: Option<Text>,
    login: Option<RawLogin>,
    #[serde(default)]
    authorize: IndexMap<String, Text>,
    #[serde(default)]
    endpoints: IndexMap<String, Text>,
    tls: Option<RawTls>,
    /// Explicit capabilities (`iss = true`, …): they override what the metadata says.
    #[serde(default)]
    capabilities: IndexMap<String, Spanned<bool>>,
    /// Waits for the slow cases, in seconds (`code`, `access_token`).
    #[serde(default)]
    slow: IndexMap<String, Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    client_cert: Option<Text>,
    client_key: Option<Text>,
    ca_cert: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    id: Text,
    secret: Option<Text>,
    redirect_uri: Option<Text>,
    scope: Option<Text>,
    #[serde(default)]
    redirect_uri_optional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwtClient {
    id: Text,
    /// A PKCS#8 PEM file, relative to the target file, or the PEM itself (`${VAR}` works).
    private_key: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogin {
    username: Text,
    password: Text,
    username_field: Option<Text>,
    password_field: Option<Text>,
    driver: Option<Text>,
    command: Option<Spanned<Vec<String>>>,
    timeout: Option<Spanned<u64>>,
    #[serde(default)]
    step: Vec<Spanned<RawLoginStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoginStep {
    url: String,
    choice: Option<String>,
    when: Option<String>,
    wait_for: Option<String>,
    #[serde(default, rename = "type")]
    fill: IndexMap<String, String>,
    /// A CSS selector, or a list of them (checked when the target is read).
    click: Option<toml::Value>,
}

struct Expander<'a> {
    file: &'a str,
    text: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Expander<'_> {
    fn err(&self, pos: usize, field: &str, message: String) -> LoadError {
        LoadError { file: self.file.to_string(), line: crate::model::load_error::line_of(self.text, pos), message: format!("field `{field}`: {message}") }
    }

    /// The value with `${VAR}` replaced from the environment.
    fn value(&self, t: &Text, field: &str) -> Result<String, LoadError> {
        let s = t.get_ref();
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after.find('}').ok_or_else(|| self.err(t.span().start, field, "unclosed `${`".into()))?;
            let var = &after[..end];
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.err(t.span().start, field, format!("`${{{var}}}` is not an environment variable name")));
            }
            let v = (self.env)(var)
                .ok_or_else(|| self.err(t.span().start, field, format!("environment variable {var} is not set")))?;
            out.push_str(&v);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if out.is_empty() {
            return Err(self.err(t.span().start, field, "must not be empty".into()));
        }
        Ok(out)
    }

    fn url(&self, t: &Text, field: &str) -> Result<Url, LoadError> {
        let v = self.value(t, field)?;
        let u = Url::parse(&v).map_err(|e| self.err(t.span().start, field, format!("`{v}` is not an absolute URL: {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(self.err(t.span().start, field, format!("`{v}` must be an http or https URL")));
        }
        Ok(u)
    }

    fn client(&self, c: &Spanned<RawClient>, table: &str) -> Result<Client, LoadError> {
        let r = c.get_ref();
        let opt = |t: &Option<Text>, f: &str| t.as_ref().map(|t| self.value(t, &format!("{table}.{f}"))).transpose();
        let redirect_uri = match &r.redirect_uri {
            Some(t) => {
                let field = format!("{table}.redirect_uri");
                let v = self.value(t, &field)?;
                Url::parse(&v).map_err(|e| self.err(t.span().start, &field, format!("`{v}` is not an absolute URI: {e}")))?;
                Some(v)
            }
            None => None,
        };
        Ok(Client {
            id: self.value(&r.id, &format!("{table}.id"))?,
            secret: opt(&r.secret, "secret")?,
            redirect_uri,
            scope: opt(&r.scope, "scope")?,
            redirect_uri_optional: r.redirect_uri_optional,
        })
    }
}

impl Target {
    /// Reads and validates a target file's text, expanding `${VAR}` with `env`.
    pub fn parse(file: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, LoadError> {
        let raw: RawTarget = toml::from_str(text).map_err(|e| crate::model::load_error::toml_error(file, text, &e))?;
        let x = Expander { file, text, env };
        let login = match &raw.login {
            Some(l) => {
                let driver = match (l.driver.as_ref().map(|d| (d, d.get_ref().as_str())), &l.command) {
                    (None | Some((_, "form")), None) => LoginDriver::Form,
                    (Some((_, "chromium")), None) => LoginDriver::Chromium,
                    (Some((_, "command")), Some(c)) if !c.get_ref().is_empty() && !c.get_ref()[0].is_empty() => LoginDriver::Command {
                        argv: c.get_ref().iter().enumerate().map(|(i, a)| x.value(&Spanned::new(c.span(), a.clone()), &format!("login.command[{i}]"))).collect::<Result<_, _>>()?,
                        dir: std::path::Path::new(file).parent().map(|p| p.to_path_buf()).unwrap_or_default(),
                    },
                    (Some((_, "command")), Some(c)) => return Err(x.err(c.span().start, "login.command", "needs the program to run, e.g. [\"node\", \"login.mjs\"]".into())),
                    (Some((d, "command")), None) => return Err(x.err(d.span().start, "login.driver", "driver = \"command\" needs login.command, e.g. [\"node\", \"login.mjs\"]".into())),
                    (_, Some(c)) => return Err(x.err(c.span().start, "login.command", "only for driver = \"command\"".into())),
                    (Some((d, other)), None) => {
                        return Err(x.err(d.span().start, "login.driver", format!("unknown driver `{other}` (form, chromium or command)")));
                    }
                };
                let timeout = match &l.timeout {
                    Some(t) if !(1..=600).contains(t.get_ref()) => return Err(x.err(t.span().start, "login.timeout", "seconds between 1 and 600".into())),
                    Some(t) => std::time::Duration::from_secs(*t.get_ref()),
                    None => std::time::Duration::from_secs(30),
                };
                let mut steps = Vec::new();
                for (i, st) in l.step.iter().enumerate() {
                    let field = format!("login.step[{i}]");
                    let r = st.get_ref();
                    if driver != LoginDriver::Chromium {
                        return Err(x.err(st.span().start, &field, "scripted steps need driver = \"chromium\"".into()));
                    }
                    let click = match &r.click {
                        None => Vec::new(),
                        Some(toml::Value::String(one)) => vec![one.clone()],
                        Some(toml::Value::Array(list)) if list.iter().all(toml::Value::is_str) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                        Some(_) => {
                            return Err(x.err(st.span().start, &format!("{field}.click"), "a CSS selector, or a list of them".into()));
                        }
                    };
                    if r.wait_for.is_none() && r.fill.is_empty() && click.is_empty() {
                        return Err(x.err(st.span().start, &field, "a step needs wait_for, type or click".into()));
                    }
                    if let Some(c) = r.choice.as_deref().filter(|c| !matches!(*c, "approve" | "deny")) {
                        return Err(x.err(st.span().start, &field, format!("choice `{c}`: approve or deny")));
                    }
                    steps.push(LoginStep {
                        url: r.url.clone(),
                        choice: r.choice.clone(),
                        when: r.when.clone(),
                        wait_for: r.wait_for.clone(),
                        fill: r.fill.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                        click,
                    });
                }
                Some(Login {
                    steps,
                    username: x.value(&l.username, "login.username")?,
                    password: x.value(&l.password, "login.password")?,
                    username_field: l.username_field.as_ref().map(|t| x.value(t, "login.username_field")).transpose()?,
                    password_field: l.password_field.as_ref().map(|t| x.value(t, "login.password_field")).transpose()?,
                    driver,
                    timeout,
                })
            }
            None => None,
        };
        let mut authorize = Vec::new();
        for (k, v) in &raw.authorize {
            authorize.push((k.clone(), x.value(v, &format!("authorize.{k}"))?));
        }
        let mut endpoints = IndexMap::new();
        for (k, v) in &raw.endpoints {
            let val = x.value(v, &format!("endpoints.{k}"))?;
            if !val.starts_with('/') && Url::parse(&val).is_err() {
                return Err(x.err(v.span().start, &format!("endpoints.{k}"), format!("`{val}` is neither a path starting with / nor an absolute URL")));
            }
            endpoints.insert(k.clone(), val);
        }
        let tls = match &raw.tls {
            None => None,
            Some(t) => {
                let base = std::path::Path::new(file).parent().map(|p| p.to_path_buf()).unwrap_or_default();
                let read = |v: &Text, field: &str| -> Result<Vec<u8>, LoadError> {
                    let path = x.value(v, field)?;
                    let full = base.join(&path);
                    std::fs::read(&full).map_err(|e| x.err(v.span().start, field, format!("cannot read {}: {e}", full.display())))
                };
                let identity = match (&t.client_cert, &t.client_key) {
                    (Some(c), Some(k)) => {
                        let mut pem = read(c, "tls.client_cert")?;
                        pem.push(b'\n');
                        pem.extend(read(k, "tls.client_key")?);
                        Some(pem)
                    }
                    (None, None) => None,
                    (Some(c), None) => return Err(x.err(c.span().start, "tls.client_key", "client_cert needs client_key".into())),
                    (None, Some(k)) => return Err(x.err(k.span().start, "tls.client_cert", "client_key needs client_cert".into())),
                };
                let ca_cert = t.ca_cert.as_ref().map(|c| read(c, "tls.ca_cert")).transpose()?;
                Some(Tls { identity, ca_cert })
            }
        };
        let lines = Lines {
            profile: crate::model::load_error::line_of(text, raw.profile.span().start),
            client: crate::model::load_error::line_of(text, raw.client.span().start),
            second_client: raw.second_client.as_ref().map(|c| crate::model::load_error::line_of(text, c.span().start)),
            endpoints: raw.endpoints.iter().map(|(k, v)| (k.clone(), crate::model::load_error::line_of(text, v.span().start))).collect(),
        };
        Ok(Target {
            source: file.to_string(),
            profile: x.value(&raw.profile, "profile")?,
            base_url: x.url(&raw.base_url, "base_url")?,
            probe_url: raw.probe_url.as_ref().map(|t| x.url(t, "probe_url")).transpose()?,
            client: x.client(&raw.client, "client")?,
            second_client: raw.second_client.as_ref().map(|c| x.client(c, "second_client")).transpose()?,
            cc_client: raw.cc_client.as_ref().map(|c| x.client(c, "cc_client")).transpose()?,
            public_client: match &raw.public_client {
                Some(c) if c.get_ref().secret.is_some() => {
                    return Err(x.err(c.span().start, "public_client.secret", "a public client has no secret (RFC 6749 §2.1)".into()));
                }
                Some(c) => Some(x.client(c, "public_client")?),
                None => None,
            },
            jwt_client: match &raw.jwt_client {
                None => None,
                Some(j) => {
                    let r = j.get_ref();
                    let value = x.value(&r.private_key, "jwt_client.private_key")?;
                    let pem = if value.trim_start().starts_with("-----BEGIN") {
                        value
                    } else {
                        let full = std::path::Path::new(file).parent().map(|p| p.to_path_buf()).unwrap_or_default().join(&value);
                        std::fs::read_to_string(&full).map_err(|e| x.err(r.private_key.span().start, "jwt_client.private_key", format!("cannot read {}: {}", full.display(), crate::model::load_error::io_message(&e))))?
                    };
                    let key = crate::jose::assertion::SigningKey::from_pem(&pem).map_err(|e| x.err(r.private_key.span().start, "jwt_client.private_key", e.to_string()))?;
                    Some(JwtClient { id: x.value(&r.id, "jwt_client.id")?, key })
                }
            },
            discovery_url: raw.discovery_url.as_ref().map(|t| x.url(t, "discovery_url")).transpose()?,
            capabilities: {
                let mut caps = Capabilities::default();
                caps.from_metadata.insert(Capability::Metadata, raw.discovery_url.is_some());
                for (k, v) in &raw.capabilities {
                    let c = Capability::ALL.iter().copied().find(|c| c.name() == k).ok_or_else(|| {
                        let known: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
                        x.err(v.span().start, &format!("capabilities.{k}"), format!("unknown capability (known: {})", known.join(", ")))
                    })?;
                    caps.explicit.insert(c, *v.get_ref());
                }
                caps
            },
            slow: {
                let mut waits = std::collections::BTreeMap::new();
                for (k, v) in &raw.slow {
                    if !case::WAITS.iter().any(|(w, _)| w == k) {
                        let known: Vec<&str> = case::WAITS.iter().map(|(w, _)| *w).collect();
                        return Err(x.err(v.span().start, &format!("slow.{k}"), format!("unknown wait (known: {})", known.join(", "))));
                    }
                    if !(1..=7200).contains(v.get_ref()) {
                        return Err(x.err(v.span().start, &format!("slow.{k}"), "seconds between 1 and 7200".into()));
                    }
                    waits.insert(k.clone(), *v.get_ref());
                }
                waits
            },
            login,
            authorize,
            endpoints,
            tls,
            lines,
        })
    }

    /// Reads a target file from disk.
    pub fn load(path: &std::path::Path) -> Result<Target, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LoadError { file: file.clone(), line: 1, message: crate::model::load_error::io_message(&e) })?;
        let t = Target::parse(&file, &text, &|v| std::env::var(v).ok())?;
        Ok(t)
    }

    /// Refuses a target naming a profile the suite does not have.
    pub fn check_profile_known(&self, known: &[String]) -> Result<(), LoadError> {
        if known.contains(&self.profile) {
            return Ok(());
        }
        Err(LoadError {
            file: self.source.clone(),
            line: self.lines.profile,
            message: format!("field `profile`: unknown profile `{}` (known: {})", self.profile, known.join(", ")),
        })
    }

    /// Refuses a target that cannot serve `profile`: unknown endpoint overrides, or a value the
    /// profile's requests need (client secret, redirect_uri, scope) missing.
    pub fn check_against(&self, profile: &Profile) -> Result<(), LoadError> {
        let lines = &self.lines;
        let err = |line: usize, message: String| LoadError { file: self.source.clone(), line, message };
        if self.profile != profile.name {
            return Err(err(lines.profile, format!("field `profile`: target is for `{}`, not `{}`", self.profile, profile.name)));
        }
        for k in self.endpoints.keys() {
            if !profile.endpoints.values().any(|e| e.url_key == *k) {
                let line = lines.endpoints.get(k).copied().unwrap_or(1);
                return Err(err(
                    line,
                    format!("field `endpoints.{k}`: profile {} has no endpoint `{k}` (it has: {})", profile.name, {
                        let mut keys: Vec<String> = profile.endpoints.values().map(|e| e.url_key.clone()).collect();
                        keys.dedup();
                        keys.join(", ")
                    }),
                ));
            }
        }
        let uses = |name: &str| {
            let needle = format!("{{{name}}}");
            profile.endpoints.values().any(|e| e.query.iter().chain(&e.form).any(|(_, v)| v.contains(&needle)))
        };
        let uses_basic = profile.endpoints.values().any(|e| e.auth == crate::suite::case::Auth::Basic);
        for (table, client, line) in [("client", Some(&self.client), lines.client), ("second_client", self.second_client.as_ref(), lines.second_client.unwrap_or(1))] {
            let Some(c) = client else { continue };
            if uses_basic && c.secret.is_none() {
                return Err(err(line, format!("field `{table}.secret`: required by profile {} (HTTP Basic client authentication)", profile.name)));
            }
            if uses("redirect_uri") && c.redirect_uri.is_none() {
                return Err(err(line, format!("field `{table}.redirect_uri`: required by profile {}", profile.name)));
            }
        }
        if uses("scope") && self.client.scope.is_none() {
            return Err(err(lines.client, format!("field `client.scope`: required by profile {}", profile.name)));
        }
        Ok(())
    }

    /// The URL of `endpoint`: the target's override (a path under base_url, or absolute), else the
    /// profile's path under base_url. The probe is the target's probe_url.
    pub fn url_for(&self, profile: &Profile, endpoint: &str) -> Option<Url> {
        if endpoint == "probe" {
            return self.probe_url.clone();
        }
        if endpoint == "metadata"
            && let Some(d) = &self.discovery_url {
                return Some(d.clone());
            }
        let ep = profile.endpoints.get(endpoint)?;
        let path = match self.endpoints.get(&ep.url_key) {
            Some(p) => p.clone(),
            None => ep.path.clone(),
        };
        if let Ok(abs) = Url::parse(&path) {
            return Some(abs);
        }
        Url::parse(&format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)).ok()
    }

    /// The issuer identifier the metadata URL derives from (RFC 8414 §3: the well-known segment
    /// sits between host and path), else the base URL.
    pub fn issuer(&self) -> String {
        const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";
        match &self.discovery_url {
            Some(d) if d.path().starts_with(WELL_KNOWN) => {
                let rest = &d.path()[WELL_KNOWN.len()..];
                format!("{}{}", d.origin().ascii_serialization(), rest)
            }
            _ => self.base_url.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// Every secret the target file holds, for redaction.
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(self.client.secret.clone().map(|s| ("secret", s)));
        for c in self.second_client.iter().chain(&self.cc_client) {
            out.extend(c.secret.clone().map(|s| ("secret", s)));
        }
        if let Some(l) = &self.login {
            out.push(("password", l.password.clone()));
        }
        out
    }
}

/// Where the target file's tables were, for check_against's messages.
#[derive(Debug, Clone, Default)]
struct Lines {
    profile: usize,
    client: usize,
    second_client: Option<usize>,
    endpoints: IndexMap<String, usize>,
}

/// Why discovery (RFC 8414) could not fill the target's endpoints.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("discovery_url {url}: {message}")]
    Failed { url: Url, message: String },
}

impl Target {
    /// RFC 8414: fills the authorize, token and revoke endpoints the target file does not give
    /// from the server's metadata at `discovery_url`.
    pub fn discover(&mut self, timeout: std::time::Duration) -> Result<(), DiscoveryError> {
        let Some(url) = self.discovery_url.clone() else { return Ok(()) };
        let fail = |message: String| DiscoveryError::Failed { url: url.clone(), message };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(e.to_string()))?;
        let http = crate::transport::http::Http::new(timeout, crate::transport::http::DEFAULT_BODY_CAP).map_err(|e| fail(e.to_string()))?;
        let request = crate::transport::http::HttpRequest { method: "GET".into(), url: url.clone(), headers: vec![("accept".into(), "application/json".into())], body: None };
        let resp = rt.block_on(http.send(request)).response.map_err(|e| fail(e.to_string()))?;
        if resp.status != 200 {
            return Err(fail(format!("answered {} instead of 200", resp.status)));
        }
        let meta = resp.json().filter(|v| v.is_object()).ok_or_else(|| fail("the answer is not a JSON object".into()))?;
        self.capabilities.from_metadata.insert(Capability::Iss, meta.get("authorization_response_iss_parameter_supported") == Some(&serde_json::Value::Bool(true)));
        self.capabilities.from_metadata.insert(Capability::Introspection, meta.get("introspection_endpoint").is_some_and(|v| v.is_string()));
        // RFC 8414 §2: revocation_endpoint is the metadata's word on RFC 7009 support, unless
        // the target file names the endpoint itself.
        let methods = meta.get("token_endpoint_auth_methods_supported").and_then(|v| v.as_array());
        self.capabilities.from_metadata.insert(Capability::PrivateKeyJwt, methods.is_some_and(|m| m.iter().any(|v| v == "private_key_jwt")));
        self.capabilities.from_metadata.insert(Capability::DeviceGrant, meta.get("device_authorization_endpoint").is_some_and(|v| v.is_string()));
        // The suite signs ES256 proofs: a server that lists other algorithms only is not one it can test.
        let dpop_algs = meta.get("dpop_signing_alg_values_supported").and_then(|v| v.as_array());
        self.capabilities.from_metadata.insert(Capability::Dpop, dpop_algs.is_some_and(|a| a.iter().any(|v| v == "ES256")));
        self.capabilities.from_metadata.insert(Capability::Par, meta.get("pushed_authorization_request_endpoint").is_some_and(|v| v.is_string()));
        self.capabilities.from_metadata.insert(Capability::ParRequired, meta.get("require_pushed_authorization_requests") == Some(&serde_json::Value::Bool(true)));
        if !self.endpoints.contains_key("revoke") {
            self.capabilities.from_metadata.insert(Capability::Revocation, meta.get("revocation_endpoint").is_some_and(|v| v.is_string()));
        }
        for (key, field) in [("authorize", "authorization_endpoint"), ("token", "token_endpoint"), ("revoke", "revocation_endpoint"), ("introspect", "introspection_endpoint"), ("par", "pushed_authorization_request_endpoint"), ("device_authorization", "device_authorization_endpoint")] {
            if !self.endpoints.contains_key(key)
                && let Some(v) = meta.get(field).and_then(|v| v.as_str()) {
                    Url::parse(v).map_err(|e| fail(format!("{field} {v:?}: {e}")))?;
                    self.endpoints.insert(key.to_string(), v.to_string());
                }
        }
        Ok(())
    }

    /// Discovery that never stops the run: a metadata document the server cannot serve is the
    /// metadata cases' finding, not a reason to judge nothing. Returns the problem as a line.
    pub fn discover_or_note(&mut self, timeout: std::time::Duration) -> Option<String> {
        self.discover(timeout).err().map(|e| format!("{e}; endpoints come from the target file and the profile, capabilities from [capabilities]"))
    }

    /// Before the run: `Err(line)` when nothing listens at the target (no case could get an
    /// answer), `Ok(Some(line))` when the connection is doubtful, `Ok(None)` when it connects.
    pub fn preflight(&self) -> Result<Option<String>, String> {
        let base = &self.base_url;
        let (Some(host), Some(port)) = (base.host_str(), base.port_or_known_default()) else { return Ok(None) };
        let addrs: Vec<std::net::SocketAddr> = match std::net::ToSocketAddrs::to_socket_addrs(&(host, port)) {
            Ok(a) => a.collect(),
            Err(e) => return Err(format!("target unreachable: cannot resolve {host}: {e}")),
        };
        let Some(addr) = addrs.first() else { return Ok(None) };
        match std::net::TcpStream::connect_timeout(addr, std::time::Duration::from_secs(2)) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(format!("target unreachable: connection refused at {addr}")),
            Err(e) => Ok(Some(format!("target may be unreachable: {e} at {addr}"))),
        }
    }
}
