//! A profile: one documented API variant. Its `specs/<name>/profile.toml` says where endpoints are
//! and what a well-formed request carries; its schemas and its case tables complete it.
use indexmap::IndexMap;
use serde::Deserialize;

use crate::suite::case::{Auth, Case, ProfileView};
use crate::model::load_error::LoadError;
use crate::check::schema::Schemas;
use crate::suite::source::Suite;

/// One endpoint of a profile and its well-formed default request.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub path: String,
    pub method: String,
    pub auth: Auth,
    /// Requests go through the login driver.
    pub browser: bool,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// Headers every request to the endpoint carries (e.g. a per-request `uuid`).
    pub headers: Vec<(String, String)>,
    /// The key of the target's `[endpoints]` table that overrides this endpoint's path (several
    /// logical endpoints may share one URL, like RFC 6749's single token endpoint).
    pub url_key: String,
    /// Authenticate as the target's `[cc_client]` when it has one (servers that allow one grant
    /// type per client).
    pub cc_client: bool,
    /// Authenticate as the target's `[device_client]` when it has one (RFC 8628 device grant).
    pub device_client: bool,
}

/// Which endpoints make the fixtures.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureEndpoints {
    /// Authorization endpoint giving a code after login and consent.
    pub code: Option<String>,
    /// Token endpoint exchanging that code.
    pub tokens: Option<String>,
    pub client_credentials: Option<String>,
}

pub struct Profile {
    pub name: String,
    pub title: String,
    pub seed: Option<String>,
    pub error_schema: String,
    pub endpoints: IndexMap<String, Endpoint>,
    pub fixtures: FixtureEndpoints,
    pub schemas: Schemas,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    title: String,
    seed: Option<String>,
    error_schema: String,
    #[serde(default)]
    fixtures: FixtureEndpoints,
    endpoints: IndexMap<String, RawEndpoint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    path: String,
    method: String,
    auth: Auth,
    #[serde(default)]
    browser: bool,
    #[serde(default)]
    query: IndexMap<String, String>,
    #[serde(default)]
    form: IndexMap<String, String>,
    #[serde(default)]
    headers: IndexMap<String, String>,
    url_key: Option<String>,
    #[serde(default)]
    cc_client: bool,
    #[serde(default)]
    device_client: bool,
}

impl ProfileView for Profile {
    fn has_endpoint(&self, name: &str) -> bool {
        self.endpoints.contains_key(name)
    }
    fn is_browser_endpoint(&self, name: &str) -> bool {
        self.endpoints.get(name).is_some_and(|e| e.browser)
    }
    fn has_schema(&self, name: &str) -> bool {
        self.schemas.contains(name)
    }
    fn endpoint_names(&self) -> Vec<String> {
        self.endpoints.keys().cloned().collect()
    }
    fn default_params(&self, name: &str) -> Vec<(String, String)> {
        self.endpoints.get(name).map(|e| e.query.iter().chain(&e.form).chain(&e.headers).cloned().collect()).unwrap_or_default()
    }
}

impl Profile {
    /// Loads profile `name` from `suite`: profile.toml, every schema, every case table.
    pub fn load(suite: &Suite, name: &str) -> Result<Profile, LoadError> {
        let profile_path = format!("specs/{name}/profile.toml");
        let (file, text) = suite.file(&profile_path).map_err(|e| LoadError::io(&profile_path, &e))?.ok_or_else(|| LoadError {
            file: profile_path.clone(),
            line: 1,
            message: format!("unknown profile `{name}` (known: {})", suite.profiles().join(", ")),
        })?;
        let raw: RawProfile = toml::from_str(&text).map_err(|e| crate::model::load_error::toml_error(&file, &text, &e))?;
        if raw.name != name {
            return Err(LoadError { file, line: 1, message: format!("field `name`: `{}` differs from its directory `{name}`", raw.name) });
        }
        let pairs = |m: IndexMap<String, String>| m.into_iter().collect::<Vec<_>>();
        let endpoints = raw
            .endpoints
            .into_iter()
            .map(|(n, e)| {
                let ep = Endpoint {
                    name: n.clone(),
                    path: e.path,
                    method: e.method,
                    auth: e.auth,
                    browser: e.browser,
                    query: pairs(e.query),
                    form: pairs(e.form),
                    headers: pairs(e.headers),
                    url_key: e.url_key.unwrap_or_else(|| n.clone()),
                    cc_client: e.cc_client,
                    device_client: e.device_client,
                };
                (n, ep)
            })
            .collect::<IndexMap<_, _>>();
        for (field, ep) in [("code", &raw.fixtures.code), ("tokens", &raw.fixtures.tokens), ("client_credentials", &raw.fixtures.client_credentials)] {
            if let Some(ep) = ep
                && !endpoints.contains_key(ep) {
                    return Err(LoadError { file: file.clone(), line: 1, message: format!("field `fixtures.{field}`: unknown endpoint `{ep}`") });
                }
        }

        let schemas = load_schemas(suite, name)?;
        if !schemas.contains(&raw.error_schema) {
            return Err(LoadError { file, line: 1, message: format!("field `error_schema`: no schema `{}`", raw.error_schema) });
        }

        let mut profile = Profile {
            name: raw.name,
            title: raw.title,
            seed: raw.seed,
            error_schema: raw.error_schema,
            endpoints,
            fixtures: raw.fixtures,
            schemas,
            cases: Vec::new(),
        };
        profile.cases = load_cases(suite, &profile)?;
        Ok(profile)
    }
}

