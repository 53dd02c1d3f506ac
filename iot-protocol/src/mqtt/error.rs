//! Errors of the MQTT codec: [`DecodeError`] for bytes that are not a legal packet and
//! [`EncodeError`] for a [`Packet`](super::Packet) that cannot be put on the wire.
//!
//! Every variant names the rule it enforces, with the section of the MQTT 3.1.1 (OASIS, 2014) or
//! MQTT 5.0 (OASIS, 2019) specification where that rule is written. Both enums are `Copy + Eq`
//! so that a test can say exactly which error it expects.

use super::{PacketType, reason::DisconnectReasonCode};
use crate::topic::TopicError;

/// Why a byte sequence is not a legal MQTT control packet.
///
/// "Not enough bytes yet" is never an error: the decoder returns `Ok(None)` for it.
/// [`DecodeError::disconnect_reason`] gives the MQTT 5 reason code a server or client sends in
/// the DISCONNECT (or CONNACK) that closes the connection after the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The packet type nibble is 0, or 15 (AUTH) on an MQTT 3.1.1 connection
    /// (3.1.1 §2.2.1, 5.0 §2.1.2).
    #[error("reserved control packet type {0} (MQTT 3.1.1 §2.2.1, MQTT 5.0 §2.1.2)")]
    ReservedPacketType(u8),
    /// The flags nibble of the fixed header is not the one the packet type requires
    /// (3.1.1 §2.2.2, 5.0 §2.1.3): 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 otherwise.
    #[error(
        "fixed header flags {flags:#06b} are invalid for {packet_type:?} (MQTT 3.1.1 §2.2.2, MQTT 5.0 §2.1.3)"
    )]
    InvalidFixedHeaderFlags {
        /// The packet type of the fixed header.
        packet_type: PacketType,
        /// The four flag bits that were received.
        flags: u8,
    },
    /// A PUBLISH with both QoS bits set (3.1.1 §3.3.1.2, 5.0 §3.3.1.2), a Will QoS of 3
    /// (3.1.1 §3.1.2.6, 5.0 §3.1.2.6) or a subscription asking for QoS 3 (3.1.1 §3.8.3.1,
    /// 5.0 §3.8.3.1).
    #[error("QoS 3 is not a QoS level (MQTT 3.1.1 §3.3.1.2, MQTT 5.0 §3.3.1.2)")]
    InvalidQoS,
    /// A PUBLISH at QoS 0 with the DUP flag set (3.1.1 §3.3.1.1, 5.0 §3.3.1.1).
    #[error("DUP flag set on a QoS 0 PUBLISH (MQTT 3.1.1 §3.3.1.1, MQTT 5.0 §3.3.1.1)")]
    DupWithQoS0,
    /// A Variable Byte Integer (the Remaining Length, a Property Length or a Subscription
    /// Identifier) runs over 4 bytes (3.1.1 §2.2.3, 5.0 §1.5.5).
    #[error("variable byte integer longer than 4 bytes (MQTT 3.1.1 §2.2.3, MQTT 5.0 §1.5.5)")]
    MalformedVariableByteInteger,
    /// The packet is larger than the decoder's maximum packet size. Detected from the fixed
    /// header, before the body is buffered (5.0 §3.1.2.11.4).
    #[error(
        "packet of {size} bytes exceeds the maximum packet size of {max} bytes (MQTT 5.0 §3.1.2.11.4)"
    )]
    PacketTooLarge {
        /// The size of the whole packet (fixed header included) announced by its header.
        size: u32,
        /// The configured maximum.
        max: u32,
    },
    /// A packet whose Remaining Length is fixed by the specification has another one: PINGREQ,
    /// PINGRESP and 3.1.1 DISCONNECT take 0; 3.1.1 CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP and
    /// UNSUBACK take 2; their MQTT 5 forms take at least 2 (at least 3 for CONNACK).
    #[error(
        "remaining length {remaining_length} is not allowed for {packet_type:?} (MQTT 3.1.1 §3, MQTT 5.0 §3)"
    )]
    InvalidRemainingLength {
        /// The packet type of the fixed header.
        packet_type: PacketType,
        /// The Remaining Length that was received.
        remaining_length: u32,
    },
    /// A length inside the packet (string, binary data, property length) runs past the end of
    /// the packet, or a mandatory field is missing (3.1.1 §1.5.3, 5.0 §1.5.4, §2.2.2.1).
    #[error("a length field runs past the end of the packet (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4)")]
    UnexpectedEndOfPacket,
    /// Bytes are left over after the last field of a packet whose layout is complete
    /// (3.1.1 §2.2.3, 5.0 §2.1.4: the Remaining Length counts exactly the variable header and
    /// the payload).
    #[error("{packet_type:?} has bytes after its last field (MQTT 3.1.1 §2.2.3, MQTT 5.0 §2.1.4)")]
    TrailingBytes {
        /// The packet type of the fixed header.
        packet_type: PacketType,
    },
    /// A packet other than CONNECT arrived before the protocol version is known: set it on the
    /// decoder, or decode the CONNECT first.
    #[error("protocol version unknown: decode a CONNECT first or set the version on the decoder")]
    ProtocolVersionUnknown,
    /// The CONNECT protocol name is not `MQTT` (3.1.1 §3.1.2.1, 5.0 §3.1.2.1).
    #[error("CONNECT protocol name is not \"MQTT\" (MQTT 3.1.1 §3.1.2.1, MQTT 5.0 §3.1.2.1)")]
    InvalidProtocolName,
    /// The CONNECT protocol level is neither 4 (3.1.1) nor 5 (5.0) (3.1.1 §3.1.2.2, 5.0 §3.1.2.2).
    #[error("unsupported protocol level {0} (MQTT 3.1.1 §3.1.2.2, MQTT 5.0 §3.1.2.2)")]
    UnsupportedProtocolVersion(u8),
    /// The reserved bit 0 of the CONNECT flags is set (3.1.1 §3.1.2.3, 5.0 §3.1.2.3).
    #[error("reserved CONNECT flag is set (MQTT 3.1.1 §3.1.2.3, MQTT 5.0 §3.1.2.3)")]
    ConnectReservedFlagSet,
    /// Will QoS or Will Retain set while the Will Flag is 0 (3.1.1 §3.1.2.6–7, 5.0 §3.1.2.6–7).
    #[error(
        "Will QoS or Will Retain set without the Will Flag (MQTT 3.1.1 §3.1.2.6, MQTT 5.0 §3.1.2.6)"
    )]
    WillFlagsWithoutWill,
    /// The 3.1.1 Password Flag is set while the User Name Flag is not (3.1.1 §3.1.2.9).
    #[error("password without a user name (MQTT 3.1.1 §3.1.2.9)")]
    PasswordWithoutUsername,
    /// The reserved bits 7–1 of the CONNACK Acknowledge Flags are set, or Session Present is
    /// set with a non-zero return/reason code (3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1).
    #[error("invalid CONNACK acknowledge flags (MQTT 3.1.1 §3.2.2.2, MQTT 5.0 §3.2.2.1)")]
    InvalidConnAckFlags,
    /// A string is not well-formed UTF-8 (3.1.1 §1.5.3, 5.0 §1.5.4).
    #[error("string is not well-formed UTF-8 (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4)")]
    InvalidUtf8,
    /// A string contains U+0000 (3.1.1 §1.5.3, 5.0 §1.5.4).
    #[error("string contains the null character U+0000 (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4)")]
    NullCharacter,
    /// A PUBLISH topic, Will Topic or Response Topic is not a valid topic name
    /// (3.1.1 §4.7, 5.0 §4.7, §3.3.2.1).
    #[error("invalid topic name: {0}")]
    InvalidTopicName(TopicError),
    /// A SUBSCRIBE or UNSUBSCRIBE topic filter is not valid (3.1.1 §4.7, 5.0 §4.7, §4.8.2).
    #[error("invalid topic filter: {0}")]
    InvalidTopicFilter(TopicError),
    /// A packet identifier is 0 (3.1.1 §2.3.1, 5.0 §2.2.1).
    #[error("packet identifier 0 (MQTT 3.1.1 §2.3.1, MQTT 5.0 §2.2.1)")]
    PacketIdentifierZero,
    /// A SUBSCRIBE or UNSUBSCRIBE carries no topic filter (3.1.1 §3.8.3, §3.10.3;
    /// 5.0 §3.8.3, §3.10.3).
    #[error("SUBSCRIBE or UNSUBSCRIBE without a topic filter (MQTT 3.1.1 §3.8.3, MQTT 5.0 §3.8.3)")]
    NoTopicFilters,
    /// A SUBACK or an MQTT 5 UNSUBACK carries no reason code (3.1.1 §3.9.3, 5.0 §3.9.3, §3.11.3).
    #[error("SUBACK or UNSUBACK without a reason code (MQTT 3.1.1 §3.9.3, MQTT 5.0 §3.9.3)")]
    NoReasonCodes,
    /// Reserved bits of the subscription options are set (3.1.1 §3.8.3.1, 5.0 §3.8.3.1).
    #[error(
        "reserved bits of the subscription options are set (MQTT 3.1.1 §3.8.3.1, MQTT 5.0 §3.8.3.1)"
    )]
    InvalidSubscriptionOptions,
    /// Retain Handling has the reserved value 3 (5.0 §3.8.3.1).
    #[error("Retain Handling 3 is reserved (MQTT 5.0 §3.8.3.1)")]
    InvalidRetainHandling,
    /// No Local is set on a shared subscription (5.0 §3.8.3.1).
    #[error("No Local set on a shared subscription (MQTT 5.0 §3.8.3.1)")]
    NoLocalOnSharedSubscription,
    /// A return/reason code that is not defined for this packet type (3.1.1 §3.2.2.3, §3.9.3;
    /// 5.0 §2.4 and the Reason Code table of each packet).
    #[error("reason code {code:#04x} is not defined for {packet_type:?} (MQTT 5.0 §2.4)")]
    InvalidReasonCode {
        /// The packet type of the fixed header.
        packet_type: PacketType,
        /// The code that was received.
        code: u8,
    },
    /// A property identifier that MQTT 5 does not define (5.0 §2.2.2.2).
    #[error("unknown property identifier {0:#04x} (MQTT 5.0 §2.2.2.2)")]
    UnknownProperty(u8),
    /// A property other than User Property (or Subscription Identifier in PUBLISH) appears twice
    /// (5.0 §2.2.2.2 and each property's section: "It is a Protocol Error to include … more than
    /// once").
    #[error("property {0:#04x} appears more than once (MQTT 5.0 §2.2.2.2)")]
    DuplicateProperty(u8),
    /// A property appears in a packet that does not allow it (5.0 §2.2.2.2, table 2-4). Will
    /// Properties count as CONNECT.
    #[error("property {id:#04x} is not allowed in {packet_type:?} (MQTT 5.0 §2.2.2.2)")]
    PropertyNotAllowed {
        /// The property identifier.
        id: u8,
        /// The packet it appeared in.
        packet_type: PacketType,
    },
    /// A property has a value the specification forbids: a Payload Format Indicator, Maximum
    /// QoS or boolean property other than 0 or 1, a Receive Maximum, Maximum Packet Size or
    /// Subscription Identifier of 0 (5.0 §3.1.2.11, §3.2.2.3, §3.3.2.3).
    #[error("property {0:#04x} has a value the specification forbids (MQTT 5.0 §2.2.2.2)")]
    InvalidPropertyValue(u8),
    /// A Topic Alias of 0 (5.0 §3.3.2.3.4). A receiver answers it with DISCONNECT 0x94
    /// (Topic Alias invalid), not 0x82.
    #[error("topic alias 0 (MQTT 5.0 §3.3.2.3.4)")]
    TopicAliasZero,
    /// A Topic Alias above the Topic Alias Maximum set on the decoder (5.0 §3.3.2.3.4); with a
    /// maximum of 0, an alias the receiver never allowed. Answered with DISCONNECT 0x94.
    #[error("topic alias {alias} exceeds the topic alias maximum {max} (MQTT 5.0 §3.3.2.3.4)")]
    TopicAliasInvalid {
        /// The alias received.
        alias: u16,
        /// The maximum this side announced.
        max: u16,
    },
}

