//! The check registry: what each `expect` field of `check::fields` means — its TOML shape, its
//! one-line description, the checks it records, its reference, which answers it judges, how it is
//! validated at load time and how it is evaluated. Validation, evaluation order and the field
//! reference in `docs/case-fields.md` all read `KINDS`.
//!
//! What enters: an `Expect` and the kind of step it belongs to. What leaves: `ExpectError`s at
//! load time; at run time, the evaluators `check::evaluate` calls in order.
use crate::check::browser;
use crate::check::expect::{Expect, Given, RedirectExpect};
use crate::check::fields::expect_fields;
use crate::check::http;
use crate::check::openid;
use crate::check::record::Recorder;
use crate::model::level::Level;

/// Which answers a field judges, and how a browser step may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judges {
    /// HTTP answers only (an API endpoint's JSON and headers).
    Http,
    /// Browser steps only, on any page or redirect the login ends at.
    Browser,
    /// Browser steps only, on the first page (`browser = "first_page"`).
    FirstPage,
    /// Browser steps only, after a login (`browser = "approve"` or `"deny"`).
    Login,
    /// HTTP answers, and the redirect's parameters in a browser step (evaluated with `redirect`).
    HttpAndRedirect,
    /// HTTP answers and browser pages alike.
    Both,
}

impl Judges {
    pub fn http(self) -> bool {
        matches!(self, Judges::Http | Judges::HttpAndRedirect | Judges::Both)
    }

    pub fn browser(self) -> bool {
        !matches!(self, Judges::Http)
    }
}

/// Where in an HTTP answer a field looks: status first, then the JSON body (skipped when the body
/// is not a JSON object: the shape failure says it once), then headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Status,
    Body,
    Headers,
}

/// Whether a field judges the JSON body, so the answer must first be a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Json {
    No,
    Yes,
    /// Only on a 2xx answer (an error answer grants nothing to judge).
    OnSuccess,
}

/// Evaluates a field on an HTTP answer.
pub type HttpEval = fn(&mut Recorder, &Expect, &http::Answer<'_>);
/// Evaluates a field on where a browser step landed.
pub type BrowserEval = fn(&mut Recorder, &Expect, &browser::Answer<'_>);
/// A field's own load-time rule beyond its TOML shape.
pub type Validate = fn(&Expect, &dyn KnownSchemas) -> Result<(), ExpectError>;

/// What load-time validation needs from the profile.
pub trait KnownSchemas {
    fn has_schema(&self, name: &str) -> bool;
}

/// One `expect` field: everything the suite knows about it, in one place.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The case-table key.
    pub field: &'static str,
    /// The one-line description (the declaration's doc comment).
    pub doc: &'static str,
    /// Its TOML shape, for the field reference.
    pub shape: &'static str,
    /// The names of the checks it records.
    pub checks: &'static [&'static str],
    /// The reference its checks carry when the rule has one of its own (else the case's refs).
    pub reference: Option<&'static str>,
    pub judges: Judges,
    pub part: Part,
    pub json: Json,
    /// Another field that says the same thing another way: give one, not both.
    pub instead_of: Option<&'static str>,
    pub validate: Option<Validate>,
    pub http: Option<HttpEval>,
    pub browser: Option<BrowserEval>,
    /// Whether a table sets it.
    pub given: fn(&Expect) -> bool,
}

impl Kind {
    const BASE: Kind = Kind {
        field: "",
        doc: "",
        shape: "",
        checks: &[],
        reference: None,
        judges: Judges::Http,
        part: Part::Body,
        json: Json::No,
        instead_of: None,
        validate: None,
        http: None,
        browser: None,
        given: |_| false,
    };
}

