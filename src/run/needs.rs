//! Whether a case can run against a target at all: what the target file or its capabilities lack
//! (a login, a second client, a capability), and the slow cases that wait for `--slow`. Enters: a
//! case and a target; leaves: why not, in words, or nothing.
use crate::suite::case::{Case, Need};
use crate::target::file::{FapiAuth, FapiBinding, Target};

/// Why a case cannot run against this target (every missing prerequisite), if it cannot.
pub fn unmet_needs(case: &Case, target: &Target) -> Option<String> {
    let missing: Vec<String> = case
        .needs
        .iter()
        .filter_map(|n| match n {
            Need::Login if target.login.is_none() => Some(n.missing_reason().to_string()),
            Need::SecondClient if target.second_client.is_none() => Some(n.missing_reason().to_string()),
            Need::Probe if target.probe_url.is_none() => Some(n.missing_reason().to_string()),
            Need::PublicClient if target.public_client.is_none() => Some(n.missing_reason().to_string()),
            Need::JwtClient if target.jwt_client.is_none() => Some(n.missing_reason().to_string()),
            Need::FapiClient if target.fapi_client.is_none() => Some(n.missing_reason().to_string()),
            Need::FapiDpop if target.fapi_client.as_ref().is_some_and(|f| f.binding != FapiBinding::Dpop) => Some(n.missing_reason().to_string()),
            Need::FapiMtlsBound if target.fapi_client.as_ref().is_some_and(|f| f.binding != FapiBinding::Mtls) => Some(n.missing_reason().to_string()),
            Need::FapiPrivateKeyJwt if target.fapi_client.as_ref().is_some_and(|f| f.auth != FapiAuth::PrivateKeyJwt) => Some(n.missing_reason().to_string()),
            Need::FapiTlsClientAuth if target.fapi_client.as_ref().is_some_and(|f| f.auth != FapiAuth::TlsClientAuth) => Some(n.missing_reason().to_string()),
            Need::FapiProof
                if target.fapi_client.as_ref().is_some_and(|f| f.binding == FapiBinding::Dpop) && !target.capabilities.offers(crate::model::capability::Capability::Dpop) =>
            {
                Some(n.missing_reason().to_string())
            }
            // Said once: a case about a mutual-TLS method is skipped for the method.
            Need::FapiCertificate if target.fapi_client.as_ref().is_some_and(|f| f.tls.is_none()) && !case.needs.iter().any(|m| matches!(m, Need::FapiMtlsBound | Need::FapiTlsClientAuth)) => Some(n.missing_reason().to_string()),
            Need::Https if target.base_url.scheme() != "https" => Some(n.missing_reason().to_string()),
            Need::MtlsClient if target.mtls_client.is_none() => Some(n.missing_reason().to_string()),
            Need::MtlsProbe if target.mtls_client.as_ref().is_none_or(|m| m.probe_url.is_none()) => Some(n.missing_reason().to_string()),
            // RFC 8252 §7.3's any-port rule is for native apps only: a web client registered with a
            // loopback redirect URI keeps exact matching (RFC 9700 §2.1).
            Need::NonLoopbackRedirect if target.client.is_loopback() && target.client.native => Some(n.missing_reason().to_string()),
            Need::LoopbackRedirect if !target.public_client.as_ref().is_some_and(|c| c.is_loopback() && c.native) => Some(n.missing_reason().to_string()),
            Need::ConfidentialDeviceClient if target.device_client.as_ref().is_some_and(|c| c.secret.is_none()) => Some(n.missing_reason().to_string()),
            Need::ResourceTakesCode if target.resource_token == Some(crate::target::file::ResourceToken::ClientCredentials) => Some(n.missing_reason().to_string()),
            Need::Capability(c) if !target.capabilities.offers(*c) => Some(target.capabilities.missing_reason(*c)),
            Need::ResponseType(r) if !target.client.response_types.iter().any(|t| t == r.value()) => {
                Some(format!("the target's [client] is not registered for response_type {} ([client] response_types = {:?})", r.value(), target.client.response_types))
            }
            _ => None,
        })
        .collect();
    let missing: Vec<String> = missing
        .into_iter()
        .chain(case.wait.as_ref().filter(|w| target.wait_secs(w).is_none()).map(|w| format!("the target file has no [slow] {w} (seconds to wait for the {})", wait_what(w))))
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

fn wait_what(key: &str) -> &'static str {
    crate::suite::case::WAITS.iter().find(|(k, _)| *k == key).map_or("lifetime", |(_, what)| *what)
}

/// Why a slow case does not run without `--slow`.
pub(crate) fn slow_skip(case: &Case, target: &Target, slow: bool) -> Option<String> {
    let w = case.wait.as_ref().filter(|_| !slow)?;
    let secs = target.wait_secs(w).map(|s| format!(" ({s} s)")).unwrap_or_default();
    Some(format!("a slow case: it waits out the {}{secs}; run with --slow", wait_what(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn case_needing(need: &str) -> Case {
        let text = format!("endpoint = \"authorize\"\n[[case]]\nid = \"a/b\"\ntitle = \"t\"\nlevel = \"MUST\"\nrule = \"the server MUST\"\nrefs = [\"r\"]\nneeds = [\"{need}\"]\nexpect = {{ status = 200 }}\n");
        crate::suite::table::parse_table("c.toml", &text, &crate::suite::case::AnyProfile).unwrap().remove(0)
    }

    fn target(public: &str) -> Target {
        let text = format!("profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\nclient = {{ id = \"c\", scope = \"s\" }}\n[public_client]\nid = \"p\"\nscope = \"s\"\n{public}");
        Target::parse("t.toml", &text, &|_| None).unwrap()
    }

    /// RFC 8252 §7.3's any-port rule is for native apps: a web client with a loopback redirect
    /// URI keeps exact matching, so the loopback case does not apply to it.
    #[rstest]
    #[case::native_loopback("redirect_uri = \"http://127.0.0.1/cb\"\napplication_type = \"native\"\n", true)]
    #[case::web_loopback("redirect_uri = \"http://127.0.0.1/cb\"\n", false)]
    #[case::native_https("redirect_uri = \"https://app.example/cb\"\napplication_type = \"native\"\n", false)]
    fn the_loopback_any_port_rule_runs_for_a_native_apps_loopback_uri_only(#[case] public: &str, #[case] runs: bool) {
        let why = unmet_needs(&case_needing("loopback_redirect_uri"), &target(public));
        assert_eq!(why.is_none(), runs, "{why:?}");
        if let Some(why) = why {
            assert!(why.contains("application_type = \"native\""), "{why}");
        }
    }
}
