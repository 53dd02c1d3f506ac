//! Helpers shared by the test modules: loading vectors and hex.

use std::path::PathBuf;

pub(crate) fn testdata(file: &str) -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/ota")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse::<toml::Table>().unwrap()
}

pub(crate) fn vectors(file: &str) -> Vec<toml::Table> {
    let t = testdata(file);
    let v: Vec<toml::Table> = t["vector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_table().unwrap().clone())
        .collect();
    for vector in &v {
        assert!(
            vector
                .get("source")
                .and_then(|s| s.as_str())
                .is_some_and(|s| !s.is_empty()),
            "vector without source: {vector:?}"
        );
    }
    assert!(!v.is_empty());
    v
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    iot_ota::encoding::hex_decode(&clean).unwrap()
}

pub(crate) fn str_of<'a>(t: &'a toml::Table, k: &str) -> &'a str {
    t.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("missing {k} in {:?}", t.get("name")))
}
