//! The reference target: correct servers per profile, and the same servers with faults injected.
//! A separate wing: it imports nothing from the runner, and the runner reaches it only over HTTP.
mod citi_mx;
mod citi_pl;
mod client_auth;
pub mod fault;
mod oauth_error;
mod page;
mod params;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

pub use fault::{Fault, Faults};

/// Profiles the reference implements.
pub const PROFILES: &[&str] = &["citi-pl", "citi-mx"];

/// The faults that apply to `profile`'s reference.
pub fn faults_of(profile: &str) -> Vec<Fault> {
    Fault::ALL.iter().copied().filter(|f| f.profile() == profile).collect()
}

#[derive(Debug, Clone)]
pub struct ClientReg {
    pub id: String,
    pub secret: String,
    pub redirect_uri: String,
}

#[derive(Debug, Clone)]
pub struct UserReg {
    pub username: String,
    pub password: String,
}

/// Who the reference knows: two confidential clients, one user, the scopes it grants.
#[derive(Debug, Clone)]
pub struct Registration {
    pub clients: Vec<ClientReg>,
    pub user: UserReg,
    pub scopes: Vec<String>,
}

impl Registration {
    /// Fresh random secrets and password, so no run's credentials are guessable from the last.
    pub fn generate() -> Registration {
        let secret = || crate::token::random_token();
        Registration {
            clients: vec![
                ClientReg { id: "my-client".into(), secret: secret(), redirect_uri: "https://app.example.test/callback".into() },
                ClientReg { id: "other-client".into(), secret: secret(), redirect_uri: "https://other.example.test/cb".into() },
            ],
            user: UserReg { username: "alice".into(), password: format!("pw-{}", crate::token::random_hex(12)) },
            scopes: ["accounts", "customers", "payments", "onboarding"].map(String::from).to_vec(),
        }
    }

    pub fn client(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("the reference server has no profile `{0}` (it has: {list})", list = PROFILES.join(", "))]
    UnknownProfile(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
}

/// The router for `profile`: testable without a socket.
pub fn app(profile: &str, reg: Registration, faults: Faults) -> Result<axum::Router, ReferenceError> {
    match profile {
        "citi-pl" => Ok(citi_pl::router(Arc::new(citi_pl::PlState { reg, store: store::Store::default(), faults }))),
        "citi-mx" => Ok(citi_mx::router(Arc::new(citi_mx::MxState::new(reg, faults)))),
        other => Err(ReferenceError::UnknownProfile(other.to_string())),
    }
}

/// A reference server running on its own thread and runtime; stopped when dropped.
pub struct ReferenceServer {
    pub addr: SocketAddr,
    pub profile: String,
    pub registration: Registration,
    pub faults: Faults,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReferenceServer {
    /// Starts `profile` on an ephemeral loopback port.
    pub fn start(profile: &str, faults: Faults) -> Result<ReferenceServer, ReferenceError> {
        Self::start_on(profile, faults, SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate())
    }

    pub fn start_on(profile: &str, faults: Faults, addr: SocketAddr, reg: Registration) -> Result<ReferenceServer, ReferenceError> {
        let router = app(profile, reg.clone(), faults.clone())?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("reference")
            .build()
            .map_err(ReferenceError::Runtime)?;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|source| ReferenceError::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(|source| ReferenceError::Bind { addr, source })?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("reference-{profile}"))
            .spawn(move || {
                rt.block_on(async move {
                    let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    let _ = serve.await;
                });
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .map_err(ReferenceError::Runtime)?;
        Ok(ReferenceServer {
            addr: bound,
            profile: profile.to_string(),
            registration: reg,
            faults,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A target file that points the suite at this server.
    pub fn target_toml(&self) -> String {
        if self.profile == "citi-mx" {
            return format!(
                "# Target file for the oauth-conformance reference server (citi-mx).\n\
                 profile = \"citi-mx\"\nbase_url = \"{}\"\n\n[client]\nid = \"{}\"\n\n\
                 [authorize]\nbusinessCode = \"GCB\"\ncountryCode = \"MX\"\nchannelId = \"WEB\"\n",
                self.base_url(),
                self.registration.clients[0].id
            );
        }
        let reg = &self.registration;
        let (c, o) = (&reg.clients[0], &reg.clients[1]);
        let base = self.base_url();
        let faults = if self.faults.names().is_empty() { String::new() } else { format!("# faults: {}\n", self.faults.names().join(", ")) };
        format!(
            "# Target file for the oauth-conformance reference server ({profile}).\n{faults}\
             profile = \"{profile}\"\n\
             base_url = \"{base}\"\n\
             probe_url = \"{base}{probe}\"\n\n\
             [client]\nid = \"{cid}\"\nsecret = \"{csecret}\"\nredirect_uri = \"{curi}\"\nscope = \"accounts\"\n\n\
             [second_client]\nid = \"{oid}\"\nsecret = \"{osecret}\"\nredirect_uri = \"{ouri}\"\nscope = \"accounts\"\n\n\
             [login]\nusername = \"{user}\"\npassword = \"{pw}\"\n\n\
             [authorize]\ncountryCode = \"PL\"\nbusinessCode = \"GCB\"\nlocale = \"en_US\"\n",
            profile = self.profile,
            probe = citi_pl::PROBE,
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
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
