//! Errors of the session layer: [`ProtocolError`] for a peer that broke the protocol (it ends the
//! connection with a reason code) and [`PublishError`] / [`SessionError`] for a request of the
//! caller that cannot be carried out.

use crate::mqtt::{DecodeError, EncodeError, PacketType, QoS, reason::DisconnectReasonCode};
use crate::topic::TopicError;

/// How the peer broke the protocol. The session closes the connection; in MQTT 5 it first sends
/// a DISCONNECT (or a CONNACK, during the handshake) carrying [`ProtocolError::reason_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes received are not a legal packet (3.1.1 §4.8, 5.0 §4.13).
    #[error("malformed packet: {0}")]
    Decode(DecodeError),
    /// The first packet from a client is not a CONNECT (3.1.1 §3.1, MQTT-3.1.0-1; 5.0 §3.1).
    #[error("the first packet is {0:?}, not CONNECT (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1)")]
    ExpectedConnect(PacketType),
    /// A second CONNECT on the same connection (3.1.1 MQTT-3.1.0-2, 5.0 §3.1).
    #[error("a second CONNECT on one connection (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1)")]
    SecondConnect,
    /// A packet that the peer's role never sends, or that may not arrive in the current state
    /// (for example a PUBLISH before the CONNACK, or a SUBSCRIBE sent by a server).
    #[error("unexpected {0:?} packet (MQTT 5.0 §3)")]
    UnexpectedPacket(PacketType),
    /// A Topic Alias of 0 or above the Topic Alias Maximum that was announced
    /// (5.0 §3.3.2.3.4).
    #[error("topic alias {0} is 0 or above the announced maximum (MQTT 5.0 §3.3.2.3.4)")]
    TopicAliasInvalid(u16),
    /// A PUBLISH with an empty topic and a Topic Alias that has no mapping yet (5.0 §3.3.4).
    #[error("topic alias {0} is used before it was mapped to a topic (MQTT 5.0 §3.3.4)")]
    TopicAliasUnknown(u16),
    /// More unacknowledged QoS 1/2 PUBLISH packets than the Receive Maximum that was announced
    /// (5.0 §3.3.4).
    #[error("more QoS 1/2 PUBLISH packets in flight than Receive Maximum (MQTT 5.0 §3.3.4)")]
    ReceiveMaximumExceeded,
    /// A PUBLISH with a QoS above the Maximum QoS the server announced (5.0 §3.2.2.3.4).
    #[error("PUBLISH at {0:?}, above the announced Maximum QoS (MQTT 5.0 §3.2.2.3.4)")]
    QoSNotSupported(QoS),
    /// A PUBLISH with RETAIN set while the server announced Retain Available 0
    /// (5.0 §3.2.2.3.5).
    #[error("PUBLISH with RETAIN while retain is not available (MQTT 5.0 §3.2.2.3.5)")]
    RetainNotSupported,
    /// An AUTH packet on a connection whose CONNECT named no Authentication Method, or with
    /// another method (5.0 §4.12).
    #[error("AUTH packet without a matching Authentication Method (MQTT 5.0 §4.12)")]
    UnexpectedAuth,
    /// A DISCONNECT that sets a non-zero Session Expiry Interval when the CONNECT set 0
    /// (5.0 §3.14.2.2.2).
    #[error("DISCONNECT sets a Session Expiry Interval after CONNECT set 0 (MQTT 5.0 §3.14.2.2.2)")]
    SessionExpiryAfterZero,
    /// The server did not receive a CONNECT within the configured connect timeout.
    #[error("no CONNECT within the connect timeout")]
    ConnectTimeout,
    /// The server did not answer the CONNECT (CONNACK) within the configured connect timeout.
    #[error("no CONNACK within the connect timeout")]
    ConnAckTimeout,
    /// The peer's packet could not be answered because our answer cannot be encoded.
    #[error("could not encode a reply: {0}")]
    Encode(EncodeError),
}

impl ProtocolError {
    /// The MQTT 5 reason code that reports this error in a DISCONNECT (5.0 §3.14.2.1).
    pub fn reason_code(&self) -> DisconnectReasonCode {
        match self {
            Self::Decode(e) => e.disconnect_reason(),
            Self::TopicAliasInvalid(_) => DisconnectReasonCode::TopicAliasInvalid,
            Self::ReceiveMaximumExceeded => DisconnectReasonCode::ReceiveMaximumExceeded,
            Self::QoSNotSupported(_) => DisconnectReasonCode::QoSNotSupported,
            Self::RetainNotSupported => DisconnectReasonCode::RetainNotSupported,
            Self::ConnectTimeout | Self::ConnAckTimeout => DisconnectReasonCode::MaximumConnectTime,
            Self::Encode(_) => DisconnectReasonCode::ImplementationSpecificError,
            Self::ExpectedConnect(_)
            | Self::SecondConnect
            | Self::UnexpectedPacket(_)
            | Self::TopicAliasUnknown(_)
            | Self::UnexpectedAuth
            | Self::SessionExpiryAfterZero => DisconnectReasonCode::ProtocolError,
        }
    }
}

