//! What a step's answer must look like: the `expect` table of a case step.
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::level::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectExpect {
    /// Redirected to the redirect_uri with a code.
    Code,
    /// Redirected to the redirect_uri with an error.
    Error,
    /// Never redirected away from the authorization server.
    None,
    /// Never handed a code: a page, or a redirect without a code (an error redirect or not).
    NoCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiresIn {
    /// A JSON number greater than zero (RFC 6749 §5.1).
    PositiveNumber,
    /// A string holding a whole positive number of seconds.
    PositiveIntegerString,
}

/// What a step's answer must look like. Each field turns into one or more named checks.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_in: Vec<u16>,
    pub success: Option<bool>,
    pub schema: Option<String>,
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_in: Vec<String>,
    pub token_type: Option<String>,
    pub expires_in: Option<ExpiresIn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub differs: IndexMap<String, String>,
    #[serde(default)]
    pub no_store: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_present: Vec<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub header_contains: IndexMap<String, String>,
    /// Headers whose value contains this text (case-insensitive), e.g. an error in a challenge.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub header_includes: IndexMap<String, String>,
    /// Headers whose value, if present, does not contain this text (case-insensitive).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub header_excludes: IndexMap<String, String>,
    pub redirect: Option<RedirectExpect>,
    #[serde(default)]
    pub state_echoed: bool,
    /// The page resists framing: X-Frame-Options DENY or SAMEORIGIN, or a CSP frame-ancestors
    /// that is not `*` (RFC 9700 §4.16).
    #[serde(default)]
    pub anti_framing: bool,
    /// The page keeps its URL from other origins: a Referrer-Policy header or meta referrer
    /// (RFC 9700 §4.2.4).
    #[serde(default)]
    pub referrer_policy: bool,
    /// A redirect (if any) carries each parameter at most once (RFC 6749 §3.1).
    #[serde(default)]
    pub single_params: bool,
    #[serde(default)]
    pub login_form: bool,
    /// JSON members that must equal these strings (placeholders allowed).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub equals: IndexMap<String, String>,
    /// JSON members that must be these booleans.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub booleans: IndexMap<String, bool>,
    /// JSON members that, if present, must not be these booleans (e.g. never `active: true`,
    /// whether the answer is a refusal or an `active: false`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub booleans_not: IndexMap<String, bool>,
    /// JSON members that must be arrays holding this string.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub contains: IndexMap<String, String>,
    /// JSON members that must have these formats.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub formats: IndexMap<String, Format>,
    /// The WWW-Authenticate header holds a challenge for this auth scheme (e.g. "Basic").
    pub challenge: Option<String>,
    /// On a 2xx answer, the `scope` member is present: the granted scope differs from the
    /// requested one (RFC 6749 §3.3).
    #[serde(default)]
    pub scope_stated: bool,
    /// On a 2xx answer, `scope` is present and every scope in it is one of these (placeholders
    /// allowed): the grant was never widened.
    pub scope_within: Option<String>,
    /// Expectations graded SHOULD inside a MUST case: failing them makes a warning, not a failure.
    pub should: Option<Box<Expect>>,
    /// Expectations graded MAY inside a MUST or SHOULD case.
    pub may: Option<Box<Expect>>,
}

impl Expect {
    /// The expectations graded below the case's own level, with their level.
    pub fn graded(&self) -> impl Iterator<Item = (Level, &Expect)> {
        [(Level::Should, self.should.as_deref()), (Level::May, self.may.as_deref())].into_iter().filter_map(|(l, e)| e.map(|e| (l, e)))
    }
}

/// A shape a JSON member must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// An ISO 8601 / RFC 3339 date-time with a time zone.
    DateTime,
    /// A compact JWS (3 base64url segments, header JSON with `alg`) or JWE (5 segments).
    Jose,
    /// A string holding a positive whole number.
    PositiveIntegerString,
    /// A non-empty string.
    NonEmpty,
    /// An issuer identifier: a URL without query or fragment, https (loopback aside; RFC 8414 §2).
    IssuerUrl,
    /// When present, a NumericDate in the future (an active token's `exp`, RFC 7662 §2.2).
    FutureTimeIfPresent,
}
