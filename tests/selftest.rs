//! The mutation score, enforced: zero failures against the correct reference, every fault caught
//! (MUST faults fail the gate; SHOULD faults show as a failed SHOULD case), every MUST case tripped
//! by some fault or listed, with its reason, in specs/<profile>/selftest.toml.
mod common;

use std::sync::Arc;

use oauth_conformance::model::level::Level;
use oauth_conformance::suite::profile::Profile;
use oauth_conformance::reference::{self, Fault};
use oauth_conformance::run::runner::RunOptions;
use oauth_conformance::selftest;
use oauth_conformance::suite::source::Suite;
use rstest::rstest;

/// Every fault caught, every MUST case tripped by some fault, and every tolerated variant passing
/// the gate (the variants' runs are the selftest's: one run each serves both tests).
#[rstest]
#[case::citi_pl("citi-pl", 30, 10)]
#[case::citi_mx("citi-mx", 10, 5)]
#[case::rfc6749("rfc6749", 30, 15)]
fn mutation_score_is_100_percent_and_every_variant_passes(#[case] name: &str, #[case] at_least: usize, #[case] variants_at_least: usize) {
    let suite = Suite::Embedded;
    let profile = Arc::new(Profile::load(&suite, name).unwrap());
    let faults = reference::faults_of(name);
    assert!(faults.len() >= at_least, "only {} faults", faults.len());
    let started = std::time::Instant::now();
    let st = selftest::run(&suite, profile.clone(), &faults, &RunOptions::default(), false).unwrap();
    common::stage_took(&format!("selftest of the {name} reference ({} faults, every variant)", faults.len()), started.elapsed());

    assert!(st.correct_failures.is_empty(), "the correct reference fails: {:?}", st.correct_failures);
    let missed: Vec<&str> = st.faults.iter().filter(|r| !r.caught).map(|r| r.fault).collect();
    assert!(missed.is_empty(), "faults not caught: {missed:?}\n{}", selftest::render(&st));
    for r in &st.faults {
        let f = Fault::from_name(r.fault).unwrap();
        match f.level_in(name) {
            Level::Must => assert!(r.gate_failed, "{}: a MUST fault must fail the gate", r.fault),
            Level::Should => assert!(r.tripped.iter().any(|(_, l)| *l != Level::May), "{}: a SHOULD fault must fail a SHOULD (or MUST) case", r.fault),
            Level::May => assert!(!r.tripped.is_empty(), "{}: a MAY fault must fail its MAY case", r.fault),
        }
        assert!(!r.tripped.is_empty(), "{} tripped nothing", r.fault);
    }
    assert!(st.untripped_must.is_empty(), "MUST cases no fault trips: {:?}", st.untripped_must);
    assert!(st.untripped_graded.is_empty(), "graded SHOULD expectations no fault fails: {:?}", st.untripped_graded);
    assert!(!st.graded_tripped_by.is_empty() || name == "citi-mx", "{name} has graded SHOULD expectations");
    assert!(st.untrippable.len() <= 3, "the untrippable list must stay short: {:?}", st.untrippable);
    for (id, reason) in &st.untrippable {
        let c = profile.cases.iter().find(|c| c.id == *id).unwrap_or_else(|| panic!("untrippable lists unknown case {id}"));
        assert_eq!(c.level, Level::Must, "{id}");
        assert!(reason.len() > 10, "{id}: give the reason it cannot be simulated");
    }
    assert_eq!(st.caught, st.faults.len());
    assert!(st.variants.len() >= variants_at_least, "{name}: only {} variants", st.variants.len());
    for run in &st.variants {
        assert!(run.must_failures.is_empty(), "{}: MUST failures {:?}", run.variant, run.must_failures);
        if run.departure != Some(Level::Should) {
            assert!(run.should_departures.is_empty(), "{}: SHOULD departures {:?}", run.variant, run.should_departures);
        }
        assert!(run.passed, "{}", run.variant);
    }
    assert!(st.ok());
}

/// The selftest runs a fault with the cases that ask the reference whether it is on; with every
/// case, each fault trips exactly the same cases. Were a fault to change a case that never asks
/// about it (read other than through `Switches::has`, or kept in state another case set up),
/// the quick kill matrix would miss what the whole one finds.
#[rstest]
#[case::citi_pl("citi-pl")]
#[case::citi_mx("citi-mx")]
fn a_fault_trips_the_same_cases_whether_it_runs_with_the_asking_cases_or_every_case(#[case] name: &str) {
    let suite = Suite::Embedded;
    let profile = Arc::new(Profile::load(&suite, name).unwrap());
    let faults = reference::faults_of(name);
    let asking = selftest::run(&suite, profile.clone(), &faults, &RunOptions::default(), false).unwrap();
    let every = selftest::run(&suite, profile.clone(), &faults, &RunOptions::default(), true).unwrap();
    let trips = |st: &selftest::Selftest| st.faults.iter().map(|r| (r.fault, r.tripped.clone(), r.gate_failed)).collect::<Vec<_>>();
    for (quick, whole) in trips(&asking).iter().zip(trips(&every)) {
        assert_eq!(*quick, whole, "{}: the cases asking about it trip otherwise than every case", whole.0);
    }
    assert_eq!(asking.faults.len(), faults.len());
    assert!(asking.faults.iter().all(|r| !r.tripped.is_empty()), "every fault trips a case");
}

#[test]
fn every_fault_has_a_unique_name_and_a_rule_with_a_reference() {
    let mut names = std::collections::BTreeSet::new();
    for f in Fault::ALL {
        assert!(names.insert(f.name()), "duplicate {}", f.name());
        assert_eq!(Fault::from_name(f.name()), Some(*f));
        assert!(["RFC", "seed", "OpenID Connect", "FAPI 2.0"].iter().any(|r| f.rule().contains(r)), "{}: {}", f.name(), f.rule());
        assert!(reference::PROFILES.contains(&f.profile()), "{}", f.name());
    }
}
