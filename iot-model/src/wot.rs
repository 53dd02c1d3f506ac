//! W3C Web of Things Thing Model / Thing Description import and export.
//!
//! The mapping (there is no published one; this is ours, following the digest's analysis):
//!
//! | TSL | WoT |
//! |---|---|
//! | property | `properties.{id}`: DataSchema, `readOnly` ⇔ `accessMode: "r"` |
//! | event (`outputData`) | `events.{id}.data`: object schema; `type` → `tsl:eventType` |
//! | service | `actions.{id}`: `input`/`output` object schemas; `callType: "sync"` ⇔ `synchronous` |
//! | `int` / `float` / `double` | `integer` / `number` (+ `tsl:type: "float"`), `minimum`, `maximum`, `multipleOf` (= step), `unit` |
//! | `text` + `length` | `string` + `maxLength` |
//! | `date` | `string` + `pattern ^[0-9]{1,13}$` + `tsl:type: "date"` |
//! | `bool` + labels | `boolean` + `tsl:labels` (on the Alink wire it is 0/1) |
//! | `enum` + labels | `integer` + `enum` + `oneOf` of `{const, title}` |
//! | `struct` | `object` + `properties` + `required` (all members) |
//! | `array` + `size` + `item` | `array` + `maxItems` + `items` |
//! | `name` / `desc` | `title` / `description` |
//! | `required`, `unitName`, `productKey` | `tsl:required`, `tsl:unitName`, `tsl:productKey` |
//! | generated `post` / `set` / `get` | not affordances (they are property read/write); kept whole in `tsl:generated` |
//!
//! Extension terms use the `tsl:` prefix, declared in `@context`. Whatever has no TSL
//! counterpart on import (forms, security, `writeOnly`, `exclusiveMinimum`, string enums,
//! `tm:ref`, …) is reported as an [`Unmapped`] entry, never silently dropped; TSL members this
//! crate keeps only as opaque extras are reported the same way on export.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::{Unmapped, WotError};
use crate::tsl::{
    AccessMode, ArraySpecs, CallType, DataType, Event, EventType, NumberSpecs, Param, Profile,
    Property, Service, ServiceArg, TextSpecs, Tsl,
};

/// The namespace IRI of the `tsl:` extension terms.
pub const TSL_NAMESPACE: &str = "https://github.com/iot-toolkit/iot-toolkit/ns/tsl#";
const TD_CONTEXT: &str = "https://www.w3.org/2022/wot/td/v1.1";
const DATE_PATTERN: &str = "^[0-9]{1,13}$";

fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn unmapped(out: &mut Vec<Unmapped>, path: String, reason: &str) {
    out.push(Unmapped {
        path,
        reason: reason.to_owned(),
    });
}

fn num_value(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::from)
}

