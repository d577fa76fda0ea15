//! The reference target: correct servers per profile, and the same servers with faults injected.
//! A separate wing: it imports nothing from the runner, and the runner reaches it only over HTTP.
mod citi_mx;
mod citi_pl;
mod client_auth;
mod dpop;
pub mod fault;
mod oauth_error;
pub mod offer;
mod page;
mod params;
mod store;
mod switch;
pub mod variant;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

pub use fault::{Fault, Faults};
pub use offer::{Offer, Withheld};
pub use page::LoginStyle;
pub use variant::{Variant, Variants, variants_of};

/// Profiles the reference implements.
pub const PROFILES: &[&str] = &["citi-pl", "citi-mx", "rfc6749"];

/// The faults that apply to `profile`'s reference. rfc6749's server is citi-pl's with RFC 6749's
/// paths, so citi-pl's faults apply to it too, except those about the bank's own parameters and
/// those whose rule the RFCs rate below MUST (they are faults of the bank's API, not of RFC 6749).
pub fn faults_of(profile: &str) -> Vec<Fault> {
    const BANK_ONLY: &[Fault] = &[
        Fault::AuthorizeParamsUnchecked,
        Fault::StateNotRequired,
        Fault::ScopeNotRequired,
        Fault::RedirectUriDefaulted,
        Fault::GetTokenAllowed,
        // RFC 6749 §3.3: a server MAY ignore an unknown scope.
        Fault::UnknownScopeGranted,
        // RFC 7009 §2.1: cascading is SHOULD (refresh → access) and MAY (access → refresh).
        Fault::RevokeAccessKeepsRefresh,
        Fault::RevokeRefreshKeepsAccess,
        // RFC 7009 §2.2: the revocation answer's body is not specified.
        Fault::RevokeEmptyBody,
    ];
    Fault::ALL
        .iter()
        .copied()
        .filter(|f| f.profile() == profile || (profile == "rfc6749" && f.profile() == "citi-pl" && !BANK_ONLY.contains(f)))
        .collect()
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
    /// A public client (RFC 6749 §2.1): no secret, PKCE required, refresh tokens always rotated;
    /// none when the public_client offer is withheld.
    pub public_client: Option<ClientReg>,
    /// A client registered for private_key_jwt (RFC 7523 §2.2) with its ES256 key (the reference
    /// keeps the private half only to hand it out in its target file); none when withheld.
    pub jwt_client: Option<(ClientReg, crate::jose::assertion::SigningKey)>,
    pub user: UserReg,
    pub scopes: Vec<String>,
}

impl Registration {
    /// Fresh random secrets and password, so no run's credentials are guessable from the last.
    pub fn generate() -> Registration {
        let secret = || crate::model::token::random_token();
        Registration {
            clients: vec![
                ClientReg { id: "my-client".into(), secret: secret(), redirect_uri: "https://app.example.test/callback".into() },
                ClientReg { id: "other-client".into(), secret: secret(), redirect_uri: "https://other.example.test/cb".into() },
            ],
            // A native app (RFC 8252): public, with a loopback redirect URI registered without a port.
            public_client: Some(ClientReg { id: "public-app".into(), secret: String::new(), redirect_uri: "http://127.0.0.1/cb".into() }),
            jwt_client: Some((
                ClientReg { id: "jwt-client".into(), secret: String::new(), redirect_uri: "https://jwt.example.test/cb".into() },
                crate::jose::assertion::SigningKey::generate(),
            )),
            user: UserReg { username: "alice".into(), password: format!("pw-{}", crate::model::token::random_hex(12)) },
            scopes: ["accounts", "customers", "payments", "onboarding"].map(String::from).to_vec(),
        }
    }

    /// A registered client, confidential or public, by id (for the authorization endpoint).
    pub fn client(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().chain(self.public_client.as_ref()).find(|c| c.id == id)
    }

