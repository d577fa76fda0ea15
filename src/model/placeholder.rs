//! `{name}` placeholders in case tables: `{client_id}`, `{code}`, `{first.access_token}`.
//! A brace that does not open a well-formed name is literal text, so JSON bodies need no escaping.

/// The placeholder names in `text`, in order.
pub fn names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    scan(text, |piece| {
        if let Piece::Name(n) = piece {
            out.push(n)
        }
    });
    out
}

/// A placeholder the run has no value for (the first one met in the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no value for placeholder {{{0}}}")]
pub struct MissingValue(pub String);

/// `text` with every placeholder replaced by `lookup(name)`; the first unknown name is the error.
pub fn expand(text: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> Result<String, MissingValue> {
    let mut out = String::with_capacity(text.len());
    let mut missing = None;
    scan(text, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Name(n) => match lookup(n) {
            Some(v) => out.push_str(&v),
            None => {
                if missing.is_none() {
                    missing = Some(n.to_string())
                }
            }
        },
    });
    match missing {
        Some(n) => Err(MissingValue(n)),
        None => Ok(out),
    }
}

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

fn scan<'a>(text: &'a str, mut emit: impl FnMut(Piece<'a>)) {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                if open > 0 {
                    emit(Piece::Text(&rest[..open]));
                }
                emit(Piece::Name(&after[..close]));
                rest = &after[close + 1..];
            }
            _ => {
                emit(Piece::Text(&rest[..open + 1]));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        emit(Piece::Text(rest));
    }
}

/// `[a-z][a-z0-9_]*`, followed by at most two more such words after `.`: a step's member
/// (`{tok.access_token}`), or a claim of a JWT member (`{tok.id_token.sub}`).
fn is_name(s: &str) -> bool {
    let word = |w: &str| {
        let mut cs = w.chars();
        matches!(cs.next(), Some('a'..='z')) && cs.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    };
    s.split('.').count() <= 3 && s.split('.').all(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// The lookup the tables use: `a` → "1", `b` → "2", `first.access_token` → "AT"; all else unknown.
    fn known(name: &str) -> Option<String> {
        match name {
            "a" => Some("1".into()),
            "b" => Some("2".into()),
            "first.access_token" => Some("AT".into()),
            _ => None,
        }
    }

    #[rstest]
    #[case::plain_text("no placeholders here", &[])]
    #[case::unclosed_brace("{unclosed", &[])]
    #[case::unclosed_after_a_name("{a} and {b", &["a"])]
    #[case::empty_braces("{}", &[])]
    #[case::upper_case("{Name}", &[])]
    #[case::leading_digit("{1st}", &[])]
    #[case::inner_space("{ a }", &[])]
    #[case::a_claim_of_a_member("{tok.id_token.sub}", &["tok.id_token.sub"])]
    #[case::three_dots("{a.b.c.d}", &[])]
    #[case::empty_word("{a..b}", &[])]
    #[case::trailing_dot("{a.}", &[])]
    #[case::digits_and_underscores("{client_2_id}", &["client_2_id"])]
    #[case::doubled_braces_hold_a_name("{{a}}", &["a"])]
    #[case::a_brace_inside_a_name("{x{b}", &["b"])]
    #[case::multibyte_neighbours("é{a}ü{b}", &["a", "b"])]
    #[case::repeated("{a}{a}", &["a", "a"])]
    fn names_finds_only_well_formed_placeholders(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(names(text), expected);
    }

    #[rstest]
    #[case::unclosed_brace_stays("{unclosed {a}", "{unclosed 1")]
    #[case::doubled_braces_keep_the_outer_pair("{{a}}", "{1}")]
    #[case::a_brace_inside_a_name("{x{b}", "{x2")]
    #[case::dotted("Bearer {first.access_token}", "Bearer AT")]
    #[case::adjacent("{a}{b}{a}", "121")]
    #[case::multibyte_neighbours("é{a}ü", "é1ü")]
    #[case::upper_case_is_literal("{A}", "{A}")]
    #[case::empty_text("", "")]
    fn expand_replaces_names_and_keeps_every_other_brace(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(expand(text, known).as_deref(), Ok(expected));
    }

    #[rstest]
    #[case::unknown("{nope}", "nope")]
    #[case::the_first_of_two_unknown("{x} {y}", "x")]
    #[case::after_a_known_one("{a}-{first.refresh_token}", "first.refresh_token")]
    fn expand_names_the_first_unknown_placeholder(#[case] text: &str, #[case] missing: &str) {
        assert_eq!(expand(text, known), Err(MissingValue(missing.to_string())));
    }

    #[test]
    fn a_value_is_inserted_as_is_and_never_expanded_again() {
        assert_eq!(expand("{a}", |_| Some("{b}".into())).as_deref(), Ok("{b}"));
    }

    #[test]
    fn json_braces_are_literal() {
        let t = r#"{"grant_type": "x", "scope": "{scope}"}"#;
        assert_eq!(names(t), vec!["scope"]);
        assert_eq!(expand(t, |_| Some("a b".into())).unwrap(), r#"{"grant_type": "x", "scope": "a b"}"#);
    }

    #[test]
    fn dotted_and_missing() {
        assert_eq!(names("{first.access_token}-{x}"), vec!["first.access_token", "x"]);
        let err = expand("{a}{b}", |n| (n == "a").then(|| "1".into())).unwrap_err();
        assert_eq!(err, MissingValue("b".to_string()));
        assert_eq!(err.to_string(), "no value for placeholder {b}");
    }
}
