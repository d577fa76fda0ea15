//! Whether a case can run against a target at all: what the target file or its capabilities lack
//! (a login, a second client, a capability), and the slow cases that wait for `--slow`. Enters: a
//! case and a target; leaves: why not, in words, or nothing.
use crate::suite::case::{Case, Need};
use crate::target::file::Target;

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
            Need::RedirectUriOptional if !target.client.redirect_uri_optional => Some(n.missing_reason().to_string()),
            Need::JwtClient if target.jwt_client.is_none() => Some(n.missing_reason().to_string()),
            Need::NonLoopbackRedirect if target.client.is_loopback() => Some(n.missing_reason().to_string()),
            Need::LoopbackRedirect if !target.public_client.as_ref().is_some_and(|c| c.is_loopback()) => Some(n.missing_reason().to_string()),
            Need::Capability(c) if !target.capabilities.offers(*c) => Some(target.capabilities.missing_reason(*c)),
            _ => None,
        })
        .collect();
    let missing: Vec<String> = missing
        .into_iter()
        .chain(case.wait.as_ref().filter(|w| !target.slow.contains_key(*w)).map(|w| format!("the target file has no [slow] {w} (seconds to wait for the {})", wait_what(w))))
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

fn wait_what(key: &str) -> &'static str {
    crate::suite::case::WAITS.iter().find(|(k, _)| *k == key).map_or("lifetime", |(_, what)| *what)
}

/// Why a slow case does not run without `--slow`.
pub(crate) fn slow_skip(case: &Case, target: &Target, slow: bool) -> Option<String> {
    let w = case.wait.as_ref().filter(|_| !slow)?;
    let secs = target.slow.get(w).map(|s| format!(" ({s} s)")).unwrap_or_default();
    Some(format!("a slow case: it waits out the {}{secs}; run with --slow", wait_what(w)))
}
