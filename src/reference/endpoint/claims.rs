//! The user's standard claims (OpenID Connect Core §5.1) that the granted scopes ask for (§5.4):
//! what UserInfo answers with, and (under a variant) the ID Token carries too.
use serde_json::json;

use super::super::fault::Fault;
use super::state::AuthServer;

/// OpenID Connect Core §5.4: the standard claims the granted scopes ask for, with §5.1's types
/// (the user's, made up for the reference). Also the ID Token's under a variant.
pub fn scope_claims(st: &AuthServer, scope: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = serde_json::Map::new();
    // The first-only fault: the claims of the first claim scope, the others dropped.
    let first_only = st.has(Fault::RfcOidcScopeClaimsFirstOnly);
    for s in scope.split(' ') {
        if first_only && !claims.is_empty() {
            break;
        }
        let add: serde_json::Value = match s {
            "profile" => json!({ "name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell", "preferred_username": st.reg.user.username, "updated_at": 1_700_000_000 }),
            "email" if st.has(Fault::RfcOidcScopeClaimsMissing) => json!({}),
            "email" => json!({ "email": "alice@example.test", "email_verified": if st.has(Fault::RfcOidcClaimTypes) { json!("true") } else { json!(true) } }),
            "address" => json!({ "address": { "formatted": "1 Rabbit Hole, Oxford", "street_address": "1 Rabbit Hole", "locality": "Oxford", "country": "GB" } }),
            "phone" => json!({ "phone_number": "+44 1865 000000", "phone_number_verified": false }),
            _ => continue,
        };
        if let serde_json::Value::Object(o) = add {
            claims.extend(o);
        }
    }
    claims
}

