//! The shapes a JSON member may be required to have (`formats` in an `expect` table): date-times,
//! compact JOSE, positive integer strings, issuer URLs, future times. What enters: one member's
//! value. What leaves: a verdict.
use serde_json::Value;
use url::Url;

use crate::check::record::{Mismatch, Verdict};
use crate::transport::http::excerpt;

fn string_member<'v>(name: &str, got: Option<&'v Value>, what: &str) -> Result<&'v str, Mismatch> {
    match got {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Mismatch::expected(format!("{name} to be {what}"), excerpt(&other.to_string(), 80))),
        None => Err(Mismatch::expected(format!("{name} to be {what}"), format!("no {name} member"))),
    }
}

/// ISO 8601 / RFC 3339 date-time with seconds and a zone: 2026-11-22T08:07:26Z, …+01:00, ….123Z.
pub fn parse_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(99);
    if b.len() < 20 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return false;
    }
    if !matches!(b[10], b'T' | b't' | b' ') || !digits(11..13) || b[13] != b':' || !digits(14..16) || b[16] != b':' || !digits(17..19) {
        return false;
    }
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) || num(11..13) > 23 || num(14..16) > 59 || num(17..19) > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

pub fn is_date_time(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "an ISO 8601 date-time")?;
    if parse_date_time(s) { Ok(()) } else { Err(Mismatch::expected(format!("{name} to be an ISO 8601 date-time with a zone"), format!("{:?}", excerpt(s, 60)))) }
}

/// A compact JWS (3 segments) or JWE (5), base64url, whose header is JSON with `alg`.
pub fn is_jose(name: &str, got: Option<&Value>) -> Verdict {
    use base64::Engine;
    let s = string_member(name, got, "a compact JWS or JWE")?;
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 3 && parts.len() != 5 {
        return Err(Mismatch::expected(format!("{name} to have 3 (JWS) or 5 (JWE) dot-separated segments"), format!("{}", parts.len())));
    }
    if let Some(bad) = parts.iter().find(|p| !p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')) {
        return Err(Mismatch::expected(format!("base64url segments in {name}"), format!("{:?}", excerpt(bad, 40))));
    }
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0])
        .map_err(|_| Mismatch::Other(format!("expected {name}'s header segment to be base64url, it does not decode")))?;
    match serde_json::from_slice::<Value>(&header) {
        Ok(Value::Object(h)) if h.get("alg").is_some_and(Value::is_string) => Ok(()),
        Ok(_) => Err(Mismatch::expected(format!("{name}'s header to be a JSON object with alg"), excerpt(&String::from_utf8_lossy(&header), 80).to_string())),
        Err(_) => Err(Mismatch::expected(format!("{name}'s header to be JSON"), excerpt(&String::from_utf8_lossy(&header), 80).to_string())),
    }
}

pub fn is_positive_integer_string(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "a string holding a positive whole number")?;
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0) {
        Ok(())
    } else {
        Err(Mismatch::expected(format!("{name} to be a string holding a positive whole number"), format!("{:?}", excerpt(s, 40))))
    }
}

pub fn is_non_empty(name: &str, got: Option<&Value>) -> Verdict {
    let s = string_member(name, got, "a non-empty string")?;
    if s.is_empty() { Err(Mismatch::expected(format!("{name} to be a non-empty string"), "\"\"")) } else { Ok(()) }
}

/// RFC 8414 §2: the issuer is a URL with no query or fragment, https except on loopback hosts
/// (where a test deployment runs).
pub fn is_issuer_url(name: &str, got: Option<&Value>) -> Verdict {
    let Some(Value::String(s)) = got else {
        return Err(Mismatch::expected(format!("{name} as a URL string"), got.map_or("nothing".to_string(), |v| excerpt(&v.to_string(), 80)).to_string()));
    };
    let u = Url::parse(s).map_err(|e| Mismatch::expected(format!("{name} to be a URL"), format!("{} ({e})", excerpt(s, 80))))?;
    if s.contains('?') || s.contains('#') {
        return Err(Mismatch::expected(format!("{name} without query or fragment"), excerpt(s, 80).to_string()));
    }
    uses_https(name, s, &u)
}

/// `u` uses https, or http on a loopback host (where a test deployment runs).
fn uses_https(name: &str, s: &str, u: &Url) -> Verdict {
    let loopback = matches!(u.host(), Some(url::Host::Domain("localhost"))) || matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback()) || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback());
    if u.scheme() != "https" && !loopback {
        // Say the loopback exception was weighed: a hosts-file name is not a loopback host.
        let host = u.host_str().unwrap_or("");
        return Err(Mismatch::expected(
            format!("{name} to use https (http only on a loopback host: 127.0.0.0/8, ::1 or localhost; `{}` is not one, and names are never resolved)", excerpt(host, 60)),
            excerpt(s, 80).to_string(),
        ));
    }
    Ok(())
}

/// OpenID Connect Discovery §3: an endpoint URL a provider lists uses https (loopback aside);
/// an absent member passes (other cases judge what is REQUIRED).
pub fn is_https_url(name: &str, got: Option<&Value>) -> Verdict {
    let Some(v) = got else { return Ok(()) };
    let Value::String(s) = v else {
        return Err(Mismatch::expected(format!("{name} as a URL string"), excerpt(&v.to_string(), 80)));
    };
    let u = Url::parse(s).map_err(|e| Mismatch::expected(format!("{name} to be an absolute URL"), format!("{} ({e})", excerpt(s, 80))))?;
    uses_https(name, s, &u)
}

/// A NumericDate (RFC 7519 §2) still ahead, when the member is there at all.
pub fn is_future_time(name: &str, got: Option<&Value>) -> Verdict {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    match got {
        None => Ok(()),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|t| t > now) => Ok(()),
        Some(Value::Number(n)) => Err(Mismatch::expected(format!("{name} in the future (now is {})", now as u64), format!("{n}: the token is active yet expired"))),
        Some(other) => Err(Mismatch::expected(format!("{name} as a NumericDate (seconds since 1970)"), excerpt(&other.to_string(), 80))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for ok in ["2026-11-22T08:07:26Z", "2026-11-22T08:07:26.123+01:00", "2026-02-28 23:59:60z"] {
            assert!(parse_date_time(ok), "{ok}");
        }
        for bad in ["1795336713", "2026-11-22", "2026-13-22T08:07:26Z", "2026-11-22T08:07:26", "22/11/2026 08:07:26Z"] {
            assert!(!parse_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn jose_shapes() {
        let jws = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        assert!(is_jose("t", Some(&Value::String(jws.into()))).is_ok());
        assert!(is_jose("t", Some(&Value::String("a998f5f8c1c158a2".into()))).unwrap_err().to_string().contains("got 1"));
        assert!(is_jose("t", Some(&Value::String("e30.e30.x".into()))).unwrap_err().to_string().contains("alg"));
    }
}

