//! The platform side: takes a device's or application's request message and returns the
//! messages to publish (accepted or rejected, the delta or desired push to the device, documents
//! to subscribers), reading and writing a [`ShadowStore`].
//!
//! The service owns no socket, task or clock: the caller passes the time and publishes what it
//! gets back. Writes use the store's compare-and-swap and retry on a lost race, so concurrent
//! requests for one shadow never lose an accepted update.

use serde_json::Value;

use crate::dialect::{Dialect, Vendor};
use crate::document::{Object, ShadowDocument, UpdateOutcome, UpdateRequest};
use crate::error::{ShadowError, TopicError};
use crate::message::Outgoing;
use crate::store::{ShadowKey, ShadowStore, VersionTag};
use crate::time::EpochMillis;
use crate::{alibaba, aws, azure};

/// An accepted update, as [`ShadowService::update`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Committed {
    /// What the update did.
    pub outcome: UpdateOutcome,
    /// The document as stored.
    pub document: ShadowDocument,
}

/// A shadow service for one dialect over a store.
///
/// ```
/// # futures_lite_block_on(async {
/// use iot_shadow::{Dialect, EpochMillis, MemoryStore, ShadowService};
///
/// let service = ShadowService::new(MemoryStore::new(), Dialect::aws());
/// let out = service
///     .handle(
///         EpochMillis(1_700_000_000_000),
///         "$aws/things/lamp/shadow/update",
///         br#"{"state":{"desired":{"color":"RED"}},"clientToken":"t1"}"#,
///     )
///     .await
///     .unwrap();
/// let topics: Vec<_> = out.iter().map(|m| m.topic.as_str()).collect();
/// assert_eq!(
///     topics,
///     [
///         "$aws/things/lamp/shadow/update/accepted",
///         "$aws/things/lamp/shadow/update/delta",
///         "$aws/things/lamp/shadow/update/documents",
///     ]
/// );
/// # });
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = Context::from_waker(Waker::noop());
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
#[derive(Debug)]
pub struct ShadowService<S> {
    store: S,
    dialect: Dialect,
    publish_documents: bool,
    max_attempts: usize,
    twin_metadata: bool,
}

impl<S: ShadowStore> ShadowService<S> {
    /// A service with the defaults: AWS `/update/documents` published, 32 compare-and-swap
    /// attempts per write, Azure GET responses without `$metadata`.
    pub fn new(store: S, dialect: Dialect) -> Self {
        Self {
            store,
            dialect,
            publish_documents: true,
            max_attempts: 32,
            twin_metadata: false,
        }
    }

    /// Whether AWS updates also publish `/update/documents` (costs a copy of the old document).
    pub fn set_publish_documents(&mut self, publish: bool) -> &mut Self {
        self.publish_documents = publish;
        self
    }

    /// How many times a write retries after losing a compare-and-swap race before it is
    /// rejected with [`ShadowError::Internal`] (at least 1).
    pub fn set_max_attempts(&mut self, attempts: usize) -> &mut Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Whether Azure GET responses carry `$metadata`.
    pub fn set_twin_metadata(&mut self, metadata: bool) -> &mut Self {
        self.twin_metadata = metadata;
        self
    }

    /// The store.
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The dialect.
    pub const fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// The stored document, if the shadow exists.
    ///
    /// # Errors
    /// [`ShadowError::NotFound`], or [`ShadowError::Internal`] when the store fails.
    pub async fn get(&self, key: &ShadowKey) -> Result<ShadowDocument, ShadowError> {
        match self.store.load(key).await {
            Ok(Some(doc)) if doc.exists() => Ok(doc),
            Ok(_) => Err(ShadowError::NotFound),
            Err(_) => Err(ShadowError::Internal),
        }
    }

