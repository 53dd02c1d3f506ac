//! Alibaba TSL (Thing Specification Language) documents, read and written as the vendor writes
//! them.
//!
//! Numbers in specs are strings (`"min":"0"`), bool and enum specs are label maps keyed by the
//! integer value, struct specs are an array of members, array specs carry `size` and `item`.
//! Members this crate does not interpret are kept in `extra` maps so that reading and writing a
//! document loses nothing.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{ModelError, ModelIssue};

/// A TSL document (one module: the default module or a custom module with `functionBlockId`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tsl {
    /// Address of the vendor's TSL JSON schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Product information.
    #[serde(default)]
    pub profile: Profile,
    /// Custom module identifier (absent for the default module).
    #[serde(
        rename = "functionBlockId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub function_block_id: Option<String>,
    /// Custom module name.
    #[serde(
        rename = "functionBlockName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub function_block_name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// Events (including the generated `post`).
    #[serde(default)]
    pub events: Vec<Event>,
    /// Services (including the generated `set` and `get`).
    #[serde(default)]
    pub services: Vec<Service>,
    /// Members this crate does not interpret (for example the older `link`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tsl {
    /// Reads a TSL document from JSON text.
    ///
    /// # Errors
    /// [`ModelError::Json`] if the text is not JSON or does not have the TSL shape.
    pub fn from_json(text: &str) -> Result<Tsl, ModelError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Writes the document as JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks the model against the TSL rules and returns every issue found (empty when valid).
    #[must_use]
    pub fn check(&self) -> Vec<ModelIssue> {
        crate::compile::check(self)
    }

    /// The property with this identifier.
    #[must_use]
    pub fn property(&self, identifier: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.identifier == identifier)
    }

    /// The event with this identifier.
    #[must_use]
    pub fn event(&self, identifier: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.identifier == identifier)
    }

    /// The service with this identifier.
    #[must_use]
    pub fn service(&self, identifier: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.identifier == identifier)
    }

    /// Adds the generated `post` event and `set`/`get` services that the vendor console writes
    /// (event `post` with every property, `set` with the writable ones, `get` listing identifier
    /// strings), replacing existing ones of those names.
    pub fn generate_standard_members(&mut self) {
        let params = |p: &Property| Param {
            identifier: p.identifier.clone(),
            name: p.name.clone(),
            data_type: p.data_type.clone(),
            extra: Map::new(),
        };
        self.events.retain(|e| e.identifier != "post");
        self.services
            .retain(|s| s.identifier != "set" && s.identifier != "get");
        self.events.insert(
            0,
            Event {
                identifier: "post".to_owned(),
                name: Some("post".to_owned()),
                desc: Some("属性上报".to_owned()),
                event_type: Some(EventType::Info),
                required: Some(true),
                output_data: self.properties.iter().map(params).collect(),
                method: Some("thing.event.property.post".to_owned()),
                extra: Map::new(),
            },
        );
        let set = Service {
            identifier: "set".to_owned(),
            name: Some("set".to_owned()),
            desc: Some("属性设置".to_owned()),
            required: Some(true),
            call_type: Some(CallType::Async),
            input_data: self
                .properties
                .iter()
                .filter(|p| p.access_mode != Some(AccessMode::ReadOnly))
                .map(|p| ServiceArg::Param(params(p)))
                .collect(),
            output_data: Vec::new(),
            method: Some("thing.service.property.set".to_owned()),
            extra: Map::new(),
        };
        let get = Service {
            identifier: "get".to_owned(),
            name: Some("get".to_owned()),
            desc: Some("属性获取".to_owned()),
            required: Some(true),
            call_type: Some(CallType::Async),
            input_data: self
                .properties
                .iter()
                .map(|p| ServiceArg::Identifier(p.identifier.clone()))
                .collect(),
            output_data: self.properties.iter().map(params).collect(),
            method: Some("thing.service.property.get".to_owned()),
            extra: Map::new(),
        };
        self.services.insert(0, get);
        self.services.insert(0, set);
    }
}

/// The `profile` member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    /// The product key.
    #[serde(
        rename = "productKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub product_key: Option<String>,
    /// Model version, present in some exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Property access: `"r"` (read-only) or `"rw"` (read/write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessMode {
    /// `"r"`: the device reports it; the cloud cannot set it.
    #[serde(rename = "r")]
    ReadOnly,
    /// `"rw"`: the cloud may set it.
    #[serde(rename = "rw")]
    ReadWrite,
}

