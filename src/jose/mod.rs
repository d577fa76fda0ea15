//! Signed things the suite makes: client assertions (RFC 7523) and DPoP proofs (RFC 9449), well
//! formed or broken one named way. What enters: keys and claims. What leaves: compact JWTs.
pub mod assertion;
pub mod dpop;
