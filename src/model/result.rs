//! The one result model every reporter renders. The runner fills it; it knows no output format.
use serde::Serialize;

use crate::model::duty::Duty;
use crate::model::level::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Passed,
    /// The case's own rule held, but an expectation graded below it (SHOULD or MAY) did not.
    Warning,
    /// The target answered, wrongly.
    Failed,
    /// No verdict: the target could not be reached, a setup step or fixture failed, or the case
    /// is blocked (the positive case it requires was refused).
    Error,
    /// A prerequisite is missing from the target file.
    Skipped,
    /// A duty of the client or of the deployment did not hold: told, with why it is not the
    /// server's, never gating and never scored.
    Advice,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Warning => "warning",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
            Outcome::Advice => "advice",
        }
    }
}

/// Why a case has no verdict: the outcome follows from the kind, never from message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No answer: refused, reset, timed out, not HTTP, over the size cap, TLS.
    Transport,
    /// The login driver could not pass the login or consent pages.
    Login,
    /// The request could not be built (a placeholder without a value, an endpoint without a URL).
    Request,
    /// A fixture or setup step did not give what the case needs.
    Setup,
    /// The positive case this one requires was refused: its own checks would prove nothing.
    Blocked,
    /// Not started: the target stopped answering, or --fail-fast / --max-failures stopped the run.
    NotRun,
    /// The harness itself failed (a panic in a case's task).
    Internal,
    /// The target file does not match the server: a well-formed positive request was refused for
    /// the client's own credentials or the user's login. No verdict on the server.
    Misconfigured,
}

/// One named check run on one step's answer.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRecord {
    /// "main", "before 1", "after 2 (refresh)", …
    pub step: String,
    pub check: &'static str,
    /// The rule's own reference, where the check has one (else the case's refs apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// How strongly the expectation this check verifies is demanded.
    pub level: Level,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a login command wrote to its standard error during one step (redacted).
#[derive(Debug, Clone, Serialize)]
pub struct LoginLog {
    pub step: String,
    pub text: String,
}

/// One request and its answer, as kept in reports (already redacted).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExchangeRecord {
    pub step: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

/// How a case stands against the target's baseline of known failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BaselineMark {
    /// A known failure: it does not fail the gate.
    Expected { reason: String },
    /// Listed as a known failure but now passing: remove it from the baseline.
    Fixed { reason: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub profile: String,
    pub endpoint: String,
    pub title: String,
    pub level: Level,
    /// Whose duty the rule is: anything but the server's makes the case advice.
    #[serde(skip_serializing_if = "Duty::is_server")]
    pub duty: Duty,
    /// The normative requirement, in one line with its keyword.
    pub rule: String,
    /// The attacks (RFC 9700 §4) the rule defends against.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    pub refs: Vec<String>,
    pub outcome: Outcome,
    /// For an error: why there is no verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// For a warning: the strongest level among the graded expectations that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_level: Option<Level>,
    pub message: String,
    /// Why the target did not accept the case's main request (or its setup), if it did not: what
    /// a case that requires this one is blocked by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// What in the target file a refusal points at, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    pub checks: Vec<CheckRecord>,
    pub transcript: Vec<ExchangeRecord>,
    /// A curl command replaying the case's main request, secrets as environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// Where a browser login stopped: a PNG (base64) with every input emptied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    /// What the login command wrote to its standard error (redacted, bounded), by step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub login_log: Vec<LoginLog>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineMark>,
    /// When the case started, in ms since the run started.
    pub started_ms: u64,
    pub duration_ms: u64,
}

/// A refusal of the suite's own well-formed request that points at the target file rather than
/// at the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// invalid_client (or a 401) for the client's own credentials.
    ClientCredentials,
    /// The login form did not accept the user.
    Login,
    /// The authorization endpoint refused the redirect_uri.
    RedirectUri,
}

