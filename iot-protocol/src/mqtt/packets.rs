//! One struct per MQTT control packet (3.1.1 §3, 5.0 §3).
//!
//! The same structs serve both protocol versions. Fields that exist only in MQTT 5 (properties,
//! reason codes of the acknowledgements, the v5 subscription options) are empty or at their
//! success value on a 3.1.1 connection; the encoder refuses to send a v5-only value in 3.1.1.

use alloc::vec::Vec;
use bytes::Bytes;

use super::{
    MqttString, ProtocolVersion, QoS, TopicFilter, TopicName,
    properties::Properties,
    reason::{
        AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, PubAckReasonCode,
        PubCompReasonCode, PubRecReasonCode, PubRelReasonCode, SubAckReasonCode,
        UnsubAckReasonCode,
    },
};

/// CONNECT: the first packet a client sends (3.1.1 §3.1, 5.0 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connect {
    /// The protocol level: 4 for 3.1.1, 5 for 5.0. It decides how the rest is encoded.
    pub protocol_version: ProtocolVersion,
    /// Clean Session (3.1.1) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 turns the mechanism off.
    pub keep_alive: u16,
    /// The client identifier; may be empty (the server then assigns one, or refuses).
    pub client_id: MqttString,
    /// The Will Message, if the Will Flag is set.
    pub will: Option<Will>,
    /// The user name, if the User Name Flag is set.
    pub username: Option<MqttString>,
    /// The password, if the Password Flag is set (binary data).
    pub password: Option<Bytes>,
    /// CONNECT properties (5.0 §3.1.2.11); empty in 3.1.1.
    pub properties: Properties,
}

impl Connect {
    /// A CONNECT with Clean Start, no will, no credentials and a 60-second keep alive.
    pub fn new(protocol_version: ProtocolVersion, client_id: impl Into<MqttString>) -> Self {
        Self {
            protocol_version,
            clean_start: true,
            keep_alive: 60,
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }
    }
}

/// The Will Message of a CONNECT (3.1.1 §3.1.2.5, 5.0 §3.1.2.5, §3.1.3.2–4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Will {
    /// Will Topic (a topic name; the empty [`TopicName`] cannot be encoded here).
    pub topic: TopicName,
    /// Will Payload.
    pub payload: Bytes,
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (5.0 §3.1.3.2); empty in 3.1.1.
    pub properties: Properties,
}

/// CONNACK: the server's answer to CONNECT (3.1.1 §3.2, 5.0 §3.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnAck {
    /// Session Present.
    pub session_present: bool,
    /// The reason code (3.1.1 return codes map onto it, see [`ConnectReasonCode::to_v311`]).
    pub reason_code: ConnectReasonCode,
    /// CONNACK properties (5.0 §3.2.2.3); empty in 3.1.1.
    pub properties: Properties,
}

/// PUBLISH: an application message (3.1.1 §3.3, 5.0 §3.3).
///
/// `topic` and `payload` are slices of the frame the packet was decoded from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Publish {
    /// DUP: this may be a re-delivery (QoS 1 and 2 only).
    pub dup: bool,
    /// QoS level.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// The topic name. Empty ([`TopicName::empty`]) only in MQTT 5 with a Topic Alias property.
    pub topic: TopicName,
    /// Packet identifier: 0 exactly when `qos` is [`QoS::AtMostOnce`], non-zero otherwise.
    pub packet_id: u16,
    /// PUBLISH properties (5.0 §3.3.2.3); empty in 3.1.1.
    pub properties: Properties,
    /// The application message.
    pub payload: Bytes,
}

impl Publish {
    /// A QoS 0 PUBLISH without properties.
    ///
    /// ```
    /// use iot_protocol::mqtt::{Publish, TopicName};
    /// let p = Publish::new(TopicName::from_static("sensors/1/temp"), &b"21.5"[..]);
    /// assert_eq!(p.topic, "sensors/1/temp");
    /// ```
    pub fn new(topic: TopicName, payload: impl Into<Bytes>) -> Self {
        Self {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: 0,
            properties: Properties::new(),
            payload: payload.into(),
        }
    }
}

macro_rules! ack_packet {
    ($(#[$m:meta])* $name:ident, $code:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            /// The packet identifier being acknowledged (not 0).
            pub packet_id: u16,
            /// The reason code (always success in 3.1.1, which carries none).
            pub reason_code: $code,
            /// Properties (5.0: Reason String and User Properties); empty in 3.1.1.
            pub properties: Properties,
        }

        impl $name {
            /// A successful acknowledgement of `packet_id` without properties.
            pub fn new(packet_id: u16) -> Self {
                Self { packet_id, reason_code: $code::Success, properties: Properties::new() }
            }
        }
    };
}

