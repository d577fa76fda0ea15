//! What a profile makes of the shared authorization server (`endpoint/`): the rules it adds to
//! RFC 6749 and the extensions it speaks, as data. Enters: nothing; leaves: a `Flavour` each
//! profile (`citi_pl`, `rfc6749`) declares and the handlers read at the decision it alters.
use super::fault::Fault;

#[derive(Debug)]
pub struct Flavour {
    /// RFC 6749 §3.1.2.3: with one registered redirect URI the parameter may be omitted.
    pub redirect_uri_optional: bool,
    /// Authorization parameters the profile requires beyond RFC 6749's, in the order they are
    /// checked, each with the fault that waives it.
    pub required: &'static [(&'static str, Fault)],
    /// Authorization parameters made of a number of upper-case letters, each with the fault that
    /// waives the check.
    pub upper_case: &'static [(&'static str, usize, Fault)],
    /// RFC 9207: every authorization response says who the issuer is (unless withheld).
    pub iss: bool,
    /// RFC 9126: the authorization endpoint takes a pushed request's request_uri (unless withheld).
    pub par: bool,
    /// RFC 9449: DPoP proofs at the token endpoint and the resource (unless withheld).
    pub dpop: bool,
    /// RFC 6749 §2.3.1: client_secret_post beside HTTP Basic (unless withheld).
    pub client_secret_post: bool,
    /// RFC 7523 §2.2: private_key_jwt, for the client registered for it.
    pub private_key_jwt: bool,
    /// RFC 6749 §2.3, §4.1.3: a public client at the token endpoint, named by client_id alone.
    pub public_clients: bool,
    /// OpenID Connect: discovery, the JWK Set, the `openid` scope (unless withheld).
    pub openid: bool,
}
