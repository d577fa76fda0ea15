//! The case-table model: what a row of `cases/<profile>/*.toml` says, validated at load time so a
//! typo is refused with file, line and field instead of surfacing mid-run.
use std::collections::{BTreeSet, HashSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::expect::Expect;
use crate::check::registry::{KnownSchemas, StepKind};
use crate::model::level::Level;
use crate::model::load_error::{LoadError, line_of, toml_error};
use crate::model::placeholder;


/// How a request authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// HTTP Basic with the target's client id and secret (RFC 6749 §2.3.1).
    Basic,
    None,
    WrongSecret,
    /// A Basic header whose payload is not base64 of `id:secret`.
    Garbled,
    UnknownClient,
    /// HTTP Basic with the second client's credentials.
    SecondClient,
    /// As the target's public client: no Authorization header, client_id in the form
    /// (RFC 6749 §2.3, §4.1.3); placeholders resolve to the public client's values.
    Public,
    /// client_secret_post: client_id and client_secret in the form body (RFC 6749 §2.3.1).
    Post,
    /// client_secret_post with a wrong client_secret.
    PostWrongSecret,
    /// HTTP Basic and client_secret_post in one request (RFC 6749 §2.3: the client MUST NOT).
    BasicAndPost,
    /// As `[jwt_client]`: a client assertion signed with its key (RFC 7523 §2.2), well-formed…
    PrivateKeyJwt,
    /// …with the same `jti` as every other `jwt_replay` step of the case…
    JwtReplay,
    /// …or broken one way (RFC 7523 §3).
    JwtWrongAud,
    JwtExpired,
    JwtNoSub,
    JwtNoIss,
    JwtAlgNone,
    JwtWrongKey,
}

impl Auth {
    /// The assertion's flaw, for the private_key_jwt kinds.
    pub fn assertion_flaw(self) -> Option<crate::jose::assertion::Flaw> {
        use crate::jose::assertion::Flaw;
        Some(match self {
            Auth::PrivateKeyJwt | Auth::JwtReplay => Flaw::None,
            Auth::JwtWrongAud => Flaw::WrongAudience,
            Auth::JwtExpired => Flaw::Expired,
            Auth::JwtNoSub => Flaw::NoSubject,
            Auth::JwtNoIss => Flaw::NoIssuer,
            Auth::JwtAlgNone => Flaw::Unsigned,
            Auth::JwtWrongKey => Flaw::WrongKey,
            _ => return None,
        })
    }
}

/// What the login driver does at the authorization endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    /// Sign in and approve consent.
    Approve,
    /// Sign in and deny consent.
    Deny,
    /// Load the first page only (after same-origin redirects).
    FirstPage,
}


/// Several identical requests sent at once; at most `max_success` may succeed.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Race {
    pub count: usize,
    pub max_success: usize,
}

/// The main request repeated `count` times (fixtures made afresh each time) and the `member` of
/// each answer (a JSON member, or a redirect's query parameter) collected, to estimate how hard
/// the values are to guess (RFC 6749 §10.10).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub count: usize,
    pub member: String,
    /// Bits of guessing entropy below which the values fail at MUST, and at SHOULD. Neither
    /// given: RFC 6749 §10.10's 128 (MUST) and 160 (SHOULD); one given: only that one applies.
    pub must_bits: Option<f64>,
    pub should_bits: Option<f64>,
}

impl Sample {
    pub fn thresholds(&self) -> Vec<(f64, Level)> {
        match (self.must_bits, self.should_bits) {
            (None, None) => vec![(128.0, Level::Must), (160.0, Level::Should)],
            (m, s) => m.map(|b| (b, Level::Must)).into_iter().chain(s.map(|b| (b, Level::Should))).collect(),
        }
    }
}

/// The `[slow]` waits of a target file a case may use: the code and the access token lifetimes.
pub const WAITS: &[(&str, &str)] = &[
    ("code", "authorization code lifetime"),
    ("access_token", "access token lifetime"),
    ("request_uri", "pushed request_uri lifetime"),
    ("device_code", "device_code lifetime"),
];

