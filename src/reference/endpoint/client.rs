//! Which client a request comes from, as the token, revocation, introspection, PAR and device
//! endpoints decide it: HTTP Basic, client_secret_post, private_key_jwt, or a public client that
//! only names itself. Enters: the request's headers and form; leaves: the registered client or
//! the RFC 6749 §5.2 error.
use axum::http::{HeaderMap, header};

use super::super::client_auth::{AssertionPolicy, authenticate, secrets_equal, verify_assertion};
use super::super::fault::Fault;
use super::super::oauth_error::OAuthError;
use super::super::offer::Offer;
use super::super::params::Params;
use super::super::registration::ClientReg;
use super::state::{AuthServer, REALM, issuer};

impl AuthServer {
    /// The client authenticating by HTTP Basic.
    pub fn client(&self, headers: &HeaderMap) -> Result<&ClientReg, OAuthError> {
        authenticate(headers, &self.reg, !self.has(Fault::WrongSecretAccepted), !self.has(Fault::RfcBasicNotDecoded), REALM)
    }

    /// The registered public client a request names by client_id without any Authorization
    /// header (RFC 6749 §2.3, §4.1.3: it identifies itself, it cannot authenticate).
    pub fn public_caller(&self, headers: &HeaderMap, p: Option<&Params>) -> Option<&ClientReg> {
        if headers.contains_key(header::AUTHORIZATION) {
            return None;
        }
        let id = p?.get("client_id")?;
        self.reg.public_client.as_ref().filter(|c| c.id == id)
    }

    /// The authenticating client: HTTP Basic, or (where the flavour speaks them and they are
    /// offered) private_key_jwt or client_secret_post — client_id and client_secret in the form,
    /// never both methods at once (RFC 6749 §2.3).
    pub fn client_of(&self, headers: &HeaderMap, p: Option<&Params>) -> Result<&ClientReg, OAuthError> {
        if let Some(p) = p.filter(|p| p.get("client_assertion_type") == Some(crate::jose::assertion::ASSERTION_TYPE) && self.flavour.private_key_jwt)
            && let Some(client) = self.asserted_client(headers, p)
        {
            return client;
        }
        let posted = p.and_then(|p| p.get("client_secret").map(|s| (p.get("client_id"), s)));
        let post_works = self.flavour.client_secret_post && self.offers(Offer::ClientSecretPost) && !self.has(Fault::RfcClientSecretPostRefused);
        let Some((id, secret)) = posted.filter(|_| post_works) else {
            return self.client(headers);
        };
        if headers.contains_key(header::AUTHORIZATION) {
            if self.has(Fault::RfcTwoAuthMethodsAccepted) {
                return self.client(headers);
            }
            return Err(OAuthError::bad_request("invalid_request", "use one client authentication method, not two"));
        }
        let client = id.and_then(|id| self.reg.confidential(id)).ok_or_else(|| OAuthError::invalid_client("unknown client", REALM))?;
        if !self.has(Fault::WrongSecretAccepted) && !secrets_equal(&client.secret, secret) {
            // RFC 6749 §5.2: 401 with a challenge only when the client used the Authorization header.
            return Err(OAuthError::bad_request("invalid_client", "client authentication failed"));
        }
        Ok(client)
    }

    /// RFC 7523 §2.2: the client registered for private_key_jwt, if one is, and whether its
    /// assertion holds.
    fn asserted_client(&self, headers: &HeaderMap, p: &Params) -> Option<Result<&ClientReg, OAuthError>> {
        // The FAPI client (FAPI 2.0 §5.3.2.1 item 8: the issuer alone, as a string), else the
        // client registered for private_key_jwt.
        let fapi = self.reg.fapi_client.as_ref().filter(|(c, _)| p.get("client_id") == Some(c.id.as_str()));
        let (client, key) = fapi.or(self.reg.jwt_client.as_ref())?;
        let refuse = |d: &str| OAuthError::bad_request("invalid_client", d.to_string());
        let Some(jwt) = p.get("client_assertion") else { return Some(Err(refuse("client_assertion is required"))) };
        if p.get("client_id").is_some_and(|id| id != client.id) {
            return Some(Err(refuse("unknown client")));
        }
        let base = self.assertion_issuer(headers);
        let (audiences, array_taken) = match fapi {
            Some(_) => self.fapi_audiences(&base),
            None => (["", "/token", "/par", "/revoke", "/introspect"].iter().map(|path| format!("{base}{path}")).collect(), true),
        };
        let policy = AssertionPolicy {
            aud_array_refused: !array_taken,
            max_ahead: fapi.map(|_| self.fapi_max_ahead()),
            aud_unchecked: self.has(Fault::RfcJwtAudUnchecked),
            exp_unchecked: self.has(Fault::RfcJwtExpUnchecked),
            signature_unchecked: self.has(Fault::RfcJwtSignatureUnchecked),
            alg_none_accepted: self.has(Fault::RfcJwtAlgNoneAccepted),
            sub_unchecked: self.has(Fault::RfcJwtSubUnchecked),
            replay_accepted: false,
        };
        Some(verify_assertion(jwt, &client.id, key, &audiences, &|j| self.store.jti_seen(j), policy).map(|()| client).map_err(refuse))
    }

    /// The issuer a client assertion names: the one the request's host says, except on the
    /// mutual-TLS listener (RFC 8705 §5's aliases), whose requests belong to the main one's.
    fn assertion_issuer(&self, headers: &HeaderMap) -> String {
        let here = issuer(headers);
        let host = |origin: &str| origin.split_once("://").map(|(_, h)| h.to_string());
        match &self.mtls {
            Some(m) if host(&here) == host(&m.alias) => m.issuer.clone(),
            _ => here,
        }
    }
}
