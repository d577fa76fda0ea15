//! One step of a case validated: its endpoint, client authentication, DPoP proof, expectations
//! and placeholders, and what it makes the case need from the target. Enters: a `RawEntry` as
//! written and what the case knows so far; leaves: a `Step`, or a `LoadError` with file, line and
//! field.
use std::collections::{BTreeSet, HashSet};

use crate::check::expect::Expect;
use crate::check::registry::{KnownSchemas, StepKind};
use crate::jose::dpop::Flaw;
use crate::model::capability::Capability;
use crate::model::load_error::{LoadError, line_of};
use crate::model::placeholder;
use crate::suite::case::{Auth, Browser, Fixture, Need, ProfileView, RESOURCE_TOKEN, Step};
use crate::suite::raw::RawEntry;

/// The profile's schemas, as the check registry's validation asks for them.
struct SchemasOf<'a>(&'a dyn ProfileView);

impl KnownSchemas for SchemasOf<'_> {
    fn has_schema(&self, name: &str) -> bool {
        self.0.has_schema(name)
    }
}

/// Where a case's steps are validated: its table file and text, its id, its profile.
pub(crate) struct StepCtx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub case_id: &'a str,
    pub profile: &'a dyn ProfileView,
    pub table_endpoint: &'a str,
    /// The table's requests are the `[fapi_client]`'s (`client = "fapi"`).
    pub fapi: bool,
}

/// What the steps validated so far have made known to the ones after them.
pub(crate) struct Known {
    /// Placeholders a step may use: the base ones, the fixtures', earlier named steps'.
    pub placeholders: HashSet<String>,
    /// Names of earlier steps.
    pub names: HashSet<String>,
    /// What the case needs from the target.
    pub needs: BTreeSet<Need>,
    /// Names of earlier steps at `resource_token`: their access tokens suit the resource.
    pub resource_steps: HashSet<String>,
}

