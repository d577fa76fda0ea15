//! `junit.xml`, written with quick-junit (nextest's writer). One `testsuite` per profile and
//! endpoint, one `testcase` per case:
//!
//! ```xml
//! <testsuites name="oauth-conformance" tests="90" failures="1" errors="0">
//!   <testsuite name="citi-pl.authorize" tests="24" failures="1" errors="0" skipped="0">
//!     <testcase name="authorize/state-echoed" classname="citi-pl.authorize" time="0.004">
//!       <properties><property name="level" value="MUST"/><property name="ref" value="RFC 6749 §4.1.2"/></properties>
//!       <failure message="state_echoed_exactly: expected state … echoed, got no state" type="MUST">…</failure>
//!       <system-out>the redacted request/response transcript and a curl replay</system-out>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! `failure` = the target answered wrongly; `error` = no answer (transport, setup, blocked);
//! `skipped` = a missing prerequisite, or a failure the baseline expects (its reason in the
//! message). A warning (the case's rule held, a SHOULD/MAY expectation graded below it did not)
//! is a passing testcase with a `warning` property, so no JUnit consumer counts it as a failure.
use std::time::Duration;

use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::model::result::{BaselineMark, CaseResult, Outcome, RunResult};

pub fn render(result: &RunResult) -> String {
    let mut report = Report::new("oauth-conformance");
    report.set_time(Duration::from_millis(result.duration_ms));
    let mut suites: IndexMap<String, TestSuite> = IndexMap::new();
    for run in &result.runs {
        for c in &run.cases {
            // A profile judged inside the run (FAPI 2.0) is a suite of its own, scored below.
            let name = match crate::report::section::of(&c.id) {
                Some(s) => format!("{}.{}", c.profile, s.key),
                None => format!("{}.{}", c.profile, c.endpoint),
            };
            let suite = suites.entry(name.clone()).or_insert_with(|| {
                let mut s = TestSuite::new(name.clone());
                s.add_property(Property::new("target", run.target.clone()));
                if result.insecure {
                    s.add_property(Property::new("insecure", "true: server certificates were not checked"));
                }
                if let Some(signal) = result.interrupted {
                    s.add_property(Property::new("incomplete", format!("interrupted by {signal}")));
                }
                s
            });
            let mut t = testcase(c, &name);
            if result.preflight.is_some() {
                // No case started: the one preflight error says why; each case only repeats it.
                let mut skipped = TestCaseStatus::skipped();
                skipped.set_message(c.message.clone());
                t.status = skipped;
            }
            suite.add_test_case(t);
        }
    }
    if let Some(why) = &result.preflight {
        let mut s = TestSuite::new("preflight");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(format!("{why} — no case was started"));
        status.set_type("no verdict");
        s.add_test_case(TestCase::new("preflight", status));
        report.add_test_suite(s);
    }
    for s in crate::report::section::sections(result) {
        for suite in suites.iter_mut().filter(|(name, _)| name.ends_with(&format!(".{}", s.key))).map(|(_, suite)| suite) {
            suite.add_property(Property::new("section", s.name));
            for c in &s.compliance {
                suite.add_property(Property::new(format!("compliance.{}", c.level), format!("{}/{} ({} %)", c.held, c.applicable, c.percent)));
            }
        }
    }
    report.add_test_suites(suites.into_values());
    report.to_string().unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->"))
}

fn testcase(c: &CaseResult, classname: &str) -> TestCase {
    let status = match (&c.outcome, &c.baseline) {
        (Outcome::Passed, _) => TestCaseStatus::success(),
        // Advice is not the server's duty: a JUnit consumer must not count it against the server.
        (Outcome::Advice, _) => TestCaseStatus::success(),
        // A warning passes its headline rule: a JUnit consumer must not count it as a failure.
        (Outcome::Warning, None | Some(BaselineMark::Fixed { .. })) => TestCaseStatus::success(),
        (Outcome::Failed | Outcome::Error | Outcome::Warning, Some(BaselineMark::Expected { reason })) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("known failure in baseline ({reason}): {}", c.message));
            s.set_type("baseline");
            s
        }
        (Outcome::Failed, _) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!("{} ({}): {}", c.rule, c.level.as_str(), c.message));
            s.set_type(c.level.as_str());
            s.set_description(failed_checks(c));
            s
        }
        (Outcome::Error, _) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(c.message.clone());
            s.set_type("no verdict");
            s
        }
        (Outcome::Skipped, _) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(c.message.clone());
            s
        }
    };
    let mut t = TestCase::new(c.id.clone(), status);
    t.set_classname(classname.to_string());
    t.set_time(Duration::from_millis(c.duration_ms));
    t.add_property(Property::new("level", c.level.as_str()));
    t.add_property(Property::new("outcome", c.outcome.as_str()));
    t.add_property(Property::new("title", c.title.clone()));
    t.add_property(Property::new("rule", c.rule.clone()));
    if c.outcome == Outcome::Warning {
        t.add_property(Property::new("warning", format!("{}: {}", c.shown_level().as_str(), c.message)));
    }
    for r in &c.refs {
        t.add_property(Property::new("ref", r.clone()));
    }
    if let Some(BaselineMark::Fixed { reason }) = &c.baseline {
        t.add_property(Property::new("baseline", format!("fixed — remove from baseline ({reason})")));
    }
    let out = crate::report::transcript::transcript_text(c);
    if !out.is_empty() {
        t.set_system_out(out);
    }
    t
}