/// A property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    /// Identifier, unique within the module.
    pub identifier: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Access mode (absent: read/write).
    #[serde(
        rename = "accessMode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub access_mode: Option<AccessMode>,
    /// Whether the product category's standard function set mandates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Data type and specs.
    #[serde(rename = "dataType")]
    pub data_type: DataType,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Property {
    /// Whether the cloud may set this property (`accessMode` absent or `"rw"`).
    #[must_use]
    pub fn writable(&self) -> bool {
        self.access_mode != Some(AccessMode::ReadOnly)
    }
}

/// Event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// Information.
    Info,
    /// Alert.
    Alert,
    /// Fault.
    Error,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Identifier.
    pub identifier: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Event type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// Whether the category's standard function set mandates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Output parameters (the members of `params.value`).
    #[serde(rename = "outputData", default)]
    pub output_data: Vec<Param>,
    /// Generated method name, `thing.event.{identifier}.post`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Service call type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallType {
    /// Asynchronous: the reply comes on the `_reply` topic.
    Async,
    /// Synchronous: invoked over RRPC, replied on the same topic.
    Sync,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Identifier.
    pub identifier: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Whether the category's standard function set mandates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Call type.
    #[serde(rename = "callType", default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallType>,
    /// Input parameters; the generated `get` lists identifier strings instead.
    #[serde(rename = "inputData", default)]
    pub input_data: Vec<ServiceArg>,
    /// Output parameters.
    #[serde(rename = "outputData", default)]
    pub output_data: Vec<Param>,
    /// Generated method name, `thing.service.{identifier}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of a service's `inputData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceArg {
    /// A property identifier (the generated `get` service's form).
    Identifier(String),
    /// A parameter.
    Param(Param),
}

/// A parameter: event output, service input/output, or struct member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Identifier.
    pub identifier: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Data type and specs.
    #[serde(rename = "dataType")]
    pub data_type: DataType,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Param {
    /// A parameter with an identifier, a display name and a type.
    pub fn new(
        identifier: impl Into<String>,
        name: impl Into<String>,
        data_type: DataType,
    ) -> Self {
        Param {
            identifier: identifier.into(),
            name: Some(name.into()),
            data_type,
            extra: Map::new(),
        }
    }
}

/// Specs of `int`, `float` and `double`: every number is a string, as the vendor writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NumberSpecs {
    /// Minimum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "num_text"
    )]
    pub min: Option<String>,
    /// Maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "num_text"
    )]
    pub max: Option<String>,
    /// Step.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "num_text"
    )]
    pub step: Option<String>,
    /// Unit symbol, e.g. `"kg"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Unit display name.
    #[serde(rename = "unitName", default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NumberSpecs {
    /// Specs with a range and a step, written as the vendor writes them.
    pub fn range(min: impl ToString, max: impl ToString, step: impl ToString) -> Self {
        NumberSpecs {
            min: Some(min.to_string()),
            max: Some(max.to_string()),
            step: Some(step.to_string()),
            ..NumberSpecs::default()
        }
    }

    /// Sets the unit symbol and name.
    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>, unit_name: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self.unit_name = Some(unit_name.into());
        self
    }
}

/// Specs of `text`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextSpecs {
    /// Maximum length in characters (at most 10240), as a string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "num_text"
    )]
    pub length: Option<String>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Specs of `array`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArraySpecs {
    /// Maximum item count (at most 512), as a string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "num_text"
    )]
    pub size: Option<String>,
    /// Item type; written without `specs` when they are empty.
    #[serde(serialize_with = "item_ser")]
    pub item: Box<DataType>,
    /// Members this crate does not interpret.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A TSL data type with its specs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum DataType {
    /// `int`: 32-bit integer.
    Int(NumberSpecs),
    /// `float`: single-precision number.
    Float(NumberSpecs),
    /// `double`: double-precision number.
    Double(NumberSpecs),
    /// `text`: UTF-8 string.
    Text(TextSpecs),
    /// `date`: UTC epoch milliseconds as a string. Specs are normally `{}`.
    Date(Map<String, Value>),
    /// `bool`: 0 or 1, with a label for each.
    Bool(BTreeMap<String, String>),
    /// `enum`: integer keys with labels.
    Enum(BTreeMap<String, String>),
    /// `struct`: members.
    Struct(Vec<Param>),
    /// `array`: size and item type.
    Array(ArraySpecs),
}

