//! JSON helpers shared by the core: RFC 7396 merge patch, value equality, size and depth
//! measurement, and the structural checks the dialects apply to patches.

use core::fmt::{self, Write as _};

use serde_json::{Map, Value};

use crate::error::ShadowError;

/// Applies an RFC 7396 JSON Merge Patch to `target` in place.
///
/// This is the plain RFC algorithm (Appendix A cases hold): `null` in an object removes the key,
/// objects merge recursively, anything else replaces the target. The shadow core uses the same
/// rules on its `desired` and `reported` sections, with the extra checks of [`crate::Dialect`].
///
/// ```
/// use serde_json::json;
/// let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
/// iot_shadow::merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
/// assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
/// ```
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        merge_object(target, patch);
    }
}

fn merge_object(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(sub) => {
                let slot = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(slot) = slot {
                    merge_object(slot, sub);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// JSON value equality where numbers compare by numeric value (`1` equals `1.0`).
///
/// serde_json's own `==` keeps integers and floats apart; devices often report `20.0` for a
/// desired `20`, and a shadow must not see a difference there.
#[must_use]
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_eq(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn number_eq(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
        return p == q;
    }
    if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
        return p == q;
    }
    if (x.is_f64() || y.is_f64())
        && let (Some(p), Some(q)) = (x.as_f64(), y.as_f64())
    {
        // An integer beyond 2^53 never equals a float it merely rounds to.
        let exact =
            |n: &serde_json::Number, f: f64| n.is_f64() || f.abs() < 9_007_199_254_740_992.0;
        return p == q && exact(x, p) && exact(y, q);
    }
    false
}

/// How the size of a state section is counted.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRule {
    /// Bytes of the compact JSON serialization (AWS).
    JsonBytes,
    /// Azure twin counting: key and string lengths in characters without control characters,
    /// numbers 8, booleans 4; braces, quotes and separators are free.
    AzureTwin,
}

/// Size of a value under `rule`.
#[must_use]
pub fn value_size(rule: SizeRule, value: &Value) -> usize {
    match (rule, value) {
        (SizeRule::JsonBytes, Value::Null) => 4,
        (SizeRule::JsonBytes, Value::Bool(b)) => {
            if *b {
                4
            } else {
                5
            }
        }
        (SizeRule::JsonBytes, Value::Number(n)) => display_len(n),
        (SizeRule::JsonBytes, Value::String(s)) => json_string_len(s),
        (SizeRule::JsonBytes, Value::Array(items)) => {
            2 + items.iter().map(|v| value_size(rule, v)).sum::<usize>()
                + items.len().saturating_sub(1)
        }
        (SizeRule::JsonBytes, Value::Object(map)) => object_size(rule, map),
        (SizeRule::AzureTwin, Value::Null) => 0,
        (SizeRule::AzureTwin, Value::Bool(_)) => 4,
        (SizeRule::AzureTwin, Value::Number(_)) => 8,
        (SizeRule::AzureTwin, Value::String(s)) => azure_chars(s),
        (SizeRule::AzureTwin, Value::Array(items)) => {
            items.iter().map(|v| value_size(rule, v)).sum()
        }
        (SizeRule::AzureTwin, Value::Object(map)) => object_size(rule, map),
    }
}

/// Size of an object under `rule`.
#[must_use]
pub fn object_size(rule: SizeRule, map: &Map<String, Value>) -> usize {
    let entries: usize = map
        .iter()
        .map(|(k, v)| key_size(rule, k) + value_size(rule, v))
        .sum();
    entries + object_overhead(rule, map.len())
}

fn key_size(rule: SizeRule, key: &str) -> usize {
    match rule {
        // "key":
        SizeRule::JsonBytes => json_string_len(key) + 1,
        SizeRule::AzureTwin => azure_chars(key),
    }
}

fn object_overhead(rule: SizeRule, entries: usize) -> usize {
    match rule {
        SizeRule::JsonBytes => 2 + entries.saturating_sub(1),
        SizeRule::AzureTwin => 0,
    }
}

/// Size of `merge(old, patch)` under `rule`, computed without building the merged value.
///
/// `old` is `None` when the key is absent or not an object (a patch object then starts from an
/// empty object, as RFC 7396 says).
#[must_use]
pub fn merged_object_size(
    rule: SizeRule,
    old: Option<&Map<String, Value>>,
    patch: &Map<String, Value>,
) -> usize {
    let mut total = 0;
    let mut count = 0;
    if let Some(old) = old {
        for (key, value) in old {
            if patch.contains_key(key) {
                continue;
            }
            total += key_size(rule, key) + value_size(rule, value);
            count += 1;
        }
    }
    for (key, value) in patch {
        let size = match value {
            Value::Null => continue,
            Value::Object(sub) => {
                let old_sub = old.and_then(|o| o.get(key)).and_then(Value::as_object);
                merged_object_size(rule, old_sub, sub)
            }
            other => value_size(rule, other),
        };
        total += key_size(rule, key) + size;
        count += 1;
    }
    total + object_overhead(rule, count)
}

/// Size of `merge(old, patch)` under `rule` when the size of `old` is already known: only the
/// subtrees the patch touches are walked.
#[must_use]
pub fn merged_object_size_from(
    rule: SizeRule,
    old: Option<&Map<String, Value>>,
    old_size: usize,
    patch: &Map<String, Value>,
) -> usize {
    let Some(old) = old else {
        return merged_object_size(rule, None, patch);
    };
    let mut removed = 0;
    let mut added = 0;
    let mut count = old.len();
    for (key, value) in patch {
        let previous = old.get(key);
        if let Some(previous) = previous {
            removed += key_size(rule, key) + value_size(rule, previous);
            count -= 1;
        }
        let size = match value {
            Value::Null => continue,
            Value::Object(sub) => {
                merged_object_size(rule, previous.and_then(Value::as_object), sub)
            }
            other => value_size(rule, other),
        };
        added += key_size(rule, key) + size;
        count += 1;
    }
    old_size
        .saturating_sub(object_overhead(rule, old.len()))
        .saturating_sub(removed)
        + added
        + object_overhead(rule, count)
}

/// Number of top-level keys of `merge(old, patch)`.
#[must_use]
pub fn merged_key_count(old: Option<&Map<String, Value>>, patch: &Map<String, Value>) -> usize {
    let kept = old.map_or(0, |o| o.keys().filter(|k| !patch.contains_key(*k)).count());
    kept + patch.values().filter(|v| !v.is_null()).count()
}

fn json_string_len(s: &str) -> usize {
    let mut len = 2;
    for c in s.chars() {
        len += match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        };
    }
    len
}

