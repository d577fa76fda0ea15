//! The reference server's in-memory state: login transactions, codes, tokens, grants. One mutex
//! makes each operation atomic (a code is redeemed at most once even under a race); expired entries
//! are evicted as the store is used, so it does not grow without bound.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::model::token::random_token;

pub const CODE_LIFETIME: Duration = Duration::from_secs(120);
pub const ACCESS_LIFETIME: Duration = Duration::from_secs(1800);
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
const TXN_LIFETIME: Duration = Duration::from_secs(600);
pub const PAR_LIFETIME: Duration = Duration::from_secs(60);
pub const DEVICE_LIFETIME: Duration = Duration::from_secs(600);
/// Sweep expired entries every this many operations.
const SWEEP_EVERY: u64 = 256;

/// An authorization request between its arrival and the user's decision.
#[derive(Debug, Clone)]
pub struct Txn {
    pub sid: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub user: Option<String>,
    /// RFC 7636 S256 code_challenge of the authorization request, if any.
    pub challenge: Option<String>,
    /// The authorization request carried redirect_uri (else the registered one was used).
    pub redirect_uri_sent: bool,
    /// OpenID Connect Core §3.1.2.1: the nonce the ID Token must echo.
    pub nonce: Option<String>,
    /// The response_type asked for, when it is not code (OpenID Connect's implicit, hybrid).
    pub response_type: Option<String>,
    /// The response goes back by the Form Post Response Mode.
    pub form_post: bool,
    /// RFC 9449 §10: the DPoP key thumbprint the request bound its code to (dpop_jkt).
    pub dpop_jkt: Option<String>,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct CodeRec {
    client_id: String,
    redirect_uri: String,
    /// RFC 6749 §4.1.3: the token request must repeat redirect_uri only if this is true.
    redirect_uri_sent: bool,
    scope: String,
    challenge: Option<String>,
    nonce: Option<String>,
    dpop_jkt: Option<String>,
    expires: Instant,
    /// The grant it was redeemed into, once redeemed.
    redeemed: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AccessRec {
    pub client_id: String,
    pub scope: String,
    grant: Option<u64>,
    expires: Instant,
}

/// How a poll is judged; a correct server passes false for each (each is a fault).
#[derive(Debug, Clone, Copy, Default)]
pub struct DevicePolicy {
    pub reusable: bool,
    pub tokens_while_pending: bool,
    pub denied_as_pending: bool,
    pub any_client: bool,
    pub unknown_as_pending: bool,
}

impl AccessRec {
    /// Issued for an end user (a code, refresh or device grant), not to a client acting for
    /// itself (client credentials).
    pub fn for_end_user(&self) -> bool {
        self.grant.is_some()
    }
}

#[derive(Debug, Clone)]
struct RefreshRec {
    client_id: String,
    scope: String,
    grant: u64,
    expires: Instant,
}

/// Tokens issued together.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scope: String,
    pub consented_on: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    Unknown,
    Expired,
    Replayed,
    /// A rotated-out refresh token presented again (RFC 9700 §4.14.2).
    RefreshReused,
    WrongClient,
    WrongRedirectUri,
    /// The authorization request carried redirect_uri, the token request does not.
    RedirectUriMissing,
    ScopeNotGranted,
    /// RFC 7636 §4.6: the code_verifier does not match the code_challenge.
    PkceMismatch,
    /// RFC 9700 §2.1.1: a code_verifier for a code requested without code_challenge.
    PkceUnexpected,
}

impl GrantError {
    pub fn description(self) -> &'static str {
        match self {
            GrantError::Unknown => "the grant is unknown",
            GrantError::Expired => "the grant has expired",
            GrantError::Replayed => "the authorization code was already used",
            GrantError::RefreshReused => "the refresh token was already rotated out: the grant is revoked",
            GrantError::WrongClient => "the grant was issued to another client",
            GrantError::WrongRedirectUri => "redirect_uri does not match the authorization request",
            GrantError::RedirectUriMissing => "redirect_uri is required: the authorization request included it",
            GrantError::ScopeNotGranted => "the requested scope exceeds the granted scope",
            GrantError::PkceMismatch => "code_verifier does not match the code_challenge",
            GrantError::PkceUnexpected => "code_verifier sent for a code requested without code_challenge",
        }
    }
}

/// Where a device authorization stands (RFC 8628 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    Approved,
    Denied,
    Used,
}

#[derive(Debug, Clone)]
pub struct DeviceRec {
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub state: DeviceState,
    pub expires: Instant,
    pub last_poll: Option<Instant>,
}

