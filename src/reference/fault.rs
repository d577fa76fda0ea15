//! The catalogue of faults the reference server can be started with: each breaks one documented
//! rule the way real servers break it, so the suite can prove the check for that rule can fail.
//! The handlers consult `Faults` at the one decision point each fault alters.
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    StateDropped,
    CodeReusable,
    RedirectUriPrefix,
    WrongSecretAccepted,
    NoCacheControl,
    RevokeNoCascade,
}

impl Fault {
    pub const ALL: &'static [Fault] = &[
        Fault::StateDropped,
        Fault::CodeReusable,
        Fault::RedirectUriPrefix,
        Fault::WrongSecretAccepted,
        Fault::NoCacheControl,
        Fault::RevokeNoCascade,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::StateDropped => "state-dropped",
            Fault::CodeReusable => "code-reusable",
            Fault::RedirectUriPrefix => "redirect-uri-prefix",
            Fault::WrongSecretAccepted => "wrong-secret-accepted",
            Fault::NoCacheControl => "no-cache-control",
            Fault::RevokeNoCascade => "revoke-no-cascade",
        }
    }

    /// The rule the fault breaks, with its reference.
    pub fn rule(self) -> &'static str {
        match self {
            Fault::StateDropped => "the success redirect omits state (RFC 6749 §4.1.2)",
            Fault::CodeReusable => "an authorization code can be redeemed more than once (RFC 6749 §4.1.2)",
            Fault::RedirectUriPrefix => "redirect_uri is matched as a string prefix of the registered one (RFC 9700 §2.1, §4.1)",
            Fault::WrongSecretAccepted => "the client secret is not checked (RFC 6749 §2.3.1)",
            Fault::NoCacheControl => "token responses lack Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)",
            Fault::RevokeNoCascade => "revoking one token of a grant leaves the other alive (seed: Revoke Access Token)",
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// The set of faults a server runs with; empty for the correct server.
#[derive(Debug, Clone, Default)]
pub struct Faults(BTreeSet<Fault>);

impl Faults {
    pub fn none() -> Self {
        Faults::default()
    }

    pub fn has(&self, f: Fault) -> bool {
        self.0.contains(&f)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|f| f.name()).collect()
    }
}

impl FromIterator<Fault> for Faults {
    fn from_iter<T: IntoIterator<Item = Fault>>(iter: T) -> Self {
        Faults(iter.into_iter().collect())
    }
}
