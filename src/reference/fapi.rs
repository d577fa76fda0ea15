//! The FAPI 2.0 Security Profile (Final) for the one client registered under it, `fapi-client`:
//! the server serves its other clients under plain OAuth, as a deployment that serves several
//! profiles does, per client. Each rule is consulted at the endpoint it governs (PAR, the
//! authorization endpoint, the token endpoint, client authentication); a fault breaks it there.
use super::endpoint::state::AuthServer;
use super::fault::Fault;
use super::oauth_error::OAuthError;
use super::params::Params;
use super::fault::Faults;
use super::variant::{Variant, Variants};

/// §5.3.2.2 item 12: a request_uri lives less than 600 s.
const FAPI_REQUEST_URI_LIFETIME: u64 = 90;
/// §5.3.2.1 item 11: at most 60 s.
const FAPI_CODE: std::time::Duration = std::time::Duration::from_secs(60);
/// What the variant fapi-code-30s gives them.
pub const FAPI_SHORT_CODE: std::time::Duration = std::time::Duration::from_secs(30);
/// What the fault fapi-code-long-lived gives the FAPI client's codes.
const FAPI_LONG_CODE: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether the FAPI client's tokens are bound to its certificate (RFC 8705 §3), not a DPoP key:
/// the variants that say so, and the faults that break that binding's rules.
pub fn mtls_bound(faults: &Faults, variants: &Variants) -> bool {
    variants.has(Variant::FapiMtlsBound) || variants.has(Variant::FapiAllMtls) || [Fault::FapiMtlsNoCertIssued, Fault::FapiMtlsRefreshUnbound, Fault::FapiMtlsNoCnf].iter().any(|f| faults.has(*f))
}

/// Whether the FAPI client authenticates with its certificate (tls_client_auth, RFC 8705 §2.1),
/// not private_key_jwt: likewise.
pub fn tls_auth(faults: &Faults, variants: &Variants) -> bool {
    variants.has(Variant::FapiTlsClientAuth) || variants.has(Variant::FapiAllMtls) || [Fault::FapiTlsAuthAnyCert, Fault::FapiTlsAuthSubjectOnly, Fault::FapiTlsAuthNoCert].iter().any(|f| faults.has(*f))
}

impl AuthServer {
    /// Whether the FAPI client's tokens are bound to its certificate.
    pub fn fapi_mtls_bound(&self) -> bool {
        mtls_bound(&self.faults, &self.variants)
    }

    /// Whether the FAPI client authenticates with tls_client_auth.
    pub fn fapi_tls_auth(&self) -> bool {
        tls_auth(&self.faults, &self.variants)
    }

    /// RFC 8705 §2.1: the FAPI client under tls_client_auth, naming itself by client_id alone
    /// (no other method), is authenticated by a certificate the CA issued to its registered
    /// subject; None when the request is not that.
    pub fn fapi_tls_caller(&self, p: &Params, other_method: bool, peer: Option<&[u8]>) -> Option<Result<&super::registration::ClientReg, OAuthError>> {
        let (fapi, _) = self.reg.fapi_client.as_ref()?;
        let m = self.mtls.as_ref()?;
        if !self.fapi_tls_auth() || other_method || p.get("client_id") != Some(fapi.id.as_str()) {
            return None;
        }
        let accepted = match peer {
            Some(_) if self.has(Fault::FapiTlsAuthAnyCert) => true,
            Some(der) => m.pki.issued_to(der, &super::mtls::registered_subject(&fapi.id), self.has(Fault::FapiTlsAuthSubjectOnly)),
            None => self.has(Fault::FapiTlsAuthNoCert),
        };
        Some(if accepted { Ok(fapi) } else { Err(OAuthError::bad_request("invalid_client", "the client certificate is missing or is not issued to this client's registered subject")) })
    }

    /// Whether `client_id` is the FAPI client's.
    pub fn is_fapi(&self, client_id: Option<&str>) -> bool {
        matches!((client_id, &self.reg.fapi_client), (Some(id), Some((c, _))) if c.id == id)
    }