/// A device token request's answer, before it is rendered.
#[derive(Debug)]
pub enum DevicePoll {
    Tokens(Issued),
    /// RFC 8628 §3.5 error codes, and invalid_grant.
    Error(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Done,
    Unknown,
    OtherClient,
}

#[derive(Default)]
struct Inner {
    txns: HashMap<String, Txn>,
    /// RFC 9126 pushed requests by request_uri: the client, the request as a query string, expiry,
    /// and whether it was used.
    pushed: HashMap<String, (String, String, Instant, bool)>,
    /// Client assertion jti values seen, until they could no longer be valid (RFC 7523 §3).
    jtis: HashMap<String, Instant>,
    /// DPoP-bound tokens (access and refresh) and their key's thumbprint.
    bound: HashMap<String, String>,
    /// Certificate-bound access tokens (RFC 8705 §3) and their certificate's thumbprint.
    certs: HashMap<String, String>,
    /// RFC 8628 device authorizations by device_code.
    devices: HashMap<String, DeviceRec>,
    codes: HashMap<String, CodeRec>,
    access: HashMap<String, AccessRec>,
    refresh: HashMap<String, RefreshRec>,
    /// Refresh tokens rotated out, and the grant they belonged to: a replay is reuse (RFC 9700
    /// §4.14.2) and revokes the grant.
    rotated: HashMap<String, u64>,
    /// Tokens revoked by name, and their kind (for the introspection fault that still calls them
    /// active).
    revoked: HashMap<String, TokenKind>,
    next_grant: u64,
    ops: u64,
}

/// How long an expired device_code is remembered (see `Inner::tick`).
const DEVICE_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

impl Inner {
    fn tick(&mut self) {
        self.ops += 1;
        if self.ops.is_multiple_of(SWEEP_EVERY) {
            let now = Instant::now();
            self.txns.retain(|_, t| t.expires > now);
            self.pushed.retain(|_, p| p.2 > now);
            self.jtis.retain(|_, t| *t > now);
            // An expired device_code is kept a while: polled after its lifetime it is
            // answered expired_token (RFC 8628 §3.5), not as a code never issued.
            self.devices.retain(|_, d| d.expires + DEVICE_KEPT > now);
            self.codes.retain(|_, c| c.expires > now);
            self.access.retain(|_, a| a.expires > now);
            self.refresh.retain(|_, r| r.expires > now);
            let (access, refresh) = (&self.access, &self.refresh);
            self.bound.retain(|t, _| access.contains_key(t) || refresh.contains_key(t));
            self.certs.retain(|t, _| access.contains_key(t));
        }
    }

    fn revoke_grant(&mut self, grant: u64) {
        self.revoke_grant_keeping(grant, false);
    }

    fn revoke_grant_keeping(&mut self, grant: u64, keep_access: bool) {
        if !keep_access {
            self.access.retain(|_, a| a.grant != Some(grant));
        }
        self.refresh.retain(|_, r| r.grant != grant);
    }

    fn issue(&mut self, client_id: &str, scope: &str, grant: Option<u64>, life: &Lifetimes, token: &dyn Fn() -> String) -> Issued {
        let now = Instant::now();
        let access_token = token();
        self.access.insert(
            access_token.clone(),
            AccessRec { client_id: client_id.into(), scope: scope.into(), grant, expires: now + life.access },
        );
        let refresh_token = grant.map(|g| {
            let t = token();
            self.refresh.insert(t.clone(), RefreshRec { client_id: client_id.into(), scope: scope.into(), grant: g, expires: now + life.refresh });
            t
        });
        let consented_on = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Issued { access_token, refresh_token, scope: scope.into(), consented_on }
    }
}

/// How `redeem_code` may misbehave, for fault injection; the default is correct.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedeemPolicy {
    /// Do not refuse a code already redeemed.
    pub reusable: bool,
    /// On a replay, keep the tokens issued from the code.
    pub keep_tokens_on_replay: bool,
    pub any_client: bool,
    pub any_redirect_uri: bool,
    /// Do not compare the code_verifier with the challenge.
    pub pkce_unchecked: bool,
    /// Accept a code_verifier for a code requested without a challenge.
    pub pkce_downgrade: bool,
    /// Accept a token request without redirect_uri although the authorization request had one.
    pub redirect_uri_omission_accepted: bool,
    /// Demand redirect_uri even when the authorization request had none.
    pub redirect_uri_always_required: bool,
}

/// How `refresh` behaves: faults and variants; the default is correct and rotates.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefreshPolicy {
    /// Fault: any client may use the token.
    pub any_client: bool,
    /// Fault: any scope is granted.
    pub any_scope: bool,
    /// Variant (or, unstated, a fault): a scope beyond the grant is narrowed to the grant.
    pub narrow: bool,
    /// Variant: the refresh token is kept, not rotated.
    pub keep: bool,
    /// Fault: the rotated-out token keeps working.
    pub old_stays_valid: bool,
    /// Fault: a replayed rotated-out token is refused but the grant lives on.
    pub no_reuse_detection: bool,
}

/// How `revoke` may misbehave, for fault injection; the default is correct.
#[derive(Debug, Clone, Copy)]
pub struct RevokePolicy {
    /// Revoking an access token revokes its grant's refresh tokens.
    pub cascade_from_access: bool,
    /// Revoking a refresh token revokes its grant's access tokens.
    pub cascade_from_refresh: bool,
    pub any_client: bool,
    /// Leave access tokens alive whatever is revoked.
    pub keep_access: bool,
    /// Look only in this kind of token (a trusted token_type_hint); None searches both.
    pub only: Option<TokenKind>,
}

