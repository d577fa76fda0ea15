//! What every grant at a token endpoint shares: reading the request (a form; GET or JSON under
//! faults), authenticating the client, checking grant_type, and rendering the token answer.
//! Enters: a token request; leaves: the client and its parameters, or an answer.
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::fault::Fault;
use super::super::oauth_error::{CACHE_CONTROL_MORE, OAuthError, no_store};
use super::super::params::{self, Params, ascii};
use super::super::registration::ClientReg;
use super::super::store::{GrantError, Issued, REFRESH_LIFETIME};
use super::super::variant::Variant;
use super::state::AuthServer;

/// A token request as it arrived: the method (GET only under a fault), headers, query and body.
pub struct TokenRequest {
    pub method: Method,
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Bytes,
    /// The client certificate of the connection (the mutual-TLS listener's), if any.
    pub peer: Option<std::sync::Arc<Vec<u8>>>,
}

impl<S: Send + Sync> FromRequest<S> for TokenRequest {
    type Rejection = BytesRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (method, headers, query) = (req.method().clone(), req.headers().clone(), req.uri().query().map(str::to_string));
        let peer = req.extensions().get::<super::super::mtls::PeerCert>().and_then(|p| p.0.clone());
        let body = Bytes::from_request(req, state).await?;
        Ok(TokenRequest { method, headers, query, body, peer })
    }
}

impl AuthServer {
    /// The token request's parameters: a form (RFC 6749 §3.2), from the body or, with the
    /// get-token-allowed fault, the query.
    pub fn token_params(&self, req: &TokenRequest) -> Result<Params, OAuthError> {
        if req.method == Method::GET {
            return Ok(Params::parse(req.query.as_deref().unwrap_or_default().as_bytes()));
        }
        if self.has(Fault::JsonBodyAccepted)
            && let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(&req.body)
        {
            let pairs: Vec<(String, String)> = o.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect();
            let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            return Ok(Params::parse(encoded.as_bytes()));
        }
        if self.has(Fault::RepeatedParamsAccepted) {
            return params::form_allowing_repeats(&req.headers, &req.body);
        }
        params::form(&req.headers, &req.body)
    }

    /// A token request for `grant`: the authenticated client and its parameters, or the error
    /// (invalid_client, invalid_request, unsupported_grant_type).
    pub fn grant_request(&self, req: &TokenRequest, grant: &str) -> Result<(&ClientReg, Params), OAuthError> {
        // RFC 6749 §2.3, §4.1.3: a public client sends no credentials, only its client_id.
        let parsed = self.token_params(req);
        let client = match (self.mtls_caller(req, parsed.as_ref().ok()), self.public_caller(&req.headers, parsed.as_ref().ok())) {
            (Some(mtls), _) => mtls?,
            (None, Some(c)) if self.flavour.public_clients => c,
            _ => match self.fapi_unauthenticated(&req.headers, parsed.as_ref().ok()) {
                Some(fapi) => fapi,
                None => self.client_of(&req.headers, parsed.as_ref().ok())?,
            },
        };
        let p = parsed?;
        if grant == "client_credentials" && self.reg.is_public(&client.id) && !self.has(Fault::RfcPublicClientCredentials) {
            return Err(OAuthError::bad_request("unauthorized_client", "the client credentials grant is for confidential clients"));
        }
        match p.get("grant_type") {
            None if self.has(Fault::MissingGrantTypeUnsupported) => Err(OAuthError::bad_request("unsupported_grant_type", "grant_type is required")),
            None => Err(OAuthError::bad_request("invalid_request", "grant_type is required")),
            Some(g) if g == grant => Ok((client, p)),
            Some(other) => Err(OAuthError::bad_request("unsupported_grant_type", format!("grant_type {} is not supported here", ascii(other)))),
        }
    }

    /// RFC 8705 §2.2: the client registered for self_signed_tls_client_auth authenticates by
    /// presenting its registered certificate, and names itself with client_id alone; None when
    /// the request is not that client's.
    pub fn mtls_caller(&self, req: &TokenRequest, p: Option<&Params>) -> Option<Result<&ClientReg, OAuthError>> {
        let p = p?;
        let other_method = req.headers.contains_key(header::AUTHORIZATION) || p.get("client_secret").is_some() || p.get("client_assertion").is_some();
        // The FAPI client, where it authenticates with tls_client_auth (a variant).
        if let Some(fapi) = self.fapi_tls_caller(p, other_method, req.peer.as_deref().map(Vec::as_slice)) {
            return Some(fapi);
        }
        let m = self.mtls.as_ref()?;
        if p.get("client_id") != Some(m.client.id.as_str()) || other_method {
            return None;
        }
        // §2.1 tls_client_auth: the subject and the CA's chain; §2.2 self_signed: the thumbprint.
        let registered = |der: &[u8]| match self.tls_client_auth() {
            true => m.pki.issued_to(der, &super::super::mtls::registered_subject(&m.client.id), self.has(Fault::RfcMtlsSubjectOnly)),
            false => super::super::mtls::thumbprint(der) == m.client_x5t,
        };
        let accepted = match req.peer.as_deref() {
            Some(_) if self.has(Fault::RfcMtlsClientRefused) => false,
            Some(der) => registered(der) || self.has(Fault::RfcMtlsAnyCertAccepted),
            None => self.has(Fault::RfcMtlsNoCertAccepted),
        };
        Some(if accepted { Ok(&m.client) } else { Err(OAuthError::bad_request("invalid_client", "the client certificate is missing or is not the one registered for this client")) })
    }