    /// FAPI 2.0 Security Profile §5.3.2.1 item 11: the FAPI client's codes live 60 s at most
    /// (shorter still when the server runs short-lived); the fault has them live two minutes
    /// whatever the server's lifetimes.
    pub fn fapi_code_lifetime(&self, code: &str) {
        let most = if self.variant(Variant::FapiCode30s) { FAPI_SHORT_CODE } else { FAPI_CODE };
        if self.has(Fault::FapiCodeLongLived) {
            self.store.set_code_lifetime(code, FAPI_LONG_CODE);
        } else if self.store.lifetimes.code > most {
            self.store.set_code_lifetime(code, most);
        }
    }

    /// Whether a redirect to `uri` answers the FAPI client (its registered redirect_uri).
    pub fn is_fapi_redirect(&self, uri: &str) -> bool {
        self.reg.fapi_client.as_ref().is_some_and(|(c, _)| uri.starts_with(c.redirect_uri.as_str()))
    }

    /// §5.3.2.2 items 1, 5 and 6, checked on the FAPI client's request: response_type code,
    /// PKCE with S256, redirect_uri given. At the push, or (the variant) at the authorization
    /// endpoint, as RFC 9126 §2.1 allows.
    pub fn fapi_request_refusal(&self, p: &Params) -> Option<(&'static str, &'static str)> {
        if p.get("response_type") != Some("code") && !self.has(Fault::FapiResponseTypeUnchecked) {
            return Some(("unsupported_response_type", "FAPI 2.0: response_type must be code"));
        }
        match (p.get("code_challenge"), p.get("code_challenge_method")) {
            (Some(_), Some("S256")) => {}
            (None, _) if self.has(Fault::FapiPkceOptional) => {}
            (Some(_), Some("plain")) if self.has(Fault::FapiPkcePlain) => {}
            _ => return Some(("invalid_request", "FAPI 2.0: PKCE with code_challenge_method S256 is required")),
        }
        if p.get("redirect_uri").is_none() && !self.has(Fault::FapiRedirectUriOptional) {
            return Some(("invalid_request", "FAPI 2.0: redirect_uri is required in the pushed request"));
        }
        None
    }

    /// Whether the push checks the FAPI request itself (not under the variant that leaves it to
    /// the authorization endpoint).
    pub fn fapi_checks_at_push(&self) -> bool {
        !self.variant(Variant::FapiChecksAtAuthorize)
    }

    /// The FAPI client's pushed request as the authorization endpoint serves it: the faults that
    /// let a request through serve it as a plain code request (the response type as code, an
    /// unchecked plain challenge dropped).
    pub fn fapi_served(&self, pushed: &Params) -> Params {
        let mut p: Vec<(String, String)> = pushed.pairs().to_vec();
        if self.has(Fault::FapiResponseTypeUnchecked) {
            p.iter_mut().filter(|(k, _)| k == "response_type").for_each(|(_, v)| *v = "code".into());
        }
        if self.has(Fault::FapiPkcePlain) && p.iter().any(|(k, v)| k == "code_challenge_method" && v == "plain") {
            p.retain(|(k, _)| k != "code_challenge" && k != "code_challenge_method");
        }
        Params::parse(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(p).finish().as_bytes())
    }

    /// The request_uri lifetime a push by `client_id` is told.
    pub fn par_expires_in(&self, client_id: &str) -> u64 {
        match self.is_fapi(Some(client_id)) {
            true if self.has(Fault::FapiRequestUriLongLived) => 600,
            true if self.variant(Variant::FapiRequestUri30s) => 30,
            true => FAPI_REQUEST_URI_LIFETIME.min(self.par_lifetime),
            false => self.par_lifetime,
        }
    }

    /// §5.3.2.2 item 3: the FAPI client's authorization request that did not come through PAR.
    pub fn fapi_plain_refused(&self, client_id: &str, by_reference: bool) -> bool {
        self.is_fapi(Some(client_id)) && !by_reference && !self.has(Fault::FapiPlainRequestServed)
    }

