//! Which optional features the target offers. What enters: the target file's `[capabilities]`
//! (its word is final) and what the server's RFC 8414 metadata says. What leaves: `offers` for
//! the runner's skip decision and, when a case is skipped, the reason in words.
use std::collections::BTreeMap;

use crate::model::capability::Capability;

/// Which capabilities the target offers: the target file's word first, then the metadata's;
/// absent from both, the capability's default (see `Capability::default_offered`).
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    explicit: BTreeMap<Capability, bool>,
    from_metadata: BTreeMap<Capability, bool>,
}

impl Capabilities {
    pub fn offers(&self, c: Capability) -> bool {
        self.explicit.get(&c).or_else(|| self.from_metadata.get(&c)).copied().unwrap_or(c.default_offered())
    }

    /// Why a case needing `c` is skipped here.
    pub fn missing_reason(&self, c: Capability) -> String {
        match self.explicit.get(&c) {
            Some(false) => format!("the server does not offer {} (target file: [capabilities] {} = false)", c.describe(), c.name()),
            _ => format!("the server does not offer {} ({})", c.describe(), c.source()),
        }
    }

    /// The target file's `[capabilities]` word on `c`: overrides the metadata.
    pub(crate) fn declare(&mut self, c: Capability, offered: bool) {
        self.explicit.insert(c, offered);
    }

    /// What the metadata (or the presence of a discovery URL) says about `c`.
    pub(crate) fn observe(&mut self, c: Capability, offered: bool) {
        self.from_metadata.insert(c, offered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::file_over_metadata(Some(false), Some(true), false)]
    #[case::file_true_over_metadata_false(Some(true), Some(false), true)]
    #[case::metadata_when_file_silent(None, Some(true), true)]
    #[case::metadata_false_over_default(None, Some(false), false)]
    #[case::default_when_both_silent(None, None, false)]
    fn the_target_file_wins_over_the_metadata_which_wins_over_the_default(#[case] file: Option<bool>, #[case] metadata: Option<bool>, #[case] offered: bool) {
        let mut caps = Capabilities::default();
        if let Some(m) = metadata {
            caps.observe(Capability::Iss, m);
        }
        if let Some(f) = file {
            caps.declare(Capability::Iss, f);
        }
        assert_eq!(caps.offers(Capability::Iss), offered);
    }

    #[test]
    fn revocation_is_offered_by_default_and_metadata_can_withdraw_it() {
        let mut caps = Capabilities::default();
        assert!(caps.offers(Capability::Revocation));
        caps.observe(Capability::Revocation, false);
        assert!(!caps.offers(Capability::Revocation));
    }

    #[test]
    fn a_capability_switched_off_in_the_target_file_says_so() {
        let mut caps = Capabilities::default();
        caps.observe(Capability::Par, true);
        caps.declare(Capability::Par, false);
        insta::assert_snapshot!(caps.missing_reason(Capability::Par), @"the server does not offer RFC 9126 pushed authorization requests (target file: [capabilities] par = false)");
    }

    #[test]
    fn a_capability_the_metadata_lacks_names_the_metadata_member() {
        let mut caps = Capabilities::default();
        caps.observe(Capability::Dpop, false);
        insta::assert_snapshot!(caps.missing_reason(Capability::Dpop), @"the server does not offer RFC 9449 DPoP with ES256 proofs (metadata: dpop_signing_alg_values_supported)");
    }

    #[test]
    fn declared_true_still_names_the_source_not_the_target_file() {
        let mut caps = Capabilities::default();
        caps.declare(Capability::Iss, true);
        assert_eq!(caps.missing_reason(Capability::Iss), "the server does not offer RFC 9207 iss in authorization responses (metadata: authorization_response_iss_parameter_supported)");
    }
}
