//! MQTT 3.1.1 and 5.0: the codec and the sans-IO sessions.
//!
//! # Entry points
//!
//! - [`Decoder`]: a streaming decoder. [`Decoder::decode`] takes a `&mut BytesMut` holding what
//!   was received so far and returns `Ok(Some(packet))` for each complete packet, `Ok(None)` when
//!   more bytes are needed (consuming nothing) and `Err(DecodeError)` for a malformed packet.
//!   [`Decoder::decode_frame`] works on a [`Bytes`](bytes::Bytes) frame and
//!   [`Decoder::frame_len`] frames a `&[u8]` without copying, so the core works without `std`.
//!   - Protocol version: [`Decoder::new`] learns it from the CONNECT it decodes (a server);
//!     [`Decoder::with_version`] / [`Decoder::set_protocol_version`] set it (a client).
//!   - Maximum packet size: [`Decoder::set_max_packet_size`], default 1 MiB
//!     ([`DEFAULT_MAX_PACKET_SIZE`]), at most the protocol's 256 MiB
//!     ([`PROTOCOL_MAX_PACKET_SIZE`]); checked from the fixed header before anything is buffered.
//!   - Topic Alias Maximum: [`Decoder::set_topic_alias_maximum`] refuses aliases above the value
//!     this side announced (off by default; an alias of 0 is always refused).
//! - [`Encoder`]: [`Encoder::encode`] writes a [`Packet`] into a `&mut BytesMut` with an exact
//!   Remaining Length, or returns an [`EncodeError`] for a packet that cannot be legal. It has
//!   the same two settings. The free function [`encode`] does the same with default limits;
//!   [`Encoder::encode_to_vec`] returns a `Vec<u8>`.
//! - [`Packet`]: one variant and one struct per control packet; PUBLISH topic and payload are
//!   slices of the received frame ([`TopicName`] and [`Bytes`](bytes::Bytes)).
//! - [`TopicName`] and [`TopicFilter`] are checked against the topic rules when they are made
//!   (or by the decoder), so the encoder does not scan topics and filters again.
//! - With the `tokio` feature, `MqttCodec` implements tokio-util's `Decoder` and `Encoder`.
//!
//! ```
//! use bytes::BytesMut;
//! use iot_protocol::mqtt::{Decoder, Encoder, Packet, ProtocolVersion, Publish, QoS, TopicName};
//!
//! let topic = TopicName::new("sensors/42/temp")?; // topic rules are checked here, once
//! let mut publish = Publish::new(topic, &b"21.5"[..]);
//! publish.qos = QoS::AtLeastOnce;
//! publish.packet_id = 7;
//!
//! let mut wire = BytesMut::new();
//! Encoder::new(ProtocolVersion::V5).encode(&Packet::Publish(publish.clone()), &mut wire)?;
//!
//! let mut decoder = Decoder::with_version(ProtocolVersion::V5);
//! let mut partial = wire.split_to(5);
//! assert_eq!(decoder.decode(&mut partial)?, None); // not complete yet, nothing consumed
//! partial.unsplit(wire);
//! assert_eq!(decoder.decode(&mut partial)?, Some(Packet::Publish(publish)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What this module does not do
//!
//! It keeps no session state: packet identifier allocation, QoS 1/2 retransmission, topic
//! alias mapping, keep alive and flow control belong to the session layer. It does not check
//! that a Payload Format Indicator of 1 comes with a UTF-8 payload (5.0 §3.3.2.3.2 makes that
//! check optional).

use alloc::boxed::Box;

mod decode;
mod encode;
pub mod error;
mod packets;
mod properties;
pub mod reason;
pub mod session;
mod string;
mod wire;

#[cfg(feature = "tokio")]
mod codec_tokio;

