//! MQTT 5 properties (5.0 §2.2.2): identifiers, their types, the packets each may appear in,
//! and [`Properties`], the decoded set.

use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};

use super::{
    DecodeError, EncodeError, MqttString, PacketType, QoS,
    wire::{self, Reader},
};

/// Where a property list sits: in a packet's variable header, or in the CONNECT Will Properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyContext {
    /// The property list of a packet's variable header.
    Packet(PacketType),
    /// The Will Properties in the CONNECT payload (5.0 §3.1.3.2).
    Will,
}

impl PropertyContext {
    const fn bit(self) -> u16 {
        match self {
            Self::Will => 1,
            Self::Packet(t) => 1 << (t as u8),
        }
    }

    /// The packet this context belongs to (Will Properties belong to CONNECT).
    pub const fn packet_type(self) -> PacketType {
        match self {
            Self::Will => PacketType::Connect,
            Self::Packet(t) => t,
        }
    }
}

/// The wire type of a property value (5.0 §2.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropertyType {
    /// One byte.
    Byte,
    /// Two Byte Integer.
    TwoByteInteger,
    /// Four Byte Integer.
    FourByteInteger,
    /// Variable Byte Integer.
    VariableByteInteger,
    /// UTF-8 Encoded String.
    Utf8String,
    /// Binary Data.
    BinaryData,
    /// UTF-8 String Pair.
    Utf8StringPair,
}

