//! The target file that points the suite at a running reference server. Enters: the server's
//! profile, address, registration and switches; leaves: TOML text (rfc6749's states in
//! `[capabilities]` what its metadata cannot say).
use std::fmt::Write;
use std::time::Duration;

use super::endpoint::metadata::WELL_KNOWN;
use super::endpoint::resource::PROBE;
use super::extras::{Extras, SHORT_ACCESS, SHORT_CODE};
use super::fault::{Fault, Faults};
use super::offer::Offer;
use super::registration::Registration;
use super::variant::{Variant, Variants};

/// What a target file describes: a server of `profile` at `base`.
pub struct Described<'a> {
    pub profile: &'a str,
    pub base: String,
    pub reg: &'a Registration,
    pub faults: &'a Faults,
    pub variants: &'a Variants,
    pub extras: &'a Extras,
}

/// The target file for the server `d` describes.
pub fn render(d: &Described<'_>) -> String {
    match d.profile {
        "rfc6749" => rfc6749(d),
        "citi-mx" => citi_mx(d),
        _ => citi_pl(d),
    }
}

fn citi_mx(d: &Described<'_>) -> String {
    format!(
        "# Target file for the oauth-conformance reference server (citi-mx).\n\
         profile = \"citi-mx\"\nbase_url = \"{}\"\n\n[client]\nid = \"{}\"\n\n\
         [authorize]\nbusinessCode = \"GCB\"\ncountryCode = \"MX\"\nchannelId = \"WEB\"\n",
        d.base, d.reg.clients[0].id
    )
}

fn citi_pl(d: &Described<'_>) -> String {
    let reg = d.reg;
    let (c, o) = (&reg.clients[0], &reg.clients[1]);
    let base = &d.base;
    let faults = if d.faults.names().is_empty() { String::new() } else { format!("# faults: {}\n", d.faults.names().join(", ")) };
    format!(
        "# Target file for the oauth-conformance reference server ({profile}).\n{faults}\
         profile = \"{profile}\"\n\
         base_url = \"{base}\"\n\
         probe_url = \"{base}{PROBE}\"\n\n\
         [client]\nid = \"{cid}\"\nsecret = \"{csecret}\"\nredirect_uri = \"{curi}\"\nscope = \"accounts\"\n\n\
         [second_client]\nid = \"{oid}\"\nsecret = \"{osecret}\"\nredirect_uri = \"{ouri}\"\nscope = \"accounts\"\n\n\
         [login]\nusername = \"{user}\"\npassword = \"{pw}\"\n\n\
         [authorize]\ncountryCode = \"PL\"\nbusinessCode = \"GCB\"\nlocale = \"en_US\"\n",
        profile = d.profile,
        cid = c.id,
        csecret = c.secret,
        curi = c.redirect_uri,
        oid = o.id,
        osecret = o.secret,
        ouri = o.redirect_uri,
        user = reg.user.username,
        pw = reg.user.password,
    )
}

