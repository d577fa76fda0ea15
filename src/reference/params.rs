//! Request parameters as the reference server reads them: repeated parameters are remembered
//! (RFC 6749 §3.1, §3.2 forbid them), empty values count as absent (RFC 6749 §3.1).
use axum::http::HeaderMap;

use super::oauth_error::OAuthError;

#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &[u8]) -> Params {
        Params(url::form_urlencoded::parse(raw).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The value of `name`, if present and non-empty (the first, when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    pub fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == name).count()
    }

    /// Every non-empty value of `name`, in order.
    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
    }

    /// The first parameter that appears more than once.
    pub fn repeated(&self) -> Option<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).find(|k| self.count(k) > 1)
    }
}

/// A token-endpoint body: must be a form (RFC 6749 §3.2) without repeated parameters.
pub fn form(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let p = form_allowing_repeats(headers, body)?;
    if let Some(k) = p.repeated() {
        return Err(OAuthError::bad_request("invalid_request", format!("parameter {} is repeated", ascii(k))));
    }
    Ok(p)
}

/// Text from a request, made safe for an error_description (RFC 6749 §5.2 character set).
pub fn ascii(s: &str) -> String {
    s.chars().take(64).map(|c| if matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}') { c } else { '?' }).collect()
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// A form body read leniently: repeated parameters allowed (the repeated-params-accepted fault).
pub fn form_allowing_repeats(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let ct = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::bad_request("invalid_request", "Content-Type must be application/x-www-form-urlencoded"));
    }
    Ok(Params::parse(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use rstest::rstest;

    #[rstest]
    #[case("a=1&b=2", "a", Some("1"))]
    #[case("a=&a=2", "a", Some("2"))]
    #[case("a=", "a", None)]
    #[case("a=x%20y+z", "a", Some("x y z"))]
    #[case("b=1", "a", None)]
    fn an_empty_value_counts_as_absent(#[case] raw: &str, #[case] name: &str, #[case] value: Option<&str>) {
        assert_eq!(Params::parse(raw.as_bytes()).get(name), value);
    }

    #[test]
    fn a_repeated_parameter_is_remembered_even_when_empty() {
        let p = Params::parse(b"state=a&scope=x&state=");
        assert_eq!(p.repeated(), Some("state"));
        assert_eq!(p.count("state"), 2);
        assert_eq!(p.all("state"), vec!["a"]);
        assert_eq!(Params::parse(b"a=1&b=2").repeated(), None);
    }

    fn typed(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        h
    }

    #[rstest]
    #[case("application/x-www-form-urlencoded", "a=1", true)]
    #[case("Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=1", true)]
    #[case("application/json", "a=1", false)]
    #[case("application/x-www-form-urlencoded", "a=1&a=2", false)]
    fn a_token_body_is_a_form_without_repeats(#[case] content_type: &str, #[case] body: &str, #[case] accepted: bool) {
        assert_eq!(form(&typed(content_type), body.as_bytes()).is_ok(), accepted);
    }

    #[test]
    fn the_lenient_form_takes_repeats_but_still_wants_a_form() {
        assert_eq!(form_allowing_repeats(&typed("application/x-www-form-urlencoded"), b"a=1&a=2").unwrap().get("a"), Some("1"));
        assert!(form_allowing_repeats(&typed("application/json"), b"{}").is_err());
    }

    #[test]
    fn text_for_an_error_description_is_ascii_without_quote_or_backslash_and_short() {
        assert_eq!(ascii("ok-Value_1"), "ok-Value_1");
        assert_eq!(ascii("a\"b\\cé\n"), "a?b?c??");
        assert_eq!(ascii(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn a_cookie_is_found_among_several_headers() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; sid=abc".parse().unwrap());
        h.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, "sid").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "si"), None);
    }
}
