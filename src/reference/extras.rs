//! How a reference server departs from its full self beside faults and variants: offers withheld
//! and short lifetimes. Enters: command-line switches; leaves: what the app and target file read.
use std::time::Duration;

use super::offer::Withheld;
use super::page::LoginStyle;

/// How the reference departs from its full self beside faults and variants: offers withheld
/// (capabilities switched off) and short lifetimes for the slow cases.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub withheld: Withheld,
    /// Codes live 4 s, access tokens 5 s and pushed request_uris 4 s, and the target file says
    /// how long to wait.
    pub short_lived: bool,
    /// Authorization requests only through PAR (RFC 9126 §5), and the metadata says so.
    pub par_required: bool,
    /// How the login and consent pages are built (citi-pl and rfc6749).
    pub login_style: LoginStyle,
    /// The mutual-TLS listener and its client (rfc6749; RFC 8705), set when the server starts.
    pub mtls: Option<std::sync::Arc<super::mtls::Mtls>>,
    /// `serve --tls`: the main listener over https too, its certificate from a CA made at start
    /// (the mutual-TLS listener's, where there is one).
    pub tls: bool,
    /// The CA of that certificate (PEM), set when the server starts, for the target file.
    pub tls_ca: Option<String>,
    /// The clock of OpenID Connect's sessions and ID Tokens (`auth_time`, `max_age`, `iat`):
    /// owned when the server starts, so that the suite in the same process advances it instead
    /// of waiting (`Target::clock`); a server in a process of its own lives on the wall clock.
    pub clock: crate::model::clock::Clock,
}

/// Lifetimes of the short-lived reference, and the waits its target file gives (one second more).
pub const SHORT_CODE: Duration = Duration::from_secs(4);
pub const SHORT_ACCESS: Duration = Duration::from_secs(5);
