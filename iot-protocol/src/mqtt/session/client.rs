//! The client side: one session carried by successive network connections.

use alloc::{boxed::Box, string::String, vec::Vec};
use bytes::{Bytes, BytesMut};
use core::time::Duration;

use super::{
    AuthExchange, Close, Event, ProtocolError, PublishError, SessionError,
    core::{Control, Core},
    server::check_size,
    state::{Instant, Message, SessionState},
};
use crate::mqtt::{
    Auth, ConnAck, Connect, Decoder, Disconnect, MqttString, PROTOCOL_MAX_PACKET_SIZE, Packet,
    Properties, ProtocolVersion, QoS, Subscribe, Subscription, TopicFilter, Unsubscribe, Will,
    reason::{AuthReasonCode, ConnectReasonCode, DisconnectReasonCode},
};

/// How a client connects: identity, keep alive, session lifetime and the limits it announces
/// (builder with `&mut Self` setters).
///
/// ```
/// use iot_protocol::mqtt::{ProtocolVersion, session::ClientConfig};
/// let mut config = ClientConfig::new(ProtocolVersion::V5, "device-42");
/// config.keep_alive(30).clean_start(false).session_expiry_interval(3600);
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    version: ProtocolVersion,
    client_id: String,
    keep_alive: u16,
    clean_start: bool,
    session_expiry_interval: u32,
    receive_maximum: u16,
    maximum_packet_size: u32,
    topic_alias_maximum: u16,
    username: Option<String>,
    password: Option<Bytes>,
    will: Option<Will>,
    authentication_method: Option<String>,
    authentication_data: Option<Bytes>,
    max_inflight: u16,
    max_queued: usize,
    ping_timeout: Option<Duration>,
    connect_timeout: Duration,
}