/// Exports a TSL model as a WoT Thing Model. Returns the model and what could not be mapped.
#[must_use]
pub fn to_thing_model(tsl: &Tsl) -> (Value, Vec<Unmapped>) {
    let mut lost = Vec::new();
    let mut tm = Map::new();
    tm.insert(
        "@context".to_owned(),
        json!([TD_CONTEXT, {"tsl": TSL_NAMESPACE}]),
    );
    tm.insert("@type".to_owned(), Value::from("tm:ThingModel"));
    let title = tsl
        .profile
        .product_key
        .clone()
        .unwrap_or_else(|| "Thing".to_owned());
    tm.insert("title".to_owned(), Value::from(title));
    if let Some(pk) = &tsl.profile.product_key {
        tm.insert("tsl:productKey".to_owned(), Value::from(pk.as_str()));
    }
    if let Some(v) = &tsl.profile.version {
        tm.insert("version".to_owned(), json!({ "model": v }));
    }
    if let Some(s) = &tsl.schema {
        tm.insert("tsl:schema".to_owned(), Value::from(s.as_str()));
    }
    for (key, value) in [
        ("tsl:functionBlockId", &tsl.function_block_id),
        ("tsl:functionBlockName", &tsl.function_block_name),
    ] {
        if let Some(v) = value {
            tm.insert(key.to_owned(), Value::from(v.as_str()));
        }
    }
    extras(&tsl.extra, "", &mut lost);
    extras(&tsl.profile.extra, "/profile", &mut lost);

    let mut props = Map::new();
    for (i, p) in tsl.properties.iter().enumerate() {
        let path = format!("/properties/{i}");
        extras(&p.extra, &path, &mut lost);
        let mut s = schema_of(&p.data_type, &format!("{path}/dataType"), &mut lost);
        if let Some(n) = &p.name {
            s.insert("title".to_owned(), Value::from(n.as_str()));
        }
        if let Some(d) = &p.desc {
            s.insert("description".to_owned(), Value::from(d.as_str()));
        }
        s.insert(
            "readOnly".to_owned(),
            Value::from(p.access_mode == Some(AccessMode::ReadOnly)),
        );
        if p.access_mode.is_none() {
            s.insert("tsl:accessModeUnset".to_owned(), Value::Bool(true));
        }
        s.insert("observable".to_owned(), Value::Bool(true));
        if let Some(r) = p.required {
            s.insert("tsl:required".to_owned(), Value::Bool(r));
        }
        props.insert(p.identifier.clone(), Value::Object(s));
    }
    tm.insert("properties".to_owned(), Value::Object(props));

    let mut generated = Vec::new();
    let mut events = Map::new();
    for (i, e) in tsl.events.iter().enumerate() {
        if e.identifier == "post" {
            generated.push(serde_json::to_value(e).unwrap_or(Value::Null));
            continue;
        }
        let path = format!("/events/{i}");
        extras(&e.extra, &path, &mut lost);
        let mut a = Map::new();
        common(&mut a, e.name.as_ref(), e.desc.as_ref(), e.required);
        if let Some(t) = e.event_type {
            a.insert(
                "tsl:eventType".to_owned(),
                serde_json::to_value(t).unwrap_or(Value::Null),
            );
        }
        a.insert(
            "data".to_owned(),
            params_schema(
                &e.output_data,
                &format!("{path}/outputData"),
                &mut lost,
                false,
            ),
        );
        events.insert(e.identifier.clone(), Value::Object(a));
    }
    tm.insert("events".to_owned(), Value::Object(events));

    let mut actions = Map::new();
    for (i, s) in tsl.services.iter().enumerate() {
        if s.identifier == "set" || s.identifier == "get" {
            generated.push(serde_json::to_value(s).unwrap_or(Value::Null));
            continue;
        }
        let path = format!("/services/{i}");
        extras(&s.extra, &path, &mut lost);
        let mut a = Map::new();
        common(&mut a, s.name.as_ref(), s.desc.as_ref(), s.required);
        if let Some(c) = s.call_type {
            a.insert("synchronous".to_owned(), Value::Bool(c == CallType::Sync));
        }
        let mut inputs = Vec::new();
        for (j, arg) in s.input_data.iter().enumerate() {
            match arg {
                ServiceArg::Param(p) => inputs.push(p.clone()),
                ServiceArg::Identifier(_) => unmapped(
                    &mut lost,
                    format!("{path}/inputData/{j}"),
                    "an identifier-list input only exists for the generated get service",
                ),
            }
        }
        a.insert(
            "input".to_owned(),
            params_schema(&inputs, &format!("{path}/inputData"), &mut lost, false),
        );
        a.insert(
            "output".to_owned(),
            params_schema(
                &s.output_data,
                &format!("{path}/outputData"),
                &mut lost,
                false,
            ),
        );
        actions.insert(s.identifier.clone(), Value::Object(a));
    }
    tm.insert("actions".to_owned(), Value::Object(actions));
    if !generated.is_empty() {
        tm.insert("tsl:generated".to_owned(), Value::Array(generated));
    }
    (Value::Object(tm), lost)
}

fn common(
    a: &mut Map<String, Value>,
    name: Option<&String>,
    desc: Option<&String>,
    req: Option<bool>,
) {
    if let Some(n) = name {
        a.insert("title".to_owned(), Value::from(n.as_str()));
    }
    if let Some(d) = desc {
        a.insert("description".to_owned(), Value::from(d.as_str()));
    }
    if let Some(r) = req {
        a.insert("tsl:required".to_owned(), Value::Bool(r));
    }
}

fn extras(extra: &Map<String, Value>, path: &str, lost: &mut Vec<Unmapped>) {
    for k in extra.keys() {
        unmapped(lost, ptr(path, k), "member without a WoT counterpart");
    }
}