fn azure_chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_control()).count()
}

struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

fn display_len(n: &serde_json::Number) -> usize {
    let mut c = Counter(0);
    // Writing into a counter cannot fail.
    let _ = write!(c, "{n}");
    c.0
}

/// Nesting of a value: scalars 0, an object or array one more than its deepest child.
#[must_use]
pub fn nesting(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(nesting).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

/// Depth of a section as the dialect limits count it: levels below the section object.
#[must_use]
pub fn section_depth(section: &Map<String, Value>) -> usize {
    section.values().map(nesting).max().unwrap_or(0)
}

/// Structural checks on a section patch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatchRules {
    pub(crate) max_depth: usize,
    pub(crate) allow_arrays: bool,
    /// Azure's property-name rules and integer range.
    pub(crate) azure_keys: bool,
}

pub(crate) fn check_patch(
    patch: &Map<String, Value>,
    rules: PatchRules,
) -> Result<(), ShadowError> {
    if section_depth(patch) > rules.max_depth {
        return Err(ShadowError::TooDeep {
            max: rules.max_depth,
        });
    }
    check_object(patch, rules)
}

fn check_object(map: &Map<String, Value>, rules: PatchRules) -> Result<(), ShadowError> {
    for (key, value) in map {
        if rules.azure_keys && !azure_key_ok(key) {
            return Err(ShadowError::InvalidKey);
        }
        check_value(value, rules, false)?;
    }
    Ok(())
}

/// Azure twin integers: -4503599627370496 ..= 4503599627370495.
const AZURE_INT_MIN: i64 = -(1 << 52);
const AZURE_INT_MAX: i64 = (1 << 52) - 1;

fn check_value(value: &Value, rules: PatchRules, in_array: bool) -> Result<(), ShadowError> {
    match value {
        Value::Null if in_array => Err(ShadowError::NullInArray),
        Value::Number(n) if rules.azure_keys && !n.is_f64() => match n.as_i64() {
            Some(i) if (AZURE_INT_MIN..=AZURE_INT_MAX).contains(&i) => Ok(()),
            _ => Err(ShadowError::NumberOutOfRange),
        },
        Value::Object(map) => check_object(map, rules),
        Value::Array(items) => {
            if !rules.allow_arrays {
                return Err(ShadowError::ArrayNotAllowed);
            }
            items.iter().try_for_each(|v| check_value(v, rules, true))
        }
        _ => Ok(()),
    }
}

/// Azure twin property names: at most 1 KB, no control characters, `.`, `$` or space.
fn azure_key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 1024
        && !key
            .chars()
            .any(|c| c.is_control() || c == '.' || c == '$' || c == ' ')
}

/// `desired` is contained in `reported`: every desired leaf is present in reported with an equal
/// value (objects compared key by key, everything else as a whole). The delta is empty exactly
/// when this holds.
#[must_use]
pub fn contains(reported: &Value, desired: &Value) -> bool {
    match (desired, reported) {
        (Value::Object(d), Value::Object(r)) => d
            .iter()
            .all(|(k, dv)| r.get(k).is_some_and(|rv| contains(rv, dv))),
        _ => json_eq(desired, reported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_bytes_matches_serde() {
        for v in [
            json!({"a": "b\"\\\n\u{1}é", "n": [1, -2, 3.5, 1e300, null, true, false], "o": {}}),
            json!({}),
            json!({"k": []}),
        ] {
            let Value::Object(map) = &v else {
                unreachable!()
            };
            assert_eq!(
                object_size(SizeRule::JsonBytes, map),
                serde_json::to_string(&v).unwrap().len()
            );
        }
    }

    #[test]
    fn azure_counting() {
        let v = json!({"ab": "cd\u{7}", "n": 1.5, "b": true, "o": {"x": 1}});
        let Value::Object(map) = &v else {
            unreachable!()
        };
        // ab(2)+cd(2) + n(1)+8 + b(1)+4 + o(1) + x(1)+8
        assert_eq!(object_size(SizeRule::AzureTwin, map), 28);
    }

    #[test]
    fn numeric_equality() {
        assert!(json_eq(&json!(20), &json!(20.0)));
        assert!(json_eq(&json!(-3), &json!(-3)));
        assert!(!json_eq(&json!(20), &json!(20.5)));
        assert!(!json_eq(
            &json!(9_007_199_254_740_993_u64),
            &json!(9_007_199_254_740_992.0)
        ));
        assert!(!json_eq(&json!("1"), &json!(1)));
    }
}