/// Makes `KINDS` from the field list.
macro_rules! declare_kinds {
    ($( $(#[doc = $doc:literal])+ $field:ident : $ty:ty, $shape:literal { $($k:ident : $v:expr),* $(,)? } )*) => {
        /// Every `expect` field, in evaluation order.
        pub static KINDS: &[Kind] = &[
            $(
                Kind {
                    field: stringify!($field),
                    doc: concat!($($doc),+),
                    shape: $shape,
                    given: |e: &Expect| e.$field.given(),
                    $($k: $v,)*
                    ..Kind::BASE
                },
            )*
        ];
    };
}

expect_fields!(declare_kinds);

/// Why an `expect` table does not fit its step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    #[error("give `{0}` or `{1}`, not both")]
    Both(&'static str, &'static str),
    #[error("unknown schema `{0}` (no specs/<profile>/{0}.schema.json)")]
    UnknownSchema(String),
    #[error("a browser step needs `redirect`, `login_form`, `status` or `single_params`")]
    BrowserNeedsVerdict,
    #[error("`{0}` needs browser = \"first_page\"")]
    NeedsFirstPage(&'static str),
    #[error("`{0}` needs a login (browser = \"approve\" or \"deny\")")]
    NeedsLogin(&'static str),
    #[error("redirect = \"error\" needs `error` or `error_in`")]
    ErrorRedirectUnnamed,
    #[error("`{0}` applies to HTTP answers, not to a browser step")]
    HttpOnly(&'static str),
    #[error("`{field}` needs a browser endpoint (`{endpoint}` is not one)")]
    BrowserOnly { field: &'static str, endpoint: String },
    #[error("a graded expectation cannot hold another one")]
    NestedGrade,
    #[error("`{grade}` expectations need a case level above {level} (this case is {case})")]
    GradeTooHigh { grade: &'static str, level: &'static str, case: &'static str },
}

fn redirect_error_named(e: &Expect, _: &dyn KnownSchemas) -> Result<(), ExpectError> {
    if matches!(e.redirect, Some(RedirectExpect::Error | RedirectExpect::CodeOrError)) && e.error.is_none() && e.error_in.is_empty() {
        return Err(ExpectError::ErrorRedirectUnnamed);
    }
    Ok(())
}

fn schema_known(e: &Expect, schemas: &dyn KnownSchemas) -> Result<(), ExpectError> {
    match &e.schema {
        Some(s) if !schemas.has_schema(s) => Err(ExpectError::UnknownSchema(s.clone())),
        _ => Ok(()),
    }
}

/// The browser mode of a step, as validation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// An API request: the answer is HTTP.
    Http,
    /// The login driver loads the first page only.
    FirstPage,
    /// The login driver signs in (and approves or denies).
    Login,
}

impl Expect {
    /// The fields this table sets, in evaluation order.
    pub fn kinds(&self) -> impl Iterator<Item = &'static Kind> + '_ {
        KINDS.iter().filter(move |k| (k.given)(self))
    }

    /// Whether the step expects the server to accept it (a 2xx, or a redirect with a code): only
    /// then does a refusal point at the target file.
    pub fn positive(&self) -> bool {
        self.success == Some(true) || self.status.is_some_and(|s| (200..300).contains(&s)) || self.redirect == Some(crate::check::expect::RedirectExpect::Code)
    }

    /// Whether this table judges the JSON body of an answer with this success.
    pub fn wants_json(&self, success: bool) -> bool {
        self.kinds().any(|k| k.json == Json::Yes || (success && k.json == Json::OnSuccess))
    }

    /// What this table (`nested`: a graded one inside another) may say for a step of this kind.
    pub fn validate(&self, step: StepKind, endpoint: &str, schemas: &dyn KnownSchemas, nested: bool) -> Result<(), ExpectError> {
        for k in self.kinds() {
            if let Some(other) = k.instead_of.and_then(|o| KINDS.iter().find(|x| x.field == o)).filter(|o| (o.given)(self)) {
                return Err(ExpectError::Both(if k.field < other.field { k.field } else { other.field }, if k.field < other.field { other.field } else { k.field }));
            }
            if let Some(v) = k.validate {
                v(self, schemas)?;
            }
            match (step, k.judges) {
                (StepKind::Http, j) if !j.http() => return Err(ExpectError::BrowserOnly { field: k.field, endpoint: endpoint.to_string() }),
                (StepKind::FirstPage | StepKind::Login, Judges::Http) => return Err(ExpectError::HttpOnly(k.field)),
                (StepKind::Login, Judges::FirstPage) => return Err(ExpectError::NeedsFirstPage(k.field)),
                (StepKind::FirstPage, Judges::Login) => return Err(ExpectError::NeedsLogin(k.field)),
                _ => {}
            }
        }
        let standalone = |k: &Kind| matches!(k.judges, Judges::Both | Judges::Browser | Judges::FirstPage) || k.field == "redirect";
        if step != StepKind::Http && !self.kinds().any(standalone) && self.should.is_none() && self.may.is_none() {
            return Err(ExpectError::BrowserNeedsVerdict);
        }
        if nested && (self.should.is_some() || self.may.is_some()) {
            return Err(ExpectError::NestedGrade);
        }
        Ok(())
    }

    /// A graded expectation must sit below the case's own level: SHOULD inside MUST, MAY inside
    /// MUST or SHOULD.
    pub fn check_grades(&self, case_level: Level) -> Result<(), ExpectError> {
        for (level, _) in self.graded() {
            if level <= case_level {
                let grade = if level == Level::Should { "should" } else { "may" };
                return Err(ExpectError::GradeTooHigh { grade, level: level.as_str(), case: case_level.as_str() });
            }
        }
        Ok(())
    }
}

/// The `expect` field reference (Markdown), generated from `KINDS`: what `docs/case-fields.md`
/// holds between its generated markers.
pub fn field_reference() -> String {
    let mut out = String::from("| field | value | what it checks | checks recorded | reference |\n|---|---|---|---|---|\n");
    for k in KINDS {
        let judged = match k.judges {
            Judges::Http => "",
            Judges::Browser => " *(browser steps)*",
            Judges::FirstPage => " *(browser = \"first_page\")*",
            Judges::Login => " *(after a login)*",
            Judges::HttpAndRedirect => " *(HTTP answers; in a browser step, the redirect's parameters)*",
            Judges::Both => " *(HTTP answers and browser pages)*",
        };
        let checks = k.checks.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("| `{}` | {} | {}{judged} | {checks} | {} |\n", k.field, k.shape.replace('|', "\\|"), k.doc.trim(), k.reference.unwrap_or("the case's refs")));
    }
    out.push_str("| `should` | table (an `expect` table) | Expectations graded SHOULD inside a MUST case: failing them makes a warning, not a failure. | | |\n");
    out.push_str("| `may` | table (an `expect` table) | Expectations graded MAY inside a MUST or SHOULD case. | | |\n");
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/case-fields.md"));
    const BEGIN: &str = "<!-- generated from src/check/fields.rs: begin -->\n";
    const END: &str = "<!-- generated from src/check/fields.rs: end -->";

    #[test]
    fn the_documented_expect_fields_are_the_registry_s() {
        let generated = field_reference();
        let inside = DOC.split_once(BEGIN).and_then(|(_, rest)| rest.split_once(END)).map(|(t, _)| t);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let (head, rest) = DOC.split_once(BEGIN).expect("begin marker");
            let (_, tail) = rest.split_once(END).expect("end marker");
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/case-fields.md");
            std::fs::write(path, format!("{head}{BEGIN}{generated}{END}{tail}")).unwrap();
            return;
        }
        assert_eq!(inside, Some(generated.as_str()), "docs/case-fields.md differs from the registry: run UPDATE_DOCS=1 cargo test --lib the_documented_expect_fields");
    }

    #[test]
    fn every_field_is_declared_once_with_a_doc_and_its_checks() {
        let mut seen = std::collections::BTreeSet::new();
        for k in KINDS {
            assert!(seen.insert(k.field), "`{}` declared twice", k.field);
            assert!(!k.doc.trim().is_empty() && !k.checks.is_empty(), "`{}` needs a doc and its checks", k.field);
            if let Some(o) = k.instead_of {
                assert!(KINDS.iter().any(|x| x.field == o && x.instead_of == Some(k.field)), "`{}` and `{o}` must name each other", k.field);
            }
        }
    }

    #[test]
    fn an_evaluator_exists_for_every_answer_a_field_judges() {
        for k in KINDS {
            let via_redirect = matches!(k.judges, Judges::HttpAndRedirect | Judges::Login) && k.field != "redirect";
            assert_eq!(k.http.is_some(), k.judges.http(), "`{}`: HTTP evaluator vs judges", k.field);
            assert!(k.browser.is_some() == k.judges.browser() || via_redirect, "`{}`: browser evaluator vs judges", k.field);
        }
    }

    #[test]
    fn serde_reads_exactly_the_declared_fields() {
        // A table with every declared field parses; one with an unknown field does not.
        for k in KINDS {
            let first_choice = k.shape.split('|').next().unwrap_or("").trim().to_string();
            let value = match k.shape {
                "integer" => "200",
                "boolean" => "true",
                "array of integers" => "[200]",
                s if s.starts_with("array") => "[\"x\"]",
                s if s.starts_with("table") => "{}",
                s if s.starts_with('"') => first_choice.as_str(),
                _ => "\"x\"",
            };
            let text = format!("{} = {value}", k.field);
            let parsed: Result<Expect, _> = toml::from_str(&text);
            assert!(parsed.is_ok(), "`{text}` should parse: {parsed:?}");
        }
        assert!(toml::from_str::<Expect>("statuss = 200").is_err());
    }

    struct Schemas;
    impl KnownSchemas for Schemas {
        fn has_schema(&self, name: &str) -> bool {
            name == "token_response"
        }
    }

    fn exp(text: &str) -> Expect {
        toml::from_str(text).unwrap()
    }

    #[rstest::rstest]
    #[case("status = 400\nstatus_in = [400]", StepKind::Http, "give `status` or `status_in`, not both")]
    #[case("error = \"x\"\nerror_in = [\"y\"]", StepKind::Http, "give `error` or `error_in`, not both")]
    #[case("schema = \"nope\"", StepKind::Http, "unknown schema `nope` (no specs/<profile>/nope.schema.json)")]
    #[case("redirect = \"code\"", StepKind::Http, "`redirect` needs a browser endpoint (`token` is not one)")]
    #[case("no_store = true", StepKind::Login, "`no_store` applies to HTTP answers, not to a browser step")]
    #[case("login_form = true", StepKind::Login, "`login_form` needs browser = \"first_page\"")]
    #[case("redirect = \"code\"", StepKind::FirstPage, "`redirect` needs a login (browser = \"approve\" or \"deny\")")]
    #[case("redirect = \"error\"", StepKind::Login, "redirect = \"error\" needs `error` or `error_in`")]
    #[case("present = [\"code\"]", StepKind::Login, "a browser step needs `redirect`, `login_form`, `status` or `single_params`")]
    fn a_table_that_does_not_fit_its_step_is_refused(#[case] text: &str, #[case] step: StepKind, #[case] message: &str) {
        assert_eq!(exp(text).validate(step, "token", &Schemas, false).unwrap_err().to_string(), message);
    }

    #[rstest::rstest]
    #[case("status = 200\nschema = \"token_response\"\nno_store = true", StepKind::Http)]
    #[case("redirect = \"code\"\nstate_echoed = true\npresent = [\"code\"]", StepKind::Login)]
    #[case("login_form = true\nanti_framing = true", StepKind::FirstPage)]
    fn a_table_that_fits_its_step_is_accepted(#[case] text: &str, #[case] step: StepKind) {
        assert_eq!(exp(text).validate(step, "token", &Schemas, false), Ok(()));
    }

    #[test]
    fn graded_tables_sit_below_the_case_level_and_hold_no_other() {
        let e = exp("status = 200\n[should]\nno_store = true");
        assert_eq!(e.check_grades(Level::Must), Ok(()));
        assert_eq!(e.check_grades(Level::Should).unwrap_err().to_string(), "`should` expectations need a case level above SHOULD (this case is SHOULD)");
        let nested = exp("[should]\nno_store = true\n[should.may]\nstatus = 1");
        assert_eq!(nested.should.as_ref().unwrap().validate(StepKind::Http, "token", &Schemas, true), Err(ExpectError::NestedGrade));
    }

    #[test]
    fn the_json_body_is_wanted_by_body_fields_and_scope_fields_on_success_only() {
        assert!(!exp("status = 400").wants_json(false));
        assert!(exp("token_type = \"Bearer\"").wants_json(false));
        assert!(!exp("scope_stated = true").wants_json(false));
        assert!(exp("scope_stated = true").wants_json(true));
        assert!(!exp("absent = [\"code\"]").wants_json(true));
    }
}
