//! Reading a target file: TOML text in, a validated `Target` out, or one `file:line: field …`
//! refusal. Each table has its own step below; `${VAR}` goes through the `Expander`, files the
//! target names (TLS material, a private key) are read relative to the target file.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use toml::Spanned;
use url::Url;

use super::capabilities::Capabilities;
use super::expand::Expander;
use super::file::{Client, FapiAuth, FapiBinding, FapiCertificate, FapiClient, JwtClient, Lines, MtlsClient, Login, LoginDriver, LoginStep, ResourceToken, Target, Tls};
use super::raw::{RawClient, RawFapiClient, RawJwtClient, RawMtlsClient, RawLogin, RawLoginStep, RawTarget, RawTls, Text};
use crate::model::capability::Capability;
use crate::model::load_error::{LoadError, io_message, line_of, toml_error};
use crate::suite::case;

impl Target {
    /// Reads and validates a target file's text, expanding `${VAR}` with `env`.
    pub fn parse(file: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, LoadError> {
        let raw: RawTarget = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let x = Expander { file, text, env };
        let login = raw.login.as_ref().map(|l| login(&x, l)).transpose()?;
        let authorize = raw.authorize.iter().map(|(k, v)| Ok((k.clone(), x.value(v, &format!("authorize.{k}"))?))).collect::<Result<_, LoadError>>()?;
        let endpoints = endpoints(&x, &raw.endpoints)?;
        let tls = raw.tls.as_ref().map(|t| tls(&x, t)).transpose()?;
        let lines = lines(text, &raw);
        Ok(Target {
            source: file.to_string(),
            profile: x.value(&raw.profile, "profile")?,
            base_url: x.url(&raw.base_url, "base_url")?,
            probe_url: raw.probe_url.as_ref().map(|t| x.url(t, "probe_url")).transpose()?,
            resource_token: resource_token(&x, &raw)?,
            client: client(&x, &raw.client, "client")?,
            second_client: raw.second_client.as_ref().map(|c| client(&x, c, "second_client")).transpose()?,
            cc_client: raw.cc_client.as_ref().map(|c| client(&x, c, "cc_client")).transpose()?,
            device_client: raw.device_client.as_ref().map(|c| client(&x, c, "device_client")).transpose()?,
            public_client: raw.public_client.as_ref().map(|c| public_client(&x, c)).transpose()?,
            jwt_client: raw.jwt_client.as_ref().map(|j| jwt_client(&x, j)).transpose()?,
            mtls_client: raw.mtls_client.as_ref().map(|m| mtls_client(&x, m)).transpose()?,
            fapi_client: raw.fapi_client.as_ref().map(|f| fapi_client(&x, f, &raw.client)).transpose()?,
            mtls_aliases: IndexMap::new(),
            discovery_url: raw.discovery_url.as_ref().map(|t| x.url(t, "discovery_url")).transpose()?,
            capabilities: capabilities(&x, &raw)?,
            jwks: None,
            slow: slow(&x, &raw.slow)?,
            clock: Default::default(),
            login,
            authorize,
            endpoints,
            tls,
            lines,
        })
    }

    /// Reads a target file from disk.
    pub fn load(path: &Path) -> Result<Target, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LoadError { file: file.clone(), line: 1, message: io_message(&e) })?;
        Target::parse(&file, &text, &|v| std::env::var(v).ok())
    }
}

/// The folder of the target file: relative paths in it start there.
fn folder(file: &str) -> PathBuf {
    Path::new(file).parent().map(|p| p.to_path_buf()).unwrap_or_default()
}

