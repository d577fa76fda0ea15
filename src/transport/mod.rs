//! Talking to the target: the HTTP client (no redirects, bounded sizes and times), the exchanges it
//! records, their redacted transcripts, and the parsed pages a login walk lands on. What enters:
//! requests built by the run. What leaves: `HttpResponse`s, `Exchange`s and `Landing`s.
pub mod http;
pub mod page;
pub mod transcript;
pub mod tls_probe;
