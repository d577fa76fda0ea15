//! Which profiles the reference implements and which faults apply to each. Enters: a profile
//! name; leaves: the fault catalogue's share for that profile.
use super::fault::Fault;

/// Profiles the reference implements.
pub const PROFILES: &[&str] = &["citi-pl", "citi-mx", "rfc6749"];

/// The faults that apply to `profile`'s reference. rfc6749's server is built from the same
/// endpoints as citi-pl's, so citi-pl's faults apply to it too, except those about the bank's own
/// parameters and those whose rule the RFCs rate below MUST (they are faults of the bank's API,
/// not of RFC 6749).
pub fn faults_of(profile: &str) -> Vec<Fault> {
    const BANK_ONLY: &[Fault] = &[
        Fault::AuthorizeParamsUnchecked,
        Fault::StateNotRequired,
        Fault::ScopeNotRequired,
        Fault::RedirectUriDefaulted,
        // RFC 6749 §3.3: a server MAY ignore an unknown scope.
        Fault::UnknownScopeGranted,
        // RFC 7009 §2.1: cascading is SHOULD (refresh → access) and MAY (access → refresh).
        Fault::RevokeAccessKeepsRefresh,
        Fault::RevokeRefreshKeepsAccess,
        // RFC 7009 §2.2: the revocation answer's body is not specified.
        Fault::RevokeEmptyBody,
    ];
    Fault::ALL
        .iter()
        .copied()
        .filter(|f| f.profile() == profile || (profile == "rfc6749" && f.profile() == "citi-pl" && !BANK_ONLY.contains(f)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Fault::StateNotRequired, false)]
    #[case(Fault::RevokeEmptyBody, false)]
    #[case(Fault::CodeReusable, true)]
    #[case(Fault::RfcPkceUnchecked, true)]
    #[case(Fault::MxUuidNotRequired, false)]
    fn rfc6749_takes_citi_pl_faults_but_the_banks_own(#[case] fault: Fault, #[case] applies: bool) {
        assert_eq!(faults_of("rfc6749").contains(&fault), applies);
    }

    #[test]
    fn every_fault_belongs_to_its_own_profile() {
        for f in Fault::ALL {
            assert!(faults_of(f.profile()).contains(f), "{}", f.name());
        }
        assert!(faults_of("nowhere").is_empty());
    }
}