fn client(x: &Expander, c: &Spanned<RawClient>, table: &str) -> Result<Client, LoadError> {
    let r = c.get_ref();
    let opt = |t: &Option<Text>, f: &str| t.as_ref().map(|t| x.value(t, &format!("{table}.{f}"))).transpose();
    let redirect_uri = match &r.redirect_uri {
        Some(t) => {
            let field = format!("{table}.redirect_uri");
            let v = x.value(t, &field)?;
            Url::parse(&v).map_err(|e| x.err(t.span().start, &field, format!("`{v}` is not an absolute URI: {e}")))?;
            Some(v)
        }
        None => None,
    };
    let native = match &r.application_type {
        None => false,
        Some(t) => match x.value(t, &format!("{table}.application_type"))?.as_str() {
            "native" => true,
            "web" => false,
            other => return Err(x.err(t.span().start, &format!("{table}.application_type"), format!("`{other}` is neither `native` nor `web` (OpenID Connect Registration's application_type)"))),
        },
    };
    let response_types = match &r.response_types {
        None => vec!["code".to_string()],
        Some(list) => list
            .get_ref()
            .iter()
            .map(|v| crate::target::file::response_type_key(v).ok_or_else(|| x.err(list.span().start, &format!("{table}.response_types"), format!("`{v}` is not a response type of OpenID Connect's flows (code, id_token, token, space-separated)"))))
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(Client {
        id: x.value(&r.id, &format!("{table}.id"))?,
        secret: opt(&r.secret, "secret")?,
        redirect_uri,
        scope: opt(&r.scope, "scope")?,
        native,
        response_types,
    })
}

/// `[resource] token`: the grant whose tokens the probe resource accepts.
fn resource_token(x: &Expander, raw: &RawTarget) -> Result<Option<ResourceToken>, LoadError> {
    let Some(t) = raw.resource.as_ref().and_then(|r| r.token.as_ref()) else { return Ok(None) };
    let v = x.value(t, "resource.token")?;
    ResourceToken::parse(&v)
        .map(Some)
        .ok_or_else(|| x.err(t.span().start, "resource.token", format!("`{v}` is neither `authorization_code` nor `client_credentials` (the grant whose access tokens the probe resource accepts)")))
}

/// `[public_client]`: a client without a secret.
fn public_client(x: &Expander, c: &Spanned<RawClient>) -> Result<Client, LoadError> {
    if c.get_ref().secret.is_some() {
        return Err(x.err(c.span().start, "public_client.secret", "a public client has no secret (RFC 6749 §2.1)".into()));
    }
    client(x, c, "public_client")
}

/// A PEM value: the PEM itself, or a file relative to the target file.
fn pem_value(x: &Expander, v: &Text, field: &str) -> Result<String, LoadError> {
    let value = x.value(v, field)?;
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value);
    }
    let full = folder(x.file).join(&value);
    std::fs::read_to_string(&full).map_err(|e| x.err(v.span().start, field, format!("cannot read {}: {}", full.display(), io_message(&e))))
}

/// `[mtls_client]`: the certificate and key read now (a bad one is a load error naming the
/// field), the certificate's thumbprint computed once.
fn mtls_client(x: &Expander, m: &Spanned<RawMtlsClient>) -> Result<MtlsClient, LoadError> {
    let r = m.get_ref();
    let (identity, x5t) = tls_identity(x, &r.certificate, &r.private_key, "mtls_client", "private_key")?;
    let url = |t: &Option<Text>, f: &str| t.as_ref().map(|t| x.url(t, f)).transpose();
    Ok(MtlsClient {
        id: x.value(&r.id, "mtls_client.id")?,
        identity,
        x5t,
        base_url: url(&r.base_url, "mtls_client.base_url")?,
        probe_url: url(&r.probe_url, "mtls_client.probe_url")?,
    })
}

/// A client's certificate and key as its TLS client presents them (PEM, concatenated), and the
/// certificate's thumbprint; a bad one is a load error naming `{table}.certificate` or the key's
/// field.
fn tls_identity(x: &Expander, certificate: &Text, key: &Text, table: &str, key_field: &str) -> Result<(Vec<u8>, String), LoadError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let (cert_field, key_field) = (format!("{table}.certificate"), format!("{table}.{key_field}"));
    let cert = pem_value(x, certificate, &cert_field)?;
    let pem_key = pem_value(x, key, &key_field)?;
    let der = CertificateDer::from_pem_slice(cert.as_bytes()).map_err(|e| x.err(certificate.span().start, &cert_field, format!("not a PEM certificate: {e}")))?;
    let identity = format!("{}\n{}", cert.trim_end(), pem_key).into_bytes();
    reqwest::Identity::from_pem(&identity).map_err(|e| x.err(key.span().start, &key_field, format!("the certificate and this key do not make a TLS identity: {e}")))?;
    Ok((identity, crate::jose::x5t_s256(&der)))
}

/// `[jwt_client]`: its key is the PEM itself, or a file relative to the target file.
fn jwt_client(x: &Expander, j: &Spanned<RawJwtClient>) -> Result<JwtClient, LoadError> {
    let r = j.get_ref();
    Ok(JwtClient { id: x.value(&r.id, "jwt_client.id")?, key: signing_key(x, &r.private_key, "jwt_client.private_key")? })
}