macro_rules! property_ids {
    ($($(#[$m:meta])* $name:ident = $id:literal, $ty:ident, [$($ctx:ident),*];)+) => {
        /// MQTT 5 property identifiers (5.0 §2.2.2.2, table 2-4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum PropertyId {
            $($(#[$m])* $name = $id,)+
        }

        impl PropertyId {
            /// Every property identifier, ascending.
            pub const ALL: &'static [Self] = &[$(Self::$name,)+];

            /// The identifier for a wire value, if MQTT 5 defines it.
            pub const fn from_u8(id: u8) -> Option<Self> {
                match id {
                    $($id => Some(Self::$name),)+
                    _ => None,
                }
            }

            /// The wire type of the property's value.
            pub const fn value_type(self) -> PropertyType {
                match self {
                    $(Self::$name => PropertyType::$ty,)+
                }
            }

            const fn mask(self) -> u16 {
                match self {
                    $(Self::$name => 0 $(| property_ids!(@bit $ctx))*,)+
                }
            }
        }
    };
    (@bit Will) => { 1u16 };
    (@bit $t:ident) => { 1u16 << (PacketType::$t as u8) };
}

property_ids! {
    /// 0x01 Payload Format Indicator (5.0 §3.3.2.3.2).
    PayloadFormatIndicator = 0x01, Byte, [Publish, Will];
    /// 0x02 Message Expiry Interval, seconds (5.0 §3.3.2.3.3).
    MessageExpiryInterval = 0x02, FourByteInteger, [Publish, Will];
    /// 0x03 Content Type (5.0 §3.3.2.3.9).
    ContentType = 0x03, Utf8String, [Publish, Will];
    /// 0x08 Response Topic (5.0 §3.3.2.3.5).
    ResponseTopic = 0x08, Utf8String, [Publish, Will];
    /// 0x09 Correlation Data (5.0 §3.3.2.3.6).
    CorrelationData = 0x09, BinaryData, [Publish, Will];
    /// 0x0B Subscription Identifier (5.0 §3.3.2.3.8, §3.8.2.1.2).
    SubscriptionIdentifier = 0x0B, VariableByteInteger, [Publish, Subscribe];
    /// 0x11 Session Expiry Interval, seconds (5.0 §3.1.2.11.2).
    SessionExpiryInterval = 0x11, FourByteInteger, [Connect, ConnAck, Disconnect];
    /// 0x12 Assigned Client Identifier (5.0 §3.2.2.3.7).
    AssignedClientIdentifier = 0x12, Utf8String, [ConnAck];
    /// 0x13 Server Keep Alive, seconds (5.0 §3.2.2.3.14).
    ServerKeepAlive = 0x13, TwoByteInteger, [ConnAck];
    /// 0x15 Authentication Method (5.0 §3.1.2.11.9).
    AuthenticationMethod = 0x15, Utf8String, [Connect, ConnAck, Auth];
    /// 0x16 Authentication Data (5.0 §3.1.2.11.10).
    AuthenticationData = 0x16, BinaryData, [Connect, ConnAck, Auth];
    /// 0x17 Request Problem Information (5.0 §3.1.2.11.7).
    RequestProblemInformation = 0x17, Byte, [Connect];
    /// 0x18 Will Delay Interval, seconds (5.0 §3.1.3.2.2).
    WillDelayInterval = 0x18, FourByteInteger, [Will];
    /// 0x19 Request Response Information (5.0 §3.1.2.11.6).
    RequestResponseInformation = 0x19, Byte, [Connect];
    /// 0x1A Response Information (5.0 §3.2.2.3.15).
    ResponseInformation = 0x1A, Utf8String, [ConnAck];
    /// 0x1C Server Reference (5.0 §3.2.2.3.16, §4.11).
    ServerReference = 0x1C, Utf8String, [ConnAck, Disconnect];
    /// 0x1F Reason String (5.0 §3.2.2.3.9 and the acknowledgements).
    ReasonString = 0x1F, Utf8String,
        [ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth];
    /// 0x21 Receive Maximum (5.0 §3.1.2.11.3).
    ReceiveMaximum = 0x21, TwoByteInteger, [Connect, ConnAck];
    /// 0x22 Topic Alias Maximum (5.0 §3.1.2.11.5).
    TopicAliasMaximum = 0x22, TwoByteInteger, [Connect, ConnAck];
    /// 0x23 Topic Alias (5.0 §3.3.2.3.4).
    TopicAlias = 0x23, TwoByteInteger, [Publish];
    /// 0x24 Maximum QoS (5.0 §3.2.2.3.4).
    MaximumQoS = 0x24, Byte, [ConnAck];
    /// 0x25 Retain Available (5.0 §3.2.2.3.5).
    RetainAvailable = 0x25, Byte, [ConnAck];
    /// 0x26 User Property (5.0 §3.1.2.11.8 and every packet's list).
    UserProperty = 0x26, Utf8StringPair,
        [Connect, ConnAck, Publish, Will, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck,
         Unsubscribe, UnsubAck, Disconnect, Auth];
    /// 0x27 Maximum Packet Size (5.0 §3.1.2.11.4).
    MaximumPacketSize = 0x27, FourByteInteger, [Connect, ConnAck];
    /// 0x28 Wildcard Subscription Available (5.0 §3.2.2.3.11).
    WildcardSubscriptionAvailable = 0x28, Byte, [ConnAck];
    /// 0x29 Subscription Identifier Available (5.0 §3.2.2.3.12).
    SubscriptionIdentifierAvailable = 0x29, Byte, [ConnAck];
    /// 0x2A Shared Subscription Available (5.0 §3.2.2.3.13).
    SharedSubscriptionAvailable = 0x2A, Byte, [ConnAck];
}

impl PropertyId {
    /// Whether the property may appear in `context` (5.0 §2.2.2.2, table 2-4).
    pub const fn allowed_in(self, context: PropertyContext) -> bool {
        self.mask() & context.bit() != 0
    }
}

/// The Payload Format Indicator (5.0 §3.3.2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    /// 0: unspecified bytes.
    Unspecified = 0,
    /// 1: UTF-8 encoded character data.
    Utf8 = 1,
}

/// The properties of an MQTT 5 packet (5.0 §2.2.2), or the Will Properties of a CONNECT.
///
/// Each property that may appear once is an `Option`; User Properties keep their order and
/// duplicates (5.0 §3.3.2.3.7); Subscription Identifiers are a list because a PUBLISH sent to a
/// subscriber carries one per matching subscription (5.0 §3.3.2.3.8). Which properties a packet
/// may carry is checked against [`PropertyId::allowed_in`] when decoding and encoding; on MQTT
/// 3.1.1 connections the set is always empty.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Properties {
    /// 0x01 Payload Format Indicator.
    pub payload_format_indicator: Option<PayloadFormat>,
    /// 0x02 Message Expiry Interval, seconds.
    pub message_expiry_interval: Option<u32>,
    /// 0x03 Content Type.
    pub content_type: Option<MqttString>,
    /// 0x08 Response Topic (a topic name: no wildcards).
    pub response_topic: Option<MqttString>,
    /// 0x09 Correlation Data.
    pub correlation_data: Option<Bytes>,
    /// 0x0B Subscription Identifiers, 1 to 268 435 455 (at most one in SUBSCRIBE).
    pub subscription_identifiers: Vec<u32>,
    /// 0x11 Session Expiry Interval, seconds.
    pub session_expiry_interval: Option<u32>,
    /// 0x12 Assigned Client Identifier.
    pub assigned_client_identifier: Option<MqttString>,
    /// 0x13 Server Keep Alive, seconds.
    pub server_keep_alive: Option<u16>,
    /// 0x15 Authentication Method.
    pub authentication_method: Option<MqttString>,
    /// 0x16 Authentication Data.
    pub authentication_data: Option<Bytes>,
    /// 0x17 Request Problem Information.
    pub request_problem_information: Option<bool>,
    /// 0x18 Will Delay Interval, seconds.
    pub will_delay_interval: Option<u32>,
    /// 0x19 Request Response Information.
    pub request_response_information: Option<bool>,
    /// 0x1A Response Information.
    pub response_information: Option<MqttString>,
    /// 0x1C Server Reference.
    pub server_reference: Option<MqttString>,
    /// 0x1F Reason String.
    pub reason_string: Option<MqttString>,
    /// 0x21 Receive Maximum (not 0).
    pub receive_maximum: Option<u16>,
    /// 0x22 Topic Alias Maximum.
    pub topic_alias_maximum: Option<u16>,
    /// 0x23 Topic Alias (not 0).
    pub topic_alias: Option<u16>,
    /// 0x24 Maximum QoS (0 or 1).
    pub maximum_qos: Option<QoS>,
    /// 0x25 Retain Available.
    pub retain_available: Option<bool>,
    /// 0x26 User Properties, in the order received, duplicates kept.
    pub user_properties: Vec<(MqttString, MqttString)>,
    /// 0x27 Maximum Packet Size (not 0).
    pub maximum_packet_size: Option<u32>,
    /// 0x28 Wildcard Subscription Available.
    pub wildcard_subscription_available: Option<bool>,
    /// 0x29 Subscription Identifier Available.
    pub subscription_identifier_available: Option<bool>,
    /// 0x2A Shared Subscription Available.
    pub shared_subscription_available: Option<bool>,
}

/// Lists only the properties that are set.
impl core::fmt::Debug for Properties {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Properties");
        macro_rules! opt {
            ($($field:ident),+) => {$(
                if let Some(v) = &self.$field {
                    d.field(stringify!($field), v);
                }
            )+};
        }
        opt!(
            payload_format_indicator,
            message_expiry_interval,
            content_type,
            response_topic,
            correlation_data
        );
        if !self.subscription_identifiers.is_empty() {
            d.field("subscription_identifiers", &self.subscription_identifiers);
        }
        opt!(
            session_expiry_interval,
            assigned_client_identifier,
            server_keep_alive,
            authentication_method,
            authentication_data,
            request_problem_information,
            will_delay_interval,
            request_response_information,
            response_information,
            server_reference,
            reason_string,
            receive_maximum,
            topic_alias_maximum,
            topic_alias,
            maximum_qos,
            retain_available
        );
        if !self.user_properties.is_empty() {
            d.field("user_properties", &self.user_properties);
        }
        opt!(
            maximum_packet_size,
            wildcard_subscription_available,
            subscription_identifier_available,
            shared_subscription_available
        );
        d.finish()
    }
}

