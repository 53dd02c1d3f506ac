//! Scene linkage (场景联动): Alibaba's IFTTT rules — triggers, conditions, actions — evaluated
//! against device messages and an injected clock (wire-formats §6.1).
//!
//! A [`SceneSet`] is a sans-IO state machine. Feed it property posts and events with
//! [`handle_property_post`](SceneSet::handle_property_post) and
//! [`handle_event`](SceneSet::handle_event); ask [`poll_timeout`](SceneSet::poll_timeout) when the
//! next timer is due and call [`handle_timeout`](SceneSet::handle_timeout) then. Each returns the
//! scenes that fired with the actions to carry out; nothing is sent from here.
//!
//! Rule JSON accepted (`RuleContent`):
//!
//! - `type`: `IFTTT` or `CA`.
//! - `trigger`: one node `{"uri", "params"}`, or `{"uri": "logical/or", "items": [...]}`, or an
//!   array; at most 10, at most one `trigger/timer`. Triggers are OR-ed.
//!   - `trigger/timer` `{cron, cronType: "linux" | "quartz_cron", timezoneID}`
//!   - `trigger/device/property` `{productKey, deviceName | iotId, propertyName?, compareType?,
//!     compareValue?}`; without `propertyName` any property report of the device fires.
//!   - `trigger/device/event` `{productKey, deviceName | iotId, eventCode | identifier?,
//!     propertyName?, compareType?, compareValue?}` (the parameter names are not confirmed by the
//!     vendor documents; the comparison applies to an output parameter of the event).
//! - `condition` (optional): one node, `{"uri": "logical/and", "items": [...]}` or an array; at
//!   most 5, AND-ed. `condition/timeRange` `{cron, cronType, timezoneID}` (see
//!   [`Cron::in_range`]); `condition/device/property` (the last reported value, as the trigger).
//! - `action`: 1 to 30 nodes. `action/device/setProperty` `{productKey, deviceName | iotId,
//!   propertyItems}` or `{iotId, propertyName, propertyValue}`; `action/device/invokeService`
//!   `{…device, serviceName | identifier, serviceArgs?}`; `action/scene/trigger` `{sceneId}`.
//!
//! A set holds at most 200 scenes, and a device may be the target of actions in at most 20.
//! Time zones are fixed offsets ([`FixedOffset::parse`]); without `timezoneID`, UTC.

mod cron;
mod set;

use serde_json::Value as Json;

pub use cron::{Cron, CronType};
pub use set::{Fired, SceneSet};

use crate::ast::BinaryOp;
use crate::error::SceneError;
use crate::eval::{compare, loose_eq};
use crate::time::FixedOffset;
use crate::value::{Map, Value};

/// Most triggers in one scene.
pub const MAX_TRIGGERS: usize = 10;
/// Most timer triggers in one scene.
pub const MAX_TIMERS: usize = 1;
/// Most conditions in one scene.
pub const MAX_CONDITIONS: usize = 5;
/// Most actions in one scene.
pub const MAX_ACTIONS: usize = 30;
/// Most scenes in one set (per user, Living Link).
pub const MAX_SCENES: usize = 200;
/// Most scenes whose actions may target one device.
pub const MAX_SCENES_PER_DEVICE: usize = 20;
/// How deep `action/scene/trigger` chains are followed.
pub const MAX_CHAIN: usize = 8;

/// Which device a node refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceRef {
    /// Product key (with no device name: every device of the product).
    pub product_key: Option<String>,
    /// Device name.
    pub device_name: Option<String>,
    /// Living Link device id.
    pub iot_id: Option<String>,
}

impl DeviceRef {
    fn matches(&self, d: &DeviceId<'_>) -> bool {
        if let Some(id) = &self.iot_id {
            return d.iot_id == Some(id.as_str());
        }
        self.product_key.as_deref() == Some(d.product_key)
            && self
                .device_name
                .as_deref()
                .is_none_or(|n| n == d.device_name)
    }

    fn key(&self) -> String {
        match &self.iot_id {
            Some(id) => format!("iot:{id}"),
            None => format!(
                "{}/{}",
                self.product_key.as_deref().unwrap_or(""),
                self.device_name.as_deref().unwrap_or("*")
            ),
        }
    }
}

/// The device a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceId<'a> {
    /// Product key.
    pub product_key: &'a str,
    /// Device name.
    pub device_name: &'a str,
    /// Living Link device id, if known.
    pub iot_id: Option<&'a str>,
}

/// `compareType` of property triggers and conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompareType {
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `in`: the value is one of the `compareValue` array's items.
    In,
}

