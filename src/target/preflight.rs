//! Before the run: is anything listening at the target's base URL? What enters: the target.
//! What leaves: `Unreachable` when no case could get an answer, a doubt in words when the
//! connection neither succeeds nor is refused, nothing when it connects.
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::file::Target;

/// Nothing answers at the target: running its cases would only collect errors.
#[derive(Debug, thiserror::Error)]
pub enum Unreachable {
    #[error("target unreachable: cannot resolve {host}: {source}")]
    Unresolved { host: String, source: std::io::Error },
    #[error("target unreachable: connection refused at {addr}")]
    Refused { addr: SocketAddr },
}

impl Target {
    /// `Err` when nothing listens at the target, `Ok(Some(line))` when the connection is
    /// doubtful (a timeout, a filtered port), `Ok(None)` when it connects.
    pub fn preflight(&self) -> Result<Option<String>, Unreachable> {
        let base = &self.base_url;
        let (Some(host), Some(port)) = (base.host_str(), base.port_or_known_default()) else { return Ok(None) };
        let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().map_err(|source| Unreachable::Unresolved { host: host.to_string(), source })?.collect();
        let Some(&addr) = addrs.first() else { return Ok(None) };
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(Unreachable::Refused { addr }),
            Err(e) => Ok(Some(format!("target may be unreachable: {e} at {addr}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_at(base_url: &str) -> Target {
        let text = format!("profile = \"p\"\nbase_url = \"{base_url}\"\n[client]\nid = \"c\"\n");
        Target::parse("t.toml", &text, &|_| None).unwrap()
    }

    #[test]
    fn a_closed_local_port_is_unreachable_with_its_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = target_at(&format!("http://127.0.0.1:{port}")).preflight().unwrap_err();
        assert_eq!(err.to_string(), format!("target unreachable: connection refused at 127.0.0.1:{port}"));
    }

    #[test]
    fn a_listening_port_passes_without_a_note() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(target_at(&format!("http://127.0.0.1:{port}")).preflight().unwrap().is_none());
    }
}
