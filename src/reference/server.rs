//! A reference server running on its own thread and runtime, over HTTP or TLS; stopped when
//! dropped. Enters: a profile, switches, an address, a registration; leaves: the bound address
//! and the target file that points the suite at it.
use std::net::SocketAddr;
use std::thread::JoinHandle;

use super::app::{app_full, shape};
use super::error::ReferenceError;
use super::extras::Extras;
use super::fault::Faults;
use super::registration::Registration;
use super::target_file::{self, Described};
use super::tls::{self, TlsConfig};
use super::variant::Variants;

/// A reference server running on its own thread and runtime; stopped when dropped.
pub struct ReferenceServer {
    pub addr: SocketAddr,
    scheme: &'static str,
    pub profile: String,
    pub registration: Registration,
    pub faults: Faults,
    pub variants: Variants,
    pub extras: Extras,
    /// One per listener (the mutual-TLS one beside the main one).
    shutdown: Vec<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

impl ReferenceServer {
    /// Starts `profile` on an ephemeral loopback port.
    pub fn start(profile: &str, faults: Faults) -> Result<ReferenceServer, ReferenceError> {
        Self::start_on(profile, faults, loopback(), Registration::generate())
    }

    pub fn start_on(profile: &str, faults: Faults, addr: SocketAddr, reg: Registration) -> Result<ReferenceServer, ReferenceError> {
        Self::start_with(profile, faults, addr, reg, None)
    }

    /// Starts `profile` on an ephemeral loopback port with tolerated variants switched on.
    pub fn start_variants(profile: &str, faults: Faults, variants: Variants) -> Result<ReferenceServer, ReferenceError> {
        Self::start_full(profile, faults, variants, loopback(), Registration::generate(), None)
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
        Self::start_extras(profile, Faults::none(), Variants::none(), extras, loopback(), Registration::generate(), None)
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
        let mut extras = extras;
        extras.clock = crate::model::clock::Clock::owned();
        shape(&mut reg, &variants, &extras);
        // The TLS fault needs TLS: the whole server then answers over https.
        let all_tls12_suites = faults.has(super::fault::Fault::FapiTls12UnrecommendedSuites);
        extras.tls |= all_tls12_suites;
        // The OpenID Provider's key takes a moment to make: made beside the first requests, not
        // in the way of the first ID Token.
        if profile == "rfc6749" {
            std::thread::spawn(|| super::signing::rs256().kid.len());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("reference")
            .build()
            .map_err(ReferenceError::Runtime)?;
        let listener = rt.block_on(tokio::net::TcpListener::bind(addr)).map_err(|source| ReferenceError::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(|source| ReferenceError::Bind { addr, source })?;
        // RFC 8705 §5: rfc6749's mutual-TLS endpoints on a listener of their own, beside the main one.
        let mtls_listener = match profile == "rfc6749" && !extras.withheld.has(super::offer::Offer::Mtls) {
            true => {
                let fapi_id = reg.fapi_client.as_ref().map_or("fapi-client", |(c, _)| c.id.as_str());
                Some(mtls_side(&rt, addr, format!("{}://{bound}", if tls.is_some() || extras.tls { "https" } else { "http" }), fapi_id, all_tls12_suites, &mut extras)?)
            }
            false => None,
        };
        let acceptor = main_acceptor(tls.as_ref(), all_tls12_suites, &mut extras)?;
        // Each request answered in its case's scope, for the selftest's record of who asks about a
        // fault (`switch::Asked`); a request that names no case is answered as it is.
        let router = app_full(profile, reg.clone(), faults.clone(), variants.clone(), extras.clone())?.layer(axum::middleware::from_fn(super::switch::scoped));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut shutdown = vec![tx];
        if let Some((listener, acceptor)) = mtls_listener {
            let (tx_m, rx_m) = tokio::sync::oneshot::channel::<()>();
            shutdown.push(tx_m);
            // Its handlers too say the scheme they are reached by (a DPoP proof's htu is https).
            rt.spawn(tls::serve(listener, router.clone().layer(axum::middleware::map_request(tls::mark_https)), acceptor, rx_m));
        }
        let thread = std::thread::Builder::new()
            .name(format!("reference-{profile}"))
            .spawn(move || {
                rt.block_on(async move {
                    match acceptor {
                        // The handlers say their issuer with the scheme they are reached by.
                        Some(acceptor) => tls::serve(listener, router.layer(axum::middleware::map_request(tls::mark_https)), acceptor, rx).await,
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
            scheme: if tls.is_some() || extras.tls { "https" } else { "http" },
            profile: profile.to_string(),
            registration: reg,
            faults,
            variants,
            extras,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The clock of its sessions and ID Tokens: a target that holds it pauses by advancing it
    /// (this process's suite owns the server's time) instead of waiting.
    pub fn clock(&self) -> crate::model::clock::Clock {
        self.extras.clock.clone()
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// A target file that points the suite at this server.
    pub fn target_toml(&self) -> String {
        target_file::render(&Described {
            profile: &self.profile,
            base: self.base_url(),
            reg: &self.registration,
            faults: &self.faults,
            variants: &self.variants,
            extras: &self.extras,
        })
    }
}

/// The main listener's TLS: the certificate given (`--tls-cert`), or with `--tls` one from the CA
/// made at start (the mutual-TLS listener's, else a CA of its own), whose PEM the target file gives.
fn main_acceptor(given: Option<&TlsConfig>, all_tls12_suites: bool, extras: &mut Extras) -> Result<Option<tokio_rustls::TlsAcceptor>, ReferenceError> {
    if let Some(t) = given {
        return Ok(Some(tls::acceptor(t, all_tls12_suites)?));
    }
    if !extras.tls {
        return Ok(None);
    }
    let acceptor = match &extras.mtls {
        Some(m) => {
            extras.tls_ca = Some(m.pki.ca_pem.clone());
            super::mtls::acceptor(&m.pki, all_tls12_suites)?
        }
        None => {
            let pki = super::mtls::Pki::generate("none", "none").map_err(super::error::TlsError::from)?;
            extras.tls_ca = Some(pki.ca_pem.clone());
            super::mtls::acceptor(&pki, all_tls12_suites)?
        }
    };
    Ok(Some(acceptor))
}

/// The mutual-TLS listener on the main one's host (any port), its certificates, and the client
/// registered for it, recorded in `extras` for the app and the target file.
fn mtls_side(rt: &tokio::runtime::Runtime, addr: SocketAddr, issuer: String, fapi_id: &str, all_tls12_suites: bool, extras: &mut Extras) -> Result<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor), ReferenceError> {
    let at = SocketAddr::new(addr.ip(), 0);
    let listener = rt.block_on(tokio::net::TcpListener::bind(at)).map_err(|source| ReferenceError::Bind { addr: at, source })?;
    let bound = listener.local_addr().map_err(|source| ReferenceError::Bind { addr: at, source })?;
    let client = super::registration::ClientReg { id: "mtls-client".into(), secret: String::new(), redirect_uri: "https://mtls.example.test/cb".into() };
    let pki = super::mtls::Pki::generate(&client.id, fapi_id).map_err(super::error::TlsError::from)?;
    let acceptor = super::mtls::acceptor(&pki, all_tls12_suites)?;
    let client_x5t = pki.client_x5t();
    extras.mtls = Some(std::sync::Arc::new(super::mtls::Mtls { alias: format!("https://{bound}"), issuer, client, client_x5t, pki }));
    Ok((listener, acceptor))
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        for tx in self.shutdown.drain(..) {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