impl Default for RevokePolicy {
    fn default() -> Self {
        RevokePolicy { cascade_from_access: true, cascade_from_refresh: true, any_client: false, keep_access: false, only: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// How long things live; the defaults are the bank's (code 120 s, access 30 min, refresh 30 days).
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub code: Duration,
    pub access: Duration,
    pub refresh: Duration,
    pub txn: Duration,
    /// A pushed request_uri (RFC 9126 §2.2: "typically between 5 and 600 seconds").
    pub par: Duration,
    /// A device_code (RFC 8628 §3.2).
    pub device: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes { code: CODE_LIFETIME, access: ACCESS_LIFETIME, refresh: REFRESH_LIFETIME, txn: TXN_LIFETIME, par: PAR_LIFETIME, device: DEVICE_LIFETIME }
    }
}

#[derive(Default)]
pub struct Store {
    inner: Mutex<Inner>,
    pub lifetimes: Lifetimes,
    /// Codes and tokens from a counter (the predictable-tokens fault).
    predictable: bool,
    /// The DPoP nonce the server hands out (RFC 9449 §8), under the dpop-nonce variant.
    pub dpop_nonce: String,
}

impl Store {
    pub fn with_lifetimes(lifetimes: Lifetimes) -> Store {
        Store { inner: Mutex::default(), lifetimes, predictable: false, dpop_nonce: crate::model::token::random_token() }
    }

    /// Binds a token to a DPoP key (RFC 9449 §5, §6): its JWK thumbprint.
    /// RFC 8705 §3: binds an access token to a client certificate's thumbprint.
    pub fn bind_cert(&self, token: &str, x5t: &str) {
        let mut g = self.lock();
        if g.certs.len() < 10_000 {
            g.certs.insert(token.to_string(), x5t.to_string());
        }
    }

    /// The certificate thumbprint `token` is bound to, if it is.
    pub fn bound_cert(&self, token: &str) -> Option<String> {
        self.lock().certs.get(token).cloned()
    }

    pub fn bind(&self, token: &str, jkt: &str) {
        self.lock().bound.insert(token.to_string(), jkt.to_string());
    }

    /// The thumbprint of the key `token` is bound to, if it is bound.
    pub fn bound_key(&self, token: &str) -> Option<String> {
        self.lock().bound.get(token).cloned()
    }

    pub fn predictable(self, yes: bool) -> Store {
        Store { predictable: yes, ..self }
    }

