//! Evaluation: runs every check a step's `expect` asks for on what the target answered, in the
//! registry's order (`check::registry::KINDS`), its own expectations at the case's level and the
//! graded ones (`should`, `may`) at theirs. What enters: the step's `Expect` and its answer. What
//! leaves: `CheckRecord`s.
use crate::check::browser;
use crate::check::expect::Expect;
use crate::check::http;
use crate::check::record::{CheckContext, Recorder};
use crate::check::registry::Part;
use crate::model::level::Level;
use crate::model::result::CheckRecord;
use crate::transport::http::HttpResponse;
use crate::transport::page::{Landing, Seen};

/// What a check is judged against.
pub enum Observation<'a> {
    Http(&'a HttpResponse),
    /// Where the login landed, and what the driver did on the way (when it says).
    Browser(&'a Landing, Option<Seen>),
}

/// Runs every check `expect` asks for on `obs`: its own expectations at `level`, the graded ones
/// (`should`, `may`) at theirs.
pub fn evaluate(step: &str, level: Level, expect: &Expect, obs: &Observation<'_>, ctx: &CheckContext<'_>) -> Vec<CheckRecord> {
    let mut r = Recorder::new(step, level);
    let outer_json = match obs {
        Observation::Http(resp) => expect.wants_json((200..300).contains(&resp.status)),
        Observation::Browser(..) => false,
    };
    evaluate_one(&mut r, expect, obs, ctx);
    // RFC 9110 §15.5.2: a 401 MUST carry a challenge, whatever the case is about and wherever
    // the answer came (a setup step, a follow-up): every 401 is checked.
    if let Observation::Http(resp) = obs
        && resp.status == 401
        && expect.challenge.is_none()
    {
        let held = r.level;
        r.level = Level::Must;
        r.record("challenge_on_401", Some("RFC 9110 §15.5.2"), http::has_challenge(resp));
        r.level = held;
    }
    for (grade, nested) in expect.graded() {
        r.level = grade;
        r.nested = outer_json || matches!(obs, Observation::Browser(..));
        evaluate_one(&mut r, nested, obs, ctx);
    }
    r.records
}

fn evaluate_one(r: &mut Recorder, e: &Expect, obs: &Observation<'_>, ctx: &CheckContext<'_>) {
    match obs {
        Observation::Http(resp) => {
            let a = http::Answer::new(resp, ctx);
            let mut shape_held = None;
            for kind in e.kinds() {
                let Some(eval) = kind.http else { continue };
                if kind.part != Part::Status && shape_held.is_none() {
                    shape_held = Some(http::body_shape(r, e, &a));
                }
                // A body that is no JSON object was said once; the body checks would only repeat it.
                if kind.part == Part::Body && shape_held == Some(false) {
                    continue;
                }
                eval(r, e, &a);
            }
            if shape_held.is_none() {
                http::body_shape(r, e, &a);
            }
        }
        Observation::Browser(landing, seen) => {
            let a = browser::Answer { landing, seen: *seen, ctx };
            for eval in e.kinds().filter_map(|k| k.browser) {
                eval(r, e, &a);
            }
        }
    }
}

/// The failed checks at `level` or stronger (of one step, or all) as one line; checks graded
/// below the case's level say their level.
pub fn failure_line(checks: &[CheckRecord], step: Option<&str>, level: Level, case_level: Level) -> String {
    checks
        .iter()
        .filter(|c| !c.passed && c.level <= level && step.is_none_or(|s| c.step == s))
        .map(|c| {
            let at = if c.step == "main" { String::new() } else { format!("{}: ", c.step) };
            let rule = c.rule.map(|r| format!(" [{r}]")).unwrap_or_default();
            let graded = if c.level > case_level { format!("{} ", c.level.as_str()) } else { String::new() };
            format!("{graded}{at}{}: {}{rule}", c.check, c.message.as_deref().unwrap_or("failed"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Eight (or n) identical requests: at most `max` may be answered 2xx.
pub fn race_rounds(step: &str, successes: &[usize], count: usize, max: usize) -> CheckRecord {
    let lost: Vec<usize> = successes.iter().copied().filter(|&s| s > max).collect();
    let worst = lost.iter().copied().max().unwrap_or(0);
    let rounds = successes.len();
    CheckRecord {
        step: step.to_string(),
        check: "at_most_one_redemption",
        rule: Some("RFC 6749 §4.1.2, RFC 9700 §4.5"),
        level: Level::Must,
        passed: lost.is_empty(),
        message: (!lost.is_empty()).then(|| {
            format!("expected at most {max} of {count} concurrent requests to succeed in every round, got more in {} of {rounds} rounds (up to {worst})", lost.len())
        }),
    }
}

/// A request refused before the step a case judges (a pushed request refused at the push, which
/// RFC 9126 §2.1 lets the server do): the rule the case is about held there.
pub fn refused_early(step: &str, status: u16) -> CheckRecord {
    CheckRecord {
        step: step.to_string(),
        check: "refused_early",
        rule: None,
        level: Level::Must,
        passed: true,
        message: Some(format!("refused here with status {status}, before the step the case judges")),
    }
}

/// RFC 6749 §10.10: the guessing entropy of `member` across the sampled answers is at least
/// `bits` (128 is the MUST, 160 the SHOULD); how it is estimated is `strength`'s doc.
pub fn guessing_entropy(step: &str, member: &str, values: &[String], count: usize, bits: f64, level: Level) -> CheckRecord {
    let message = if values.len() < count {
        Some(format!("expected {member} in each of {count} sampled answers, got it in {}", values.len()))
    } else {
        let e = crate::check::strength::estimate(&values.iter().map(String::as_str).collect::<Vec<_>>());
        (e.bits < bits).then(|| format!("expected {member} values at least {bits:.0} bits hard to guess, got {}", e.describe()))
    };
    // RFC 6749 §10.10's own thresholds keep their names; another bar is the case's rule's.
    let (check, rule) = if level == Level::Must && bits == 128.0 {
        ("guessing_entropy_128", Some("RFC 6749 §10.10"))
    } else if level == Level::Should && bits == 160.0 {
        ("guessing_entropy_160", Some("RFC 6749 §10.10"))
    } else {
        ("guessing_entropy", None)
    };
    CheckRecord {
        step: step.to_string(),
        check,
        rule,
        level,
        passed: message.is_none(),
        message,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::schema::Schemas;

    /// Judges an HTTP answer against `expect` (TOML inline-table text, as in a case table) at the
    /// MUST level: `(check, passed, message)` for every check recorded. For evaluators' tests.
    pub(crate) fn judge(expect: &str, status: u16, headers: &[(&str, &str)], body: &str) -> Vec<(&'static str, bool, String)> {
        let expect: Expect = toml::from_str(expect).expect("the test's expect parses");
        let resp = HttpResponse { status, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.as_bytes().to_vec() };
        let schemas = Schemas::new();
        let ctx = CheckContext { schemas: &schemas, error_schema: "", sent_state: None, sent_redirect_uri: None, resolve: &|_| None, jwks: None };
        evaluate("main", Level::Must, &expect, &Observation::Http(&resp), &ctx)
            .into_iter()
            .map(|c| (c.check, c.passed, c.message.unwrap_or_default()))
            .collect()
    }

    /// A race that shows one time in three is seen in rounds: the check says in how many rounds
    /// more requests succeeded than allowed, and the worst round.
    #[test]
    fn a_race_is_judged_over_its_rounds() {
        let held = race_rounds("main", &[1, 1, 1], 8, 1);
        assert!(held.passed && held.message.is_none());
        let lost = race_rounds("main", &[1, 2, 1, 3, 1], 8, 1);
        assert!(!lost.passed);
        assert_eq!(lost.message.as_deref(), Some("expected at most 1 of 8 concurrent requests to succeed in every round, got more in 2 of 5 rounds (up to 3)"));
    }

    #[test]
    fn graded_expectations_are_recorded_at_their_own_level() {
        let expect: Expect = toml::from_str("status = 401\nshould = { header_present = [\"www-authenticate\"] }").unwrap();
        let resp = HttpResponse { status: 401, headers: vec![], body: vec![] };
        let schemas = Schemas::new();
        let ctx = CheckContext { schemas: &schemas, error_schema: "", sent_state: None, sent_redirect_uri: None, resolve: &|_| None, jwks: None };
        let records = evaluate("main", Level::Must, &expect, &Observation::Http(&resp), &ctx);
        let levels: Vec<(&str, Level, bool)> = records.iter().map(|c| (c.check, c.level, c.passed)).collect();
        assert_eq!(levels, [("status_is", Level::Must, true), ("challenge_on_401", Level::Must, false), ("header_present", Level::Should, false)]);
    }

    /// RFC 9110 §15.5.2: every 401 is checked for a challenge, whatever the step expected of it,
    /// at MUST; a step that names the challenge's scheme already checks it.
    #[rstest::rstest]
    #[case::no_challenge("status = 401", 401, &[], Some(false))]
    #[case::empty_challenge("status_in = [400, 401]", 401, &[("www-authenticate", " ")], Some(false))]
    #[case::a_challenge("success = false", 401, &[("www-authenticate", "Basic realm=\"x\"")], Some(true))]
    #[case::not_a_401("status = 400", 400, &[], None)]
    #[case::scheme_named("status = 401\nchallenge = \"Basic\"", 401, &[], None)]
    fn every_401_is_checked_for_a_challenge(#[case] expect: &str, #[case] status: u16, #[case] headers: &[(&str, &str)], #[case] held: Option<bool>) {
        let got = judge(expect, status, headers, "");
        let challenge = got.iter().find(|(c, ..)| *c == "challenge_on_401");
        assert_eq!(challenge.map(|(_, passed, _)| *passed), held, "{got:?}");
        if held == Some(false) {
            assert!(challenge.unwrap().2.contains("a 401 with a WWW-Authenticate challenge"), "{got:?}");
        }
    }

    #[test]
    fn a_failed_check_says_what_was_expected_and_what_came() {
        let got = judge("status = 400", 200, &[], "");
        assert_eq!(got.len(), 1, "{got:?}");
        let (check, passed, message) = &got[0];
        assert_eq!((*check, *passed), ("status_is", false));
        assert!(message.contains("400") && message.contains("200"), "{message}");
    }

    #[test]
    fn header_excludes_fails_only_when_the_text_is_there() {
        let challenge = [("www-authenticate", "Bearer realm=\"x\", error=\"invalid_token\"")];
        assert!(!judge("header_excludes = { \"www-authenticate\" = \"error=\" }", 401, &challenge, "")[0].1);
        assert!(judge("header_excludes = { \"www-authenticate\" = \"error=\" }", 401, &[("www-authenticate", "Bearer realm=\"x\"")], "")[0].1);
        assert!(judge("header_excludes = { \"www-authenticate\" = \"error=\" }", 401, &[], "")[0].1);
    }
}
