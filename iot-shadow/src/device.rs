//! The device side of shadow reconciliation, as a sans-IO state machine.
//!
//! [`DeviceSync`] never touches a socket or a clock. The caller:
//!
//! 1. subscribes to [`DeviceSync::subscriptions`] and calls [`DeviceSync::handle_connected`]
//!    after each (re)connect;
//! 2. passes every message received on those topics to [`DeviceSync::handle_message`], with a
//!    callback that applies desired changes to the hardware;
//! 3. publishes everything [`DeviceSync::poll_transmit`] returns (QoS 1), and calls
//!    [`DeviceSync::handle_timeout`] once the time of [`DeviceSync::poll_timeout`] is reached.
//!
//! On connect the machine asks for the shadow. When desired differs from reported it hands the
//! difference to the callback; on success it reports the callback's result and clears desired
//! the dialect's way (AWS `"desired": null`, Alibaba `"desired": "null"`; an Azure device
//! cannot clear desired and only reports). The clearing update carries the version it was
//! computed from, so a desired change made meanwhile is not wiped out: the platform rejects the
//! update with a version conflict and the machine fetches the shadow again.
//!
//! A pushed change (AWS delta, Alibaba `control`, Azure desired patch) whose version is older
//! than the one already held is ignored, as is a second delivery of a delta already applied.
//! The answer to the machine's own GET always counts: it is the platform's current state, even
//! after an Alibaba reset or an AWS re-creation brought the version down. The machine never
//! takes a version from its own `/update/accepted`, so the `/update/delta` that AWS publishes
//! with the same version is not mistaken for an old one. A failing callback is reported back: AWS and Alibaba
//! get `{"<error key>": {"version": v, "message": "…"}}` in reported (desired stays, so the change
//! is retried on the next connect), Azure gets the Plug and Play acknowledgement
//! `{"<property>": {"value": …, "ac": 500, "ad": "…", "av": v}}` for each property.

use std::collections::VecDeque;

use serde_json::Value;

use crate::azure;
use crate::delta::delta;
use crate::document::Object;
use crate::error::{ShadowError, SyncError, TopicError};
use crate::message::{Outgoing, obj};
use crate::time::EpochMillis;
use crate::{alibaba, aws};

/// Which shadow a device synchronises with.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// An AWS classic (`shadow: None`) or named shadow.
    Aws {
        /// The thing name.
        thing: String,
        /// The shadow name.
        shadow: Option<String>,
    },
    /// An Alibaba device shadow.
    Alibaba {
        /// The product key.
        product_key: String,
        /// The device name.
        device_name: String,
    },
    /// The Azure twin of the connected device.
    Azure,
}

/// What a message did.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// Desired and reported agree at `version`; nothing to do.
    InSync {
        /// The version seen.
        version: u64,
    },
    /// The callback applied a change; the report is queued.
    Applied {
        /// The version whose desired state was applied.
        version: u64,
        /// The reported state the callback returned.
        reported: Object,
    },
    /// The callback failed; the failure report is queued.
    ApplyFailed {
        /// The version whose desired state could not be applied.
        version: u64,
        /// The callback's message.
        message: String,
    },
    /// The message carried a version older than the one held (or a delta already applied).
    Stale {
        /// The message's version.
        version: u64,
        /// The version held.
        held: u64,
    },
    /// The platform accepted one of our reports.
    Accepted {
        /// The new version, when the response carries one.
        version: Option<u64>,
    },
    /// The platform rejected one of our requests. On a version conflict the machine has
    /// already queued a fresh GET.
    Rejected {
        /// The vendor code (AWS code, Alibaba `errorcode`, Azure status).
        code: u16,
        /// The vendor message.
        message: String,
    },
}

/// How long to wait for a GET response before asking again.
const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// A bound on queued messages; on overflow the queue is replaced by a single GET.
const MAX_OUTBOX: usize = 16;