    /// Whether the mutual-TLS client is registered for `tls_client_auth` (RFC 8705 §2.1: a
    /// certificate from the CA, matched by subject) rather than `self_signed_tls_client_auth`.
    pub fn tls_client_auth(&self) -> bool {
        self.variant(Variant::MtlsTlsClientAuth) || self.has(Fault::RfcMtlsSubjectOnly)
    }

    /// RFC 8705 §3: an access token issued to the mutual-TLS client is bound to the certificate
    /// it presented (its thumbprint, `cnf.x5t#S256`), unless a fault leaves it a bearer token.
    pub fn bind_to_certificate(&self, issued: &Issued, client_id: &str, req: &TokenRequest) {
        // …and the FAPI client's, where its tokens are bound to its certificate (a variant).
        let fapi_bound = self.is_fapi(Some(client_id)) && self.fapi_mtls_bound();
        let mtls_client = fapi_bound || self.mtls.as_ref().is_some_and(|m| m.client.id == client_id);
        let unbound = self.has(Fault::RfcMtlsTokenUnbound) || self.variant(Variant::MtlsTokensUnbound);
        if let (true, Some(der), false) = (mtls_client, req.peer.as_deref(), unbound) {
            self.store.bind_cert(&issued.access_token, &super::super::mtls::thumbprint(der));
        }
    }

    /// The token answer; `silent_scope` (a fault) leaves out the scope member.
    pub fn token_answer(&self, issued: &Issued, from_code: bool, silent_scope: bool) -> Response {
        self.token_answer_with(issued, from_code, silent_scope, None)
    }

    /// `token_answer` with an ID Token beside the tokens (OpenID Connect Core §3.1.3.3).
    pub fn token_answer_with(&self, issued: &Issued, from_code: bool, silent_scope: bool, id_token: Option<String>) -> Response {
        let mut body = json!({
            "access_token": issued.access_token,
            "token_type": if self.variant(Variant::TokenTypeCapitalised) { "Bearer" } else { "bearer" },
            "expires_in": self.expires_in,
            "scope": issued.scope,
        });
        if silent_scope {
            body.as_object_mut().map(|o| o.remove("scope"));
        }
        if let Some(t) = id_token {
            body["id_token"] = json!(t);
        }
        if self.variant(Variant::ExtraTokenMembers) {
            body["not_before_policy"] = json!(0);
            body["session_state"] = json!(crate::model::token::random_hex(8));
        }
        if let Some(r) = &issued.refresh_token
            && !(from_code && self.has(Fault::NoRefreshToken))
        {
            body["refresh_token"] = json!(r);
            body["refresh_token_expires_in"] = json!(REFRESH_LIFETIME.as_secs());
            body["consented_on"] = json!(issued.consented_on);
        }
        if self.has(Fault::TokenTypeMissing) {
            body.as_object_mut().map(|o| o.remove("token_type"));
        }
        if self.has(Fault::TokenTypeMac) {
            body["token_type"] = json!("mac");
        }
        if self.has(Fault::ExpiresInString) {
            body["expires_in"] = json!(self.expires_in.to_string());
        }
        if self.has(Fault::AccessTokenDead) {
            self.store.forget_access(&issued.access_token);
        }
        let mut resp = axum::Json(body).into_response();
        if !self.has(Fault::NoCacheControl) {
            no_store(&mut resp);
            if self.variant(Variant::CacheControlMore) {
                resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_MORE));
            }
        }
        resp
    }

    /// The answer for a grant: the tokens, or the error.
    pub fn grant_answer(&self, result: Result<Issued, OAuthError>, from_code: bool, silent_scope: bool) -> Response {
        match result {
            Ok(issued) => self.token_answer(&issued, from_code, silent_scope),
            Err(e) => self.error(e),
        }
    }
}

/// The RFC 6749 §5.2 error for a grant the store refuses.
pub fn grant_error(e: GrantError) -> OAuthError {
    let code = match e {
        GrantError::ScopeNotGranted => "invalid_scope",
        GrantError::RedirectUriMissing => "invalid_request",
        _ => "invalid_grant",
    };
    OAuthError::bad_request(code, e.description())
}