impl CompareType {
    /// Parses the JSON spelling.
    ///
    /// # Errors
    /// [`SceneError::CompareType`] for anything else.
    pub fn parse(s: &str) -> Result<CompareType, SceneError> {
        Ok(match s {
            ">" => CompareType::Gt,
            ">=" => CompareType::Ge,
            "==" => CompareType::Eq,
            "!=" => CompareType::Ne,
            "<" => CompareType::Lt,
            "<=" => CompareType::Le,
            "in" => CompareType::In,
            other => return Err(SceneError::CompareType(other.to_owned())),
        })
    }

    /// Applies the comparison (types are compared as rule SQL does: numbers by value, strings
    /// that read as numbers as numbers).
    pub fn holds(self, value: &Value, against: &Value) -> bool {
        let op = match self {
            CompareType::In => {
                return match against {
                    Value::Array(items) => items.iter().any(|i| loose_eq(value, i) == Some(true)),
                    _ => false,
                };
            }
            CompareType::Gt => BinaryOp::Gt,
            CompareType::Ge => BinaryOp::Ge,
            CompareType::Eq => BinaryOp::Eq,
            CompareType::Ne => BinaryOp::Ne,
            CompareType::Lt => BinaryOp::Lt,
            CompareType::Le => BinaryOp::Le,
        };
        compare(op, value, against).is_true()
    }
}

/// A comparison on a property value.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// How to compare.
    pub compare_type: CompareType,
    /// With what.
    pub value: Value,
}

/// What starts a scene.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Trigger {
    /// A schedule.
    Timer(Cron),
    /// A property report.
    DeviceProperty {
        /// The device.
        device: DeviceRef,
        /// The property (`None`: any report).
        property: Option<String>,
        /// The comparison (`None`: any value).
        comparison: Option<Comparison>,
    },
    /// An event report.
    DeviceEvent {
        /// The device.
        device: DeviceRef,
        /// The event identifier (`None`: any event).
        event: Option<String>,
        /// An output parameter to compare.
        property: Option<String>,
        /// The comparison on it.
        comparison: Option<Comparison>,
    },
}

/// What must also hold when a trigger fires.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Condition {
    /// The time of firing is in the range.
    TimeRange(Cron),
    /// The property's last reported value compares as given.
    DeviceProperty {
        /// The device.
        device: DeviceRef,
        /// The property.
        property: String,
        /// The comparison.
        comparison: Comparison,
    },
}

/// What a scene does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SceneAction {
    /// Set properties on a device.
    SetProperty {
        /// The device.
        device: DeviceRef,
        /// Property name → value.
        items: Map,
    },
    /// Invoke a device service.
    InvokeService {
        /// The device.
        device: DeviceRef,
        /// The service identifier.
        service: String,
        /// Its input parameters.
        args: Map,
    },
    /// Run another scene (its conditions are checked, its actions carried out).
    TriggerScene {
        /// The scene's id.
        scene_id: String,
    },
}

impl SceneAction {
    /// The action in the rule JSON's shape `{"uri", "params"}`, ready to hand to a device API.
    pub fn to_json(&self) -> Value {
        let dev = |d: &DeviceRef, m: &mut Map| {
            for (k, v) in [
                ("productKey", &d.product_key),
                ("deviceName", &d.device_name),
                ("iotId", &d.iot_id),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), Value::from(v.as_str()));
                }
            }
        };
        let mut params = Map::new();
        let uri = match self {
            SceneAction::SetProperty { device, items } => {
                dev(device, &mut params);
                params.insert("propertyItems".into(), Value::Object(items.clone()));
                "action/device/setProperty"
            }
            SceneAction::InvokeService {
                device,
                service,
                args,
            } => {
                dev(device, &mut params);
                params.insert("serviceName".into(), Value::from(service.as_str()));
                params.insert("serviceArgs".into(), Value::Object(args.clone()));
                "action/device/invokeService"
            }
            SceneAction::TriggerScene { scene_id } => {
                params.insert("sceneId".into(), Value::from(scene_id.as_str()));
                "action/scene/trigger"
            }
        };
        crate::functions::object([("uri", Value::from(uri)), ("params", Value::Object(params))])
    }
}

/// A parsed scene rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    id: String,
    triggers: Vec<Trigger>,
    conditions: Vec<Condition>,
    actions: Vec<SceneAction>,
}

fn field_err(path: &str, problem: &'static str) -> SceneError {
    SceneError::Field {
        path: path.to_owned(),
        problem,
    }
}

fn get_str<'j>(params: &'j Json, path: &str, key: &str) -> Result<Option<&'j str>, SceneError> {
    match params.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(field_err(&format!("{path}.{key}"), "must be a string")),
    }
}

fn req_str<'j>(params: &'j Json, path: &str, key: &str) -> Result<&'j str, SceneError> {
    get_str(params, path, key)?.ok_or_else(|| field_err(&format!("{path}.{key}"), "is required"))
}