/// Device-side reconciliation for one shadow. See the [module docs](self) for the call order.
#[derive(Debug)]
pub struct DeviceSync {
    endpoint: Endpoint,
    held: Option<u64>,
    applied: Option<u64>,
    outbox: VecDeque<Outgoing>,
    counter: u64,
    pending_get: Option<String>,
    pending_report: Option<String>,
    get_deadline: Option<EpochMillis>,
    request_timeout_ms: u64,
    error_key: String,
    error_reported: bool,
    pnp_acks: bool,
}

/// A Plug and Play writable-property acknowledgement: `{"value", "ac", "ad", "av"}`.
fn pnp_ack(value: &Value, status: u16, description: &str, version: u64) -> Value {
    obj([
        ("value", value.clone()),
        ("ac", Value::from(status)),
        ("ad", Value::from(description)),
        ("av", Value::from(version)),
    ])
}

impl DeviceSync {
    /// A machine for `endpoint`, with a 10 s GET timeout and the error key `syncError`.
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            held: None,
            applied: None,
            outbox: VecDeque::new(),
            counter: 0,
            pending_get: None,
            pending_report: None,
            get_deadline: None,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            error_key: "syncError".into(),
            error_reported: false,
            pnp_acks: false,
        }
    }

    /// Azure only: report successes as IoT Plug and Play acknowledgements
    /// (`{"<property>": {"value": …, "ac": 200, "ad": "completed", "av": <desired $version>}}`)
    /// instead of plain values. Failures are always acknowledged that way on Azure.
    pub fn set_plug_and_play_acks(&mut self, acks: bool) -> &mut Self {
        self.pnp_acks = acks;
        self
    }

    /// Sets how long to wait for a GET response before asking again.
    pub fn set_request_timeout_ms(&mut self, timeout: u64) -> &mut Self {
        self.request_timeout_ms = timeout.max(1);
        self
    }

    /// Sets the reported key under which AWS and Alibaba failures are reported.
    pub fn set_error_key(&mut self, key: impl Into<String>) -> &mut Self {
        self.error_key = key.into();
        self
    }

    /// The newest version held (AWS/Alibaba: shadow version; Azure: desired `$version`).
    #[must_use]
    pub const fn version(&self) -> Option<u64> {
        self.held
    }

    /// The topic filters to subscribe to.
    #[must_use]
    pub fn subscriptions(&self) -> Vec<String> {
        match &self.endpoint {
            Endpoint::Aws { thing, shadow } => {
                let base = aws::Topic {
                    thing,
                    shadow: shadow.as_deref(),
                    operation: aws::Operation::Get,
                    suffix: aws::Suffix::Accepted,
                };
                [
                    base,
                    base.with_suffix(aws::Suffix::Rejected),
                    aws::Topic {
                        operation: aws::Operation::Update,
                        ..base
                    },
                    aws::Topic {
                        operation: aws::Operation::Update,
                        suffix: aws::Suffix::Rejected,
                        ..base
                    },
                    aws::Topic {
                        operation: aws::Operation::Update,
                        suffix: aws::Suffix::Delta,
                        ..base
                    },
                ]
                .iter()
                .map(ToString::to_string)
                .collect()
            }
            Endpoint::Alibaba {
                product_key,
                device_name,
            } => vec![
                alibaba::Topic {
                    kind: alibaba::TopicKind::Get,
                    product_key,
                    device_name,
                }
                .to_string(),
            ],
            Endpoint::Azure => azure::DEVICE_SUBSCRIPTIONS.map(String::from).to_vec(),
        }
    }

    /// Call after each (re)connect: queues a GET of the shadow.
    pub fn handle_connected(&mut self, now: EpochMillis) {
        self.queue_get(now);
    }

    /// The next message to publish.
    pub fn poll_transmit(&mut self) -> Option<Outgoing> {
        self.outbox.pop_front()
    }

    /// When [`DeviceSync::handle_timeout`] should be called, if a GET is outstanding.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<EpochMillis> {
        self.get_deadline
    }

    /// Asks again for the shadow if the GET response is overdue.
    pub fn handle_timeout(&mut self, now: EpochMillis) {
        if self.get_deadline.is_some_and(|d| now >= d) {
            self.queue_get(now);
        }
    }

    fn next_token(&mut self) -> String {
        self.counter += 1;
        format!("iot-shadow-{}", self.counter)
    }

    fn push(&mut self, message: Outgoing) {
        if self.outbox.len() >= MAX_OUTBOX {
            // Something is not draining the queue; a fresh GET resynchronises everything.
            self.outbox.clear();
        }
        self.outbox.push_back(message);
    }

    fn queue_get(&mut self, now: EpochMillis) {
        let token = self.next_token();
        let message = match &self.endpoint {
            Endpoint::Aws { thing, shadow } => Outgoing::json(
                aws::Topic {
                    thing,
                    shadow: shadow.as_deref(),
                    operation: aws::Operation::Get,
                    suffix: aws::Suffix::Request,
                }
                .to_string(),
                &obj([("clientToken", Value::from(token.as_str()))]),
            ),
            Endpoint::Alibaba {
                product_key,
                device_name,
            } => Outgoing::json(
                alibaba::Topic {
                    kind: alibaba::TopicKind::Update,
                    product_key,
                    device_name,
                }
                .to_string(),
                &obj([("method", Value::from("get"))]),
            ),
            Endpoint::Azure => Outgoing {
                topic: azure::Topic::Get { rid: &token }.to_string(),
                payload: Vec::new(),
            },
        };
        self.pending_get = Some(token);
        self.get_deadline = Some(now.saturating_add(self.request_timeout_ms));
        self.push(message);
    }

    /// Handles a message received on one of the [subscriptions](DeviceSync::subscriptions).
    ///
    /// `apply` gets the desired changes (fields of desired that differ from reported, nested
    /// as in the shadow) and returns the reported state to publish, or a message saying why the
    /// change could not be applied. It is called at most once per message.
    ///
    /// # Errors
    /// [`SyncError::Topic`] for a topic this machine does not use and [`SyncError::Payload`]
    /// for a payload it cannot understand; the state is unchanged then.
    pub fn handle_message<F>(
        &mut self,
        now: EpochMillis,
        topic: &str,
        payload: &[u8],
        apply: F,
    ) -> Result<Option<SyncEvent>, SyncError>
    where
        F: FnOnce(&Object) -> Result<Object, String>,
    {
        match self.endpoint.clone() {
            Endpoint::Aws { thing, shadow } => {
                let parsed = aws::Topic::parse(topic)?;
                if parsed.thing != thing || parsed.shadow != shadow.as_deref() {
                    return Err(SyncError::Topic(TopicError::InvalidName));
                }
                self.handle_aws(now, parsed, payload, apply)
            }
            Endpoint::Alibaba {
                product_key,
                device_name,
            } => {
                let parsed = alibaba::Topic::parse(topic)?;
                if parsed.kind != alibaba::TopicKind::Get
                    || parsed.product_key != product_key
                    || parsed.device_name != device_name
                {
                    return Err(SyncError::Topic(TopicError::InvalidName));
                }
                self.handle_alibaba(now, payload, apply)
            }
            Endpoint::Azure => {
                let parsed = azure::Topic::parse(topic)?;
                self.handle_azure(parsed, payload, apply)
            }
        }
    }

    fn handle_aws<F>(
        &mut self,
        now: EpochMillis,
        topic: aws::Topic<'_>,
        payload: &[u8],
        apply: F,
    ) -> Result<Option<SyncEvent>, SyncError>
    where
        F: FnOnce(&Object) -> Result<Object, String>,
    {
        let doc = parse_json(payload)?;
        let token = doc.get("clientToken").and_then(Value::as_str);
        match (topic.operation, topic.suffix) {
            (aws::Operation::Get, aws::Suffix::Accepted) => {
                if token.is_some() && token != self.pending_get.as_deref() {
                    return Ok(None);
                }
                let version = version_of(&doc)?;
                let answers_get = token.is_some() && self.pending_get.is_some();
                self.get_deadline = None;
                if answers_get {
                    self.pending_get = None;
                }
                let state = doc.get("state").and_then(Value::as_object);
                let changes = match state.and_then(|s| s.get("delta")) {
                    Some(Value::Object(d)) => d.clone(),
                    _ => desired_changes(state),
                };
                Ok(Some(self.reconcile(
                    version,
                    &changes,
                    Source::Snapshot { answers_get },
                    apply,
                )))
            }
            (aws::Operation::Update, aws::Suffix::Delta) => {
                let version = version_of(&doc)?;
                let changes = match doc.get("state") {
                    Some(Value::Object(d)) => d.clone(),
                    _ => return Err(ShadowError::StateNotObject.into()),
                };
                Ok(Some(self.reconcile(
                    version,
                    &changes,
                    Source::Delta,
                    apply,
                )))
            }
            (aws::Operation::Update, aws::Suffix::Accepted) => {
                if token.is_none() || token != self.pending_report.as_deref() {
                    return Ok(None);
                }
                self.pending_report = None;
                Ok(Some(SyncEvent::Accepted {
                    version: doc.get("version").and_then(Value::as_u64),
                }))
            }
            (_, aws::Suffix::Rejected) => {
                let ours = token.is_some()
                    && (token == self.pending_report.as_deref()
                        || token == self.pending_get.as_deref());
                if !ours {
                    return Ok(None);
                }
                let code = doc
                    .get("code")
                    .and_then(Value::as_u64)
                    .and_then(|c| u16::try_from(c).ok())
                    .unwrap_or(0);
                let message = doc
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if topic.operation == aws::Operation::Get {
                    self.get_deadline = None;
                    if code == 404 {
                        // No shadow yet: nothing to reconcile.
                        return Ok(Some(SyncEvent::InSync { version: 0 }));
                    }
                } else if code == 409 {
                    self.queue_get(now);
                }
                Ok(Some(SyncEvent::Rejected { code, message }))
            }
            _ => Ok(None),
        }
    }

    fn handle_alibaba<F>(
        &mut self,
        now: EpochMillis,
        payload: &[u8],
        apply: F,
    ) -> Result<Option<SyncEvent>, SyncError>
    where
        F: FnOnce(&Object) -> Result<Object, String>,
    {
        let doc = parse_json(payload)?;
        let body = doc.get("payload").and_then(Value::as_object);
        let status = body.and_then(|p| p.get("status")).and_then(Value::as_str);
        let method = doc.get("method").and_then(Value::as_str);
        if status == Some("error") {
            let content = body.and_then(|p| p.get("content"));
            let code = content
                .and_then(|c| c.get("errorcode"))
                .and_then(|c| match c {
                    Value::String(s) => s.parse().ok(),
                    other => other.as_u64().and_then(|n| u16::try_from(n).ok()),
                })
                .unwrap_or(0);
            let message = content
                .and_then(|c| c.get("errormessage"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            self.pending_report = None;
            if code == 409 {
                self.queue_get(now);
            } else {
                self.get_deadline = None;
            }
            return Ok(Some(SyncEvent::Rejected { code, message }));
        }
        match (method, body.and_then(|p| p.get("state"))) {
            (Some(m @ ("reply" | "control")), Some(Value::Object(state))) => {
                let version = version_of(&doc)?;
                let answers_get = m == "reply" && self.pending_get.is_some();
                self.get_deadline = None;
                if answers_get {
                    self.pending_get = None;
                }
                let changes = desired_changes(Some(state));
                let source = if answers_get {
                    Source::Snapshot { answers_get }
                } else {
                    Source::Delta
                };
                Ok(Some(self.reconcile(version, &changes, source, apply)))
            }
            (Some("reply"), _) => {
                self.pending_report = None;
                let version = body.and_then(|p| p.get("version")).and_then(Value::as_u64);
                if let Some(v) = version {
                    self.held = Some(self.held.map_or(v, |h| h.max(v)));
                }
                Ok(Some(SyncEvent::Accepted { version }))
            }
            _ => Err(ShadowError::InvalidMethod.into()),
        }
    }

    fn handle_azure<F>(
        &mut self,
        topic: azure::Topic<'_>,
        payload: &[u8],
        apply: F,
    ) -> Result<Option<SyncEvent>, SyncError>
    where
        F: FnOnce(&Object) -> Result<Object, String>,
    {
        match topic {
            azure::Topic::Response {
                status,
                rid,
                version,
            } => {
                if Some(rid) == self.pending_get.as_deref() {
                    self.get_deadline = None;
                    if status != 200 {
                        return Ok(Some(SyncEvent::Rejected {
                            code: status,
                            message: String::new(),
                        }));
                    }
                    let doc = parse_json(payload)?;
                    let mut desired = section_without_system(doc.get("desired"));
                    let mut reported = section_without_system(doc.get("reported"));
                    if self.pnp_acks {
                        // Compare desired with the acknowledged values, not the ack objects.
                        for v in reported.values_mut() {
                            let acked = v.get("ac").is_some().then(|| v.get("value")).flatten();
                            if let Some(value) = acked.cloned() {
                                *v = value;
                            }
                        }
                    }
                    let version = doc
                        .get("desired")
                        .and_then(|d| d.get("$version"))
                        .and_then(Value::as_u64)
                        .ok_or(ShadowError::InvalidVersion)?;
                    desired = delta(&desired, Some(&reported));
                    self.pending_get = None;
                    let source = Source::Snapshot { answers_get: true };
                    Ok(Some(self.reconcile(version, &desired, source, apply)))
                } else if Some(rid) == self.pending_report.as_deref() {
                    self.pending_report = None;
                    Ok(Some(if status == 204 {
                        SyncEvent::Accepted { version }
                    } else {
                        SyncEvent::Rejected {
                            code: status,
                            message: String::new(),
                        }
                    }))
                } else {
                    Ok(None)
                }
            }
            azure::Topic::DesiredPatch { version } => {
                let doc = parse_json(payload)?;
                let patch = without_system(&doc);
                Ok(Some(self.reconcile(version, &patch, Source::Delta, apply)))
            }
            _ => Err(SyncError::Topic(TopicError::UnknownOperation)),
        }
    }

    fn reconcile<F>(
        &mut self,
        version: u64,
        changes: &Object,
        source: Source,
        apply: F,
    ) -> SyncEvent
    where
        F: FnOnce(&Object) -> Result<Object, String>,
    {
        // The answer to our own GET is the platform's current state: it wins even over a newer
        // version held (the shadow may have been reset or re-created since).
        let (answers_get, is_delta) = match source {
            Source::Snapshot { answers_get } => (answers_get, false),
            Source::Delta => (false, true),
        };
        if let Some(held) = self.held
            && !answers_get
            && (version < held || (is_delta && self.applied == Some(version)))
        {
            return SyncEvent::Stale { version, held };
        }
        self.held = Some(version);
        if changes.is_empty() {
            return SyncEvent::InSync { version };
        }
        match apply(changes) {
            Ok(reported) => {
                self.applied = Some(version);
                self.report_success(version, &reported);
                SyncEvent::Applied { version, reported }
            }
            Err(message) => {
                self.report_failure(version, changes, &message);
                SyncEvent::ApplyFailed { version, message }
            }
        }
    }

    fn report_success(&mut self, version: u64, reported: &Object) {
        let mut reported = if self.pnp_acks && matches!(self.endpoint, Endpoint::Azure) {
            reported
                .iter()
                .map(|(k, v)| (k.clone(), pnp_ack(v, 200, "completed", version)))
                .collect()
        } else {
            reported.clone()
        };
        if self.error_reported && !matches!(self.endpoint, Endpoint::Azure) {
            reported.insert(self.error_key.clone(), Value::Null);
        }
        self.error_reported = false;
        self.send_report(version, reported, true);
    }

    fn report_failure(&mut self, version: u64, changes: &Object, message: &str) {
        let reported = match self.endpoint {
            Endpoint::Azure => changes
                .iter()
                .map(|(k, v)| (k.clone(), pnp_ack(v, 500, message, version)))
                .collect(),
            _ => Object::from_iter([(
                self.error_key.clone(),
                obj([
                    ("version", Value::from(version)),
                    ("message", Value::from(message)),
                ]),
            )]),
        };
        self.error_reported = true;
        self.send_report(version, reported, false);
    }

    fn send_report(&mut self, version: u64, reported: Object, clear_desired: bool) {
        let token = self.next_token();
        let message = match &self.endpoint {
            Endpoint::Aws { thing, shadow } => {
                let mut state =
                    Object::from_iter([("reported".to_owned(), Value::Object(reported))]);
                let mut request = Object::new();
                if clear_desired {
                    state.insert("desired".into(), Value::Null);
                    // Only clear what we have seen: a newer desired makes this a conflict.
                    request.insert("version".into(), Value::from(version));
                }
                request.insert("state".into(), Value::Object(state));
                request.insert("clientToken".into(), Value::from(token.as_str()));
                Outgoing::json(
                    aws::Topic {
                        thing,
                        shadow: shadow.as_deref(),
                        operation: aws::Operation::Update,
                        suffix: aws::Suffix::Request,
                    }
                    .to_string(),
                    &Value::Object(request),
                )
            }
            Endpoint::Alibaba {
                product_key,
                device_name,
            } => {
                let mut state =
                    Object::from_iter([("reported".to_owned(), Value::Object(reported))]);
                if clear_desired {
                    state.insert("desired".into(), Value::from("null"));
                }
                let next = version.saturating_add(1);
                Outgoing::json(
                    alibaba::Topic {
                        kind: alibaba::TopicKind::Update,
                        product_key,
                        device_name,
                    }
                    .to_string(),
                    &obj([
                        ("method", Value::from("update")),
                        ("state", Value::Object(state)),
                        ("version", Value::from(next)),
                    ]),
                )
            }
            Endpoint::Azure => Outgoing::json(
                azure::Topic::PatchReported { rid: &token }.to_string(),
                &Value::Object(reported),
            ),
        };
        self.pending_report = Some(token);
        self.push(message);
    }
}

/// Where a desired state came from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A whole-shadow document; `answers_get` when it answers our outstanding GET.
    Snapshot { answers_get: bool },
    /// A pushed change (AWS delta, Alibaba control, Azure desired patch).
    Delta,
}

fn parse_json(payload: &[u8]) -> Result<Object, ShadowError> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ShadowError::RequestNotObject),
        Err(e) => Err(ShadowError::from_json(&e)),
    }
}

fn version_of(doc: &Object) -> Result<u64, ShadowError> {
    doc.get("version")
        .and_then(Value::as_u64)
        .ok_or(ShadowError::InvalidVersion)
}

/// Desired fields that differ from reported, from a `state` object with both sections.
fn desired_changes(state: Option<&Object>) -> Object {
    let section = |name| state.and_then(|s| s.get(name)).and_then(Value::as_object);
    match section("desired") {
        Some(d) => delta(d, section("reported")),
        None => Object::new(),
    }
}

/// A twin section without its `$version` / `$metadata` entries.
fn section_without_system(node: Option<&Value>) -> Object {
    node.and_then(Value::as_object)
        .map(without_system)
        .unwrap_or_default()
}

fn without_system(map: &Object) -> Object {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
