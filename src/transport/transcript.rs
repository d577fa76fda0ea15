//! The record of a case's exchanges as reports keep it: every request and answer redacted at the
//! boundary where target data enters the result model, and a curl replay with secrets as
//! `$VARIABLES`. Built from the raw exchanges while the case's redactor still knows its values.
use crate::transport::http::Exchange;
use crate::model::redact::Redactor;
use crate::model::result::ExchangeRecord;

/// A transcript keeps at most this much of each body.
const TRANSCRIPT_BODY_MAX: usize = 4096;

/// A curl command for the main request (else the first one), secrets as `$VARIABLES`.
pub fn curl(exchanges: &[(String, Exchange)], r: &Redactor) -> Option<String> {
    let (_, ex) = exchanges.iter().find(|(s, _)| s.starts_with("main")).or(exchanges.first())?;
    let req = &ex.request;
    let mut cmd = format!("curl -sS -i -X {} \"{}\"", req.method, r.shell_quoted(req.url.as_str()));
    for (k, v) in &req.headers {
        let basic = k.eq_ignore_ascii_case("authorization")
            .then(|| v.strip_prefix("Basic ").and_then(|b| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok()))
            .flatten()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                let (id, secret) = pair.split_once(':')?;
                let dec = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
                Some(format!("{}:{}", dec(id), dec(secret)))
            });
        match basic {
            Some(pair) => cmd.push_str(&format!(" -u \"{}\"", r.shell_quoted(&pair))),
            None => cmd.push_str(&format!(" -H \"{}: {}\"", k, r.shell_quoted(v))),
        }
    }
    if let Some(b) = &req.body {
        cmd.push_str(&format!(" --data-raw \"{}\"", r.shell_quoted(b)));
    }
    Some(cmd)
}

