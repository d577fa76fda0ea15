//! A case table as written, before validation: one shape serves cases and their before/after
//! steps (`deny_unknown_fields`, so a typo is refused with its line). Enters: TOML text; leaves:
//! spanned fields for the validators in `table` and `step`.
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::check::expect::Expect;
use crate::model::duty::Duty;
use crate::model::level::Level;
use crate::suite::case::{Auth, Browser, Race, Sample};

/// A case table or step as written. One shape serves cases and their before/after steps; the
/// validator says which fields each may carry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntry {
    pub(crate) id: Option<Spanned<String>>,
    pub(crate) title: Option<String>,
    pub(crate) level: Option<Level>,
    pub(crate) duty: Option<Duty>,
    pub(crate) rule: Option<String>,
    #[serde(default)]
    pub(crate) threats: Vec<Spanned<String>>,
    pub(crate) refs: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) fixtures: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) needs: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) serial: bool,
    pub(crate) requires: Option<Spanned<String>>,
    pub(crate) race: Option<Spanned<Race>>,
    pub(crate) sample: Option<Spanned<Sample>>,
    pub(crate) wait: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) before: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    pub(crate) after: Vec<Spanned<RawEntry>>,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) endpoint: Option<Spanned<String>>,
    pub(crate) method: Option<Spanned<String>>,
    pub(crate) auth: Option<Auth>,
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) query: IndexMap<String, String>,
    #[serde(default)]
    pub(crate) form: IndexMap<String, String>,
    #[serde(default)]
    pub(crate) omit: Vec<String>,
    #[serde(default)]
    pub(crate) append: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) headers: IndexMap<String, String>,
    #[serde(default)]
    pub(crate) append_headers: Vec<(String, String)>,
    pub(crate) bearer: Option<String>,
    pub(crate) url: Option<String>,
    /// The device flow's user code, typed where the verification page asks for it.
    pub(crate) user_code: Option<String>,
    pub(crate) browser: Option<Browser>,
    pub(crate) dpop: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) precondition: bool,
    /// A before step whose refusal keeps the case's rule: the server refused early (a pushed
    /// request refused at the push instead of at the authorization endpoint), and the case passes.
    #[serde(default)]
    pub(crate) refusal_passes: bool,
    /// The login keeps the case's browser session (cookies) from its earlier session steps.
    #[serde(default)]
    pub(crate) session: bool,
    /// Seconds (1 to 5) to pause before this step is sent, e.g. for `max_age=1` to lapse.
    pub(crate) pause: Option<Spanned<u64>>,
    /// The client certificate the request presents (mutual TLS).
    pub(crate) cert: Option<crate::suite::case::Cert>,
    /// Instead of a request: a TLS handshake with the endpoint's host offering only this
    /// (`below_1_2`, `tls12_unrecommended_suites`), judged refused or not.
    pub(crate) tls_probe: Option<Spanned<String>>,
    pub(crate) expect: Option<Spanned<Expect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTable {
    /// The endpoint every case in this file is filed under.
    pub(crate) endpoint: Spanned<String>,
    /// `"fapi"`: every request of the table is the `[fapi_client]`'s (FAPI 2.0).
    pub(crate) client: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) case: Vec<Spanned<RawEntry>>,
}
