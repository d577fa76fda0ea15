//! The catalogue of faults the reference server can be started with: each breaks one documented
//! rule the way real servers break it, so the suite can prove the check for that rule can fail.
//! The handlers consult `Faults` at the one decision point each fault alters.
use std::collections::BTreeSet;

use crate::case::Level;

macro_rules! faults {
    ($($variant:ident => $name:literal, $level:ident, $rule:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault { $($variant,)* }

        impl Fault {
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// How strongly the broken rule is demanded: a MUST fault must fail the gate; a
            /// SHOULD fault must show as a failed SHOULD case.
            pub fn level(self) -> Level {
                match self { $(Fault::$variant => Level::$level,)* }
            }

            /// The rule the fault breaks, with its reference.
            pub fn rule(self) -> &'static str {
                match self { $(Fault::$variant => $rule,)* }
            }
        }
    };
}

faults! {
    CodeInFragment => "code-in-fragment", Must, "the success redirect carries code and state in the fragment, not the query (RFC 6749 §4.1.2)";
    StateDropped => "state-dropped", Must, "the success redirect omits state (RFC 6749 §4.1.2)";
    StateTruncated => "state-truncated", Must, "a state longer than 64 characters is cut short in the redirect (RFC 6749 §4.1.2)";
    CodeReusable => "code-reusable", Must, "an authorization code can be redeemed more than once (RFC 6749 §4.1.2)";
    CodeRace => "code-race", Must, "concurrent redemptions of one code all succeed: check-then-act without a lock (RFC 6749 §4.1.2, RFC 9700 §4.5)";
    CodeReplayKeepsTokens => "code-replay-keeps-tokens", Should, "a replayed code is refused but the tokens issued from it stay alive (RFC 6749 §4.1.2 SHOULD)";
    CodeOtherClient => "code-other-client", Must, "a code is redeemed by a client it was not issued to (RFC 6749 §4.1.3)";
    CodeRedirectUriUnchecked => "code-redirect-uri-unchecked", Must, "the token endpoint ignores redirect_uri (RFC 6749 §4.1.3)";
    UnknownCode500 => "unknown-code-500", Must, "an unknown code is answered 500 instead of invalid_grant (RFC 6749 §5.2)";
    NoRefreshToken => "no-refresh-token", Must, "the code exchange issues no refresh token (seed: Retrieve Access Token, 200)";
    AccessTokenDead => "access-token-dead", Must, "issued access tokens are not accepted by the resource (seed: access_token as Authorization header)";
    RedirectUriPrefix => "redirect-uri-prefix", Must, "redirect_uri is matched as a string prefix of the registered one (RFC 9700 §2.1, §4.1)";
    RedirectUriHostOnly => "redirect-uri-host-only", Must, "redirect_uri is matched on its host only (RFC 9700 §2.1, §4.1)";
    RedirectUriDefaulted => "redirect-uri-defaulted", Must, "a missing redirect_uri falls back to the registered one (seed: redirect_uri required)";
    ErrorRedirectUnregistered => "error-redirect-unregistered", Must, "an unregistered redirect_uri receives the error redirect (RFC 6749 §4.1.2.1)";
    UnknownClientRedirects => "unknown-client-redirects", Must, "an unknown or missing client_id is answered with a redirect (RFC 6749 §4.1.2.1)";
    ResponseTypeUnchecked => "response-type-unchecked", Must, "any or no response_type is treated as code (RFC 6749 §4.1.2.1)";
    StateNotRequired => "state-not-required", Must, "an authorization request without state proceeds (seed: state required)";
    AuthorizeParamsUnchecked => "authorize-params-unchecked", Must, "countryCode, businessCode and locale are not required (seed: required)";
    ScopeNotRequired => "scope-not-required", Must, "a missing scope is silently defaulted (seed: scope required)";
    UnknownScopeGranted => "unknown-scope-granted", Must, "an unknown scope is granted instead of invalid_scope (RFC 6749 §3.3, §5.2)";
    NoLoginPage => "no-login-page", Must, "the authorization endpoint issues a code without login or consent (seed: login page)";
    DenyNoRedirect => "deny-no-redirect", Must, "a denial shows a page instead of redirecting with access_denied (RFC 6749 §4.1.2.1)";
    WrongSecretAccepted => "wrong-secret-accepted", Must, "the client secret is not checked (RFC 6749 §2.3.1)";
    InvalidClient400 => "invalid-client-400", Must, "invalid_client is answered 400 instead of 401 (seed: 401; RFC 6749 §5.2)";
    NoWwwAuthenticate => "no-www-authenticate", Must, "a 401 carries no WWW-Authenticate challenge (RFC 6749 §5.2, RFC 9110 §15.5.2)";
    ErrorStatus200 => "error-status-200", Must, "error answers use status 200 (RFC 6749 §5.2)";
    ErrorHtml => "error-html", Must, "error answers are HTML pages, not JSON (RFC 6749 §5.2)";
    NonstandardErrorCode => "nonstandard-error-code", Must, "invalid_request is reported as invalid_parameter (RFC 6749 §5.2)";
    UnsupportedGrantAsInvalidRequest => "unsupported-grant-as-invalid-request", Must, "an unknown grant_type is answered invalid_request (RFC 6749 §5.2)";
    MarkupInErrorDescription => "markup-in-error-description", Must, "error_description and a header carry HTML and script, quotes included (RFC 6749 §5.2 character set)";
    NonAsciiErrorDescription => "non-ascii-error-description", Must, "error_description carries non-ASCII text (RFC 6749 §5.2)";
    RepeatedParamsAccepted => "repeated-params-accepted", Must, "repeated parameters are accepted, first one wins (RFC 6749 §3.1, §3.2)";
    JsonBodyAccepted => "json-body-accepted", Must, "token requests with a JSON body are accepted (RFC 6749 §3.2)";
    GetTokenAllowed => "get-token-allowed", Must, "token endpoints answer GET with the parameters in the query (RFC 6749 §3.2)";
    NoCacheControl => "no-cache-control", Must, "token responses lack Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)";
    TokenTypeMissing => "token-type-missing", Must, "token responses have no token_type (RFC 6749 §5.1)";
    TokenTypeMac => "token-type-mac", Must, "token_type is mac instead of bearer (seed; RFC 6749 §7.1)";
    ExpiresInString => "expires-in-string", Must, "expires_in is a string (seed: number; RFC 6749 §5.1)";
    RefreshOtherClient => "refresh-other-client", Must, "a client can refresh another client's refresh token (RFC 6749 §6)";
    RefreshScopeWidened => "refresh-scope-widened", Must, "a refresh can add scopes never granted (RFC 6749 §6)";
    RevokeAccessKeepsRefresh => "revoke-access-keeps-refresh", Must, "revoking an access token leaves its refresh token alive (seed: Revoke Access Token)";
    RevokeRefreshKeepsAccess => "revoke-refresh-keeps-access", Must, "revoking a refresh token leaves its access token alive (seed: \"and vice-versa\")";
    RevokeUnknown400 => "revoke-unknown-400", Must, "revoking an unknown token is answered 400 (RFC 7009 §2.2)";
    RevokedAccessStillAccepted => "revoked-access-still-accepted", Must, "a revoked access token is still accepted by the resource (RFC 7009 §2.2)";
    RevokeOtherClient => "revoke-other-client", Must, "a client can revoke another client's tokens (RFC 7009 §2.1)";
    RevokeHintTrusted => "revoke-hint-trusted", Must, "revocation looks only where token_type_hint points (RFC 7009 §2.1)";
    RevokeHintRequired => "revoke-hint-required", Should, "revocation without token_type_hint is refused (RFC 7009 §2.1: OPTIONAL)";
    RevokeEmptyBody => "revoke-empty-body", Must, "revocation answers 200 with an empty body instead of {status} (seed: Revoke Access Token, 200)";
}

impl Fault {
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
