//! TLS probes (FAPI 2.0 Security Profile §5.2): a handshake offering only what the profile
//! forbids — TLS below 1.2, or at TLS 1.2 only the cipher suites RFC 9325 §4.2 does not
//! recommend — made with OpenSSL's `s_client`, since rustls can offer neither. Enters: a host, a
//! port and the probe; leaves: whether the server completed the handshake, and with what.
use std::time::Duration;

use serde::Serialize;

/// What a probe offers the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// TLS 1.0 and 1.1 only, with any cipher suite.
    Below12,
    /// TLS 1.2 only, with every cipher suite but the four RFC 9325 §4.2 recommends (ECDHE with
    /// AES-GCM, ECDSA or RSA).
    Tls12Unrecommended,
}

/// RFC 9325 §4.2's TLS 1.2 cipher suites, in OpenSSL's names.
pub const RECOMMENDED_TLS12: [&str; 4] = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"];

impl Probe {
    pub const ALL: [(&'static str, Probe); 2] = [("below_1_2", Probe::Below12), ("tls12_unrecommended_suites", Probe::Tls12Unrecommended)];

    pub fn parse(s: &str) -> Option<Probe> {
        Probe::ALL.iter().find(|(n, _)| *n == s).map(|(_, p)| *p)
    }

    /// What the probe offers, in words.
    pub fn offers(self) -> &'static str {
        match self {
            Probe::Below12 => "TLS 1.0 and 1.1 only",
            Probe::Tls12Unrecommended => "TLS 1.2 only, with every cipher suite but RFC 9325 §4.2's four (ECDHE with AES-GCM)",
        }
    }

    /// `openssl s_client`'s arguments for the offer (security level 0: OpenSSL 3 would otherwise
    /// refuse to offer them itself).
    fn args(self) -> Vec<String> {
        match self {
            Probe::Below12 => ["-no_tls1_2", "-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0"].map(String::from).to_vec(),
            Probe::Tls12Unrecommended => {
                let excluded: String = RECOMMENDED_TLS12.iter().map(|s| format!(":!{s}")).collect();
                vec!["-tls1_2".into(), "-cipher".into(), format!("ALL{excluded}:@SECLEVEL=0")]
            }
        }
    }
}

/// How the server answered the probe's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// No connection: the alert or error OpenSSL reported.
    Refused(String),
    /// A connection, with the protocol and cipher suite agreed.
    Completed { protocol: String, cipher: String },
}

/// Why a probe gave no answer about the server.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("the TLS probes need OpenSSL's `openssl` command (it offers what rustls cannot): {0}")]
    NoOpenssl(String),
    #[error("no TCP connection to {0}")]
    Unreachable(String),
    #[error("the handshake did not end within {0} s")]
    Timeout(u64),
    /// OpenSSL stopped before the server said anything (an option or protocol this openssl or its
    /// configuration will not offer): no verdict on the server.
    #[error("openssl could not make the offer itself: {0}")]
    NotOffered(String),
}

/// Offers `probe` to `host:port` and reports the handshake.
pub async fn probe(host: &str, port: u16, probe: Probe, timeout: Duration) -> Result<Handshake, ProbeError> {
    let mut cmd = tokio::process::Command::new("openssl");
    // An IPv6 literal is bracketed, or its colons read as the port's.
    let at = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    cmd.args(["s_client", "-brief", "-connect", &at]);
    if host.parse::<std::net::IpAddr>().is_err() {
        cmd.args(["-servername", host]);
    }
    cmd.args(probe.args()).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).kill_on_drop(true);
    let out = match tokio::time::timeout(timeout, cmd.output()).await {
        Err(_) => return Err(ProbeError::Timeout(timeout.as_secs())),
        Ok(Err(e)) => return Err(ProbeError::NoOpenssl(e.to_string())),
        Ok(Ok(out)) => out,
    };
    read(&String::from_utf8_lossy(&out.stdout), &String::from_utf8_lossy(&out.stderr), &at)
}

