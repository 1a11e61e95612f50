//! Quoting for the generated bash scripts.

/// `s` as one bash word: single-quoted, with embedded single quotes escaped.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::sh_quote;

    #[test]
    fn quotes() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("!600"), "'!600'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
