//! Counted nouns in messages: "1 case", "2 cases", "1 entry", "3 entries".

/// `n` and the noun for it: `one` for exactly one, `many` otherwise.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` cases.
pub fn cases(n: usize) -> String {
    count(n, "case", "cases")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(cases(1), "1 case");
        assert_eq!(cases(0), "0 cases");
        assert_eq!(cases(2), "2 cases");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(3, "entry", "entries"), "3 entries");
    }
}