fn failed_checks(c: &CaseResult) -> String {
    c.checks
        .iter()
        .filter(|k| !k.passed)
        .map(|k| format!("[{}] {}: {}{}", k.step, k.check, k.message.as_deref().unwrap_or(""), k.rule.map(|r| format!(" ({r})")).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::model::level::Level;
    use crate::report::sample;

    fn one(c: CaseResult) -> String {
        render(&sample::run(vec![c]))
    }

    #[rstest]
    #[case(Outcome::Passed, None, &[], &["<failure", "<error", "<skipped"])]
    #[case(Outcome::Warning, None, &[r#"name="warning" value="SHOULD: warning message""#], &["<failure", "<error", "<skipped"])]
    #[case(Outcome::Failed, None, &[r#"<failure message="RFC 6749 §5.2: the server MUST answer invalid_client (MUST): failed message" type="MUST""#], &["<error", "<skipped"])]
    #[case(Outcome::Error, None, &[r#"<error message="error message" type="no verdict""#], &["<failure", "<skipped"])]
    #[case(Outcome::Skipped, None, &[r#"<skipped message="skipped: the target has no refresh token""#], &["<failure", "<error"])]
    #[case(Outcome::Failed, Some(BaselineMark::Expected { reason: "ticket 12".into() }), &[r#"<skipped message="known failure in baseline (ticket 12): failed message" type="baseline""#], &["<failure", "<error"])]
    #[case(Outcome::Passed, Some(BaselineMark::Fixed { reason: "ticket 9".into() }), &[r#"value="fixed — remove from baseline (ticket 9)""#], &["<failure", "<error", "<skipped"])]
    fn each_outcome_maps_to_its_junit_status(#[case] outcome: Outcome, #[case] baseline: Option<BaselineMark>, #[case] present: &[&str], #[case] absent: &[&str]) {
        let xml = one(CaseResult { baseline, ..sample::case("a/b", outcome) });
        for p in present {
            assert!(xml.contains(p), "{p} missing in {xml}");
        }
        for a in absent {
            assert!(!xml.contains(a), "{a} present in {xml}");
        }
    }

    #[test]
    fn a_failed_testcase_with_its_checks_and_transcript() {
        let mut c = sample::case("token-cc/bad-secret", Outcome::Failed);
        c.checks = vec![sample::failed_check("status_is", "main"), crate::model::result::CheckRecord { passed: true, ..sample::failed_check("error_code_is", "main") }];
        c.checks[0].rule = Some("RFC 6749 §5.2");
        c.transcript = vec![sample::exchange("main", Some(200), None)];
        insta::assert_snapshot!(one(c));
    }

    #[test]
    fn one_testsuite_per_profile_and_endpoint_in_first_seen_order() {
        let mut authorize = sample::case("authorize/state", Outcome::Passed);
        authorize.endpoint = "authorize".into();
        let xml = render(&sample::run(vec![sample::case("token/a", Outcome::Passed), authorize, sample::case("token/b", Outcome::Failed)]));
        let suites: Vec<&str> = xml.match_indices("<testsuite name=\"").map(|(i, m)| xml[i + m.len()..].split('"').next().unwrap()).collect();
        assert_eq!(suites, ["p.token", "p.authorize"]);
        assert!(xml.contains(r#"<testsuite name="p.token" tests="2""#), "{xml}");
    }

    #[test]
    fn a_profile_judged_inside_the_run_is_a_suite_of_its_own_with_its_score() {
        let xml = render(&sample::run(vec![sample::case("fapi2/happy-flow", Outcome::Passed), sample::case("fapi2/pkce-required", Outcome::Failed), sample::case("token/a", Outcome::Passed)]));
        let suites: Vec<&str> = xml.match_indices("<testsuite name=\"").map(|(i, m)| xml[i + m.len()..].split('"').next().unwrap()).collect();
        assert_eq!(suites, ["p.fapi2", "p.token"]);
        assert!(xml.contains(r#"<property name="section" value="FAPI 2.0 Security Profile"/>"#), "{xml}");
        assert!(xml.contains(r#"<property name="compliance.MUST" value="1/2 (50 %)"/>"#), "{xml}");
        assert_eq!(xml.matches("compliance.MUST").count(), 1, "only the section's suite is scored");
    }

    #[test]
    fn an_insecure_interrupted_run_marks_every_testsuite() {
        let result = RunResult { insecure: true, interrupted: Some("SIGINT"), ..sample::run(vec![sample::at(Level::May, "a/b", Outcome::Passed)]) };
        let xml = render(&result);
        assert!(xml.contains(r#"<property name="insecure" value="true: server certificates were not checked"/>"#), "{xml}");
        assert!(xml.contains(r#"<property name="incomplete" value="interrupted by SIGINT"/>"#), "{xml}");
    }
}