/// A client's ES256 signing key: the PEM itself, or a file relative to the target file.
fn signing_key(x: &Expander, text: &Text, field: &str) -> Result<crate::jose::assertion::SigningKey, LoadError> {
    let pem = pem_value(x, text, field)?;
    crate::jose::assertion::SigningKey::from_pem(&pem).map_err(|e| x.err(text.span().start, field, e.to_string()))
}

/// `[fapi_client]`: its key as `[jwt_client]`'s; redirect_uri and scope default to `[client]`'s;
/// its methods (private_key_jwt and DPoP unless it says mTLS) and the certificate mTLS needs.
fn fapi_client(x: &Expander, f: &Spanned<RawFapiClient>, main: &Spanned<RawClient>) -> Result<FapiClient, LoadError> {
    let r = f.get_ref();
    let start = f.span().start;
    let auth = one_of(x, &r.client_auth, "fapi_client.client_auth", [("private_key_jwt", FapiAuth::PrivateKeyJwt), ("tls_client_auth", FapiAuth::TlsClientAuth)], "the methods FAPI 2.0 §5.3.2.1 item 6 allows")?;
    let binding = one_of(x, &r.sender_constraint, "fapi_client.sender_constraint", [("dpop", FapiBinding::Dpop), ("mtls", FapiBinding::Mtls)], "the methods FAPI 2.0 §5.3.2.1 item 5 allows")?;
    let key = match (&r.private_key, auth) {
        (Some(t), _) => Some(signing_key(x, t, "fapi_client.private_key")?),
        (None, FapiAuth::PrivateKeyJwt) => return Err(x.err(start, "fapi_client.private_key", "missing: the FAPI client authenticates with private_key_jwt (client_auth = \"tls_client_auth\" to use its certificate instead)".into())),
        (None, FapiAuth::TlsClientAuth) => None,
    };
    let mutual = auth == FapiAuth::TlsClientAuth || binding == FapiBinding::Mtls;
    let tls = match (&r.certificate, &r.certificate_key) {
        (Some(c), Some(k)) => {
            let (identity, x5t) = tls_identity(x, c, k, "fapi_client", "certificate_key")?;
            Some(FapiCertificate { identity, x5t })
        }
        (Some(c), None) => return Err(x.err(c.span().start, "fapi_client.certificate_key", "missing: the certificate's private key (PEM)".into())),
        (None, Some(k)) => return Err(x.err(k.span().start, "fapi_client.certificate", "missing: the certificate the key belongs to (PEM)".into())),
        (None, None) if mutual => return Err(x.err(start, "fapi_client.certificate", "missing: client_auth or sender_constraint is mutual TLS, which presents the client's certificate (and certificate_key)".into())),
        (None, None) => None,
    };
    let m = main.get_ref();
    let as_client = RawClient {
        id: r.id.clone(),
        secret: None,
        redirect_uri: r.redirect_uri.clone().or_else(|| m.redirect_uri.clone()),
        scope: r.scope.clone().or_else(|| m.scope.clone()),
        application_type: None,
        response_types: None,
    };
    let client = client(x, &Spanned::new(f.span(), as_client), "fapi_client")?;
    Ok(FapiClient { client, key, auth, binding, tls })
}

/// A key whose value is one of two words: the first's meaning when it is absent; another word is
/// an error naming both and `why` they are the ones.
fn one_of<T: Copy>(x: &Expander, text: &Option<Text>, field: &str, choices: [(&str, T); 2], why: &str) -> Result<T, LoadError> {
    let Some(t) = text else { return Ok(choices[0].1) };
    let value = x.value(t, field)?;
    match choices.iter().find(|(word, _)| *word == value) {
        Some((_, meaning)) => Ok(*meaning),
        None => Err(x.err(t.span().start, field, format!("`{value}` is neither `{}` nor `{}` ({why})", choices[0].0, choices[1].0))),
    }
}