impl Diagnosis {
    pub fn advice(self) -> &'static str {
        match self {
            Diagnosis::ClientCredentials => "the server refused the client's own credentials: check [client] id/secret in the target file",
            Diagnosis::Login => "the login page did not accept the user: check [login] username/password (and username_field/password_field) in the target file",
            Diagnosis::RedirectUri => "the authorization endpoint refused the redirect_uri: check [client] redirect_uri in the target file (it must be registered exactly)",
        }
    }
}

impl CaseResult {
    /// A case not yet run: skipped, with nothing observed and its suite text (endpoint, title,
    /// rule, threats, refs) empty for the caller to fill with struct update syntax.
    pub fn unstarted(id: String, profile: String, level: Level) -> CaseResult {
        CaseResult {
            id,
            profile,
            endpoint: String::new(),
            title: String::new(),
            level,
            duty: Duty::Server,
            rule: String::new(),
            threats: Vec::new(),
            refs: Vec::new(),
            outcome: Outcome::Skipped,
            error_kind: None,
            warning_level: None,
            message: String::new(),
            refused: None,
            diagnosis: None,
            checks: Vec::new(),
            transcript: Vec::new(),
            curl: None,
            screenshot: None,
            login_log: Vec::new(),
            baseline: None,
            started_ms: 0,
            duration_ms: 0,
        }
    }

    /// Whether this result fails the gate: a MUST case failed or errored (SHOULD too when
    /// strict), unless the baseline expects it; under --strict, a SHOULD warning and a baseline
    /// entry now passing fail it too.
    pub fn breaks_gate(&self, strict: bool) -> bool {
        if !self.duty.gates() {
            return false;
        }
        match (&self.outcome, &self.baseline) {
            (Outcome::Failed | Outcome::Error | Outcome::Warning, Some(BaselineMark::Expected { .. })) => false,
            (Outcome::Failed | Outcome::Error, _) => self.level == Level::Must || (strict && self.level == Level::Should),
            (Outcome::Warning, _) => strict && self.warning_level == Some(Level::Should),
            (Outcome::Passed, Some(BaselineMark::Fixed { .. })) => strict,
            _ => false,
        }
    }

    /// The level a non-passing outcome is reported at: a warning's graded level, else the case's.
    pub fn shown_level(&self) -> Level {
        match (self.outcome, self.warning_level) {
            (Outcome::Warning, Some(l)) => l,
            _ => self.level,
        }
    }

    /// The diagnosis this case's refusal supports, if any. Wrong client credentials are named
    /// only where the case was the first to present them (misconfigured): a 401 on one odd
    /// request, while the same client authenticates elsewhere, is the server's doing.
    pub fn evidenced_diagnosis(&self) -> Option<Diagnosis> {
        match self.diagnosis? {
            Diagnosis::ClientCredentials if self.error_kind != Some(ErrorKind::Misconfigured) => None,
            d => Some(d),
        }
    }

    /// "diagnosis: … (X was refused: why)" when this case's refusal points at the target file.
    pub fn diagnosis_line(&self) -> Option<String> {
        if !matches!(self.outcome, Outcome::Failed | Outcome::Error) || self.blocked() {
            return None;
        }
        let (d, why) = (self.evidenced_diagnosis()?, self.refused.as_ref()?);
        Some(format!("diagnosis: {} ({} was refused: {why})", d.advice(), self.id))
    }

    /// Blocked: its required positive case was refused, so this case has no verdict.
    pub fn blocked(&self) -> bool {
        self.error_kind == Some(ErrorKind::Blocked)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub warning: usize,
    pub failed: usize,
    pub error: usize,
    /// Of the errors: blocked (the required positive case was refused) and not run.
    pub blocked: usize,
    pub not_run: usize,
    pub skipped: usize,
    /// Duties of the client or the deployment that did not hold (never gating).
    pub advice: usize,
    /// Non-passing cases the baseline expects.
    pub expected: usize,
}

impl Summary {
    /// "N cases: a passed, b warning, c failed, d error, e skipped[, f advice]".
    pub fn line(&self) -> String {
        let advice = if self.advice == 0 { String::new() } else { format!(", {} advice", self.advice) };
        format!(
            "{}: {} passed, {} warning, {} failed, {} error, {} skipped{advice}",
            crate::model::count::cases(self.total),
            self.passed,
            self.warning,
            self.failed,
            self.error,
            self.skipped
        )
    }

    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseResult>) -> Summary {
        let mut s = Summary::default();
        for c in cases {
            s.total += 1;
            s.blocked += usize::from(c.error_kind == Some(ErrorKind::Blocked));
            s.not_run += usize::from(c.error_kind == Some(ErrorKind::NotRun));
            s.expected += usize::from(matches!(c.baseline, Some(BaselineMark::Expected { .. })));
            match c.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Warning => s.warning += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Error => s.error += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::Advice => s.advice += 1,
            }
        }
        s
    }
}

