//! Reason codes, one type per packet (MQTT 5.0 §2.4 and the Reason Code table of each packet).
//!
//! MQTT 3.1.1 return codes map onto these types: the CONNACK return codes 1–5 become
//! [`ConnectReasonCode::UnsupportedProtocolVersion`] … [`ConnectReasonCode::NotAuthorized`],
//! and the SUBACK return codes 0, 1, 2 and 0x80 keep their values.

macro_rules! reason_codes {
    (
        $(#[$meta:meta])*
        $name:ident, $section:literal {
            $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)+
        }

        impl $name {
            /// Every code of this type, in ascending order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The code as sent on the wire.
            pub const fn as_u8(self) -> u8 {
                self as u8
            }

            /// The code for a wire value, if this packet defines it.
            pub const fn from_u8(value: u8) -> Option<Self> {
                match value {
                    $($value => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// Whether this code reports an error (codes of 0x80 and above, MQTT 5.0 §2.4).
            pub const fn is_error(self) -> bool {
                (self as u8) >= 0x80
            }
        }

        impl From<$name> for u8 {
            fn from(code: $name) -> u8 {
                code as u8
            }
        }

        impl TryFrom<u8> for $name {
            type Error = u8;
            /// Fails with the value itself when this packet does not define it.
            fn try_from(value: u8) -> Result<Self, u8> {
                Self::from_u8(value).ok_or(value)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{:?} ({:#04x}, {})", self, *self as u8, $section)
            }
        }
    };
}

reason_codes! {
    /// CONNACK reason codes (MQTT 5.0 §3.2.2.2; MQTT 3.1.1 §3.2.2.3 return codes 0–5 map onto
    /// `Success`, `UnsupportedProtocolVersion`, `ClientIdentifierNotValid`, `ServerUnavailable`,
    /// `BadUserNameOrPassword` and `NotAuthorized`).
    ConnectReasonCode, "MQTT 5.0 §3.2.2.2" {
        /// 0x00: the connection is accepted.
        Success = 0x00,
        /// 0x80: the server does not wish to reveal the reason.
        UnspecifiedError = 0x80,
        /// 0x81: the CONNECT could not be parsed.
        MalformedPacket = 0x81,
        /// 0x82: the CONNECT breaks the specification.
        ProtocolError = 0x82,
        /// 0x83: valid, but not accepted by this server.
        ImplementationSpecificError = 0x83,
        /// 0x84: the protocol version is not supported (3.1.1 return code 1).
        UnsupportedProtocolVersion = 0x84,
        /// 0x85: the client identifier is valid UTF-8 but not allowed (3.1.1 return code 2).
        ClientIdentifierNotValid = 0x85,
        /// 0x86: the user name or password is not accepted (3.1.1 return code 4).
        BadUserNameOrPassword = 0x86,
        /// 0x87: the client is not authorized to connect (3.1.1 return code 5).
        NotAuthorized = 0x87,
        /// 0x88: the server is not available (3.1.1 return code 3).
        ServerUnavailable = 0x88,
        /// 0x89: the server is busy; try again later.
        ServerBusy = 0x89,
        /// 0x8A: the client is banned.
        Banned = 0x8A,
        /// 0x8C: the authentication method is not supported or does not match.
        BadAuthenticationMethod = 0x8C,
        /// 0x90: the Will Topic is well formed but not accepted.
        TopicNameInvalid = 0x90,
        /// 0x95: the CONNECT exceeds the maximum permissible size.
        PacketTooLarge = 0x95,
        /// 0x97: an implementation or administrative limit was exceeded.
        QuotaExceeded = 0x97,
        /// 0x99: the Will payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99,
        /// 0x9A: Will Retain is set but retain is not supported.
        RetainNotSupported = 0x9A,
        /// 0x9B: the Will QoS is not supported.
        QoSNotSupported = 0x9B,
        /// 0x9C: use another server, temporarily.
        UseAnotherServer = 0x9C,
        /// 0x9D: use another server, permanently.
        ServerMoved = 0x9D,
        /// 0x9F: the connection rate limit was exceeded.
        ConnectionRateExceeded = 0x9F,
    }
}

reason_codes! {
    /// PUBACK reason codes (MQTT 5.0 §3.4.2.1).
    PubAckReasonCode, "MQTT 5.0 §3.4.2.1" {
        /// 0x00: the message is accepted.
        Success = 0x00,
        /// 0x10: accepted, but nobody is subscribed.
        NoMatchingSubscribers = 0x10,
        /// 0x80: the receiver does not accept the publish and will not say why.
        UnspecifiedError = 0x80,
        /// 0x83: valid, but not accepted by this receiver.
        ImplementationSpecificError = 0x83,
        /// 0x87: the publish is not authorized.
        NotAuthorized = 0x87,
        /// 0x90: the topic name is well formed but not accepted.
        TopicNameInvalid = 0x90,
        /// 0x91: the packet identifier is already in use.
        PacketIdentifierInUse = 0x91,
        /// 0x97: an implementation or administrative limit was exceeded.
        QuotaExceeded = 0x97,
        /// 0x99: the payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99,
    }
}

reason_codes! {
    /// PUBREC reason codes (MQTT 5.0 §3.5.2.1).
    PubRecReasonCode, "MQTT 5.0 §3.5.2.1" {
        /// 0x00: the message is accepted.
        Success = 0x00,
        /// 0x10: accepted, but nobody is subscribed.
        NoMatchingSubscribers = 0x10,
        /// 0x80: the receiver does not accept the publish and will not say why.
        UnspecifiedError = 0x80,
        /// 0x83: valid, but not accepted by this receiver.
        ImplementationSpecificError = 0x83,
        /// 0x87: the publish is not authorized.
        NotAuthorized = 0x87,
        /// 0x90: the topic name is well formed but not accepted.
        TopicNameInvalid = 0x90,
        /// 0x91: the packet identifier is already in use.
        PacketIdentifierInUse = 0x91,
        /// 0x97: an implementation or administrative limit was exceeded.
        QuotaExceeded = 0x97,
        /// 0x99: the payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99,
    }
}

reason_codes! {
    /// PUBREL reason codes (MQTT 5.0 §3.6.2.1).
    PubRelReasonCode, "MQTT 5.0 §3.6.2.1" {
        /// 0x00: the message is released.
        Success = 0x00,
        /// 0x92: the packet identifier is not known.
        PacketIdentifierNotFound = 0x92,
    }
}

reason_codes! {
    /// PUBCOMP reason codes (MQTT 5.0 §3.7.2.1).
    PubCompReasonCode, "MQTT 5.0 §3.7.2.1" {
        /// 0x00: the packet identifier is released.
        Success = 0x00,
        /// 0x92: the packet identifier is not known.
        PacketIdentifierNotFound = 0x92,
    }
}

reason_codes! {
    /// SUBACK reason codes, one per topic filter (MQTT 5.0 §3.9.3; MQTT 3.1.1 §3.9.3 return
    /// codes 0x00, 0x01, 0x02 and 0x80 have the same values).
    SubAckReasonCode, "MQTT 5.0 §3.9.3" {
        /// 0x00: subscribed, maximum QoS 0.
        GrantedQoS0 = 0x00,
        /// 0x01: subscribed, maximum QoS 1.
        GrantedQoS1 = 0x01,
        /// 0x02: subscribed, maximum QoS 2.
        GrantedQoS2 = 0x02,
        /// 0x80: not subscribed, no reason given (the 3.1.1 "Failure").
        UnspecifiedError = 0x80,
        /// 0x83: valid, but not accepted by this server.
        ImplementationSpecificError = 0x83,
        /// 0x87: the subscription is not authorized.
        NotAuthorized = 0x87,
        /// 0x8F: the topic filter is well formed but not accepted.
        TopicFilterInvalid = 0x8F,
        /// 0x91: the packet identifier is already in use.
        PacketIdentifierInUse = 0x91,
        /// 0x97: an implementation or administrative limit was exceeded.
        QuotaExceeded = 0x97,
        /// 0x9E: shared subscriptions are not supported.
        SharedSubscriptionsNotSupported = 0x9E,
        /// 0xA1: subscription identifiers are not supported.
        SubscriptionIdentifiersNotSupported = 0xA1,
        /// 0xA2: wildcard subscriptions are not supported.
        WildcardSubscriptionsNotSupported = 0xA2,
    }
}

reason_codes! {
    /// UNSUBACK reason codes, one per topic filter (MQTT 5.0 §3.11.3). MQTT 3.1.1 UNSUBACK
    /// carries none.
    UnsubAckReasonCode, "MQTT 5.0 §3.11.3" {
        /// 0x00: the subscription is deleted.
        Success = 0x00,
        /// 0x11: there was no such subscription.
        NoSubscriptionExisted = 0x11,
        /// 0x80: the unsubscribe could not be completed, no reason given.
        UnspecifiedError = 0x80,
        /// 0x83: valid, but not accepted by this server.
        ImplementationSpecificError = 0x83,
        /// 0x87: the unsubscribe is not authorized.
        NotAuthorized = 0x87,
        /// 0x8F: the topic filter is well formed but not accepted.
        TopicFilterInvalid = 0x8F,
        /// 0x91: the packet identifier is already in use.
        PacketIdentifierInUse = 0x91,
    }
}

reason_codes! {
    /// DISCONNECT reason codes (MQTT 5.0 §3.14.2.1). MQTT 3.1.1 DISCONNECT carries none
    /// (it is always a normal disconnection).
    DisconnectReasonCode, "MQTT 5.0 §3.14.2.1" {
        /// 0x00: close normally; do not send the Will.
        NormalDisconnection = 0x00,
        /// 0x04: close, and send the Will.
        DisconnectWithWillMessage = 0x04,
        /// 0x80: no reason given.
        UnspecifiedError = 0x80,
        /// 0x81: a received packet could not be parsed.
        MalformedPacket = 0x81,
        /// 0x82: a received packet broke the specification.
        ProtocolError = 0x82,
        /// 0x83: valid, but not accepted by this implementation.
        ImplementationSpecificError = 0x83,
        /// 0x87: the request is not authorized.
        NotAuthorized = 0x87,
        /// 0x89: the server is busy.
        ServerBusy = 0x89,
        /// 0x8B: the server is shutting down.
        ServerShuttingDown = 0x8B,
        /// 0x8D: no packet arrived within 1.5 times the keep alive.
        KeepAliveTimeout = 0x8D,
        /// 0x8E: another connection took over this session.
        SessionTakenOver = 0x8E,
        /// 0x8F: a topic filter is well formed but not accepted.
        TopicFilterInvalid = 0x8F,
        /// 0x90: a topic name is well formed but not accepted.
        TopicNameInvalid = 0x90,
        /// 0x93: more QoS 1/2 publishes in flight than Receive Maximum allows.
        ReceiveMaximumExceeded = 0x93,
        /// 0x94: a topic alias is 0 or above the Topic Alias Maximum.
        TopicAliasInvalid = 0x94,
        /// 0x95: a packet exceeded the maximum packet size.
        PacketTooLarge = 0x95,
        /// 0x96: the message rate is too high.
        MessageRateTooHigh = 0x96,
        /// 0x97: an implementation or administrative limit was exceeded.
        QuotaExceeded = 0x97,
        /// 0x98: closed by an administrative action.
        AdministrativeAction = 0x98,
        /// 0x99: a payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99,
        /// 0x9A: retained messages are not supported.
        RetainNotSupported = 0x9A,
        /// 0x9B: a QoS above Maximum QoS was used.
        QoSNotSupported = 0x9B,
        /// 0x9C: use another server, temporarily.
        UseAnotherServer = 0x9C,
        /// 0x9D: use another server, permanently.
        ServerMoved = 0x9D,
        /// 0x9E: shared subscriptions are not supported.
        SharedSubscriptionsNotSupported = 0x9E,
        /// 0x9F: the connection rate limit was exceeded.
        ConnectionRateExceeded = 0x9F,
        /// 0xA0: the maximum connection time was reached.
        MaximumConnectTime = 0xA0,
        /// 0xA1: subscription identifiers are not supported.
        SubscriptionIdentifiersNotSupported = 0xA1,
        /// 0xA2: wildcard subscriptions are not supported.
        WildcardSubscriptionsNotSupported = 0xA2,
    }
}

reason_codes! {
    /// AUTH reason codes (MQTT 5.0 §3.15.2.1).
    AuthReasonCode, "MQTT 5.0 §3.15.2.1" {
        /// 0x00: authentication succeeded.
        Success = 0x00,
        /// 0x18: another authentication step follows.
        ContinueAuthentication = 0x18,
        /// 0x19: start a re-authentication.
        ReAuthenticate = 0x19,
    }
}

impl ConnectReasonCode {
    /// The MQTT 3.1.1 CONNACK return code for this reason (3.1.1 §3.2.2.3), if it has one.
    pub const fn to_v311(self) -> Option<u8> {
        match self {
            Self::Success => Some(0),
            Self::UnsupportedProtocolVersion => Some(1),
            Self::ClientIdentifierNotValid => Some(2),
            Self::ServerUnavailable => Some(3),
            Self::BadUserNameOrPassword => Some(4),
            Self::NotAuthorized => Some(5),
            _ => None,
        }
    }

    /// The reason for an MQTT 3.1.1 CONNACK return code (3.1.1 §3.2.2.3); codes 6–255 are
    /// reserved.
    pub const fn from_v311(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Success),
            1 => Some(Self::UnsupportedProtocolVersion),
            2 => Some(Self::ClientIdentifierNotValid),
            3 => Some(Self::ServerUnavailable),
            4 => Some(Self::BadUserNameOrPassword),
            5 => Some(Self::NotAuthorized),
            _ => None,
        }
    }
}

impl SubAckReasonCode {
    /// Whether MQTT 3.1.1 has this return code (0x00, 0x01, 0x02 or 0x80; 3.1.1 §3.9.3).
    pub const fn is_v311(self) -> bool {
        matches!(
            self,
            Self::GrantedQoS0 | Self::GrantedQoS1 | Self::GrantedQoS2 | Self::UnspecifiedError
        )
    }
}
