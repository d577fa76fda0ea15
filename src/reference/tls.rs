//! TLS for the reference server. Enters: PEM certificate chain, key and, for mutual TLS, the CA
//! client certificates must chain to; leaves: an acceptor, and a loop serving a router over it.
use std::sync::Arc;
use std::time::Duration;

use super::error::TlsError;

/// TLS for the reference server (PEM): its certificate chain and key, and for mutual TLS the CA
/// client certificates must chain to.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub client_ca_pem: Option<Vec<u8>>,
}

/// The acceptor `tls` describes.
pub fn acceptor(tls: &TlsConfig, all_tls12_suites: bool) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    crate::transport::http::install_crypto_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem).collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem)?;
    let provider = super::suites::provider(all_tls12_suites);
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match &tls.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca) {
                roots.add(c?)?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(certs, key)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The header that tells the handlers the request came over the main listener's TLS, so that the
/// issuer they state is https (`endpoint::state::issuer`); set here, never taken from a client.
pub const SCHEME_HEADER: &str = "x-reference-scheme";

/// Marks a request that came over the main listener's TLS (replacing whatever a client sent).
pub async fn mark_https(mut req: axum::extract::Request) -> axum::extract::Request {
    req.headers_mut().insert(SCHEME_HEADER, axum::http::HeaderValue::from_static("https"));
    req
}

/// Serves `router` over TLS until `stop` fires.
pub async fn serve(listener: tokio::net::TcpListener, router: axum::Router, acceptor: tokio_rustls::TlsAcceptor, mut stop: tokio::sync::oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else { return };
                    // The client's certificate, for the handlers that judge it (RFC 8705).
                    let peer = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| Arc::new(c.to_vec()));
                    let router = router.layer(axum::Extension(super::mtls::PeerCert(peer)));
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_that_is_not_pem_is_refused() {
        let tls = TlsConfig { cert_pem: b"not a certificate".to_vec(), key_pem: b"nor a key".to_vec(), client_ca_pem: None };
        assert!(acceptor(&tls, false).is_err());
    }
}
