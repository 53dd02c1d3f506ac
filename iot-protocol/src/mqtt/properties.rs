//! MQTT 5 properties (5.0 §2.2.2): identifiers, their types, the packets each may appear in,
//! and [`Properties`], the decoded set.

use alloc::{boxed::Box, vec::Vec};
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
/// Every property has a getter named after it (`topic_alias()`, `content_type()`, …), a
/// setter (`set_topic_alias(Some(7))`, `None` removes it) and a builder form for literals
/// (`Properties::new().with_topic_alias(7)`). User Properties keep their order and duplicates
/// (5.0 §3.3.2.3.7); Subscription Identifiers are a list because a PUBLISH sent to a subscriber
/// carries one per matching subscription (5.0 §3.3.2.3.8). Which properties a packet may carry
/// is checked against [`PropertyId::allowed_in`] when decoding and encoding; on MQTT 3.1.1
/// connections the set is always empty.
///
/// Layout: the numeric PUBLISH properties (Payload Format Indicator, Message Expiry Interval,
/// Topic Alias) are stored inline; every other property lives in one heap block that is only
/// allocated when one of them is set. An empty set is 24 bytes and costs nothing to create or
/// drop, so a packet without properties, and a PUBLISH with only those three, never touches the
/// allocator.
///
/// ```
/// use iot_protocol::mqtt::Properties;
/// let mut props = Properties::new()
///     .with_message_expiry_interval(60)
///     .with_user_property("fw", "1.4.2");
/// props.set_topic_alias(Some(3));
/// assert_eq!(props.topic_alias(), Some(3));
/// assert_eq!(props.user_properties()[0].0, "fw");
/// assert_eq!(props.content_type(), None);
/// ```
#[derive(Clone, Default)]
pub struct Properties {
    // The inline properties keep their presence in `set` (one bit each, see `MEI`, `WDI`,
    // `TA`, `PFI`) rather than in `Option`s: all four fit in the space three `Option`s took, so
    // a PUBLISH and a Will stay free of the out-of-line block, and an empty set is all zero
    // bytes, which is the cheapest value to build for every decoded packet.
    message_expiry_interval: u32,
    will_delay_interval: u32,
    topic_alias: u16,
    /// The Payload Format Indicator's byte (0 or 1).
    payload_format_indicator: u8,
    set: u8,
    more: Option<Box<More>>,
}

/// Presence bits of `Properties::set`.
const MEI: u8 = 1;
const WDI: u8 = 2;
const TA: u8 = 4;
const PFI: u8 = 8;

/// The properties stored out of line (all but the four inline PUBLISH and Will ones).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
struct More {
    content_type: Option<MqttString>,
    response_topic: Option<MqttString>,
    correlation_data: Option<Bytes>,
    subscription_identifiers: Vec<u32>,
    session_expiry_interval: Option<u32>,
    assigned_client_identifier: Option<MqttString>,
    server_keep_alive: Option<u16>,
    authentication_method: Option<MqttString>,
    authentication_data: Option<Bytes>,
    request_problem_information: Option<bool>,
    request_response_information: Option<bool>,
    response_information: Option<MqttString>,
    server_reference: Option<MqttString>,
    reason_string: Option<MqttString>,
    receive_maximum: Option<u16>,
    topic_alias_maximum: Option<u16>,
    maximum_qos: Option<QoS>,
    retain_available: Option<bool>,
    user_properties: Vec<(MqttString, MqttString)>,
    maximum_packet_size: Option<u32>,
    wildcard_subscription_available: Option<bool>,
    subscription_identifier_available: Option<bool>,
    shared_subscription_available: Option<bool>,
}

impl More {
    const EMPTY: More = More {
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
        request_response_information: None,
        response_information: None,
        server_reference: None,
        reason_string: None,
        receive_maximum: None,
        topic_alias_maximum: None,
        maximum_qos: None,
        retain_available: None,
        user_properties: Vec::new(),
        maximum_packet_size: None,
        wildcard_subscription_available: None,
        subscription_identifier_available: None,
        shared_subscription_available: None,
    };
}