impl ClientConfig {
    /// Defaults: Keep Alive 60 s, Clean Start, Session Expiry 0, Receive Maximum 65 535,
    /// Maximum Packet Size 1 MiB, no topic aliases, 1 000 queued messages, 10 s for the CONNACK,
    /// PINGRESP awaited for one Keep Alive.
    pub fn new(version: ProtocolVersion, client_id: impl Into<String>) -> Self {
        Self {
            version,
            client_id: client_id.into(),
            keep_alive: 60,
            clean_start: true,
            session_expiry_interval: 0,
            receive_maximum: u16::MAX,
            maximum_packet_size: crate::mqtt::DEFAULT_MAX_PACKET_SIZE,
            topic_alias_maximum: 0,
            username: None,
            password: None,
            will: None,
            authentication_method: None,
            authentication_data: None,
            max_inflight: u16::MAX,
            max_queued: 1000,
            ping_timeout: None,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Keep Alive in seconds; 0 turns it off (3.1.1 §3.1.2.10, 5.0 §3.1.2.10).
    pub fn keep_alive(&mut self, seconds: u16) -> &mut Self {
        self.keep_alive = seconds;
        self
    }

    /// Clean Start (5.0) / Clean Session (3.1.1) for the first connection. With `false` the
    /// session is meant to survive disconnections: later connections never start clean.
    pub fn clean_start(&mut self, value: bool) -> &mut Self {
        self.clean_start = value;
        self
    }

    /// Session Expiry Interval in seconds (5.0 §3.1.2.11.2); `u32::MAX` never expires.
    pub fn session_expiry_interval(&mut self, seconds: u32) -> &mut Self {
        self.session_expiry_interval = seconds;
        self
    }

    /// Receive Maximum announced to the server (5.0 §3.1.2.11.3). 0 is read as 1.
    pub fn receive_maximum(&mut self, value: u16) -> &mut Self {
        self.receive_maximum = value.max(1);
        self
    }

    /// Maximum Packet Size accepted from the server (5.0 §3.1.2.11.4).
    pub fn maximum_packet_size(&mut self, value: u32) -> &mut Self {
        self.maximum_packet_size = value.clamp(2, PROTOCOL_MAX_PACKET_SIZE);
        self
    }

    /// Topic Alias Maximum announced to the server (5.0 §3.1.2.11.5).
    pub fn topic_alias_maximum(&mut self, value: u16) -> &mut Self {
        self.topic_alias_maximum = value;
        self
    }

    /// User name and password.
    pub fn credentials(&mut self, username: Option<String>, password: Option<Bytes>) -> &mut Self {
        self.username = username;
        self.password = password;
        self
    }

    /// The Will Message.
    pub fn will(&mut self, will: Option<Will>) -> &mut Self {
        self.will = will;
        self
    }

    /// MQTT 5 enhanced authentication: the Authentication Method and initial data
    /// (5.0 §3.1.2.11.9–10).
    pub fn authentication(&mut self, method: Option<String>, data: Option<Bytes>) -> &mut Self {
        self.authentication_method = method;
        self.authentication_data = data;
        self
    }

    /// Our own cap on QoS 1/2 messages in flight (3.1.1 has no Receive Maximum, so this is the
    /// only limit there).
    pub fn max_inflight(&mut self, value: u16) -> &mut Self {
        self.max_inflight = value.max(1);
        self
    }

    /// Messages kept while waiting for a quota or a connection.
    pub fn max_queued(&mut self, value: usize) -> &mut Self {
        self.max_queued = value;
        self
    }

    /// How long to wait for a PINGRESP before the connection is considered dead (default: the
    /// Keep Alive).
    pub fn ping_timeout(&mut self, value: Duration) -> &mut Self {
        self.ping_timeout = Some(value);
        self
    }

    /// How long to wait for the CONNACK.
    pub fn connect_timeout(&mut self, value: Duration) -> &mut Self {
        self.connect_timeout = value;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No connection (before the first `connect`, or after a close).
    Idle,
    /// CONNECT sent, CONNACK awaited (AUTH exchanges may happen).
    Connecting,
    Connected,
}

/// The client side of an MQTT session as a sans-IO state machine (see the
/// [module documentation](super) for the call order).
///
/// One `ClientSession` lives as long as the session: call [`ClientSession::connect`] for every
/// new network connection; the session's in-flight messages are re-sent after a resumption.
#[derive(Debug)]
pub struct ClientSession {
    core: Core,
    decoder: Decoder,
    config: Box<ClientConfig>,
    phase: Phase,
    /// Clean Start of the CONNECT in progress.
    clean_start_sent: bool,
    connected_once: bool,
    keep_alive: u16,
    ping_sent: Option<Instant>,
    connect_sent: Instant,
    /// When the last packet was written (the keep-alive counts from it).
    last_tx: Instant,
    maximum_qos: QoS,
    retain_available: bool,
    /// SUBSCRIBE / UNSUBSCRIBE waiting for SUBACK / UNSUBACK: (packet id, is subscribe).
    pending: Vec<(u16, bool)>,
}

impl ClientSession {
    /// A client with an empty session.
    pub fn new(config: ClientConfig) -> Self {
        let mut core = Core::new(config.version);
        core.client_id = Box::from(config.client_id.as_str());
        // 3.1.1 has no Receive Maximum: the server cannot know it, so it is not enforced there.
        core.receive_maximum = if config.version == ProtocolVersion::V5 {
            config.receive_maximum
        } else {
            u16::MAX
        };
        core.alias_max = config.topic_alias_maximum;
        core.max_queued = u32::try_from(config.max_queued).unwrap_or(u32::MAX);
        core.send_quota_max = config.max_inflight;
        let mut decoder = Decoder::with_version(config.version);
        decoder.set_max_packet_size(config.maximum_packet_size);
        Self {
            core,
            decoder,
            keep_alive: config.keep_alive,
            config: Box::new(config),
            phase: Phase::Idle,
            clean_start_sent: true,
            connected_once: false,
            ping_sent: None,
            connect_sent: Instant::default(),
            last_tx: Instant::default(),
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            pending: Vec::new(),
        }
    }

    /// A client resuming a persisted session (for example after a restart of the device);
    /// its first connection does not start clean.
    pub fn with_state(config: ClientConfig, now: Instant, state: SessionState) -> Self {
        let mut s = Self::new(config);
        let id = s.core.client_id.clone();
        s.core.restore(now, state);
        if s.core.client_id.is_empty() {
            s.core.client_id = id;
        }
        s.connected_once = true;
        s
    }

    // ----- accessors -----

    /// Whether the CONNACK was received and the connection is up.
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// The client identifier (the server-assigned one once connected with an empty one).
    pub fn client_id(&self) -> &str {
        &self.core.client_id
    }

    /// The protocol version.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.core.version
    }

    /// The Keep Alive in force (the server's Server Keep Alive wins, 5.0 §3.2.2.3.14).
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }

    /// QoS 1/2 messages in flight.
    pub fn inflight(&self) -> usize {
        self.core.inflight_len()
    }

    /// Messages waiting for a quota or a connection.
    pub fn queued(&self) -> usize {
        self.core.queued_len()
    }

    /// A copy of the session state, for persistence on the device.
    pub fn session_state(&self, now: Instant) -> SessionState {
        self.core.export(now)
    }

    // ----- connection -----

    /// Starts a new network connection: queues the CONNECT. The first connection uses the
    /// configured Clean Start; later ones resume the session when it is meant to persist
    /// (Clean Start 0 configured, and in MQTT 5 a non-zero Session Expiry Interval).
    pub fn connect(&mut self, now: Instant) -> Result<(), SessionError> {
        if self.phase != Phase::Idle {
            return Err(SessionError::InvalidState);
        }
        let v5 = self.core.is_v5();
        let persistent =
            !self.config.clean_start && (!v5 || self.config.session_expiry_interval > 0);
        let clean_start = if self.connected_once {
            !persistent
        } else {
            self.config.clean_start
        };
        if clean_start {
            // 5.0 §3.1.2.4: with Clean Start the client discards its session state too.
            self.core.clear_session();
        }
        self.clean_start_sent = clean_start;
        let mut c = Connect::new(self.config.version, MqttString::from(&*self.core.client_id));
        c.clean_start = clean_start;
        c.keep_alive = self.config.keep_alive;
        c.username = self.config.username.as_deref().map(MqttString::from);
        c.password = self.config.password.clone();
        c.will = self.config.will.clone();
        if v5 {
            let p = &mut c.properties;
            if self.config.session_expiry_interval > 0 {
                p.set_session_expiry_interval(Some(self.config.session_expiry_interval));
            }
            if self.config.receive_maximum != u16::MAX {
                p.set_receive_maximum(Some(self.config.receive_maximum));
            }
            if self.config.maximum_packet_size < PROTOCOL_MAX_PACKET_SIZE {
                p.set_maximum_packet_size(Some(self.config.maximum_packet_size));
            }
            if self.config.topic_alias_maximum > 0 {
                p.set_topic_alias_maximum(Some(self.config.topic_alias_maximum));
            }
            p.set_authentication_method(
                self.config
                    .authentication_method
                    .as_deref()
                    .map(MqttString::from),
            );
            p.set_authentication_data(self.config.authentication_data.clone());
        } else if let Some(w) = c.will.as_mut() {
            w.properties = Properties::new();
        }
        self.decoder = Decoder::with_version(self.config.version);
        self.decoder
            .set_max_packet_size(self.config.maximum_packet_size);
        self.core
            .encoder
            .set_max_packet_size(PROTOCOL_MAX_PACKET_SIZE);
        self.core.clear_transmit();
        self.core.send_packet(Packet::Connect(Box::new(c)));
        self.phase = Phase::Connecting;
        self.connect_sent = now;
        self.core.last_rx = now;
        self.ping_sent = None;
        self.pending.clear();
        self.core.clear_reserved();
        Ok(())
    }

    /// Decodes and handles every complete packet at the front of `buf`; an incomplete packet
    /// stays in `buf`.
    pub fn handle_bytes(&mut self, now: Instant, buf: &mut BytesMut) {
        while self.phase != Phase::Idle {
            match self.decoder.decode(buf) {
                Ok(Some(p)) => self.handle_packet(now, p),
                Ok(None) => break,
                Err(e) => {
                    self.fail(now, ProtocolError::Decode(e));
                    buf.clear();
                    break;
                }
            }
        }
    }

    /// Handles one packet received from the server.
    #[inline]
    pub fn handle_packet(&mut self, now: Instant, packet: Packet) {
        if self.phase == Phase::Idle {
            return;
        }
        self.core.last_rx = now;
        match (self.phase, packet) {
            (Phase::Connecting, Packet::ConnAck(c)) => self.on_connack(now, c),
            (_, Packet::Auth(a)) => self.on_auth(now, a),
            (_, Packet::Disconnect(d)) => {
                self.close(
                    now,
                    Close::PeerDisconnect {
                        reason_code: d.reason_code,
                        reason_string: d.properties.reason_string().cloned(),
                    },
                );
            }
            (Phase::Connected, Packet::Publish(p)) => {
                if let Err(e) = self.core.handle_publish(p) {
                    self.fail(now, e);
                }
            }
            (Phase::Connected, Packet::PubAck(p)) => {
                self.core.handle_puback(p.packet_id, p.reason_code)
            }
            (Phase::Connected, Packet::PubRec(p)) => {
                self.core.handle_pubrec(p.packet_id, p.reason_code)
            }
            (Phase::Connected, Packet::PubRel(p)) => self.core.handle_pubrel(p.packet_id),
            (Phase::Connected, Packet::PubComp(p)) => {
                self.core.handle_pubcomp(p.packet_id, p.reason_code);
            }
            (Phase::Connected, Packet::SubAck(s)) => {
                if self.release_pending(s.packet_id, true) {
                    self.core.event(Event::SubAck(Box::new(s)));
                } else {
                    self.fail(
                        now,
                        ProtocolError::UnexpectedPacket(crate::mqtt::PacketType::SubAck),
                    );
                }
            }
            (Phase::Connected, Packet::UnsubAck(u)) => {
                if self.release_pending(u.packet_id, false) {
                    self.core.event(Event::UnsubAck(Box::new(u)));
                } else {
                    self.fail(
                        now,
                        ProtocolError::UnexpectedPacket(crate::mqtt::PacketType::UnsubAck),
                    );
                }
            }
            (Phase::Connected, Packet::PingResp(_)) => self.ping_sent = None,
            // Anything else is a packet a server never sends, or one sent before CONNACK
            // (3.1.1 §3.2, 5.0 §3.2: the first packet from the server MUST be CONNACK).
            (_, p) => self.fail(now, ProtocolError::UnexpectedPacket(p.packet_type())),
        }
    }

    fn release_pending(&mut self, id: u16, subscribe: bool) -> bool {
        let Some(i) = self
            .pending
            .iter()
            .position(|&(p, s)| p == id && s == subscribe)
        else {
            return false;
        };
        self.pending.swap_remove(i);
        self.core.release_id(id);
        true
    }

    fn on_connack(&mut self, now: Instant, c: ConnAck) {
        if c.reason_code != ConnectReasonCode::Success {
            self.close(now, Close::Rejected(c.reason_code));
            return;
        }
        // 5.0 §3.2.2.1.1: Session Present 1 after a Clean Start is a protocol error.
        if self.clean_start_sent && c.session_present {
            return self.fail(
                now,
                ProtocolError::UnexpectedPacket(crate::mqtt::PacketType::ConnAck),
            );
        }
        if !c.session_present && !self.clean_start_sent {
            // 3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1: the server has no session, so the client
            // discards its own (reported when there was one to lose).
            let discarded = self.core.clear_session();
            if self.connected_once {
                self.core.event(Event::SessionDiscarded { discarded });
            }
        }
        let p = &c.properties;
        self.core.send_quota_max = p
            .receive_maximum()
            .unwrap_or(u16::MAX)
            .min(self.config.max_inflight)
            .max(1);
        if let Some(max) = p.maximum_packet_size() {
            self.core.encoder.set_max_packet_size(max);
        }
        self.core.peer_alias_max = p.topic_alias_maximum().unwrap_or(0);
        self.maximum_qos = p.maximum_qos().unwrap_or(QoS::ExactlyOnce);
        self.retain_available = p.retain_available().unwrap_or(true);
        self.keep_alive = p.server_keep_alive().unwrap_or(self.config.keep_alive);
        if let Some(id) = &p.assigned_client_identifier() {
            self.core.client_id = Box::from(id.as_str());
        }
        self.core.start_connection();
        self.phase = Phase::Connected;
        self.connected_once = true;
        self.core.event(Event::Connected {
            session_present: c.session_present,
        });
    }

    fn on_auth(&mut self, now: Instant, a: Auth) {
        // 5.0 §4.12: the server may send AUTH only if the CONNECT named a method, and the same.
        let Some(method) = self.config.authentication_method.as_deref() else {
            return self.fail(now, ProtocolError::UnexpectedAuth);
        };
        if a.properties.authentication_method().map(MqttString::as_str) != Some(method) {
            return self.fail(now, ProtocolError::UnexpectedAuth);
        }
        match (self.phase, a.reason_code) {
            (Phase::Connected, AuthReasonCode::Success) => self.core.event(Event::Reauthenticated),
            (_, AuthReasonCode::ContinueAuthentication) => {
                self.core.event(Event::Auth(Box::new(AuthExchange {
                    reason_code: a.reason_code,
                    method: MqttString::from(method),
                    data: a.properties.authentication_data().cloned(),
                })));
            }
            _ => self.fail(now, ProtocolError::UnexpectedAuth),
        }
    }

    /// Answers the server's AUTH challenge with `data` (AUTH 0x18, 5.0 §4.12).
    pub fn auth_respond(&mut self, _now: Instant, data: Option<Bytes>) -> Result<(), SessionError> {
        self.send_auth(AuthReasonCode::ContinueAuthentication, data)
    }

    /// Starts a re-authentication (AUTH 0x19, 5.0 §4.12.1).
    pub fn reauthenticate(
        &mut self,
        _now: Instant,
        data: Option<Bytes>,
    ) -> Result<(), SessionError> {
        if self.phase != Phase::Connected {
            return Err(SessionError::NotConnected);
        }
        self.send_auth(AuthReasonCode::ReAuthenticate, data)
    }

    fn send_auth(&mut self, code: AuthReasonCode, data: Option<Bytes>) -> Result<(), SessionError> {
        if self.phase == Phase::Idle {
            return Err(SessionError::NotConnected);
        }
        let Some(method) = self.config.authentication_method.as_deref() else {
            return Err(SessionError::NoAuthenticationMethod);
        };
        self.core.send_auth(method, code, data);
        Ok(())
    }

    /// The network connection was lost. The session stays; call [`ClientSession::connect`]
    /// with a new connection to resume it.
    pub fn handle_connection_lost(&mut self, now: Instant) {
        self.core.clear_transmit();
        self.close(now, Close::ConnectionLost);
    }

    /// Sends a DISCONNECT with `code` (MQTT 5; 3.1.1 carries no reason) and ends the
    /// connection. 0x04 asks the server to publish the Will anyway.
    pub fn disconnect(&mut self, now: Instant, code: DisconnectReasonCode) {
        if self.phase == Phase::Idle {
            return;
        }
        let mut d = Disconnect::new();
        if self.core.is_v5() {
            d.reason_code = code;
        }
        self.core.send_packet(Packet::Disconnect(d));
        self.close(now, Close::LocalDisconnect { reason_code: code });
    }

    fn fail(&mut self, now: Instant, e: ProtocolError) {
        if self.core.is_v5() {
            self.core.send_disconnect(e.reason_code());
        }
        self.close(now, Close::ProtocolError(e));
    }

    fn close(&mut self, _now: Instant, reason: Close) {
        if self.phase == Phase::Idle {
            return;
        }
        self.phase = Phase::Idle;
        self.core.connected = false;
        self.ping_sent = None;
        for (id, _) in self.pending.drain(..) {
            self.core.release_id(id);
        }
        self.core.event(Event::Closed(reason));
    }

    // ----- timers -----

    /// When [`ClientSession::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Idle => None,
            Phase::Connecting => Some(self.connect_sent + self.config.connect_timeout),
            Phase::Connected if self.keep_alive == 0 => None,
            Phase::Connected => {
                let ka = Duration::from_secs(u64::from(self.keep_alive));
                Some(match self.ping_sent {
                    Some(t) => t + self.config.ping_timeout.unwrap_or(ka),
                    // 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: the client sends a packet at least every
                    // Keep Alive; PINGREQ when it has nothing else.
                    None => self.last_tx + ka,
                })
            }
        }
    }

    /// Handles the timers due at `now`: PINGREQ when idle, the PINGRESP and CONNACK timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(due) = self.poll_timeout() else {
            return;
        };
        if now < due {
            return;
        }
        match self.phase {
            Phase::Connecting => {
                self.close(now, Close::ProtocolError(ProtocolError::ConnAckTimeout));
            }
            Phase::Connected if self.ping_sent.is_some() => {
                self.close(now, Close::KeepAliveTimeout);
            }
            Phase::Connected => {
                self.core.send_control(Control::PingReq);
                self.ping_sent = Some(now);
            }
            Phase::Idle => {}
        }
    }

    // ----- output -----

    /// Appends the packets to send to `buf` and returns how many bytes were added.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut BytesMut) -> usize {
        let n = self.core.poll_transmit(now, buf);
        if n > 0 {
            self.last_tx = now;
        }
        n
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.poll_event()
    }

    // ----- application requests -----

    /// Publishes a message. QoS 1/2 messages are accepted while disconnected too and sent after
    /// the next CONNACK; they get their packet identifier now (returned; 0 for QoS 0), which the
    /// [`Event::Acknowledged`] names later.
    pub fn publish(&mut self, now: Instant, message: Message) -> Result<u16, PublishError> {
        // `TopicName` holds to the topic name rules but for the empty name, which only a
        // Topic Alias may stand in for, and the session assigns those itself.
        if message.topic.is_empty() {
            return Err(PublishError::InvalidTopic(crate::topic::TopicError::Empty));
        }
        if self.phase == Phase::Connected {
            // 5.0 §3.2.2.3.4, §3.2.2.3.5: the client MUST NOT exceed Maximum QoS or send
            // RETAIN when the server has no retain.
            if message.qos > self.maximum_qos {
                return Err(PublishError::QoSNotSupported(message.qos));
            }
            if message.retain && !self.retain_available {
                return Err(PublishError::RetainNotSupported);
            }
            check_size(&self.core.encoder, &message)?;
        } else if message.qos == QoS::AtMostOnce {
            return Err(PublishError::NotConnected);
        }
        self.core.enqueue(now, message)
    }

    /// Sends a SUBSCRIBE and returns its packet identifier; the answer arrives as
    /// [`Event::SubAck`].
    pub fn subscribe(
        &mut self,
        _now: Instant,
        subscriptions: Vec<Subscription>,
        properties: Properties,
    ) -> Result<u16, SessionError> {
        if self.phase != Phase::Connected {
            return Err(SessionError::NotConnected);
        }
        let id = self
            .core
            .alloc_packet_id()
            .ok_or(SessionError::PacketIdsExhausted)?;
        self.core.reserve_id(id);
        self.pending.push((id, true));
        self.core.send_packet(Packet::Subscribe(Subscribe {
            packet_id: id,
            subscriptions,
            properties: if self.core.is_v5() {
                properties
            } else {
                Properties::new()
            },
        }));
        Ok(id)
    }

    /// Sends an UNSUBSCRIBE and returns its packet identifier; the answer arrives as
    /// [`Event::UnsubAck`].
    pub fn unsubscribe(
        &mut self,
        _now: Instant,
        filters: Vec<TopicFilter>,
    ) -> Result<u16, SessionError> {
        if self.phase != Phase::Connected {
            return Err(SessionError::NotConnected);
        }
        let id = self
            .core
            .alloc_packet_id()
            .ok_or(SessionError::PacketIdsExhausted)?;
        self.core.reserve_id(id);
        self.pending.push((id, false));
        self.core.send_packet(Packet::Unsubscribe(Unsubscribe {
            packet_id: id,
            filters,
            properties: Properties::new(),
        }));
        Ok(id)
    }
}