    /// Applies an update with compare-and-swap, retrying when another writer won the race.
    ///
    /// # Errors
    /// The core's rejections (see [`ShadowDocument::apply_update`]), or
    /// [`ShadowError::Internal`] when the store fails or the attempts run out.
    pub async fn update(
        &self,
        key: &ShadowKey,
        request: &UpdateRequest,
        now: EpochMillis,
    ) -> Result<Committed, ShadowError> {
        self.update_with(key, request, now, |_, doc, outcome| Committed {
            outcome: outcome.clone(),
            document: doc.clone(),
        })
        .await
    }

    /// The update loop; `build` runs on each attempt that passes the rules, before the document
    /// is moved into the store, with the previous document as `/update/documents` shows it (when
    /// documents are published and the shadow existed), the new document and the outcome.
    async fn update_with<T>(
        &self,
        key: &ShadowKey,
        request: &UpdateRequest,
        now: EpochMillis,
        build: impl Fn(Option<&[u8]>, &ShadowDocument, &UpdateOutcome) -> T,
    ) -> Result<T, ShadowError> {
        self.with_retry(key, |loaded| {
            let mut doc = loaded.unwrap_or_default();
            let previous =
                (self.publish_documents && doc.exists() && self.dialect.vendor() == Vendor::Aws)
                    .then(|| aws::snapshot_bytes(&doc));
            let outcome = doc.apply_update(request, &self.dialect, now)?;
            let built = build(previous.as_deref(), &doc, &outcome);
            Ok((doc, built))
        })
        .await
    }

    /// Loads the shadow, lets `change` turn it into the new document and a result, and stores
    /// that document with compare-and-swap on the version it was loaded at; when another writer
    /// won the race, starts again, at most `max_attempts` times.
    async fn with_retry<T>(
        &self,
        key: &ShadowKey,
        mut change: impl FnMut(Option<ShadowDocument>) -> Result<(ShadowDocument, T), ShadowError>,
    ) -> Result<T, ShadowError> {
        for _ in 0..self.max_attempts {
            let loaded = self
                .store
                .load(key)
                .await
                .map_err(|_| ShadowError::Internal)?;
            let expected = loaded.as_ref().map(VersionTag::of);
            let (doc, result) = change(loaded)?;
            match self.store.compare_and_swap(key, expected, doc).await {
                Ok(true) => return Ok(result),
                Ok(false) => {}
                Err(_) => return Err(ShadowError::Internal),
            }
        }
        Err(ShadowError::Internal)
    }

    /// Deletes a shadow (its version is kept).
    ///
    /// # Errors
    /// [`ShadowError::NotFound`], the version rule's errors, or [`ShadowError::Internal`].
    pub async fn delete(
        &self,
        key: &ShadowKey,
        version: Option<i64>,
        now: EpochMillis,
    ) -> Result<u64, ShadowError> {
        self.with_retry(key, |loaded| {
            let Some(mut doc) = loaded else {
                return Err(ShadowError::NotFound);
            };
            let deleted = doc.delete(version, &self.dialect, now)?;
            Ok((doc, deleted))
        })
        .await
    }

    /// Handles a request published on an AWS or Alibaba shadow topic (the topic names the
    /// shadow). Returns the messages to publish, in order.
    ///
    /// # Errors
    /// [`TopicError`] when the topic is not a request topic of this service's dialect; nothing
    /// is published then. Request errors are not `Err`: they become rejection messages.
    pub async fn handle(
        &self,
        now: EpochMillis,
        topic: &str,
        payload: &[u8],
    ) -> Result<Vec<Outgoing>, TopicError> {
        match self.dialect.vendor() {
            Vendor::Aws => {
                let topic = aws::Topic::parse(topic)?;
                if topic.suffix != aws::Suffix::Request {
                    return Err(TopicError::UnknownOperation);
                }
                Ok(self.handle_aws(now, topic, payload).await)
            }
            Vendor::Alibaba => {
                let topic = alibaba::Topic::parse(topic)?;
                if topic.kind != alibaba::TopicKind::Update {
                    return Err(TopicError::UnknownOperation);
                }
                Ok(self.handle_alibaba(now, topic, payload).await)
            }
            Vendor::Azure => Err(TopicError::NotShadowTopic),
        }
    }

