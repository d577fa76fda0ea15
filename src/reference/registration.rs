//! Who the reference server knows: its clients, its user, the scopes it grants. Enters: nothing
//! (fresh random secrets each run); leaves: a `Registration` the servers and target files read.
use crate::jose::assertion::SigningKey;
use crate::model::token::{random_hex, random_token};

#[derive(Debug, Clone)]
pub struct ClientReg {
    pub id: String,
    pub secret: String,
    pub redirect_uri: String,
}

#[derive(Debug, Clone)]
pub struct UserReg {
    pub username: String,
    pub password: String,
}

/// Who the reference knows: two confidential clients, one user, the scopes it grants.
#[derive(Debug, Clone)]
pub struct Registration {
    pub clients: Vec<ClientReg>,
    /// A public client (RFC 6749 §2.1): no secret, PKCE required, refresh tokens always rotated;
    /// none when the public_client offer is withheld.
    pub public_client: Option<ClientReg>,
    /// A client registered for private_key_jwt (RFC 7523 §2.2) with its ES256 key (the reference
    /// keeps the private half only to hand it out in its target file); none when withheld.
    pub jwt_client: Option<(ClientReg, SigningKey)>,
    /// The client the FAPI 2.0 Security Profile governs (`reference::fapi`): private_key_jwt with
    /// its ES256 key, PAR, PKCE S256, DPoP-bound tokens; none when PAR, DPoP or private_key_jwt
    /// is withheld.
    pub fapi_client: Option<(ClientReg, SigningKey)>,
    pub user: UserReg,
    pub scopes: Vec<String>,
}

impl Registration {
    /// Fresh random secrets and password, so no run's credentials are guessable from the last.
    pub fn generate() -> Registration {
        // RFC 6749 §2.3.1: with characters form-encoding changes, the secrets show whether a
        // server decodes Basic credentials (and the suite that it encodes them).
        let secret = || format!("{}+/:~", random_token());
        Registration {
            clients: vec![
                ClientReg { id: "my-client".into(), secret: secret(), redirect_uri: "https://app.example.test/callback".into() },
                ClientReg { id: "other-client".into(), secret: secret(), redirect_uri: "https://other.example.test/cb".into() },
            ],
            // A native app (RFC 8252): public, with a loopback redirect URI registered without a port.
            public_client: Some(ClientReg { id: "public-app".into(), secret: String::new(), redirect_uri: "http://127.0.0.1/cb".into() }),
            jwt_client: Some((
                ClientReg { id: "jwt-client".into(), secret: String::new(), redirect_uri: "https://jwt.example.test/cb".into() },
                SigningKey::generate(),
            )),
            fapi_client: Some((
                ClientReg { id: "fapi-client".into(), secret: String::new(), redirect_uri: "https://fapi.example.test/cb".into() },
                SigningKey::generate(),
            )),
            user: UserReg { username: "alice".into(), password: format!("pw-{}", random_hex(12)) },
            scopes: ["accounts", "customers", "payments", "onboarding"].map(String::from).to_vec(),
        }
    }

    /// A registered client, confidential or public, by id (for the authorization endpoint).
    pub fn client(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().chain(self.public_client.as_ref()).chain(self.fapi_client.as_ref().map(|(c, _)| c)).find(|c| c.id == id)
    }

    /// A confidential client, by id (for client authentication: a public one has no secret).
    pub fn confidential(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub fn is_public(&self, id: &str) -> bool {
        self.public_client.as_ref().is_some_and(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_client_is_found_by_id_but_never_as_confidential() {
        let reg = Registration::generate();
        assert_eq!(reg.client("public-app").map(|c| c.id.as_str()), Some("public-app"));
        assert!(reg.confidential("public-app").is_none());
        assert!(reg.is_public("public-app"));
        assert!(!reg.is_public("my-client"));
        assert!(reg.confidential("my-client").is_some());
        assert!(reg.client("nobody").is_none());
    }

    #[test]
    fn two_registrations_share_no_secret() {
        let (a, b) = (Registration::generate(), Registration::generate());
        assert_ne!(a.clients[0].secret, b.clients[0].secret);
        assert_ne!(a.user.password, b.user.password);
    }
}
