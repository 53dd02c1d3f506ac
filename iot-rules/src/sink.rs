//! Forwarding: the [`Sink`] trait, a registry of named sinks, and a bounded in-memory sink.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::error::SinkError;
use crate::functions::object;
use crate::ruleset::{Dispatch, RuleOutput};
use crate::value::Value;

/// One document handed to a sink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery<'a> {
    /// The rule that produced it.
    pub rule_id: &'a str,
    /// For republish: the rendered topic.
    pub topic: Option<&'a str>,
    /// The document.
    pub document: &'a Value,
}

/// Where rule outputs go: a database, a queue, an MQTT publisher, …
///
/// Implementations own their I/O; this crate only calls them.
#[async_trait]
pub trait Sink: Send + Sync {
    /// Takes one document.
    ///
    /// # Errors
    /// Any [`SinkError`]: the rule's error action then runs.
    async fn send(&self, delivery: &Delivery<'_>) -> Result<(), SinkError>;
}

/// What [`Sinks::dispatch`] did with one output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DispatchReport {
    /// Actions that succeeded.
    pub delivered: usize,
    /// Actions that failed, with why.
    pub failed: Vec<SinkError>,
    /// The error action ran (and with what result) because an action failed.
    pub error_action: Option<Result<(), SinkError>>,
}

/// Named sinks, plus the sink that carries republish actions.
#[derive(Default, Clone)]
pub struct Sinks {
    named: HashMap<String, Arc<dyn Sink>>,
    republish: Option<Arc<dyn Sink>>,
}

impl fmt::Debug for Sinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sinks")
            .field("named", &self.named.keys().collect::<Vec<_>>())
            .field("republish", &self.republish.is_some())
            .finish()
    }
}

impl Sinks {
    /// No sinks.
    pub fn new() -> Self {
        Sinks::default()
    }

    /// Registers a sink under a name used by [`Action::Sink`](crate::Action::Sink).
    pub fn insert(&mut self, name: &str, sink: Arc<dyn Sink>) -> &mut Self {
        self.named.insert(name.to_owned(), sink);
        self
    }

    /// Sets the sink that publishes republish actions (it gets the rendered topic).
    pub fn republish(&mut self, sink: Arc<dyn Sink>) -> &mut Self {
        self.republish = Some(sink);
        self
    }

    async fn run(&self, d: &Dispatch<'_>, rule_id: &str, doc: &Value) -> Result<(), SinkError> {
        match d {
            Dispatch::Sink { name } => {
                let sink = self
                    .named
                    .get(*name)
                    .ok_or_else(|| SinkError::UnknownSink((*name).to_owned()))?;
                sink.send(&Delivery {
                    rule_id,
                    topic: None,
                    document: doc,
                })
                .await
            }
            Dispatch::Republish { topic } => {
                let sink = self
                    .republish
                    .as_ref()
                    .ok_or_else(|| SinkError::UnknownSink("republish".to_owned()))?;
                sink.send(&Delivery {
                    rule_id,
                    topic: Some(topic),
                    document: doc,
                })
                .await
            }
        }
    }

    /// Runs an output's actions in order. If any fails (or could not be resolved), the rule's
    /// error action gets `{"ruleId", "errors": [...], "document"}`.
    pub async fn dispatch(&self, out: &RuleOutput<'_>) -> DispatchReport {
        let mut report = DispatchReport::default();
        let mut messages: Vec<Value> = out.errors.iter().map(|e| Value::from(e.as_str())).collect();
        for a in &out.actions {
            match self.run(a, out.rule_id, &out.document).await {
                Ok(()) => report.delivered += 1,
                Err(e) => {
                    messages.push(Value::String(e.to_string()));
                    report.failed.push(e);
                }
            }
        }
        if !messages.is_empty()
            && let Some(ea) = &out.error_action
        {
            let doc = object([
                ("ruleId", Value::from(out.rule_id)),
                ("errors", Value::Array(messages)),
                ("document", out.document.clone()),
            ]);
            report.error_action = Some(self.run(ea, out.rule_id, &doc).await);
        }
        report
    }
}

/// A delivery as [`MemorySink`] keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// The rule.
    pub rule_id: String,
    /// The republish topic, if any.
    pub topic: Option<String>,
    /// The document.
    pub document: Value,
}

/// A bounded in-memory sink (tests, demos, buffering): refuses with [`SinkError::Full`] when
/// it holds `capacity` deliveries.
#[derive(Debug)]
pub struct MemorySink {
    name: String,
    capacity: usize,
    items: Mutex<VecDeque<Delivered>>,
}

impl MemorySink {
    /// A sink holding at most `capacity` deliveries.
    pub fn new(name: &str, capacity: usize) -> Self {
        MemorySink {
            name: name.to_owned(),
            capacity,
            items: Mutex::new(VecDeque::new()),
        }
    }

    /// Takes every delivery held so far.
    pub fn drain(&self) -> Vec<Delivered> {
        match self.items.lock() {
            Ok(mut q) => q.drain(..).collect(),
            Err(p) => p.into_inner().drain(..).collect(),
        }
    }

    /// Number of deliveries held.
    pub fn len(&self) -> usize {
        self.items
            .lock()
            .map_or_else(|p| p.into_inner().len(), |q| q.len())
    }

    /// `true` if nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl Sink for MemorySink {
    async fn send(&self, d: &Delivery<'_>) -> Result<(), SinkError> {
        let mut q = match self.items.lock() {
            Ok(q) => q,
            Err(p) => p.into_inner(),
        };
        if q.len() >= self.capacity {
            return Err(SinkError::Full(self.name.clone()));
        }
        q.push_back(Delivered {
            rule_id: d.rule_id.to_owned(),
            topic: d.topic.map(str::to_owned),
            document: d.document.clone(),
        });
        Ok(())
    }
}