impl Properties {
    /// An empty set.
    pub const fn new() -> Self {
        Self {
            payload_format_indicator: None,
            message_expiry_interval: None,
            content_type: None,
            response_topic: None,
            correlation_data: None,
            subscription_identifiers: Vec::new(),
            session_expiry_interval: None,
            assigned_client_identifier: None,
            server_keep_alive: None,
            authentication_method: None,
            authentication_data: None,
            request_problem_information: None,
            will_delay_interval: None,
            request_response_information: None,
            response_information: None,
            server_reference: None,
            reason_string: None,
            receive_maximum: None,
            topic_alias_maximum: None,
            topic_alias: None,
            maximum_qos: None,
            retain_available: None,
            user_properties: Vec::new(),
            maximum_packet_size: None,
            wildcard_subscription_available: None,
            subscription_identifier_available: None,
            shared_subscription_available: None,
        }
    }

    /// Whether no property is set.
    pub fn is_empty(&self) -> bool {
        self.user_properties.is_empty()
            && self.subscription_identifiers.is_empty()
            && self.payload_format_indicator.is_none()
            && self.message_expiry_interval.is_none()
            && self.content_type.is_none()
            && self.response_topic.is_none()
            && self.correlation_data.is_none()
            && self.topic_alias.is_none()
            && self.session_expiry_interval.is_none()
            && self.assigned_client_identifier.is_none()
            && self.server_keep_alive.is_none()
            && self.authentication_method.is_none()
            && self.authentication_data.is_none()
            && self.request_problem_information.is_none()
            && self.will_delay_interval.is_none()
            && self.request_response_information.is_none()
            && self.response_information.is_none()
            && self.server_reference.is_none()
            && self.reason_string.is_none()
            && self.receive_maximum.is_none()
            && self.topic_alias_maximum.is_none()
            && self.maximum_qos.is_none()
            && self.retain_available.is_none()
            && self.maximum_packet_size.is_none()
            && self.wildcard_subscription_available.is_none()
            && self.subscription_identifier_available.is_none()
            && self.shared_subscription_available.is_none()
    }

