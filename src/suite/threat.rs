//! The attacks of RFC 9700 §4 (and RFC 6749 §10) a case may say it defends against: the tags a
//! case table's `threats` field takes.

pub const THREATS: &[(&str, &str, &str)] = &[
    ("redirect-uri-manipulation", "Insufficient redirect URI validation", "RFC 9700 §4.1"),
    ("referer-leakage", "Credential leakage via the Referer header", "RFC 9700 §4.2"),
    ("mix-up", "Mix-up attacks", "RFC 9700 §4.4"),
    ("code-injection", "Authorization code injection", "RFC 9700 §4.5"),
    ("code-replay", "Authorization code replay", "RFC 6749 §10.5, RFC 9700 §4.5"),
    ("csrf", "Cross-site request forgery", "RFC 9700 §4.7"),
    ("pkce-downgrade", "PKCE downgrade", "RFC 9700 §4.8"),
    ("token-leakage", "Access token leakage at the resource server", "RFC 9700 §4.9"),
    ("open-redirector", "Open redirection", "RFC 9700 §4.11"),
    ("credential-leak", "User credentials posted on by a 307 redirect", "RFC 9700 §4.12"),
    ("refresh-token-replay", "Refresh token replay and misuse", "RFC 9700 §4.14"),
    ("client-impersonation", "Client impersonation (weak or missing client authentication)", "RFC 6749 §10.1, §10.2"),
    ("clickjacking", "Clickjacking", "RFC 9700 §4.16"),
    ("stolen-token-use", "Use of a leaked or stolen token by another party (no sender constraint)", "RFC 9700 §4.10, RFC 9449 §2"),
    ("dpop-proof-replay", "Replay or forgery of DPoP proofs", "RFC 9449 §11.1, §11.2"),
    ("token-guessing", "Guessing codes and tokens (too little entropy, no expiry)", "RFC 6749 §10.10, RFC 6819 §5.1.4.2.2"),
    ("token-theft-by-other-client", "A token or code used by a client it was not issued to", "RFC 6749 §10.3, §10.4"),
    ("stale-authentication", "An old sign-in taken for a fresh one (prompt=login, max_age not honoured)", "OpenID Connect Core §3.1.2.1"),
    ("token-forgery", "Token manufacture or modification (an ID Token a client cannot verify)", "OpenID Connect Core §16.3"),
];

pub fn is_known(tag: &str) -> bool {
    THREATS.iter().any(|(t, _, _)| *t == tag)
}