/// `s_client -brief`'s report: "CONNECTION ESTABLISHED" with the protocol and cipher suite, or
/// the error that ended the handshake. Only the server's doing is a refusal — an alert it sent,
/// or the connection it closed mid-handshake; an error of OpenSSL's own is no verdict.
fn read(stdout: &str, stderr: &str, at: &str) -> Result<Handshake, ProbeError> {
    let all = format!("{stdout}\n{stderr}");
    let field = |name: &str| all.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_string()).unwrap_or_default();
    if all.contains("CONNECTION ESTABLISHED") {
        return Ok(Handshake::Completed { protocol: field("Protocol version:"), cipher: field("Ciphersuite:") });
    }
    if all.contains("connect:errno") || all.contains("Connection refused") {
        return Err(ProbeError::Unreachable(at.to_string()));
    }
    let errors: Vec<&str> = all.lines().filter(|l| l.contains(":error:")).collect();
    // "…:SSL routines:…:sslv3 alert handshake failure:…": the part that names the alert.
    let part = |l: &&str, words: &[&str]| l.split(':').find(|p| words.iter().any(|w| p.contains(w))).map(str::to_string);
    if let Some(alert) = errors.iter().find_map(|l| part(l, &["alert"])) {
        return Ok(Handshake::Refused(alert));
    }
    if let Some(closed) = errors.iter().find_map(|l| part(l, &["unexpected eof", "reset by peer"])) {
        return Ok(Handshake::Refused(format!("the server closed the connection ({closed})")));
    }
    let said = errors.iter().find_map(|l| part(l, &["protocol", "cipher", "option"])).or_else(|| all.lines().rfind(|l| !l.trim().is_empty()).map(str::to_string));
    Err(ProbeError::NotOffered(said.unwrap_or_else(|| "no output".to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `read` makes of s_client's report: the verdict, or the kind of "no verdict".
    fn verdict(stderr: &str) -> String {
        match read("", stderr, "h:1") {
            Ok(Handshake::Completed { protocol, cipher }) => format!("completed {protocol} {cipher}"),
            Ok(Handshake::Refused(why)) => format!("refused: {why}"),
            Err(ProbeError::NotOffered(why)) => format!("no verdict: {why}"),
            Err(ProbeError::Unreachable(_)) => "unreachable".into(),
            Err(e) => e.to_string(),
        }
    }

    #[rstest::rstest]
    #[case::completed("CONNECTION ESTABLISHED\nProtocol version: TLSv1.1\nCiphersuite: ECDHE-ECDSA-AES128-SHA\nDONE\n", "completed TLSv1.1 ECDHE-ECDSA-AES128-SHA")]
    #[case::an_alert_from_the_server("080CB9788637F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n", "refused: sslv3 alert handshake failure")]
    #[case::closed_mid_handshake("40F7:error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading:../ssl/record/rec_layer_s3.c:317:\n", "refused: the server closed the connection (unexpected eof while reading)")]
    #[case::openssl_s_own_refusal_is_no_verdict("40F7E5F1D67F0000:error:0A0000BF:SSL routines:tls_setup_handshake:no protocols available:../ssl/statem/statem_lib.c:104:\n", "no verdict: no protocols available")]
    #[case::no_tcp_connection("connect:errno=111\n", "unreachable")]
    fn s_client_s_report_is_read_as_the_server_s_doing_only(#[case] stderr: &str, #[case] want: &str) {
        assert_eq!(verdict(stderr), want);
    }

    #[test]
    fn the_tls12_probe_leaves_out_exactly_the_recommended_suites() {
        let args = Probe::Tls12Unrecommended.args();
        assert_eq!(args[0], "-tls1_2");
        for s in RECOMMENDED_TLS12 {
            assert!(args[2].contains(&format!("!{s}")), "{s}");
        }
    }
}