/// `[login]`: who signs in, and which driver gets them through the pages.
fn login(x: &Expander, l: &RawLogin) -> Result<Login, LoadError> {
    let driver = login_driver(x, l)?;
    let timeout = match &l.timeout {
        Some(t) if !(1..=600).contains(t.get_ref()) => return Err(x.err(t.span().start, "login.timeout", "seconds between 1 and 600".into())),
        Some(t) => Duration::from_secs(*t.get_ref()),
        None => Duration::from_secs(30),
    };
    let steps = l.step.iter().enumerate().map(|(i, st)| login_step(x, &driver, i, st)).collect::<Result<_, _>>()?;
    Ok(Login {
        steps,
        username: x.value(&l.username, "login.username")?,
        password: x.value(&l.password, "login.password")?,
        username_field: l.username_field.as_ref().map(|t| x.value(t, "login.username_field")).transpose()?,
        password_field: l.password_field.as_ref().map(|t| x.value(t, "login.password_field")).transpose()?,
        driver,
        timeout,
    })
}

/// `login.driver` and `login.command`, which only make sense together.
fn login_driver(x: &Expander, l: &RawLogin) -> Result<LoginDriver, LoadError> {
    Ok(match (l.driver.as_ref().map(|d| (d, d.get_ref().as_str())), &l.command) {
        (None | Some((_, "form")), None) => LoginDriver::Form,
        (Some((_, "chromium")), None) => LoginDriver::Chromium,
        (Some((_, "command")), Some(c)) if !c.get_ref().is_empty() && !c.get_ref()[0].is_empty() => LoginDriver::Command {
            argv: c.get_ref().iter().enumerate().map(|(i, a)| x.value(&Spanned::new(c.span(), a.clone()), &format!("login.command[{i}]"))).collect::<Result<_, _>>()?,
            dir: folder(x.file),
        },
        (Some((_, "command")), Some(c)) => return Err(x.err(c.span().start, "login.command", "needs the program to run, e.g. [\"node\", \"login.mjs\"]".into())),
        (Some((d, "command")), None) => return Err(x.err(d.span().start, "login.driver", "driver = \"command\" needs login.command, e.g. [\"node\", \"login.mjs\"]".into())),
        (_, Some(c)) => return Err(x.err(c.span().start, "login.command", "only for driver = \"command\"".into())),
        (Some((d, other)), None) => return Err(x.err(d.span().start, "login.driver", format!("unknown driver `{other}` (form, chromium or command)"))),
    })
}

/// `[[login.step]]` number `i`: only for the chromium driver, and it must do something.
fn login_step(x: &Expander, driver: &LoginDriver, i: usize, st: &Spanned<RawLoginStep>) -> Result<LoginStep, LoadError> {
    let field = format!("login.step[{i}]");
    let at = st.span().start;
    let r = st.get_ref();
    if *driver != LoginDriver::Chromium {
        return Err(x.err(at, &field, "scripted steps need driver = \"chromium\"".into()));
    }
    let click = match &r.click {
        None => Vec::new(),
        Some(toml::Value::String(one)) => vec![one.clone()],
        Some(toml::Value::Array(list)) if list.iter().all(toml::Value::is_str) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(_) => return Err(x.err(at, &format!("{field}.click"), "a CSS selector, or a list of them".into())),
    };
    if r.wait_for.is_none() && r.fill.is_empty() && click.is_empty() {
        return Err(x.err(at, &field, "a step needs wait_for, type or click".into()));
    }
    if let Some(c) = r.choice.as_deref().filter(|c| !matches!(*c, "approve" | "deny")) {
        return Err(x.err(at, &field, format!("choice `{c}`: approve or deny")));
    }
    Ok(LoginStep {
        url: r.url.clone(),
        choice: r.choice.clone(),
        when: r.when.clone(),
        wait_for: r.wait_for.clone(),
        fill: r.fill.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        click,
    })
}

/// Endpoint key → path or absolute URL, as `Target::endpoints` holds them.
type EndpointMap = IndexMap<String, String>;

/// `[endpoints]`: each a path under base_url or an absolute URL.
fn endpoints(x: &Expander, raw: &IndexMap<String, Text>) -> Result<EndpointMap, LoadError> {
    let mut endpoints = IndexMap::new();
    for (k, v) in raw {
        let val = x.value(v, &format!("endpoints.{k}"))?;
        if !val.starts_with('/') && Url::parse(&val).is_err() {
            return Err(x.err(v.span().start, &format!("endpoints.{k}"), format!("`{val}` is neither a path starting with / nor an absolute URL")));
        }
        endpoints.insert(k.clone(), val);
    }
    Ok(endpoints)
}

