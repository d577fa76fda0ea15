//! Whether the target looks like it serves another profile: when most of the paths the profile
//! documents answer 404, the verdicts are about a wrong `profile` or wrong `[endpoints]`, not
//! about the server. Enters: a profile run's transcripts; leaves: one note, or none.
use std::collections::BTreeMap;

use super::result::ProfileRun;

/// Distinct paths the run must have reached before their 404s say anything.
const MIN_PATHS: usize = 2;

impl ProfileRun {
    /// "…: most of the paths the profile documents answered 404 …" when at least two thirds of the
    /// distinct paths the run reached answered nothing but 404.
    pub fn profile_fit_note(&self) -> Option<String> {
        // Path → whether every answer there was a 404.
        let mut paths: BTreeMap<String, bool> = BTreeMap::new();
        for x in self.cases.iter().flat_map(|c| &c.transcript) {
            let (Some(status), Ok(url)) = (x.status, url::Url::parse(&x.url)) else { continue };
            let all_404 = paths.entry(url.path().to_string()).or_insert(true);
            *all_404 &= status == 404;
        }
        let missing: Vec<&String> = paths.iter().filter(|(_, all)| **all).map(|(p, _)| p).collect();
        if paths.len() < MIN_PATHS || missing.len() * 3 < paths.len() * 2 {
            return None;
        }
        let shown: Vec<&str> = missing.iter().take(4).map(|p| p.as_str()).collect();
        let more = if missing.len() > shown.len() { ", …" } else { "" };
        Some(format!(
            "profile: {} of the {} paths the {} profile reached answered only 404 ({}{more}): is the target for another profile? Check `profile` and [endpoints] in the target file",
            missing.len(),
            paths.len(),
            self.profile,
            shown.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::level::Level;
    use super::super::result::{CaseResult, ExchangeRecord, ProfileRun};

    fn run(answers: &[(&str, u16)]) -> ProfileRun {
        let transcript = answers
            .iter()
            .map(|(path, status)| ExchangeRecord {
                step: "main".into(),
                method: "POST".into(),
                url: format!("http://127.0.0.1:1{path}?x=1"),
                status: Some(*status),
                ..ExchangeRecord::default()
            })
            .collect();
        let case = CaseResult { transcript, ..CaseResult::unstarted("a/b".into(), "citi-pl".into(), Level::Must) };
        ProfileRun { profile: "citi-pl".into(), target: "t".into(), cases: vec![case] }
    }

    #[test]
    fn most_paths_answering_404_say_the_target_may_serve_another_profile() {
        let note = run(&[("/token", 404), ("/authorize", 404), ("/revoke", 404), ("/api/me", 401)]).profile_fit_note().unwrap();
        assert_eq!(note, "profile: 3 of the 4 paths the citi-pl profile reached answered only 404 (/authorize, /revoke, /token): is the target for another profile? Check `profile` and [endpoints] in the target file");
    }

    #[test]
    fn a_few_404s_or_a_path_that_answered_otherwise_once_say_nothing() {
        assert_eq!(run(&[("/token", 404), ("/authorize", 302), ("/revoke", 200), ("/api/me", 401)]).profile_fit_note(), None);
        assert_eq!(run(&[("/token", 404), ("/token", 200), ("/authorize", 404), ("/revoke", 200)]).profile_fit_note(), None);
        assert_eq!(run(&[("/token", 404)]).profile_fit_note(), None, "one path is too few to tell");
    }
}