fn params_schema(
    params: &[Param],
    path: &str,
    lost: &mut Vec<Unmapped>,
    all_required: bool,
) -> Value {
    let mut props = Map::new();
    for (i, p) in params.iter().enumerate() {
        let ppath = format!("{path}/{i}");
        extras(&p.extra, &ppath, lost);
        let mut s = schema_of(&p.data_type, &format!("{ppath}/dataType"), lost);
        if let Some(n) = &p.name {
            s.insert("title".to_owned(), Value::from(n.as_str()));
        }
        props.insert(p.identifier.clone(), Value::Object(s));
    }
    let mut s = json!({"type": "object", "properties": props});
    if all_required {
        let req: Vec<Value> = params
            .iter()
            .map(|p| Value::from(p.identifier.as_str()))
            .collect();
        if let Value::Object(m) = &mut s {
            m.insert("required".to_owned(), Value::Array(req));
        }
    }
    s
}

fn number_schema(
    m: &mut Map<String, Value>,
    s: &NumberSpecs,
    path: &str,
    lost: &mut Vec<Unmapped>,
) {
    for (key, text) in [
        ("minimum", &s.min),
        ("maximum", &s.max),
        ("multipleOf", &s.step),
    ] {
        if let Some(t) = text {
            match num_value(t) {
                Some(v) => {
                    m.insert(key.to_owned(), v);
                }
                None => unmapped(lost, format!("{path}/specs"), "spec is not a number"),
            }
        }
    }
    if let Some(u) = &s.unit {
        m.insert("unit".to_owned(), Value::from(u.as_str()));
    }
    if let Some(u) = &s.unit_name {
        m.insert("tsl:unitName".to_owned(), Value::from(u.as_str()));
    }
    extras(&s.extra, &format!("{path}/specs"), lost);
}