/// Values a case needs made before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fixture {
    /// A fresh authorization code for the client (a login through the authorization endpoint).
    Code,
    /// A fresh access and refresh token of the client (a code, exchanged).
    TokenPair,
    SecondCode,
    SecondTokenPair,
    /// A client-credentials access token.
    ClientCredentials,
    /// A fresh code for the public client (its login, with PKCE).
    PublicCode,
    /// A fresh token pair of the public client.
    PublicTokenPair,
}

impl Fixture {
    pub const ALL: [Fixture; 7] = [
        Fixture::Code,
        Fixture::TokenPair,
        Fixture::SecondCode,
        Fixture::SecondTokenPair,
        Fixture::ClientCredentials,
        Fixture::PublicCode,
        Fixture::PublicTokenPair,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fixture::Code => "code",
            Fixture::TokenPair => "token_pair",
            Fixture::SecondCode => "second_code",
            Fixture::SecondTokenPair => "second_token_pair",
            Fixture::ClientCredentials => "client_credentials",
            Fixture::PublicCode => "public_code",
            Fixture::PublicTokenPair => "public_token_pair",
        }
    }

    /// The placeholders this fixture fills.
    pub fn provides(self) -> &'static [&'static str] {
        match self {
            Fixture::Code => &["code"],
            Fixture::TokenPair => &["access_token", "refresh_token"],
            Fixture::SecondCode => &["second_code"],
            Fixture::SecondTokenPair => &["second_access_token", "second_refresh_token"],
            Fixture::ClientCredentials => &["cc_access_token"],
            Fixture::PublicCode => &["public_code"],
            Fixture::PublicTokenPair => &["public_access_token", "public_refresh_token"],
        }
    }

    fn needs(self) -> &'static [Need] {
        match self {
            Fixture::Code | Fixture::TokenPair => &[Need::Login],
            Fixture::SecondCode | Fixture::SecondTokenPair => &[Need::Login, Need::SecondClient],
            Fixture::ClientCredentials => &[],
            Fixture::PublicCode | Fixture::PublicTokenPair => &[Need::Login, Need::PublicClient],
        }
    }
}

/// A part of the target file a case cannot run without; absent, the case is skipped with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Login,
    SecondClient,
    Probe,
    PublicClient,
    /// The client may omit redirect_uri (one registered URI, RFC 6749 §3.1.2.3).
    RedirectUriOptional,
    /// A `[jwt_client]` with its private key.
    JwtClient,
    /// The client's redirect_uri is not a loopback URI (RFC 8252 §7.3 lets any port through).
    NonLoopbackRedirect,
    /// The public client's redirect_uri is a loopback URI (a native app, RFC 8252 §7.3).
    LoopbackRedirect,
    /// A capability the server may not offer (metadata, iss, …).
    Capability(crate::model::capability::Capability),
}

impl Need {
    pub fn missing_reason(self) -> &'static str {
        match self {
            Need::Login => "the target file has no [login] (username and password for the login page)",
            Need::SecondClient => "the target file has no [second_client]",
            Need::Probe => "the target file has no probe_url",
            Need::PublicClient => "the target file has no [public_client]",
            Need::RedirectUriOptional => {
                "the target file does not say the client may omit redirect_uri ([client] redirect_uri_optional = true)"
            }
            Need::JwtClient => "the target file has no [jwt_client] (a client registered for private_key_jwt, and its key)",
            Need::NonLoopbackRedirect => "the client's redirect_uri is a loopback URI: RFC 8252 §7.3 lets any port through",
            Need::LoopbackRedirect => "the target file has no [public_client] with a loopback redirect_uri (RFC 8252 §7.3 is about native apps registered with one)",
            Need::Capability(_) => "the server does not offer a capability the case needs",
        }
    }

    /// Needs a case table may declare itself (the others follow from fixtures and steps).
    pub const DECLARABLE: [(&'static str, Need); 12] = [
        ("par", Need::Capability(crate::model::capability::Capability::Par)),
        ("dpop", Need::Capability(crate::model::capability::Capability::Dpop)),
        ("par_required", Need::Capability(crate::model::capability::Capability::ParRequired)),
        ("non_loopback_redirect_uri", Need::NonLoopbackRedirect),
        ("loopback_redirect_uri", Need::LoopbackRedirect),
        ("revocation", Need::Capability(crate::model::capability::Capability::Revocation)),
        ("client_secret_post", Need::Capability(crate::model::capability::Capability::ClientSecretPost)),
        ("refresh_rotation", Need::Capability(crate::model::capability::Capability::RefreshRotation)),
        ("introspection", Need::Capability(crate::model::capability::Capability::Introspection)),
        ("redirect_uri_optional", Need::RedirectUriOptional),
        ("metadata", Need::Capability(crate::model::capability::Capability::Metadata)),
        ("iss", Need::Capability(crate::model::capability::Capability::Iss)),
    ];
}

