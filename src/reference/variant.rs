//! The catalogue of tolerated variants: behaviours the RFCs (or the seed) permit and real servers
//! choose, each citing the clause that permits it. Beside the faults, never mixed with them: a
//! fault is a rule broken (some case must fail), a variant is a rule honoured another way (the
//! gate must pass). The handlers consult `Variants` at the one decision point each one alters.
use crate::model::level::Level;

macro_rules! variants {
    ($($variant:ident => $name:literal, [$($profile:literal),+], $departure:expr, $clause:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Variant { $($variant,)* }

        impl Variant {
            pub const ALL: &'static [Variant] = &[$(Variant::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Variant::$variant => $name,)* }
            }

            /// The profiles whose reference offers the variant (where the profile permits it).
            pub fn profiles(self) -> &'static [&'static str] {
                match self { $(Variant::$variant => &[$($profile),+],)* }
            }

            /// `None`: every expectation still holds. `Some(level)`: the variant departs from an
            /// expectation graded at that level (SHOULD or MAY), so warnings (or failed cases) at
            /// that level or weaker are allowed — never at MUST.
            pub fn departure(self) -> Option<Level> {
                match self { $(Variant::$variant => $departure,)* }
            }

            /// What the server does, and the clause that permits it.
            pub fn clause(self) -> &'static str {
                match self { $(Variant::$variant => $clause,)* }
            }
        }
    };
}

const SHOULD: Option<Level> = Some(Level::Should);
const MAY: Option<Level> = Some(Level::May);

