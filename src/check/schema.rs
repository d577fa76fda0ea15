//! JSON Schemas of the documented bodies (`specs/<profile>/*.schema.json`), compiled once.
//! The `jsonschema` crate is pre-1.0 and pinned; this module is its only user.
use std::collections::BTreeMap;

use serde_json::Value;

pub struct Schemas {
    compiled: BTreeMap<String, jsonschema::Validator>,
}

impl Schemas {
    pub fn new() -> Self {
        Schemas { compiled: BTreeMap::new() }
    }

    /// Compiles `text` under `name`; the error is a one-line reason.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let validator = jsonschema::validator_for(&value).map_err(|e| format!("not a valid JSON Schema: {e}"))?;
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