/// Placeholders every case may use; their values come from the target file or are made per case.
pub const BASE_PLACEHOLDERS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "redirect_uri_other_scheme",
    "redirect_uri_trailing_slash",
    "redirect_uri_path_case",
    "redirect_uri_percent_encoded",
    "redirect_uri_dot_segment",
    "redirect_uri_userinfo",
    "redirect_uri_other_port",
    "redirect_uri_subdomain",
    "redirect_uri_fragment",
    "scope",
    "state",
    "long_state",
    "random",
    "uuid",
    "code_verifier",
    "code_challenge",
    "second_client_id",
    "second_redirect_uri",
    "public_redirect_uri",
    "issuer",
    "dpop_jkt",
];

/// One request of a case, with what its answer must look like.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: Option<String>,
    pub endpoint: String,
    pub method: Option<String>,
    pub auth: Option<Auth>,
    pub content_type: Option<String>,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub omit: Vec<String>,
    pub append: Vec<(String, String)>,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    pub append_headers: Vec<(String, String)>,
    pub bearer: Option<String>,
    /// An absolute URL the server handed out (e.g. `{device.verification_uri_complete}`), used
    /// instead of the endpoint's own.
    pub url: Option<String>,
    pub browser: Option<Browser>,
    /// A DPoP proof (RFC 9449) with the request, well-formed or broken one way; with `bearer`,
    /// the token travels in the DPoP scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop: Option<crate::jose::dpop::Flaw>,
    /// A setup step whose expectations describe a behaviour the RFC leaves to the server (e.g. a
    /// DPoP-bound token): when they do not hold, the case does not apply and is skipped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub precondition: bool,
    pub expect: Expect,
    pub line: usize,
}

/// A validated case: one rule, checked by one main request plus optional setup and follow-ups.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub level: Level,
    /// The normative requirement in one line, with the RFC's (or seed's) own keyword.
    pub rule: String,
    /// The attacks (RFC 9700 §4) the rule defends against: `threat::THREATS` tags.
    pub threats: Vec<String>,
    pub refs: Vec<String>,
    /// The endpoint the case is filed under (its table's endpoint).
    pub endpoint: String,
    pub fixtures: Vec<Fixture>,
    pub needs: BTreeSet<Need>,
    pub serial: bool,
    /// The positive case this one is only meaningful after: when the target refuses that case's
    /// well-formed request, this one is blocked (a server that refuses everything also "never
    /// redirects to the client").
    pub requires: Option<String>,
    pub race: Option<Race>,
    /// Repeat the main request and judge how guessable the collected values are.
    pub sample: Option<Sample>,
    /// A slow case: after its fixtures it waits the target's `[slow]` value of this name.
    pub wait: Option<String>,
    pub before: Vec<Step>,
    pub main: Step,
    pub after: Vec<Step>,
    pub file: String,
    pub line: usize,
}