/// `[tls]`: the files are read now, so a missing one is a load error and not a failed case.
fn tls(x: &Expander, t: &RawTls) -> Result<Tls, LoadError> {
    let base = folder(x.file);
    let read = |v: &Text, field: &str| -> Result<Vec<u8>, LoadError> {
        let path = x.value(v, field)?;
        let full = base.join(&path);
        std::fs::read(&full).map_err(|e| x.err(v.span().start, field, format!("cannot read {}: {e}", full.display())))
    };
    let identity = match (&t.client_cert, &t.client_key) {
        (Some(c), Some(k)) => {
            let mut pem = read(c, "tls.client_cert")?;
            pem.push(b'\n');
            pem.extend(read(k, "tls.client_key")?);
            Some(pem)
        }
        (None, None) => None,
        (Some(c), None) => return Err(x.err(c.span().start, "tls.client_key", "client_cert needs client_key".into())),
        (None, Some(k)) => return Err(x.err(k.span().start, "tls.client_cert", "client_key needs client_cert".into())),
    };
    // The CA as PEM in the file itself, or a file.
    let ca_cert = t.ca_cert.as_ref().map(|c| pem_value(x, c, "tls.ca_cert").map(String::into_bytes)).transpose()?;
    Ok(Tls { identity, ca_cert })
}

/// `[capabilities]`: the file's word on each; a discovery URL means metadata is offered.
fn capabilities(x: &Expander, raw: &RawTarget) -> Result<Capabilities, LoadError> {
    let mut caps = Capabilities::default();
    caps.observe(Capability::Metadata, raw.discovery_url.is_some());
    for (k, v) in &raw.capabilities {
        let c = Capability::ALL.iter().copied().find(|c| c.name() == k).ok_or_else(|| {
            let known: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
            x.err(v.span().start, &format!("capabilities.{k}"), format!("unknown capability (known: {})", known.join(", ")))
        })?;
        caps.declare(c, *v.get_ref());
    }
    Ok(caps)
}

/// `[slow]`: seconds to wait for each known wait, within two hours.
fn slow(x: &Expander, raw: &IndexMap<String, Spanned<u64>>) -> Result<BTreeMap<String, u64>, LoadError> {
    let mut waits = BTreeMap::new();
    for (k, v) in raw {
        if !case::WAITS.iter().any(|(w, _)| w == k) {
            let known: Vec<&str> = case::WAITS.iter().map(|(w, _)| *w).collect();
            return Err(x.err(v.span().start, &format!("slow.{k}"), format!("unknown wait (known: {})", known.join(", "))));
        }
        if !(1..=7200).contains(v.get_ref()) {
            return Err(x.err(v.span().start, &format!("slow.{k}"), "seconds between 1 and 7200".into()));
        }
        waits.insert(k.clone(), *v.get_ref());
    }
    Ok(waits)
}

