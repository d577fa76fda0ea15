//! What the rfc6749 reference offers beyond RFC 6749's core, each switchable off: a server
//! without it, so the suite's skip paths (a case needing what the target lacks is skipped with
//! the reason, never failed) run against a real server, not only against edited target files.
use super::switch::{Switch, Switches};

macro_rules! offers {
    ($($variant:ident => $name:literal, $what:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Offer { $($variant,)* }

        impl Offer {
            pub const ALL: &'static [Offer] = &[$(Offer::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Offer::$variant => $name,)* }
            }

            /// What the server stops doing when the offer is withheld.
            pub fn what(self) -> &'static str {
                match self { $(Offer::$variant => $what,)* }
            }
        }
    };
}

offers! {
    Metadata => "metadata", "RFC 8414 metadata: no /.well-known/oauth-authorization-server (the target file then states what the server offers)";
    Iss => "iss", "RFC 9207 iss: no iss in authorization responses, none advertised";
    Introspection => "introspection", "RFC 7662 introspection: no /introspect, no introspection_endpoint";
    Revocation => "revocation", "RFC 7009 revocation: no /revoke, no revocation_endpoint";
    RefreshRotation => "refresh_rotation", "refresh token rotation: a refresh keeps the confidential client's refresh token";
    ClientSecretPost => "client_secret_post", "client_secret_post: only HTTP Basic authenticates a client";
    PublicClient => "public_client", "public clients: none registered";
    PrivateKeyJwt => "private_key_jwt", "RFC 7523 private_key_jwt: no client registered for it, none advertised";
    DeviceGrant => "device_grant", "RFC 8628 device authorization grant: no /device_authorization, no device_authorization_endpoint";
    Dpop => "dpop", "RFC 9449 DPoP: proofs ignored, bearer tokens only, no dpop_signing_alg_values_supported";
    Par => "par", "RFC 9126 pushed authorization requests: no /par, no pushed_authorization_request_endpoint";
    Mtls => "mtls", "RFC 8705 mutual TLS: no https listener for client certificates, no mtls_endpoint_aliases, no client registered for it";
    OpenId => "openid", "OpenID Connect: no /.well-known/openid-configuration, no JWK Set, no openid scope, no OpenID members in the metadata";
}

impl Offer {
    pub fn from_name(name: &str) -> Option<Offer> {
        Offer::ALL.iter().copied().find(|o| o.name() == name)
    }
}

/// The offers a server runs without; empty for the full reference.
pub type Withheld = Switches<Offer>;

impl Switch for Offer {
    fn name(self) -> &'static str {
        Offer::name(self)
    }
}
