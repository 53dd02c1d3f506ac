//! Time, application messages and the session state that outlives a network connection.

use alloc::{boxed::Box, string::String, vec::Vec};
use bytes::Bytes;
use core::{num::NonZeroU32, ops::Add, time::Duration};

use crate::mqtt::{Properties, Publish, QoS, SubscriptionOptions, TopicName};

/// A point on the caller's monotonic clock, in milliseconds.
///
/// The session never reads a clock: every `handle_*` and `poll_*` call takes the current
/// `Instant` from the caller, and [`poll_timeout`](super::ServerSession::poll_timeout) answers
/// with an `Instant`. The epoch is the caller's choice (process start, boot time, a virtual
/// clock in tests); only differences matter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// A deadline that never comes (internal sentinel that keeps timers at 8 bytes).
    pub(super) const NEVER: Self = Self(u64::MAX);

    /// The instant `millis` milliseconds after the caller's epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the caller's epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    /// Saturates at the end of time instead of overflowing.
    fn add(self, d: Duration) -> Self {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(ms))
    }
}

/// An application message held by a session: queued for sending, or in flight.
///
/// Properties (MQTT 5) are boxed and absent when empty, so a queued message costs little more
/// than its topic and payload (both shared [`Bytes`]). The Topic Alias is never stored: aliases
/// belong to one network connection (5.0 §3.3.2.3.4) and the session assigns them when sending.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// The topic name (the session refuses the empty one).
    pub topic: TopicName,
    /// The payload.
    pub payload: Bytes,
    /// The QoS it is sent with.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// MQTT 5 PUBLISH properties (Message Expiry Interval, Content Type, Response Topic,
    /// Correlation Data, Subscription Identifiers, User Properties …); ignored in 3.1.1.
    pub properties: Option<Box<Properties>>,
}

impl Message {
    /// A message without properties.
    pub fn new(topic: TopicName, payload: impl Into<Bytes>, qos: QoS) -> Self {
        Self {
            topic,
            payload: payload.into(),
            qos,
            retain: false,
            properties: None,
        }
    }

    /// Sets RETAIN.
    #[must_use]
    pub fn with_retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }

    /// Sets the MQTT 5 Message Expiry Interval in seconds (5.0 §3.3.2.3.3).
    #[must_use]
    pub fn with_expiry_interval(mut self, seconds: u32) -> Self {
        self.properties
            .get_or_insert_with(Box::default)
            .set_message_expiry_interval(Some(seconds));
        self
    }

    /// The message carried by a received PUBLISH (its Topic Alias dropped).
    pub fn from_publish(p: Publish) -> Self {
        let mut properties = p.properties;
        properties.set_topic_alias(None);
        Self {
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            properties: if properties.is_empty() {
                None
            } else {
                Some(Box::new(properties))
            },
        }
    }

    /// The Message Expiry Interval, if set.
    pub fn expiry_interval(&self) -> Option<u32> {
        self.properties.as_ref()?.message_expiry_interval()
    }

    /// A PUBLISH for this message (no alias, no packet identifier, DUP clear).
    pub fn to_publish(&self) -> Publish {
        let mut p = Publish::new(self.topic.clone(), self.payload.clone());
        p.qos = self.qos;
        p.retain = self.retain;
        if let Some(props) = &self.properties {
            p.properties = Properties::clone(props);
            p.properties.set_topic_alias(None);
        }
        p
    }
}

/// A subscription held by a server session (3.1.1 §4.1 and 5.0 §4.1: part of the session
/// state).
///
/// The filter is copied out of the SUBSCRIBE packet, so a stored subscription does not keep the
/// received frame alive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredSubscription {
    /// The topic filter, including a `$share/{name}/` prefix for a shared subscription.
    pub filter: Box<str>,
    /// The options granted (the QoS is the granted maximum, which may be below the requested).
    pub options: SubscriptionOptions,
    /// The Subscription Identifier of the SUBSCRIBE (5.0 §3.8.2.1.2).
    pub identifier: Option<NonZeroU32>,
}

/// A QoS 1 or QoS 2 PUBLISH that was sent and is not completely acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutgoingMessage {
    /// Its packet identifier; it stays in use until the exchange completes.
    pub packet_id: u16,
    /// QoS 2 only: PUBREC was received and PUBREL sent; PUBCOMP is awaited. On resumption a
    /// PUBREL is re-sent instead of the PUBLISH (3.1.1 §4.4, 5.0 §4.4).
    pub released: bool,
    /// The message.
    pub message: Message,
}

/// Everything a session keeps between network connections (3.1.1 §4.1, 5.0 §4.1), as a plain
/// value: export it when a connection ends, persist it however you like, and hand it to the
/// next connection of the same client to resume.
///
/// All fields are public plain data (strings, integers, [`Bytes`]); the application messages
/// keep their MQTT 5 properties. Message Expiry Intervals of queued messages are rewritten at
/// export to the time that remains, so that a restored session honours them even after a
/// restart of the process (whose monotonic clock starts again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SessionState {
    /// The client identifier the session belongs to.
    pub client_id: String,
    /// Subscriptions (server role; empty for a client).
    pub subscriptions: Vec<StoredSubscription>,
    /// QoS 1/2 messages sent and not completely acknowledged, in the order they were sent.
    pub outgoing: Vec<OutgoingMessage>,
    /// Packet identifiers of QoS 2 messages received and not yet released by a PUBREL: a
    /// PUBLISH with one of these identifiers is a duplicate and is not delivered again
    /// (5.0 §4.3.3).
    pub incoming_qos2: Vec<u16>,
    /// Messages accepted for sending but not sent yet (waiting for a connection or for the
    /// peer's Receive Maximum), in order.
    pub queued: Vec<Message>,
    /// The next packet identifier to try (identifiers in use are skipped).
    pub next_packet_id: u16,
}

impl SessionState {
    /// An empty session for `client_id`.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            next_packet_id: 1,
            ..Self::default()
        }
    }

    /// Whether there is nothing to resume: no subscription, nothing in flight or queued.
    pub fn is_empty(&self) -> bool {
        self.subscriptions.is_empty()
            && self.outgoing.is_empty()
            && self.incoming_qos2.is_empty()
            && self.queued.is_empty()
    }
}
