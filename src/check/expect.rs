//! What a step's answer must look like: the `expect` table of a case step, as serde reads it
//! (`deny_unknown_fields`). Its fields come from the one list in `check::fields`; what each means,
//! validates and evaluates is `check::registry`'s.
//!
//! What enters: an `expect` table. What leaves: an `Expect`.
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::check::fields::expect_fields;
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
    /// Redirected with a successful response and no error: what it must carry is named in
    /// `present` (an implicit or hybrid response: code, access_token, id_token).
    Success,
    /// Either: a code, or an error named in `error` / `error_in` (a feature the server may
    /// support or refuse with its own error, e.g. request objects and request_not_supported).
    CodeOrError,
}

/// How the redirect answering the login form's POST (the request carrying the password) must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum CredentialsRedirect {
    /// Not 307, which has the browser post the password again where it points (RFC 9700 §4.12
    /// names 307; a 308 does the same and misses the SHOULD of 303).
    #[serde(rename = "not_307")]
    Not307,
    /// 303 See Other, if a redirect answers it at all.
    #[serde(rename = "303")]
    SeeOther,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiresIn {
    /// A JSON number greater than zero (RFC 6749 §5.1).
    PositiveNumber,
    /// A string holding a whole positive number of seconds.
    PositiveIntegerString,
}

/// What the answer's ID Token (OpenID Connect Core §2) must hold beyond what every one does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdTokenExpect {
    /// The nonce the authentication request sent (placeholders allowed), echoed exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `auth_time` is present (Core §2: REQUIRED when the request sent `max_age`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auth_time: bool,
    /// `auth_time` is later than this earlier one (e.g. `{first.id_token.auth_time}`): the user
    /// signed in again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time_after: Option<String>,
    /// `auth_time` equals this earlier one: no new sign-in happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time_same: Option<String>,
    /// When the token carries `auth_time`, it equals this earlier one (a refreshed ID Token's is
    /// the original authentication's, Core §12.2); a token without it passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time_kept: Option<String>,
    /// The token carries no `nonce` (a refreshed ID Token SHOULD NOT, Core §12.2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_nonce: bool,
    /// An answer without `id_token` passes (e.g. a refresh, Core §12.2); one with it is judged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub if_present: bool,
    /// `c_hash` is present and matches the code beside it (Core §3.3.2.11: REQUIRED when the
    /// authorization endpoint issues the ID Token with a code).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub c_hash: bool,
    /// `at_hash` is present (and matches, as always): REQUIRED when the authorization endpoint
    /// issues the ID Token with an access token (Core §3.2.2.10, §3.3.2.11).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_hash: bool,
    /// `sub` equals this earlier one (e.g. `{first.id_token.sub}`): the same user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// A field that is set: `Option::Some`, a non-empty list or table, `true`.
pub trait Given {
    fn given(&self) -> bool;
}

impl<T> Given for Option<T> {
    fn given(&self) -> bool {
        self.is_some()
    }
}

impl<T> Given for Vec<T> {
    fn given(&self) -> bool {
        !self.is_empty()
    }
}

impl<K, V> Given for IndexMap<K, V> {
    fn given(&self) -> bool {
        !self.is_empty()
    }
}

impl Given for bool {
    fn given(&self) -> bool {
        *self
    }
}

pub fn unset<T: Given>(v: &T) -> bool {
    !v.given()
}

/// Makes the `Expect` struct from the field list.
macro_rules! declare_struct {
    ($( $(#[doc = $doc:literal])+ $field:ident : $ty:ty, $shape:literal { $($k:ident : $v:expr),* $(,)? } )*) => {
        /// What a step's answer must look like. Each field turns into one or more named checks.
        #[derive(Debug, Clone, Default, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct Expect {
            $(
                $(#[doc = $doc])+
                #[serde(default, skip_serializing_if = "unset")]
                pub $field: $ty,
            )*
            /// Expectations graded SHOULD inside a MUST case: failing them makes a warning, not a failure.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub should: Option<Box<Expect>>,
            /// Expectations graded MAY inside a MUST or SHOULD case.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub may: Option<Box<Expect>>,
        }
    };
}

expect_fields!(declare_struct);

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
    /// When present, a URL using the https scheme (loopback aside), as OpenID Connect Discovery
    /// §3 requires of the endpoints a provider lists.
    HttpsUrlIfPresent,
}