    /// The fault that serves the FAPI client's token request on its client_id alone, with no
    /// assertion and no Authorization header (§5.3.2.1 item 6: it authenticates with
    /// private_key_jwt).
    pub fn fapi_unauthenticated(&self, headers: &axum::http::HeaderMap, p: Option<&Params>) -> Option<&super::registration::ClientReg> {
        let p = p?;
        let bare = !headers.contains_key(axum::http::header::AUTHORIZATION) && p.get("client_assertion").is_none();
        let fapi = self.reg.fapi_client.as_ref().map(|(c, _)| c).filter(|c| p.get("client_id") == Some(c.id.as_str()))?;
        (bare && self.has(Fault::FapiTokenUnauthenticated)).then_some(fapi)
    }

    /// The FAPI client's token request: §5.3.2.1 item 2 (the password grant refused: the fault
    /// answers it) and item 4 (sender-constrained tokens only: a DPoP proof is required, or the
    /// client's certificate where its tokens are bound to it).
    pub fn fapi_token_refusal(&self, p: &Params, proven: bool, certified: bool) -> Option<OAuthError> {
        if !self.is_fapi(p.get("client_id")) {
            return None;
        }
        if p.get("grant_type") == Some("password") && self.has(Fault::FapiPasswordGrant) {
            return Some(OAuthError::bad_request("invalid_grant", "wrong username or password"));
        }
        // §5.3.2.1 item 6: a client that authenticates with its certificate and presents none is
        // not authenticated, whatever its tokens would be bound to.
        if self.fapi_tls_auth() && !certified && !self.has(Fault::FapiTlsAuthNoCert) {
            return Some(OAuthError::bad_request("invalid_client", "the client certificate is missing (tls_client_auth)"));
        }
        if self.fapi_mtls_bound() {
            let refresh = p.get("grant_type") == Some("refresh_token");
            let let_through = if refresh { self.has(Fault::FapiMtlsRefreshUnbound) } else { self.has(Fault::FapiMtlsNoCertIssued) };
            return (!certified && !let_through).then(|| OAuthError::bad_request("invalid_request", "FAPI 2.0: the client certificate is required (its access tokens are bound to it, RFC 8705 section 3)"));
        }
        if !proven && !self.has(Fault::FapiBearerWithoutProof) {
            return Some(OAuthError::bad_request("invalid_request", "FAPI 2.0: a DPoP proof is required (sender-constrained access tokens only)"));
        }
        None
    }

    /// Whether a token answer to a request with a valid proof is bound to its key: the FAPI
    /// client's always (unless the fault), the others' unless the dpop-unbound variant.
    pub fn binds_proof(&self, client_id: Option<&str>) -> bool {
        match self.is_fapi(client_id) {
            true => !self.has(Fault::FapiProofUnbound),
            false => !self.variant(Variant::DpopUnbound),
        }
    }

    /// §5.3.2.1 item 13: how far ahead of now a JWT's `iat` or `nbf` may be — up to 60 s is the
    /// server's choice (10 s it must take); the faults take any, or none ahead at all.
    pub fn fapi_max_ahead(&self) -> u64 {
        if self.has(Fault::FapiAssertionFarAheadAccepted) {
            u64::MAX / 2
        } else if self.has(Fault::FapiAssertionSkewRefused) {
            0
        } else {
            30
        }
    }

    /// §5.3.2.1 item 8: the audiences the FAPI client's assertion may name — the issuer alone,
    /// as a string (the faults widen or narrow it) — and whether an array is taken.
    pub fn fapi_audiences(&self, base: &str) -> (Vec<String>, bool) {
        let endpoints = ["/token", "/par", "/revoke", "/introspect"].map(|path| format!("{base}{path}"));
        let mut audiences = if self.has(Fault::FapiAudIssuerRefused) { Vec::new() } else { vec![base.to_string()] };
        if self.has(Fault::FapiAudEndpointAccepted) || self.has(Fault::FapiAudIssuerRefused) {
            audiences.extend(endpoints);
        }
        (audiences, self.has(Fault::FapiAudArrayAccepted))
    }
}