/// A profile run against one target.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileRun {
    pub profile: String,
    pub target: String,
    pub cases: Vec<CaseResult>,
}

/// Everything one `run` found.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub runs: Vec<ProfileRun>,
    pub strict: bool,
    pub duration_ms: u64,
    /// The signal that stopped the run early (SIGINT, SIGTERM); its reports are incomplete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<&'static str>,
    /// TLS certificate checks were switched off (`--insecure`).
    pub insecure: bool,
    /// Cases of the run's profiles the selection left out.
    pub filtered_out: usize,
    /// The preflight found nothing listening: no case was started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight: Option<String>,
    /// Why the run stopped starting cases (the target stopped answering, --max-failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// What the run found out about the target that shapes its verdicts (which token the
    /// resource takes, say), one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RunResult {
    pub fn cases(&self) -> impl Iterator<Item = &CaseResult> + Clone {
        self.runs.iter().flat_map(|r| r.cases.iter())
    }

    pub fn summary(&self) -> Summary {
        Summary::of(self.cases())
    }

    /// The run's one-word verdict: INCOMPLETE (interrupted), PASSED or FAILED (the gate).
    pub fn verdict(&self) -> &'static str {
        match (self.interrupted, self.gate_passed()) {
            (Some(_), _) => "INCOMPLETE",
            (None, true) => "PASSED",
            (None, false) => "FAILED",
        }
    }

    /// Passed when no case breaks the gate (and the run was not interrupted).
    pub fn gate_passed(&self) -> bool {
        self.interrupted.is_none() && !self.cases().any(|c| c.breaks_gate(self.strict))
    }

    /// The cases a report names as breaking the gate. Blocked ones are left out: they follow from
    /// a refused positive case, which is named, so reports only count them.
    pub fn gating(&self) -> impl Iterator<Item = &CaseResult> + Clone {
        self.cases().filter(move |c| c.breaks_gate(self.strict) && !c.blocked())
    }

    /// "target misconfigured: …" when a positive case was refused for the target file's own
    /// credentials or login: the run says nothing about the server, and scores nothing.
    pub fn misconfigured(&self) -> Option<String> {
        let c = self.cases().find(|c| c.error_kind == Some(ErrorKind::Misconfigured))?;
        let advice = c.diagnosis.map_or("check the target file", Diagnosis::advice);
        Some(format!("target misconfigured: {advice} ({} was refused); no verdict on the server", c.id))
    }

    /// One line per distinct target-file problem the refused positive cases point at.
    pub fn diagnoses(&self) -> Vec<String> {
        let mut seen: Vec<Diagnosis> = Vec::new();
        let mut out = Vec::new();
        for c in self.cases().filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Error) && !c.blocked()) {
            if let (Some(d), Some(why)) = (c.evidenced_diagnosis(), &c.refused)
                && !seen.contains(&d) {
                    seen.push(d);
                    out.push(format!("diagnosis: {} ({} was refused: {})", d.advice(), c.id, why));
                }
        }
        out
    }

    /// One line when every case that ran errored the same way on the transport (nothing else to
    /// learn from the per-case lines), e.g. "target unreachable: connection refused at …".
    pub fn unreachable(&self) -> Option<String> {
        if let Some(line) = &self.preflight {
            return Some(format!("{line} — no case was started"));
        }
        // Blocked cases sent nothing: they follow from the cases that did.
        let ran: Vec<&CaseResult> = self.cases().filter(|c| c.outcome != Outcome::Skipped && !matches!(c.error_kind, Some(ErrorKind::Blocked | ErrorKind::NotRun))).collect();
        if ran.is_empty() || !ran.iter().all(|c| c.error_kind == Some(ErrorKind::Transport)) {
            return None;
        }
        let first = ran.iter().flat_map(|c| c.transcript.first()).find_map(|x| x.error.clone())?;
        Some(format!("target unreachable: {first} (every one of {} cases that ran got no answer)", ran.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A finished case with nothing but an id, an outcome and a level, and the suite's own text.
    fn case(id: &str, outcome: Outcome, level: Level) -> CaseResult {
        CaseResult {
            endpoint: "token".into(),
            title: format!("title of {id}"),
            rule: "the server MUST refuse it".into(),
            refs: vec!["RFC 6749 §5.2".into()],
            outcome,
            ..CaseResult::unstarted(id.into(), "p".into(), level)
        }
    }

    #[test]
    fn an_unstarted_case_is_skipped_with_nothing_observed() {
        let c = CaseResult::unstarted("a/b".into(), "p".into(), Level::Should);
        assert_eq!((c.id.as_str(), c.profile.as_str(), c.level, c.outcome), ("a/b", "p", Level::Should, Outcome::Skipped));
        assert!(c.checks.is_empty() && c.transcript.is_empty() && c.error_kind.is_none() && c.baseline.is_none());
        assert!(!c.breaks_gate(true));
    }

    fn refused(id: &str, d: Diagnosis, why: &str) -> CaseResult {
        CaseResult { diagnosis: Some(d), refused: Some(why.into()), ..case(id, Outcome::Failed, Level::Must) }
    }

    fn run(cases: Vec<CaseResult>, strict: bool) -> RunResult {
        RunResult {
            runs: vec![ProfileRun { profile: "p".into(), target: "t".into(), cases }],
            strict,
            duration_ms: 0,
            interrupted: None,
            insecure: false,
            filtered_out: 0,
            preflight: None,
            stopped: None,
            notes: Vec::new(),
        }
    }

    fn expected() -> Option<BaselineMark> {
        Some(BaselineMark::Expected { reason: "known".into() })
    }

    fn fixed() -> Option<BaselineMark> {
        Some(BaselineMark::Fixed { reason: "known".into() })
    }

    #[rstest]
    #[case::must_failure(Outcome::Failed, Level::Must, None, None, false, true)]
    #[case::must_error(Outcome::Error, Level::Must, None, None, false, true)]
    #[case::should_failure_lenient(Outcome::Failed, Level::Should, None, None, false, false)]
    #[case::should_failure_strict(Outcome::Failed, Level::Should, None, None, true, true)]
    #[case::may_failure_strict(Outcome::Failed, Level::May, None, None, true, false)]
    #[case::expected_must_failure(Outcome::Failed, Level::Must, None, expected(), true, false)]
    #[case::expected_should_warning(Outcome::Warning, Level::Must, Some(Level::Should), expected(), true, false)]
    #[case::should_warning_lenient(Outcome::Warning, Level::Must, Some(Level::Should), None, false, false)]
    #[case::should_warning_strict(Outcome::Warning, Level::Must, Some(Level::Should), None, true, true)]
    #[case::may_warning_strict(Outcome::Warning, Level::Must, Some(Level::May), None, true, false)]
    #[case::fixed_lenient(Outcome::Passed, Level::Must, None, fixed(), false, false)]
    #[case::fixed_strict(Outcome::Passed, Level::Must, None, fixed(), true, true)]
    #[case::passed(Outcome::Passed, Level::Must, None, None, true, false)]
    #[case::skipped(Outcome::Skipped, Level::Must, None, None, true, false)]
    fn breaks_gate_follows_level_baseline_and_strictness(
        #[case] outcome: Outcome,
        #[case] level: Level,
        #[case] warning_level: Option<Level>,
        #[case] baseline: Option<BaselineMark>,
        #[case] strict: bool,
        #[case] breaks: bool,
    ) {
        let c = CaseResult { warning_level, baseline, ..case("c", outcome, level) };
        assert_eq!(c.breaks_gate(strict), breaks);
    }

    #[rstest]
    #[case::advice(Outcome::Advice)]
    #[case::errored(Outcome::Error)]
    #[case::failed(Outcome::Failed)]
    fn a_duty_of_the_client_never_breaks_the_gate_even_strict(#[case] outcome: Outcome) {
        let c = CaseResult { duty: Duty::Client, ..case("c", outcome, Level::Must) };
        assert!(!c.breaks_gate(true));
        assert!(CaseResult { duty: Duty::Server, ..c }.breaks_gate(true) || outcome == Outcome::Advice);
    }

    #[test]
    fn a_warning_is_shown_at_its_graded_level_anything_else_at_the_cases() {
        let warning = CaseResult { warning_level: Some(Level::May), ..case("w", Outcome::Warning, Level::Must) };
        assert_eq!(warning.shown_level(), Level::May);
        let failed = CaseResult { warning_level: Some(Level::May), ..case("f", Outcome::Failed, Level::Should) };
        assert_eq!(failed.shown_level(), Level::Should);
    }

    #[test]
    fn the_diagnosis_line_names_the_advice_the_case_and_why() {
        let first_use = CaseResult { outcome: Outcome::Error, error_kind: Some(ErrorKind::Misconfigured), ..refused("auth-01", Diagnosis::ClientCredentials, "401 invalid_client") };
        let line = first_use.diagnosis_line().unwrap();
        insta::assert_snapshot!(line, @"diagnosis: the server refused the client's own credentials: check [client] id/secret in the target file (auth-01 was refused: 401 invalid_client)");
    }

    #[test]
    fn no_diagnosis_line_when_passed_blocked_or_without_a_refusal() {
        let passed = CaseResult { outcome: Outcome::Passed, ..refused("a", Diagnosis::Login, "x") };
        assert_eq!(passed.diagnosis_line(), None);
        let blocked = CaseResult { outcome: Outcome::Error, error_kind: Some(ErrorKind::Blocked), ..refused("b", Diagnosis::Login, "x") };
        assert!(blocked.blocked());
        assert_eq!(blocked.diagnosis_line(), None);
        let no_why = CaseResult { refused: None, ..refused("c", Diagnosis::Login, "x") };
        assert_eq!(no_why.diagnosis_line(), None);
        let errored = CaseResult { outcome: Outcome::Error, ..refused("d", Diagnosis::RedirectUri, "bad redirect") };
        assert!(errored.diagnosis_line().unwrap().contains("(d was refused: bad redirect)"));
    }

    #[test]
    fn a_misconfigured_anchor_says_so_once_with_what_to_check() {
        let anchor = CaseResult { error_kind: Some(ErrorKind::Misconfigured), diagnosis: Some(Diagnosis::ClientCredentials), ..case("token-cc/valid", Outcome::Error, Level::Must) };
        let fine = run(vec![case("a", Outcome::Failed, Level::Must)], false);
        assert_eq!(fine.misconfigured(), None, "a failure is the server's, not the target file's");
        let bad = run(vec![anchor], false);
        let line = bad.misconfigured().unwrap();
        assert!(line.starts_with("target misconfigured: ") && line.contains("check [client] id/secret") && line.contains("token-cc/valid"), "{line}");
    }

    #[test]
    fn summary_counts_each_outcome_and_the_kinds_of_error() {
        let cases = vec![
            case("p1", Outcome::Passed, Level::Must),
            case("p2", Outcome::Passed, Level::Must),
            case("w", Outcome::Warning, Level::Must),
            CaseResult { baseline: expected(), ..case("f", Outcome::Failed, Level::Must) },
            CaseResult { error_kind: Some(ErrorKind::Blocked), ..case("b", Outcome::Error, Level::Must) },
            CaseResult { error_kind: Some(ErrorKind::NotRun), ..case("n", Outcome::Error, Level::Must) },
            CaseResult { error_kind: Some(ErrorKind::Transport), ..case("t", Outcome::Error, Level::Must) },
            case("s", Outcome::Skipped, Level::May),
            CaseResult { duty: Duty::Client, ..case("a", Outcome::Advice, Level::Must) },
        ];
        let s = Summary::of(&cases);
        assert_eq!(
            s,
            Summary { total: 9, passed: 2, warning: 1, failed: 1, error: 3, blocked: 1, not_run: 1, skipped: 1, advice: 1, expected: 1 }
        );
    }

    #[test]
    fn the_gate_fails_on_a_should_failure_only_when_strict_and_always_when_interrupted() {
        let cases = vec![case("ok", Outcome::Passed, Level::Must), case("s", Outcome::Failed, Level::Should)];
        assert!(run(cases.clone(), false).gate_passed());
        assert!(!run(cases.clone(), true).gate_passed());
        let interrupted = RunResult { interrupted: Some("SIGINT"), ..run(vec![case("ok", Outcome::Passed, Level::Must)], false) };
        assert!(!interrupted.gate_passed());
    }

    #[test]
    fn diagnoses_are_one_line_per_distinct_problem() {
        let r = run(
            vec![
                CaseResult { outcome: Outcome::Error, error_kind: Some(ErrorKind::Misconfigured), ..refused("a", Diagnosis::ClientCredentials, "401") },
                CaseResult { outcome: Outcome::Error, error_kind: Some(ErrorKind::Misconfigured), ..refused("b", Diagnosis::ClientCredentials, "401 again") },
                refused("c", Diagnosis::RedirectUri, "invalid_request"),
            ],
            false,
        );
        let lines = r.diagnoses();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].ends_with("(a was refused: 401)"), "{}", lines[0]);
        assert!(lines[1].contains("redirect_uri") && lines[1].ends_with("(c was refused: invalid_request)"), "{}", lines[1]);
    }

    /// A 401 on one odd request, while the same client authenticated before it (the case was not
    /// the first to present the credentials), names no cause in the target file.
    #[test]
    fn a_refusal_of_the_clients_credentials_is_a_diagnosis_only_at_their_first_use() {
        let odd = refused("introspect/x", Diagnosis::ClientCredentials, "answered 401 invalid_client");
        assert_eq!(odd.diagnosis_line(), None);
        assert!(run(vec![odd], false).diagnoses().is_empty());
    }

    #[test]
    fn unreachable_only_when_every_case_that_ran_got_no_answer() {
        let no_answer = |id: &str| {
            let mut c = CaseResult { error_kind: Some(ErrorKind::Transport), ..case(id, Outcome::Error, Level::Must) };
            c.transcript.push(ExchangeRecord {
                step: "main".into(),
                method: "POST".into(),
                url: "http://127.0.0.1:9/token".into(),
                request_headers: Vec::new(),
                request_body: None,
                status: None,
                response_headers: Vec::new(),
                response_body: None,
                error: Some("connection refused at 127.0.0.1:9".into()),
                elapsed_ms: 1,
            });
            c
        };
        let blocked = CaseResult { error_kind: Some(ErrorKind::Blocked), ..case("b", Outcome::Error, Level::Must) };
        let r = run(vec![no_answer("a"), no_answer("c"), blocked, case("s", Outcome::Skipped, Level::Must)], false);
        assert_eq!(
            r.unreachable().as_deref(),
            Some("target unreachable: connection refused at 127.0.0.1:9 (every one of 2 cases that ran got no answer)")
        );
        let answered = run(vec![no_answer("a"), case("p", Outcome::Passed, Level::Must)], false);
        assert_eq!(answered.unreachable(), None);
        let preflight = RunResult { preflight: Some("nothing listens".into()), ..run(Vec::new(), false) };
        assert_eq!(preflight.unreachable().as_deref(), Some("nothing listens — no case was started"));
    }

    #[test]
    fn outcome_names_match_their_serde_form() {
        for o in [Outcome::Passed, Outcome::Warning, Outcome::Failed, Outcome::Error, Outcome::Skipped] {
            assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!(o.as_str()));
        }
    }
}