/// A case table or step as written. One shape serves cases and their before/after steps; the
/// validator says which fields each may carry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<Spanned<String>>,
    title: Option<String>,
    level: Option<Level>,
    rule: Option<String>,
    #[serde(default)]
    threats: Vec<Spanned<String>>,
    refs: Option<Vec<String>>,
    #[serde(default)]
    fixtures: Vec<Spanned<String>>,
    #[serde(default)]
    needs: Vec<Spanned<String>>,
    #[serde(default)]
    serial: bool,
    requires: Option<Spanned<String>>,
    race: Option<Spanned<Race>>,
    sample: Option<Spanned<Sample>>,
    wait: Option<Spanned<String>>,
    #[serde(default)]
    before: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    after: Vec<Spanned<RawEntry>>,
    name: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    auth: Option<Auth>,
    content_type: Option<String>,
    #[serde(default)]
    query: IndexMap<String, String>,
    #[serde(default)]
    form: IndexMap<String, String>,
    #[serde(default)]
    omit: Vec<String>,
    #[serde(default)]
    append: Vec<(String, String)>,
    body: Option<String>,
    #[serde(default)]
    headers: IndexMap<String, String>,
    #[serde(default)]
    append_headers: Vec<(String, String)>,
    bearer: Option<String>,
    url: Option<String>,
    browser: Option<Browser>,
    dpop: Option<Spanned<String>>,
    #[serde(default)]
    precondition: bool,
    expect: Option<Spanned<Expect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    /// The endpoint every case in this file is filed under.
    endpoint: Spanned<String>,
    #[serde(default)]
    case: Vec<Spanned<RawEntry>>,
}


/// The profile's schemas, as the check registry's validation asks for them.
struct SchemasOf<'a>(&'a dyn ProfileView);

impl KnownSchemas for SchemasOf<'_> {
    fn has_schema(&self, name: &str) -> bool {
        self.0.has_schema(name)
    }
}

/// What case validation needs to know about the profile the table belongs to.
pub trait ProfileView {
    fn has_endpoint(&self, name: &str) -> bool;
    fn is_browser_endpoint(&self, name: &str) -> bool;
    fn has_schema(&self, name: &str) -> bool;
    fn endpoint_names(&self) -> Vec<String>;
    /// The endpoint's default query, form and header values, by name.
    fn default_params(&self, name: &str) -> Vec<(String, String)>;
}


/// Parses and validates one case table.
pub fn parse_table(file: &str, text: &str, profile: &dyn ProfileView) -> Result<Vec<Case>, LoadError> {
    let raw: RawTable = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    let err = |pos: usize, message: String| LoadError { file: file.to_string(), line: line_of(text, pos), message };
    let table_endpoint = raw.endpoint.get_ref().clone();
    if !profile.has_endpoint(&table_endpoint) {
        return Err(err(
            raw.endpoint.span().start,
            format!(
                "field `endpoint`: unknown endpoint `{table_endpoint}` (the profile has: {})",
                profile.endpoint_names().join(", ")
            ),
        ));
    }
    let mut cases = Vec::new();
    for entry in raw.case {
        let span = entry.span();
        cases.push(validate_case(entry.into_inner(), span.start, &table_endpoint, file, text, profile)?);
    }
    Ok(cases)
}