    /// A confidential client, by id (for client authentication: a public one has no secret).
    pub fn confidential(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub fn is_public(&self, id: &str) -> bool {
        self.public_client.as_ref().is_some_and(|c| c.id == id)
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
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// TLS for the reference server (PEM): its certificate chain and key, and for mutual TLS the CA
/// client certificates must chain to.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub client_ca_pem: Option<Vec<u8>>,
}

fn server_tls(tls: &TlsConfig) -> Result<tokio_rustls::TlsAcceptor, ReferenceError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let err = |e: &dyn std::fmt::Display| ReferenceError::Tls(e.to_string());
    crate::transport::http::install_crypto_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem).collect::<Result<_, _>>().map_err(|e| err(&e))?;
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem).map_err(|e| err(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(|e| err(&e))?;
    let builder = match &tls.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca) {
                roots.add(c.map_err(|e| err(&e))?).map_err(|e| err(&e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().map_err(|e| err(&e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(certs, key).map_err(|e| err(&e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` over TLS until `stop` fires.
async fn serve_tls(listener: tokio::net::TcpListener, router: axum::Router, acceptor: tokio_rustls::TlsAcceptor, mut stop: tokio::sync::oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(Ok(stream)) = tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp)).await else { return };
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// How the reference departs from its full self beside faults and variants: offers withheld
/// (capabilities switched off) and short lifetimes for the slow cases.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub withheld: Withheld,
    /// Codes live 4 s, access tokens 5 s and pushed request_uris 4 s, and the target file says
    /// how long to wait.
    pub short_lived: bool,
    /// Authorization requests only through PAR (RFC 9126 §5), and the metadata says so.
    pub par_required: bool,
    /// How the login and consent pages are built (citi-pl and rfc6749).
    pub login_style: LoginStyle,
}

/// Lifetimes of the short-lived reference, and the waits its target file gives (one second more).
pub const SHORT_CODE: std::time::Duration = std::time::Duration::from_secs(4);
pub const SHORT_ACCESS: std::time::Duration = std::time::Duration::from_secs(5);

/// The router for `profile`: testable without a socket.
pub fn app(profile: &str, reg: Registration, faults: Faults) -> Result<axum::Router, ReferenceError> {
    app_with(profile, reg, faults, Variants::none())
}

/// The router for `profile` with tolerated variants switched on.
pub fn app_with(profile: &str, reg: Registration, faults: Faults, variants: Variants) -> Result<axum::Router, ReferenceError> {
    app_full(profile, reg, faults, variants, Extras::default())
}

/// The router for `profile` with variants, withheld offers and lifetimes.
/// The registration as the variants and withheld offers shape it.
fn shape(reg: &mut Registration, variants: &Variants, extras: &Extras) {
    if extras.withheld.has(Offer::PublicClient) {
        reg.public_client = None;
    }
    if extras.withheld.has(Offer::PrivateKeyJwt) {
        reg.jwt_client = None;
    }
    if variants.has(Variant::LoopbackAnyPort) {
        // RFC 8252 §7.3: a native client registers its loopback URI without a port.
        reg.clients[0].redirect_uri = "http://127.0.0.1/callback".into();
    }
}

pub fn app_full(profile: &str, mut reg: Registration, faults: Faults, variants: Variants, extras: Extras) -> Result<axum::Router, ReferenceError> {
    shape(&mut reg, &variants, &extras);
    let pl = |flavor| {
        let mut life = store::Lifetimes::default();
        if variants.has(Variant::CodesLongLived) {
            life.code = std::time::Duration::from_secs(600);
        }
        if extras.short_lived {
            (life.code, life.access, life.par, life.device) = (SHORT_CODE, SHORT_ACCESS, SHORT_CODE, SHORT_CODE);
        }
        // What the answers state; the lifetime faults then keep things alive a day regardless.
        let (expires_in, par_lifetime, device_lifetime) = (life.access.as_secs(), life.par.as_secs(), life.device.as_secs());
        let day = std::time::Duration::from_secs(24 * 3600);
        for (fault, lifetime) in [
            (Fault::RfcCodeNeverExpires, &mut life.code),
            (Fault::RfcExpiredTokenAccepted, &mut life.access),
            (Fault::RfcParNeverExpires, &mut life.par),
            (Fault::RfcDeviceNeverExpires, &mut life.device),
        ] {
            if faults.has(fault) {
                *lifetime = day;
            }
        }
        let store = store::Store::with_lifetimes(life).predictable(faults.has(Fault::RfcPredictableTokens));
        citi_pl::router(Arc::new(citi_pl::PlState {
            reg: reg.clone(),
            store,
            faults: faults.clone(),
            variants: variants.clone(),
            withheld: extras.withheld.clone(),
            flavor,
            expires_in,
            par_lifetime,
            device_lifetime,
            par_required: extras.par_required,
            login_style: extras.login_style,
        }))
    };
    match profile {
        "citi-pl" => Ok(pl(citi_pl::Flavor::CitiPl)),
        "rfc6749" => Ok(pl(citi_pl::Flavor::Rfc6749)),
        "citi-mx" => Ok(citi_mx::router(Arc::new(citi_mx::MxState::new(reg.clone(), faults.clone(), variants.clone())))),
        other => Err(ReferenceError::UnknownProfile(other.to_string())),
    }
}

/// A reference server running on its own thread and runtime; stopped when dropped.
pub struct ReferenceServer {
    pub addr: SocketAddr,
    scheme: &'static str,
    pub profile: String,
    pub registration: Registration,
    pub faults: Faults,
    pub variants: Variants,
    pub extras: Extras,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReferenceServer {
    /// Starts `profile` on an ephemeral loopback port.
    pub fn start(profile: &str, faults: Faults) -> Result<ReferenceServer, ReferenceError> {
        Self::start_on(profile, faults, SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate())
    }

    pub fn start_on(profile: &str, faults: Faults, addr: SocketAddr, reg: Registration) -> Result<ReferenceServer, ReferenceError> {
        Self::start_with(profile, faults, addr, reg, None)
    }

    /// Starts `profile` on an ephemeral loopback port with tolerated variants switched on.
    pub fn start_variants(profile: &str, faults: Faults, variants: Variants) -> Result<ReferenceServer, ReferenceError> {
        Self::start_full(profile, faults, variants, SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate(), None)
    }

    /// Starts `profile` with TLS (and, with a client CA, mutual TLS).
    pub fn start_with(profile: &str, faults: Faults, addr: SocketAddr, reg: Registration, tls: Option<TlsConfig>) -> Result<ReferenceServer, ReferenceError> {
        Self::start_full(profile, faults, Variants::none(), addr, reg, tls)
    }

    pub fn start_full(profile: &str, faults: Faults, variants: Variants, addr: SocketAddr, reg: Registration, tls: Option<TlsConfig>) -> Result<ReferenceServer, ReferenceError> {
        Self::start_extras(profile, faults, variants, Extras::default(), addr, reg, tls)
    }

    /// Starts `profile` with offers withheld or short lifetimes, on an ephemeral loopback port.
    pub fn start_offering(profile: &str, extras: Extras) -> Result<ReferenceServer, ReferenceError> {
        Self::start_extras(profile, Faults::none(), Variants::none(), extras, SocketAddr::from(([127, 0, 0, 1], 0)), Registration::generate(), None)
    }

    pub fn start_extras(
        profile: &str,
        faults: Faults,
        variants: Variants,
        extras: Extras,
        addr: SocketAddr,
        mut reg: Registration,
        tls: Option<TlsConfig>,
    ) -> Result<ReferenceServer, ReferenceError> {
        shape(&mut reg, &variants, &extras);
        let router = app_full(profile, reg.clone(), faults.clone(), variants.clone(), extras.clone())?;
        let acceptor = tls.as_ref().map(server_tls).transpose()?;
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
                    match acceptor {
                        Some(acceptor) => serve_tls(listener, router, acceptor, rx).await,
                        None => {
                            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                                let _ = rx.await;
                            });
                            let _ = serve.await;
                        }
                    }
                });
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .map_err(ReferenceError::Runtime)?;
        Ok(ReferenceServer {
            addr: bound,
            scheme: if tls.is_some() { "https" } else { "http" },
            profile: profile.to_string(),
            registration: reg,
            faults,
            variants,
            extras,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// A target file that points the suite at this server.
    pub fn target_toml(&self) -> String {
        if self.profile == "rfc6749" {
            return self.rfc6749_target();
        }
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

impl ReferenceServer {
    /// The rfc6749 target file: what the metadata says is left to the metadata; what it cannot
    /// say (or all of it, with the metadata withheld) is stated in `[capabilities]`.
    fn rfc6749_target(&self) -> String {
        use std::fmt::Write;
        let reg = &self.registration;
        let (c, o) = (&reg.clients[0], &reg.clients[1]);
        let base = self.base_url();
        let off = |x: Offer| self.extras.withheld.has(x);
        let mut t = format!("# Target file for the oauth-conformance reference server (rfc6749).\nprofile = \"rfc6749\"\nbase_url = \"{base}\"\nprobe_url = \"{base}{}\"\n", citi_pl::PROBE);
        if !self.faults.names().is_empty() {
            let _ = writeln!(t, "# faults: {}", self.faults.names().join(", "));
        }
        if !self.extras.withheld.names().is_empty() {
            let _ = writeln!(t, "# withheld: {}", self.extras.withheld.names().join(", "));
        }
        if !off(Offer::Metadata) {
            let _ = writeln!(t, "discovery_url = \"{base}/.well-known/oauth-authorization-server\"");
        }
        t.push_str("\n[capabilities]\n");
        let _ = writeln!(t, "refresh_rotation = {}", !self.variants.has(Variant::RefreshNotRotated) && !off(Offer::RefreshRotation));
        let _ = writeln!(t, "client_secret_post = {}", !off(Offer::ClientSecretPost));
        if off(Offer::Metadata) {
            for (name, offer) in [("iss", Offer::Iss), ("introspection", Offer::Introspection), ("revocation", Offer::Revocation), ("par", Offer::Par), ("private_key_jwt", Offer::PrivateKeyJwt), ("device_grant", Offer::DeviceGrant), ("dpop", Offer::Dpop)] {
                let _ = writeln!(t, "{name} = {}", !off(offer));
            }
            let _ = writeln!(t, "par_required = {}", self.extras.par_required);
        }
        let _ = write!(
            t,
            "\n[client]\nid = \"{}\"\nsecret = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\nredirect_uri_optional = true\n\n\
             [second_client]\nid = \"{}\"\nsecret = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\n\n",
            c.id, c.secret, c.redirect_uri, o.id, o.secret, o.redirect_uri
        );
        if let Some((c, key)) = &reg.jwt_client {
            let _ = write!(t, "[jwt_client]\nid = \"{}\"\nprivate_key = \"\"\"\n{}\"\"\"\n\n", c.id, key.to_pem());
        }
        if let Some(p) = &reg.public_client {
            let _ = write!(t, "[public_client]\nid = \"{}\"\nredirect_uri = \"{}\"\nscope = \"accounts\"\n\n", p.id, p.redirect_uri);
        }
        let _ = write!(t, "[login]\nusername = \"{}\"\npassword = \"{}\"\n\n", reg.user.username, reg.user.password);
        if self.extras.short_lived {
            let wait = |d: std::time::Duration| d.as_secs() + 1;
            let _ = write!(t, "[slow]\ncode = {}\naccess_token = {}\nrequest_uri = {}\ndevice_code = {}\n\n", wait(SHORT_CODE), wait(SHORT_ACCESS), wait(SHORT_CODE), wait(SHORT_CODE));
        }
        t.push_str("[endpoints]\nauthorize = \"/authorize\"\ntoken = \"/token\"\n");
        if !off(Offer::Revocation) {
            t.push_str("revoke = \"/revoke\"\n");
        }
        if !off(Offer::Introspection) {
            t.push_str("introspect = \"/introspect\"\n");
        }
        if !off(Offer::Par) {
            t.push_str("par = \"/par\"\n");
        }
        if !off(Offer::DeviceGrant) {
            t.push_str("device_authorization = \"/device_authorization\"\n");
        }
        t
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