/// Fields of a case that a before or after step may not carry, and whether `raw` carries each.
fn case_only_fields(raw: &RawEntry) -> [(&'static str, bool); 16] {
    [
        ("id", raw.id.is_some()),
        ("title", raw.title.is_some()),
        ("level", raw.level.is_some()),
        ("duty", raw.duty.is_some()),
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
    ]
}

/// Fields a step may carry only at some endpoints or in some roles: the login page's own, and
/// the before step's; the first one out of place, said in words.
fn misplaced(raw: &RawEntry, endpoint: &str, is_browser: bool, role: &str) -> Option<String> {
    if raw.browser.is_some() && !is_browser {
        return Some(format!("field `browser`: endpoint `{endpoint}` is not driven through the login page"));
    }
    for (field, set, why) in [("user_code", raw.user_code.is_some(), "where the user types it"), ("session", raw.session, "where a browser session lives")] {
        if set && !is_browser {
            return Some(format!("field `{field}`: endpoint `{endpoint}` is not driven through the login page, {why}"));
        }
    }
    [("precondition", raw.precondition), ("refusal_passes", raw.refusal_passes)]
        .into_iter()
        .find(|(_, set)| *set && !role.starts_with("before"))
        .map(|(field, _)| format!("field `{field}` is only for a before step"))
}

/// What a step's endpoint and client authentication make the case need from the target: an
/// optional endpoint needs the server to offer it, a client other than the main one needs the
/// target file to name it.
/// `cert`: the step presents a client certificate (or pointedly none), which needs the client it
/// belongs to and, at the resource, where the resource is reached with it.
fn needs_of(endpoint: &str, auth: Option<Auth>, cert: bool, fapi: bool, needs: &mut BTreeSet<Need>) {
    if fapi {
        fapi_needs(auth, cert, needs);
    } else if cert || auth == Some(Auth::Mtls) {
        needs.insert(Need::MtlsClient);
        if endpoint == "probe" {
            needs.insert(Need::MtlsProbe);
        }
    }
    match endpoint {
        "probe" => needs.insert(Need::Probe),
        "revoke" => needs.insert(Need::Capability(Capability::Revocation)),
        "introspect" => needs.insert(Need::Capability(Capability::Introspection)),
        "par" => needs.insert(Need::Capability(Capability::Par)),
        "device_authorization" | "device_verify" | "token_device" => needs.insert(Need::Capability(Capability::DeviceGrant)),
        _ => false,
    };
    if auth == Some(Auth::SecondClient) {
        needs.insert(Need::SecondClient);
    }
    // In a FAPI table `public` means the FAPI client naming itself without authenticating.
    if auth == Some(Auth::Public) && !fapi {
        needs.insert(Need::PublicClient);
    }
    if auth == Some(Auth::Mtls) && !fapi {
        needs.insert(Need::MtlsClient);
    }
    if auth.and_then(Auth::assertion_flaw).is_some() && !fapi {
        needs.insert(Need::JwtClient);
        needs.insert(Need::Capability(Capability::PrivateKeyJwt));
    }
    if matches!(auth, Some(Auth::Post | Auth::PostWrongSecret | Auth::BasicAndPost)) {
        needs.insert(Need::Capability(Capability::ClientSecretPost));
    }
}

/// In a FAPI table: a certificate (or pointedly none) is the FAPI client's; an assertion, or
/// none or a bare client_id, judges the private_key_jwt client; `auth = "mtls"` the one that
/// authenticates with its certificate.
fn fapi_needs(auth: Option<Auth>, cert: bool, needs: &mut BTreeSet<Need>) {
    if cert {
        needs.insert(Need::FapiCertificate);
    }
    match auth {
        Some(a) if a.assertion_flaw().is_some() || matches!(a, Auth::None | Auth::Public) => needs.insert(Need::FapiPrivateKeyJwt),
        Some(Auth::Mtls) => needs.insert(Need::FapiTlsClientAuth),
        _ => false,
    };
}

/// A probe step that sends an access token not made by a `resource_token` step sends one from
/// the code flow: the resource must take those.
fn resource_needs(raw: &RawEntry, known: &mut Known) {
    let strings = raw.bearer.iter().chain(raw.query.values()).chain(raw.headers.values());
    let code_token = strings.flat_map(|s| placeholder::names(s)).any(|name| {
        let from_resource_step = name.split_once('.').is_some_and(|(step, _)| known.resource_steps.contains(step));
        name.ends_with("access_token") && !from_resource_step
    });
    if code_token {
        known.needs.insert(Need::ResourceTakesCode);
    }
}

/// Every string of a step that may hold placeholders, the endpoint's defaults it keeps included.
fn placeholder_strings<'r>(raw: &'r RawEntry, expect: &'r Expect, defaults: &'r [(String, String)]) -> Vec<&'r str> {
    let mut strings: Vec<&str> = Vec::new();
    strings.extend(raw.query.values().map(String::as_str));
    strings.extend(raw.form.values().map(String::as_str));
    strings.extend(raw.append.iter().map(|(_, v)| v.as_str()));
    strings.extend(raw.headers.values().map(String::as_str));
    strings.extend(raw.append_headers.iter().map(|(_, v)| v.as_str()));
    for e in std::iter::once(expect).chain(expect.graded().map(|(_, e)| e)) {
        strings.extend(e.equals.values().map(String::as_str));
        strings.extend(e.differs.values().map(String::as_str));
        strings.extend(e.scope_within.as_deref());
    }
    strings.extend(raw.body.as_deref());
    strings.extend(raw.bearer.as_deref());
    strings.extend(raw.url.as_deref());
    strings.extend(raw.user_code.as_deref());
    // The endpoint's defaults travel too, unless the step omits or replaces them.
    let replaced = |k: &str| raw.omit.iter().any(|o| o == k) || raw.form.contains_key(k) || raw.query.contains_key(k) || raw.headers.contains_key(k);
    if raw.body.is_none() {
        strings.extend(defaults.iter().filter(|(k, _)| !replaced(k)).map(|(_, v)| v.as_str()));
    }
    strings
}

/// The longest `pause` a step may take.
const MAX_PAUSE: u64 = 5;