impl DecodeError {
    /// The MQTT 5 reason code to send in the DISCONNECT (or CONNACK) that closes a connection
    /// because of this error (5.0 §4.13): 0x95 for an oversized packet, 0x94 for a topic alias
    /// of 0, 0x90/0x8F for bad topics, 0x82 (Protocol Error) for the rules the specification
    /// calls Protocol Errors, and 0x81 (Malformed Packet) for the rest.
    pub fn disconnect_reason(&self) -> DisconnectReasonCode {
        match self {
            Self::PacketTooLarge { .. } => DisconnectReasonCode::PacketTooLarge,
            Self::TopicAliasZero | Self::TopicAliasInvalid { .. } => {
                DisconnectReasonCode::TopicAliasInvalid
            }
            Self::InvalidTopicName(_) => DisconnectReasonCode::TopicNameInvalid,
            Self::InvalidTopicFilter(_) => DisconnectReasonCode::TopicFilterInvalid,
            Self::DuplicateProperty(_)
            | Self::PropertyNotAllowed { .. }
            | Self::InvalidPropertyValue(_)
            | Self::NoTopicFilters
            | Self::NoLocalOnSharedSubscription
            | Self::PacketIdentifierZero
            | Self::ProtocolVersionUnknown => DisconnectReasonCode::ProtocolError,
            _ => DisconnectReasonCode::MalformedPacket,
        }
    }
}