/// The rfc6749 target file: what the metadata says is left to the metadata; what it cannot
/// say (or all of it, with the metadata withheld) is stated in `[capabilities]`.
fn rfc6749(d: &Described<'_>) -> String {
    let base = &d.base;
    let mut t = format!("# Target file for the oauth-conformance reference server (rfc6749).\nprofile = \"rfc6749\"\nbase_url = \"{base}\"\nprobe_url = \"{base}{PROBE}\"\n");
    if !d.faults.names().is_empty() {
        let _ = writeln!(t, "# faults: {}", d.faults.names().join(", "));
    }
    if !d.extras.withheld.names().is_empty() {
        let _ = writeln!(t, "# withheld: {}", d.extras.withheld.names().join(", "));
    }
    if !off(d, Offer::Metadata) {
        let _ = writeln!(t, "discovery_url = \"{base}{WELL_KNOWN}\"");
    }
    capabilities(d, &mut t);
    clients(d.reg, &mut t);
    if let Some((c, key)) = &d.reg.fapi_client {
        // FAPI 2.0: the client the profile governs; its redirect_uri and scope are its own.
        let _ = write!(t, "[fapi_client]\nid = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\nprivate_key = \"\"\"\n{}\"\"\"\n", c.id, c.redirect_uri, key.to_pem());
        // The variants where it uses mutual TLS: its methods, and the certificate the CA issued it.
        let (bound, tls_auth) = (super::fapi::mtls_bound(d.faults, d.variants), super::fapi::tls_auth(d.faults, d.variants));
        if let (Some(m), true) = (&d.extras.mtls, bound || tls_auth) {
            let methods = [(tls_auth, "client_auth = \"tls_client_auth\"\n"), (bound, "sender_constraint = \"mtls\"\n")];
            methods.iter().filter(|(on, _)| *on).for_each(|(_, line)| t.push_str(line));
            let _ = write!(t, "certificate = \"\"\"\n{}\"\"\"\ncertificate_key = \"\"\"\n{}\"\"\"\n", m.pki.fapi_cert_pem, m.pki.fapi_key_pem);
        }
        t.push('\n');
    }
    if let Some(m) = &d.extras.mtls {
        // RFC 8705: the client registered for self_signed_tls_client_auth, its certificate and
        // key (for tls_client_auth, §2.1, the one the CA issued), where its endpoints and the
        // resource are on the mTLS listener, and its CA.
        let pki_method = d.variants.has(Variant::MtlsTlsClientAuth) || d.faults.has(Fault::RfcMtlsSubjectOnly);
        let (certificate, key) = if pki_method { (&m.pki.issued_cert_pem, &m.pki.issued_key_pem) } else { (&m.pki.client_cert_pem, &m.pki.client_key_pem) };
        let _ = write!(
            t,
            "[mtls_client]\nid = \"{}\"\ncertificate = \"\"\"\n{}\"\"\"\nprivate_key = \"\"\"\n{}\"\"\"\nbase_url = \"{}\"\nprobe_url = \"{}{PROBE}\"\n\n[tls]\nca_cert = \"\"\"\n{}\"\"\"\n\n",
            m.client.id, certificate, key, m.alias, m.alias, m.pki.ca_pem
        );
    }
    if let (None, Some(ca)) = (&d.extras.mtls, &d.extras.tls_ca) {
        // `serve --tls`: the CA of the https listener's certificate.
        let _ = write!(t, "[tls]\nca_cert = \"\"\"\n{ca}\"\"\"\n\n");
    }
    let wait = |d: Duration| d.as_secs() + 1;
    if d.extras.short_lived {
        let _ = write!(t, "[slow]\ncode = {}\naccess_token = {}\nrequest_uri = {}\ndevice_code = {}\nfapi_code = {}\n\n", wait(SHORT_CODE), wait(SHORT_ACCESS), wait(SHORT_CODE), wait(SHORT_CODE), wait(SHORT_CODE));
    } else if d.variants.has(Variant::FapiCode30s) {
        // The FAPI client's codes live 30 s: the slow case waits them out, not 61 s.
        let _ = write!(t, "[slow]\nfapi_code = {}\n\n", wait(super::fapi::FAPI_SHORT_CODE));
    }
    t.push_str("[endpoints]\nauthorize = \"/authorize\"\ntoken = \"/token\"\n");
    for (offer, line) in [
        (Offer::Revocation, "revoke = \"/revoke\"\n"),
        (Offer::Introspection, "introspect = \"/introspect\"\n"),
        (Offer::Par, "par = \"/par\"\n"),
        (Offer::DeviceGrant, "device_authorization = \"/device_authorization\"\n"),
        (Offer::OpenId, "jwks = \"/jwks\"\nuserinfo = \"/userinfo\"\n"),
    ] {
        if !off(d, offer) {
            t.push_str(line);
        }
    }
    t
}

fn off(d: &Described<'_>, offer: Offer) -> bool {
    d.extras.withheld.has(offer)
}

/// `[capabilities]`: what the metadata cannot say, and all of it when the metadata is withheld.
fn capabilities(d: &Described<'_>, t: &mut String) {
    t.push_str("\n[capabilities]\n");
    let _ = writeln!(t, "refresh_rotation = {}", !d.variants.has(Variant::RefreshNotRotated) && !off(d, Offer::RefreshRotation));
    let _ = writeln!(t, "client_secret_post = {}", !off(d, Offer::ClientSecretPost));
    if off(d, Offer::Metadata) {
        for (name, offer) in [("iss", Offer::Iss), ("introspection", Offer::Introspection), ("revocation", Offer::Revocation), ("par", Offer::Par), ("private_key_jwt", Offer::PrivateKeyJwt), ("device_grant", Offer::DeviceGrant), ("dpop", Offer::Dpop), ("openid", Offer::OpenId)] {
            let _ = writeln!(t, "{name} = {}", !off(d, offer));
        }
        let _ = writeln!(t, "par_required = {}", d.extras.par_required || d.variants.has(Variant::ParRequired));
    }
}

/// A client registered with a loopback redirect URI is the reference's native app (RFC 8252 §7.3).
fn native_if_loopback(redirect_uri: &str) -> &'static str {
    if redirect_uri.starts_with("http://127.0.0.1") || redirect_uri.starts_with("http://[::1]") { "application_type = \"native\"\n" } else { "" }
}

/// The main client is registered for the response types of OpenID Connect's three flows (the
/// reference takes them where it offers those flows).
const RESPONSE_TYPES: &str = "response_types = [\"code\", \"id_token\", \"id_token token\", \"code id_token\", \"code token\", \"code id_token token\"]\n";

/// The clients and the user, each registered one in its table.
fn clients(reg: &Registration, t: &mut String) {
    let (c, o) = (&reg.clients[0], &reg.clients[1]);
    let _ = write!(
        t,
        "\n[client]\nid = \"{}\"\nsecret = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\n{}{RESPONSE_TYPES}\n\
         [second_client]\nid = \"{}\"\nsecret = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\n\n",
        c.id, c.secret, c.redirect_uri, native_if_loopback(&c.redirect_uri), o.id, o.secret, o.redirect_uri
    );
    if let Some((c, key)) = &reg.jwt_client {
        let _ = write!(t, "[jwt_client]\nid = \"{}\"\nprivate_key = \"\"\"\n{}\"\"\"\n\n", c.id, key.to_pem());
    }
    if let Some(p) = &reg.public_client {
        let _ = write!(t, "[public_client]\nid = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\n{}\n", p.id, p.redirect_uri, native_if_loopback(&p.redirect_uri));
    }
    let _ = write!(t, "[login]\nusername = \"{}\"\npassword = \"{}\"\n\n", reg.user.username, reg.user.password);
}
