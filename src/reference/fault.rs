//! The catalogue of faults the reference server can be started with: each breaks one documented
//! rule the way real servers break it, so the suite can prove the check for that rule can fail.
//! The handlers consult `Faults` at the one decision point each fault alters.
use crate::model::level::Level;

macro_rules! faults {
    ($($variant:ident => $name:literal, $profile:literal, $level:ident, $rule:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault { $($variant,)* }

        impl Fault {
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// The profile whose reference the fault breaks.
            pub fn profile(self) -> &'static str {
                match self { $(Fault::$variant => $profile,)* }
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
    CodeInFragment => "code-in-fragment", "citi-pl", Must, "the success redirect carries code and state in the fragment, not the query (RFC 6749 §4.1.2)";
    StateDropped => "state-dropped", "citi-pl", Must, "the success redirect omits state (RFC 6749 §4.1.2)";
    StateTruncated => "state-truncated", "citi-pl", Must, "a state longer than 64 characters is cut short in the redirect (RFC 6749 §4.1.2)";
    CodeReusable => "code-reusable", "citi-pl", Must, "an authorization code can be redeemed more than once (RFC 6749 §4.1.2)";
    CodeRace => "code-race", "citi-pl", Must, "concurrent redemptions of one code all succeed: check-then-act without a lock (RFC 6749 §4.1.2, RFC 9700 §4.5)";
    CodeReplayKeepsTokens => "code-replay-keeps-tokens", "citi-pl", Should, "a replayed code is refused but the tokens issued from it stay alive (RFC 6749 §4.1.2 SHOULD)";
    CodeOtherClient => "code-other-client", "citi-pl", Must, "a code is redeemed by a client it was not issued to (RFC 6749 §4.1.3)";
    CodeRedirectUriUnchecked => "code-redirect-uri-unchecked", "citi-pl", Must, "the token endpoint ignores redirect_uri (RFC 6749 §4.1.3)";
    UnknownCode500 => "unknown-code-500", "citi-pl", Must, "an unknown code is answered 500 instead of invalid_grant (RFC 6749 §5.2)";
    NoRefreshToken => "no-refresh-token", "citi-pl", Must, "the code exchange issues no refresh token (seed: Retrieve Access Token, 200)";
    AccessTokenDead => "access-token-dead", "citi-pl", Must, "issued access tokens are not accepted by the resource (seed: access_token as Authorization header)";
    RedirectUriPrefix => "redirect-uri-prefix", "citi-pl", Must, "redirect_uri is matched as a string prefix of the registered one (RFC 9700 §2.1, §4.1)";
    RedirectUriHostOnly => "redirect-uri-host-only", "citi-pl", Must, "redirect_uri is matched on its host only (RFC 9700 §2.1, §4.1)";
    RedirectUriDefaulted => "redirect-uri-defaulted", "citi-pl", Must, "a missing redirect_uri falls back to the registered one (seed: redirect_uri required)";
    ErrorRedirectUnregistered => "error-redirect-unregistered", "citi-pl", Must, "an unregistered redirect_uri receives the error redirect (RFC 6749 §4.1.2.1)";
    UnknownClientRedirects => "unknown-client-redirects", "citi-pl", Must, "an unknown or missing client_id is answered with a redirect (RFC 6749 §4.1.2.1)";
    ResponseTypeUnchecked => "response-type-unchecked", "citi-pl", Must, "any or no response_type is treated as code (RFC 6749 §4.1.2.1)";
    StateNotRequired => "state-not-required", "citi-pl", Must, "an authorization request without state proceeds (seed: state required)";
    AuthorizeParamsUnchecked => "authorize-params-unchecked", "citi-pl", Must, "countryCode, businessCode and locale are not required (seed: required)";
    ScopeNotRequired => "scope-not-required", "citi-pl", Must, "a missing scope is silently defaulted (seed: scope required)";
    UnknownScopeGranted => "unknown-scope-granted", "citi-pl", Must, "an unknown scope is granted instead of invalid_scope (RFC 6749 §3.3, §5.2)";
    NoLoginPage => "no-login-page", "citi-pl", Must, "the authorization endpoint issues a code without login or consent (seed: login page)";
    DenyNoRedirect => "deny-no-redirect", "citi-pl", Must, "a denial shows a page instead of redirecting with access_denied (RFC 6749 §4.1.2.1)";
    WrongSecretAccepted => "wrong-secret-accepted", "citi-pl", Must, "the client secret is not checked (RFC 6749 §2.3.1)";
    InvalidClient400 => "invalid-client-400", "citi-pl", Must, "invalid_client is answered 400 instead of 401 (seed: 401; RFC 6749 §5.2)";
    NoWwwAuthenticate => "no-www-authenticate", "citi-pl", Must, "a 401 carries no WWW-Authenticate challenge (RFC 6749 §5.2, RFC 9110 §15.5.2)";
    ErrorStatus200 => "error-status-200", "citi-pl", Must, "error answers use status 200 (RFC 6749 §5.2)";
    ErrorHtml => "error-html", "citi-pl", Must, "error answers are HTML pages, not JSON (RFC 6749 §5.2)";
    NonstandardErrorCode => "nonstandard-error-code", "citi-pl", Must, "invalid_request is reported as invalid_parameter (RFC 6749 §5.2)";
    UnsupportedGrantAsInvalidRequest => "unsupported-grant-as-invalid-request", "citi-pl", Must, "an unknown grant_type is answered invalid_request (RFC 6749 §5.2)";
    MarkupInErrorDescription => "markup-in-error-description", "citi-pl", Must, "error_description and a header carry HTML and script, quotes included (RFC 6749 §5.2 character set)";
    NonAsciiErrorDescription => "non-ascii-error-description", "citi-pl", Must, "error_description carries non-ASCII text (RFC 6749 §5.2)";
    RepeatedParamsAccepted => "repeated-params-accepted", "citi-pl", Must, "repeated parameters are accepted, first one wins (RFC 6749 §3.1, §3.2)";
    JsonBodyAccepted => "json-body-accepted", "citi-pl", May, "token requests with a JSON body are accepted (RFC 6749 §4.4.2: the client's duty to send a form; its case is advice)";
    GetTokenAllowed => "get-token-allowed", "citi-pl", May, "token endpoints answer GET with the parameters in the query (RFC 6749 §3.2: the client's duty to use POST; its cases are advice)";
    NoCacheControl => "no-cache-control", "citi-pl", Must, "token responses lack Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)";
    TokenTypeMissing => "token-type-missing", "citi-pl", Must, "token responses have no token_type (RFC 6749 §5.1)";
    TokenTypeMac => "token-type-mac", "citi-pl", Must, "token_type is mac instead of bearer (seed; RFC 6749 §7.1)";
    ExpiresInString => "expires-in-string", "citi-pl", Must, "expires_in is a string (seed: number; RFC 6749 §5.1)";
    RefreshOtherClient => "refresh-other-client", "citi-pl", Must, "a client can refresh another client's refresh token (RFC 6749 §6)";
    RefreshScopeWidened => "refresh-scope-widened", "citi-pl", Must, "a refresh can add scopes never granted (RFC 6749 §6)";
    RevokeAccessKeepsRefresh => "revoke-access-keeps-refresh", "citi-pl", Must, "revoking an access token leaves its refresh token alive (seed: Revoke Access Token)";
    RevokeRefreshKeepsAccess => "revoke-refresh-keeps-access", "citi-pl", Must, "revoking a refresh token leaves its access token alive (seed: \"and vice-versa\")";
    RevokeUnknown400 => "revoke-unknown-400", "citi-pl", Must, "revoking an unknown token is answered 400 (RFC 7009 §2.2)";
    RevokedAccessStillAccepted => "revoked-access-still-accepted", "citi-pl", Must, "a revoked access token is still accepted by the resource (RFC 7009 §2.2)";
    RevokeOtherClient => "revoke-other-client", "citi-pl", Must, "a client can revoke another client's tokens (RFC 7009 §2.1)";
    RevokeHintTrusted => "revoke-hint-trusted", "citi-pl", Must, "revocation looks only where token_type_hint points (RFC 7009 §2.1)";
    RevokeHintRequired => "revoke-hint-required", "citi-pl", Should, "revocation without token_type_hint is refused (RFC 7009 §2.1: OPTIONAL)";
    MxUuidNotRequired => "mx-uuid-not-required", "citi-mx", Must, "a request without the uuid header is served (seed: uuid Required)";
    MxUuidNotValidated => "mx-uuid-not-validated", "citi-mx", Must, "any uuid header value is accepted (seed: 128-bit UUID; RFC 9562)";
    MxUuidRepeatAccepted => "mx-uuid-repeat-accepted", "citi-mx", May, "two uuid headers are accepted (seed: the client's duty to send one, unique per request; its case is advice)";
    MxParamsUnchecked => "mx-params-unchecked", "citi-mx", Must, "response_type and businessCode are not required (seed: Required)";
    MxChannelIdNotRequired => "mx-channel-id-not-required", "citi-mx", Must, "channelId is not required (seed: Required)";
    MxCountryCodeUnchecked => "mx-country-code-unchecked", "citi-mx", Must, "countryCode is not checked to be 2 upper-case letters (seed: 2-character ISO code)";
    MxUnknownClient400 => "mx-unknown-client-400", "citi-mx", Must, "an unknown client is answered 400 instead of 401 (seed: 401 Unauthorized)";
    MxErrorWithoutLocation => "mx-error-without-location", "citi-mx", Must, "error answers do not name the offending field in location (seed: location)";
    MxTimestampEpoch => "mx-timestamp-epoch", "citi-mx", Should, "error timestamps are epoch milliseconds, not ISO 8601 (seed: timestamp)";
    MxErrorCodeEmpty => "mx-error-code-empty", "citi-mx", Must, "error answers carry an empty code (seed: code qualifies the error)";
    MxErrorHtml => "mx-error-html", "citi-mx", Must, "error answers are HTML pages (seed: JSON error shape)";
    MxTokenOnError => "mx-token-on-error", "citi-mx", Must, "error answers still carry an access_token (seed: the 400/401 answers are the error shape, no token)";
    MxExpiresInNumber => "mx-expires-in-number", "citi-mx", Must, "expires_in is a JSON number (seed: string \"600\")";
    MxTokenTypeMac => "mx-token-type-mac", "citi-mx", Must, "token_type is mac (seed: Bearer)";
    MxAccessTokenOpaque => "mx-access-token-opaque", "citi-mx", Must, "access_token is an opaque string, not a JWT (seed: JWT, JWS & JWE)";
    MxNoOpaqueToken => "mx-no-opaque-token", "citi-mx", Must, "the answer lacks opaque_token (seed: opaque_token)";
    MxScopeNotVisitor => "mx-scope-not-visitor", "citi-mx", Must, "the default scope is not visitor (seed: always a visitor scope)";
    MxUnknownScopeGranted => "mx-unknown-scope-granted", "citi-mx", Should, "an unknown scope is granted (RFC 6749 §3.3)";
    MxNoCacheControl => "mx-no-cache-control", "citi-mx", Should, "the token answer lacks Cache-Control: no-store (RFC 6749 §5.1)";
    MxPlainAccepted => "mx-plain-accepted", "citi-mx", Must, "code_challenge_method=plain is accepted (seed: S256; RFC 9700 §2.1.1)";
    MxMethodCaseInsensitive => "mx-method-case-insensitive", "citi-mx", Must, "code_challenge_method=s256 is accepted (RFC 7636 §4.3: S256)";
    MxAnyMethodAccepted => "mx-any-method-accepted", "citi-mx", Must, "any code_challenge_method is accepted (RFC 7636 §4.4.1)";
    MxMethodWithoutChallenge => "mx-method-without-challenge", "citi-mx", Should, "code_challenge_method without code_challenge is accepted (RFC 7636 §4.3)";
    MxChallengeUnchecked => "mx-challenge-unchecked", "citi-mx", Should, "code_challenge length and alphabet are not checked (RFC 7636 §4.2)";
    RfcPkceUnchecked => "rfc-pkce-unchecked", "rfc6749", Must, "the code_verifier is not compared with the code_challenge (RFC 7636 §4.6)";
    RfcPkceDowngrade => "rfc-pkce-downgrade", "rfc6749", Must, "a code_verifier is accepted for a code requested without code_challenge (RFC 9700 §2.1.1)";
    RevokeEmptyBody => "revoke-empty-body", "citi-pl", Must, "revocation answers 200 with an empty body instead of {status} (seed: Revoke Access Token, 200)";
    ChallengeBearerAfterBasic => "challenge-bearer-after-basic", "citi-pl", Must, "a 401 invalid_client after Basic authentication challenges with Bearer only (RFC 6749 §5.2: the scheme the client used)";
    MissingGrantTypeUnsupported => "missing-grant-type-unsupported", "citi-pl", Should, "a missing grant_type is answered unsupported_grant_type instead of invalid_request (RFC 6749 §5.2)";
    MissingResponseTypeUnsupported => "missing-response-type-unsupported", "citi-pl", Should, "a missing response_type is answered unsupported_response_type instead of invalid_request (RFC 6749 §4.1.2.1)";
    RedirectUriOmissionAccepted => "redirect-uri-omission-accepted", "citi-pl", Must, "a code is redeemed without the redirect_uri its authorization request carried (RFC 6749 §4.1.3)";
    UnknownScopeDroppedSilently => "unknown-scope-dropped-silently", "citi-pl", Must, "an unknown scope is dropped and the token answer has no scope member (RFC 6749 §3.3: MUST state a changed scope)";
    RefreshScopeNarrowedSilently => "refresh-scope-narrowed-silently", "citi-pl", Must, "a refresh asking for more scope is narrowed to the grant without a scope member (RFC 6749 §3.3, §6)";
    RevokeOtherClientSilent => "revoke-other-client-silent", "citi-pl", Must, "revoking another client's token is answered 200 (RFC 7009 §2.1: refused with an error)";
    StateRepeatedInRedirect => "state-repeated-in-redirect", "citi-pl", Must, "a request with state twice is served and both states come back in the redirect (RFC 6749 §3.1: parameters at most once)";
    RfcRedirectUriOriginPrefix => "rfc-redirect-uri-origin-prefix", "rfc6749", Must, "redirect_uri is accepted when its text starts with the registered origin: userinfo, port and host-suffix tricks pass (RFC 9700 §2.1, §4.1)";
    RfcRedirectUriSubdomains => "rfc-redirect-uri-subdomains", "rfc6749", Must, "redirect_uri may use any subdomain of the registered host (RFC 9700 §2.1: exact string matching)";
    RfcRedirectUriNormalized => "rfc-redirect-uri-normalized", "rfc6749", Must, "redirect_uri is compared after URL normalisation: case, percent-encoding, dot segments, trailing slash and fragment ignored (RFC 9700 §2.1)";
    RfcQueryTokenNotPrivate => "rfc-query-token-not-private", "rfc6749", Should, "the resource takes access_token from the query and answers without Cache-Control: private (RFC 6750 §2.3: SHOULD)";
    RfcBasicNotDecoded => "rfc-basic-not-decoded", "rfc6749", Must, "Basic credentials are compared as sent, not form-decoded, so a secret with + / : fails (RFC 6749 §2.3.1: the client id and secret are encoded with application/x-www-form-urlencoded first)";
    RfcProbeNoChallenge => "rfc-probe-no-challenge", "rfc6749", Must, "the protected resource answers 401 without a WWW-Authenticate challenge (RFC 6750 §3)";
    RfcProbeErrorWithoutToken => "rfc-probe-error-without-token", "rfc6749", Should, "a request without any token gets error=\"invalid_token\" in its challenge (RFC 6750 §3.1: SHOULD NOT include an error code)";
    RfcProbeNoErrorCode => "rfc-probe-no-error-code", "rfc6749", Should, "an invalid token gets a challenge without error=\"invalid_token\" (RFC 6750 §3, §3.1: SHOULD include it)";
    RfcProbeErrorForOtherScheme => "rfc-probe-error-for-other-scheme", "rfc6749", Should, "a request that authenticates with another scheme (Basic) gets error=\"invalid_token\" in its challenge (RFC 6750 §3.1: SHOULD NOT include an error code)";
    RfcIssMissingOnError => "rfc-iss-missing-on-error", "rfc6749", Must, "iss is sent in success authorization responses but not in error ones (RFC 9207 §2)";
    RfcIssMissingOnEarlyError => "rfc-iss-missing-on-early-error", "rfc6749", Must, "iss is sent on a denial but not on an error found before any login, such as an unsupported response_type (RFC 9207 §2: every authorization response, errors included)";
    RfcIssWrong => "rfc-iss-wrong", "rfc6749", Must, "iss differs from the issuer identifier (a trailing slash added) (RFC 9207 §2, RFC 8414 §2)";
    RfcMetadataIssuerMismatch => "rfc-metadata-issuer-mismatch", "rfc6749", Must, "the metadata's issuer is not the URL its well-known address derives from (RFC 8414 §3.3)";
    RfcMetadataNoTokenEndpoint => "rfc-metadata-no-token-endpoint", "rfc6749", Must, "the metadata lacks token_endpoint (RFC 8414 §2: REQUIRED)";
    RfcMetadataHtml => "rfc-metadata-html", "rfc6749", Must, "the metadata is served as an HTML page (RFC 8414 §3.2: application/json)";
    RfcMetadataNoPkceMethods => "rfc-metadata-no-pkce-methods", "rfc6749", Should, "the metadata does not list code_challenge_methods_supported with S256 (RFC 9700 §2.1.1)";
    RfcIntrospectNoAuth => "rfc-introspect-no-auth", "rfc6749", Must, "the introspection endpoint answers callers that do not authenticate (RFC 7662 §2.1: token scanning)";
    RfcIntrospectRevokedActive => "rfc-introspect-revoked-active", "rfc6749", Must, "a revoked token is still introspected active (RFC 7662 §2.2)";
    RfcIntrospectInactiveDetails => "rfc-introspect-inactive-details", "rfc6749", Should, "an inactive token's introspection carries client_id and scope (RFC 7662 §2.2: SHOULD NOT)";
    RfcIntrospectHintTrusted => "rfc-introspect-hint-trusted", "rfc6749", Must, "introspection looks only where token_type_hint points (RFC 7662 §2.1: MUST extend its search)";
    RfcRefreshOldStillValid => "rfc-refresh-old-still-valid", "rfc6749", Must, "a rotated-out refresh token still works (RFC 9700 §4.14.2: the previous refresh token is invalidated)";
    RfcRefreshNoReuseDetection => "rfc-refresh-no-reuse-detection", "rfc6749", Should, "replaying a rotated-out refresh token leaves the active one alive (RFC 9700 §4.14.2: reuse detection)";
    RfcNoAntiFraming => "rfc-no-anti-framing", "rfc6749", Should, "the login page sends neither X-Frame-Options nor CSP frame-ancestors (RFC 9700 §4.16)";
    RfcTokenInRedirect => "rfc-token-in-redirect", "rfc6749", Should, "the code flow's success redirect also carries an access_token (RFC 6749 §4.1.2, RFC 9700 §2.1.2)";
    RfcPublicPkceOptional => "rfc-public-pkce-optional", "rfc6749", May, "a public client's authorization request without PKCE is served (RFC 9700 §2.1.1: the client's duty to use PKCE; its case is advice)";
    RfcPublicRefreshNotRotated => "rfc-public-refresh-not-rotated", "rfc6749", Must, "a public client's refresh token is neither rotated nor sender-constrained (RFC 9700 §4.14.2)";
    RfcPublicClientCredentials => "rfc-public-client-credentials", "rfc6749", Must, "a public client is issued a token by the client credentials grant (RFC 6749 §4.4)";
    RfcRedirectUriAlwaysRequired => "rfc-redirect-uri-always-required", "rfc6749", Must, "the token endpoint demands redirect_uri although the authorization request had none (RFC 6749 §4.1.3: REQUIRED only if included)";
    RfcClientSecretPostRefused => "rfc-client-secret-post-refused", "rfc6749", Must, "client_secret_post is offered but a client authenticating by it is refused (RFC 6749 §2.3.1; the target states the capability)";
    RfcTwoAuthMethodsAccepted => "rfc-two-auth-methods-accepted", "rfc6749", May, "a request authenticating by Basic and by client_secret in the body is served (RFC 6749 §2.3: the client's duty to use one method per request; its case is advice)";
    RfcPkceUnknownMethodAccepted => "rfc-pkce-unknown-method-accepted", "rfc6749", Must, "an unsupported code_challenge_method is accepted as if it were S256 (RFC 7636 §4.4.1)";
    RfcIntrospectUnknownHintInactive => "rfc-introspect-unknown-hint-inactive", "rfc6749", Should, "a live token sent with an unknown token_type_hint is introspected inactive (RFC 7662 §2.1)";
    RfcIntrospectPublicInactive => "rfc-introspect-public-inactive", "rfc6749", Should, "a caller with only a client_id is answered 200 active=false instead of invalid_client (RFC 7662 §2.1)";
    RfcIntrospectExpPast => "rfc-introspect-exp-past", "rfc6749", Must, "an active token's introspection gives an exp already past (RFC 7662 §2.2)";
    RfcMetadataIssuerQuery => "rfc-metadata-issuer-query", "rfc6749", Must, "the metadata's issuer carries a query component (RFC 8414 §2)";
    RfcMetadataNoCodeResponseType => "rfc-metadata-no-code-response-type", "rfc6749", Must, "response_types_supported does not list code although the code flow works (RFC 8414 §2)";
    RfcMetadataNoScopes => "rfc-metadata-no-scopes", "rfc6749", Should, "the metadata lacks scopes_supported (RFC 8414 §2: RECOMMENDED)";
    RfcNoReferrerPolicy => "rfc-no-referrer-policy", "rfc6749", May, "the login page sets no referrer policy (RFC 9700 §4.2.4)";
    RfcPredictableTokens => "rfc-predictable-tokens", "rfc6749", Must, "codes and tokens come from a counter, not a random source (RFC 6749 §10.10: guessing probability at most 2^-128)";
    RfcCodeNeverExpires => "rfc-code-never-expires", "rfc6749", Must, "authorization codes live a day (RFC 6749 §4.1.2: a code MUST expire shortly after it is issued)";
    RfcLoopbackPortExact => "rfc-loopback-port-exact", "rfc6749", Must, "the public client (a native app) registered with a loopback redirect URI must use its exact port (RFC 8252 §7.3: any port MUST be allowed)";
    RfcParNoClientAuth => "rfc-par-no-client-auth", "rfc6749", Must, "the PAR endpoint accepts a push without client authentication (RFC 9126 §2.1: authenticate as at the token endpoint)";
    RfcParRequestUriAccepted => "rfc-par-request-uri-accepted", "rfc6749", Must, "a push carrying a request_uri parameter is accepted (RFC 9126 §2.1: rejected)";
    RfcParRedirectUriUnchecked => "rfc-par-redirect-uri-unchecked", "rfc6749", May, "a push with an unregistered redirect_uri is accepted (RFC 9126 §2.4: MAY be relaxed for a confidential client using PAR)";
    RfcParNoExpiresIn => "rfc-par-no-expires-in", "rfc6749", Must, "the push is answered 200 without expires_in (RFC 9126 §2.2: 201 with request_uri and expires_in)";
    RfcParReusable => "rfc-par-reusable", "rfc6749", Should, "a request_uri can be used again after it yielded a code (RFC 9126 §4: SHOULD be one-time use)";
    RfcParAnyClient => "rfc-par-any-client", "rfc6749", Must, "a request_uri is honoured for a client_id other than the one that pushed it (RFC 9126 §4)";
    RfcParNeverExpires => "rfc-par-never-expires", "rfc6749", Must, "a request_uri is honoured after its expires_in (RFC 9126 §4: an expired request_uri MUST be rejected)";
    RfcParRequiredBypassed => "rfc-par-required-bypassed", "rfc6749", Must, "the metadata says require_pushed_authorization_requests, yet a plain authorization request is served (RFC 9126 §5)";
    RfcJwtAudUnchecked => "rfc-jwt-aud-unchecked", "rfc6749", Must, "a client assertion addressed to another server is accepted (RFC 7523 §3: aud MUST identify this server)";
    RfcJwtExpUnchecked => "rfc-jwt-exp-unchecked", "rfc6749", Must, "an expired client assertion is accepted (RFC 7523 §3: MUST reject a JWT whose exp has passed)";
    RfcJwtSignatureUnchecked => "rfc-jwt-signature-unchecked", "rfc6749", Must, "a client assertion signed by another key is accepted (RFC 7523 §3: MUST reject an invalid signature)";
    RfcJwtAlgNoneAccepted => "rfc-jwt-alg-none-accepted", "rfc6749", Must, "an unsigned (alg none) client assertion is accepted (RFC 7523 §3: the JWT MUST be signed)";
    RfcJwtSubUnchecked => "rfc-jwt-sub-unchecked", "rfc6749", Must, "a client assertion without iss or sub is accepted (RFC 7523 §3: both MUST be there, the client_id)";
    RfcDeviceNoVerificationUri => "rfc-device-no-verification-uri", "rfc6749", Must, "the device authorization response lacks verification_uri (RFC 8628 §3.2: REQUIRED)";
    RfcDeviceCompleteUriWrong => "rfc-device-complete-uri-wrong", "rfc6749", Must, "verification_uri_complete carries a user_code other than the one issued, so it leads nowhere (RFC 8628 §3.3.1: it includes the user_code)";
    RfcDeviceUnknownCodePending => "rfc-device-unknown-code-pending", "rfc6749", Must, "a device_code the server never issued is answered authorization_pending, as if it were waiting for a user (RFC 6749 §5.2: invalid_grant)";
    RfcDeviceMissingCodeInvalidGrant => "rfc-device-missing-code-invalid-grant", "rfc6749", Must, "a device token request without device_code is answered invalid_grant (RFC 8628 §3.4: REQUIRED; RFC 6749 §5.2: invalid_request)";
    RfcDeviceAnyClient => "rfc-device-any-client", "rfc6749", Must, "a device_code is redeemed by whichever client presents it (RFC 8628 §3.5, RFC 6749 §5.2: a grant issued to another client is invalid_grant)";
    RfcDevicePollWithoutAuth => "rfc-device-poll-without-auth", "rfc6749", Must, "a confidential client polls with its client_id alone, no authentication (RFC 8628 §3.4, RFC 6749 §3.2.1: invalid_client)";
    RfcDeviceTokensWhilePending => "rfc-device-tokens-while-pending", "rfc6749", Must, "a device_code is exchanged for tokens before the user approved (RFC 8628 §3.5: authorization_pending)";
    RfcDeviceReusable => "rfc-device-reusable", "rfc6749", Must, "a device_code yields tokens twice (RFC 8628 §3.5: a grant used once; RFC 6749 §5.2 invalid_grant)";
    RfcDeviceDeniedAsPending => "rfc-device-denied-as-pending", "rfc6749", Should, "a denied device authorization keeps answering authorization_pending (RFC 8628 §3.5: access_denied)";
    RfcDeviceShortUserCode => "rfc-device-short-user-code", "rfc6749", Should, "user codes are 4 digits, about 13 bits (RFC 8628 §6.1: enough entropy that brute force is infeasible; its example has 34.5 bits)";
    RfcDeviceNeverExpires => "rfc-device-never-expires", "rfc6749", Must, "a device_code never expires (RFC 8628 §3.5: expired_token once expires_in has passed)";
    RfcDpopTypUnchecked => "rfc-dpop-typ-unchecked", "rfc6749", Must, "a DPoP proof whose typ is missing or not dpop+jwt is accepted (RFC 9449 §4.3 item 4)";
    RfcDpopAlgNoneAccepted => "rfc-dpop-alg-none-accepted", "rfc6749", Must, "an unsigned (alg none) DPoP proof is accepted (RFC 9449 §4.3 item 5)";
    RfcDpopSymmetricAccepted => "rfc-dpop-symmetric-accepted", "rfc6749", Must, "a DPoP proof MACed with HS256 is accepted (RFC 9449 §4.3 item 5: an asymmetric algorithm)";
    RfcDpopSignatureUnchecked => "rfc-dpop-signature-unchecked", "rfc6749", Must, "a DPoP proof's signature is never verified (RFC 9449 §4.3 item 6)";
    RfcDpopPrivateKeyAccepted => "rfc-dpop-private-key-accepted", "rfc6749", Must, "a DPoP proof whose jwk holds the private key is accepted (RFC 9449 §4.3 item 7)";
    RfcDpopMembersUnchecked => "rfc-dpop-members-unchecked", "rfc6749", Must, "a DPoP proof without jwk, jti, htm, htu or iat is accepted (RFC 9449 §4.3 item 3)";
    RfcDpopHtmUnchecked => "rfc-dpop-htm-unchecked", "rfc6749", Must, "a DPoP proof made for another HTTP method is accepted (RFC 9449 §4.3 item 8)";
    RfcDpopHtuUnchecked => "rfc-dpop-htu-unchecked", "rfc6749", Must, "a DPoP proof made for another URI is accepted (RFC 9449 §4.3 item 9)";
    RfcDpopIatUnchecked => "rfc-dpop-iat-unchecked", "rfc6749", Must, "a DPoP proof an hour old, or an hour ahead, is accepted (RFC 9449 §4.3 item 11, §11.1)";
    RfcDpopSeveralAccepted => "rfc-dpop-several-accepted", "rfc6749", Must, "a request with two DPoP headers is accepted (RFC 9449 §4.3 item 1)";
    RfcDpopMalformedIgnored => "rfc-dpop-malformed-ignored", "rfc6749", Must, "a DPoP header that is not a JWT is ignored and a token issued (RFC 9449 §4.3 item 2)";
    RfcDpopReplayAccepted => "rfc-dpop-replay-accepted", "rfc6749", May, "a DPoP proof is accepted again with the same jti (RFC 9449 §11.1: a server can keep jti values and decline a repeat)";
    RfcDpopAthUnchecked => "rfc-dpop-ath-unchecked", "rfc6749", Must, "the resource accepts a proof without the access token's hash, or with another's (RFC 9449 §4.3 item 12)";
    RfcDpopKeyUnchecked => "rfc-dpop-key-unchecked", "rfc6749", Must, "the resource accepts a proof by a key the token is not bound to (RFC 9449 §4.3 item 12)";
    RfcDpopBoundAsBearer => "rfc-dpop-bound-as-bearer", "rfc6749", Must, "the resource accepts a DPoP-bound token sent as a bearer token (RFC 9449 §7.2)";
    RfcDpopProofOptional => "rfc-dpop-proof-optional", "rfc6749", Must, "the resource accepts a DPoP-bound token in the DPoP scheme with no proof at all (RFC 9449 §7.1, §4.3)";
    RfcDpopPublicRefreshUnbound => "rfc-dpop-public-refresh-unbound", "rfc6749", Must, "a public client's refresh token works with another key's proof, or none (RFC 9449 §5)";
    RfcDpopIntrospectNoCnf => "rfc-dpop-introspect-no-cnf", "rfc6749", Should, "introspecting a DPoP-bound token shows no cnf.jkt (RFC 9449 §6.2)";
    RfcOidcDiscoveryHtml => "rfc-oidc-discovery-html", "rfc6749", Must, "the OpenID Provider configuration is served as an HTML page (OpenID Connect Discovery §4.2: a JSON object, application/json)";
    RfcOidcIssuerMismatch => "rfc-oidc-issuer-mismatch", "rfc6749", Must, "the provider configuration's issuer is not the URL it was fetched under (OpenID Connect Discovery §4.3: identical)";
    RfcOidcNoJwksUri => "rfc-oidc-no-jwks-uri", "rfc6749", Must, "the provider configuration lacks jwks_uri (OpenID Connect Discovery §3: REQUIRED)";
    RfcOidcNoTokenEndpoint => "rfc-oidc-no-token-endpoint", "rfc6749", Must, "the provider configuration lacks token_endpoint although the code flow is offered (OpenID Connect Discovery §3: REQUIRED unless implicit only)";
    RfcOidcNoRs256 => "rfc-oidc-no-rs256", "rfc6749", Must, "id_token_signing_alg_values_supported lists ES256 only (OpenID Connect Discovery §3: RS256 MUST be included)";
    RfcOidcSubjectTypesString => "rfc-oidc-subject-types-string", "rfc6749", Must, "subject_types_supported is a string, not a JSON array (OpenID Connect Discovery §3)";
    RfcOidcScopesWithoutOpenid => "rfc-oidc-scopes-without-openid", "rfc6749", Should, "scopes_supported leaves out openid, the one scope every provider supports (OpenID Connect Discovery §3)";
    RfcOidcJwksPrivateKey => "rfc-oidc-jwks-private-key", "rfc6749", Must, "the JWK Set publishes the signing key's private members (OpenID Connect Discovery §3: MUST NOT contain private or symmetric key values)";
    RfcOidcJwksBareKey => "rfc-oidc-jwks-bare-key", "rfc6749", Must, "jwks_uri serves a bare JWK, not a JWK Set with a keys array (RFC 7517 §5)";
    RfcOidcUserinfoPostRefused => "rfc-oidc-userinfo-post-refused", "rfc6749", Must, "the UserInfo endpoint answers GET only; POST is refused 405 (OpenID Connect Core §5.3.1: MUST support GET and POST)";
    RfcOidcUserinfoNoSub => "rfc-oidc-userinfo-no-sub", "rfc6749", Must, "the UserInfo answer lacks sub (OpenID Connect Core §5.3.2: the sub Claim MUST always be returned)";
    RfcOidcUserinfoAnyToken => "rfc-oidc-userinfo-any-token", "rfc6749", Must, "the UserInfo endpoint answers any bearer token with the user's claims (OpenID Connect Core §5.3.3, RFC 6750 §3.1: invalid_token)";
    RfcOidcUserinfoNoChallenge => "rfc-oidc-userinfo-no-challenge", "rfc6749", Must, "the UserInfo endpoint refuses without a WWW-Authenticate challenge (OpenID Connect Core §5.3.3, RFC 6750 §3: MUST include it)";
    RfcOidcIdTokenMissing => "rfc-oidc-id-token-missing", "rfc6749", Must, "the token answer to a code of an OpenID request carries no id_token (OpenID Connect Core §3.1.3.3)";
    RfcOidcIdTokenUnsigned => "rfc-oidc-id-token-unsigned", "rfc6749", Must, "the ID Token is unsigned, alg none (OpenID Connect Core §2: MUST be signed; none only when no ID Token comes from the authorization endpoint and the client registered for it)";
    RfcOidcIdTokenWrongKey => "rfc-oidc-id-token-wrong-key", "rfc6749", Must, "the ID Token is signed by a key the JWK Set does not publish (OpenID Connect Core §10.1: verifiable with the keys at jwks_uri)";
    RfcOidcIdTokenWrongIss => "rfc-oidc-id-token-wrong-iss", "rfc6749", Must, "the ID Token's iss is the issuer with a trailing slash (OpenID Connect Discovery §3: identical to the issuer; Core §2)";
    RfcOidcIdTokenWrongAud => "rfc-oidc-id-token-wrong-aud", "rfc6749", Must, "the ID Token's aud does not contain the client_id (OpenID Connect Core §2)";
    RfcOidcIdTokenExpired => "rfc-oidc-id-token-expired", "rfc6749", Must, "the ID Token is issued already expired (OpenID Connect Core §2: exp is the time after which it MUST NOT be accepted)";
    RfcOidcIdTokenNonceDropped => "rfc-oidc-id-token-nonce-dropped", "rfc6749", Must, "the ID Token leaves out the nonce the request sent (OpenID Connect Core §2: MUST include it, the same value)";
    RfcOidcIdTokenLongSub => "rfc-oidc-id-token-long-sub", "rfc6749", Must, "the ID Token's sub is 300 characters long (OpenID Connect Core §2: MUST NOT exceed 255 ASCII characters)";
    RfcOidcOptionalParamsRefused => "rfc-oidc-optional-params-refused", "rfc6749", Must, "an OpenID request carrying display, ui_locales, claims_locales, acr_values or login_hint is refused invalid_request (OpenID Connect Core §15.1: their use must not result in an error; RFC 6749 §3.1)";
    RfcOidcUnknownParamRefused => "rfc-oidc-unknown-param-refused", "rfc6749", Must, "an OpenID request with an unknown parameter is refused (RFC 6749 §3.1: MUST ignore unrecognized request parameters)";
    RfcOidcScopeOrderFixed => "rfc-oidc-scope-order-fixed", "rfc6749", Should, "an OpenID request whose scope does not start with openid is refused (RFC 6749 §3.3: the order of scope values does not matter)";
    RfcOidcUserinfoOtherSub => "rfc-oidc-userinfo-other-sub", "rfc6749", Must, "UserInfo answers with a sub other than the ID Token's for the same user and client (OpenID Connect Core §2: sub identifies the End-User, never reassigned; §5.3.2)";
    RfcOidcClaimTypes => "rfc-oidc-claim-types", "rfc6749", Must, "UserInfo's email_verified is the string \"true\", not a JSON boolean (OpenID Connect Core §5.1: email_verified is a boolean)";
    RfcOidcScopeClaimsMissing => "rfc-oidc-scope-claims-missing", "rfc6749", Should, "with the email scope granted, UserInfo leaves out email although the user has one (OpenID Connect Core §5.4, §5.5.1: the OP should return the requested claims it has)";
    RfcOidcRequestObjectWrongError => "rfc-oidc-request-object-wrong-error", "rfc6749", Must, "an authorization request with a request object is refused invalid_request (OpenID Connect Core §6.1, §3.1.2.6: request_not_supported when request objects are not supported)";
    RfcOidcRequestObjectIgnored => "rfc-oidc-request-object-ignored", "rfc6749", Must, "the request object is ignored although the metadata says request objects are supported, so its redirect_uri is never seen (OpenID Connect Core §6.1, §6.3.1: its parameters MUST be used)";
    RfcOidcNoUserinfoListed => "rfc-oidc-no-userinfo-listed", "rfc6749", Should, "the provider configuration leaves out userinfo_endpoint (OpenID Connect Discovery §3: RECOMMENDED)";
    RfcOidcNoClaimsListed => "rfc-oidc-no-claims-listed", "rfc6749", Should, "the provider configuration leaves out claims_supported (OpenID Connect Discovery §3: RECOMMENDED)";
    RfcOidcJwksShortRsaKey => "rfc-oidc-jwks-short-rsa-key", "rfc6749", Must, "the JWK Set publishes a 1024-bit RSA key beside the signing key (RFC 7518 §3.3: 2048 bits or larger MUST be used)";
    RfcOidcHybridInQuery => "rfc-oidc-hybrid-in-query", "rfc6749", Must, "implicit and hybrid responses come in the query, not the fragment (OpenID Connect Core §3.2.2.5, §3.3.2.5)";
    RfcOidcNonceNotRequired => "rfc-oidc-nonce-not-required", "rfc6749", Must, "an implicit or hybrid request without nonce is served (OpenID Connect Core §3.2.2.1, §3.3.2.11: nonce is REQUIRED there)";
    RfcOidcCHashWrong => "rfc-oidc-c-hash-wrong", "rfc6749", Must, "the c_hash of an ID Token issued with a code is not the code's hash (OpenID Connect Core §3.3.2.11)";
    RfcOidcImplicitAtHashMissing => "rfc-oidc-implicit-at-hash-missing", "rfc6749", Must, "an ID Token issued at the authorization endpoint with an access token has no at_hash (OpenID Connect Core §3.2.2.10, §3.3.2.11: REQUIRED)";
    RfcOidcSubPerLogin => "rfc-oidc-sub-per-login", "rfc6749", Must, "each login's ID Token names the same user by another sub (OpenID Connect Core §2: a locally unique identifier never reassigned; clients key accounts on it)";
    RfcOidcUnaskedAccessToken => "rfc-oidc-unasked-access-token", "rfc6749", Must, "response_type=id_token and code id_token answers carry an access_token from the authorization endpoint too (OpenID Connect Core §3.2.2.5, §3.3.2.5: only when the response type holds token)";
    RfcOidcPromptNoneCombined => "rfc-oidc-prompt-none-combined", "rfc6749", Must, "prompt=none login is served as if prompt were login (OpenID Connect Core §3.1.2.1: none with any other value is an error)";
    RfcOidcJwksDuplicateKid => "rfc-oidc-jwks-duplicate-kid", "rfc6749", Should, "the JWK Set holds two keys with the same kid (RFC 7517 §4.5: keys within a JWK Set SHOULD use distinct kid values)";
    RfcOidcPromptNoneInvalidRequest => "rfc-oidc-prompt-none-invalid-request", "rfc6749", Should, "prompt=none that cannot be honoured is refused invalid_request, not with one of the codes OpenID Connect Core §3.1.2.6 defines for it (login_required, interaction_required, consent_required)";
    RfcOidcPromptNoneShowsLogin => "rfc-oidc-prompt-none-shows-login", "rfc6749", Must, "prompt=none without a signed-in user shows the login page instead of an error redirect (OpenID Connect Core §3.1.2.1: MUST NOT display any authentication or consent user interface)";
    RfcOidcPromptNoneAsksConsent => "rfc-oidc-prompt-none-asks-consent", "rfc6749", Must, "prompt=none with a signed-in user shows the consent page again (OpenID Connect Core §3.1.2.1: MUST NOT display any authentication or consent user interface)";
    RfcOidcNoSilentLogin => "rfc-oidc-no-silent-login", "rfc6749", Should, "prompt=none is refused login_required although the user is signed in and consented to the client (OpenID Connect Core §3.1.2.1: an error only when the user is not authenticated or has not consented)";
    RfcOidcPromptConsentIgnored => "rfc-oidc-prompt-consent-ignored", "rfc6749", Should, "prompt=consent is answered with the consent given before, without asking again (OpenID Connect Core §3.1.2.1: SHOULD prompt the End-User for consent)";
    RfcOidcPromptLoginIgnored => "rfc-oidc-prompt-login-ignored", "rfc6749", Should, "prompt=login is answered from the session, without asking the user to sign in again (OpenID Connect Core §3.1.2.1: SHOULD prompt for reauthentication)";
    RfcOidcMaxAgeIgnored => "rfc-oidc-max-age-ignored", "rfc6749", Must, "a session older than max_age is reused without signing the user in again (OpenID Connect Core §3.1.2.1: MUST attempt to actively re-authenticate)";
    RfcOidcAuthTimeMissing => "rfc-oidc-auth-time-missing", "rfc6749", Must, "ID Tokens never carry auth_time, not even for a request with max_age (OpenID Connect Core §2, §3.1.2.1: REQUIRED then)";
    RfcOidcAuthTimeStale => "rfc-oidc-auth-time-stale", "rfc6749", Must, "after the user signs in again, auth_time still says the first sign-in (OpenID Connect Core §2: the time the End-User authentication occurred)";
    RfcOidcIdTokenHintRefused => "rfc-oidc-id-token-hint-refused", "rfc6749", Must, "prompt=none with an id_token_hint for the signed-in user is refused login_required (OpenID Connect Core §3.1.2.1: the hint names the current session's user, who is signed in)";
    RfcOidcAtHashWrong => "rfc-oidc-at-hash-wrong", "rfc6749", Must, "the ID Token's at_hash is not the access token's hash (OpenID Connect Core §3.1.3.6, §3.2.2.9: when present, it is the left half of its hash)";
    RfcOidcAzpWrong => "rfc-oidc-azp-wrong", "rfc6749", Must, "the ID Token's azp names another client (OpenID Connect Core §2: if present, azp MUST contain the client ID of the authorized party)";
    RfcOidcRefreshIdTokenOtherSub => "rfc-oidc-refresh-id-token-other-sub", "rfc6749", Must, "an ID Token issued on refresh names another sub (OpenID Connect Core §12.2: its sub MUST be identical to the original one)";
    RfcOidcFormPostIgnored => "rfc-oidc-form-post-ignored", "rfc6749", Must, "response_mode=form_post is answered by a redirect carrying the response in the URL, although the configuration lists form_post (OpenID Connect Discovery §3; OAuth 2.0 Form Post Response Mode §2: the response is posted to the redirect_uri as form fields)";
    RfcOidcFormPostErrorRedirected => "rfc-oidc-form-post-error-redirected", "rfc6749", Must, "an error for a response_mode=form_post request comes in the redirect's query instead of being posted (OAuth 2.0 Form Post Response Mode §2: the response mode carries every authorization response, the error response of RFC 6749 §4.1.2.1 included)";
    RfcOidcAuthorizePostRefused => "rfc-oidc-authorize-post-refused", "rfc6749", Must, "an authorization request sent by POST is refused with 405 (OpenID Connect Core §3.1.2.1: Authorization Servers MUST support the use of the HTTP GET and POST methods)";
    RfcOidcMaxAgeZeroIgnored => "rfc-oidc-max-age-zero-ignored", "rfc6749", Must, "max_age=0 is read as no max_age, so the session's sign-in is reused (OpenID Connect Core §3.1.2.1: max_age=0 is equivalent to prompt=login, the OP MUST actively re-authenticate)";
    RfcOidcUserinfoRevokedAccepted => "rfc-oidc-userinfo-revoked-accepted", "rfc6749", Should, "UserInfo still answers for an access token the client revoked (RFC 7009 §2, §2.1: a server that supports access-token revocation SHOULD, and then invalidates the token; RFC 6750 §3.1: invalid_token, OpenID Connect Core §5.3.3)";
    RfcOidcRefreshAuthTimeRenewed => "rfc-oidc-refresh-auth-time-renewed", "rfc6749", Must, "an ID Token issued on refresh says auth_time is the refresh, not the user's sign-in (OpenID Connect Core §12.2: auth_time MUST represent the time of the original authentication)";
    RfcOidcRefreshNonceKept => "rfc-oidc-refresh-nonce-kept", "rfc6749", Should, "an ID Token issued on refresh repeats the authentication request's nonce (OpenID Connect Core §12.2: it SHOULD NOT have a nonce Claim)";
    RfcOidcScopeClaimsFirstOnly => "rfc-oidc-scope-claims-first-only", "rfc6749", Should, "with several claim scopes granted at once, UserInfo returns the claims of the first one only (OpenID Connect Core §5.4, §5.5.1: the OP should return the requested claims it has)";
    RfcOidcJwksUriHttp => "rfc-oidc-jwks-uri-http", "rfc6749", Must, "the provider configuration lists a jwks_uri on http at a non-loopback host (OpenID Connect Discovery §3: the JWK Set URL MUST use the https scheme)";
    RfcMtlsClientRefused => "rfc-mtls-client-refused", "rfc6749", Must, "the client registered for self_signed_tls_client_auth is refused invalid_client with its registered certificate: only secrets and assertions count as client authentication (RFC 8705 §2: the certificate authenticates the client)";
    RfcMtlsNoCertAccepted => "rfc-mtls-no-cert-accepted", "rfc6749", Must, "the client registered for self_signed_tls_client_auth gets tokens with its client_id alone, no certificate presented (RFC 8705 §2: the client authenticates with its certificate; RFC 6749 §5.2 invalid_client)";
    RfcMtlsAnyCertAccepted => "rfc-mtls-any-cert-accepted", "rfc6749", Must, "the client registered for self_signed_tls_client_auth gets tokens with any certificate, not only the registered one (RFC 8705 §2.2: the presented certificate MUST match one registered for the client)";
    RfcMtlsTokenUnbound => "rfc-mtls-token-unbound", "rfc6749", Must, "access tokens issued over mutual TLS are plain bearer tokens, bound to no certificate although the metadata says tls_client_certificate_bound_access_tokens (RFC 8705 §3, §3.3)";
    RfcMtlsIntrospectNoCnf => "rfc-mtls-introspect-no-cnf", "rfc6749", Should, "introspection of a certificate-bound access token leaves out cnf with x5t#S256 (RFC 8705 §3.2: the binding is conveyed so the resource can check it)";
    RfcMtlsResourceIgnoresBinding => "rfc-mtls-resource-ignores-binding", "rfc6749", Must, "the resource serves a certificate-bound access token over a connection with another certificate or none (RFC 8705 §3: the resource MUST check the thumbprint and refuse with 401 invalid_token)";
    RfcMtlsSubjectOnly => "rfc-mtls-subject-only", "rfc6749", Must, "the client registered for tls_client_auth is authenticated by any certificate whose subject DN is the registered one, its chain unchecked: a self-signed certificate with that subject passes (RFC 8705 §2.1: the certificate MUST chain to a trust anchor and match the registered subject)";
    RfcDpopJktIgnored => "rfc-dpop-jkt-ignored", "rfc6749", Must, "dpop_jkt in a pushed authorization request binds nothing: the code is exchanged with a proof by another key (RFC 9449 §10: the thumbprints MUST match, else the token request is rejected; FAPI 2.0 §5.3.2.1 item 12)";
    RfcDpopParJktMismatchAccepted => "rfc-dpop-par-jkt-mismatch-accepted", "rfc6749", Must, "a push whose dpop_jkt names another key than its DPoP proof's is taken (RFC 9449 §10.1: both given, they MUST match)";
    RfcDpopParProofIgnored => "rfc-dpop-par-proof-ignored", "rfc6749", Must, "a DPoP proof at the PAR endpoint binds nothing: the code is exchanged with a proof by another key (RFC 9449 §10.1: the proof's key binds the code as dpop_jkt does; FAPI 2.0 §5.3.2.1 item 12)";
    RfcDpopEs256Only => "rfc-dpop-es256-only", "rfc6749", Must, "dpop_signing_alg_values_supported lists PS256 and EdDSA, yet a valid proof signed with either is refused (RFC 9449 §5.1, §4.3: a valid proof with a supported algorithm is accepted)";
    FapiPlainRequestServed => "fapi-plain-request-served", "rfc6749", Must, "the FAPI client's authorization request sent without PAR is served (FAPI 2.0 Security Profile §5.3.2.2 item 3: shall reject requests sent without RFC 9126)";
    FapiPushUnauthenticated => "fapi-push-unauthenticated", "rfc6749", Must, "the FAPI client's push without client authentication is taken (FAPI 2.0 Security Profile §5.3.2.2 item 4; RFC 9126 §2.1)";
    FapiPkceOptional => "fapi-pkce-optional", "rfc6749", Must, "the FAPI client's pushed request without code_challenge is served (FAPI 2.0 Security Profile §5.3.2.2 item 5: shall require PKCE, RFC 7636)";
    FapiPkcePlain => "fapi-pkce-plain", "rfc6749", Must, "the FAPI client's pushed request with code_challenge_method plain is served (FAPI 2.0 Security Profile §5.3.2.2 item 5: S256 only; RFC 7636 §4.2)";
    FapiRedirectUriOptional => "fapi-redirect-uri-optional", "rfc6749", Must, "the FAPI client's pushed request without redirect_uri is served with the registered one (FAPI 2.0 Security Profile §5.3.2.2 item 6: shall require redirect_uri; RFC 9126 §2.1)";
    FapiResponseTypeUnchecked => "fapi-response-type-unchecked", "rfc6749", Must, "the FAPI client's pushed request with response_type `code id_token` is served as a code request (FAPI 2.0 Security Profile §5.3.2.2 item 1: response_type code only; RFC 6749 §3.1.1)";
    FapiNoIss => "fapi-no-iss", "rfc6749", Must, "the FAPI client's authorization responses carry no iss (FAPI 2.0 Security Profile §5.3.2.2 item 7: shall return iss, RFC 9207 §2)";
    FapiBearerWithoutProof => "fapi-bearer-without-proof", "rfc6749", Must, "the FAPI client's token request without a DPoP proof (or a certificate) gets a bearer token (FAPI 2.0 Security Profile §5.3.2.1 item 4: only sender-constrained access tokens; RFC 9449 §5)";
    FapiProofUnbound => "fapi-proof-unbound", "rfc6749", Must, "the FAPI client's token request with a valid DPoP proof gets an unbound bearer token (FAPI 2.0 Security Profile §5.3.2.1 items 4 and 5; RFC 9449 §5)";
    FapiAudEndpointAccepted => "fapi-aud-endpoint-accepted", "rfc6749", Must, "the FAPI client's assertion addressed to the endpoint's URL is accepted (FAPI 2.0 Security Profile §5.3.2.1 item 8: only the issuer identifier; RFC 7523 §3)";
    FapiAudArrayAccepted => "fapi-aud-array-accepted", "rfc6749", Must, "the FAPI client's assertion whose aud is an array holding the issuer is accepted (FAPI 2.0 Security Profile §5.3.2.1 item 8: the issuer as a string; RFC 7523 §3)";
    FapiAudIssuerRefused => "fapi-aud-issuer-refused", "rfc6749", Must, "the FAPI client's assertion addressed to the issuer identifier is refused, only the endpoint's URL taken (FAPI 2.0 Security Profile §5.3.2.1 item 8; RFC 8414 §2 issuer)";
    FapiRequestUriLongLived => "fapi-request-uri-long-lived", "rfc6749", Must, "the FAPI client's pushed request_uri is given expires_in 600 (FAPI 2.0 Security Profile §5.3.2.2 item 12: less than 600 seconds; RFC 9126 §2.2)";
    FapiPasswordGrant => "fapi-password-grant", "rfc6749", Must, "the FAPI client may use the resource owner password credentials grant: a wrong password is answered invalid_grant (FAPI 2.0 Security Profile §5.3.2.1 item 2: shall reject ROPC; RFC 6749 §4.3)";
    FapiAssertionFarAheadAccepted => "fapi-assertion-far-ahead-accepted", "rfc6749", Must, "the FAPI client's assertion with iat and nbf 70 s in the future is accepted (FAPI 2.0 Security Profile §5.3.2.1 item 13: shall reject more than 60 s ahead)";
    FapiAssertionSkewRefused => "fapi-assertion-skew-refused", "rfc6749", Must, "the FAPI client's assertion with iat and nbf 8 s in the future is refused (FAPI 2.0 Security Profile §5.3.2.1 item 13: shall accept 0 to 10 s ahead)";
    FapiTokenUnauthenticated => "fapi-token-unauthenticated", "rfc6749", Must, "the FAPI client's code exchange and refresh are served on its client_id alone, no client assertion (FAPI 2.0 Security Profile §5.3.2.1 item 6: authenticated by private_key_jwt or mTLS; RFC 6749 §3.2.1)";
    RfcLoginRedirect307 => "rfc-login-redirect-307", "rfc6749", Must, "the login form, which carries the user's password, is answered with 307 Temporary Redirect (RFC 9700 §4.12: MUST NOT use 307 when redirecting a request that potentially contains the user's credentials)";
    RfcLoginRedirect302 => "rfc-login-redirect-302", "rfc6749", Should, "the login form is answered with 302 Found, not 303 See Other (RFC 9700 §4.12: SHOULD use 303 when an HTTP redirection answers a request with the user's credentials)";
    FapiDpopFarAheadAccepted => "fapi-dpop-far-ahead-accepted", "rfc6749", Must, "a DPoP proof whose iat is 70 s in the future is accepted (FAPI 2.0 Security Profile §5.3.2.1 item 13: shall reject JWTs with an iat more than 60 s ahead; RFC 9449 §4.3 item 11)";
    FapiDpopSkewRefused => "fapi-dpop-skew-refused", "rfc6749", Must, "a DPoP proof whose iat is 8 s in the future is refused (FAPI 2.0 Security Profile §5.3.2.1 item 13: shall accept JWTs with an iat 0 to 10 s ahead)";
    FapiCodeLongLived => "fapi-code-long-lived", "rfc6749", Must, "the FAPI client's authorization codes live two minutes (FAPI 2.0 Security Profile §5.3.2.1 item 11: shall issue authorization codes with a maximum lifetime of 60 seconds)";
    FapiLoginRedirect307 => "fapi-login-redirect-307", "rfc6749", Must, "the FAPI client's login form, which carries the user's password, is answered with 307 Temporary Redirect (FAPI 2.0 Security Profile §5.3.2.2 item 10: shall not use 307 when redirecting a request that contains user credentials; RFC 9700 §4.12)";
    FapiLoginRedirect302 => "fapi-login-redirect-302", "rfc6749", Should, "the FAPI client's login form is answered with 302 Found, not 303 See Other (FAPI 2.0 Security Profile §5.3.2.2 item 11: should use 303 when redirecting with a status code; RFC 9700 §4.12)";
    FapiMetadataWithoutPar => "fapi-metadata-without-par", "rfc6749", Must, "the metadata leaves out pushed_authorization_request_endpoint (FAPI 2.0 Security Profile §5.3.2.1 item 1 and §5.3.2.2 item 2: PAR supported and its endpoint published; RFC 9126 §5)";
    FapiMtlsNoCertIssued => "fapi-mtls-no-cert-issued", "rfc6749", Must, "the FAPI client whose tokens are bound to its certificate gets an unbound bearer token when its code exchange presents no certificate (FAPI 2.0 Security Profile §5.3.2.1 item 4: only sender-constrained access tokens; RFC 8705 §3)";
    FapiMtlsRefreshUnbound => "fapi-mtls-refresh-unbound", "rfc6749", Must, "the FAPI client whose tokens are bound to its certificate refreshes without presenting it and gets an unbound bearer token (FAPI 2.0 Security Profile §5.3.2.1 item 4; RFC 8705 §3)";
    FapiMtlsNoCnf => "fapi-mtls-no-cnf", "rfc6749", Should, "the FAPI client's certificate-bound access token is introspected without cnf.x5t#S256: the binding is not conveyed (RFC 8705 §3.2; FAPI 2.0 Security Profile §5.3.2.1 items 4-5)";
    FapiTlsAuthAnyCert => "fapi-tls-auth-any-cert", "rfc6749", Must, "the FAPI client registered for tls_client_auth is authenticated by any certificate presented (RFC 8705 §2.1: the registered subject, chained to a trust anchor; FAPI 2.0 Security Profile §5.3.2.1 item 6)";
    FapiTlsAuthSubjectOnly => "fapi-tls-auth-subject-only", "rfc6749", Must, "the FAPI client registered for tls_client_auth is authenticated by a certificate's subject DN without checking its chain to the CA (RFC 8705 §2.1; FAPI 2.0 Security Profile §5.3.2.1 item 6)";
    FapiTlsAuthNoCert => "fapi-tls-auth-no-cert", "rfc6749", Must, "the FAPI client registered for tls_client_auth is authenticated by its client_id alone when no certificate is presented (RFC 8705 §2; FAPI 2.0 Security Profile §5.3.2.1 item 6 and §5.3.2.2 item 4)";
    FapiTls12UnrecommendedSuites => "fapi-tls12-unrecommended-suites", "rfc6749", Must, "the server (over https) permits TLS 1.2 cipher suites BCP 195 does not recommend, ChaCha20-Poly1305 among them, beside RFC 9325 §4.2's four (FAPI 2.0 Security Profile §5.2.2 item 1: endpoints not used by web browsers shall only permit the recommended ones)";
    RfcExpiredTokenAccepted => "rfc-expired-token-accepted", "rfc6749", Must, "access tokens stay valid long after the expires_in they were issued with (RFC 6749 §7: the resource MUST ensure the token has not expired)";
}

impl Fault {
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Faults only the slow cases (`--slow`, lifetimes) can catch: selftest runs them short-lived
    /// and slow.
    pub fn is_slow(self) -> bool {
        matches!(self, Fault::RfcCodeNeverExpires | Fault::RfcExpiredTokenAccepted | Fault::RfcParNeverExpires | Fault::RfcDeviceNeverExpires | Fault::FapiCodeLongLived)
    }

    /// The fault's level in `profile`: rules the bank makes MUST that RFC 6749 rates SHOULD.
    pub fn level_in(self, profile: &str) -> Level {
        match (self, profile) {
            // RFC 6749 §3.1: the server's refusal of repeated parameters has no keyword of its own
            // (the client MUST NOT send them); graded SHOULD.
            (Fault::RepeatedParamsAccepted, "rfc6749") => Level::Should,
            _ => self.level(),
        }
    }
}

/// The set of faults a server runs with; empty for the correct server.
pub type Faults = super::switch::Switches<Fault>;

impl super::switch::Switch for Fault {
    fn name(self) -> &'static str {
        Fault::name(self)
    }
}
