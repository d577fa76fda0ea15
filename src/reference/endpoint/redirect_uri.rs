//! Whether a redirect_uri is the one registered: exact string comparison (RFC 9700 §2.1), any
//! port for a loopback URI (RFC 8252 §7.3), or the lax comparisons the faults make.
//! Enters: the registered and the given URI; leaves: yes or no.
use super::super::fault::Fault;
use super::state::AuthServer;

impl AuthServer {
    /// RFC 9700 §2.1: exact string comparison of redirect URIs.
    pub fn redirect_uri_matches(&self, registered: &str, given: &str) -> bool {
        if self.has(Fault::RedirectUriPrefix) {
            return given.starts_with(registered);
        }
        let parts = |u: &str| url::Url::parse(u).ok().map(|u| (u.scheme().to_string(), u.host_str().unwrap_or("").to_string(), u.path().to_string()));
        if self.has(Fault::RfcRedirectUriOriginPrefix)
            && let Ok(r) = url::Url::parse(registered)
        {
            let origin = format!("{}://{}", r.scheme(), r.host_str().unwrap_or(""));
            return given.starts_with(&origin);
        }
        if self.has(Fault::RfcRedirectUriSubdomains)
            && let (Some((rs, rh, rp)), Some((gs, gh, gp))) = (parts(registered), parts(given))
        {
            return rs == gs && rp == gp && (gh == rh || gh.ends_with(&format!(".{rh}")));
        }
        if self.has(Fault::RfcRedirectUriNormalized) {
            return normalized(registered).is_some() && normalized(registered) == normalized(given);
        }
        if self.has(Fault::RedirectUriHostOnly) {
            let host = |u: &str| url::Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_string));
            return host(registered).is_some() && host(registered) == host(given);
        }
        // RFC 8252 §7.3: the public client (a native app) and, as a variant, the confidential
        // one are registered with loopback URIs.
        if !self.has(Fault::RfcLoopbackPortExact) && loopback_any_port(registered, given) {
            return true;
        }
        given == registered
    }
}

/// The classic lax comparison of the normalised fault: parse, drop the fragment, decode,
/// lower-case, trim a slash.
fn normalized(u: &str) -> Option<String> {
    let mut u = url::Url::parse(u).ok()?;
    u.set_fragment(None);
    let path: String = url::form_urlencoded::parse(format!("p={}", u.path()).as_bytes()).next()?.1.to_lowercase();
    Some(format!("{}://{}{}", u.scheme(), u.host_str()?, path.trim_end_matches('/')))
}

/// RFC 8252 §7.3: a loopback redirect URI registered without a port matches the same URI with
/// any port; everything else still compared as text.
pub fn loopback_any_port(registered: &str, given: &str) -> bool {
    for host in ["http://127.0.0.1", "http://[::1]"] {
        if let (Some(reg_rest), Some(given_rest)) = (registered.strip_prefix(host), given.strip_prefix(host)) {
            let Some(after_colon) = given_rest.strip_prefix(':') else { return given_rest == reg_rest };
            let digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
            return (1..=5).contains(&digits) && reg_rest.starts_with('/') && after_colon[digits..] == *reg_rest;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", true)]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1/cb", true)]
    #[case("http://[::1]/cb", "http://[::1]:8080/cb", true)]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb/x", false)]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1:123456/cb", false)]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1:/cb", false)]
    #[case("http://127.0.0.1/cb", "http://127.0.0.1.evil.test/cb", false)]
    #[case("https://app.example.test/cb", "https://app.example.test:8443/cb", false)]
    fn a_loopback_uri_matches_with_any_port_and_nothing_else(#[case] registered: &str, #[case] given: &str, #[case] matches: bool) {
        assert_eq!(loopback_any_port(registered, given), matches);
    }

    #[rstest]
    #[case("https://a.test/Cb/", "https://a.test/cb#x", true)]
    #[case("https://a.test/cb", "https://a.test/c%62", true)]
    #[case("https://a.test/cb", "https://b.test/cb", false)]
    fn the_normalised_fault_forgets_case_encoding_and_slashes(#[case] registered: &str, #[case] given: &str, #[case] same: bool) {
        assert_eq!(normalized(registered) == normalized(given), same);
    }
}
