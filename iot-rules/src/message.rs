//! The message a rule is evaluated against: topic, payload bytes and context.

use std::fmt;

use crate::time::UnixMillis;
use crate::value::Value;

/// Looks a device tag up for `attribute(key)` (Alibaba). Supplied by the caller.
pub type AttributeLookup<'a> = &'a (dyn Fn(&str) -> Option<Value> + Sync);

/// One incoming device message and its context.
///
/// The payload is given as bytes and parsed lazily, at most once, whatever the number of rules.
/// Everything a rule can read about the message besides the payload is here too: the clock
/// (`timestamp()`) is the message's [`timestamp`](Message::timestamp), never read by the crate.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Message<'a> {
    /// The topic the message was published to.
    pub topic: &'a str,
    /// The payload bytes (JSON or anything else).
    pub payload: &'a [u8],
    /// When the message was received (what `timestamp()` returns).
    pub timestamp: UnixMillis,
    /// MQTT client id (`clientid()`, EMQX `clientid`).
    pub client_id: Option<&'a str>,
    /// MQTT user name (EMQX `username`).
    pub username: Option<&'a str>,
    /// Alibaba product key (`productKey()`).
    pub product_key: Option<&'a str>,
    /// Alibaba device name (`deviceName()`).
    pub device_name: Option<&'a str>,
    /// Message id (`messageId()`, EMQX `id`).
    pub message_id: Option<&'a str>,
    /// MQTT QoS (EMQX `qos`).
    pub qos: Option<u8>,
    /// Device tags for `attribute(key)`.
    pub attributes: Option<AttributeLookup<'a>>,
    /// MQTT 5 PUBLISH properties as an object (EMQX `pub_props`, for example
    /// `{"User-Property": {"foo": "bar"}}` read as `pub_props.'User-Property'.foo`).
    pub properties: Option<&'a Value>,
}

impl<'a> Message<'a> {
    /// A message with no context besides its topic, payload and receive time.
    pub fn new(topic: &'a str, payload: &'a [u8], timestamp: UnixMillis) -> Self {
        Message {
            topic,
            payload,
            timestamp,
            client_id: None,
            username: None,
            product_key: None,
            device_name: None,
            message_id: None,
            qos: None,
            attributes: None,
            properties: None,
        }
    }

    /// Sets the client id.
    pub fn with_client_id(mut self, v: &'a str) -> Self {
        self.client_id = Some(v);
        self
    }

    /// Sets the user name.
    pub fn with_username(mut self, v: &'a str) -> Self {
        self.username = Some(v);
        self
    }

    /// Sets the Alibaba product key and device name.
    pub fn with_device(mut self, product_key: &'a str, device_name: &'a str) -> Self {
        self.product_key = Some(product_key);
        self.device_name = Some(device_name);
        self
    }

    /// Sets the message id.
    pub fn with_message_id(mut self, v: &'a str) -> Self {
        self.message_id = Some(v);
        self
    }

    /// Sets the QoS.
    pub fn with_qos(mut self, qos: u8) -> Self {
        self.qos = Some(qos);
        self
    }

    /// Sets the MQTT 5 PUBLISH properties (EMQX `pub_props`).
    pub fn with_properties(mut self, properties: &'a Value) -> Self {
        self.properties = Some(properties);
        self
    }

    /// Sets the device tag lookup used by `attribute(key)`.
    pub fn with_attributes(mut self, f: AttributeLookup<'a>) -> Self {
        self.attributes = Some(f);
        self
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("topic", &self.topic)
            .field("payload_len", &self.payload.len())
            .field("timestamp", &self.timestamp)
            .field("client_id", &self.client_id)
            .field("product_key", &self.product_key)
            .field("device_name", &self.device_name)
            .field("message_id", &self.message_id)
            .field("qos", &self.qos)
            .field("attributes", &self.attributes.is_some())
            .field("properties", &self.properties)
            .finish_non_exhaustive()
    }
}
