//! What a session reports to its caller through `poll_event`.

use alloc::boxed::Box;
use bytes::Bytes;

use super::ProtocolError;
use crate::mqtt::{
    Connect, MqttString, Publish, SubAck, Subscribe, UnsubAck, Unsubscribe, Will,
    reason::{
        AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, PubAckReasonCode,
        PubCompReasonCode, PubRecReasonCode,
    },
};

/// Something that happened on a session. Large payloads are boxed so that a queued event costs
/// a few words.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Client: the server accepted the connection (CONNACK 0x00).
    Connected {
        /// Session Present: the server resumed the session (3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1).
        session_present: bool,
    },
    /// Client: the server had no session although one was asked for, so the client discarded
    /// its in-flight messages (3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1: "the Client MUST discard its
    /// Session State"). Messages that were queued but never sent are kept.
    SessionDiscarded {
        /// How many in-flight QoS 1/2 messages were discarded.
        discarded: usize,
    },
    /// Server: a CONNECT arrived. Answer with `accept`, `reject` or (MQTT 5 enhanced
    /// authentication) `auth_continue`.
    ConnectRequest(Box<Connect>),
    /// An AUTH packet arrived (MQTT 5 enhanced authentication, 5.0 §4.12): hand it to the
    /// authenticator. A client answers with `auth_respond`; a server with `auth_continue`,
    /// `accept` (during the handshake), `auth_success` (re-authentication) or `reject`.
    Auth(Box<AuthExchange>),
    /// An application message arrived (topic alias already resolved). QoS 2 messages are
    /// reported once, however often the peer re-sends them (5.0 §4.3.3).
    Publish(Box<Publish>),
    /// A QoS 1/2 message we sent is finished: acknowledged, or refused by the peer.
    Acknowledged {
        /// Its packet identifier, now free again.
        packet_id: u16,
        /// How the peer answered.
        outcome: AckOutcome,
    },
    /// A message was dropped without being sent.
    MessageDropped {
        /// Its packet identifier, or 0 for a message that had none yet.
        packet_id: u16,
        /// Why.
        reason: DropReason,
    },
    /// Server: a SUBSCRIBE arrived; answer it with `subscribe_result` (after checking
    /// authorization), which stores the granted subscriptions and sends the SUBACK.
    Subscribe(Box<Subscribe>),
    /// Server: an UNSUBSCRIBE was processed: the filters are removed from the session and the
    /// UNSUBACK is queued. Remove them from the routing table too.
    Unsubscribed(Box<Unsubscribe>),
    /// Client: the answer to a SUBSCRIBE.
    SubAck(Box<SubAck>),
    /// Client: the answer to an UNSUBSCRIBE.
    UnsubAck(Box<UnsubAck>),
    /// Client: a re-authentication finished with success (AUTH 0x00, 5.0 §4.12.1).
    Reauthenticated,
    /// Server: publish this Will Message now (the connection ended abnormally and the Will
    /// Delay Interval, if any, has passed; 3.1.1 §3.1.2.5, 5.0 §3.1.3.2.2).
    Will(Box<Will>),
    /// Server: the session expired while disconnected (5.0 §3.1.2.11.2); its state is gone.
    SessionExpired,
    /// The network connection is finished: send what `poll_transmit` still returns, then
    /// close the socket.
    Closed(Close),
}

/// An AUTH packet's content, for the caller's authenticator (5.0 §3.15, §4.12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthExchange {
    /// The reason code: Continue Authentication (0x18) or Re-authenticate (0x19).
    pub reason_code: AuthReasonCode,
    /// The Authentication Method.
    pub method: MqttString,
    /// The Authentication Data, if any.
    pub data: Option<Bytes>,
}

/// How the peer answered a QoS 1/2 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckOutcome {
    /// QoS 1: PUBACK with this reason code.
    PubAck(PubAckReasonCode),
    /// QoS 2: PUBREC with an error code; the exchange ends there (5.0 §4.3.3).
    PubRec(PubRecReasonCode),
    /// QoS 2: PUBCOMP with this reason code.
    PubComp(PubCompReasonCode),
}

impl AckOutcome {
    /// Whether the peer accepted the message.
    pub fn is_success(self) -> bool {
        match self {
            Self::PubAck(c) => !c.is_error(),
            Self::PubRec(c) => !c.is_error(),
            Self::PubComp(c) => !c.is_error(),
        }
    }
}

/// Why a message was dropped without being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// It exceeds the peer's Maximum Packet Size (5.0 §3.1.2.11.4: "the Server MUST discard
    /// it without sending it and then behave as if it had completed sending").
    PacketTooLarge,
    /// Its Message Expiry Interval passed while it waited (5.0 §3.3.2.3.3).
    Expired,
    /// QoS 0 messages are not kept for a disconnected session.
    NotConnected,
    /// The queue was full.
    QueueFull,
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Close {
    /// The peer broke the protocol. In MQTT 5 a DISCONNECT (or CONNACK) with
    /// [`ProtocolError::reason_code`] is queued for `poll_transmit`.
    ProtocolError(ProtocolError),
    /// The peer sent a DISCONNECT.
    PeerDisconnect {
        /// Its reason code (always Normal Disconnection in 3.1.1).
        reason_code: DisconnectReasonCode,
        /// Its Reason String, if any.
        reason_string: Option<MqttString>,
    },
    /// We ended the connection (the caller called `disconnect`).
    LocalDisconnect {
        /// The reason code sent.
        reason_code: DisconnectReasonCode,
    },
    /// Server: no packet within 1.5 × Keep Alive (3.1.1 §3.1.2.10, 5.0 §3.1.2.10).
    /// Client: no PINGRESP within the ping timeout.
    KeepAliveTimeout,
    /// The caller reported that the network connection was lost.
    ConnectionLost,
    /// The CONNECT was refused (by the server; a client sees the CONNACK code here).
    Rejected(ConnectReasonCode),
    /// Server: another connection took the session over (5.0 §3.1.4: DISCONNECT 0x8E).
    SessionTakenOver,
}

impl Close {
    /// Whether the Will Message is to be published for this close: every end other than a
    /// DISCONNECT with Normal Disconnection (3.1.1 §3.1.2.5, 5.0 §3.1.2.5).
    pub fn publishes_will(&self) -> bool {
        !matches!(
            self,
            Self::PeerDisconnect {
                reason_code: DisconnectReasonCode::NormalDisconnection,
                ..
            } | Self::Rejected(_)
        )
    }
}
