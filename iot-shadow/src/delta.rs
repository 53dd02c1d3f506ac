//! The delta by AWS's rules: the fields of `desired` that are missing from `reported` or differ
//! from it, nested paths kept up to the root, arrays and scalars compared whole (numbers by
//! value). Also the delta restricted to the paths one update touched.

use serde_json::Value;

use crate::document::Object;
use crate::json::json_eq;

/// The delta of `desired` against `reported` by AWS's rules.
#[must_use]
pub fn delta(desired: &Object, reported: Option<&Object>) -> Object {
    let mut out = Object::new();
    for (key, dv) in desired {
        if let Some(v) = delta_entry(dv, reported.and_then(|r| r.get(key))) {
            out.insert(key.clone(), v);
        }
    }
    out
}

fn delta_entry(desired: &Value, reported: Option<&Value>) -> Option<Value> {
    match (desired, reported) {
        (Value::Object(d), Some(Value::Object(r))) => {
            let sub = delta(d, Some(r));
            (!sub.is_empty()).then_some(Value::Object(sub))
        }
        (d, Some(r)) if json_eq(d, r) => None,
        (d, _) => Some(d.clone()),
    }
}

pub(crate) fn delta_touched(
    desired: &Object,
    reported: Option<&Object>,
    dp: Option<&Object>,
    rp: Option<&Object>,
    out: &mut Object,
) {
    let mut visit = |key: &String| {
        let Some(dv) = desired.get(key) else {
            return;
        };
        let rv = reported.and_then(|r| r.get(key));
        let dpk = dp.and_then(|p| p.get(key));
        let rpk = rp.and_then(|p| p.get(key));
        let whole = dpk.is_some_and(|v| !v.is_object()) || rpk.is_some_and(|v| !v.is_object());
        let entry = match (dv, rv) {
            (Value::Object(d), Some(Value::Object(r))) if !whole => {
                let mut sub = Object::new();
                delta_touched(
                    d,
                    Some(r),
                    dpk.and_then(Value::as_object),
                    rpk.and_then(Value::as_object),
                    &mut sub,
                );
                (!sub.is_empty()).then_some(Value::Object(sub))
            }
            _ => delta_entry(dv, rv),
        };
        if let Some(v) = entry {
            out.insert(key.clone(), v);
        }
    };
    if let Some(dp) = dp {
        dp.keys().for_each(&mut visit);
    }
    if let Some(rp) = rp {
        rp.keys()
            .filter(|k| dp.is_none_or(|d| !d.contains_key(*k)))
            .for_each(&mut visit);
    }
}
