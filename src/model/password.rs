//! The login password in reports: redacted where it stands as a password — the value of a field
//! named for one (`pass`, `pwd`, or the target's `login.password_field`) in a form, a query or a
//! JSON body — and not wherever the same text appears: a test user whose password equals the
//! username keeps every `sub` and e-mail readable.
use std::sync::OnceLock;

use regex_lite::Regex;

/// The password's places, as patterns, and its marker.
#[derive(Debug)]
pub struct PasswordRule {
    /// The two patterns' sources: `name=value` in a form or a query (value form-encoded), the
    /// field named for a password; `"name": "value"` in JSON (value JSON-escaped), the member
    /// named for a password.
    sources: [String; 2],
    /// The patterns, compiled the first time a text holds the value: every case registers the
    /// rule and most never meet the password (compiling both was 3% of the selftest's CPU).
    patterns: OnceLock<Option<[Regex; 2]>>,
    marker: String,
    /// The value as the two patterns hold it, lower-cased: a text holding neither skips the
    /// patterns (their search is the slow part of writing a report).
    needles: [String; 2],
}

impl PasswordRule {
    /// The rule for `password`; `field` is the target's own name for the input, if it gives one.
    pub fn new(password: &str, field: Option<&str>, marker: String) -> Option<PasswordRule> {
        let names = match field {
            Some(f) => format!("(?:pass|pwd|{})", regex_lite::escape(f)),
            None => "(?:pass|pwd)".to_string(),
        };
        let form_value: String = url::form_urlencoded::byte_serialize(password.as_bytes()).collect();
        let json_value = serde_json::to_string(password).ok()?;
        let json_value = json_value.trim_matches('"');
        let form = format!(r"(?i)((?:^|[?&\s])[^=&\s?]*{names}[^=&\s]*=){}(&|\s|$)", regex_lite::escape(&form_value));
        let json = format!(r#"(?i)("[^"]*{names}[^"]*"\s*:\s*"){}(")"#, regex_lite::escape(json_value));
        let needles = [form_value.to_ascii_lowercase(), json_value.to_ascii_lowercase()];
        Some(PasswordRule { sources: [form, json], patterns: OnceLock::new(), marker, needles })
    }

    /// `text` with the password replaced where it stands as one.
    pub fn apply(&self, text: &str) -> String {
        let lower = text.to_ascii_lowercase();
        if !self.needles.iter().any(|n| lower.contains(n.as_str())) {
            return text.to_string();
        }
        let patterns = self.patterns.get_or_init(|| {
            let [form, json] = &self.sources;
            Some([Regex::new(form).ok()?, Regex::new(json).ok()?])
        });
        // Both sources are escaped literals inside fixed patterns: they always compile. Were one
        // not to, the whole text gives way to the marker rather than keep the password in clear.
        let Some([form, json]) = patterns else { return self.marker.clone() };
        let replacement = format!("${{1}}{}${{2}}", self.marker);
        let once = form.replace_all(text, replacement.as_str());
        json.replace_all(&once, replacement.as_str()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn rule(password: &str, field: Option<&str>) -> PasswordRule {
        PasswordRule::new(password, field, "‹password›".into()).unwrap()
    }

    #[rstest]
    #[case::form("txn=1&username=alice&password=alice", "txn=1&username=alice&password=‹password›")]
    #[case::form_first("password=alice&x=1", "password=‹password›&x=1")]
    #[case::query("https://as.test/login?user=alice&passwd=alice", "https://as.test/login?user=alice&passwd=‹password›")]
    #[case::json(r#"{"username":"alice","password": "alice"}"#, r#"{"username":"alice","password": "‹password›"}"#)]
    #[case::json_named_otherwise(r#"{"userPwd":"alice"}"#, r#"{"userPwd":"‹password›"}"#)]
    #[case::sub_kept(r#"{"sub":"alice","email":"alice@example.test"}"#, r#"{"sub":"alice","email":"alice@example.test"}"#)]
    #[case::free_text_kept("signed in as alice", "signed in as alice")]
    #[case::longer_value_kept("password=alice2", "password=alice2")]
    fn the_password_is_redacted_where_it_stands_as_a_password(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(rule("alice", None).apply(text), expected);
    }

    #[test]
    fn the_targets_own_field_name_and_encodings_count() {
        let r = rule("p a+ss\"w", Some("secretWord"));
        assert_eq!(r.apply("secretWord=p+a%2Bss%22w&go=1"), "secretWord=‹password›&go=1");
        assert_eq!(r.apply(r#"{"secretWord":"p a+ss\"w"}"#), r#"{"secretWord":"‹password›"}"#);
    }
}
