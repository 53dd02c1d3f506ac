//! Compiled models and payload validators (compile once, validate many).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::alink::AlinkCode;
use crate::compile::{self, ModelTree};
use crate::error::{ModelError, Rule, ValidationError};
use crate::tsl::Tsl;
use crate::walk::{self, Collect, Flag, Path, Target};

/// Options for [`CompiledModel::compile_with`].
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    float_step: bool,
}

impl CompileOptions {
    /// Default options: `step` is enforced for `int` only.
    #[must_use]
    pub fn new() -> CompileOptions {
        CompileOptions::default()
    }

    /// Whether a `float`/`double` value must be a multiple of its `step` (default: no).
    ///
    /// The vendor's own SetWeight example sends `100.8` for a double with step `"1"`, so by
    /// default the step of a float or double is treated as a display granularity. When enforced,
    /// whole steps are checked exactly and decimal steps allow binary rounding noise.
    pub fn enforce_float_step(&mut self, yes: bool) -> &mut Self {
        self.float_step = yes;
        self
    }
}

/// A thing model compiled into validator trees. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct CompiledModel {
    tree: Arc<ModelTree>,
}

impl CompiledModel {
    /// Checks the model and compiles it.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] with every issue found when the model breaks the TSL rules.
    pub fn compile(tsl: &Tsl) -> Result<CompiledModel, ModelError> {
        CompiledModel::compile_with(tsl, &CompileOptions::default())
    }

    /// Checks the model and compiles it with options.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] with every issue found when the model breaks the TSL rules.
    pub fn compile_with(tsl: &Tsl, options: &CompileOptions) -> Result<CompiledModel, ModelError> {
        compile::compile(tsl, options.float_step)
            .map(|tree| CompiledModel {
                tree: Arc::new(tree),
            })
            .map_err(ModelError::Invalid)
    }

    /// The model's product key (`profile.productKey`).
    #[must_use]
    pub fn product_key(&self) -> Option<&str> {
        self.tree.product_key.as_deref()
    }

    /// Validator for `thing.event.property.post` params, long or short form.
    #[must_use]
    pub fn property_post(&self) -> Validator {
        Validator::new(Target::PropertyPost(self.tree.clone()))
    }

    /// Validator for `thing.service.property.set` params (writable properties, short form).
    #[must_use]
    pub fn property_set(&self) -> Validator {
        Validator::new(Target::PropertySet(self.tree.clone()))
    }

    /// Validator for `thing.event.{identifier}.post` params (`value` + optional `time`).
    #[must_use]
    pub fn event_post(&self, identifier: &str) -> Option<Validator> {
        let i = self.tree.events.position(identifier)?;
        Some(Validator::new(Target::EventPost(self.tree.clone(), i)))
    }

    /// Validator for the params of `thing.service.{identifier}`.
    #[must_use]
    pub fn service_input(&self, identifier: &str) -> Option<Validator> {
        let i = self.tree.services.position(identifier)?;
        Some(Validator::new(Target::ServiceInput(self.tree.clone(), i)))
    }

    /// Validator for the `data` of a `thing.service.{identifier}` reply.
    #[must_use]
    pub fn service_output(&self, identifier: &str) -> Option<Validator> {
        let i = self.tree.services.position(identifier)?;
        Some(Validator::new(Target::ServiceOutput(self.tree.clone(), i)))
    }
}

/// Compiled models keyed by product key: what a gateway's pack post and a history post need,
/// since their sub-devices belong to other products.
#[derive(Debug, Clone, Default)]
pub struct ModelSet {
    products: BTreeMap<String, Arc<ModelTree>>,
}

impl ModelSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> ModelSet {
        ModelSet::default()
    }

    /// Adds a model under its product key; returns `false` (and adds nothing) when the model has
    /// no `profile.productKey`.
    pub fn insert(&mut self, model: &CompiledModel) -> bool {
        match &model.tree.product_key {
            Some(pk) => {
                self.products.insert(pk.clone(), model.tree.clone());
                true
            }
            None => false,
        }
    }

    /// Validator for `thing.event.property.pack.post` params sent by the gateway of product
    /// `gateway`; sub-devices are checked against their own product's model.
    #[must_use]
    pub fn pack_post(&self, gateway: &str) -> Option<Validator> {
        let gw = self.products.get(gateway)?.clone();
        Some(Validator::new(Target::PackPost {
            gateway: gw,
            products: Arc::new(self.products.clone()),
        }))
    }

    /// Validator for `thing.event.property.history.post` params (an array of per-device
    /// entries, each checked against its product's model).
    #[must_use]
    pub fn history_post(&self) -> Validator {
        Validator::new(Target::HistoryPost {
            products: Arc::new(self.products.clone()),
        })
    }
}

/// A compiled validator for one message kind. Cheap to clone.
///
/// It checks the `params` of a request (or the `data` of a service reply); error paths are
/// JSON Pointers relative to that value.
#[derive(Debug, Clone)]
pub struct Validator {
    target: Target,
    codes: Vec<(Rule, AlinkCode)>,
}