/// Where the tables `check_against` talks about stand in the file.
fn lines(text: &str, raw: &RawTarget) -> Lines {
    Lines {
        profile: line_of(text, raw.profile.span().start),
        client: line_of(text, raw.client.span().start),
        second_client: raw.second_client.as_ref().map(|c| line_of(text, c.span().start)),
        endpoints: raw.endpoints.iter().map(|(k, v)| (k.clone(), line_of(text, v.span().start))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A minimal valid target in three lines (no table yet): what a case appends starts at line 4.
    const BASE: &str = "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\nclient = { id = \"c\" }\n";

    fn refusal(extra: &str) -> String {
        Target::parse("t.toml", &format!("{BASE}{extra}"), &|v| (v == "SET").then(|| "value".to_string())).unwrap_err().to_string()
    }

    #[rstest]
    #[case::probe_not_http("probe_url = \"ftp://x/\"\n", "t.toml:4: field `probe_url`: `ftp://x/` must be an http or https URL")]
    #[case::probe_relative("probe_url = \"/probe\"\n", "t.toml:4: field `probe_url`: `/probe` is not an absolute URL: relative URL without a base")]
    #[case::discovery_unset_var("discovery_url = \"${NOPE}\"\n", "t.toml:4: field `discovery_url`: environment variable NOPE is not set")]
    #[case::endpoint_not_a_path("[endpoints]\ntoken = \"token\"\n", "t.toml:5: field `endpoints.token`: `token` is neither a path starting with / nor an absolute URL")]
    #[case::authorize_empty("[authorize]\nprompt = \"\"\n", "t.toml:5: field `authorize.prompt`: must not be empty")]
    #[case::slow_zero("[slow]\ncode = 0\n", "t.toml:5: field `slow.code`: seconds between 1 and 7200")]
    #[case::slow_unknown("[slow]\nnap = 5\n", "t.toml:5: field `slow.nap`: unknown wait (known: code, access_token, request_uri, device_code, fapi_code)")]
    #[case::redirect_relative("[second_client]\nid = \"s\"\nredirect_uri = \"cb\"\n", "t.toml:6: field `second_client.redirect_uri`: `cb` is not an absolute URI: relative URL without a base")]
    #[case::fapi_key_missing("[fapi_client]\nid = \"f\"\nprivate_key = \"nope.pem\"\n", "t.toml:6: field `fapi_client.private_key`: cannot read nope.pem: no such file")]
    #[case::fapi_no_key("[fapi_client]\nid = \"f\"\n", "t.toml:4: field `fapi_client.private_key`: missing: the FAPI client authenticates with private_key_jwt (client_auth = \"tls_client_auth\" to use its certificate instead)")]
    #[case::fapi_client_auth("[fapi_client]\nid = \"f\"\nclient_auth = \"tls\"\n", "t.toml:6: field `fapi_client.client_auth`: `tls` is neither `private_key_jwt` nor `tls_client_auth` (the methods FAPI 2.0 §5.3.2.1 item 6 allows)")]
    #[case::fapi_sender_constraint("[fapi_client]\nid = \"f\"\nclient_auth = \"tls_client_auth\"\nsender_constraint = \"mtls-bound\"\n", "t.toml:7: field `fapi_client.sender_constraint`: `mtls-bound` is neither `dpop` nor `mtls` (the methods FAPI 2.0 §5.3.2.1 item 5 allows)")]
    #[case::fapi_mtls_without_certificate("[fapi_client]\nid = \"f\"\nclient_auth = \"tls_client_auth\"\n", "t.toml:4: field `fapi_client.certificate`: missing: client_auth or sender_constraint is mutual TLS, which presents the client's certificate (and certificate_key)")]
    #[case::fapi_certificate_without_key("[fapi_client]\nid = \"f\"\nclient_auth = \"tls_client_auth\"\ncertificate = \"c.pem\"\n", "t.toml:7: field `fapi_client.certificate_key`: missing: the certificate's private key (PEM)")]
    #[case::resource_token("[resource]\ntoken = \"implicit\"\n", "t.toml:5: field `resource.token`: `implicit` is neither `authorization_code` nor `client_credentials` (the grant whose access tokens the probe resource accepts)")]
    #[case::response_types("[second_client]\nid = \"s\"\nresponse_types = [\"code\", \"code foo\"]\n", "t.toml:6: field `second_client.response_types`: `code foo` is not a response type of OpenID Connect's flows (code, id_token, token, space-separated)")]
    #[case::application_type("[public_client]\nid = \"p\"\napplication_type = \"desktop\"\n", "t.toml:6: field `public_client.application_type`: `desktop` is neither `native` nor `web` (OpenID Connect Registration's application_type)")]
    #[case::public_with_secret("[public_client]\nid = \"p\"\nsecret = \"s\"\n", "t.toml:4: field `public_client.secret`: a public client has no secret (RFC 6749 §2.1)")]
    #[case::cert_without_key("[tls]\nclient_cert = \"c.pem\"\n", "t.toml:5: field `tls.client_key`: client_cert needs client_key")]
    #[case::key_without_cert("[tls]\nclient_key = \"k.pem\"\n", "t.toml:5: field `tls.client_cert`: client_key needs client_cert")]
    #[case::driver_unknown("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"telepathy\"\n", "t.toml:7: field `login.driver`: unknown driver `telepathy` (form, chromium or command)")]
    #[case::command_without_driver("[login]\nusername = \"u\"\npassword = \"p\"\ncommand = [\"node\"]\n", "t.toml:7: field `login.command`: only for driver = \"command\"")]
    #[case::command_driver_without_command("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"command\"\n", "t.toml:7: field `login.driver`: driver = \"command\" needs login.command, e.g. [\"node\", \"login.mjs\"]")]
    #[case::command_empty("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"command\"\ncommand = [\"\"]\n", "t.toml:8: field `login.command`: needs the program to run, e.g. [\"node\", \"login.mjs\"]")]
    #[case::timeout_zero("[login]\nusername = \"u\"\npassword = \"p\"\ntimeout = 0\n", "t.toml:7: field `login.timeout`: seconds between 1 and 600")]
    #[case::step_without_chromium("[login]\nusername = \"u\"\npassword = \"p\"\n[[login.step]]\nurl = \"/login\"\nclick = \"#go\"\n", "t.toml:7: field `login.step[0]`: scripted steps need driver = \"chromium\"")]
    #[case::step_doing_nothing("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"chromium\"\n[[login.step]]\nurl = \"/login\"\n", "t.toml:8: field `login.step[0]`: a step needs wait_for, type or click")]
    #[case::step_click_number("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"chromium\"\n[[login.step]]\nurl = \"/login\"\nclick = 3\n", "t.toml:8: field `login.step[0].click`: a CSS selector, or a list of them")]
    #[case::step_choice_unknown("[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"chromium\"\n[[login.step]]\nurl = \"/login\"\nclick = \"#go\"\nchoice = \"maybe\"\n", "t.toml:8: field `login.step[0]`: choice `maybe`: approve or deny")]
    #[case::login_user_unset("[login]\nusername = \"${NOPE}\"\npassword = \"p\"\n", "t.toml:5: field `login.username`: environment variable NOPE is not set")]
    fn a_bad_target_file_gives_one_line_with_file_line_and_field(#[case] extra: &str, #[case] expected: &str) {
        assert_eq!(refusal(extra), expected);
    }

    #[test]
    fn an_unknown_capability_lists_the_known_ones() {
        insta::assert_snapshot!(refusal("[capabilities]\nwings = true\n"));
    }

    #[test]
    fn a_missing_private_key_file_names_the_path_beside_the_target_file() {
        let err = Target::parse("conf/t.toml", &format!("{BASE}[jwt_client]\nid = \"j\"\nprivate_key = \"k.pem\"\n"), &|_| None).unwrap_err();
        assert_eq!(err.to_string(), "conf/t.toml:6: field `jwt_client.private_key`: cannot read conf/k.pem: no such file");
    }

    /// A wait a rule bounds (FAPI 2.0 §5.3.2.1 item 11: codes live 60 s at most) is the rule's
    /// 61 s when the target gives none, the target's when shorter, never longer than the rule's;
    /// the other waits are the target's alone.
    #[rstest::rstest]
    #[case("", "fapi_code", Some(61))]
    #[case("[slow]\nfapi_code = 5\n", "fapi_code", Some(5))]
    #[case("[slow]\nfapi_code = 600\n", "fapi_code", Some(61))]
    #[case("", "code", None)]
    #[case("[slow]\ncode = 600\n", "code", Some(600))]
    fn a_bounded_wait_never_exceeds_its_rule(#[case] extra: &str, #[case] wait: &str, #[case] secs: Option<u64>) {
        let t = Target::parse("t.toml", &format!("{BASE}{extra}"), &|_| None).unwrap();
        assert_eq!(t.wait_secs(wait), secs);
    }

    #[test]
    fn a_valid_file_expands_variables_and_keeps_every_table() {
        let extra = "[authorize]\nprompt = \"login\"\n[endpoints]\ntoken = \"https://as.example/${SET}\"\n[slow]\ncode = 61\n[capabilities]\niss = true\n";
        let t = Target::parse("t.toml", &format!("{BASE}{extra}"), &|v| (v == "SET").then(|| "tok".to_string())).unwrap();
        assert_eq!(t.authorize, vec![("prompt".to_string(), "login".to_string())]);
        assert_eq!(t.endpoints.get("token").map(String::as_str), Some("https://as.example/tok"));
        assert_eq!(t.slow.get("code"), Some(&61));
        assert!(t.capabilities.offers(Capability::Iss));
        assert!(!t.capabilities.offers(Capability::Metadata), "no discovery_url: metadata is not offered");
        assert!(t.login.is_none());
    }

    #[test]
    fn a_command_driver_runs_from_the_target_files_folder() {
        let extra = "[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"command\"\ncommand = [\"node\", \"${SET}.mjs\"]\ntimeout = 5\n";
        let t = Target::parse("conf/t.toml", &format!("{BASE}{extra}"), &|v| (v == "SET").then(|| "login".to_string())).unwrap();
        let login = t.login.unwrap();
        assert_eq!(login.driver, LoginDriver::Command { argv: vec!["node".into(), "login.mjs".into()], dir: PathBuf::from("conf") });
        assert_eq!(login.timeout, Duration::from_secs(5));
    }
}