/// Why a [`Packet`](super::Packet) cannot be encoded as a legal MQTT control packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The encoded packet would be larger than the encoder's maximum packet size, or than the
    /// protocol's 268 435 455-byte Remaining Length (3.1.1 §2.2.3, 5.0 §1.5.5, §3.1.2.11.4).
    #[error("encoded packet of {size} bytes exceeds the maximum packet size of {max} bytes")]
    PacketTooLarge {
        /// The size the packet would have (saturated at `u32::MAX`).
        size: u32,
        /// The limit.
        max: u32,
    },
    /// A string or binary field is longer than 65 535 bytes (3.1.1 §1.5.3, 5.0 §1.5.4, §1.5.6).
    #[error("a string or binary field of {len} bytes exceeds 65535 bytes (MQTT 5.0 §1.5.4)")]
    FieldTooLong {
        /// The field length in bytes (saturated at `u32::MAX`).
        len: u32,
    },
    /// A string contains U+0000 (3.1.1 §1.5.3, 5.0 §1.5.4).
    #[error("string contains the null character U+0000 (MQTT 5.0 §1.5.4)")]
    NullCharacter,
    /// A PUBLISH topic, Will Topic or Response Topic is not a valid topic name (wildcards, empty
    /// without a topic alias, …) (5.0 §4.7, §3.3.2.1).
    #[error("invalid topic name: {0}")]
    InvalidTopicName(TopicError),
    /// A packet identifier of 0 where one is required (5.0 §2.2.1).
    #[error("packet identifier 0 where one is required (MQTT 5.0 §2.2.1)")]
    PacketIdentifierZero,
    /// A QoS 0 PUBLISH with a packet identifier (5.0 §2.2.1: QoS 0 PUBLISH has none).
    #[error("packet identifier on a QoS 0 PUBLISH (MQTT 5.0 §2.2.1)")]
    PacketIdentifierWithQoS0,
    /// A QoS 0 PUBLISH with DUP set (5.0 §3.3.1.1).
    #[error("DUP flag on a QoS 0 PUBLISH (MQTT 5.0 §3.3.1.1)")]
    DupWithQoS0,
    /// A SUBSCRIBE or UNSUBSCRIBE without a topic filter, or a SUBACK/UNSUBACK without a reason
    /// code (5.0 §3.8.3, §3.10.3, §3.9.3, §3.11.3).
    #[error("SUBSCRIBE/UNSUBSCRIBE without a filter, or SUBACK/UNSUBACK without a reason code")]
    EmptyPayload,
    /// AUTH does not exist in MQTT 3.1.1 (3.1.1 §2.2.1).
    #[error("AUTH does not exist in MQTT 3.1.1")]
    PacketNotInVersion,
    /// MQTT 3.1.1 packets carry no properties (5.0 §2.2.2 is new in 5.0). A PUBLISH is the
    /// exception: on a 3.1.1 connection its properties are left out, as a broker does when it
    /// forwards a 5.0 message to a 3.1.1 subscriber.
    #[error("properties cannot be sent in MQTT 3.1.1")]
    PropertiesNotInVersion,
    /// The reason code has no MQTT 3.1.1 equivalent (3.1.1 §3.2.2.3, §3.9.3; UNSUBACK, PUBACK,
    /// PUBREC, PUBREL, PUBCOMP and DISCONNECT carry none in 3.1.1).
    #[error("reason code {0:#04x} cannot be sent in MQTT 3.1.1")]
    ReasonCodeNotInVersion(u8),
    /// No Local, Retain As Published or Retain Handling set in MQTT 3.1.1 (5.0 §3.8.3.1 is new).
    #[error("MQTT 5 subscription options cannot be sent in MQTT 3.1.1")]
    SubscriptionOptionsNotInVersion,
    /// No Local on a shared subscription (5.0 §3.8.3.1).
    #[error("No Local on a shared subscription (MQTT 5.0 §3.8.3.1)")]
    NoLocalOnSharedSubscription,
    /// A CONNACK with Session Present and a non-success reason code (3.1.1 §3.2.2.2,
    /// 5.0 §3.2.2.1.1).
    #[error("CONNACK with Session Present and an error code (MQTT 5.0 §3.2.2.1.1)")]
    SessionPresentWithError,
    /// A password without a user name in MQTT 3.1.1 (3.1.1 §3.1.2.9).
    #[error("password without a user name (MQTT 3.1.1 §3.1.2.9)")]
    PasswordWithoutUsername,
    /// A property set on a packet that does not allow it (5.0 §2.2.2.2). Will Properties count
    /// as CONNECT.
    #[error("property {id:#04x} is not allowed in {packet_type:?} (MQTT 5.0 §2.2.2.2)")]
    PropertyNotAllowed {
        /// The property identifier.
        id: u8,
        /// The packet it was set on.
        packet_type: PacketType,
    },
    /// A property value the specification forbids: Topic Alias, Receive Maximum, Maximum Packet
    /// Size or Subscription Identifier of 0, a Subscription Identifier above 268 435 455, a
    /// Maximum QoS of 2, several Subscription Identifiers in a SUBSCRIBE (5.0 §3.1.2.11, §3.2.2.3,
    /// §3.3.2.3, §3.8.2.1).
    #[error("property {0:#04x} has a value the specification forbids (MQTT 5.0 §2.2.2.2)")]
    InvalidPropertyValue(u8),
}
