//! Why a reference server cannot start: an unknown profile, a port it cannot bind, a runtime it
//! cannot build, a TLS configuration it cannot load. Rendered once, by `#[error]`.
use std::net::SocketAddr;

use super::profile::PROFILES;

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("the reference server has no profile `{0}` (it has: {list})", list = PROFILES.join(", "))]
    UnknownProfile(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
    #[error("TLS configuration: {0}")]
    Tls(#[from] TlsError),
}

/// What is wrong with the PEM files or the TLS settings they make.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("{0}")]
    Rustls(#[from] rustls::Error),
    #[error("{0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
    /// The mutual-TLS listener's certificates could not be made.
    #[error("making the mutual-TLS certificates: {0}")]
    Certificates(#[from] rcgen::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_profile_names_the_ones_there_are() {
        let e = ReferenceError::UnknownProfile("fapi".into());
        assert_eq!(e.to_string(), "the reference server has no profile `fapi` (it has: citi-pl, citi-mx, rfc6749)");
    }

    #[test]
    fn a_tls_error_reads_after_its_prefix() {
        let e = ReferenceError::from(TlsError::Rustls(rustls::Error::NoCertificatesPresented));
        assert_eq!(e.to_string(), format!("TLS configuration: {}", rustls::Error::NoCertificatesPresented));
    }
}
