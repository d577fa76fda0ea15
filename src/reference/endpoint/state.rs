//! The authorization server's shared state: whom it knows, what it has issued, the switches it
//! runs with and its profile's `Flavour`. Enters: what `app` assembles; leaves: the questions
//! every handler asks of it (is this fault on, is this offered, is this scope known).
use axum::http::{HeaderMap, header};
use axum::routing::MethodFilter;

use super::super::fault::{Fault, Faults};
use super::super::flavour::Flavour;
use super::super::offer::{Offer, Withheld};
use super::super::page::LoginStyle;
use super::super::registration::Registration;
use super::super::store::Store;
use super::super::variant::{Variant, Variants};

/// The realm of every challenge the server sends.
pub const REALM: &str = "citi-pl";

/// OpenID Connect Core §5.4: the scopes that ask for sets of standard claims.
pub const CLAIM_SCOPES: [&str; 4] = ["profile", "email", "address", "phone"];

pub struct AuthServer {
    pub reg: Registration,
    pub store: Store,
    pub faults: Faults,
    pub variants: Variants,
    /// What the server does not offer this time (capabilities switched off).
    pub withheld: Withheld,
    /// The profile's rules and extensions.
    pub flavour: &'static Flavour,
    /// The access token lifetime the token answers state (the expired-token-accepted fault
    /// keeps tokens alive far longer).
    pub expires_in: u64,
    /// The request_uri lifetime PAR answers state.
    pub par_lifetime: u64,
    /// The device_code lifetime device authorization answers state.
    pub device_lifetime: u64,
    /// Authorization requests only through PAR (RFC 9126 §5).
    pub par_required: bool,
    /// How the login and consent pages are built.
    pub login_style: LoginStyle,
    /// Who signed in on which browser, for OpenID Connect's prompt and max_age.
    pub sessions: super::super::sessions::Sessions,
    /// The mutual-TLS listener and its client (RFC 8705), where the server has one.
    pub mtls: Option<std::sync::Arc<super::super::mtls::Mtls>>,
}

impl AuthServer {
    pub fn has(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    pub fn variant(&self, v: Variant) -> bool {
        self.variants.has(v)
    }

    /// Whether the server offers `o` (everything, unless withheld).
    pub fn offers(&self, o: Offer) -> bool {
        !self.withheld.has(o)
    }

    /// Whether DPoP (RFC 9449) is on: the profile speaks it, and it is not withheld.
    pub fn dpop_on(&self) -> bool {
        self.flavour.dpop && self.offers(Offer::Dpop)
    }

    /// Whether OpenID Connect is on: the profile speaks it, and it is not withheld.
    pub fn openid_on(&self) -> bool {
        self.flavour.openid && self.offers(Offer::OpenId)
    }

    /// Whether the server grants scope `s`: a registered one, or `openid` where OpenID Connect is on.
    pub fn knows_scope(&self, s: &str) -> bool {
        self.reg.scopes.iter().any(|k| k.eq_ignore_ascii_case(s)) || ((s == "openid" || CLAIM_SCOPES.contains(&s)) && self.openid_on())
    }

    /// The scopes the metadata lists.
    pub fn scopes_supported(&self) -> Vec<String> {
        let mut scopes = self.reg.scopes.clone();
        if self.openid_on() {
            scopes.insert(0, "openid".into());
            scopes.extend(CLAIM_SCOPES.iter().map(|s| s.to_string()));
        }
        scopes
    }

    /// The methods a token endpoint answers: POST, and GET too under the get-token-allowed fault
    /// (otherwise GET is refused with 405).
    pub fn token_methods(&self) -> MethodFilter {
        if self.has(Fault::GetTokenAllowed) { MethodFilter::POST.or(MethodFilter::GET) } else { MethodFilter::POST }
    }

    /// `scope` without the scopes the server does not know (the unknown-scope variant and fault);
    /// the default scope when none is left.
    pub fn known_scopes(&self, scope: &str) -> String {
        let kept: Vec<&str> = scope.split(' ').filter(|s| self.knows_scope(s)).collect();
        if kept.is_empty() { "accounts".to_string() } else { kept.join(" ") }
    }

    pub fn drops_unknown_scopes(&self) -> bool {
        self.variant(Variant::UnknownScopeDropped) || self.has(Fault::UnknownScopeDroppedSilently)
    }

    /// The first scope in `scope` the server does not know (none under the unknown-scope-granted fault).
    pub fn unknown_scope<'a>(&self, scope: &'a str) -> Option<&'a str> {
        if self.has(Fault::UnknownScopeGranted) {
            return None;
        }
        scope.split(' ').filter(|s| !s.is_empty()).find(|s| !self.knows_scope(s))
    }
}

/// The issuer identifier (RFC 8414, RFC 9207) from the Host the client used.
pub fn issuer(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let https = headers.get(super::super::tls::SCHEME_HEADER).is_some_and(|v| v == "https");
    format!("{}://{host}", if https { "https" } else { "http" })
}
