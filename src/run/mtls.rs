//! Mutual TLS (RFC 8705) for a run: an HTTP client that presents a client's certificate
//! (`[mtls_client]`'s, or the `[fapi_client]`'s),
//! one that presents a throw-away certificate nobody registered (made for the run), and one that
//! presents none, so that a case can present either on the mTLS endpoints. Enters: the run's
//! HTTP options and the client; leaves: the three clients.
use crate::suite::case::Cert;
use crate::transport::http::{Http, TlsOptions};

/// Why the run's certificate-presenting clients could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MtlsError {
    #[error("the throw-away client certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("an HTTP client presenting {who}: {why}")]
    Client { who: &'static str, why: String },
}

/// The run's clients for the mTLS endpoints: each trusts what the run trusts and the target's
/// `[tls] ca_cert`.
#[derive(Clone)]
pub struct Certified {
    /// Presents `[mtls_client]`'s certificate.
    pub client: Http,
    /// Presents a self-signed certificate made for this run.
    pub other: Http,
    /// Presents a self-signed certificate made for this run with the client's subject DN.
    pub same_subject: Http,
    /// Presents none.
    pub none: Http,
}

/// A client's `Certified`, made when a step first presents a certificate: each HTTP client takes
/// a few milliseconds to make (the platform's trusted roots are read for each), and most cases
/// present none. Made once; why it could not be made is kept for every later step.
pub struct LazyCertified {
    made: std::sync::OnceLock<Result<Certified, MtlsError>>,
    make: Box<dyn Fn() -> Result<Certified, MtlsError> + Send + Sync>,
}

impl LazyCertified {
    pub fn new(make: impl Fn() -> Result<Certified, MtlsError> + Send + Sync + 'static) -> LazyCertified {
        LazyCertified { made: std::sync::OnceLock::new(), make: Box::new(make) }
    }

    /// The clients, made on first use.
    pub fn get(&self) -> &Result<Certified, MtlsError> {
        self.made.get_or_init(|| (self.make)())
    }
}

impl Certified {
    /// `ca`: the target's own CA certificate (PEM), trusted beside the run's; `identity`: the
    /// client's certificate and key (PEM, concatenated).
    pub fn new(timeout: std::time::Duration, body_cap: usize, tls: &TlsOptions, ca: Option<&[u8]>, identity: &[u8]) -> Result<Certified, MtlsError> {
        let mut trust = tls.clone();
        trust.ca_certs.extend(ca.map(<[u8]>::to_vec));
        let with = |identity: Option<Vec<u8>>, who: &'static str| {
            let options = TlsOptions { identity, ..trust.clone() };
            Http::with_tls(timeout, body_cap, &options).map_err(|e| MtlsError::Client { who, why: e.to_string() })
        };
        Ok(Certified {
            client: with(Some(identity.to_vec()), "the client's certificate")?,
            other: with(Some(throw_away()?), "a throw-away certificate")?,
            same_subject: with(Some(same_subject(identity)?), "a throw-away certificate with the client's subject")?,
            none: with(None, "no certificate")?,
        })
    }

    /// The client for a request presenting `cert`.
    pub fn for_cert(&self, cert: Cert) -> &Http {
        match cert {
            Cert::Client => &self.client,
            Cert::Other => &self.other,
            Cert::SameSubject => &self.same_subject,
            Cert::None => &self.none,
        }
    }
}

/// A self-signed certificate and its key (PEM, concatenated) that no server has registered.
fn throw_away() -> Result<Vec<u8>, rcgen::Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "oauth-conformance throw-away client");
    let cert = params.self_signed(&key)?;
    Ok(format!("{}\n{}", cert.pem(), key.serialize_pem()).into_bytes())
}

/// A self-signed certificate and its key carrying the subject DN of the first certificate in
/// `identity` (PEM: the client's certificate and key), attribute by attribute.
fn same_subject(identity: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
    let unreadable = || rcgen::Error::CouldNotParseCertificate;
    let (_, pem) = x509_parser::pem::parse_x509_pem(identity).map_err(|_| unreadable())?;
    let (_, theirs) = x509_parser::parse_x509_certificate(&pem.contents).map_err(|_| unreadable())?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    for attr in theirs.subject().iter_attributes() {
        let oid: Vec<u64> = attr.attr_type().iter().map(|arcs| arcs.collect()).ok_or_else(unreadable)?;
        let value = attr.as_str().map_err(|_| unreadable())?;
        params.distinguished_name.push(rcgen::DnType::from_oid(&oid), value);
    }
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok(format!("{}\n{}", cert.pem(), key.serialize_pem()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throw_away_certificate_makes_a_tls_identity() {
        let pem = throw_away().unwrap();
        assert!(reqwest::Identity::from_pem(&pem).is_ok());
        assert_ne!(throw_away().unwrap(), pem, "a new one each time");
    }

    #[test]
    fn a_certificate_with_the_client_s_subject_is_another_certificate_with_the_same_subject() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "mtls-client");
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Example Bank");
        let theirs = params.self_signed(&key).unwrap();
        let identity = format!("{}\n{}", theirs.pem(), key.serialize_pem()).into_bytes();
        let ours = same_subject(&identity).unwrap();
        let subject = |pem: &[u8]| {
            let (_, p) = x509_parser::pem::parse_x509_pem(pem).unwrap();
            let (_, c) = x509_parser::parse_x509_certificate(&p.contents).unwrap();
            (c.subject().to_string(), c.public_key().raw.to_vec())
        };
        let (a, b) = (subject(&identity), subject(&ours));
        assert_eq!(a.0, "CN=mtls-client, O=Example Bank");
        assert_eq!(a.0, b.0, "the same subject");
        assert_ne!(a.1, b.1, "another key");
    }
}
