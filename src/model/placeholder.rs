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

/// `text` with every placeholder replaced by `lookup(name)`; the first unknown name is the error.
pub fn expand(text: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> Result<String, String> {
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
        Some(n) => Err(n),
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

/// `[a-z][a-z0-9_]*`, optionally followed by `.` and another such word.
fn is_name(s: &str) -> bool {
    let word = |w: &str| {
        let mut cs = w.chars();
        matches!(cs.next(), Some('a'..='z')) && cs.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    };
    match s.split_once('.') {
        Some((a, b)) => word(a) && word(b),
        None => word(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_braces_are_literal() {
        let t = r#"{"grant_type": "x", "scope": "{scope}"}"#;
        assert_eq!(names(t), vec!["scope"]);
        assert_eq!(expand(t, |_| Some("a b".into())).unwrap(), r#"{"grant_type": "x", "scope": "a b"}"#);
    }

    #[test]
    fn dotted_and_missing() {
        assert_eq!(names("{first.access_token}-{x}"), vec!["first.access_token", "x"]);
        assert_eq!(expand("{a}{b}", |n| (n == "a").then(|| "1".into())), Err("b".to_string()));
    }
}
