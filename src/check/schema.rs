//! JSON Schemas of the documented bodies (`specs/<profile>/*.schema.json`), compiled once.
//! The `jsonschema` crate is pre-1.0 and pinned; this module is its only user.
use std::collections::BTreeMap;

use serde_json::Value;

/// Why a schema file was refused at load time; rendered once, into the profile's load error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a valid JSON Schema: {0}")]
    NotASchema(String),
}

pub struct Schemas {
    compiled: BTreeMap<String, jsonschema::Validator>,
}

impl Schemas {
    pub fn new() -> Self {
        Schemas { compiled: BTreeMap::new() }
    }

    /// Compiles `text` under `name`; the error renders as a one-line reason.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), SchemaError> {
        let value: Value = serde_json::from_str(text).map_err(|e| SchemaError::NotJson(e.to_string()))?;
        let validator =
            jsonschema::validator_for(&value).map_err(|e| SchemaError::NotASchema(e.to_string()))?;
        self.compiled.insert(name.to_string(), validator);
        Ok(())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.compiled.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.compiled.keys().map(String::as_str)
    }

    /// Every violation of schema `name` by `instance`, as "at /path: reason"; empty when valid.
    pub fn violations(&self, name: &str, instance: &Value) -> Vec<String> {
        match self.compiled.get(name) {
            None => vec![format!("no schema named {name}")],
            Some(v) => v
                .iter_errors(instance)
                .map(|e| {
                    let path = e.instance_path().to_string();
                    let at = if path.is_empty() { "/".to_string() } else { path };
                    format!("at {at}: {e}")
                })
                .collect(),
        }
    }
}

impl Default for Schemas {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_schema_that_is_not_json_is_refused_as_such() {
        let err = Schemas::new().add("token", "{ not json").unwrap_err();
        assert!(matches!(err, SchemaError::NotJson(_)), "{err:?}");
        assert!(err.to_string().starts_with("not JSON: "), "{err}");
    }

    #[test]
    fn json_that_is_no_valid_schema_is_refused_as_such() {
        let err = Schemas::new().add("token", r#"{"type": 12}"#).unwrap_err();
        assert!(matches!(err, SchemaError::NotASchema(_)), "{err:?}");
        assert!(err.to_string().starts_with("not a valid JSON Schema: "), "{err}");
    }

    #[test]
    fn violations_name_the_path_and_are_empty_when_valid() {
        let mut schemas = Schemas::new();
        let text = r#"{"type":"object","required":["access_token"],"properties":{"expires_in":{"type":"integer"}}}"#;
        schemas.add("token", text).unwrap();
        assert!(schemas.contains("token"));
        assert!(schemas.violations("token", &json!({"access_token": "x", "expires_in": 3})).is_empty());
        let got = schemas.violations("token", &json!({"access_token": "x", "expires_in": "3"}));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("at /expires_in: "), "{got:?}");
        let root = schemas.violations("token", &json!({}));
        assert!(root[0].starts_with("at /: "), "{root:?}");
    }

    #[test]
    fn an_unknown_schema_name_is_a_violation_not_a_pass() {
        let got = Schemas::new().violations("nope", &json!({}));
        assert_eq!(got, vec!["no schema named nope".to_string()]);
    }
}