/// Why a message could not be accepted for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The topic is not a valid topic name (3.1.1 §4.7, 5.0 §4.7).
    #[error("invalid topic name: {0}")]
    InvalidTopic(TopicError),
    /// The encoded PUBLISH would exceed the peer's Maximum Packet Size (5.0 §3.1.2.11.4,
    /// §3.2.2.3.6): it is not sent.
    #[error(
        "PUBLISH of {size} bytes exceeds the peer's Maximum Packet Size of {max} bytes (MQTT 5.0 §3.2.2.3.6)"
    )]
    PacketTooLarge {
        /// The encoded size.
        size: u32,
        /// The peer's limit.
        max: u32,
    },
    /// The QoS is above the Maximum QoS the server announced (5.0 §3.2.2.3.4).
    #[error("{0:?} is above the server's Maximum QoS (MQTT 5.0 §3.2.2.3.4)")]
    QoSNotSupported(QoS),
    /// RETAIN is set but the server announced Retain Available 0 (5.0 §3.2.2.3.5).
    #[error("the server does not support retained messages (MQTT 5.0 §3.2.2.3.5)")]
    RetainNotSupported,
    /// The queue of messages waiting for a send quota or a connection is full (see the
    /// `max_queued` setting).
    #[error("the message queue is full ({0} messages)")]
    QueueFull(usize),
    /// Every packet identifier is in use by messages in flight or queued.
    #[error("all 65535 packet identifiers are in use")]
    PacketIdsExhausted,
    /// A QoS 0 message cannot be queued while there is no connection.
    #[error("QoS 0 message while not connected")]
    NotConnected,
    /// The message cannot be encoded.
    #[error("cannot encode the PUBLISH: {0}")]
    Encode(EncodeError),
}

/// Why a call of the caller does not fit the session's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The call needs an established connection (after CONNACK).
    #[error("the session is not connected")]
    NotConnected,
    /// The call is only valid while a CONNECT waits for the caller's decision (server), or
    /// before a CONNECT was sent (client).
    #[error("the call does not fit the connection state")]
    InvalidState,
    /// No SUBSCRIBE with this packet identifier waits for an answer.
    #[error("no SUBSCRIBE with packet identifier {0} is waiting for an answer")]
    UnknownPacketId(u16),
    /// The number of reason codes does not match the number of topic filters.
    #[error("{given} reason codes for {expected} topic filters")]
    ReasonCodeCount {
        /// Filters in the SUBSCRIBE.
        expected: usize,
        /// Codes given.
        given: usize,
    },
    /// Every packet identifier is in use (65 535 packets in flight).
    #[error("all packet identifiers are in use")]
    PacketIdsExhausted,
    /// Enhanced authentication (MQTT 5 AUTH) was not negotiated on this connection.
    #[error("enhanced authentication is not in use on this connection (MQTT 5.0 §4.12)")]
    NoAuthenticationMethod,
    /// The packet cannot be encoded.
    #[error("cannot encode: {0}")]
    Encode(EncodeError),
}

/// Why stored bytes are not a session state written by
/// [`SessionState::to_bytes`](super::SessionState::to_bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    /// The bytes do not start with the `IOTS` magic.
    #[error("not a stored MQTT session (bad magic)")]
    BadMagic,
    /// A format version this build does not read.
    #[error("stored session format {0} is not supported")]
    UnsupportedFormat(u8),
    /// The bytes end in the middle of a field.
    #[error("stored session is truncated")]
    Truncated,
    /// Bytes are left after the last field.
    #[error("stored session has trailing bytes")]
    TrailingBytes,
    /// A field holds a value that cannot occur (bad UTF-8, a reserved option bit, an invalid
    /// topic filter, a packet other than PUBLISH).
    #[error("stored session holds an invalid value")]
    Invalid,
    /// A stored message is not a legal MQTT 5 PUBLISH.
    #[error("stored message: {0}")]
    Packet(DecodeError),
    /// A message cannot be written as a legal MQTT 5 PUBLISH.
    #[error("cannot store message: {0}")]
    Encode(EncodeError),
    /// More than 65 535 entries of a kind (or a string over 65 535 bytes).
    #[error("too many entries to store")]
    TooMany,
}