    /// A fresh code or token: 256 random bits, or the next counter value under the fault.
    fn token(&self) -> String {
        if self.predictable {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            return format!("tok-{:012}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        }
        random_token()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.tick();
        g
    }

    pub fn begin(&self, sid: &str, client_id: &str, redirect_uri: &str, scope: &str, state: Option<&str>) -> String {
        let id = random_token();
        let txn = Txn {
            sid: sid.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scope: scope.into(),
            state: state.map(str::to_string),
            redirect_uri_sent: true,
            user: None,
            challenge: None,
            nonce: None,
            response_type: None,
            form_post: false,
            dpop_jkt: None,
            expires: Instant::now() + self.lifetimes.txn,
        };
        self.lock().txns.insert(id.clone(), txn);
        id
    }

    /// The live transaction `id` of session `sid`.
    pub fn txn(&self, id: &str, sid: &str) -> Option<Txn> {
        let g = self.lock();
        g.txns.get(id).filter(|t| t.sid == sid && t.expires > Instant::now()).cloned()
    }

    /// Records the transaction's PKCE code_challenge.
    pub fn set_redirect_uri_sent(&self, id: &str, sent: bool) {
        if let Some(t) = self.lock().txns.get_mut(id) {
            t.redirect_uri_sent = sent;
        }
    }

    pub fn set_response_type(&self, id: &str, response_type: Option<&str>) {
        if let Some(t) = self.lock().txns.get_mut(id) {
            t.response_type = response_type.map(str::to_string);
        }
    }

    pub fn set_form_post(&self, id: &str, form_post: bool) {
        if let Some(t) = self.lock().txns.get_mut(id) {
            t.form_post = form_post;
        }
    }

    /// An access token issued at the authorization endpoint (OpenID Connect's implicit and
    /// hybrid flows, Core §3.2.2.5): for the end user, never with a refresh token.
    pub fn issue_at_authorization(&self, client_id: &str, scope: &str) -> String {
        let mut g = self.lock();
        g.next_grant += 1;
        let grant = g.next_grant;
        let issued = g.issue(client_id, scope, Some(grant), &self.lifetimes, &|| self.token());
        if let Some(r) = &issued.refresh_token {
            g.refresh.remove(r);
        }
        issued.access_token
    }

    pub fn set_challenge(&self, id: &str, challenge: Option<&str>) {
        if let Some(t) = self.lock().txns.get_mut(id) {
            t.challenge = challenge.map(str::to_string);
        }
    }

    pub fn sign_in(&self, id: &str, sid: &str, user: &str) -> bool {
        let mut g = self.lock();
        match g.txns.get_mut(id).filter(|t| t.sid == sid) {
            Some(t) => {
                t.user = Some(user.into());
                true
            }
            None => false,
        }
    }

    /// Ends a signed-in transaction (consent given or refused).
    pub fn finish(&self, id: &str, sid: &str) -> Option<Txn> {
        let mut g = self.lock();
        let ok = g.txns.get(id).is_some_and(|t| t.sid == sid && t.user.is_some() && t.expires > Instant::now());
        if ok { g.txns.remove(id) } else { None }
    }

    #[cfg(test)]
    pub fn issue_code(&self, client_id: &str, redirect_uri: &str, scope: &str) -> String {
        self.issue_code_with(client_id, redirect_uri, scope, None)
    }

    #[cfg(test)]
    pub fn issue_code_with(&self, client_id: &str, redirect_uri: &str, scope: &str, challenge: Option<&str>) -> String {
        self.issue_code_full(client_id, redirect_uri, true, scope, challenge)
    }

    pub fn issue_code_full(&self, client_id: &str, redirect_uri: &str, redirect_uri_sent: bool, scope: &str, challenge: Option<&str>) -> String {
        let code = self.token();
        let rec = CodeRec {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            redirect_uri_sent,
            scope: scope.into(),
            challenge: challenge.map(str::to_string),
            nonce: None,
            dpop_jkt: None,
            expires: Instant::now() + self.lifetimes.code,
            redeemed: None,
        };
        self.lock().codes.insert(code.clone(), rec);
        code
    }

    /// Sets how long `code` lives from now on (a client whose profile bounds its codes).
    pub fn set_code_lifetime(&self, code: &str, life: Duration) {
        if let Some(rec) = self.lock().codes.get_mut(code) {
            rec.expires = Instant::now() + life;
        }
    }

    /// Exchanges a code, atomically. A replayed code revokes what it was redeemed into (RFC 6749 §4.1.2).
    #[cfg(test)]
    pub fn redeem_code(&self, code: &str, client_id: &str, redirect_uri: &str, policy: RedeemPolicy) -> Result<Issued, GrantError> {
        self.redeem_code_verified(code, client_id, Some(redirect_uri), None, policy)
    }

    /// `redeem_code` with the RFC 7636 code_verifier the request carried.
    pub fn redeem_code_verified(&self, code: &str, client_id: &str, redirect_uri: Option<&str>, verifier: Option<&str>, policy: RedeemPolicy) -> Result<Issued, GrantError> {
        let mut g = self.lock();
        let rec = g.codes.get(code).cloned().ok_or(GrantError::Unknown)?;
        if let Some(grant) = rec.redeemed
            && !policy.reusable {
                if !policy.keep_tokens_on_replay {
                    g.revoke_grant(grant);
                }
                return Err(GrantError::Replayed);
            }
        if rec.expires <= Instant::now() {
            return Err(GrantError::Expired);
        }
        if rec.client_id != client_id && !policy.any_client {
            return Err(GrantError::WrongClient);
        }
        match redirect_uri {
            _ if policy.any_redirect_uri => {}
            Some(u) if u != rec.redirect_uri => return Err(GrantError::WrongRedirectUri),
            Some(_) => {}
            None if policy.redirect_uri_always_required => return Err(GrantError::RedirectUriMissing),
            None if rec.redirect_uri_sent && !policy.redirect_uri_omission_accepted => return Err(GrantError::RedirectUriMissing),
            None => {}
        }
        match (&rec.challenge, verifier) {
            (Some(c), Some(v)) if crate::model::token::s256(v) == *c => {}
            (Some(_), _) if policy.pkce_unchecked => {}
            (Some(_), _) => return Err(GrantError::PkceMismatch),
            (None, Some(_)) if policy.pkce_downgrade => {}
            (None, Some(_)) => return Err(GrantError::PkceUnexpected),
            (None, None) => {}
        }
        g.next_grant += 1;
        let grant = g.next_grant;
        if let Some(c) = g.codes.get_mut(code) {
            c.redeemed = Some(grant);
        }
        Ok(g.issue(client_id, &rec.scope, Some(grant), &self.lifetimes, &|| self.token()))
    }

    /// Records what an authorization request carries on to its code: the nonce the ID Token
    /// must echo, the dpop_jkt the code is bound to (RFC 9449 §10); on a transaction or a code.
    pub fn carry(&self, txn_or_code: &str, nonce: Option<&str>, dpop_jkt: Option<&str>) {
        let (nonce, dpop_jkt) = (nonce.map(str::to_string), dpop_jkt.map(str::to_string));
        let mut g = self.lock();
        if let Some(t) = g.txns.get_mut(txn_or_code) {
            (t.nonce, t.dpop_jkt) = (nonce.clone(), dpop_jkt.clone());
        }
        if let Some(c) = g.codes.get_mut(txn_or_code) {
            (c.nonce, c.dpop_jkt) = (nonce, dpop_jkt);
        }
    }

    /// The DPoP key thumbprint `code` is bound to, if its request named one.
    pub fn code_dpop_jkt(&self, code: &str) -> Option<String> {
        self.lock().codes.get(code).and_then(|c| c.dpop_jkt.clone())
    }

    /// The nonce the authorization request of `code` carried.
    pub fn code_nonce(&self, code: &str) -> Option<String> {
        self.lock().codes.get(code).and_then(|c| c.nonce.clone())
    }

    /// Whether `code` could be redeemed now, without redeeming it (the first half of a racy
    /// check-then-act, for the code-race fault).
    pub fn peek_code(&self, code: &str) -> Result<(), GrantError> {
        let g = self.lock();
        match g.codes.get(code) {
            None => Err(GrantError::Unknown),
            Some(c) if c.redeemed.is_some() => Err(GrantError::Replayed),
            Some(_) => Ok(()),
        }
    }

    /// Drops an access token from the store (the access-token-dead fault).
    pub fn forget_access(&self, token: &str) {
        self.lock().access.remove(token);
    }

    pub fn issue_client_credentials(&self, client_id: &str, scope: &str) -> Issued {
        self.lock().issue(client_id, scope, None, &self.lifetimes, &|| self.token())
    }

    /// Rotates a refresh token: the old one dies, a new pair is issued in the same grant.
    /// `any_client` and `any_scope` are faults: a correct server passes false for both.
    pub fn refresh(&self, token: &str, client_id: &str, scope: Option<&str>, policy: RefreshPolicy) -> Result<Issued, GrantError> {
        let RefreshPolicy { any_client, any_scope, narrow, keep, old_stays_valid, no_reuse_detection } = policy;
        let mut g = self.lock();
        if let Some(grant) = g.rotated.get(token).copied() {
            if !no_reuse_detection {
                g.revoke_grant(grant);
            }
            return Err(GrantError::RefreshReused);
        }
        let rec = g.refresh.get(token).cloned().ok_or(GrantError::Unknown)?;
        if rec.expires <= Instant::now() {
            return Err(GrantError::Expired);
        }
        if rec.client_id != client_id && !any_client {
            return Err(GrantError::WrongClient);
        }
        let granted: Vec<&str> = rec.scope.split(' ').collect();
        let scope = match scope {
            Some(s) if !any_scope && !s.split(' ').filter(|x| !x.is_empty()).all(|x| granted.contains(&x)) => {
                if !narrow {
                    return Err(GrantError::ScopeNotGranted);
                }
                s.split(' ').filter(|x| granted.contains(x)).collect::<Vec<_>>().join(" ")
            }
            Some(s) => s.to_string(),
            None => rec.scope.clone(),
        };
        let scope = if scope.is_empty() { rec.scope.clone() } else { scope };
        if keep {
            let mut issued = g.issue(client_id, &scope, None, &self.lifetimes, &|| self.token());
            if let Some(a) = g.access.get_mut(&issued.access_token) {
                a.grant = Some(rec.grant);
            }
            issued.refresh_token = None;
            return Ok(issued);
        }
        if !old_stays_valid {
            g.refresh.remove(token);
            if g.rotated.len() < 10_000 {
                g.rotated.insert(token.to_string(), rec.grant);
            }
        }
        Ok(g.issue(client_id, &scope, Some(rec.grant), &self.lifetimes, &|| self.token()))
    }

    /// Revokes `token` for `client_id`, and every token of its grant (seed: "and vice-versa").
    pub fn revoke(&self, token: &str, client_id: &str, policy: RevokePolicy) -> Revoked {
        let mut g = self.lock();
        let look = |k: TokenKind| policy.only.is_none_or(|o| o == k);
        let (owner, grant, is_access) = if let Some(a) = g.access.get(token).filter(|_| look(TokenKind::Access)) {
            (a.client_id.clone(), a.grant, true)
        } else if let Some(r) = g.refresh.get(token).filter(|_| look(TokenKind::Refresh)) {
            (r.client_id.clone(), Some(r.grant), false)
        } else {
            return Revoked::Unknown;
        };
        if owner != client_id && !policy.any_client {
            return Revoked::OtherClient;
        }
        if g.revoked.len() < 10_000 {
            g.revoked.insert(token.to_string(), if is_access { TokenKind::Access } else { TokenKind::Refresh });
        }
        let cascade = if is_access { policy.cascade_from_access } else { policy.cascade_from_refresh };
        match (cascade, grant) {
            (true, Some(grant)) => g.revoke_grant_keeping(grant, policy.keep_access),
            _ => {
                if !is_access {
                    g.refresh.remove(token);
                } else if !policy.keep_access {
                    g.access.remove(token);
                }
            }
        }
        Revoked::Done
    }

    /// RFC 7662: what the store knows of a live token — its kind, client, scope and seconds left —
    /// looking first where `hint` points, then everywhere (unless `only_hinted`, a fault).
    pub fn introspect(&self, token: &str, hint: Option<TokenKind>, only_hinted: bool) -> Option<(TokenKind, String, String, u64)> {
        let g = self.lock();
        let now = Instant::now();
        let access = || g.access.get(token).filter(|a| a.expires > now).map(|a| (TokenKind::Access, a.client_id.clone(), a.scope.clone(), a.expires));
        let refresh = || g.refresh.get(token).filter(|r| r.expires > now).map(|r| (TokenKind::Refresh, r.client_id.clone(), r.scope.clone(), r.expires));
        let found = match (hint, only_hinted) {
            (Some(TokenKind::Refresh), true) => refresh(),
            (Some(TokenKind::Access), true) => access(),
            (Some(TokenKind::Refresh), false) => refresh().or_else(access),
            _ => access().or_else(refresh),
        };
        found.map(|(k, c, s, exp)| (k, c, s, exp.saturating_duration_since(now).as_secs()))
    }

    /// The kind of a token that was revoked by name.
    pub fn revoked_kind(&self, token: &str) -> Option<TokenKind> {
        self.lock().revoked.get(token).copied()
    }

    /// Stores a pushed authorization request (RFC 9126 §2.2); returns its request_uri.
    pub fn push(&self, client_id: &str, query: &str) -> String {
        let uri = format!("urn:ietf:params:oauth:request_uri:{}", self.token());
        let expires = Instant::now() + self.lifetimes.par;
        let mut g = self.lock();
        g.tick();
        g.pushed.insert(uri.clone(), (client_id.to_string(), query.to_string(), expires, false));
        uri
    }

    /// The pushed request behind `uri` for `client_id`, used up (RFC 9126 §4); the error says why
    /// not. `any_client` and `reusable` are faults.
    pub fn take_pushed(&self, uri: &str, client_id: Option<&str>, any_client: bool, reusable: bool) -> Result<String, &'static str> {
        let mut g = self.lock();
        let rec = g.pushed.get_mut(uri).ok_or("unknown request_uri")?;
        if rec.2 <= Instant::now() {
            return Err("the request_uri has expired");
        }
        if client_id != Some(rec.0.as_str()) && !any_client {
            return Err("the request_uri was pushed by another client");
        }
        if rec.3 && !reusable {
            return Err("the request_uri was already used");
        }
        rec.3 = true;
        Ok(rec.1.clone())
    }

    /// RFC 8628 §3.2: a device_code and a user_code (8 letters from 20 consonants, as §6.1 suggests;
    /// 4 digits under the short-user-code fault).
    pub fn begin_device(&self, client_id: &str, scope: &str, short_user_code: bool) -> (String, String) {
        const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
        let bytes = crate::model::token::random_bytes::<8>();
        let user_code = if short_user_code {
            bytes[..4].iter().map(|b| char::from(b'0' + b % 10)).collect()
        } else {
            let letters: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
            format!("{}-{}", &letters[..4], &letters[4..])
        };
        let device_code = self.token();
        let rec = DeviceRec { client_id: client_id.into(), scope: scope.into(), user_code: user_code.clone(), state: DeviceState::Pending, expires: Instant::now() + self.lifetimes.device, last_poll: None };
        let mut g = self.lock();
        g.tick();
        g.devices.insert(device_code.clone(), rec);
        (device_code, user_code)
    }

    /// The pending device authorization a user_code names: its device_code, client and scope.
    pub fn device_by_user_code(&self, user_code: &str) -> Option<(String, String, String)> {
        let g = self.lock();
        let now = Instant::now();
        g.devices.iter().find(|(_, d)| d.user_code.eq_ignore_ascii_case(user_code) && d.state == DeviceState::Pending && d.expires > now).map(|(k, d)| (k.clone(), d.client_id.clone(), d.scope.clone()))
    }

    /// The user's decision on the verification page.
    pub fn decide_device(&self, device_code: &str, approved: bool) {
        if let Some(d) = self.lock().devices.get_mut(device_code)
            && d.state == DeviceState::Pending {
                d.state = if approved { DeviceState::Approved } else { DeviceState::Denied };
            }
    }

    /// RFC 8628 §3.4, §3.5: a poll by `client_id`. `interval` is the polling interval the answer
    /// gave; `reusable`, `tokens_while_pending` and `denied_as_pending` are faults.
    pub fn poll_device(&self, device_code: &str, client_id: &str, interval: Duration, policy: DevicePolicy) -> DevicePoll {
        let DevicePolicy { reusable, tokens_while_pending, denied_as_pending, any_client, unknown_as_pending } = policy;
        let mut g = self.lock();
        let now = Instant::now();
        let Some(d) = g.devices.get_mut(device_code) else { return DevicePoll::Error(if unknown_as_pending { "authorization_pending" } else { "invalid_grant" }) };
        if d.client_id != client_id && !any_client {
            return DevicePoll::Error("invalid_grant");
        }
        if d.expires <= now {
            return DevicePoll::Error("expired_token");
        }
        let too_fast = d.last_poll.is_some_and(|t| now.duration_since(t) < interval);
        d.last_poll = Some(now);
        match d.state {
            DeviceState::Pending if tokens_while_pending => {}
            DeviceState::Pending if too_fast => return DevicePoll::Error("slow_down"),
            DeviceState::Pending => return DevicePoll::Error("authorization_pending"),
            DeviceState::Denied if denied_as_pending => return DevicePoll::Error("authorization_pending"),
            DeviceState::Denied => return DevicePoll::Error("access_denied"),
            DeviceState::Used if !reusable => return DevicePoll::Error("invalid_grant"),
            DeviceState::Used | DeviceState::Approved => {}
        }
        d.state = DeviceState::Used;
        // The tokens go to the caller (the any-client fault lets another client be the caller).
        let (client, scope) = (client_id.to_string(), d.scope.clone());
        g.next_grant += 1;
        let grant = g.next_grant;
        DevicePoll::Tokens(g.issue(&client, &scope, Some(grant), &self.lifetimes, &|| self.token()))
    }

    /// Records a client assertion's jti; true when it was seen before.
    pub fn jti_seen(&self, jti: &str) -> bool {
        let mut g = self.lock();
        g.tick();
        g.jtis.insert(jti.to_string(), Instant::now() + Duration::from_secs(600)).is_some()
    }

    /// The live access token `token`.
    pub fn access(&self, token: &str) -> Option<AccessRec> {
        let g = self.lock();
        g.access.get(token).filter(|a| a.expires > Instant::now()).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Store {
        fn held(&self) -> usize {
            let g = self.inner.lock().unwrap();
            g.txns.len() + g.codes.len() + g.access.len() + g.refresh.len()
        }
    }

    /// Expired codes, tokens and transactions are evicted as the store is used.
    #[test]
    fn the_store_does_not_grow_without_bound() {
        let ms = Duration::from_millis(20);
        let store = Store::with_lifetimes(Lifetimes { code: ms, access: ms, refresh: ms, txn: ms, par: ms, device: ms });
        for i in 0..3000 {
            let code = store.issue_code("c", "https://a/cb", "accounts");
            if i % 2 == 0 {
                let _ = store.redeem_code(&code, "c", "https://a/cb", RedeemPolicy::default());
            }
            store.begin("sid", "c", "https://a/cb", "accounts", None);
            store.issue_client_credentials("c", "accounts");
            if i % 500 == 499 {
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        std::thread::sleep(Duration::from_millis(30));
        for _ in 0..SWEEP_EVERY {
            store.peek_code("nothing").ok();
        }
        assert!(store.held() < 2 * SWEEP_EVERY as usize, "{} entries held after expiry", store.held());
        let live = Store::default();
        for _ in 0..600 {
            live.issue_client_credentials("c", "accounts");
        }
        assert_eq!(live.held(), 600, "live entries stay");
    }

    const CB: &str = "https://a/cb";

    #[test]
    fn a_replayed_code_is_refused_and_revokes_what_it_was_redeemed_into() {
        let store = Store::default();
        let code = store.issue_code("c", CB, "accounts");
        let issued = store.redeem_code(&code, "c", CB, RedeemPolicy::default()).unwrap();
        assert!(store.access(&issued.access_token).is_some());
        assert_eq!(store.redeem_code(&code, "c", CB, RedeemPolicy::default()).unwrap_err(), GrantError::Replayed);
        assert!(store.access(&issued.access_token).is_none(), "RFC 6749 §4.1.2: the tokens die with the replay");
    }

    #[test]
    fn the_replay_fault_keeps_the_tokens_alive() {
        let store = Store::default();
        let code = store.issue_code("c", CB, "accounts");
        let issued = store.redeem_code(&code, "c", CB, RedeemPolicy::default()).unwrap();
        let keep = RedeemPolicy { keep_tokens_on_replay: true, ..RedeemPolicy::default() };
        assert_eq!(store.redeem_code(&code, "c", CB, keep).unwrap_err(), GrantError::Replayed);
        assert!(store.access(&issued.access_token).is_some());
    }

    #[rstest::rstest]
    #[case(Some("c"), Some(CB), Ok(()))]
    #[case(Some("d"), Some(CB), Err(GrantError::WrongClient))]
    #[case(Some("c"), Some("https://a/other"), Err(GrantError::WrongRedirectUri))]
    #[case(Some("c"), None, Err(GrantError::RedirectUriMissing))]
    #[case(None, Some(CB), Err(GrantError::Unknown))]
    fn a_code_is_redeemed_only_by_its_client_with_its_redirect_uri(#[case] client: Option<&str>, #[case] redirect_uri: Option<&str>, #[case] expected: Result<(), GrantError>) {
        let store = Store::default();
        let code = store.issue_code("c", CB, "accounts");
        let code = if client.is_some() { code } else { "unknown".to_string() };
        let got = store.redeem_code_verified(&code, client.unwrap_or("c"), redirect_uri, None, RedeemPolicy::default());
        assert_eq!(got.map(|_| ()), expected);
    }

    #[rstest::rstest]
    #[case(true, Some("the-verifier-of-this-code-is-long-enough-to-count"), Ok(()))]
    #[case(true, Some("another-verifier-entirely-also-long-enough-to-count"), Err(GrantError::PkceMismatch))]
    #[case(true, None, Err(GrantError::PkceMismatch))]
    #[case(false, Some("the-verifier-of-this-code-is-long-enough-to-count"), Err(GrantError::PkceUnexpected))]
    #[case(false, None, Ok(()))]
    fn the_code_verifier_must_match_the_challenge(#[case] challenged: bool, #[case] verifier: Option<&str>, #[case] expected: Result<(), GrantError>) {
        let store = Store::default();
        let challenge = crate::model::token::s256("the-verifier-of-this-code-is-long-enough-to-count");
        let code = store.issue_code_with("c", CB, "accounts", challenged.then_some(challenge.as_str()));
        let got = store.redeem_code_verified(&code, "c", Some(CB), verifier, RedeemPolicy::default());
        assert_eq!(got.map(|_| ()), expected);
    }

    fn granted(store: &Store) -> Issued {
        let code = store.issue_code("c", CB, "accounts payments");
        store.redeem_code(&code, "c", CB, RedeemPolicy::default()).unwrap()
    }

    #[test]
    fn a_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant() {
        let store = Store::default();
        let first = granted(&store);
        let old = first.refresh_token.unwrap();
        let second = store.refresh(&old, "c", None, RefreshPolicy::default()).unwrap();
        let new = second.refresh_token.clone().unwrap();
        assert_ne!(new, old);
        assert_eq!(store.refresh(&old, "c", None, RefreshPolicy::default()).unwrap_err(), GrantError::RefreshReused);
        assert_eq!(store.refresh(&new, "c", None, RefreshPolicy::default()).unwrap_err(), GrantError::Unknown, "RFC 9700 §4.14.2: reuse revokes the grant");
        assert!(store.access(&second.access_token).is_none());
    }

    #[rstest::rstest]
    #[case(RefreshPolicy::default(), Err(GrantError::ScopeNotGranted))]
    #[case(RefreshPolicy { narrow: true, ..RefreshPolicy::default() }, Ok("accounts".to_string()))]
    #[case(RefreshPolicy { any_scope: true, ..RefreshPolicy::default() }, Ok("accounts admin".to_string()))]
    fn a_wider_scope_is_refused_narrowed_or_granted_by_the_policy(#[case] policy: RefreshPolicy, #[case] expected: Result<String, GrantError>) {
        let store = Store::default();
        let refresh = granted(&store).refresh_token.unwrap();
        assert_eq!(store.refresh(&refresh, "c", Some("accounts admin"), policy).map(|i| i.scope), expected);
    }

    #[rstest::rstest]
    #[case(true, RevokePolicy::default(), false)]
    #[case(true, RevokePolicy { cascade_from_refresh: false, ..RevokePolicy::default() }, true)]
    #[case(false, RevokePolicy::default(), false)]
    #[case(false, RevokePolicy { keep_access: true, ..RevokePolicy::default() }, true)]
    fn revoking_cascades_through_the_grant_as_the_policy_says(#[case] revoke_refresh: bool, #[case] policy: RevokePolicy, #[case] access_lives: bool) {
        let store = Store::default();
        let issued = granted(&store);
        let token = if revoke_refresh { issued.refresh_token.clone().unwrap() } else { issued.access_token.clone() };
        assert_eq!(store.revoke(&token, "c", policy), Revoked::Done);
        assert_eq!(store.access(&issued.access_token).is_some(), access_lives);
        assert_eq!(store.revoke(&token, "other", RevokePolicy::default()), if access_lives && !revoke_refresh { Revoked::OtherClient } else { Revoked::Unknown });
    }

    #[test]
    fn a_pushed_request_is_taken_once_by_the_client_that_pushed_it() {
        let store = Store::default();
        let uri = store.push("c", "response_type=code");
        assert_eq!(store.take_pushed(&uri, Some("d"), false, false), Err("the request_uri was pushed by another client"));
        assert_eq!(store.take_pushed(&uri, Some("c"), false, false).as_deref(), Ok("response_type=code"));
        assert_eq!(store.take_pushed(&uri, Some("c"), false, false), Err("the request_uri was already used"));
        assert!(store.take_pushed(&uri, Some("c"), false, true).is_ok(), "the reusable fault");
    }

    /// One code, many threads redeeming at once: exactly one succeeds.
    #[test]
    fn a_code_is_redeemed_once_under_contention() {
        let store = std::sync::Arc::new(Store::default());
        let code = store.issue_code("c", "https://a/cb", "accounts");
        let wins: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|_| s.spawn(|| store.redeem_code(&code, "c", "https://a/cb", RedeemPolicy::default()).is_ok() as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(wins, 1);
    }
}
