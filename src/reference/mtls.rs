//! Mutual TLS for the rfc6749 reference (RFC 8705): a second listener, on https, where a client
//! may present a certificate (its endpoints are the metadata's `mtls_endpoint_aliases`, §5); the
//! certificates it needs, made at start; the certificate a request came with, as a request
//! extension; and its thumbprint, `x5t#S256` (§3.1). Enters: nothing (a fresh CA each start);
//! leaves: an acceptor and the client's certificate and key for the target file.
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::error::TlsError;
use super::registration::ClientReg;

/// The certificate the client presented on this request's connection (DER), if any; absent on
/// the plain-http listener.
#[derive(Clone, Debug, Default)]
pub struct PeerCert(pub Option<Arc<Vec<u8>>>);

/// RFC 8705 §3.1: the base64url SHA-256 of the certificate's DER (the suite's own function:
/// both sides compute it the same way).
pub use crate::jose::x5t_s256 as thumbprint;

/// The mTLS side of a reference server: where its listener is, the client registered for
/// `self_signed_tls_client_auth` (RFC 8705 §2.2) with its certificate, and the PEMs the target
/// file hands out. Not `Debug`-printed: it holds private keys.
pub struct Mtls {
    /// The https base URL of the mTLS listener (`https://127.0.0.1:port`).
    pub alias: String,
    /// The main listener's origin: the issuer, also for requests that reach this listener (a
    /// client assertion's audience, FAPI 2.0 §5.3.2.1 item 8).
    pub issuer: String,
    pub client: ClientReg,
    /// The registered certificate's thumbprint: the client authenticates by presenting it.
    pub client_x5t: String,
    pub pki: Pki,
}

impl std::fmt::Debug for Mtls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mtls").field("alias", &self.alias).field("client", &self.client.id).finish_non_exhaustive()
    }
}

/// A CA, the listener's certificate for 127.0.0.1 and localhost, and the client's certificate
/// (PEM).
pub struct Pki {
    pub ca_pem: String,
    ca_der: Vec<u8>,
    server_cert_pem: String,
    server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    client_der: Vec<u8>,
    /// The client's certificate issued by the CA, for `tls_client_auth` (RFC 8705 §2.1): the
    /// server matches its subject and its chain, not its thumbprint.
    pub issued_cert_pem: String,
    pub issued_key_pem: String,
    /// The FAPI client's certificate issued by the CA with its registered subject: what it
    /// presents where it uses mutual TLS (a variant).
    pub fapi_cert_pem: String,
    pub fapi_key_pem: String,
}

/// The subject DN the client registered for `tls_client_auth` has (`tls_client_auth_subject_dn`).
pub fn registered_subject(client_id: &str) -> String {
    format!("CN={client_id}, O=oauth-conformance reference")
}

impl Pki {
    /// A fresh CA and certificates (P-256 keys: made in a moment).
    pub fn generate(client_id: &str, fapi_id: &str) -> Result<Pki, rcgen::Error> {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "oauth-conformance reference CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
        let server_key = KeyPair::generate()?;
        let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?.signed_by(&server_key, &ca)?;
        let client_key = KeyPair::generate()?;
        let mut client_params = CertificateParams::new(Vec::<String>::new())?;
        client_params.distinguished_name.push(DnType::CommonName, client_id);
        let client = client_params.self_signed(&client_key)?;
        let issued_key = KeyPair::generate()?;
        let mut issued_params = CertificateParams::new(Vec::<String>::new())?;
        issued_params.distinguished_name.push(DnType::CommonName, client_id);
        issued_params.distinguished_name.push(DnType::OrganizationName, "oauth-conformance reference");
        let issued = issued_params.signed_by(&issued_key, &ca)?;
        let fapi_key = KeyPair::generate()?;
        let mut fapi_params = CertificateParams::new(Vec::<String>::new())?;
        fapi_params.distinguished_name.push(DnType::CommonName, fapi_id);
        fapi_params.distinguished_name.push(DnType::OrganizationName, "oauth-conformance reference");
        let fapi = fapi_params.signed_by(&fapi_key, &ca)?;
        Ok(Pki {
            fapi_cert_pem: fapi.pem(),
            fapi_key_pem: fapi_key.serialize_pem(),
            ca_pem: ca.pem(),
            ca_der: ca.der().to_vec(),
            issued_cert_pem: issued.pem(),
            issued_key_pem: issued_key.serialize_pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            client_der: client.der().to_vec(),
        })
    }

    pub fn client_x5t(&self) -> String {
        thumbprint(&self.client_der)
    }

    /// RFC 8705 §2.1: a certificate that chains to this CA (its signature verifies with the CA's
    /// key) and whose subject is `subject`; `chain_unchecked` (a fault) looks at the subject alone.
    pub fn issued_to(&self, der: &[u8], subject: &str, chain_unchecked: bool) -> bool {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else { return false };
        let Ok((_, ca)) = x509_parser::parse_x509_certificate(&self.ca_der) else { return false };
        let chained = chain_unchecked || cert.verify_signature(Some(ca.public_key())).is_ok();
        chained && cert.subject().to_string() == subject
    }
}

/// The mTLS listener's acceptor: it asks every client for a certificate and takes any, or none
/// (RFC 8705 §2.2: a self-signed certificate is matched by the authorization server, not
/// chained); which certificate is whose is the OAuth layer's decision, so that a wrong one is
/// refused with `invalid_client`, not a TLS alert.
pub fn acceptor(pki: &Pki, all_tls12_suites: bool) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    crate::transport::http::install_crypto_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes()).collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes())?;
    let provider = super::suites::provider(all_tls12_suites);
    let config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(AnyClientCert(provider)))
        .with_single_cert(certs, key)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Asks for a client certificate, takes any (or none), and checks only that the client holds
/// its key (the handshake signature).
#[derive(Debug)]
struct AnyClientCert(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(&self, _end_entity: &CertificateDer<'_>, _intermediates: &[CertificateDer<'_>], _now: UnixTime) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbprint_is_the_base64url_sha256_of_the_der() {
        // RFC 8705 §3.1: 43 base64url characters, no padding.
        let t = thumbprint(b"certificate");
        assert_eq!(t.len(), 43);
        assert!(!t.contains('=') && !t.contains('+') && !t.contains('/'));
        assert_ne!(t, thumbprint(b"another"));
    }

    #[test]
    fn the_pki_makes_a_usable_acceptor_and_a_client_certificate_with_its_thumbprint() {
        let pki = Pki::generate("mtls-client", "fapi-client").unwrap();
        assert!(acceptor(&pki, false).is_ok());
        assert!(pki.client_cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(pki.client_x5t().len(), 43);
    }
}
