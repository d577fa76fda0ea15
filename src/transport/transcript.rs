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