ack_packet!(
    /// PUBACK: acknowledges a QoS 1 PUBLISH (3.1.1 §3.4, 5.0 §3.4).
    PubAck,
    PubAckReasonCode
);
ack_packet!(
    /// PUBREC: first acknowledgement of a QoS 2 PUBLISH (3.1.1 §3.5, 5.0 §3.5).
    PubRec,
    PubRecReasonCode
);
ack_packet!(
    /// PUBREL: releases a QoS 2 PUBLISH (3.1.1 §3.6, 5.0 §3.6).
    PubRel,
    PubRelReasonCode
);
ack_packet!(
    /// PUBCOMP: completes a QoS 2 exchange (3.1.1 §3.7, 5.0 §3.7).
    PubComp,
    PubCompReasonCode
);

/// Retain Handling of a subscription (5.0 §3.8.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RetainHandling {
    /// 0: send retained messages when subscribing.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription did not exist yet.
    SendAtSubscribeIfNew = 1,
    /// 2: do not send retained messages.
    DoNotSend = 2,
}

/// Subscription Options (3.1.1 §3.8.3.1 has only the QoS; 5.0 §3.8.3.1 adds the rest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: QoS,
    /// No Local (5.0): do not forward the client's own publications back to it.
    pub no_local: bool,
    /// Retain As Published (5.0): keep the RETAIN flag when forwarding.
    pub retain_as_published: bool,
    /// Retain Handling (5.0).
    pub retain_handling: RetainHandling,
}

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscription {
    /// The topic filter (may be a `$share/{group}/{filter}` shared subscription in 5.0).
    pub filter: TopicFilter,
    /// Its options.
    pub options: SubscriptionOptions,
}

impl Subscription {
    /// A subscription to `filter` at `qos` with default options.
    pub fn new(filter: TopicFilter, qos: QoS) -> Self {
        Self {
            filter,
            options: SubscriptionOptions {
                qos,
                ..SubscriptionOptions::default()
            },
        }
    }
}

/// SUBSCRIBE (3.1.1 §3.8, 5.0 §3.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscribe {
    /// Packet identifier (not 0).
    pub packet_id: u16,
    /// The filters, at least one.
    pub subscriptions: Vec<Subscription>,
    /// SUBSCRIBE properties (5.0: one Subscription Identifier, User Properties).
    pub properties: Properties,
}

/// SUBACK (3.1.1 §3.9, 5.0 §3.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubAck {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: u16,
    /// One code per filter of the SUBSCRIBE, in order.
    pub reason_codes: Vec<SubAckReasonCode>,
    /// SUBACK properties (5.0: Reason String, User Properties).
    pub properties: Properties,
}

/// UNSUBSCRIBE (3.1.1 §3.10, 5.0 §3.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unsubscribe {
    /// Packet identifier (not 0).
    pub packet_id: u16,
    /// The filters, at least one.
    pub filters: Vec<TopicFilter>,
    /// UNSUBSCRIBE properties (5.0: User Properties).
    pub properties: Properties,
}

/// UNSUBACK (3.1.1 §3.11, 5.0 §3.11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnsubAck {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: u16,
    /// One code per filter (5.0); empty in 3.1.1, which has no payload.
    pub reason_codes: Vec<UnsubAckReasonCode>,
    /// UNSUBACK properties (5.0: Reason String, User Properties).
    pub properties: Properties,
}

/// PINGREQ (3.1.1 §3.12, 5.0 §3.12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PingReq;

/// PINGRESP (3.1.1 §3.13, 5.0 §3.13).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PingResp;

/// DISCONNECT (3.1.1 §3.14, 5.0 §3.14). Sent by either side in 5.0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Disconnect {
    /// The reason (always Normal Disconnection in 3.1.1).
    pub reason_code: DisconnectReasonCode,
    /// DISCONNECT properties (5.0); empty in 3.1.1.
    pub properties: Properties,
}

impl Disconnect {
    /// A normal disconnection without properties.
    pub fn new() -> Self {
        Self {
            reason_code: DisconnectReasonCode::NormalDisconnection,
            properties: Properties::new(),
        }
    }
}

impl Default for Disconnect {
    fn default() -> Self {
        Self::new()
    }
}

/// AUTH: extended authentication exchange (5.0 §3.15; not in 3.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Auth {
    /// The reason code.
    pub reason_code: AuthReasonCode,
    /// AUTH properties (Authentication Method and Data, Reason String, User Properties).
    pub properties: Properties,
}
