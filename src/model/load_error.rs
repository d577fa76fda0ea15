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

impl LoadError {
    /// A suite file (or folder) that could not be read: the whole file is at fault, line 1.
    pub fn io(file: &str, e: &std::io::Error) -> Self {
        LoadError { file: file.to_string(), line: 1, message: e.to_string() }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Table {
        name: String,
        count: u32,
        #[serde(rename = "clé", default)]
        cle: u32,
    }

    fn load(text: &str) -> LoadError {
        let err = toml::from_str::<Table>(text).expect_err("the text is refused");
        toml_error("cases/x.toml", text, &err)
    }

    #[rstest]
    #[case::empty_text("", 0, 1)]
    #[case::first_line("abc\ndef", 2, 1)]
    #[case::the_newline_itself_is_on_its_line("abc\ndef", 3, 1)]
    #[case::just_after_a_newline("abc\ndef", 4, 2)]
    #[case::third_line("a\nb\nc", 4, 3)]
    #[case::past_the_end_is_the_last_line("a\nb\n", 99, 3)]
    fn line_of_counts_newlines_before_the_offset(#[case] text: &str, #[case] pos: usize, #[case] line: usize) {
        assert_eq!(line_of(text, pos), line);
    }

    #[test]
    fn a_type_error_names_its_field_and_its_line() {
        let e = load("name = \"a\"\ncount = \"three\"\n");
        assert_eq!((e.file.as_str(), e.line), ("cases/x.toml", 2));
        assert!(e.message.starts_with("field `count`: invalid type: string \"three\""), "{}", e.message);
        assert!(!e.message.contains('\n'), "one line: {}", e.message);
    }

    #[test]
    fn a_quoted_non_ascii_key_is_named_whole() {
        let e = load("name = \"a\"\ncount = 1\n\"clé\" = \"x\"\n");
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("field `clé`: "), "{}", e.message);
    }

    #[test]
    fn unknown_and_missing_fields_already_name_theirs_and_get_no_prefix() {
        let unknown = load("name = \"a\"\ncount = 1\ncolour = 2\n");
        assert!(unknown.message.starts_with("unknown field `colour`"), "{}", unknown.message);
        assert_eq!(unknown.line, 3);
        let missing = load("name = \"a\"\n");
        assert!(missing.message.starts_with("missing field `count`"), "{}", missing.message);
    }

    #[test]
    fn a_load_error_displays_like_a_compiler_error() {
        let e = LoadError { file: "target.toml".into(), line: 7, message: "field `x`: bad".into() };
        assert_eq!(e.to_string(), "target.toml:7: field `x`: bad");
    }

    #[rstest]
    #[case::not_found(std::io::ErrorKind::NotFound.into(), "no such file")]
    #[case::permission(std::io::ErrorKind::PermissionDenied.into(), "permission denied")]
    #[case::directory(std::io::ErrorKind::IsADirectory.into(), "is a directory, not a file")]
    #[case::not_utf8(std::io::ErrorKind::InvalidData.into(), "not UTF-8 text")]
    #[case::os_error_number_dropped(std::io::Error::from_raw_os_error(28), "No space left on device")]
    #[case::other_text_kept(std::io::Error::other("disk on fire"), "disk on fire")]
    fn io_message_says_what_happened_without_the_os_error_number(#[case] err: std::io::Error, #[case] message: &str) {
        assert_eq!(io_message(&err), message);
    }
}