impl DataType {
    /// The vendor's type name (`int`, `float`, …).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            DataType::Int(_) => "int",
            DataType::Float(_) => "float",
            DataType::Double(_) => "double",
            DataType::Text(_) => "text",
            DataType::Date(_) => "date",
            DataType::Bool(_) => "bool",
            DataType::Enum(_) => "enum",
            DataType::Struct(_) => "struct",
            DataType::Array(_) => "array",
        }
    }

    /// An `int` type with a range and a step.
    #[must_use]
    pub fn int(min: i32, max: i32, step: i32) -> DataType {
        DataType::Int(NumberSpecs::range(min, max, step))
    }

    /// A `float` type with a range and a step (written as given, e.g. `"0.01"`).
    #[must_use]
    pub fn float(min: &str, max: &str, step: &str) -> DataType {
        DataType::Float(NumberSpecs::range(min, max, step))
    }

    /// A `double` type with a range and a step (written as given).
    #[must_use]
    pub fn double(min: &str, max: &str, step: &str) -> DataType {
        DataType::Double(NumberSpecs::range(min, max, step))
    }

    /// A `text` type with a maximum length.
    #[must_use]
    pub fn text(length: u32) -> DataType {
        DataType::Text(TextSpecs {
            length: Some(length.to_string()),
            extra: Map::new(),
        })
    }

    /// A `bool` type with labels for 0 and 1.
    pub fn bool(label0: impl Into<String>, label1: impl Into<String>) -> DataType {
        DataType::Bool(BTreeMap::from([
            ("0".to_owned(), label0.into()),
            ("1".to_owned(), label1.into()),
        ]))
    }

    /// An `enum` type from (key, label) pairs.
    pub fn enumeration<L: Into<String>>(labels: impl IntoIterator<Item = (i32, L)>) -> DataType {
        DataType::Enum(
            labels
                .into_iter()
                .map(|(k, l)| (k.to_string(), l.into()))
                .collect(),
        )
    }

    /// A `date` type.
    #[must_use]
    pub fn date() -> DataType {
        DataType::Date(Map::new())
    }

    /// An `array` type with a maximum size and an item type.
    #[must_use]
    pub fn array(size: u32, item: DataType) -> DataType {
        DataType::Array(ArraySpecs {
            size: Some(size.to_string()),
            item: Box::new(item),
            extra: Map::new(),
        })
    }

    fn specs_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            DataType::Int(s) | DataType::Float(s) | DataType::Double(s) => serde_json::to_value(s),
            DataType::Text(s) => serde_json::to_value(s),
            DataType::Date(m) => Ok(Value::Object(m.clone())),
            DataType::Bool(m) | DataType::Enum(m) => serde_json::to_value(m),
            DataType::Struct(m) => serde_json::to_value(m),
            DataType::Array(s) => serde_json::to_value(s),
        }
    }

    fn from_parts(kind: &str, specs: Value) -> Result<DataType, serde_json::Error> {
        use serde_json::from_value as v;
        Ok(match kind {
            "int" => DataType::Int(v(specs)?),
            "float" => DataType::Float(v(specs)?),
            "double" => DataType::Double(v(specs)?),
            "text" => DataType::Text(v(specs)?),
            "date" => DataType::Date(v(specs)?),
            "bool" => DataType::Bool(v(specs)?),
            "enum" => DataType::Enum(v(specs)?),
            "struct" => DataType::Struct(v(specs)?),
            "array" => DataType::Array(v(specs)?),
            other => {
                return Err(serde_json::Error::custom(format_args!(
                    "unknown TSL data type {other:?}"
                )));
            }
        })
    }
}

#[derive(Serialize, Deserialize)]
struct RawDataType {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    specs: Option<Value>,
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let specs = self.specs_value().map_err(S::Error::custom)?;
        RawDataType {
            kind: self.type_name().to_owned(),
            specs: Some(specs),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DataType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawDataType::deserialize(deserializer)?;
        let specs = match raw.specs {
            // Array items are written without specs; an empty struct or label map is `{}`.
            None => match raw.kind.as_str() {
                "struct" => Value::Array(Vec::new()),
                _ => Value::Object(Map::new()),
            },
            Some(s) => s,
        };
        DataType::from_parts(&raw.kind, specs).map_err(D::Error::custom)
    }
}

fn item_ser<S: Serializer>(item: &DataType, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    let specs = item.specs_value().map_err(S::Error::custom)?;
    let empty = match &specs {
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    RawDataType {
        kind: item.type_name().to_owned(),
        specs: if empty { None } else { Some(specs) },
    }
    .serialize(serializer)
}

/// Accepts a spec number written as a string (the vendor's form) or as a JSON number (seen in
/// hand-written models) and keeps it as text.
fn num_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(D::Error::custom(format_args!(
            "expected a number or a string of a number, found {other}"
        ))),
    }
}