    async fn handle_aws(
        &self,
        now: EpochMillis,
        topic: aws::Topic<'_>,
        payload: &[u8],
    ) -> Vec<Outgoing> {
        let key = match topic.shadow {
            Some(name) => ShadowKey::named(topic.thing, name),
            None => ShadowKey::classic(topic.thing),
        };
        let shadow_name = topic.shadow.unwrap_or(topic.thing);
        let reply =
            |suffix, value: &Value| Outgoing::json(topic.with_suffix(suffix).to_string(), value);
        let reject = |error: ShadowError, token: Option<&str>| {
            vec![reply(
                aws::Suffix::Rejected,
                &aws::error_document(&error, shadow_name, now, token),
            )]
        };
        match topic.operation {
            aws::Operation::Update => {
                let request = match aws::parse_update(payload, &self.dialect) {
                    Ok(r) => r,
                    Err(e) => {
                        let token = aws::peek_client_token(payload, &self.dialect);
                        return reject(e, token.as_deref());
                    }
                };
                let token = request.client_token.as_deref();
                let result = self
                    .update_with(&key, &request, now, |previous, doc, outcome| {
                        let mut out = vec![reply(
                            aws::Suffix::Accepted,
                            &aws::update_accepted(&request, outcome),
                        )];
                        if !outcome.delta.is_empty() {
                            out.push(reply(
                                aws::Suffix::Delta,
                                &aws::update_delta(doc, &outcome.delta, now, token),
                            ));
                        }
                        if self.publish_documents {
                            out.push(Outgoing {
                                topic: topic.with_suffix(aws::Suffix::Documents).to_string(),
                                payload: aws::update_documents_bytes(previous, doc, now, token),
                            });
                        }
                        out
                    })
                    .await;
                result.unwrap_or_else(|e| reject(e, token))
            }
            aws::Operation::Get => {
                let request = match aws::parse_simple(payload, &self.dialect) {
                    Ok(r) => r,
                    Err(e) => return reject(e, None),
                };
                let token = request.client_token.as_deref();
                match self.get(&key).await {
                    Ok(doc) => vec![reply(
                        aws::Suffix::Accepted,
                        &aws::get_accepted(&doc, now, token),
                    )],
                    Err(e) => reject(e, token),
                }
            }
            aws::Operation::Delete => {
                let request = match aws::parse_simple(payload, &self.dialect) {
                    Ok(r) => r,
                    Err(e) => return reject(e, None),
                };
                let token = request.client_token.as_deref();
                match self.delete(&key, request.version, now).await {
                    Ok(version) => vec![reply(
                        aws::Suffix::Accepted,
                        &aws::delete_accepted(version, now, token),
                    )],
                    Err(e) => reject(e, token),
                }
            }
        }
    }

    async fn handle_alibaba(
        &self,
        now: EpochMillis,
        topic: alibaba::Topic<'_>,
        payload: &[u8],
    ) -> Vec<Outgoing> {
        let key = ShadowKey::alibaba(topic.product_key, topic.device_name);
        let to_device = topic.with_kind(alibaba::TopicKind::Get).to_string();
        let send = |value: &Value| Outgoing::json(to_device.clone(), value);
        let request = match alibaba::parse_request(payload, &self.dialect) {
            Ok(r) => r,
            Err(e) => return vec![send(&alibaba::reply_error(&e, now))],
        };
        let update = match request {
            alibaba::Request::Get => {
                return match self.store.load(&key).await {
                    Ok(doc) => vec![send(&alibaba::reply_get(&doc.unwrap_or_default(), now))],
                    Err(_) => vec![send(&alibaba::reply_error(&ShadowError::Internal, now))],
                };
            }
            alibaba::Request::Update(u) | alibaba::Request::Delete(u) => u,
        };
        let pushes_control = matches!(update.desired, crate::SectionUpdate::Merge(_));
        self.update_with(&key, &update, now, |_, doc, outcome| {
            let mut out = vec![send(&alibaba::reply_success(outcome.version, now))];
            if pushes_control && doc.desired().is_some_and(|d| !d.is_empty()) {
                out.push(send(&alibaba::control(doc, now)));
            }
            out
        })
        .await
        .unwrap_or_else(|e| vec![send(&alibaba::reply_error(&e, now))])
    }