/// The result of [`Validator::filter`]: the properties that passed, and why the others did not.
#[derive(Debug, Clone, PartialEq)]
pub struct Filtered {
    /// The valid properties, as sent.
    pub kept: Map<String, Value>,
    /// One error per dropped property (the first failure found in it).
    pub dropped: Vec<ValidationError>,
}

impl Validator {
    fn new(target: Target) -> Validator {
        Validator {
            target,
            codes: Vec::new(),
        }
    }

    /// Answers `code` instead of the default for failures of `rule`.
    ///
    /// By default every failure answers 460 (request parameter error), except
    /// [`Rule::TooManyProperties`] (6106) and the pack limits (6357). The platform's TSL-check
    /// codes 6300–6328 are not documented one by one; an integrator who has observed them can
    /// map rules to them here.
    #[must_use]
    pub fn with_code(mut self, rule: Rule, code: AlinkCode) -> Validator {
        self.codes.retain(|(r, _)| *r != rule);
        self.codes.push((rule, code));
        self
    }

    /// The Alink code answered for a failure of `rule`.
    #[must_use]
    pub fn code_for(&self, rule: Rule) -> AlinkCode {
        if let Some((_, c)) = self.codes.iter().find(|(r, _)| *r == rule) {
            return *c;
        }
        match rule {
            Rule::TooManyProperties => AlinkCode::TOO_MANY_PROPERTIES,
            Rule::TooManyEvents | Rule::TooManySubDevices => AlinkCode::PACK_LIMIT,
            _ => AlinkCode::PARAMETER_ERROR,
        }
    }

    fn error(&self, (path, rule): (String, Rule)) -> ValidationError {
        ValidationError {
            path,
            rule,
            code: self.code_for(rule),
        }
    }

    /// Whether the value is valid. Stops at the first failure and allocates nothing.
    #[must_use]
    pub fn is_valid(&self, value: &Value) -> bool {
        let mut flag = Flag(false);
        self.target.run(value, &mut flag);
        !flag.0
    }

    /// The first failure, if any.
    ///
    /// # Errors
    /// The first [`ValidationError`] found.
    pub fn validate(&self, value: &Value) -> Result<(), ValidationError> {
        let mut c = Collect {
            found: Vec::new(),
            first_only: true,
        };
        self.target.run(value, &mut c);
        match c.found.into_iter().next() {
            Some(e) => Err(self.error(e)),
            None => Ok(()),
        }
    }

    /// Every failure, in document order.
    pub fn iter_errors(&self, value: &Value) -> impl Iterator<Item = ValidationError> + '_ {
        let mut c = Collect {
            found: Vec::new(),
            first_only: false,
        };
        self.target.run(value, &mut c);
        c.found.into_iter().map(move |e| self.error(e))
    }

    /// Parses JSON bytes and validates them.
    ///
    /// # Errors
    /// [`Rule::MalformedJson`] at the root (code 460, as the platform answers a malformed
    /// payload) when the bytes are not JSON, else the first validation failure.
    pub fn validate_slice(&self, bytes: &[u8]) -> Result<Value, ValidationError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|_| ValidationError {
            path: String::new(),
            rule: Rule::MalformedJson,
            code: self.code_for(Rule::MalformedJson),
        })?;
        self.validate(&value)?;
        Ok(value)
    }

    /// Property-post filtering, as the platform does it: keeps the valid properties, drops the
    /// invalid ones with their errors. Other validators filter nothing: they return the whole
    /// value's first error.
    ///
    /// # Errors
    /// When the value as a whole is rejected: params not an object, or over the 200-property
    /// limit, or (for validators other than property post) any failure.
    pub fn filter(&self, value: &Value) -> Result<Filtered, ValidationError> {
        let Target::PropertyPost(tree) = &self.target else {
            self.validate(value)?;
            return Ok(Filtered {
                kept: value.as_object().cloned().unwrap_or_default(),
                dropped: Vec::new(),
            });
        };
        let Value::Object(obj) = value else {
            return self.validate(value).map(|()| Filtered {
                kept: Map::new(),
                dropped: Vec::new(),
            });
        };
        if obj.len() > walk::MAX_PROPERTIES {
            return Err(self.error((String::new(), Rule::TooManyProperties)));
        }
        let root = Path::Root;
        let mut kept = Map::new();
        let mut dropped = Vec::new();
        for (k, v) in obj {
            let p = Path::Key(&root, k);
            let mut c = Collect {
                found: Vec::new(),
                first_only: true,
            };
            match tree.property(k) {
                Some(pn) => {
                    walk::property_value(&pn.node, v, &p, &mut c);
                }
                None => {
                    walk::Sink::report(&mut c, &p, Rule::UnknownProperty);
                }
            }
            match c.found.into_iter().next() {
                Some(e) => dropped.push(self.error(e)),
                None => {
                    kept.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(Filtered { kept, dropped })
    }

    /// The JSON Schema (draft 2020-12) that accepts exactly what this validator accepts (see
    /// the crate docs for the one documented difference: decimal float steps).
    #[must_use]
    pub fn json_schema(&self) -> Value {
        crate::schema::export(&self.target)
    }
}