variants! {
    Redirect303 => "redirect-303", ["citi-pl", "rfc6749"], None, "redirects to the client with 303 See Other instead of 302 (RFC 6749 §3.1.2 and §4.1.2 leave the method to the user agent; RFC 9700 §4.12 recommends 303)";
    IssParameter => "iss-parameter", ["citi-pl", "rfc6749"], None, "adds iss to every authorization response, success and error (RFC 9207 §2; RFC 6749 §8.2 lets clients ignore unknown parameters)";
    RedirectPercent20 => "redirect-percent-20", ["citi-pl", "rfc6749"], None, "encodes spaces in redirect parameters as %20 instead of + (RFC 3986 §2.1; both decode to the same value)";
    CodesLongLived => "codes-long-lived", ["citi-pl", "rfc6749"], None, "authorization codes live 10 minutes instead of 120 s (RFC 6749 §4.1.2: a maximum of 10 minutes is RECOMMENDED)";
    TokenTypeCapitalised => "token-type-capitalised", ["citi-pl", "rfc6749", "citi-mx"], None, "token_type is \"Bearer\" (RFC 6749 §5.1: the value is case-insensitive)";
    ExtraTokenMembers => "extra-token-members", ["citi-pl", "rfc6749", "citi-mx"], None, "token and error answers carry extra members (RFC 6749 §5.1: the client MUST ignore unrecognised value names)";
    SeveralChallenges => "several-challenges", ["citi-pl", "rfc6749"], None, "a 401 offers a Bearer challenge before the Basic one (RFC 9110 §11.6.1: several challenges, in one header field)";
    CacheControlMore => "cache-control-more", ["citi-pl", "rfc6749", "citi-mx"], None, "Cache-Control carries more directives beside no-store (private, max-age=0; RFC 9111 §5.2)";
    RefreshNotRotated => "refresh-not-rotated", ["citi-pl", "rfc6749"], MAY, "a refresh issues no new refresh token; the old one stays valid (RFC 6749 §6: the server MAY issue a new one)";
    RefreshScopeNarrowed => "refresh-scope-narrowed", ["citi-pl", "rfc6749"], SHOULD, "a refresh asking for a scope never granted gets a token for the original scope, stated in scope, instead of invalid_scope (RFC 6749 §3.3: MAY partially ignore the request, MUST state the scope)";
    ErrorPageForMalformedRequest => "error-page-for-malformed-request", ["rfc6749"], SHOULD, "a malformed authorization request (a parameter twice, an unknown scope) gets an error page, not an error redirect (RFC 6749 §4.1.2.1 says the server informs the client, without a keyword; for response_type §3.1.1 makes the redirect a MUST, so those still redirect)";
    UnknownScopeDropped => "unknown-scope-dropped", ["rfc6749"], MAY, "an unknown scope is dropped and the granted scope stated, instead of invalid_scope (RFC 6749 §3.3: MAY fully or partially ignore the requested scope, MUST include scope when it differs)";
    UnknownHintUnsupported => "unknown-hint-unsupported", ["rfc6749"], None, "an unknown token_type_hint is answered 400 unsupported_token_type (RFC 7009 §2.2.1)";
    NoClientAuth400 => "no-client-auth-400", ["rfc6749"], None, "a token request with no client authentication at all is answered 400 invalid_client without a challenge (RFC 6749 §5.2: MAY answer 401)";
    RevokeAccessKeepsRefresh => "revoke-access-keeps-refresh", ["rfc6749"], MAY, "revoking an access token leaves its refresh token alive (RFC 7009 §2.1: the server MAY revoke it too)";
    RevokeEmptyBody => "revoke-empty-body", ["rfc6749"], None, "revocation answers 200 with an empty body (RFC 7009 §2.2: the content of the answer is ignored)";
    ErrorDescriptionOmitted => "error-description-omitted", ["rfc6749"], None, "error answers carry no error_description (RFC 6749 §5.2: OPTIONAL)";
    QueryTokenAccepted => "query-token-accepted", ["rfc6749"], MAY, "the protected resource also accepts the access token in the access_token query parameter, its answers marked Cache-Control: private (RFC 6750 §2.3: resource servers MAY support it; SHOULD answer private)";
    LoopbackAnyPort => "loopback-any-port", ["rfc6749"], None, "the confidential client too is registered with a loopback redirect URI, and any port is accepted for it (RFC 8252 §7.3: MUST allow any port; RFC 9700 §2.1 makes the exception)";
    ResourceUserTokensOnly => "resource-user-tokens-only", ["rfc6749"], None, "the protected resource serves end users only: a client-credentials token is refused 401 invalid_token, as a userinfo endpoint does (RFC 6750 §3.1; which tokens a resource accepts is its own policy, RFC 6749 §7)";
    DeviceMinimalAnswer => "device-minimal-answer", ["rfc6749"], None, "the device authorization answer carries neither verification_uri_complete nor interval (RFC 8628 §3.2: both OPTIONAL; the user types user_code at verification_uri, the device polls every 5 s)";
    IntrospectOwnTokensOnly => "introspect-own-tokens-only", ["rfc6749"], None, "introspection answers active:false for a token issued to another client (RFC 7662 §2.2: a caller not allowed to introspect this particular token gets active false)";
    RefreshNotIntrospectable => "refresh-not-introspectable", ["rfc6749"], MAY, "refresh tokens are introspected active:false (RFC 7662 §2.2: a caller not allowed to introspect a particular token gets active false; introspecting refresh tokens is the server's choice)";
    ParRequestUriReload => "par-request-uri-reload", ["rfc6749"], SHOULD, "a request_uri may be used again (a user reloading the page), not only once (RFC 9126 §4: SHOULD be one-time use, MAY allow duplicates)";
    MtlsTokensUnbound => "mtls-tokens-unbound", ["rfc6749"], None, "the mutual-TLS client authenticates with its certificate, but its access tokens are bearer tokens, and the metadata does not say tls_client_certificate_bound_access_tokens (RFC 8705 §3.3: binding is the server's choice, which the metadata states)";
    DpopUnbound => "dpop-unbound", ["rfc6749"], MAY, "a token request with a valid DPoP proof gets an unbound bearer token (RFC 9449 §5: the server MAY issue access tokens that are not DPoP-bound, token_type Bearer)";
    IdTokenWithoutKid => "id-token-without-kid", ["rfc6749"], None, "ID Tokens name no kid: the JWK Set holds one key (OpenID Connect Core §10.1: a kid MUST be given only when the JWK Set holds several keys)";
    InteractionRequired => "interaction-required", ["rfc6749"], None, "prompt=none without a signed-in user is refused interaction_required, not login_required (OpenID Connect Core §3.1.2.6: either names the missing interaction)";
    RefreshWithoutIdToken => "refresh-without-id-token", ["rfc6749"], None, "refresh answers carry no id_token, even for an OpenID grant (OpenID Connect Core §12.2: the response might not contain an id_token)";
    IdTokenWithoutAtHash => "id-token-without-at-hash", ["rfc6749"], None, "ID Tokens from the token endpoint carry no at_hash (OpenID Connect Core §3.1.3.6: OPTIONAL in the code flow)";
    JwksWithEcKey => "jwks-with-ec-key", ["rfc6749"], None, "the JWK Set publishes an ES256 key beside the RS256 one that signs ID Tokens (OpenID Connect Core §10.1: with several keys, the ID Token names its own by kid)";
    ScopeClaimsInIdToken => "scope-claims-in-id-token", ["rfc6749"], None, "the claims the profile, email, address and phone scopes ask for come in the ID Token as well as from UserInfo (OpenID Connect Core §5.4, §5.5: an OP may return claims in the ID Token)";
    RequestObjectsRefused => "request-objects-refused", ["rfc6749"], None, "request objects are not supported: request_parameter_supported is false and a request parameter is refused request_not_supported (OpenID Connect Core §6.1, §3.1.2.6; Discovery §3)";
    CodeFlowOnly => "code-flow-only", ["rfc6749"], None, "only the code flow: response_types_supported lists code alone and other response types are refused unsupported_response_type (OpenID Connect Core §15.1: implicit and hybrid flows are not required of every OP; Discovery §3)";
    JwksRotatedKey => "jwks-rotated-key", ["rfc6749"], None, "after a key rotation the JWK Set holds the old and the new RSA key and ID Tokens are signed with the new one, named by kid (OpenID Connect Core §10.1.1: rotation by adding keys to the JWK Set)";
    UserinfoBodyTokenRefused => "userinfo-body-token-refused", ["rfc6749"], None, "the UserInfo endpoint takes the access token in the Authorization header only, not in a form body (RFC 6750 §2.2: the body method MAY be supported; OpenID Connect Core §5.3.1)";
    DpopNonce => "dpop-nonce", ["rfc6749"], None, "the token endpoint and the resource demand a server-supplied nonce in DPoP proofs, asking with use_dpop_nonce (RFC 9449 §8, §9: MAY supply a nonce)";
    MtlsTlsClientAuth => "mtls-tls-client-auth", ["rfc6749"], None, "the mutual-TLS client is registered for tls_client_auth: its certificate is issued by the server's CA and matched by subject DN and chain, not by thumbprint (RFC 8705 §2.1, the PKI method, instead of §2.2)";
    ParRequired => "par-required", ["rfc6749"], None, "every client's authorization requests only through PAR, as the metadata says with require_pushed_authorization_requests; a plain request is refused (RFC 9126 §5: the server MAY require PAR of all clients, not only of the FAPI client)";
    FapiChecksAtAuthorize => "fapi-checks-at-authorize", ["rfc6749"], None, "the FAPI client's pushes are stored unchecked and refused at the authorization endpoint instead (RFC 9126 §2.1: the server MAY omit validation at the push, then MUST perform it at the authorization request)";
    FapiErrorPage => "fapi-error-page", ["rfc6749"], None, "the FAPI client's plain authorization request gets an error page, not an error redirect (FAPI 2.0 Security Profile §5.3.2.2 item 3 says reject, not how)";
    FapiRequestUri30s => "fapi-request-uri-30s", ["rfc6749"], None, "the FAPI client's request_uri lives 30 s (FAPI 2.0 Security Profile §5.3.2.2 item 12: less than 600 s; its note asks for room for slow devices, often over 30 s)";
    FapiMtlsBound => "fapi-mtls-bound", ["rfc6749"], None, "the FAPI client's access tokens are bound to its certificate (RFC 8705 §3) instead of a DPoP key; it still authenticates with private_key_jwt (FAPI 2.0 Security Profile §5.3.2.1 item 5: DPoP or mTLS)";
    FapiTlsClientAuth => "fapi-tls-client-auth", ["rfc6749"], None, "the FAPI client authenticates with its certificate (tls_client_auth, RFC 8705 §2.1) instead of private_key_jwt; its tokens stay DPoP-bound (FAPI 2.0 Security Profile §5.3.2.1 item 6: mTLS or private_key_jwt)";
    FapiAllMtls => "fapi-all-mtls", ["rfc6749"], None, "the FAPI client authenticates with tls_client_auth and its tokens are bound to its certificate: mutual TLS for both (FAPI 2.0 Security Profile §5.3.2.1 items 5 and 6)";
    FapiCode30s => "fapi-code-30s", ["rfc6749"], None, "the FAPI client's authorization codes live 30 s (FAPI 2.0 Security Profile §5.3.2.1 item 11: a maximum lifetime of 60 seconds; a shorter one is the server's choice)";
    MxErrorType => "mx-error-type", ["citi-mx"], None, "error answers also carry type (the bank's other APIs: error|warn|invalid|fatal; extra members allowed)";
    MxTimestampOffset => "mx-timestamp-offset", ["citi-mx"], None, "error timestamps carry milliseconds and a +00:00 offset (ISO 8601 / RFC 3339 date-time)";
}

impl Variant {
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.iter().copied().find(|v| v.name() == name)
    }

    /// Variants only a slow case can show passing (a lifetime): the selftest runs them with the
    /// slow cases, at their own lifetimes (not short-lived ones).
    pub fn is_slow(self) -> bool {
        matches!(self, Variant::FapiCode30s)
    }
}

/// The variants a server runs with; empty for the default reference.
pub type Variants = super::switch::Switches<Variant>;

impl super::switch::Switch for Variant {
    fn name(self) -> &'static str {
        Variant::name(self)
    }
}

/// The variants `profile`'s reference offers.
pub fn variants_of(profile: &str) -> Vec<Variant> {
    Variant::ALL.iter().copied().filter(|v| v.profiles().contains(&profile)).collect()
}
