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