/// The encoder's check that property `id` may appear in `context`.
#[inline(always)]
fn check_allowed(id: PropertyId, context: PropertyContext) -> Result<(), EncodeError> {
    if id.allowed_in(context) {
        Ok(())
    } else {
        Err(EncodeError::PropertyNotAllowed {
            id: id as u8,
            packet_type: context.packet_type(),
        })
    }
}

/// The block every property-less set reads through.
static EMPTY_MORE: More = More::EMPTY;

/// Equal when the same properties are set to the same values (whether the out-of-line block
/// exists does not matter).
impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.message_expiry_interval() == other.message_expiry_interval()
            && self.will_delay_interval() == other.will_delay_interval()
            && self.topic_alias() == other.topic_alias()
            && self.payload_format_indicator() == other.payload_format_indicator()
            && self.more() == other.more()
    }
}

impl Eq for Properties {}

impl core::hash::Hash for Properties {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.message_expiry_interval().hash(state);
        self.will_delay_interval().hash(state);
        self.topic_alias().hash(state);
        self.payload_format_indicator().hash(state);
        self.more().hash(state);
    }
}

/// Getter, setter and builder of a numeric inline property whose presence is a bit of `set`.
macro_rules! inline_flagged {
    ($($(#[$m:meta])* $field:ident, $bit:ident, $set:ident, $with:ident: $ty:ty;)+) => {$(
        $(#[$m])*
        #[inline]
        pub fn $field(&self) -> Option<$ty> {
            (self.set & $bit != 0).then_some(self.$field)
        }

        #[doc = concat!("Sets or (with `None`) removes [`Self::", stringify!($field), "`].")]
        #[inline]
        pub fn $set(&mut self, value: Option<$ty>) -> &mut Self {
            match value {
                Some(v) => {
                    self.$field = v;
                    self.set |= $bit;
                }
                None => {
                    self.$field = 0;
                    self.set &= !$bit;
                }
            }
            self
        }

        #[doc = concat!("Builder form of [`Self::", stringify!($set), "`].")]
        #[must_use]
        pub fn $with(mut self, value: $ty) -> Self {
            self.$set(Some(value));
            self
        }
    )+};
}

/// Getter, setter and builder of an out-of-line property whose value is `Copy`.
macro_rules! more_copy {
    ($($(#[$m:meta])* $field:ident, $set:ident, $with:ident: $ty:ty;)+) => {$(
        $(#[$m])*
        #[inline]
        pub fn $field(&self) -> Option<$ty> {
            self.more.as_ref().and_then(|m| m.$field)
        }

        #[doc = concat!("Sets or (with `None`) removes [`Self::", stringify!($field), "`].")]
        #[inline]
        pub fn $set(&mut self, value: Option<$ty>) -> &mut Self {
            if value.is_some() || self.more.is_some() {
                self.more_mut().$field = value;
            }
            self
        }

        #[doc = concat!("Builder form of [`Self::", stringify!($set), "`].")]
        #[must_use]
        pub fn $with(mut self, value: $ty) -> Self {
            self.more_mut().$field = Some(value);
            self
        }
    )+};
}

/// Getter, setter and builder of an out-of-line string or binary property.
macro_rules! more_ref {
    ($($(#[$m:meta])* $field:ident, $set:ident, $with:ident: $ty:ty;)+) => {$(
        $(#[$m])*
        #[inline]
        pub fn $field(&self) -> Option<&$ty> {
            self.more.as_ref().and_then(|m| m.$field.as_ref())
        }

        #[doc = concat!("Sets or (with `None`) removes [`Self::", stringify!($field), "`].")]
        #[inline]
        pub fn $set(&mut self, value: Option<$ty>) -> &mut Self {
            if value.is_some() || self.more.is_some() {
                self.more_mut().$field = value;
            }
            self
        }

        #[doc = concat!("Builder form of [`Self::", stringify!($set), "`].")]
        #[must_use]
        pub fn $with(mut self, value: impl Into<$ty>) -> Self {
            self.more_mut().$field = Some(value.into());
            self
        }
    )+};
}

/// Lists only the properties that are set.
impl core::fmt::Debug for Properties {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Properties");
        let m = self.more();
        macro_rules! opt {
            ($s:expr; $($field:ident),+) => {$(
                if let Some(v) = &$s.$field {
                    d.field(stringify!($field), v);
                }
            )+};
        }
        if let Some(v) = self.payload_format_indicator() {
            d.field("payload_format_indicator", &v);
        }
        if let Some(v) = self.message_expiry_interval() {
            d.field("message_expiry_interval", &v);
        }
        opt!(m; content_type, response_topic, correlation_data);
        if !m.subscription_identifiers.is_empty() {
            d.field("subscription_identifiers", &m.subscription_identifiers);
        }
        opt!(
            m;
            session_expiry_interval,
            assigned_client_identifier,
            server_keep_alive,
            authentication_method,
            authentication_data,
            request_problem_information
        );
        if let Some(v) = self.will_delay_interval() {
            d.field("will_delay_interval", &v);
        }
        opt!(
            m;
            request_response_information,
            response_information,
            server_reference,
            reason_string,
            receive_maximum,
            topic_alias_maximum
        );
        if let Some(v) = self.topic_alias() {
            d.field("topic_alias", &v);
        }
        opt!(m; maximum_qos, retain_available);
        if !m.user_properties.is_empty() {
            d.field("user_properties", &m.user_properties);
        }
        opt!(
            m;
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
            message_expiry_interval: 0,
            will_delay_interval: 0,
            topic_alias: 0,
            payload_format_indicator: 0,
            set: 0,
            more: None,
        }
    }

    /// The out-of-line properties, or an empty block.
    #[inline]
    fn more(&self) -> &More {
        self.more.as_deref().unwrap_or(&EMPTY_MORE)
    }

    /// The out-of-line properties, allocated on first use.
    #[inline]
    fn more_mut(&mut self) -> &mut More {
        self.more.get_or_insert_with(Default::default)
    }

    /// Whether no property was ever set: the three inline ones are absent and the out-of-line
    /// block was never created (a cheaper, stricter form of [`Self::is_empty`] for the
    /// encoder's fast path; a block whose properties were all cleared again is not bare).
    #[inline]
    pub(crate) fn is_bare(&self) -> bool {
        self.inline_empty() && self.more.is_none()
    }

    /// Whether no property is set.
    pub fn is_empty(&self) -> bool {
        self.inline_empty() && self.more.as_deref().is_none_or(|m| *m == More::EMPTY)
    }

    /// Whether the four inline properties are absent.
    #[inline]
    fn inline_empty(&self) -> bool {
        self.set == 0
    }

    /// 0x01 Payload Format Indicator.
    #[inline]
    pub fn payload_format_indicator(&self) -> Option<PayloadFormat> {
        (self.set & PFI != 0).then_some(if self.payload_format_indicator == 1 {
            PayloadFormat::Utf8
        } else {
            PayloadFormat::Unspecified
        })
    }

    /// Sets or (with `None`) removes [`Self::payload_format_indicator`].
    #[inline]
    pub fn set_payload_format_indicator(&mut self, value: Option<PayloadFormat>) -> &mut Self {
        match value {
            Some(v) => {
                self.payload_format_indicator = v as u8;
                self.set |= PFI;
            }
            None => {
                self.payload_format_indicator = 0;
                self.set &= !PFI;
            }
        }
        self
    }

    /// Builder form of [`Self::set_payload_format_indicator`].
    #[must_use]
    pub fn with_payload_format_indicator(mut self, value: PayloadFormat) -> Self {
        self.set_payload_format_indicator(Some(value));
        self
    }

    inline_flagged! {
        /// 0x02 Message Expiry Interval, seconds.
        message_expiry_interval, MEI, set_message_expiry_interval,
            with_message_expiry_interval: u32;
        /// 0x18 Will Delay Interval, seconds.
        will_delay_interval, WDI, set_will_delay_interval, with_will_delay_interval: u32;
        /// 0x23 Topic Alias (not 0).
        topic_alias, TA, set_topic_alias, with_topic_alias: u16;
    }

    /// 0x0B Subscription Identifiers, 1 to 268 435 455 (at most one in SUBSCRIBE).
    pub fn subscription_identifiers(&self) -> &[u32] {
        &self.more().subscription_identifiers
    }

    /// The Subscription Identifiers, to change.
    pub fn subscription_identifiers_mut(&mut self) -> &mut Vec<u32> {
        &mut self.more_mut().subscription_identifiers
    }

    /// Replaces the Subscription Identifiers.
    pub fn set_subscription_identifiers(&mut self, ids: Vec<u32>) -> &mut Self {
        if !ids.is_empty() || self.more.is_some() {
            self.more_mut().subscription_identifiers = ids;
        }
        self
    }

    /// Builder form: adds a Subscription Identifier.
    #[must_use]
    pub fn with_subscription_identifier(mut self, id: u32) -> Self {
        self.more_mut().subscription_identifiers.push(id);
        self
    }

    /// 0x26 User Properties, in the order received, duplicates kept.
    pub fn user_properties(&self) -> &[(MqttString, MqttString)] {
        &self.more().user_properties
    }

    /// The User Properties, to change.
    pub fn user_properties_mut(&mut self) -> &mut Vec<(MqttString, MqttString)> {
        &mut self.more_mut().user_properties
    }

    /// Replaces the User Properties.
    pub fn set_user_properties(&mut self, list: Vec<(MqttString, MqttString)>) -> &mut Self {
        if !list.is_empty() || self.more.is_some() {
            self.more_mut().user_properties = list;
        }
        self
    }

    /// Appends a User Property (duplicates are allowed and kept in order).
    pub fn push_user_property(
        &mut self,
        key: impl Into<MqttString>,
        value: impl Into<MqttString>,
    ) -> &mut Self {
        self.more_mut()
            .user_properties
            .push((key.into(), value.into()));
        self
    }

    /// Builder form of [`Self::push_user_property`].
    #[must_use]
    pub fn with_user_property(
        mut self,
        key: impl Into<MqttString>,
        value: impl Into<MqttString>,
    ) -> Self {
        self.push_user_property(key, value);
        self
    }

    more_ref! {
        /// 0x03 Content Type.
        content_type, set_content_type, with_content_type: MqttString;
        /// 0x08 Response Topic (a topic name: no wildcards).
        response_topic, set_response_topic, with_response_topic: MqttString;
        /// 0x09 Correlation Data.
        correlation_data, set_correlation_data, with_correlation_data: Bytes;
        /// 0x12 Assigned Client Identifier.
        assigned_client_identifier, set_assigned_client_identifier,
            with_assigned_client_identifier: MqttString;
        /// 0x15 Authentication Method.
        authentication_method, set_authentication_method, with_authentication_method: MqttString;
        /// 0x16 Authentication Data.
        authentication_data, set_authentication_data, with_authentication_data: Bytes;
        /// 0x1A Response Information.
        response_information, set_response_information, with_response_information: MqttString;
        /// 0x1C Server Reference.
        server_reference, set_server_reference, with_server_reference: MqttString;
        /// 0x1F Reason String.
        reason_string, set_reason_string, with_reason_string: MqttString;
    }

    more_copy! {
        /// 0x11 Session Expiry Interval, seconds.
        session_expiry_interval, set_session_expiry_interval, with_session_expiry_interval: u32;
        /// 0x13 Server Keep Alive, seconds.
        server_keep_alive, set_server_keep_alive, with_server_keep_alive: u16;
        /// 0x17 Request Problem Information.
        request_problem_information, set_request_problem_information,
            with_request_problem_information: bool;
        /// 0x19 Request Response Information.
        request_response_information, set_request_response_information,
            with_request_response_information: bool;
        /// 0x21 Receive Maximum (not 0).
        receive_maximum, set_receive_maximum, with_receive_maximum: u16;
        /// 0x22 Topic Alias Maximum.
        topic_alias_maximum, set_topic_alias_maximum, with_topic_alias_maximum: u16;
        /// 0x24 Maximum QoS (0 or 1).
        maximum_qos, set_maximum_qos, with_maximum_qos: QoS;
        /// 0x25 Retain Available.
        retain_available, set_retain_available, with_retain_available: bool;
        /// 0x27 Maximum Packet Size (not 0).
        maximum_packet_size, set_maximum_packet_size, with_maximum_packet_size: u32;
        /// 0x28 Wildcard Subscription Available.
        wildcard_subscription_available, set_wildcard_subscription_available,
            with_wildcard_subscription_available: bool;
        /// 0x29 Subscription Identifier Available.
        subscription_identifier_available, set_subscription_identifier_available,
            with_subscription_identifier_available: bool;
        /// 0x2A Shared Subscription Available.
        shared_subscription_available, set_shared_subscription_available,
            with_shared_subscription_available: bool;
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

    /// Decodes a property list into `self`, which must be empty.
    #[inline]
    pub(crate) fn decode_into(
        &mut self,
        r: &mut Reader<'_>,
        context: PropertyContext,
    ) -> Result<(), DecodeError> {
        // Most packets carry no properties: a Property Length of 0 is one byte.
        if r.skip_zero_byte() {
            return Ok(());
        }
        self.decode_list(r, context)
    }

    /// [`Self::decode_into`] once the list is known not to be empty-in-one-byte.
    fn decode_list(
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
                // 5.0 §3.3.2.3.2: 0 or 1.
                let v = r.u8()?;
                if v > 1 {
                    return Err(invalid);
                }
                self.payload_format_indicator = v;
                self.set |= PFI;
            }
            PropertyId::MessageExpiryInterval => {
                self.message_expiry_interval = r.u32()?;
                self.set |= MEI;
            }
            PropertyId::ContentType => self.more_mut().content_type = Some(r.string()?),
            PropertyId::ResponseTopic => {
                let topic = r.string()?;
                // 5.0 §3.3.2.3.5: "The Response Topic MUST NOT contain wildcard characters."
                crate::topic::validate_topic_name(&topic).map_err(DecodeError::InvalidTopicName)?;
                self.more_mut().response_topic = Some(topic);
            }
            PropertyId::CorrelationData => self.more_mut().correlation_data = Some(r.binary()?),
            PropertyId::SubscriptionIdentifier => {
                // 5.0 §3.8.2.1.2: "It is a Protocol Error if the Subscription Identifier has a
                // value of 0."
                let v = r.vbi()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.more_mut().subscription_identifiers.push(v);
            }
            PropertyId::SessionExpiryInterval => {
                self.more_mut().session_expiry_interval = Some(r.u32()?)
            }
            PropertyId::AssignedClientIdentifier => {
                self.more_mut().assigned_client_identifier = Some(r.string()?);
            }
            PropertyId::ServerKeepAlive => self.more_mut().server_keep_alive = Some(r.u16()?),
            PropertyId::AuthenticationMethod => {
                self.more_mut().authentication_method = Some(r.string()?)
            }
            PropertyId::AuthenticationData => {
                self.more_mut().authentication_data = Some(r.binary()?)
            }
            // 5.0 §3.1.2.11.7: a value other than 0 or 1 is a Protocol Error.
            PropertyId::RequestProblemInformation => {
                self.more_mut().request_problem_information = Some(flag(r.u8()?)?);
            }
            PropertyId::WillDelayInterval => {
                self.will_delay_interval = r.u32()?;
                self.set |= WDI;
            }
            // 5.0 §3.1.2.11.6: a value other than 0 or 1 is a Protocol Error.
            PropertyId::RequestResponseInformation => {
                self.more_mut().request_response_information = Some(flag(r.u8()?)?);
            }
            PropertyId::ResponseInformation => {
                self.more_mut().response_information = Some(r.string()?)
            }
            PropertyId::ServerReference => self.more_mut().server_reference = Some(r.string()?),
            PropertyId::ReasonString => self.more_mut().reason_string = Some(r.string()?),
            PropertyId::ReceiveMaximum => {
                // 5.0 §3.1.2.11.3, §3.2.2.3.3: "It is a Protocol Error to include the Receive
                // Maximum value more than once or for it to have the value 0."
                let v = r.u16()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.more_mut().receive_maximum = Some(v);
            }
            PropertyId::TopicAliasMaximum => self.more_mut().topic_alias_maximum = Some(r.u16()?),
            PropertyId::TopicAlias => {
                // 5.0 §3.3.2.3.4: "A Topic Alias of 0 is not permitted."
                let v = r.u16()?;
                if v == 0 {
                    return Err(DecodeError::TopicAliasZero);
                }
                self.topic_alias = v;
                self.set |= TA;
            }
            PropertyId::MaximumQoS => {
                // 5.0 §3.2.2.3.4: a value other than 0 or 1 is a Protocol Error.
                self.more_mut().maximum_qos = Some(match r.u8()? {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    _ => return Err(invalid),
                });
            }
            PropertyId::RetainAvailable => self.more_mut().retain_available = Some(flag(r.u8()?)?),
            PropertyId::UserProperty => {
                let key = r.string()?;
                let value = r.string()?;
                self.more_mut().user_properties.push((key, value));
            }
            PropertyId::MaximumPacketSize => {
                // 5.0 §3.1.2.11.4: "It is a Protocol Error ... for the value to be set to zero."
                let v = r.u32()?;
                if v == 0 {
                    return Err(invalid);
                }
                self.more_mut().maximum_packet_size = Some(v);
            }
            PropertyId::WildcardSubscriptionAvailable => {
                self.more_mut().wildcard_subscription_available = Some(flag(r.u8()?)?);
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                self.more_mut().subscription_identifier_available = Some(flag(r.u8()?)?);
            }
            PropertyId::SharedSubscriptionAvailable => {
                self.more_mut().shared_subscription_available = Some(flag(r.u8()?)?);
            }
        }
        Ok(())
    }

    /// As [`Self::encoded_len`], with the size of a set that has no out-of-line block (no
    /// properties, or only inline ones, as in most Wills) worked out in the caller.
    #[inline(always)]
    pub(crate) fn encoded_len_inline_first(
        &self,
        context: PropertyContext,
    ) -> Result<usize, EncodeError> {
        if self.more.is_none() {
            self.inline_len(context)
        } else {
            self.encoded_len(context)
        }
    }

    /// The size of the inline properties, each checked against `context`.
    #[inline(always)]
    fn inline_len(&self, context: PropertyContext) -> Result<usize, EncodeError> {
        let check = |id: PropertyId| check_allowed(id, context);
        let mut n = 0;
        if self.set & PFI != 0 {
            check(PropertyId::PayloadFormatIndicator)?;
            n += 2;
        }
        if self.set & MEI != 0 {
            check(PropertyId::MessageExpiryInterval)?;
            n += 5;
        }
        if self.set & WDI != 0 {
            check(PropertyId::WillDelayInterval)?;
            n += 5;
        }
        if self.set & TA != 0 {
            if self.topic_alias == 0 {
                return Err(EncodeError::InvalidPropertyValue(
                    PropertyId::TopicAlias as u8,
                ));
            }
            check(PropertyId::TopicAlias)?;
            n += 3;
        }
        Ok(n)
    }

    /// Checks every set property against `context` and the value rules, and returns the size
    /// of the property list without its Property Length prefix.
    pub(crate) fn encoded_len(&self, context: PropertyContext) -> Result<usize, EncodeError> {
        let mut n = self.inline_len(context)?;
        let check = |id: PropertyId| check_allowed(id, context);
        macro_rules! fixed {
            ($s:expr, $field:ident, $id:ident, $size:expr) => {
                if $s.$field.is_some() {
                    check(PropertyId::$id)?;
                    n += 1 + $size;
                }
            };
        }
        macro_rules! string {
            ($s:expr, $field:ident, $id:ident) => {
                if let Some(s) = &$s.$field {
                    check(PropertyId::$id)?;
                    n += 1 + wire::string_len(s)?;
                }
            };
        }
        macro_rules! binary {
            ($s:expr, $field:ident, $id:ident) => {
                if let Some(b) = &$s.$field {
                    check(PropertyId::$id)?;
                    n += 1 + wire::field_len(b.len())?;
                }
            };
        }
        // The out-of-line block exists only when one of its properties was ever set.
        let Some(m) = self.more.as_deref() else {
            return Ok(n);
        };
        string!(m, content_type, ContentType);
        if let Some(t) = &m.response_topic {
            check(PropertyId::ResponseTopic)?;
            crate::topic::validate_topic_name(t).map_err(EncodeError::InvalidTopicName)?;
            n += 1 + wire::string_len(t)?;
        }
        binary!(m, correlation_data, CorrelationData);
        if !m.subscription_identifiers.is_empty() {
            let id = PropertyId::SubscriptionIdentifier;
            check(id)?;
            // 5.0 §3.8.2.1.2: one Subscription Identifier at most in SUBSCRIBE.
            if context != PropertyContext::Packet(PacketType::Publish)
                && m.subscription_identifiers.len() > 1
            {
                return Err(EncodeError::InvalidPropertyValue(id as u8));
            }
            for &v in &m.subscription_identifiers {
                // 5.0 §3.3.2.3.8: 1 to 268 435 455.
                if v == 0 || v > wire::VBI_MAX {
                    return Err(EncodeError::InvalidPropertyValue(id as u8));
                }
                n += 1 + wire::vbi_len(v as usize);
            }
        }
        fixed!(m, session_expiry_interval, SessionExpiryInterval, 4);
        string!(m, assigned_client_identifier, AssignedClientIdentifier);
        fixed!(m, server_keep_alive, ServerKeepAlive, 2);
        string!(m, authentication_method, AuthenticationMethod);
        binary!(m, authentication_data, AuthenticationData);
        fixed!(m, request_problem_information, RequestProblemInformation, 1);
        fixed!(
            m,
            request_response_information,
            RequestResponseInformation,
            1
        );
        string!(m, response_information, ResponseInformation);
        string!(m, server_reference, ServerReference);
        string!(m, reason_string, ReasonString);
        if m.receive_maximum == Some(0) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::ReceiveMaximum as u8,
            ));
        }
        fixed!(m, receive_maximum, ReceiveMaximum, 2);
        fixed!(m, topic_alias_maximum, TopicAliasMaximum, 2);
        if m.maximum_qos == Some(QoS::ExactlyOnce) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::MaximumQoS as u8,
            ));
        }
        fixed!(m, maximum_qos, MaximumQoS, 1);
        fixed!(m, retain_available, RetainAvailable, 1);
        if !m.user_properties.is_empty() {
            check(PropertyId::UserProperty)?;
            for (k, v) in &m.user_properties {
                n += 1 + wire::string_len(k)? + wire::string_len(v)?;
            }
        }
        if m.maximum_packet_size == Some(0) {
            return Err(EncodeError::InvalidPropertyValue(
                PropertyId::MaximumPacketSize as u8,
            ));
        }
        fixed!(m, maximum_packet_size, MaximumPacketSize, 4);
        fixed!(
            m,
            wildcard_subscription_available,
            WildcardSubscriptionAvailable,
            1
        );
        fixed!(
            m,
            subscription_identifier_available,
            SubscriptionIdentifierAvailable,
            1
        );
        fixed!(
            m,
            shared_subscription_available,
            SharedSubscriptionAvailable,
            1
        );
        Ok(n)
    }

    /// Writes the inline properties only, in ascending identifier order (for a set without
    /// an out-of-line block).
    #[inline]
    fn write_inline(&self, dst: &mut BytesMut) {
        if self.set & PFI != 0 {
            dst.put_u8(PropertyId::PayloadFormatIndicator as u8);
            dst.put_u8(u8::from(self.payload_format_indicator == 1));
        }
        if self.set & MEI != 0 {
            dst.put_u8(PropertyId::MessageExpiryInterval as u8);
            dst.put_u32(self.message_expiry_interval);
        }
        if self.set & WDI != 0 {
            dst.put_u8(PropertyId::WillDelayInterval as u8);
            dst.put_u32(self.will_delay_interval);
        }
        if self.set & TA != 0 {
            dst.put_u8(PropertyId::TopicAlias as u8);
            dst.put_u16(self.topic_alias);
        }
    }

    /// As [`Self::write`], with a set that has no out-of-line block written in the caller.
    #[inline(always)]
    pub(crate) fn write_inline_first(&self, len: usize, dst: &mut BytesMut) {
        if self.more.is_none() {
            wire::put_vbi(dst, len);
            self.write_inline(dst);
        } else {
            self.write(len, dst);
        }
    }

    /// Writes the Property Length `len` (from [`Self::encoded_len`]) and the properties, in
    /// ascending identifier order with the User Properties in their own order.
    pub(crate) fn write(&self, len: usize, dst: &mut BytesMut) {
        wire::put_vbi(dst, len);
        if len == 0 {
            return;
        }
        let id = |dst: &mut BytesMut, id: PropertyId| dst.put_u8(id as u8);
        let Some(m) = self.more.as_deref() else {
            // Only the inline properties: a Will's delay, a PUBLISH's expiry or alias.
            self.write_inline(dst);
            return;
        };
        if let Some(v) = self.payload_format_indicator() {
            id(dst, PropertyId::PayloadFormatIndicator);
            dst.put_u8(v as u8);
        }
        if let Some(v) = self.message_expiry_interval() {
            id(dst, PropertyId::MessageExpiryInterval);
            dst.put_u32(v);
        }
        if let Some(v) = &m.content_type {
            id(dst, PropertyId::ContentType);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &m.response_topic {
            id(dst, PropertyId::ResponseTopic);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &m.correlation_data {
            id(dst, PropertyId::CorrelationData);
            wire::put_field(dst, v);
        }
        for &v in &m.subscription_identifiers {
            id(dst, PropertyId::SubscriptionIdentifier);
            wire::put_vbi(dst, v as usize);
        }
        if let Some(v) = m.session_expiry_interval {
            id(dst, PropertyId::SessionExpiryInterval);
            dst.put_u32(v);
        }
        if let Some(v) = &m.assigned_client_identifier {
            id(dst, PropertyId::AssignedClientIdentifier);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = m.server_keep_alive {
            id(dst, PropertyId::ServerKeepAlive);
            dst.put_u16(v);
        }
        if let Some(v) = &m.authentication_method {
            id(dst, PropertyId::AuthenticationMethod);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &m.authentication_data {
            id(dst, PropertyId::AuthenticationData);
            wire::put_field(dst, v);
        }
        if let Some(v) = m.request_problem_information {
            id(dst, PropertyId::RequestProblemInformation);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = self.will_delay_interval() {
            id(dst, PropertyId::WillDelayInterval);
            dst.put_u32(v);
        }
        if let Some(v) = m.request_response_information {
            id(dst, PropertyId::RequestResponseInformation);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = &m.response_information {
            id(dst, PropertyId::ResponseInformation);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &m.server_reference {
            id(dst, PropertyId::ServerReference);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = &m.reason_string {
            id(dst, PropertyId::ReasonString);
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = m.receive_maximum {
            id(dst, PropertyId::ReceiveMaximum);
            dst.put_u16(v);
        }
        if let Some(v) = m.topic_alias_maximum {
            id(dst, PropertyId::TopicAliasMaximum);
            dst.put_u16(v);
        }
        if let Some(v) = self.topic_alias() {
            id(dst, PropertyId::TopicAlias);
            dst.put_u16(v);
        }
        if let Some(v) = m.maximum_qos {
            id(dst, PropertyId::MaximumQoS);
            dst.put_u8(v as u8);
        }
        if let Some(v) = m.retain_available {
            id(dst, PropertyId::RetainAvailable);
            dst.put_u8(u8::from(v));
        }
        for (k, v) in &m.user_properties {
            id(dst, PropertyId::UserProperty);
            wire::put_field(dst, k.as_bytes());
            wire::put_field(dst, v.as_bytes());
        }
        if let Some(v) = m.maximum_packet_size {
            id(dst, PropertyId::MaximumPacketSize);
            dst.put_u32(v);
        }
        if let Some(v) = m.wildcard_subscription_available {
            id(dst, PropertyId::WildcardSubscriptionAvailable);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = m.subscription_identifier_available {
            id(dst, PropertyId::SubscriptionIdentifierAvailable);
            dst.put_u8(u8::from(v));
        }
        if let Some(v) = m.shared_subscription_available {
            id(dst, PropertyId::SharedSubscriptionAvailable);
            dst.put_u8(u8::from(v));
        }
    }
}