fn device(params: &Json, path: &str) -> Result<DeviceRef, SceneError> {
    let d = DeviceRef {
        product_key: get_str(params, path, "productKey")?.map(str::to_owned),
        device_name: get_str(params, path, "deviceName")?.map(str::to_owned),
        iot_id: get_str(params, path, "iotId")?.map(str::to_owned),
    };
    if d.iot_id.is_none() && d.product_key.is_none() {
        return Err(field_err(path, "needs iotId or productKey"));
    }
    Ok(d)
}

fn comparison(params: &Json, path: &str, required: bool) -> Result<Option<Comparison>, SceneError> {
    let ct = get_str(params, path, "compareType")?;
    let cv = params.get("compareValue");
    match (ct, cv) {
        (Some(ct), Some(v)) => {
            let compare_type = CompareType::parse(ct)?;
            if compare_type == CompareType::In && !v.is_array() {
                return Err(field_err(
                    &format!("{path}.compareValue"),
                    "must be an array for `in`",
                ));
            }
            Ok(Some(Comparison {
                compare_type,
                value: Value::from(v),
            }))
        }
        (None, None) if !required => Ok(None),
        (None, _) => Err(field_err(&format!("{path}.compareType"), "is required")),
        (Some(_), None) => Err(field_err(&format!("{path}.compareValue"), "is required")),
    }
}

fn cron_params(params: &Json, path: &str) -> Result<Cron, SceneError> {
    let expr = req_str(params, path, "cron")?;
    let kind = match get_str(params, path, "cronType")?.unwrap_or("linux") {
        "linux" => CronType::Linux,
        "quartz_cron" | "quartz" => CronType::Quartz,
        _ => {
            return Err(field_err(
                &format!("{path}.cronType"),
                "must be `linux` or `quartz_cron`",
            ));
        }
    };
    let tz = match get_str(params, path, "timezoneID")? {
        None => FixedOffset::UTC,
        Some(z) => FixedOffset::parse(z).ok_or_else(|| SceneError::TimeZone(z.to_owned()))?,
    };
    Cron::parse(expr, kind, tz)
}

/// The nodes of a `trigger`/`condition` member: a node, a logical wrapper or an array.
fn nodes<'j>(
    v: &'j Json,
    path: &str,
    logical: &str,
) -> Result<Vec<(String, &'j Json)>, SceneError> {
    match v {
        Json::Array(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("{path}[{i}]"), n))
            .collect()),
        Json::Object(o) => match o.get("uri").and_then(Json::as_str) {
            Some(u) if u == logical => match o.get("items") {
                Some(Json::Array(items)) => Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (format!("{path}.items[{i}]"), n))
                    .collect()),
                _ => Err(field_err(&format!("{path}.items"), "must be an array")),
            },
            Some(u) if u.starts_with("logical/") => Err(SceneError::UnknownUri {
                path: format!("{path}.uri"),
                uri: u.to_owned(),
            }),
            _ => Ok(vec![(path.to_owned(), v)]),
        },
        _ => Err(field_err(path, "must be an object or an array")),
    }
}

fn uri_params<'j>(n: &'j Json, path: &str) -> Result<(&'j str, &'j Json), SceneError> {
    let uri = n
        .get("uri")
        .and_then(Json::as_str)
        .ok_or_else(|| field_err(&format!("{path}.uri"), "is required"))?;
    let params = n.get("params").unwrap_or(&Json::Null);
    if !params.is_object() {
        return Err(field_err(&format!("{path}.params"), "must be an object"));
    }
    Ok((uri, params))
}

fn json_map(v: Option<&Json>, path: &str) -> Result<Map, SceneError> {
    match v {
        None | Some(Json::Null) => Ok(Map::new()),
        Some(o @ Json::Object(_)) => match Value::from(o) {
            Value::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        },
        Some(_) => Err(field_err(path, "must be an object")),
    }
}

impl Scene {
    /// Parses a scene rule (`RuleContent` JSON) and checks its limits.
    ///
    /// # Errors
    /// A [`SceneError`] naming the JSON path of what is wrong, or the limit exceeded.
    pub fn from_json(id: &str, text: &str) -> Result<Scene, SceneError> {
        let v: Json = serde_json::from_str(text).map_err(|e| SceneError::Json(e.to_string()))?;
        Scene::from_value(id, &v)
    }

