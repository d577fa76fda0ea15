//! A case's exchanges as plain text. Enters: one `CaseResult` (already redacted); leaves: its
//! requests and answers, the login command's stderr and the curl replay, as the JUnit
//! `system-out` and the HTML report's folded transcript show them.
use std::fmt::Write;

use crate::model::result::{CaseResult, ExchangeRecord};

/// A case's requests and answers as plain text (already redacted), with the curl replay.
pub fn transcript_text(c: &CaseResult) -> String {
    let mut out = String::new();
    for x in &c.transcript {
        exchange(&mut out, x);
    }
    for l in &c.login_log {
        let _ = writeln!(out, "[{}] the login command's stderr:", l.step);
        for line in l.text.lines() {
            let _ = writeln!(out, "! {line}");
        }
        out.push('\n');
    }
    if let Some(curl) = &c.curl {
        let _ = writeln!(out, "replay: {curl}");
    }
    out
}

/// One request (`>` lines) and its answer (`<` lines), then a blank line.
fn exchange(out: &mut String, x: &ExchangeRecord) {
    let _ = writeln!(out, "[{}] {} {}", x.step, x.method, x.url);
    for (k, v) in &x.request_headers {
        let _ = writeln!(out, "> {k}: {v}");
    }
    if let Some(b) = &x.request_body {
        let _ = writeln!(out, ">\n> {b}");
    }
    match (x.status, &x.error) {
        (Some(s), _) => {
            let _ = writeln!(out, "< {s} ({} ms)", x.elapsed_ms);
        }
        (None, Some(e)) => {
            let _ = writeln!(out, "< no answer: {e} ({} ms)", x.elapsed_ms);
        }
        (None, None) => {}
    }
    for (k, v) in &x.response_headers {
        let _ = writeln!(out, "< {k}: {v}");
    }
    if let Some(b) = &x.response_body {
        let _ = writeln!(out, "<\n< {b}");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::result::{LoginLog, Outcome};
    use crate::report::sample;

    #[test]
    fn a_transcript_shows_requests_answers_login_stderr_and_the_replay() {
        let mut c = sample::case("token-cc/valid", Outcome::Failed);
        c.transcript = vec![sample::exchange("main", Some(400), None), sample::exchange("after 1 (introspect)", None, Some("connection refused"))];
        c.login_log = vec![LoginLog { step: "main".into(), text: "opening the page\nno form".into() }];
        c.curl = Some("curl -X POST http://127.0.0.1:1/token".into());
        insta::assert_snapshot!(transcript_text(&c));
    }

    #[test]
    fn a_case_without_exchanges_has_an_empty_transcript() {
        assert_eq!(transcript_text(&sample::case("a/b", Outcome::Skipped)), "");
    }
}