fn schema_of(dt: &DataType, path: &str, lost: &mut Vec<Unmapped>) -> Map<String, Value> {
    let mut m = Map::new();
    match dt {
        DataType::Int(s) => {
            m.insert("type".to_owned(), Value::from("integer"));
            number_schema(&mut m, s, path, lost);
        }
        DataType::Float(s) | DataType::Double(s) => {
            m.insert("type".to_owned(), Value::from("number"));
            if matches!(dt, DataType::Float(_)) {
                m.insert("tsl:type".to_owned(), Value::from("float"));
            }
            number_schema(&mut m, s, path, lost);
        }
        DataType::Text(s) => {
            m.insert("type".to_owned(), Value::from("string"));
            if let Some(l) = &s.length {
                match l.trim().parse::<u64>() {
                    Ok(n) => {
                        m.insert("maxLength".to_owned(), Value::from(n));
                    }
                    Err(_) => unmapped(lost, format!("{path}/specs/length"), "not a number"),
                }
            }
            extras(&s.extra, &format!("{path}/specs"), lost);
        }
        DataType::Date(extra) => {
            m.insert("type".to_owned(), Value::from("string"));
            m.insert("pattern".to_owned(), Value::from(DATE_PATTERN));
            m.insert("tsl:type".to_owned(), Value::from("date"));
            extras(extra, &format!("{path}/specs"), lost);
        }
        DataType::Bool(labels) => {
            m.insert("type".to_owned(), Value::from("boolean"));
            m.insert(
                "tsl:labels".to_owned(),
                serde_json::to_value(labels).unwrap_or(Value::Null),
            );
        }
        DataType::Enum(labels) => {
            m.insert("type".to_owned(), Value::from("integer"));
            let mut keys = Vec::new();
            let mut one_of = Vec::new();
            for (k, label) in labels {
                match k.trim().parse::<i64>() {
                    Ok(v) => {
                        keys.push(Value::from(v));
                        one_of.push(json!({"const": v, "title": label}));
                    }
                    Err(_) => unmapped(
                        lost,
                        ptr(&format!("{path}/specs"), k),
                        "enum key is not an integer",
                    ),
                }
            }
            m.insert("enum".to_owned(), Value::Array(keys));
            m.insert("oneOf".to_owned(), Value::Array(one_of));
        }
        DataType::Struct(members) => {
            if let Value::Object(s) = params_schema(members, &format!("{path}/specs"), lost, true) {
                m = s;
            }
        }
        DataType::Array(a) => {
            m.insert("type".to_owned(), Value::from("array"));
            if let Some(size) = &a.size {
                match size.trim().parse::<u64>() {
                    Ok(n) => {
                        m.insert("maxItems".to_owned(), Value::from(n));
                    }
                    Err(_) => unmapped(lost, format!("{path}/specs/size"), "not a number"),
                }
            }
            let item = schema_of(&a.item, &format!("{path}/specs/item"), lost);
            m.insert("items".to_owned(), Value::Object(item));
            extras(&a.extra, &format!("{path}/specs"), lost);
        }
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Import

struct Importer {
    lost: Vec<Unmapped>,
}

fn spec_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Importer {
    fn note(&mut self, path: String, reason: &str) {
        unmapped(&mut self.lost, path, reason);
    }

    /// Reports every key of `obj` not in `known` (and not a `tsl:` term in `known_tsl`).
    fn leftovers(&mut self, obj: &Map<String, Value>, path: &str, known: &[&str]) {
        for k in obj.keys() {
            if !known.contains(&k.as_str()) {
                self.note(ptr(path, k), "no TSL counterpart");
            }
        }
    }

    fn data_type(&mut self, s: &Value, path: &str, consumed: &[&str]) -> Option<DataType> {
        let Value::Object(m) = s else {
            self.note(path.to_owned(), "data schema is not an object");
            return None;
        };
        let tsl_type = m.get("tsl:type").and_then(Value::as_str);
        let mut known: Vec<&str> = vec!["type", "title", "description", "tsl:type"];
        known.extend_from_slice(consumed);
        let dt = match m.get("type").and_then(Value::as_str) {
            Some("integer") if m.contains_key("enum") || m.contains_key("oneOf") => {
                known.extend_from_slice(&["enum", "oneOf"]);
                let mut labels = BTreeMap::new();
                if let Some(Value::Array(keys)) = m.get("enum") {
                    for k in keys {
                        match k.as_i64() {
                            Some(v) => {
                                labels.insert(v.to_string(), v.to_string());
                            }
                            None => {
                                self.note(format!("{path}/enum"), "enum value is not an integer")
                            }
                        }
                    }
                }
                if let Some(Value::Array(alts)) = m.get("oneOf") {
                    for (i, alt) in alts.iter().enumerate() {
                        match (alt.get("const").and_then(Value::as_i64), alt.get("title")) {
                            (Some(v), Some(Value::String(t))) => {
                                labels.insert(v.to_string(), t.clone());
                            }
                            (Some(v), _) => {
                                labels.entry(v.to_string()).or_insert_with(|| v.to_string());
                            }
                            _ => self.note(format!("{path}/oneOf/{i}"), "not an integer const"),
                        }
                    }
                }
                DataType::Enum(labels)
            }
            Some(t @ ("integer" | "number")) => {
                known.extend_from_slice(&[
                    "minimum",
                    "maximum",
                    "multipleOf",
                    "unit",
                    "tsl:unitName",
                ]);
                let specs = NumberSpecs {
                    min: m.get("minimum").and_then(spec_text),
                    max: m.get("maximum").and_then(spec_text),
                    step: m.get("multipleOf").and_then(spec_text),
                    unit: m.get("unit").and_then(Value::as_str).map(str::to_owned),
                    unit_name: m
                        .get("tsl:unitName")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    extra: Map::new(),
                };
                match (t, tsl_type) {
                    ("integer", _) => DataType::Int(specs),
                    (_, Some("float")) => DataType::Float(specs),
                    _ => DataType::Double(specs),
                }
            }
            Some("string") if tsl_type == Some("date") => {
                known.push("pattern");
                DataType::date()
            }
            Some("string") => {
                known.push("maxLength");
                DataType::Text(TextSpecs {
                    length: m.get("maxLength").and_then(spec_text),
                    extra: Map::new(),
                })
            }
            Some("boolean") => {
                known.push("tsl:labels");
                let labels = match m.get("tsl:labels") {
                    Some(l) => serde_json::from_value(l.clone()).unwrap_or_default(),
                    None => BTreeMap::from([
                        ("0".to_owned(), "false".to_owned()),
                        ("1".to_owned(), "true".to_owned()),
                    ]),
                };
                DataType::Bool(labels)
            }
            Some("object") => {
                known.extend_from_slice(&["properties", "required"]);
                let mut members = self.members(m.get("properties"), &format!("{path}/properties"));
                // JSON objects carry no order; `required` (all members, in TSL order) does.
                if let Some(Value::Array(order)) = m.get("required") {
                    let rank = |id: &str| order.iter().position(|r| r.as_str() == Some(id));
                    members.sort_by_key(|p| rank(&p.identifier).unwrap_or(usize::MAX));
                }
                DataType::Struct(members)
            }
            Some("array") => {
                known.extend_from_slice(&["items", "maxItems"]);
                let Some(item) = m.get("items") else {
                    self.note(path.to_owned(), "array without items");
                    return None;
                };
                let item = self.data_type(item, &format!("{path}/items"), &[])?;
                DataType::Array(ArraySpecs {
                    size: m.get("maxItems").and_then(spec_text),
                    item: Box::new(item),
                    extra: Map::new(),
                })
            }
            _ => {
                self.note(
                    path.to_owned(),
                    "data schema without a TSL type (null, missing or combined)",
                );
                return None;
            }
        };
        self.leftovers(m, path, &known);
        Some(dt)
    }

    fn members(&mut self, props: Option<&Value>, path: &str) -> Vec<Param> {
        let mut out = Vec::new();
        let Some(Value::Object(props)) = props else {
            return out;
        };
        for (id, s) in props {
            let p = ptr(path, id);
            if let Some(dt) = self.data_type(s, &p, &[]) {
                out.push(Param {
                    identifier: id.clone(),
                    name: s.get("title").and_then(Value::as_str).map(str::to_owned),
                    data_type: dt,
                    extra: Map::new(),
                });
            }
        }
        out
    }

    /// An action's `input`/`output` or an event's `data`: an object schema becomes the list.
    fn param_list(&mut self, s: Option<&Value>, path: &str) -> Vec<Param> {
        match s {
            None => Vec::new(),
            Some(Value::Object(m)) if m.get("type").and_then(Value::as_str) == Some("object") => {
                self.leftovers(
                    m,
                    path,
                    &["type", "properties", "required", "title", "description"],
                );
                self.members(m.get("properties"), &format!("{path}/properties"))
            }
            Some(_) => {
                self.note(path.to_owned(), "TSL parameters must be an object schema");
                Vec::new()
            }
        }
    }
}

fn required_of(a: &Map<String, Value>) -> Option<bool> {
    a.get("tsl:required").and_then(Value::as_bool)
}

fn string_of(a: &Map<String, Value>, key: &str) -> Option<String> {
    a.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Imports a WoT Thing Model or Thing Description. Returns the TSL model and what could not be
/// mapped (forms, security, and every DataSchema term without a TSL counterpart).
///
/// # Errors
/// [`WotError::NotAnObject`] when the document is not an object; [`WotError::Shape`] when
/// `properties`, `actions` or `events` is not an object.
pub fn from_thing_model(doc: &Value) -> Result<(Tsl, Vec<Unmapped>), WotError> {
    let Value::Object(root) = doc else {
        return Err(WotError::NotAnObject);
    };
    let mut im = Importer { lost: Vec::new() };
    let mut tsl = Tsl {
        profile: Profile {
            product_key: string_of(root, "tsl:productKey"),
            version: root
                .get("version")
                .and_then(|v| v.get("model"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            extra: Map::new(),
        },
        schema: string_of(root, "tsl:schema"),
        function_block_id: string_of(root, "tsl:functionBlockId"),
        function_block_name: string_of(root, "tsl:functionBlockName"),
        ..Tsl::default()
    };
    im.leftovers(
        root,
        "",
        &[
            "@context",
            "@type",
            "title",
            "properties",
            "actions",
            "events",
            "version",
            "tsl:productKey",
            "tsl:schema",
            "tsl:functionBlockId",
            "tsl:functionBlockName",
            "tsl:generated",
        ],
    );
    let section = |key: &str| -> Result<Option<&Map<String, Value>>, WotError> {
        match root.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(WotError::Shape(format!("/{key}"))),
        }
    };

    for (id, aff) in section("properties")?.into_iter().flatten() {
        let path = ptr("/properties", id);
        let Value::Object(a) = aff else {
            im.note(path, "affordance is not an object");
            continue;
        };
        let consumed = [
            "readOnly",
            "writeOnly",
            "observable",
            "tsl:required",
            "tsl:accessModeUnset",
            "forms",
        ];
        if a.get("writeOnly").and_then(Value::as_bool) == Some(true) {
            im.note(
                ptr(&path, "writeOnly"),
                "TSL has no write-only properties; mapped to rw",
            );
        }
        if a.contains_key("forms") {
            im.note(
                ptr(&path, "forms"),
                "protocol bindings have no TSL counterpart",
            );
        }
        let Some(dt) = im.data_type(aff, &path, &consumed) else {
            continue;
        };
        let read_only = a.get("readOnly").and_then(Value::as_bool) == Some(true);
        let unset = a.get("tsl:accessModeUnset").and_then(Value::as_bool) == Some(true);
        tsl.properties.push(Property {
            identifier: id.clone(),
            name: string_of(a, "title"),
            access_mode: if read_only {
                Some(AccessMode::ReadOnly)
            } else if unset {
                None
            } else {
                Some(AccessMode::ReadWrite)
            },
            required: required_of(a),
            desc: string_of(a, "description"),
            data_type: dt,
            extra: Map::new(),
        });
    }

    for (id, aff) in section("events")?.into_iter().flatten() {
        let path = ptr("/events", id);
        let Value::Object(a) = aff else {
            im.note(path, "affordance is not an object");
            continue;
        };
        im.leftovers(
            a,
            &path,
            &[
                "title",
                "description",
                "data",
                "tsl:required",
                "tsl:eventType",
            ],
        );
        let output_data = im.param_list(a.get("data"), &ptr(&path, "data"));
        tsl.events.push(Event {
            identifier: id.clone(),
            name: string_of(a, "title"),
            desc: string_of(a, "description"),
            event_type: a
                .get("tsl:eventType")
                .and_then(|t| serde_json::from_value::<EventType>(t.clone()).ok()),
            required: required_of(a),
            output_data,
            method: Some(format!("thing.event.{id}.post")),
            extra: Map::new(),
        });
    }

    for (id, aff) in section("actions")?.into_iter().flatten() {
        let path = ptr("/actions", id);
        let Value::Object(a) = aff else {
            im.note(path, "affordance is not an object");
            continue;
        };
        im.leftovers(
            a,
            &path,
            &[
                "title",
                "description",
                "input",
                "output",
                "synchronous",
                "tsl:required",
            ],
        );
        let input = im.param_list(a.get("input"), &ptr(&path, "input"));
        let output_data = im.param_list(a.get("output"), &ptr(&path, "output"));
        tsl.services.push(Service {
            identifier: id.clone(),
            name: string_of(a, "title"),
            desc: string_of(a, "description"),
            required: required_of(a),
            call_type: a
                .get("synchronous")
                .and_then(Value::as_bool)
                .map(|s| if s { CallType::Sync } else { CallType::Async }),
            input_data: input.into_iter().map(ServiceArg::Param).collect(),
            output_data,
            method: Some(format!("thing.service.{id}")),
            extra: Map::new(),
        });
    }

    let mut generated_services = 0;
    if let Some(Value::Array(generated)) = root.get("tsl:generated") {
        for (i, g) in generated.iter().enumerate() {
            let path = format!("/tsl:generated/{i}");
            match g.get("identifier").and_then(Value::as_str) {
                Some("post") => match serde_json::from_value::<Event>(g.clone()) {
                    Ok(e) => tsl.events.insert(0, e),
                    Err(_) => im.note(path, "not a TSL event"),
                },
                Some("set" | "get") => match serde_json::from_value::<Service>(g.clone()) {
                    Ok(s) => {
                        tsl.services.insert(generated_services, s);
                        generated_services += 1;
                    }
                    Err(_) => im.note(path, "not a TSL service"),
                },
                _ => im.note(path, "not a generated TSL member"),
            }
        }
    }
    Ok((tsl, im.lost))
}