    /// Decodes a property list (Property Length then properties, 5.0 §2.2.2.1) in `context`.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        context: PropertyContext,
    ) -> Result<Self, DecodeError> {
        let mut props = Self::new();
        props.decode_into(r, context)?;
        Ok(props)
    }

    /// Decodes a property list into `self`, which must be empty (no copy of the large struct).
    #[inline]
    pub(crate) fn decode_into(
        &mut self,
        r: &mut Reader<'_>,
        context: PropertyContext,
    ) -> Result<(), DecodeError> {
        let len = r.vbi()?;
        if len == 0 {
            return Ok(());
        }
        let props = self;
        // 5.0 §2.2.2.1: the Property Length bounds the properties; a property that runs past it
        // runs past the region (the ntex-mqtt #19 and Paho C #985 class of bug).
        let len = usize::try_from(len).map_err(|_| DecodeError::UnexpectedEndOfPacket)?;
        let mut r = r.sub(len)?;
        let mut seen: u64 = 0;
        while !r.is_empty() {
            // 5.0 §2.2.2.2: the identifier is a Variable Byte Integer; all defined ones fit in
            // one byte, so a longer encoding names no property we know.
            let raw = r.vbi()?;
            let id_byte = u8::try_from(raw).unwrap_or(0);
            let Some(id) = PropertyId::from_u8(id_byte).filter(|_| raw <= 0x7F) else {
                return Err(DecodeError::UnknownProperty(
                    u8::try_from(raw).unwrap_or(0xFF),
                ));
            };
            if !id.allowed_in(context) {
                return Err(DecodeError::PropertyNotAllowed {
                    id: id_byte,
                    packet_type: context.packet_type(),
                });
            }
            // 5.0 §2.2.2.2 and each property's section: "It is a Protocol Error to include the
            // <property> more than once". User Property may repeat (§3.1.2.11.8), and so may
            // Subscription Identifier in PUBLISH (§3.3.2.3.8) but not in SUBSCRIBE (§3.8.2.1.2).
            let repeatable = id == PropertyId::UserProperty
                || (id == PropertyId::SubscriptionIdentifier
                    && context == PropertyContext::Packet(PacketType::Publish));
            let bit = 1u64 << id_byte;
            if !repeatable && seen & bit != 0 {
                return Err(DecodeError::DuplicateProperty(id_byte));
            }
            seen |= bit;
            props.decode_one(id, &mut r)?;
        }
        Ok(())
    }

    fn decode_one(&mut self, id: PropertyId, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let invalid = DecodeError::InvalidPropertyValue(id as u8);
        let flag = |b: u8| match b {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(invalid),
        };
        match id {
            PropertyId::PayloadFormatIndicator => {
                self.payload_format_indicator = Some(match r.u8()? {
                    0 => PayloadFormat::Unspecified,
                    1 => PayloadFormat::Utf8,
                    _ => return Err(invalid),
                });
            }
            PropertyId::MessageExpiryInterval => self.message_expiry_interval = Some(r.u32()?),
            PropertyId::ContentType => self.content_type = Some(r.string()?),
            PropertyId::ResponseTopic => {
                let topic = r.string()?;
                // 5.0 §3.3.2.3.5: "The Response Topic MUST NOT contain wildcard characters."
                crate::topic::validate_topic_name(&topic).map_err(DecodeError::InvalidTopicName)?;
                self.response_topic = Some(topic);
            }
            PropertyId::CorrelationData => self.correlation_data = Some(r.binary()?),
            PropertyId::SubscriptionIdentifier => {
                // 5.0 §3.8.2.1.2: "It is a Protocol Error if the Subscription Identifier has a
                // value of 0."
                let v = r.vbi()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.subscription_identifiers.push(v);
            }
            PropertyId::SessionExpiryInterval => self.session_expiry_interval = Some(r.u32()?),
            PropertyId::AssignedClientIdentifier => {
                self.assigned_client_identifier = Some(r.string()?);
            }
            PropertyId::ServerKeepAlive => self.server_keep_alive = Some(r.u16()?),
            PropertyId::AuthenticationMethod => self.authentication_method = Some(r.string()?),
            PropertyId::AuthenticationData => self.authentication_data = Some(r.binary()?),
            // 5.0 §3.1.2.11.7: a value other than 0 or 1 is a Protocol Error.
            PropertyId::RequestProblemInformation => {
                self.request_problem_information = Some(flag(r.u8()?)?);
            }
            PropertyId::WillDelayInterval => self.will_delay_interval = Some(r.u32()?),
            // 5.0 §3.1.2.11.6: a value other than 0 or 1 is a Protocol Error.
            PropertyId::RequestResponseInformation => {
                self.request_response_information = Some(flag(r.u8()?)?);
            }
            PropertyId::ResponseInformation => self.response_information = Some(r.string()?),
            PropertyId::ServerReference => self.server_reference = Some(r.string()?),
            PropertyId::ReasonString => self.reason_string = Some(r.string()?),
            PropertyId::ReceiveMaximum => {
                // 5.0 §3.1.2.11.3, §3.2.2.3.3: "It is a Protocol Error to include the Receive
                // Maximum value more than once or for it to have the value 0."
                let v = r.u16()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.receive_maximum = Some(v);
            }
            PropertyId::TopicAliasMaximum => self.topic_alias_maximum = Some(r.u16()?),
            PropertyId::TopicAlias => {
                // 5.0 §3.3.2.3.4: "A Topic Alias of 0 is not permitted."
                let v = r.u16()?;
                if v == 0 {
                    return Err(DecodeError::TopicAliasZero);
                }
                self.topic_alias = Some(v);
            }
            PropertyId::MaximumQoS => {
                // 5.0 §3.2.2.3.4: a value other than 0 or 1 is a Protocol Error.
                self.maximum_qos = Some(match r.u8()? {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    _ => return Err(invalid),
                });
            }
            PropertyId::RetainAvailable => self.retain_available = Some(flag(r.u8()?)?),
            PropertyId::UserProperty => {
                let key = r.string()?;
                let value = r.string()?;
                self.user_properties.push((key, value));
            }
            PropertyId::MaximumPacketSize => {
                // 5.0 §3.1.2.11.4: "It is a Protocol Error ... for the value to be set to zero."
                let v = r.u32()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.maximum_packet_size = Some(v);
            }
            PropertyId::WildcardSubscriptionAvailable => {
                self.wildcard_subscription_available = Some(flag(r.u8()?)?);
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                self.subscription_identifier_available = Some(flag(r.u8()?)?);
            }
            PropertyId::SharedSubscriptionAvailable => {
                self.shared_subscription_available = Some(flag(r.u8()?)?);
            }
        }
        Ok(())
    }

    /// Checks every set property against `context` and the value rules, and returns the size
    /// of the property list without its Property Length prefix.
    pub(crate) fn encoded_len(&self, context: PropertyContext) -> Result<usize, EncodeError> {
        let mut n = 0usize;
        let check = |id: PropertyId| {
            if id.allowed_in(context) {
                Ok(())
            } else {
                Err(EncodeError::PropertyNotAllowed {
                    id: id as u8,
                    packet_type: context.packet_type(),
                })
            }
        };
        macro_rules! fixed {
            ($field:ident, $id:ident, $size:expr) => {
                if self.$field.is_some() {
                    check(PropertyId::$id)?;
                    n += 1 + $size;
                }
            };
        }
        macro_rules! string {
            ($field:ident, $id:ident) => {
                if let Some(s) = &self.$field {
                    check(PropertyId::$id)?;
                    n += 1 + wire::string_len(s)?;
                }
            };
        }
        macro_rules! binary {
            ($field:ident, $id:ident) => {
                if let Some(b) = &self.$field {
                    check(PropertyId::$id)?;
                    n += 1 + wire::field_len(b.len())?;
                }
            };
        }
        fixed!(payload_format_indicator, PayloadFormatIndicator, 1);
        fixed!(message_expiry_interval, MessageExpiryInterval, 4);
        string!(content_type, ContentType);
        if let Some(t) = &self.response_topic {
            check(PropertyId::ResponseTopic)?;
            crate::topic::validate_topic_name(t).map_err(EncodeError::InvalidTopicName)?;
            n += 1 + wire::string_len(t)?;
        }
        binary!(correlation_data, CorrelationData);
        if !self.subscription_identifiers.is_empty() {
            let id = PropertyId::SubscriptionIdentifier;
            check(id)?;
            // 5.0 §3.8.2.1.2: one Subscription Identifier at most in SUBSCRIBE.
            if context != PropertyContext::Packet(PacketType::Publish)
                && self.subscription_identifiers.len() > 1
            {
                return Err(EncodeError::InvalidPropertyValue(id as u8));
            }
            for &v in &self.subscription_identifiers {
                // 5.0 §3.3.2.3.8: 1 to 268 435 455.
                if v == 0 || v > wire::VBI_MAX {
                    return Err(EncodeError::InvalidPropertyValue(id as u8));
                }
                n += 1 + wire::vbi_len(v as usize);
            }
        }
        fixed!(session_expiry_interval, SessionExpiryInterval, 4);
        string!(assigned_client_identifier, AssignedClientIdentifier);
        fixed!(server_keep_alive, ServerKeepAlive, 2);
        string!(authentication_method, AuthenticationMethod);
        binary!(authentication_data, AuthenticationData);
        fixed!(request_problem_information, RequestProblemInformation, 1);
        fixed!(will_delay_interval, WillDelayInterval, 4);
        fixed!(request_response_information, RequestResponseInformation, 1);
        string!(response_information, ResponseInformation);
        string!(server_reference, ServerReference);
        string!(reason_string, ReasonString);
        if self.receive_maximum == Some(0) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::ReceiveMaximum as u8,
            ));
        }
        fixed!(receive_maximum, ReceiveMaximum, 2);
        fixed!(topic_alias_maximum, TopicAliasMaximum, 2);
        if self.topic_alias == Some(0) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::TopicAlias as u8,
            ));
        }
        fixed!(topic_alias, TopicAlias, 2);
        if self.maximum_qos == Some(QoS::ExactlyOnce) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::MaximumQoS as u8,
            ));
        }
        fixed!(maximum_qos, MaximumQoS, 1);
        fixed!(retain_available, RetainAvailable, 1);
        if !self.user_properties.is_empty() {
            check(PropertyId::UserProperty)?;
            for (k, v) in &self.user_properties {
                n += 1 + wire::string_len(k)? + wire::string_len(v)?;
            }
        }
        if self.maximum_packet_size == Some(0) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::MaximumPacketSize as u8,
            ));
        }
        fixed!(maximum_packet_size, MaximumPacketSize, 4);
        fixed!(
            wildcard_subscription_available,
            WildcardSubscriptionAvailable,
            1
        );
        fixed!(
            subscription_identifier_available,
            SubscriptionIdentifierAvailable,
            1
        );
        fixed!(
            shared_subscription_available,
            SharedSubscriptionAvailable,
            1
        );
        Ok(n)
    }

    /// Writes the Property Length `len` (from [`Self::encoded_len`]) and the properties, in
    /// ascending identifier order with the User Properties in their own order.
    pub(crate) fn write(&self, len: usize, dst: &mut BytesMut) {
        wire::put_vbi(dst, len);
        if len == 0 {
            return;
        }
        let id = |dst: &mut BytesMut, id: PropertyId| dst.put_u8(id as u8);
        if let Some(v) = self.payload_format_indicator {
            id(dst, PropertyId::PayloadFormatIndicator);
            dst.put_u8(v as u8);
        }
        if let Some(v) = self.message_expiry_interval {
            id(dst, PropertyId::MessageExpiryInterval);
            dst.put_u32(v);
        }
        if let Some(v) = &self.content_type {
            id(dst, PropertyId::ContentType);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &self.response_topic {
            id(dst, PropertyId::ResponseTopic);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &self.correlation_data {
            id(dst, PropertyId::CorrelationData);
            wire::put_field(dst, v);
        }
        for &v in &self.subscription_identifiers {
            id(dst, PropertyId::SubscriptionIdentifier);
            wire::put_vbi(dst, v as usize);
        }
        if let Some(v) = self.session_expiry_interval {
            id(dst, PropertyId::SessionExpiryInterval);
            dst.put_u32(v);
        }
        if let Some(v) = &self.assigned_client_identifier {
            id(dst, PropertyId::AssignedClientIdentifier);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = self.server_keep_alive {
            id(dst, PropertyId::ServerKeepAlive);
            dst.put_u16(v);
        }
        if let Some(v) = &self.authentication_method {
            id(dst, PropertyId::AuthenticationMethod);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &self.authentication_data {
            id(dst, PropertyId::AuthenticationData);
            wire::put_field(dst, v);
        }
        if let Some(v) = self.request_problem_information {
            id(dst, PropertyId::RequestProblemInformation);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = self.will_delay_interval {
            id(dst, PropertyId::WillDelayInterval);
            dst.put_u32(v);
        }
        if let Some(v) = self.request_response_information {
            id(dst, PropertyId::RequestResponseInformation);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = &self.response_information {
            id(dst, PropertyId::ResponseInformation);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &self.server_reference {
            id(dst, PropertyId::ServerReference);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &self.reason_string {
            id(dst, PropertyId::ReasonString);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = self.receive_maximum {
            id(dst, PropertyId::ReceiveMaximum);
            dst.put_u16(v);
        }
        if let Some(v) = self.topic_alias_maximum {
            id(dst, PropertyId::TopicAliasMaximum);
            dst.put_u16(v);
        }
        if let Some(v) = self.topic_alias {
            id(dst, PropertyId::TopicAlias);
            dst.put_u16(v);
        }
        if let Some(v) = self.maximum_qos {
            id(dst, PropertyId::MaximumQoS);
            dst.put_u8(v as u8);
        }
        if let Some(v) = self.retain_available {
            id(dst, PropertyId::RetainAvailable);
            dst.put_u8(u8::from(v));
        }
        for (k, v) in &self.user_properties {
            id(dst, PropertyId::UserProperty);
            wire::put_field(dst, k.as_bytes());
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = self.maximum_packet_size {
            id(dst, PropertyId::MaximumPacketSize);
            dst.put_u32(v);
        }
        if let Some(v) = self.wildcard_subscription_available {
            id(dst, PropertyId::WildcardSubscriptionAvailable);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = self.subscription_identifier_available {
            id(dst, PropertyId::SubscriptionIdentifierAvailable);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = self.shared_subscription_available {
            id(dst, PropertyId::SharedSubscriptionAvailable);
            dst.put_u8(u8::from(v));
        }
    }
}