#[cfg(feature = "tokio")]
pub use codec_tokio::{CodecError, MqttCodec};
pub use decode::{DEFAULT_MAX_PACKET_SIZE, Decoder, PROTOCOL_MAX_PACKET_SIZE};
pub use encode::{Encoder, encode};
pub use error::{DecodeError, EncodeError};
pub use packets::{
    Auth, ConnAck, Connect, Disconnect, PingReq, PingResp, PubAck, PubComp, PubRec, PubRel,
    Publish, RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck,
    Unsubscribe, Will,
};
pub use properties::{PayloadFormat, Properties, PropertyContext, PropertyId, PropertyType};
pub use reason::{
    AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, PubAckReasonCode, PubCompReasonCode,
    PubRecReasonCode, PubRelReasonCode, SubAckReasonCode, UnsubAckReasonCode,
};
pub use string::{MqttString, TopicFilter, TopicName};

/// The protocol version, from the CONNECT protocol level (3.1.1 §3.1.2.2, 5.0 §3.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1, protocol level 4.
    V311 = 4,
    /// MQTT 5.0, protocol level 5.
    V5 = 5,
}

impl ProtocolVersion {
    /// The protocol level byte.
    pub const fn level(self) -> u8 {
        self as u8
    }
}

/// Quality of service (3.1.1 §4.3, 5.0 §4.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QoS {
    /// QoS 0: at most once.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: at least once.
    AtLeastOnce = 1,
    /// QoS 2: exactly once.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for a wire value 0–2.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::AtMostOnce),
            1 => Some(Self::AtLeastOnce),
            2 => Some(Self::ExactlyOnce),
            _ => None,
        }
    }
}

impl TryFrom<u8> for QoS {
    type Error = DecodeError;
    fn try_from(value: u8) -> Result<Self, DecodeError> {
        Self::from_u8(value).ok_or(DecodeError::InvalidQoS)
    }
}

/// The control packet types (3.1.1 §2.2.1, 5.0 §2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketType {
    /// 1: CONNECT.
    Connect = 1,
    /// 2: CONNACK.
    ConnAck = 2,
    /// 3: PUBLISH.
    Publish = 3,
    /// 4: PUBACK.
    PubAck = 4,
    /// 5: PUBREC.
    PubRec = 5,
    /// 6: PUBREL.
    PubRel = 6,
    /// 7: PUBCOMP.
    PubComp = 7,
    /// 8: SUBSCRIBE.
    Subscribe = 8,
    /// 9: SUBACK.
    SubAck = 9,
    /// 10: UNSUBSCRIBE.
    Unsubscribe = 10,
    /// 11: UNSUBACK.
    UnsubAck = 11,
    /// 12: PINGREQ.
    PingReq = 12,
    /// 13: PINGRESP.
    PingResp = 13,
    /// 14: DISCONNECT.
    Disconnect = 14,
    /// 15: AUTH (MQTT 5 only).
    Auth = 15,
}

impl PacketType {
    /// The type for a fixed-header nibble (0 is reserved).
    pub const fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }
}

/// An MQTT control packet, in either direction (3.1.1 §3, 5.0 §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Packet {
    /// CONNECT (boxed: it is the largest packet and comes once per connection).
    Connect(Box<Connect>),
    /// CONNACK.
    ConnAck(ConnAck),
    /// PUBLISH.
    Publish(Publish),
    /// PUBACK.
    PubAck(PubAck),
    /// PUBREC.
    PubRec(PubRec),
    /// PUBREL.
    PubRel(PubRel),
    /// PUBCOMP.
    PubComp(PubComp),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBACK.
    SubAck(SubAck),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBACK.
    UnsubAck(UnsubAck),
    /// PINGREQ.
    PingReq(PingReq),
    /// PINGRESP.
    PingResp(PingResp),
    /// DISCONNECT.
    Disconnect(Disconnect),
    /// AUTH (MQTT 5 only).
    Auth(Auth),
}

impl Packet {
    /// The control packet type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq(_) => PacketType::PingReq,
            Self::PingResp(_) => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }
}

macro_rules! packet_from {
    ($($name:ident),+) => {$(
        impl From<$name> for Packet {
            fn from(p: $name) -> Self {
                Self::$name(p)
            }
        }
    )+};
}

impl From<Connect> for Packet {
    fn from(p: Connect) -> Self {
        Self::Connect(Box::new(p))
    }
}

packet_from!(
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    PingReq,
    PingResp,
    Disconnect,
    Auth
);
