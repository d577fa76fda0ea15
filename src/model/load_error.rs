//! Refusals to load a file a person wrote (case table, profile, target, baseline), addressed like
//! a compiler error: `file:line: message`. Every loader reports through these.

/// A refusal to load a suite file, addressed like a compiler error.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{file}:{line}: {message}")]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// An I/O error in words, once: "no such file", "permission denied", … (not "… (os error 2)").
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory, not a file".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => {
            let text = e.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_string()
        }
    }
}

/// The 1-based line of byte offset `pos` in `text`.
pub fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A `toml` deserialisation error as one `file:line: message` line.
pub fn toml_error(file: &str, text: &str, err: &toml::de::Error) -> LoadError {
    let line = err.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    let mut message = err.message().trim().replace('\n', " ");
    // serde's type errors do not name the field; the key is just before the value's span.
    if !message.starts_with("unknown field") && !message.starts_with("missing field")
        && let Some(key) = err.span().and_then(|s| key_before(text, s.start)) {
            message = format!("field `{key}`: {message}");
        }
    LoadError { file: file.to_string(), line, message }
}

/// The key of `key = value` when `pos` is where the value starts.
fn key_before(text: &str, pos: usize) -> Option<String> {
    let before = text.get(..pos)?.trim_end();
    let before = before.strip_suffix('=')?.trim_end();
    // The char's own width, not 1: a non-ASCII key character must not split a UTF-8 sequence.
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.' || *c == '"'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let key = before[start..].trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}
