//! Server settings ([`ServerConfig`]) and the caller's answer to a CONNECT ([`Accept`]).

use alloc::string::String;
use bytes::Bytes;
use core::time::Duration;

use super::state::SessionState;
use crate::mqtt::{PROTOCOL_MAX_PACKET_SIZE, QoS};

/// Limits and capabilities a server announces and enforces (builder with `&mut Self` setters).
///
/// ```
/// use iot_protocol::mqtt::{QoS, session::ServerConfig};
/// let mut config = ServerConfig::new();
/// config.receive_maximum(100).topic_alias_maximum(10).maximum_qos(QoS::AtLeastOnce);
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(super) receive_maximum: u16,
    pub(super) maximum_packet_size: u32,
    pub(super) topic_alias_maximum: u16,
    pub(super) maximum_qos: QoS,
    pub(super) retain_available: bool,
    pub(super) server_keep_alive: Option<u16>,
    pub(super) max_inflight: u16,
    pub(super) max_queued: usize,
    pub(super) connect_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerConfig {
    /// Defaults: Receive Maximum 65 535, Maximum Packet Size 1 MiB, no topic aliases, QoS 2,
    /// retain available, the client's keep alive, at most 65 535 messages in flight and 1 000
    /// queued per session, 10 s to receive the CONNECT.
    pub const fn new() -> Self {
        Self {
            receive_maximum: u16::MAX,
            maximum_packet_size: crate::mqtt::DEFAULT_MAX_PACKET_SIZE,
            topic_alias_maximum: 0,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            server_keep_alive: None,
            max_inflight: u16::MAX,
            max_queued: 1000,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Receive Maximum: QoS 1/2 PUBLISH packets the client may have unacknowledged
    /// (5.0 §3.2.2.3.3). 0 is read as 1.
    pub fn receive_maximum(&mut self, value: u16) -> &mut Self {
        self.receive_maximum = value.max(1);
        self
    }

    /// Maximum Packet Size accepted from the client (5.0 §3.2.2.3.6); larger packets close the
    /// connection with 0x95 before they are buffered.
    pub fn maximum_packet_size(&mut self, value: u32) -> &mut Self {
        self.maximum_packet_size = value.clamp(2, PROTOCOL_MAX_PACKET_SIZE);
        self
    }

    /// Topic Alias Maximum: aliases the client may use (5.0 §3.2.2.3.8); 0 (the default)
    /// allows none.
    pub fn topic_alias_maximum(&mut self, value: u16) -> &mut Self {
        self.topic_alias_maximum = value;
        self
    }

    /// Maximum QoS accepted from the client (5.0 §3.2.2.3.4).
    pub fn maximum_qos(&mut self, value: QoS) -> &mut Self {
        self.maximum_qos = value;
        self
    }

    /// Whether retained messages are supported (5.0 §3.2.2.3.5).
    pub fn retain_available(&mut self, value: bool) -> &mut Self {
        self.retain_available = value;
        self
    }

    /// Server Keep Alive (5.0 §3.2.2.3.14): overrides the client's Keep Alive.
    pub fn server_keep_alive(&mut self, seconds: Option<u16>) -> &mut Self {
        self.server_keep_alive = seconds;
        self
    }

    /// Our own cap on QoS 1/2 messages in flight to the client, below its Receive Maximum.
    pub fn max_inflight(&mut self, value: u16) -> &mut Self {
        self.max_inflight = value.max(1);
        self
    }

    /// Messages kept per session while waiting for a quota or a connection; beyond it
    /// [`ServerSession::publish`](super::ServerSession::publish) fails with
    /// [`PublishError::QueueFull`](super::PublishError::QueueFull).
    pub fn max_queued(&mut self, value: usize) -> &mut Self {
        self.max_queued = value;
        self
    }

    /// How long a new connection may take to send its CONNECT and finish authentication.
    pub fn connect_timeout(&mut self, value: Duration) -> &mut Self {
        self.connect_timeout = value;
        self
    }
}

/// The caller's decision to accept a CONNECT (see [`ServerSession::accept`](super::ServerSession::accept)).
#[derive(Debug, Clone, Default)]
pub struct Accept {
    /// The stored session of this client id, if the server has one. It is resumed unless the
    /// CONNECT asked for a Clean Start (then it is discarded, 5.0 §3.1.2.4).
    pub session: Option<SessionState>,
    /// The identifier to assign when the CONNECT carried an empty one (required then;
    /// 5.0 §3.2.2.3.7, 3.1.1 §3.1.3.1).
    pub assigned_client_id: Option<String>,
    /// Final Authentication Data for the CONNACK (MQTT 5 enhanced authentication).
    pub authentication_data: Option<Bytes>,
}