impl StepCtx<'_> {
    pub(crate) fn err(&self, pos: usize, message: String) -> LoadError {
        LoadError { file: self.file.to_string(), line: line_of(self.text, pos), message }
    }

    /// Validates one step; `endpoint` is the case's own for its main step. `role` is "main",
    /// "before" or "after".
    pub(crate) fn step(&self, raw: &RawEntry, at: usize, endpoint: Option<&str>, role: &str, known: &mut Known) -> Result<Step, LoadError> {
        let id = self.case_id;
        let e = |msg: String| {
            let what = if role == "main" { String::new() } else { format!("{role} step: ") };
            self.err(at, format!("case `{id}`: {what}{msg}"))
        };
        if role != "main"
            && let Some((f, _)) = case_only_fields(raw).iter().find(|(_, set)| *set)
        {
            return Err(e(format!("field `{f}` is not allowed in a step")));
        }
        let endpoint = self.endpoint(raw, at, endpoint)?;
        if endpoint == RESOURCE_TOKEN {
            self.resource_token_step(raw, known, &e)?;
        }
        if endpoint == "probe" {
            resource_needs(raw, known);
        }
        needs_of(&endpoint, raw.auth, raw.cert.is_some(), self.fapi, &mut known.needs);
        let is_browser = self.profile.is_browser_endpoint(&endpoint);
        let browser = if is_browser { Some(raw.browser.unwrap_or(Browser::Approve)) } else { None };
        if let Some(why) = misplaced(raw, &endpoint, is_browser, role) {
            return Err(e(why));
        }
        if matches!(browser, Some(Browser::Approve | Browser::Deny)) {
            known.needs.insert(Need::Login);
        }
        if self.fapi {
            known.needs.insert(Need::FapiClient);
        }
        let dpop = self.dpop(raw, &endpoint, browser, &mut known.needs)?;
        if let Some(m) = &raw.method
            && !["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"].contains(&m.get_ref().as_str())
        {
            return Err(self.err(m.span().start, format!("case `{id}`: field `method`: `{}` is not an HTTP method", m.get_ref())));
        }
        let expect = self.expect(raw, &endpoint, browser, &e)?;
        let tls_probe = self.tls_probe(raw, browser, &expect, &mut known.needs)?;
        // A probe sends no request: the endpoint's parameters are not its.
        let defaults = if tls_probe.is_some() { Default::default() } else { self.profile.default_params(&endpoint) };
        self.placeholders(placeholder_strings(raw, &expect, &defaults), known, &e)?;
        if let Some(n) = &raw.name {
            let n_str = n.get_ref();
            if n_str == "main" {
                return Err(self.err(n.span().start, format!("case `{id}`: field `name`: `main` names the case's own request (its answer is `{{main.member}}` in the after steps)")));
            }
            if !known.names.insert(n_str.clone()) {
                return Err(self.err(n.span().start, format!("case `{id}`: field `name`: step name `{n_str}` used twice")));
            }
            known.placeholders.insert(n_str.clone());
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
            user_code: raw.user_code.clone(),
            browser,
            dpop,
            precondition: raw.precondition,
            refusal_passes: raw.refusal_passes,
            fapi: self.fapi,
            session: raw.session,
            pause: self.pause(raw)?,
            cert: raw.cert,
            tls_probe,
            expect,
            line: line_of(self.text, at),
        })
    }

    /// The step's endpoint (the case's own for its main step, else the step's or the table's),
    /// one the profile has, or `probe`, or `resource_token`.
    fn endpoint(&self, raw: &RawEntry, at: usize, given: Option<&str>) -> Result<String, LoadError> {
        let endpoint = match (given, &raw.endpoint) {
            (Some(ep), _) => ep.to_string(),
            (None, Some(ep)) => ep.get_ref().clone(),
            (None, None) => self.table_endpoint.to_string(),
        };
        let ep_pos = raw.endpoint.as_ref().map(|s| s.span().start).unwrap_or(at);
        if endpoint != "probe" && endpoint != RESOURCE_TOKEN && !self.profile.has_endpoint(&endpoint) {
            let names = self.profile.endpoint_names().join(", ");
            return Err(self.err(ep_pos, format!("case `{}`: field `endpoint`: unknown endpoint `{endpoint}` (the profile has: {names}, probe, {RESOURCE_TOKEN})", self.case_id)));
        }
        Ok(endpoint)
    }

    /// A `resource_token` step is the default token request of whichever grant the resource
    /// takes: it may name itself, carry a DPoP proof and expect, but not change the request.
    fn resource_token_step(&self, raw: &RawEntry, known: &mut Known, e: &dyn Fn(String) -> LoadError) -> Result<(), LoadError> {
        let changed = [
            ("method", raw.method.is_some()),
            ("auth", raw.auth.is_some()),
            ("query", !raw.query.is_empty()),
            ("form", !raw.form.is_empty()),
            ("omit", !raw.omit.is_empty()),
            ("append", !raw.append.is_empty()),
            ("body", raw.body.is_some()),
            ("headers", !raw.headers.is_empty()),
            ("bearer", raw.bearer.is_some()),
            ("url", raw.url.is_some()),
            ("user_code", raw.user_code.is_some()),
            ("session", raw.session),
        ];
        if let Some((f, _)) = changed.iter().find(|(_, set)| *set) {
            return Err(e(format!("field `{f}`: a `{RESOURCE_TOKEN}` step sends the default token request of the grant the resource takes; it cannot be changed")));
        }
        known.needs.insert(Need::Probe);
        if let Some(n) = &raw.name {
            known.resource_steps.insert(n.get_ref().clone());
        }
        Ok(())
    }

    /// The step's pause: 1 to MAX_PAUSE seconds, short enough for every run.
    fn pause(&self, raw: &RawEntry) -> Result<Option<u64>, LoadError> {
        match &raw.pause {
            Some(p) if (1..=MAX_PAUSE).contains(p.get_ref()) => Ok(Some(*p.get_ref())),
            Some(p) => Err(self.err(p.span().start, format!("case `{}`: field `pause`: {} s is not between 1 and {MAX_PAUSE} s (a longer wait is a slow case's `wait`)", self.case_id, p.get_ref()))),
            None => Ok(None),
        }
    }

    /// The step's DPoP proof, if it sends one: a known flaw, with the access token the
    /// token-bound flaws are about, never through the login page.
    fn dpop(&self, raw: &RawEntry, endpoint: &str, browser: Option<Browser>, needs: &mut BTreeSet<Need>) -> Result<Option<Flaw>, LoadError> {
        let (id, Some(d)) = (self.case_id, &raw.dpop) else { return Ok(None) };
        let flaw = Flaw::parse(d.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = Flaw::ALL.iter().map(|(n, _)| *n).collect();
            self.err(d.span().start, format!("case `{id}`: field `dpop`: unknown proof `{}` (one of: {})", d.get_ref(), names.join(", ")))
        })?;
        if matches!(flaw, Flaw::Absent | Flaw::NoAth | Flaw::WrongAth) && raw.bearer.is_none() {
            return Err(self.err(d.span().start, format!("case `{id}`: field `dpop`: `{}` is about an access token: it needs `bearer`", d.get_ref())));
        }
        if browser.is_some() {
            return Err(self.err(d.span().start, format!("case `{id}`: field `dpop`: endpoint `{endpoint}` is driven through the login page, which sends no proof")));
        }
        // A flawed proof of the FAPI client judges it only where its tokens are bound by DPoP;
        // a well-formed one stands for "sender-constrained", dropped where its certificate
        // binds them (`run::request::dpop_of`): the FAPI client's own method, needed whatever
        // the metadata lists.
        match (self.fapi, flaw) {
            (true, Flaw::None) => {
                needs.insert(Need::FapiProof);
            }
            (true, _) => {
                needs.insert(Need::Capability(Capability::Dpop));
                needs.insert(Need::FapiDpop);
            }
            (false, _) => {
                needs.insert(Need::Capability(Capability::Dpop));
            }
        }
        Ok(Some(flaw))
    }

    /// The step's TLS probe (FAPI 2.0 §5.2): on an HTTP endpoint, judged refused (`success =
    /// false`, nothing else: a handshake has no answer to read), on an https target only.
    fn tls_probe(&self, raw: &RawEntry, browser: Option<Browser>, expect: &Expect, needs: &mut BTreeSet<Need>) -> Result<Option<crate::transport::tls_probe::Probe>, LoadError> {
        use crate::transport::tls_probe::Probe;
        let (id, Some(p)) = (self.case_id, &raw.tls_probe) else { return Ok(None) };
        let err = |m: String| self.err(p.span().start, format!("case `{id}`: field `tls_probe`: {m}"));
        let names: Vec<&str> = Probe::ALL.iter().map(|(n, _)| *n).collect();
        let probe = Probe::parse(p.get_ref()).ok_or_else(|| err(format!("unknown probe `{}` (one of: {})", p.get_ref(), names.join(", "))))?;
        if browser.is_some() {
            return Err(err("a probe shakes hands with an HTTP endpoint's host, not a login page".into()));
        }
        let refused_only = Expect { success: Some(false), ..Expect::default() };
        if serde_json::to_value(expect).ok() != serde_json::to_value(&refused_only).ok() {
            return Err(err("a probe is judged on whether the handshake is refused: expect = { success = false }, nothing else".into()));
        }
        needs.insert(Need::Https);
        Ok(Some(probe))
    }

    /// The step's expectations, validated by the check registry for the kind of step it is.
    fn expect(&self, raw: &RawEntry, endpoint: &str, browser: Option<Browser>, e: &dyn Fn(String) -> LoadError) -> Result<Expect, LoadError> {
        let expect_raw = raw.expect.as_ref().ok_or_else(|| e("missing field `expect`".into()))?;
        let expect = expect_raw.get_ref().clone();
        let ex_err = |msg: String| self.err(expect_raw.span().start, format!("case `{}`: field `expect`: {msg}", self.case_id));
        let kind = match browser {
            None => StepKind::Http,
            Some(Browser::FirstPage) => StepKind::FirstPage,
            Some(_) => StepKind::Login,
        };
        let schemas = SchemasOf(self.profile);
        expect.validate(kind, endpoint, &schemas, false).map_err(|m| ex_err(m.to_string()))?;
        for (level, nested) in expect.graded() {
            let name = level.as_str().to_ascii_lowercase();
            nested.validate(kind, endpoint, &schemas, true).map_err(|m| ex_err(format!("`{name}`: {m}")))?;
        }
        Ok(expect)
    }

    /// Every placeholder must be known: base, from a declared fixture, or captured by an earlier
    /// named step. A `second_` one needs the second client.
    fn placeholders(&self, strings: Vec<&str>, known: &mut Known, e: &dyn Fn(String) -> LoadError) -> Result<(), LoadError> {
        for s in strings {
            for name in placeholder::names(s) {
                if name.starts_with("second_") {
                    known.needs.insert(Need::SecondClient);
                }
                let captured = name.split_once('.').is_some_and(|(step, _)| known.names.contains(step));
                if !captured && !known.placeholders.contains(name) {
                    let hint = Fixture::ALL
                        .iter()
                        .find(|f| f.provides().contains(&name))
                        .map(|f| format!(" (declare fixtures = [\"{}\"])", f.name()))
                        .unwrap_or_default();
                    return Err(e(format!("unknown placeholder `{{{name}}}`{hint}")));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    struct P;
    impl ProfileView for P {
        fn has_endpoint(&self, name: &str) -> bool {
            matches!(name, "token" | "authorize" | "revoke" | "par")
        }
        fn is_browser_endpoint(&self, name: &str) -> bool {
            name == "authorize"
        }
        fn has_schema(&self, _: &str) -> bool {
            true
        }
        fn endpoint_names(&self) -> Vec<String> {
            vec!["token".into(), "authorize".into()]
        }
        fn default_params(&self, name: &str) -> Vec<(String, String)> {
            if name == "token" { vec![("code".into(), "{code}".into())] } else { vec![] }
        }
    }

    fn known() -> Known {
        Known { placeholders: ["state", "code"].map(String::from).into(), names: HashSet::new(), needs: BTreeSet::new(), resource_steps: HashSet::new() }
    }

    /// Validates `text` (a step's TOML) as a step of the given role.
    fn step(text: &str, role: &str, known: &mut Known) -> Result<Step, String> {
        let raw: RawEntry = toml::from_str(text).map_err(|e| e.to_string())?;
        let ctx = StepCtx { file: "t.toml", text, case_id: "token/x", profile: &P, table_endpoint: "token", fapi: false };
        ctx.step(&raw, 0, None, role, known).map_err(|e| e.to_string())
    }

    #[rstest]
    #[case::a_case_field_in_a_step("id = \"a/b\"\nexpect = { status = 200 }", "after", "case `token/x`: after step: field `id` is not allowed in a step")]
    #[case::unknown_endpoint("endpoint = \"tokn\"\nexpect = { status = 200 }", "after", "field `endpoint`: unknown endpoint `tokn` (the profile has: token, authorize, probe, resource_token)")]
    #[case::browser_on_http("browser = \"deny\"\nexpect = { status = 200 }", "before", "field `browser`: endpoint `token` is not driven through the login page")]
    #[case::precondition_after("precondition = true\nexpect = { status = 200 }", "after", "field `precondition` is only for a before step")]
    #[case::dpop_unknown("dpop = \"shiny\"\nexpect = { status = 200 }", "main", "field `dpop`: unknown proof `shiny` (one of: ")]
    #[case::dpop_without_bearer("dpop = \"no_ath\"\nexpect = { status = 200 }", "main", "field `dpop`: `no_ath` is about an access token: it needs `bearer`")]
    #[case::refusal_passes_in_main("refusal_passes = true\nexpect = { status = 200 }", "main", "field `refusal_passes` is only for a before step")]
    #[case::dpop_in_a_browser("endpoint = \"authorize\"\ndpop = \"proof\"\nexpect = { status = 200 }", "before", "field `dpop`: endpoint `authorize` is driven through the login page, which sends no proof")]
    #[case::method("method = \"FETCH\"\nexpect = { status = 200 }", "main", "field `method`: `FETCH` is not an HTTP method")]
    #[case::placeholder("form = { x = \"{access_token}\" }\nexpect = { status = 200 }", "main", "unknown placeholder `{access_token}` (declare fixtures = [\"token_pair\"])")]
    #[case::resource_token_changed("endpoint = \"resource_token\"\nform = { scope = \"x\" }\nexpect = { status = 200 }", "before", "field `form`: a `resource_token` step sends the default token request of the grant the resource takes; it cannot be changed")]
    fn a_bad_step_is_refused_with_the_rule_it_breaks(#[case] text: &str, #[case] role: &str, #[case] expected: &str) {
        let e = step(text, role, &mut known()).unwrap_err();
        assert!(e.contains(expected), "{e}");
    }

    #[rstest]
    #[case::login("endpoint = \"authorize\"\nexpect = { status = 302 }", Need::Login)]
    #[case::optional_endpoint("endpoint = \"revoke\"\nexpect = { status = 200 }", Need::Capability(Capability::Revocation))]
    #[case::second_client("auth = \"second_client\"\nexpect = { status = 200 }", Need::SecondClient)]
    #[case::second_placeholder("form = { x = \"{second_client_id}\" }\nexpect = { status = 200 }", Need::SecondClient)]
    #[case::post("auth = \"post\"\nexpect = { status = 200 }", Need::Capability(Capability::ClientSecretPost))]
    fn a_step_adds_what_it_needs_from_the_target(#[case] text: &str, #[case] need: Need) {
        let mut k = known();
        k.placeholders.insert("second_client_id".into());
        step(text, "before", &mut k).unwrap();
        assert!(k.needs.contains(&need), "{:?}", k.needs);
    }

    /// A probe step sending a token from the code flow needs a resource that takes those; one
    /// sending the token a `resource_token` step made, or none, does not.
    #[rstest]
    #[case::code_token(&[], "bearer = \"{first.access_token}\"", true)]
    #[case::code_token_in_the_query(&[], "query = { access_token = \"{first.access_token}\" }", true)]
    #[case::resource_token(&["name = \"first\"\nendpoint = \"resource_token\"\nexpect = { status = 200 }"], "bearer = \"{first.access_token}\"", false)]
    #[case::made_up_token(&[], "bearer = \"invalid-{state}\"", false)]
    fn a_probe_step_with_a_code_flow_token_needs_a_resource_that_takes_it(#[case] before: &[&str], #[case] probe: &str, #[case] needs: bool) {
        let mut k = known();
        k.names.insert("first".into());
        for b in before {
            k.names.remove("first");
            step(b, "before", &mut k).unwrap();
        }
        step(&format!("endpoint = \"probe\"\n{probe}\nexpect = {{ status = 200 }}"), "after", &mut k).unwrap();
        assert_eq!(k.needs.contains(&Need::ResourceTakesCode), needs, "{:?}", k.needs);
        assert!(k.needs.contains(&Need::Probe));
    }

    #[test]
    fn a_named_step_makes_its_captures_known_and_its_name_taken() {
        let mut k = known();
        step("name = \"first\"\nexpect = { status = 200 }", "before", &mut k).unwrap();
        step("form = { t = \"{first.access_token}\" }\nexpect = { status = 200 }", "after", &mut k).unwrap();
        let e = step("name = \"first\"\nexpect = { status = 200 }", "after", &mut k).unwrap_err();
        assert!(e.contains("step name `first` used twice"), "{e}");
    }

    #[test]
    fn a_body_replaces_the_endpoints_defaults_and_their_placeholders() {
        let mut k = Known { placeholders: HashSet::new(), names: HashSet::new(), needs: BTreeSet::new(), resource_steps: HashSet::new() };
        assert!(step("expect = { status = 200 }", "main", &mut k).unwrap_err().contains("unknown placeholder `{code}`"));
        assert!(step("body = \"raw\"\nexpect = { status = 200 }", "main", &mut k).is_ok());
        assert!(step("omit = [\"code\"]\nexpect = { status = 200 }", "main", &mut k).is_ok());
    }
}