fn validate_case(
    raw: RawEntry,
    at: usize,
    table_endpoint: &str,
    file: &str,
    text: &str,
    profile: &dyn ProfileView,
) -> Result<Case, LoadError> {
    let err = |pos: usize, message: String| LoadError { file: file.to_string(), line: line_of(text, pos), message };
    let id = raw.id.as_ref().ok_or_else(|| err(at, "missing field `id`".into()))?;
    let id_pos = id.span().start;
    let id_str = id.get_ref().clone();
    let valid_id = id_str.split_once('/').is_some_and(|(a, b)| {
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok(a) && ok(b)
    });
    if !valid_id {
        return Err(err(id_pos, format!("field `id`: `{id_str}` is not of the form `endpoint/slug` (lower-case letters, digits, -)")));
    }
    let field = |name: &str| format!("case `{id_str}`: missing field `{name}`");
    let title = raw.title.clone().ok_or_else(|| err(id_pos, field("title")))?;
    let level = raw.level.ok_or_else(|| err(id_pos, field("level")))?;
    let rule = raw.rule.clone().ok_or_else(|| err(id_pos, field("rule")))?;
    let mut threats = Vec::new();
    for t in &raw.threats {
        if !crate::suite::threat::is_known(t.get_ref()) {
            let known: Vec<&str> = crate::suite::threat::THREATS.iter().map(|(t, _, _)| *t).collect();
            return Err(err(t.span().start, format!("case `{id_str}`: field `threats`: unknown threat `{}` (known: {})", t.get_ref(), known.join(", "))));
        }
        threats.push(t.get_ref().clone());
    }
    if rule.trim().is_empty() || rule.contains('\n') {
        return Err(err(id_pos, format!("case `{id_str}`: field `rule`: one non-empty line")));
    }
    if !["MUST", "SHOULD", "MAY", "REQUIRED", "RECOMMENDED", "OPTIONAL"].iter().any(|k| rule.contains(k)) {
        return Err(err(id_pos, format!("case `{id_str}`: field `rule`: name the requirement's keyword (MUST, SHOULD, MAY, REQUIRED, RECOMMENDED, OPTIONAL)")));
    }
    let refs = raw.refs.clone().ok_or_else(|| err(id_pos, field("refs")))?;
    if refs.is_empty() {
        return Err(err(id_pos, format!("case `{id_str}`: field `refs`: at least one spec reference is required")));
    }
    if raw.name.is_some() {
        return Err(err(id_pos, format!("case `{id_str}`: field `name` belongs to before/after steps only")));
    }

    let mut fixtures = Vec::new();
    for f in &raw.fixtures {
        let fx = Fixture::ALL.iter().copied().find(|x| x.name() == f.get_ref()).ok_or_else(|| {
            err(
                f.span().start,
                format!(
                    "case `{id_str}`: field `fixtures`: unknown fixture `{}` (known: {})",
                    f.get_ref(),
                    Fixture::ALL.map(|x| x.name()).join(", ")
                ),
            )
        })?;
        fixtures.push(fx);
    }

    let ctx = StepCtx { file, text, case_id: &id_str, profile, table_endpoint };
    let mut known: HashSet<String> = BASE_PLACEHOLDERS.iter().map(|s| s.to_string()).collect();
    for fx in &fixtures {
        known.extend(fx.provides().iter().map(|s| s.to_string()));
    }
    let mut needs = BTreeSet::new();
    for fx in &fixtures {
        needs.extend(fx.needs().iter().copied());
    }
    for n in &raw.needs {
        let need = Need::DECLARABLE.iter().find(|(name, _)| name == n.get_ref()).map(|(_, need)| *need).ok_or_else(|| {
            err(
                n.span().start,
                format!(
                    "case `{id_str}`: field `needs`: unknown need `{}` (known: {})",
                    n.get_ref(),
                    Need::DECLARABLE.map(|(name, _)| name).join(", ")
                ),
            )
        })?;
        needs.insert(need);
    }
    let mut names: HashSet<String> = HashSet::new();
    let mut before = Vec::new();
    for s in raw.before.iter() {
        before.push(ctx.step(s.get_ref(), s.span().start, None, "before", &mut known, &mut names, &mut needs)?);
    }
    let main = ctx.step(&raw, at, raw.endpoint.as_ref().map(|e| e.get_ref().as_str()), "main", &mut known, &mut names, &mut needs)?;
    for s in raw.before.iter().chain(raw.after.iter()).map(|s| s.get_ref()).chain([&raw]) {
        if let Some(e) = &s.expect {
            e.get_ref().check_grades(level).map_err(|m| err(e.span().start, format!("case `{id_str}`: field `expect`: {m}")))?;
        }
    }
    let mut after = Vec::new();
    for s in raw.after.iter() {
        after.push(ctx.step(s.get_ref(), s.span().start, None, "after", &mut known, &mut names, &mut needs)?);
    }
    let race = match &raw.race {
        Some(r) => {
            let rv = *r.get_ref();
            if rv.count < 2 || rv.count > 64 || rv.max_success >= rv.count {
                return Err(err(r.span().start, format!("case `{id_str}`: field `race`: need 2 <= count <= 64 and max_success < count")));
            }
            if main.browser.is_some() {
                return Err(err(r.span().start, format!("case `{id_str}`: field `race`: a browser step cannot be raced")));
            }
            Some(rv)
        }
        None => None,
    };
    let sample = match &raw.sample {
        Some(sp) => {
            let sv = sp.get_ref().clone();
            if !(4..=32).contains(&sv.count) {
                return Err(err(sp.span().start, format!("case `{id_str}`: field `sample`: need 4 <= count <= 32")));
            }
            if race.is_some() {
                return Err(err(sp.span().start, format!("case `{id_str}`: field `sample`: a sampled case cannot also race")));
            }
            if sv.must_bits.is_some_and(|_| level != Level::Must) {
                return Err(err(sp.span().start, format!("case `{id_str}`: field `sample`: `must_bits` needs a MUST case (this one is {})", level.as_str())));
            }
            if [sv.must_bits, sv.should_bits].into_iter().flatten().any(|b| !(1.0..=512.0).contains(&b)) {
                return Err(err(sp.span().start, format!("case `{id_str}`: field `sample`: bits must be between 1 and 512")));
            }
            Some(sv)
        }
        None => None,
    };
    let wait = match &raw.wait {
        Some(w) if WAITS.iter().any(|(k, _)| k == w.get_ref()) => Some(w.get_ref().clone()),
        Some(w) => {
            let known: Vec<&str> = WAITS.iter().map(|(k, _)| *k).collect();
            return Err(err(w.span().start, format!("case `{id_str}`: field `wait`: unknown wait `{}` (known: {})", w.get_ref(), known.join(", "))));
        }
        None => None,
    };
    Ok(Case {
        id: id_str.clone(),
        title,
        level,
        rule,
        threats,
        refs,
        endpoint: table_endpoint.to_string(),
        fixtures,
        needs,
        serial: raw.serial,
        requires: raw.requires.as_ref().map(|r| r.get_ref().clone()),
        race,
        sample,
        wait,
        before,
        main,
        after,
        file: file.to_string(),
        line: line_of(text, id_pos),
    })
}