    /// As [`from_json`](Self::from_json), from parsed JSON.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn from_value(id: &str, v: &Json) -> Result<Scene, SceneError> {
        match v.get("type").and_then(Json::as_str) {
            Some("IFTTT" | "CA") => {}
            Some(_) => return Err(field_err("type", "must be `IFTTT` or `CA`")),
            None => return Err(field_err("type", "is required")),
        }
        let trig = v
            .get("trigger")
            .ok_or_else(|| field_err("trigger", "is required"))?;
        let mut triggers = Vec::new();
        for (path, n) in nodes(trig, "trigger", "logical/or")? {
            let (uri, p) = uri_params(n, &path)?;
            let path = format!("{path}.params");
            triggers.push(match uri {
                "trigger/timer" => Trigger::Timer(cron_params(p, &path)?),
                "trigger/device/property" => Trigger::DeviceProperty {
                    device: device(p, &path)?,
                    property: get_str(p, &path, "propertyName")?.map(str::to_owned),
                    comparison: comparison(p, &path, false)?,
                },
                "trigger/device/event" => Trigger::DeviceEvent {
                    device: device(p, &path)?,
                    event: match get_str(p, &path, "eventCode")? {
                        Some(e) => Some(e.to_owned()),
                        None => get_str(p, &path, "identifier")?.map(str::to_owned),
                    },
                    property: get_str(p, &path, "propertyName")?.map(str::to_owned),
                    comparison: comparison(p, &path, false)?,
                },
                other => {
                    return Err(SceneError::UnknownUri {
                        path,
                        uri: other.to_owned(),
                    });
                }
            });
        }
        let timers = triggers
            .iter()
            .filter(|t| matches!(t, Trigger::Timer(_)))
            .count();
        let limit = |what, count, max| {
            if count > max {
                Err(SceneError::Limit { what, count, max })
            } else {
                Ok(())
            }
        };
        limit("triggers", triggers.len(), MAX_TRIGGERS)?;
        limit("timer triggers", timers, MAX_TIMERS)?;
        if triggers.is_empty() {
            return Err(field_err("trigger", "needs at least one trigger"));
        }
        let mut conditions = Vec::new();
        if let Some(c) = v.get("condition").filter(|c| !c.is_null()) {
            for (path, n) in nodes(c, "condition", "logical/and")? {
                let (uri, p) = uri_params(n, &path)?;
                let path = format!("{path}.params");
                conditions.push(match uri {
                    "condition/timeRange" => Condition::TimeRange(cron_params(p, &path)?),
                    "condition/device/property" => Condition::DeviceProperty {
                        device: device(p, &path)?,
                        property: req_str(p, &path, "propertyName")?.to_owned(),
                        comparison: comparison(p, &path, true)?
                            .ok_or_else(|| field_err(&path, "needs a comparison"))?,
                    },
                    other => {
                        return Err(SceneError::UnknownUri {
                            path,
                            uri: other.to_owned(),
                        });
                    }
                });
            }
        }
        limit("conditions", conditions.len(), MAX_CONDITIONS)?;
        let acts = match v.get("action") {
            Some(Json::Array(a)) => a,
            Some(_) => return Err(field_err("action", "must be an array")),
            None => return Err(SceneError::NoAction),
        };
        if acts.is_empty() {
            return Err(SceneError::NoAction);
        }
        limit("actions", acts.len(), MAX_ACTIONS)?;
        let mut actions = Vec::with_capacity(acts.len());
        for (i, n) in acts.iter().enumerate() {
            let path = format!("action[{i}]");
            let (uri, p) = uri_params(n, &path)?;
            let path = format!("{path}.params");
            actions.push(match uri {
                "action/device/setProperty" => {
                    let mut items =
                        json_map(p.get("propertyItems"), &format!("{path}.propertyItems"))?;
                    if let Some(name) = get_str(p, &path, "propertyName")? {
                        let v = p.get("propertyValue").ok_or_else(|| {
                            field_err(&format!("{path}.propertyValue"), "is required")
                        })?;
                        items.insert(name.to_owned(), Value::from(v));
                    }
                    if items.is_empty() {
                        return Err(field_err(&path, "needs propertyItems or propertyName"));
                    }
                    SceneAction::SetProperty {
                        device: device(p, &path)?,
                        items,
                    }
                }
                "action/device/invokeService" => SceneAction::InvokeService {
                    device: device(p, &path)?,
                    service: match get_str(p, &path, "serviceName")? {
                        Some(s) => s.to_owned(),
                        None => req_str(p, &path, "identifier")?.to_owned(),
                    },
                    args: json_map(p.get("serviceArgs"), &format!("{path}.serviceArgs"))?,
                },
                "action/scene/trigger" => SceneAction::TriggerScene {
                    scene_id: req_str(p, &path, "sceneId")?.to_owned(),
                },
                other => {
                    return Err(SceneError::UnknownUri {
                        path,
                        uri: other.to_owned(),
                    });
                }
            });
        }
        Ok(Scene {
            id: id.to_owned(),
            triggers,
            conditions,
            actions,
        })
    }

    /// The scene's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its triggers.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// Its conditions.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// Its actions.
    pub fn actions(&self) -> &[SceneAction] {
        &self.actions
    }

    fn timer(&self) -> Option<&Cron> {
        self.triggers.iter().find_map(|t| match t {
            Trigger::Timer(c) => Some(c),
            _ => None,
        })
    }
}