/// Every `specs/<name>/*.schema.json`, compiled under its stem.
fn load_schemas(suite: &Suite, name: &str) -> Result<Schemas, LoadError> {
    let mut schemas = Schemas::new();
    let profile_path = format!("specs/{name}/profile.toml");
    for (sfile, stext) in suite.files(&format!("specs/{name}/")).map_err(|e| LoadError::io(&profile_path, &e))? {
        if let Some(stem) = sfile.rsplit('/').next().and_then(|b| b.strip_suffix(".schema.json")) {
            schemas.add(stem, &stext).map_err(|m| LoadError { file: sfile.clone(), line: 1, message: m.to_string() })?;
        }
    }
    Ok(schemas)
}

/// Every case table of `profile`; ids are unique and every `requires` names another case.
fn load_cases(suite: &Suite, profile: &Profile) -> Result<Vec<Case>, LoadError> {
    let mut cases: Vec<Case> = Vec::new();
    let case_dir = format!("cases/{}/", profile.name);
    for (cfile, ctext) in suite.files(&case_dir).map_err(|e| LoadError::io(&case_dir, &e))? {
        if !cfile.ends_with(".toml") {
            continue;
        }
        for c in crate::suite::table::parse_table(&cfile, &ctext, profile)? {
            if let Some(prev) = cases.iter().find(|p| p.id == c.id) {
                return Err(LoadError {
                    file: c.file.clone(),
                    line: c.line,
                    message: format!("field `id`: `{}` is already used at {}:{}", c.id, prev.file, prev.line),
                });
            }
            cases.push(c);
        }
    }
    for c in &cases {
        if let Some(req) = &c.requires
            && !cases.iter().any(|o| o.id == *req && o.id != c.id) {
                return Err(LoadError { file: c.file.clone(), line: c.line, message: format!("case `{}`: field `requires`: no case `{req}`", c.id) });
            }
    }
    Ok(cases)
}

/// The cases of `profile` by RFC and section, counted per level (a case counts once per section
/// its refs name), as a Markdown table: what `list --coverage` prints.
pub fn coverage_table(profile: &Profile, selection: &crate::suite::selection::Selection) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write;
    // Keyed by (RFCs before the OpenID documents, RFC number, document name, section).
    let mut rows: BTreeMap<(bool, u32, String, Vec<u32>), [usize; 3]> = BTreeMap::new();
    for c in profile.cases.iter().filter(|c| selection.selects(&profile.name, c)) {
        let mut seen = std::collections::BTreeSet::new();
        for r in &c.refs {
            let Some((doc, tail)) = r.split_once(" §") else { continue };
            let key = match doc.strip_prefix("RFC ").map(str::parse::<u32>) {
                Some(Ok(num)) => (false, num, doc.to_string()),
                _ if doc.starts_with("OpenID Connect ") => (true, 0, doc.to_string()),
                _ => continue,
            };
            let section: Vec<u32> = tail.split(|ch: char| !(ch.is_ascii_digit() || ch == '.')).next().unwrap_or("").split('.').filter_map(|x| x.parse().ok()).collect();
            let key = (key.0, key.1, key.2, section);
            if key.3.is_empty() || !seen.insert(key.clone()) {
                continue;
            }
            rows.entry(key).or_default()[c.level as usize] += 1;
        }
    }
    let mut out = format!("| {} | section | MUST | SHOULD | MAY |\n|---|---|---|---|---|\n", profile.name);
    for ((_, _, doc, section), n) in rows {
        let sec = section.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
        let _ = writeln!(out, "| {doc} | §{sec} | {} | {} | {} |", n[0], n[1], n[2]);
    }
    out
}

/// Whose duty each case of `profile` judges, as a Markdown table (the duty audit each
/// `specs/<profile>/NOTES.md` holds between its markers): the case, its level, its duty and its
/// rule, which names the clause and the keyword's subject. `|` in a rule is escaped.
pub fn duty_table(profile: &Profile) -> String {
    use std::fmt::Write;
    let mut out = String::from("| case | level | duty | rule: the clause, and whom its keyword binds |\n|---|---|---|---|\n");
    for c in &profile.cases {
        let duty = if c.duty.gates() { "server".to_string() } else { format!("**{}** (advice)", c.duty.as_str()) };
        let _ = writeln!(out, "| `{}` | {} | {duty} | {} |", c.id, c.level.as_str(), c.rule.replace('|', "\\|"));
    }
    out
}