struct StepCtx<'a> {
    file: &'a str,
    text: &'a str,
    case_id: &'a str,
    profile: &'a dyn ProfileView,
    table_endpoint: &'a str,
}

impl StepCtx<'_> {
    fn err(&self, pos: usize, message: String) -> LoadError {
        LoadError { file: self.file.to_string(), line: line_of(self.text, pos), message }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        raw: &RawEntry,
        at: usize,
        endpoint: Option<&str>,
        role: &str,
        known: &mut HashSet<String>,
        names: &mut HashSet<String>,
        needs: &mut BTreeSet<Need>,
    ) -> Result<Step, LoadError> {
        let id = self.case_id;
        let e = |msg: String| {
            let what = if role == "main" { String::new() } else { format!("{role} step: ") };
            self.err(at, format!("case `{id}`: {what}{msg}"))
        };
        if role != "main" {
            let misplaced = [
                ("id", raw.id.is_some()),
                ("title", raw.title.is_some()),
                ("level", raw.level.is_some()),
                ("rule", raw.rule.is_some()),
                ("threats", !raw.threats.is_empty()),
                ("refs", raw.refs.is_some()),
                ("needs", !raw.needs.is_empty()),
                ("fixtures", !raw.fixtures.is_empty()),
                ("race", raw.race.is_some()),
                ("sample", raw.sample.is_some()),
                ("wait", raw.wait.is_some()),
                ("before", !raw.before.is_empty()),
                ("after", !raw.after.is_empty()),
                ("serial", raw.serial),
                ("requires", raw.requires.is_some()),
            ];
            if let Some((f, _)) = misplaced.iter().find(|(_, set)| *set) {
                return Err(e(format!("field `{f}` is not allowed in a step")));
            }
        }
        let endpoint = match (endpoint, &raw.endpoint) {
            (Some(ep), _) => ep.to_string(),
            (None, Some(ep)) => ep.get_ref().clone(),
            (None, None) => self.table_endpoint.to_string(),
        };
        let ep_pos = raw.endpoint.as_ref().map(|s| s.span().start).unwrap_or(at);
        if endpoint != "probe" && !self.profile.has_endpoint(&endpoint) {
            return Err(self.err(
                ep_pos,
                format!(
                    "case `{id}`: field `endpoint`: unknown endpoint `{endpoint}` (the profile has: {}, probe)",
                    self.profile.endpoint_names().join(", ")
                ),
            ));
        }
        if endpoint == "probe" {
            needs.insert(Need::Probe);
        }
        // A step at an optional endpoint needs the server to offer it.
        match endpoint.as_str() {
            "revoke" => needs.insert(Need::Capability(crate::model::capability::Capability::Revocation)),
            "introspect" => needs.insert(Need::Capability(crate::model::capability::Capability::Introspection)),
            "par" => needs.insert(Need::Capability(crate::model::capability::Capability::Par)),
            "device_authorization" | "device_verify" | "token_device" => needs.insert(Need::Capability(crate::model::capability::Capability::DeviceGrant)),
            _ => false,
        };
        let is_browser = self.profile.is_browser_endpoint(&endpoint);
        let browser = if is_browser { Some(raw.browser.unwrap_or(Browser::Approve)) } else { None };
        if raw.browser.is_some() && !is_browser {
            return Err(e(format!("field `browser`: endpoint `{endpoint}` is not driven through the login page")));
        }
        if matches!(browser, Some(Browser::Approve | Browser::Deny)) {
            needs.insert(Need::Login);
        }
        if raw.auth == Some(Auth::SecondClient) {
            needs.insert(Need::SecondClient);
        }
        if raw.auth == Some(Auth::Public) {
            needs.insert(Need::PublicClient);
        }
        if raw.auth.and_then(Auth::assertion_flaw).is_some() {
            needs.insert(Need::JwtClient);
            needs.insert(Need::Capability(crate::model::capability::Capability::PrivateKeyJwt));
        }
        if matches!(raw.auth, Some(Auth::Post | Auth::PostWrongSecret | Auth::BasicAndPost)) {
            needs.insert(Need::Capability(crate::model::capability::Capability::ClientSecretPost));
        }
        if raw.precondition && !role.starts_with("before") {
            return Err(e("field `precondition` is only for a before step".into()));
        }
        let dpop = match &raw.dpop {
            None => None,
            Some(d) => {
                let flaw = crate::jose::dpop::Flaw::parse(d.get_ref()).ok_or_else(|| {
                    let names: Vec<&str> = crate::jose::dpop::Flaw::ALL.iter().map(|(n, _)| *n).collect();
                    self.err(d.span().start, format!("case `{id}`: field `dpop`: unknown proof `{}` (one of: {})", d.get_ref(), names.join(", ")))
                })?;
                use crate::jose::dpop::Flaw as F;
                if matches!(flaw, F::Absent | F::NoAth | F::WrongAth) && raw.bearer.is_none() {
                    return Err(self.err(d.span().start, format!("case `{id}`: field `dpop`: `{}` is about an access token: it needs `bearer`", d.get_ref())));
                }
                if browser.is_some() {
                    return Err(self.err(d.span().start, format!("case `{id}`: field `dpop`: endpoint `{endpoint}` is driven through the login page, which sends no proof")));
                }
                needs.insert(Need::Capability(crate::model::capability::Capability::Dpop));
                Some(flaw)
            }
        };
        if let Some(m) = &raw.method
            && !["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"].contains(&m.get_ref().as_str()) {
                return Err(self.err(m.span().start, format!("case `{id}`: field `method`: `{}` is not an HTTP method", m.get_ref())));
            }
        let expect_raw = raw.expect.as_ref().ok_or_else(|| e("missing field `expect`".into()))?;
        let expect = expect_raw.get_ref().clone();
        let ex_err = |msg: String| self.err(expect_raw.span().start, format!("case `{id}`: field `expect`: {msg}"));
        let kind = match browser {
            None => StepKind::Http,
            Some(Browser::FirstPage) => StepKind::FirstPage,
            Some(_) => StepKind::Login,
        };
        let schemas = SchemasOf(self.profile);
        expect.validate(kind, &endpoint, &schemas, false).map_err(|m| ex_err(m.to_string()))?;
        for (level, nested) in expect.graded() {
            let name = level.as_str().to_ascii_lowercase();
            nested.validate(kind, &endpoint, &schemas, true).map_err(|m| ex_err(format!("`{name}`: {m}")))?;
        }
        // Every placeholder must be known: base, from a declared fixture, or captured by an earlier named step.
        let mut strings: Vec<&str> = Vec::new();
        strings.extend(raw.query.values().map(String::as_str));
        strings.extend(raw.form.values().map(String::as_str));
        strings.extend(raw.append.iter().map(|(_, v)| v.as_str()));
        strings.extend(raw.headers.values().map(String::as_str));
        strings.extend(raw.append_headers.iter().map(|(_, v)| v.as_str()));
        for e in std::iter::once(&expect).chain(expect.graded().map(|(_, e)| e)) {
            strings.extend(e.equals.values().map(String::as_str));
            strings.extend(e.differs.values().map(String::as_str));
            strings.extend(e.scope_within.as_deref());
        }
        strings.extend(raw.body.as_deref());
        strings.extend(raw.bearer.as_deref());
        strings.extend(raw.url.as_deref());
        // The endpoint's defaults travel too, unless the step omits or replaces them.
        let defaults = self.profile.default_params(&endpoint);
        let replaced = |k: &str| raw.omit.iter().any(|o| o == k) || raw.form.contains_key(k) || raw.query.contains_key(k) || raw.headers.contains_key(k);
        let kept: Vec<&str> = defaults.iter().filter(|(k, _)| !replaced(k)).map(|(_, v)| v.as_str()).collect();
        if raw.body.is_none() {
            strings.extend(kept);
        }
        for s in strings {
            for name in placeholder::names(s) {
                if name.starts_with("second_") {
                    needs.insert(Need::SecondClient);
                }
                let captured = name.split_once('.').is_some_and(|(step, _)| names.contains(step));
                if !captured && !known.contains(name) {
                    let hint = Fixture::ALL
                        .iter()
                        .find(|f| f.provides().contains(&name))
                        .map(|f| format!(" (declare fixtures = [\"{}\"])", f.name()))
                        .unwrap_or_default();
                    return Err(e(format!("unknown placeholder `{{{name}}}`{hint}")));
                }
            }
        }
        if let Some(n) = &raw.name {
            let n_str = n.get_ref();
            if !names.insert(n_str.clone()) {
                return Err(self.err(n.span().start, format!("case `{id}`: field `name`: step name `{n_str}` used twice")));
            }
            known.insert(n_str.clone());
        }
        Ok(Step {
            name: raw.name.as_ref().map(|n| n.get_ref().clone()),
            endpoint,
            method: raw.method.as_ref().map(|m| m.get_ref().clone()),
            auth: raw.auth,
            content_type: raw.content_type.clone(),
            query: raw.query.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            form: raw.form.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            omit: raw.omit.clone(),
            append: raw.append.clone(),
            body: raw.body.clone(),
            headers: raw.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            append_headers: raw.append_headers.clone(),
            bearer: raw.bearer.clone(),
            url: raw.url.clone(),
            browser,
            dpop,
            precondition: raw.precondition,
            expect,
            line: line_of(self.text, at),
        })
    }
}

impl Step {
    /// The endpoint's default request, unchanged (what fixtures send).
    pub fn default_for(endpoint: &str) -> Step {
        Step {
            name: None,
            endpoint: endpoint.to_string(),
            method: None,
            auth: None,
            content_type: None,
            query: Vec::new(),
            form: Vec::new(),
            omit: Vec::new(),
            append: Vec::new(),
            body: None,
            headers: Vec::new(),
            append_headers: Vec::new(),
            bearer: None,
            url: None,
            browser: None,
            dpop: None,
            precondition: false,
            expect: Expect::default(),
            line: 0,
        }
    }
}
