//! OpenID Connect sessions (Core §3.1.2.1): who signed in on which browser (its `sid` cookie),
//! when, and to which clients the user consented there; and each code's `auth_time`, for the ID
//! Token it is exchanged for. What `prompt`, `max_age` and `id_token_hint` decide on.
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::model::clock::Clock;

/// At most this many sessions (and as many codes) are remembered: the oldest go when it is full.
const MAX_KEPT: usize = 10_000;

/// A browser's sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: String,
    /// When the user last authenticated here (seconds since the epoch).
    pub auth_time: u64,
    consented: BTreeSet<String>,
}

impl SignedIn {
    pub fn consented_to(&self, client_id: &str) -> bool {
        self.consented.contains(client_id)
    }
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
    /// Whose time `auth_time` and `max_age` count in (the server's clock).
    clock: Clock,
}

#[derive(Default)]
struct Inner {
    by_sid: HashMap<String, SignedIn>,
    auth_time_of_code: HashMap<String, u64>,
}

impl Sessions {
    /// Sessions whose times come from `clock`.
    pub fn on(clock: Clock) -> Sessions {
        Sessions { inner: Mutex::default(), clock }
    }

    /// Seconds since the epoch on the server's clock.
    pub fn now(&self) -> u64 {
        self.clock.now_secs()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sign-in of browser `sid`, if its user signed in.
    pub fn signed_in(&self, sid: &str) -> Option<SignedIn> {
        self.lock().by_sid.get(sid).cloned()
    }

    /// The user signed in on `sid` now; `keep_first_time` keeps the earlier auth_time (a fault).
    pub fn sign_in(&self, sid: &str, user: &str, keep_first_time: bool) {
        let mut g = self.lock();
        if g.by_sid.len() >= MAX_KEPT {
            g.by_sid.clear();
        }
        let t = self.now();
        let entry = g.by_sid.entry(sid.to_string()).or_insert_with(|| SignedIn { user: user.to_string(), auth_time: t, consented: BTreeSet::new() });
        entry.user = user.to_string();
        if !keep_first_time {
            entry.auth_time = t;
        }
    }

    /// The user of `sid` consented to `client_id`: a later request of that client needs no page.
    pub fn consent(&self, sid: &str, client_id: &str) {
        if let Some(s) = self.lock().by_sid.get_mut(sid) {
            s.consented.insert(client_id.to_string());
        }
    }

    /// Remembers when the user behind `code` authenticated.
    pub fn set_code_auth_time(&self, code: &str, auth_time: u64) {
        let mut g = self.lock();
        if g.auth_time_of_code.len() >= MAX_KEPT {
            g.auth_time_of_code.clear();
        }
        g.auth_time_of_code.insert(code.to_string(), auth_time);
    }

    pub fn code_auth_time(&self, code: &str) -> Option<u64> {
        self.lock().auth_time_of_code.get(code).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_moves_auth_time_unless_the_fault_keeps_the_first() {
        let s = Sessions::default();
        s.sign_in("sid", "alice", false);
        let first = s.signed_in("sid").unwrap().auth_time;
        s.lock().by_sid.get_mut("sid").unwrap().auth_time = first - 100;
        s.sign_in("sid", "alice", true);
        assert_eq!(s.signed_in("sid").unwrap().auth_time, first - 100);
        s.sign_in("sid", "alice", false);
        assert!(s.signed_in("sid").unwrap().auth_time >= first);
    }

    #[test]
    fn consent_is_per_client_and_per_browser() {
        let s = Sessions::default();
        s.sign_in("sid", "alice", false);
        s.consent("sid", "my-client");
        assert!(s.signed_in("sid").unwrap().consented_to("my-client"));
        assert!(!s.signed_in("sid").unwrap().consented_to("other"));
        assert!(s.signed_in("other-sid").is_none());
    }
}