    /// Handles a twin request from the Azure device `device_id` (the identity of its MQTT
    /// connection: twin topics do not name the device).
    ///
    /// # Errors
    /// [`TopicError`] when the topic is not a device-to-hub twin request, or the service's
    /// dialect is not Azure.
    pub async fn handle_twin(
        &self,
        now: EpochMillis,
        device_id: &str,
        topic: &str,
        payload: &[u8],
    ) -> Result<Vec<Outgoing>, TopicError> {
        if self.dialect.vendor() != Vendor::Azure {
            return Err(TopicError::NotShadowTopic);
        }
        let key = ShadowKey::classic(device_id);
        let response = |status: u16, rid: &str, version: Option<u64>| {
            azure::Topic::Response {
                status,
                rid,
                version,
            }
            .to_string()
        };
        let error = |rid: &str, e: &ShadowError| {
            vec![Outgoing::json(
                response(e.azure_status().as_u16(), rid, None),
                &azure::error_body(e),
            )]
        };
        match azure::Topic::parse(topic)? {
            azure::Topic::Get { rid } => Ok(match self.store.load(&key).await {
                Ok(doc) => vec![Outgoing::json(
                    response(200, rid, None),
                    &azure::twin_document(&doc.unwrap_or_default(), self.twin_metadata),
                )],
                Err(_) => error(rid, &ShadowError::Internal),
            }),
            azure::Topic::PatchReported { rid } => {
                let patch = match azure::parse_patch(payload, &self.dialect) {
                    Ok(p) => p,
                    Err(e) => return Ok(error(rid, &e)),
                };
                let request = UpdateRequest::reported(patch);
                Ok(self
                    .update_with(&key, &request, now, |_, doc, _| {
                        vec![Outgoing {
                            topic: response(204, rid, Some(doc.reported_version())),
                            payload: Vec::new(),
                        }]
                    })
                    .await
                    .unwrap_or_else(|e| error(rid, &e)))
            }
            _ => Err(TopicError::UnknownOperation),
        }
    }

    /// The service-side desired update of an Azure twin (what the REST `PATCH` with an optional
    /// `If-Match` ETag does). Returns the desired push to send to the device and the new ETag.
    ///
    /// # Errors
    /// [`ShadowError::PreconditionFailed`] when `if_match` does not match, the core's
    /// rejections, or [`ShadowError::Internal`].
    pub async fn update_desired_twin(
        &self,
        device_id: &str,
        patch: Object,
        if_match: Option<&str>,
        now: EpochMillis,
    ) -> Result<(Outgoing, azure::ETag), ShadowError> {
        let expected = match if_match {
            Some(value) => azure::ETag::parse_if_match(value)?,
            None => None,
        };
        let mut request = UpdateRequest::desired(patch);
        request.version = expected
            .map(|tag| i64::try_from(tag.0).map_err(|_| ShadowError::PreconditionFailed))
            .transpose()?;
        let key = ShadowKey::classic(device_id);
        let crate::SectionUpdate::Merge(patch) = &request.desired else {
            return Err(ShadowError::Internal);
        };
        self.update_with(&key, &request, now, |_, doc, outcome| {
            let push = Outgoing::json(
                azure::Topic::DesiredPatch {
                    version: doc.desired_version(),
                }
                .to_string(),
                &azure::desired_patch(patch, doc.desired_version()),
            );
            (push, azure::ETag(outcome.version))
        })
        .await
    }
}
