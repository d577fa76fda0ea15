//! DPoP proofs as the token endpoint and the resource check them (RFC 9449): `dpop::check`
//! relaxed by the server's faults, replay refused by jti, and the refusals rendered.
//! Enters: the request's headers and what the proof must be for; leaves: the proven key or a refusal.
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::super::dpop;
use super::super::fault::Fault;
use super::super::oauth_error::OAuthError;
use super::super::variant::Variant;
use super::state::AuthServer;

/// How far ahead a proof's `iat` may be on a server with the fault that takes far-ahead proofs.
const WINDOW_AHEAD_LAX: i64 = 120;

impl AuthServer {
    /// The §4.3 checks the server's faults skip.
    fn dpop_lax(&self) -> dpop::Lax {
        dpop::Lax {
            typ: self.has(Fault::RfcDpopTypUnchecked),
            alg_none: self.has(Fault::RfcDpopAlgNoneAccepted),
            symmetric: self.has(Fault::RfcDpopSymmetricAccepted),
            signature: self.has(Fault::RfcDpopSignatureUnchecked),
            private_key: self.has(Fault::RfcDpopPrivateKeyAccepted),
            members: self.has(Fault::RfcDpopMembersUnchecked),
            htm: self.has(Fault::RfcDpopHtmUnchecked),
            htu: self.has(Fault::RfcDpopHtuUnchecked),
            iat: self.has(Fault::RfcDpopIatUnchecked),
            several: self.has(Fault::RfcDpopSeveralAccepted),
            malformed: self.has(Fault::RfcDpopMalformedIgnored),
            ath: self.has(Fault::RfcDpopAthUnchecked),
            es256_only: self.has(Fault::RfcDpopEs256Only),
            ahead_secs: match (self.has(Fault::FapiDpopFarAheadAccepted), self.has(Fault::FapiDpopSkewRefused)) {
                (true, _) => Some(WINDOW_AHEAD_LAX),
                // Nothing ahead of the clock beyond the second it is in.
                (_, true) => Some(1),
                _ => None,
            },
        }
    }

    /// The request's DPoP proof for `url`, checked as §4.3 lists (less what the faults skip), its
    /// jti remembered for the endpoint (§11.1).
    pub fn dpop_proof(&self, headers: &HeaderMap, method: &str, url: &str, access_token: Option<&str>) -> Result<Option<dpop::Proven>, dpop::Refusal> {
        let nonce = self.variant(Variant::DpopNonce).then_some(self.store.dpop_nonce.as_str());
        let proven = dpop::check(headers, &dpop::Expected { method, url, access_token, nonce }, self.dpop_lax())?;
        if let Some(p) = &proven
            && !self.has(Fault::RfcDpopReplayAccepted)
            && self.store.jti_seen(&format!("dpop {url} {}", p.jti))
        {
            return Err(dpop::Refusal::Invalid("this proof's jti was seen before".into()));
        }
        Ok(proven)
    }

    /// A refused proof at the token endpoint (RFC 9449 §5: invalid_dpop_proof; §8: use_dpop_nonce).
    pub fn dpop_refused(&self, why: dpop::Refusal) -> Response {
        match why {
            dpop::Refusal::Invalid(m) => self.error(OAuthError::bad_request("invalid_dpop_proof", m)),
            dpop::Refusal::NonceNeeded => {
                let mut resp = self.error(OAuthError::bad_request("use_dpop_nonce", "use the DPoP-Nonce this answer carries"));
                self.dpop_nonce_header(&mut resp);
                resp
            }
        }
    }

    /// The server's DPoP nonce on `resp`, when it demands one (the dpop-nonce variant).
    pub fn dpop_nonce_header(&self, resp: &mut Response) {
        if self.variant(Variant::DpopNonce)
            && let Ok(v) = HeaderValue::from_str(&self.store.dpop_nonce)
        {
            resp.headers_mut().insert("dpop-nonce", v);
        }
    }
}
