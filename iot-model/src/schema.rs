//! JSON Schema (draft 2020-12) export of the compiled message schemas.
//!
//! Each schema accepts the same values as the validator it was exported from. One difference is
//! documented and deliberate: a `float`/`double` with a fractional `step` (such as `0.01`) gets
//! no `multipleOf`, because JSON Schema's `multipleOf` is exact binary arithmetic and would
//! reject `23.6` for step `0.01`, while our validator allows decimal rounding noise.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::compile::{MAX_EPOCH_MS, Members, ModelTree, Node};
use crate::walk::{MAX_DATE_DIGITS, MAX_PACK_EVENTS, MAX_PACK_SUB_DEVICES, MAX_PROPERTIES, Target};

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

pub(crate) fn export(target: &Target) -> Value {
    let mut schema = match target {
        Target::PropertyPost(t) => property_post(t),
        Target::PropertySet(t) => {
            let props: Map<String, Value> = t
                .properties
                .entries
                .iter()
                .filter(|(_, p)| p.writable)
                .map(|(k, p)| (k.to_string(), node(&p.node)))
                .collect();
            json!({"type": "object", "properties": props, "additionalProperties": false})
        }
        Target::EventPost(t, i) => event_post(&t.events.entries[*i].1),
        Target::ServiceInput(t, i) => {
            let s = &t.services.entries[*i].1;
            match &s.input_ids {
                Some(ids) => {
                    let ids: Vec<Value> = ids.iter().map(|s| Value::from(&**s)).collect();
                    json!({"type": "array", "items": {"enum": ids}})
                }
                None => params(&s.input),
            }
        }
        Target::ServiceOutput(t, i) => params(&t.services.entries[*i].1.output),
        Target::PackPost { gateway, products } => json!({
            "type": "object",
            "properties": {
                "properties": property_post(gateway),
                "events": events_object(gateway, Some(MAX_PACK_EVENTS)),
                "subDevices": {
                    "type": "array",
                    "maxItems": MAX_PACK_SUB_DEVICES,
                    "items": device_entry(products, false),
                },
            },
            "additionalProperties": false,
        }),
        Target::HistoryPost { products } => json!({
            "type": "array",
            "items": device_entry(products, true),
        }),
    };
    if let Value::Object(m) = &mut schema {
        m.insert("$schema".to_owned(), Value::from(DIALECT));
    }
    schema
}

fn time() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS})
}

pub(crate) fn node(n: &Node) -> Value {
    match n {
        Node::Int { min, max, step } => {
            let mut s = json!({"type": "integer", "minimum": min, "maximum": max});
            if let (Some(st), Value::Object(m)) = (step, &mut s) {
                m.insert("multipleOf".to_owned(), Value::from(*st));
            }
            s
        }
        Node::Number { min, max, step } => {
            let mut m = Map::new();
            m.insert("type".to_owned(), Value::from("number"));
            if let Some(v) = min {
                m.insert("minimum".to_owned(), Value::from(*v));
            }
            if let Some(v) = max {
                m.insert("maximum".to_owned(), Value::from(*v));
            }
            if let Some(st) = step.filter(|s| s.integral) {
                m.insert("multipleOf".to_owned(), Value::from(st.value));
            }
            Value::Object(m)
        }
        Node::Text { max_chars } => json!({"type": "string", "maxLength": max_chars}),
        Node::Date => json!({"anyOf": [
            {"type": "string", "pattern": format!("^[0-9]{{1,{MAX_DATE_DIGITS}}}$")},
            time(),
        ]}),
        Node::Bool => json!({"enum": [0, 1]}),
        // An enum without keys accepts nothing (JSON Schema wants a non-empty `enum`).
        Node::Enum { keys } if keys.is_empty() => json!({"not": {}}),
        Node::Enum { keys } => json!({ "enum": keys }),
        Node::Struct(members) => {
            let required: Vec<Value> = members
                .entries
                .iter()
                .map(|(k, _)| Value::from(&**k))
                .collect();
            let mut s = params(members);
            if let Value::Object(m) = &mut s {
                m.insert("required".to_owned(), Value::Array(required));
            }
            s
        }
        Node::Array { max_items, item } => {
            json!({"type": "array", "maxItems": max_items, "items": node(item)})
        }
    }
}

fn params(members: &Members) -> Value {
    let props: Map<String, Value> = members
        .entries
        .iter()
        .map(|(k, n)| (k.to_string(), node(n)))
        .collect();
    json!({"type": "object", "properties": props, "additionalProperties": false})
}

fn property_value(n: &Node) -> Value {
    let s = node(n);
    json!({
        "if": {"type": "object", "required": ["value"]},
        "then": {
            "type": "object",
            "properties": {"value": s.clone(), "time": time()},
            "additionalProperties": false,
        },
        "else": s,
    })
}

fn property_post(t: &ModelTree) -> Value {
    let props: Map<String, Value> = t
        .properties
        .entries
        .iter()
        .map(|(k, p)| (k.to_string(), property_value(&p.node)))
        .collect();
    json!({
        "type": "object",
        "maxProperties": MAX_PROPERTIES,
        "properties": props,
        "additionalProperties": false,
    })
}

fn event_post(members: &Members) -> Value {
    json!({
        "type": "object",
        "properties": {"value": params(members), "time": time()},
        "required": ["value"],
        "additionalProperties": false,
    })
}

fn events_object(t: &ModelTree, limit: Option<usize>) -> Value {
    let props: Map<String, Value> = t
        .events
        .entries
        .iter()
        .map(|(k, m)| (k.to_string(), event_post(m)))
        .collect();
    let mut s = json!({"type": "object", "properties": props, "additionalProperties": false});
    if let (Some(l), Value::Object(m)) = (limit, &mut s) {
        m.insert("maxProperties".to_owned(), Value::from(l));
    }
    s
}

/// A pack `subDevices` item (`history == false`) or a history entry (`history == true`).
fn device_entry(products: &Arc<BTreeMap<String, Arc<ModelTree>>>, history: bool) -> Value {
    let keys: Vec<Value> = products.keys().map(|k| Value::from(k.as_str())).collect();
    let branches: Vec<Value> = products
        .iter()
        .map(|(pk, t)| {
            let (props, events) = if history {
                (
                    json!({"items": property_post(t)}),
                    json!({"items": events_object(t, None)}),
                )
            } else {
                (property_post(t), events_object(t, Some(MAX_PACK_EVENTS)))
            };
            json!({
                "if": {"properties": {"identity": {"properties": {"productKey": {"const": pk}}}}},
                "then": {"properties": {"properties": props, "events": events}},
            })
        })
        .collect();
    let list = if history {
        json!({"type": "array"})
    } else {
        json!({})
    };
    let product_key = if keys.is_empty() {
        json!({"not": {}})
    } else {
        json!({"type": "string", "enum": keys})
    };
    let mut entry = json!({
        "type": "object",
        "required": ["identity"],
        "properties": {
            "identity": {
                "type": "object",
                "required": ["productKey", "deviceName"],
                "properties": {
                    "productKey": product_key,
                    "deviceName": {"type": "string"},
                },
                "additionalProperties": false,
            },
            "properties": list.clone(),
            "events": list,
        },
        "additionalProperties": false,
    });
    if let (false, Value::Object(m)) = (branches.is_empty(), &mut entry) {
        m.insert("allOf".to_owned(), Value::Array(branches));
    }
    entry
}
