//! `${VAR}` in target-file values, so secrets stay out of files. What enters: one spanned string
//! from the file and a way to read the environment. What leaves: the expanded value (or URL), or
//! a `LoadError` naming the file, the line and the field.
use url::Url;

use super::raw::Text;
use crate::model::load_error::{LoadError, line_of};

/// Expands and checks values of one target file; every refusal points at the value's line.
pub(crate) struct Expander<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Expander<'_> {
    /// A refusal about `field`, at the line of byte offset `pos`.
    pub fn err(&self, pos: usize, field: &str, message: String) -> LoadError {
        LoadError { file: self.file.to_string(), line: line_of(self.text, pos), message: format!("field `{field}`: {message}") }
    }

    /// The value with `${VAR}` replaced from the environment. There is no escape and no
    /// default: a `$` not followed by `{` stays as written, `${A:-b}` is refused.
    pub fn value(&self, t: &Text, field: &str) -> Result<String, LoadError> {
        let s = t.get_ref();
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after.find('}').ok_or_else(|| self.err(t.span().start, field, "unclosed `${`".into()))?;
            let var = &after[..end];
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.err(t.span().start, field, format!("`${{{var}}}` is not an environment variable name")));
            }
            let v = (self.env)(var).ok_or_else(|| self.err(t.span().start, field, format!("environment variable {var} is not set")))?;
            out.push_str(&v);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if out.is_empty() {
            return Err(self.err(t.span().start, field, "must not be empty".into()));
        }
        Ok(out)
    }

    /// The expanded value as an absolute http(s) URL.
    pub fn url(&self, t: &Text, field: &str) -> Result<Url, LoadError> {
        let v = self.value(t, field)?;
        let u = Url::parse(&v).map_err(|e| self.err(t.span().start, field, format!("`{v}` is not an absolute URL: {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(self.err(t.span().start, field, format!("`{v}` must be an http or https URL")));
        }
        Ok(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use toml::Spanned;

    /// The value stands on line 2 of the pretend file.
    const TEXT: &str = "[client]\nid = \"...\"\n";

    fn env(var: &str) -> Option<String> {
        match var {
            "ID" => Some("abc".into()),
            "HOST" => Some("as.example".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn expand(value: &str) -> Result<String, String> {
        let x = Expander { file: "t.toml", text: TEXT, env: &env };
        x.value(&Spanned::new(14..19, value.to_string()), "client.id").map_err(|e| e.to_string())
    }

    #[rstest]
    #[case::plain("client-1", "client-1")]
    #[case::whole("${ID}", "abc")]
    #[case::inside_and_twice("x-${ID}-${ID}", "x-abc-abc")]
    #[case::dollar_without_brace_stays("$ID and $", "$ID and $")]
    #[case::no_escape_double_dollar("$${ID}", "$abc")]
    #[case::empty_var_beside_text("a${EMPTY}", "a")]
    fn a_set_variable_is_replaced_and_other_text_kept(#[case] value: &str, #[case] expanded: &str) {
        assert_eq!(expand(value).as_deref(), Ok(expanded));
    }

    #[rstest]
    #[case::unset("${NOPE}", "t.toml:2: field `client.id`: environment variable NOPE is not set")]
    #[case::no_default_syntax("${NOPE:-x}", "t.toml:2: field `client.id`: `${NOPE:-x}` is not an environment variable name")]
    #[case::empty_name("${}", "t.toml:2: field `client.id`: `${}` is not an environment variable name")]
    #[case::unclosed("${ID", "t.toml:2: field `client.id`: unclosed `${`")]
    #[case::expands_to_nothing("${EMPTY}", "t.toml:2: field `client.id`: must not be empty")]
    #[case::empty("", "t.toml:2: field `client.id`: must not be empty")]
    fn a_variable_that_cannot_be_expanded_is_refused_at_its_line(#[case] value: &str, #[case] message: &str) {
        assert_eq!(expand(value), Err(message.to_string()));
    }

    #[rstest]
    #[case::expanded_host("https://${HOST}/", Ok("https://as.example/".to_string()))]
    #[case::not_http("file:///etc/passwd", Err("t.toml:2: field `base_url`: `file:///etc/passwd` must be an http or https URL".to_string()))]
    #[case::relative("as.example", Err("t.toml:2: field `base_url`: `as.example` is not an absolute URL: relative URL without a base".to_string()))]
    fn a_url_value_must_be_absolute_http(#[case] value: &str, #[case] expected: Result<String, String>) {
        let x = Expander { file: "t.toml", text: TEXT, env: &env };
        let got = x.url(&Spanned::new(14..19, value.to_string()), "base_url").map(|u| u.to_string()).map_err(|e| e.to_string());
        assert_eq!(got, expected);
    }
}