pub fn records(exchanges: &[(String, Exchange)], r: &Redactor) -> Vec<ExchangeRecord> {
    let header = |(k, v): &(String, String)| {
        let lower = k.to_ascii_lowercase();
        let value = match lower.as_str() {
            "authorization" | "proxy-authorization" => match v.split_once(' ') {
                Some((scheme, cred)) => format!("{scheme} {}", Redactor::marker("credentials", cred)),
                None => Redactor::marker("credentials", v),
            },
            "cookie" | "set-cookie" => Redactor::marker("cookie", v),
            _ => r.redact(v),
        };
        (lower, value)
    };
    exchanges
        .iter()
        .map(|(step, ex)| {
            let (status, response_headers, response_body, error) = match &ex.response {
                Ok(resp) => (
                    Some(resp.status),
                    resp.headers.iter().map(header).collect(),
                    (!resp.body.is_empty()).then(|| r.redact(&resp.excerpt(TRANSCRIPT_BODY_MAX))),
                    None,
                ),
                Err(e) => (None, Vec::new(), None, Some(r.redact(&e.to_string()))),
            };
            ExchangeRecord {
                step: step.clone(),
                method: ex.request.method.clone(),
                url: r.redact(ex.request.url.as_str()),
                request_headers: ex.request.headers.iter().map(header).collect(),
                request_body: ex.request.body.as_ref().map(|b| r.redact(&crate::transport::http::excerpt(b, TRANSCRIPT_BODY_MAX))),
                status,
                response_headers,
                response_body,
                error,
                elapsed_ms: ex.elapsed.as_millis() as u64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::http::{HttpRequest, HttpResponse, TransportError};
    use base64::Engine;
    use std::time::Duration;

    fn exchange(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>, response: Result<HttpResponse, TransportError>) -> Exchange {
        Exchange {
            request: HttpRequest {
                method: method.into(),
                url: url::Url::parse(url).unwrap(),
                headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                body: body.map(str::to_string),
            },
            response,
            elapsed: Duration::from_millis(42),
        }
    }

    fn ok(headers: &[(&str, &str)], body: &str) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status: 200, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.as_bytes().to_vec() })
    }

    fn redactor() -> Redactor {
        let r = Redactor::new();
        r.add("secret", "s3cr3t+/=");
        r.add("code", "code-abc123");
        r.add("access_token", "at-7f00d");
        r
    }

    fn basic(id: &str, secret: &str) -> String {
        let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", form(id), form(secret))))
    }

    #[test]
    fn the_curl_replay_of_the_main_request_names_secrets_as_variables() {
        let auth = basic("client-1", "s3cr3t+/=");
        let exchanges = vec![
            ("before 1".to_string(), exchange("GET", "https://as.test/authorize?x=1", &[], None, ok(&[], ""))),
            (
                "main".to_string(),
                exchange(
                    "POST",
                    "https://as.test/token?access=at-7f00d",
                    &[("authorization", &auth), ("content-type", "application/x-www-form-urlencoded"), ("x-note", "say \"hi\"")],
                    Some("grant_type=authorization_code&code=code-abc123&redirect_uri=https%3A%2F%2Fc.test%2Fcb"),
                    ok(&[], ""),
                ),
            ),
        ];
        let line = curl(&exchanges, &redactor()).unwrap();
        assert!(!line.contains("s3cr3t") && !line.contains("code-abc123") && !line.contains("at-7f00d"), "{line}");
        insta::assert_snapshot!(line);
    }

    #[test]
    fn without_a_main_step_the_first_request_is_replayed_and_without_any_none() {
        let exchanges = vec![
            ("before 1".to_string(), exchange("GET", "https://as.test/one", &[], None, ok(&[], ""))),
            ("after 1".to_string(), exchange("GET", "https://as.test/two", &[], None, ok(&[], ""))),
        ];
        assert_eq!(curl(&exchanges, &redactor()).as_deref(), Some("curl -sS -i -X GET \"https://as.test/one\""));
        assert_eq!(curl(&[], &redactor()), None);
    }

    #[test]
    fn a_bearer_authorization_stays_a_header_with_its_token_as_a_variable() {
        let exchanges = vec![("main".to_string(), exchange("GET", "https://rs.test/api", &[("Authorization", "Bearer at-7f00d")], None, ok(&[], "")))];
        assert_eq!(
            curl(&exchanges, &redactor()).as_deref(),
            Some("curl -sS -i -X GET \"https://rs.test/api\" -H \"Authorization: Bearer $ACCESS_TOKEN\"")
        );
    }

    #[test]
    fn records_hide_credentials_and_cookies_whole_and_redact_the_rest() {
        let auth = basic("client-1", "s3cr3t+/=");
        let exchanges = vec![(
            "main".to_string(),
            exchange(
                "POST",
                "https://as.test/token?code=code-abc123",
                &[("Authorization", &auth), ("Cookie", "sid=1"), ("X-Trace", "code-abc123")],
                Some("code=code-abc123"),
                ok(&[("Set-Cookie", "sid=2; HttpOnly"), ("Content-Type", "application/json")], r#"{"access_token":"at-7f00d"}"#),
            ),
        )];
        let r = redactor();
        let rec = &records(&exchanges, &r)[0];
        let code = Redactor::marker("code", "code-abc123");
        let cred = auth.strip_prefix("Basic ").unwrap();
        assert_eq!(rec.step, "main");
        assert_eq!(rec.url, format!("https://as.test/token?code={code}"));
        assert_eq!(
            rec.request_headers,
            vec![
                ("authorization".to_string(), format!("Basic {}", Redactor::marker("credentials", cred))),
                ("cookie".to_string(), Redactor::marker("cookie", "sid=1")),
                ("x-trace".to_string(), code.clone()),
            ]
        );
        assert_eq!(rec.request_body.as_deref(), Some(format!("code={code}").as_str()));
        assert_eq!(rec.status, Some(200));
        assert_eq!(rec.response_headers[0], ("set-cookie".to_string(), Redactor::marker("cookie", "sid=2; HttpOnly")));
        assert_eq!(rec.response_body, Some(format!(r#"{{"access_token":"{}"}}"#, Redactor::marker("access_token", "at-7f00d"))));
        assert_eq!((rec.error.as_deref(), rec.elapsed_ms), (None, 42));
    }

    #[test]
    fn a_record_without_an_answer_keeps_the_error_and_no_response() {
        let exchanges = vec![("main".to_string(), exchange("GET", "https://as.test/x", &[], None, Err(TransportError::Timeout { secs: 5 })))];
        let rec = &records(&exchanges, &redactor())[0];
        assert_eq!((rec.status, rec.response_body.as_deref(), rec.error.as_deref()), (None, None, Some("timed out after 5 s")));
        assert!(rec.response_headers.is_empty());
    }

    #[test]
    fn record_bodies_are_cut_to_the_transcript_maximum() {
        let long = "é".repeat(TRANSCRIPT_BODY_MAX + 10);
        let exchanges = vec![("main".to_string(), exchange("POST", "https://as.test/x", &[], Some(&long), ok(&[], &long)))];
        let rec = &records(&exchanges, &Redactor::new())[0];
        for body in [&rec.request_body, &rec.response_body] {
            let body = body.as_deref().unwrap();
            assert_eq!(body.chars().count(), TRANSCRIPT_BODY_MAX + 1, "the cut and its ellipsis");
            assert!(body.ends_with("é…"));
        }
    }
}
