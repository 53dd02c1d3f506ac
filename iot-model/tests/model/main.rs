//! Integration tests: conformance vectors from `testdata/model/`, property tests, and the
//! agreement of our validators with `jsonschema` on the exported schemas.

// Test helpers outside #[test] functions: a failing helper is a failing test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod props;
mod vectors;

use std::path::PathBuf;

use iot_model::{CompiledModel, ModelSet, Tsl, Validator};
use serde_json::Value;

/// Reads `testdata/model/<file>` as a list of TOML tables.
pub fn load(file: &str) -> Vec<toml::Table> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/model")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let vectors = doc["vector"].as_array().expect("vector array");
    vectors
        .iter()
        .map(|v| {
            let t = v.as_table().expect("vector table").clone();
            assert!(t.contains_key("name"), "{file}: vector without a name");
            assert!(
                t.contains_key("source"),
                "{file}: {} has no source",
                t["name"]
            );
            t
        })
        .collect()
}

/// A string member of a vector.
pub fn s<'a>(v: &'a toml::Table, key: &str) -> &'a str {
    v.get(key)
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("{}: missing {key}", v["name"]))
}

/// The compiled jsonschema validator of one of our validators' exported schema.
pub fn peer(v: &Validator) -> jsonschema::Validator {
    let schema = v.json_schema();
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("exported schema does not compile: {e}\n{schema:#}"))
}

/// Every valid model of `tsl.toml`, by vector name.
pub fn models() -> Vec<(String, Tsl, CompiledModel)> {
    load("tsl.toml")
        .iter()
        .filter(|v| v["valid"].as_bool() == Some(true))
        .map(|v| {
            let tsl = Tsl::from_json(s(v, "json")).unwrap();
            let compiled = CompiledModel::compile(&tsl).unwrap();
            (s(v, "name").to_owned(), tsl, compiled)
        })
        .collect()
}

/// A model set of every model with a product key.
pub fn model_set() -> ModelSet {
    let mut set = ModelSet::new();
    for (_, _, m) in models() {
        set.insert(&m);
    }
    set
}

/// The rule's variant name (`Type { .. }` → `Type`).
pub fn variant<T: std::fmt::Debug>(x: &T) -> String {
    let d = format!("{x:?}");
    d.split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Asserts that our validator and jsonschema agree on a value.
pub fn agree(ours: &Validator, peer: &jsonschema::Validator, value: &Value) {
    assert_eq!(
        ours.is_valid(value),
        peer.is_valid(value),
        "disagreement on {value}\nours: {:?}\nschema: {:#}",
        ours.validate(value),
        ours.json_schema()
    );
}
