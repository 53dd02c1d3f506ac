//! A builder for writing thing models in code.

use serde_json::Map;

use crate::error::ModelError;
use crate::tsl::{
    AccessMode, CallType, DataType, Event, EventType, Param, Profile, Property, Service,
    ServiceArg, Tsl,
};

/// The vendor's current TSL schema address, written into built models.
pub const TSL_SCHEMA: &str = "https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json";

/// Builds a [`Tsl`] model in code; [`TslBuilder::build`] checks it.
///
/// ```
/// use iot_model::{AccessMode, DataType, Param, TslBuilder};
/// use iot_model::tsl::{CallType, EventType};
///
/// let tsl = TslBuilder::new("a1pkcDf0Xv0")
///     .property("Power", "Power switch", AccessMode::ReadWrite, DataType::bool("off", "on"))
///     .event("Overheat", "Overheat", EventType::Alert, vec![
///         Param::new("Temperature", "Temperature", DataType::double("-40", "200", "1")),
///     ])
///     .service("SetWeight", "Set weight", CallType::Async,
///         vec![Param::new("NewWeight", "New weight", DataType::double("0", "200", "1"))],
///         vec![Param::new("OldWeight", "Old weight", DataType::double("0", "200", "1"))])
///     .standard_members(true)
///     .build()
///     .unwrap();
/// assert_eq!(tsl.events[0].identifier, "post");
/// assert!(tsl.service("set").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct TslBuilder {
    tsl: Tsl,
    standard: bool,
}

impl TslBuilder {
    /// A model for a product key.
    pub fn new(product_key: impl Into<String>) -> TslBuilder {
        TslBuilder {
            tsl: Tsl {
                schema: Some(TSL_SCHEMA.to_owned()),
                profile: Profile {
                    product_key: Some(product_key.into()),
                    ..Profile::default()
                },
                ..Tsl::default()
            },
            standard: false,
        }
    }

    /// Makes this a custom module (`functionBlockId`).
    pub fn function_block(&mut self, id: impl Into<String>, name: impl Into<String>) -> &mut Self {
        self.tsl.function_block_id = Some(id.into());
        self.tsl.function_block_name = Some(name.into());
        self
    }

    /// Adds a property.
    pub fn property(
        &mut self,
        identifier: impl Into<String>,
        name: impl Into<String>,
        access: AccessMode,
        data_type: DataType,
    ) -> &mut Self {
        self.tsl.properties.push(Property {
            identifier: identifier.into(),
            name: Some(name.into()),
            access_mode: Some(access),
            required: Some(false),
            desc: None,
            data_type,
            extra: Map::new(),
        });
        self
    }

    /// Adds an event with its output parameters.
    pub fn event(
        &mut self,
        identifier: impl Into<String>,
        name: impl Into<String>,
        event_type: EventType,
        output: Vec<Param>,
    ) -> &mut Self {
        let identifier = identifier.into();
        self.tsl.events.push(Event {
            method: Some(format!("thing.event.{identifier}.post")),
            identifier,
            name: Some(name.into()),
            desc: None,
            event_type: Some(event_type),
            required: Some(false),
            output_data: output,
            extra: Map::new(),
        });
        self
    }

    /// Adds a service with its input and output parameters.
    pub fn service(
        &mut self,
        identifier: impl Into<String>,
        name: impl Into<String>,
        call_type: CallType,
        input: Vec<Param>,
        output: Vec<Param>,
    ) -> &mut Self {
        let identifier = identifier.into();
        self.tsl.services.push(Service {
            method: Some(format!("thing.service.{identifier}")),
            identifier,
            name: Some(name.into()),
            desc: None,
            required: Some(false),
            call_type: Some(call_type),
            input_data: input.into_iter().map(ServiceArg::Param).collect(),
            output_data: output,
            extra: Map::new(),
        });
        self
    }

    /// Whether to add the generated `post` event and `set`/`get` services, as the vendor
    /// console does.
    pub fn standard_members(&mut self, yes: bool) -> &mut Self {
        self.standard = yes;
        self
    }

    /// The model, checked.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] with every issue found.
    pub fn build(&self) -> Result<Tsl, ModelError> {
        let mut tsl = self.tsl.clone();
        if self.standard {
            tsl.generate_standard_members();
        }
        let issues = tsl.check();
        if issues.is_empty() {
            Ok(tsl)
        } else {
            Err(ModelError::Invalid(issues))
        }
    }
}
