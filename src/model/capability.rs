//! The optional features a server may offer; a case that needs one is skipped without it.

/// An optional feature a server may or may not offer; cases that need it are skipped without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// RFC 8414 authorization server metadata at the discovery URL.
    Metadata,
    /// RFC 9207 `iss` in authorization responses.
    Iss,
    /// RFC 7662 token introspection.
    Introspection,
    /// RFC 9700 §4.14.2 refresh token rotation (no metadata member says it: the target file does).
    RefreshRotation,
    /// RFC 7009 token revocation: offered unless the fetched metadata lacks revocation_endpoint or
    /// the target file says `revocation = false` (the profiles define a revocation endpoint).
    Revocation,
    /// RFC 6749 §2.3.1 client_secret_post. The target file says it: the metadata's
    /// token_endpoint_auth_methods_supported is server-wide, while each client is registered for
    /// one method (RFC 7591 §2), so it cannot say what this client may use.
    ClientSecretPost,
    /// RFC 9126 pushed authorization requests (metadata: pushed_authorization_request_endpoint).
    Par,
    /// RFC 9126 §5: the server accepts authorization requests only through PAR (metadata:
    /// require_pushed_authorization_requests).
    ParRequired,
    /// RFC 7523 §2.2 private_key_jwt (metadata: token_endpoint_auth_methods_supported).
    PrivateKeyJwt,
    /// RFC 8628 device authorization grant (metadata: device_authorization_endpoint).
    DeviceGrant,
    /// RFC 9449 DPoP proofs and sender-constrained tokens (metadata:
    /// dpop_signing_alg_values_supported).
    Dpop,
    /// OpenID Connect: the server is an OpenID Provider (metadata:
    /// id_token_signing_alg_values_supported, a member only OpenID Connect Discovery defines).
    #[serde(rename = "openid")]
    OpenId,
}

impl Capability {
    pub const ALL: [Capability; 12] = [
        Capability::OpenId,
        Capability::Dpop,
        Capability::DeviceGrant,
        Capability::PrivateKeyJwt,
        Capability::Metadata,
        Capability::Iss,
        Capability::Introspection,
        Capability::RefreshRotation,
        Capability::Revocation,
        Capability::ClientSecretPost,
        Capability::Par,
        Capability::ParRequired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Metadata => "metadata",
            Capability::Iss => "iss",
            Capability::Introspection => "introspection",
            Capability::RefreshRotation => "refresh_rotation",
            Capability::Revocation => "revocation",
            Capability::ClientSecretPost => "client_secret_post",
            Capability::Par => "par",
            Capability::ParRequired => "par_required",
            Capability::PrivateKeyJwt => "private_key_jwt",
            Capability::DeviceGrant => "device_grant",
            Capability::Dpop => "dpop",
            Capability::OpenId => "openid",
        }
    }

    /// What says the server offers it: the metadata member, or the target file.
    pub fn source(self) -> &'static str {
        match self {
            Capability::Metadata => "target file: discovery_url",
            Capability::Iss => "metadata: authorization_response_iss_parameter_supported",
            Capability::Introspection => "metadata: introspection_endpoint",
            Capability::RefreshRotation => "target file: [capabilities] refresh_rotation",
            Capability::Revocation => "metadata: revocation_endpoint",
            Capability::ClientSecretPost => "target file: [capabilities] client_secret_post",
            Capability::Par => "metadata: pushed_authorization_request_endpoint",
            Capability::ParRequired => "metadata: require_pushed_authorization_requests",
            Capability::PrivateKeyJwt => "metadata: token_endpoint_auth_methods_supported",
            Capability::DeviceGrant => "metadata: device_authorization_endpoint",
            Capability::Dpop => "metadata: dpop_signing_alg_values_supported",
            Capability::OpenId => "metadata: id_token_signing_alg_values_supported",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Capability::Metadata => "RFC 8414 authorization server metadata",
            Capability::Iss => "RFC 9207 iss in authorization responses",
            Capability::Introspection => "RFC 7662 token introspection",
            Capability::RefreshRotation => "refresh token rotation",
            Capability::Revocation => "RFC 7009 token revocation",
            Capability::ClientSecretPost => "client_secret_post client authentication",
            Capability::Par => "RFC 9126 pushed authorization requests",
            Capability::ParRequired => "RFC 9126 PAR-only authorization requests",
            Capability::PrivateKeyJwt => "RFC 7523 private_key_jwt client authentication",
            Capability::DeviceGrant => "the RFC 8628 device authorization grant",
            Capability::Dpop => "RFC 9449 DPoP with ES256 proofs",
            Capability::OpenId => "OpenID Connect (an OpenID Provider)",
        }
    }

    /// Offered when neither the target file nor the metadata says: only what every profile
    /// defines an endpoint for.
    pub fn default_offered(self) -> bool {
        matches!(self, Capability::Revocation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn all_lists_every_capability_once_with_a_distinct_name() {
        let caps: HashSet<Capability> = Capability::ALL.into_iter().collect();
        assert_eq!(caps.len(), Capability::ALL.len(), "a capability is listed twice");
        let names: HashSet<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Capability::ALL.len(), "two capabilities share a name");
        let descriptions: HashSet<&str> = Capability::ALL.iter().map(|c| c.describe()).collect();
        assert_eq!(descriptions.len(), Capability::ALL.len(), "two capabilities share a description");
    }

    #[test]
    fn the_name_is_what_serde_writes_into_reports() {
        for c in Capability::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(c.name()), "{c:?}");
        }
    }

    #[test]
    fn each_source_is_a_metadata_member_or_the_target_file() {
        for c in Capability::ALL {
            let s = c.source();
            let (origin, what) = s.split_once(": ").unwrap_or_else(|| panic!("{c:?}: {s}"));
            assert!(matches!(origin, "metadata" | "target file"), "{c:?}: {s}");
            assert!(!what.is_empty(), "{c:?}: {s}");
        }
        // A capability the target file declares names its own key there.
        assert_eq!(Capability::RefreshRotation.source(), "target file: [capabilities] refresh_rotation");
        assert_eq!(Capability::ClientSecretPost.source(), "target file: [capabilities] client_secret_post");
    }

    #[test]
    fn only_revocation_is_offered_by_default() {
        let offered: Vec<Capability> = Capability::ALL.into_iter().filter(|c| c.default_offered()).collect();
        assert_eq!(offered, vec![Capability::Revocation]);
    }
}
