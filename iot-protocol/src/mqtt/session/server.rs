//! The server side of one client's connection and session.

use alloc::{boxed::Box, vec::Vec};
use bytes::{Bytes, BytesMut};
use core::{num::NonZeroU32, time::Duration};

use super::{
    AuthExchange, Close, Event, ProtocolError, PublishError, SessionError,
    core::{Control, Core},
    server_config::{Accept, ServerConfig},
    state::{Instant, Message, SessionState, StoredSubscription},
};
use crate::mqtt::{
    Auth, ConnAck, Connect, DecodeError, Decoder, Disconnect, EncodeError, Encoder, MqttString,
    PROTOCOL_MAX_PACKET_SIZE, Packet, Properties, ProtocolVersion, Publish, QoS, SubAck, Subscribe,
    UnsubAck, Unsubscribe, Will,
    reason::{
        AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, SubAckReasonCode,
        UnsubAckReasonCode,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the CONNECT.
    AwaitConnect,
    /// CONNECT received; the caller decides (`accept` / `reject` / `auth_continue`).
    ConnectPending,
    /// Enhanced authentication in progress before CONNACK.
    Authenticating,
    Connected,
    Closed,
}

/// A pending SUBSCRIBE waiting for [`ServerSession::subscribe_result`].
#[derive(Debug)]
struct PendingSubscribe {
    packet_id: u16,
    filters: Vec<(Box<str>, crate::mqtt::SubscriptionOptions)>,
    identifier: Option<NonZeroU32>,
}

/// The server side of one MQTT connection and the session it carries, as a sans-IO state
/// machine (see the [module documentation](super) for the call order).
#[derive(Debug)]
pub struct ServerSession {
    core: Core,
    decoder: Decoder,
    phase: Phase,
    maximum_qos: QoS,
    retain_available: bool,
    server_keep_alive: Option<u16>,
    max_inflight: u16,
    /// Keep Alive in force, seconds (0: off).
    keep_alive: u16,
    connect_deadline: Instant,
    /// Session Expiry Interval, seconds; `u32::MAX` never expires.
    session_expiry: u32,
    /// When a closed session expires.
    expires_at: Instant,
    will: Option<Box<Will>>,
    will_due: Instant,
    /// The CONNECT waiting for the caller's decision.
    handshake: Option<Box<Connect>>,
    auth_method: Option<Box<str>>,
    pending_subscribes: Vec<PendingSubscribe>,
    /// Whether this object holds a live session (accepted, not expired, not taken).
    has_session: bool,
}

impl ServerSession {
    /// A session for a connection accepted at `now`, waiting for its CONNECT.
    pub fn new(config: &ServerConfig, now: Instant) -> Self {
        let mut decoder = Decoder::new();
        decoder.set_max_packet_size(config.maximum_packet_size);
        let mut core = Core::new(ProtocolVersion::V5);
        core.receive_maximum = config.receive_maximum;
        core.alias_max = config.topic_alias_maximum;
        core.max_queued = u32::try_from(config.max_queued).unwrap_or(u32::MAX);
        core.last_rx = now;
        Self {
            core,
            decoder,
            phase: Phase::AwaitConnect,
            maximum_qos: config.maximum_qos,
            retain_available: config.retain_available,
            server_keep_alive: config.server_keep_alive,
            max_inflight: config.max_inflight,
            keep_alive: 0,
            connect_deadline: now + config.connect_timeout,
            session_expiry: 0,
            expires_at: Instant::NEVER,
            will: None,
            will_due: Instant::NEVER,
            handshake: None,
            auth_method: None,
            pending_subscribes: Vec::new(),
            has_session: false,
        }
    }

    // ----- accessors -----

    /// The protocol version (known after the CONNECT; 5.0 before).
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.core.version
    }

    /// The client identifier (after the CONNECT, or the assigned one after `accept`).
    pub fn client_id(&self) -> &str {
        &self.core.client_id
    }

    /// Whether the connection is established (CONNACK sent) and not closed.
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// Whether the network connection is finished (the session may still wait for its Will
    /// Delay or expiry, see [`ServerSession::poll_timeout`]).
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The session's subscriptions.
    pub fn subscriptions(&self) -> &[StoredSubscription] {
        &self.core.subscriptions
    }

    /// QoS 1/2 messages in flight to the client.
    pub fn inflight(&self) -> usize {
        self.core.inflight_len()
    }

    /// Messages waiting for a send quota or a connection.
    pub fn queued(&self) -> usize {
        self.core.queued_len()
    }

    /// The Keep Alive in force, in seconds (0: none).
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }

    // ----- input -----

    /// Decodes and handles every complete packet at the front of `buf`; an incomplete packet
    /// stays in `buf` for the next call. Packets after the connection closed are ignored.
    ///
    /// Packets a client pipelines behind its CONNECT (3.1.1 §3.1.4 allows it) are not
    /// processed before the caller accepted the connection (5.0 §3.1.4: a server that rejects
    /// the CONNECT processes nothing after it but AUTH): they stay in `buf`, so call
    /// `handle_bytes` again after [`ServerSession::accept`].
    pub fn handle_bytes(&mut self, now: Instant, buf: &mut BytesMut) {
        while self.phase != Phase::Closed {
            if matches!(self.phase, Phase::ConnectPending | Phase::Authenticating)
                && buf.first().is_some_and(|b| !matches!(b >> 4, 14 | 15))
            {
                break;
            }
            match self.decoder.decode(buf) {
                Ok(Some(packet)) => self.handle_packet(now, packet),
                Ok(None) => break,
                Err(e) => {
                    self.decode_error(now, e);
                    buf.clear();
                    break;
                }
            }
        }
    }

    fn decode_error(&mut self, now: Instant, e: DecodeError) {
        if self.phase == Phase::AwaitConnect {
            // 3.1.1 §3.1.2.2, 5.0 §3.1.2.2: an unsupported protocol level may be answered with a
            // CONNACK (return code 1 / 0x84) before closing; 3.x clients read the 3.1.1 form.
            if let DecodeError::UnsupportedProtocolVersion(_) = e {
                self.core.set_version(ProtocolVersion::V311);
                self.core.send_packet(Packet::ConnAck(ConnAck {
                    session_present: false,
                    reason_code: ConnectReasonCode::UnsupportedProtocolVersion,
                    properties: Properties::new(),
                }));
            }
            self.close(now, Close::ProtocolError(ProtocolError::Decode(e)));
            return;
        }
        self.fail(now, ProtocolError::Decode(e));
    }

    /// Handles one packet received from the client at `now`.
    #[inline]
    pub fn handle_packet(&mut self, now: Instant, packet: Packet) {
        if self.phase == Phase::Closed {
            return;
        }
        self.core.last_rx = now;
        match (self.phase, packet) {
            (Phase::AwaitConnect, Packet::Connect(c)) => self.on_connect(now, c),
            (Phase::AwaitConnect, p) => {
                // 3.1.1 MQTT-3.1.0-1, 5.0 §3.1: the first packet MUST be a CONNECT.
                self.close(
                    now,
                    Close::ProtocolError(ProtocolError::ExpectedConnect(p.packet_type())),
                );
            }
            (_, Packet::Connect(_)) => self.fail(now, ProtocolError::SecondConnect),
            (Phase::Authenticating | Phase::Connected, Packet::Auth(a)) => self.on_auth(now, a),
            (Phase::Connected, Packet::Publish(p)) => self.on_publish(now, p),
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
            (Phase::Connected, Packet::Subscribe(s)) => self.on_subscribe(s),
            (Phase::Connected, Packet::Unsubscribe(u)) => self.on_unsubscribe(u),
            // 3.1.1 §3.12.4, 5.0 §3.12.4: the server MUST answer PINGREQ with PINGRESP.
            (Phase::Connected, Packet::PingReq(_)) => self.core.send_control(Control::PingResp),
            (
                Phase::Connected | Phase::Authenticating | Phase::ConnectPending,
                Packet::Disconnect(d),
            ) => {
                self.on_disconnect(now, d);
            }
            (_, p) => self.fail(now, ProtocolError::UnexpectedPacket(p.packet_type())),
        }
    }

    fn on_connect(&mut self, now: Instant, c: Box<Connect>) {
        self.core.set_version(c.protocol_version);
        self.core.client_id = Box::from(c.client_id.as_str());
        let v5 = c.protocol_version == ProtocolVersion::V5;
        // 3.1.1 §3.1.3.1: a zero-length client id with Clean Session 0 is refused with return
        // code 2 (Identifier rejected).
        if !v5 && c.client_id.is_empty() && !c.clean_start {
            self.phase = Phase::ConnectPending;
            let _ = self.reject(now, ConnectReasonCode::ClientIdentifierNotValid);
            return;
        }
        if v5 {
            self.auth_method = c
                .properties
                .authentication_method()
                .map(|m| Box::from(m.as_str()));
        }
        self.phase = Phase::ConnectPending;
        self.core.event(Event::ConnectRequest(c.clone()));
        self.handshake = Some(c);
    }

    /// Accepts the pending CONNECT: sends CONNACK and starts the connection, resuming
    /// `accept.session` unless the client asked for a Clean Start.
    pub fn accept(&mut self, now: Instant, accept: Accept) -> Result<(), SessionError> {
        if !matches!(self.phase, Phase::ConnectPending | Phase::Authenticating) {
            return Err(SessionError::InvalidState);
        }
        let Some(c) = self.handshake.take() else {
            return Err(SessionError::InvalidState);
        };
        let v5 = self.core.is_v5();
        let mut props = Properties::new();
        if c.client_id.is_empty() {
            match accept.assigned_client_id {
                Some(id) if !id.is_empty() => {
                    if v5 {
                        props.set_assigned_client_identifier(Some(MqttString::from(id.as_str())));
                    }
                    self.core.client_id = id.into_boxed_str();
                }
                _ => {
                    self.handshake = Some(c);
                    return Err(SessionError::InvalidState);
                }
            }
        }
        // 3.1.1 §3.1.2.4, 5.0 §3.1.2.4: Clean Start discards any existing session.
        let mut session_present = false;
        self.core.clear_session();
        self.core.clear_queued();
        if let Some(state) = accept.session.filter(|_| !c.clean_start) {
            let id = self.core.client_id.clone();
            self.core.restore(now, state);
            self.core.client_id = id;
            session_present = true;
        }
        // Limits the client announced (5.0 §3.1.2.11).
        self.core.send_quota_max = c
            .properties
            .receive_maximum()
            .unwrap_or(u16::MAX)
            .min(self.max_inflight)
            .max(1);
        if let Some(max) = c.properties.maximum_packet_size() {
            self.core.encoder.set_max_packet_size(max);
        }
        self.core.peer_alias_max = c.properties.topic_alias_maximum().unwrap_or(0);
        self.session_expiry = if v5 {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        self.keep_alive = c.keep_alive;
        if !v5 {
            // 3.1.1 has no Receive Maximum: the client cannot know ours, so it is not enforced.
            self.core.receive_maximum = u16::MAX;
        }
        if v5 {
            if let Some(ka) = self.server_keep_alive {
                props.set_server_keep_alive(Some(ka));
                self.keep_alive = ka;
            }
            if self.core.receive_maximum != u16::MAX {
                props.set_receive_maximum(Some(self.core.receive_maximum));
            }
            if self.decoder.max_packet_size() < PROTOCOL_MAX_PACKET_SIZE {
                props.set_maximum_packet_size(Some(self.decoder.max_packet_size()));
            }
            if self.core.alias_max > 0 {
                props.set_topic_alias_maximum(Some(self.core.alias_max));
            }
            if self.maximum_qos != QoS::ExactlyOnce {
                props.set_maximum_qos(Some(self.maximum_qos));
            }
            if !self.retain_available {
                props.set_retain_available(Some(false));
            }
            if let Some(m) = &self.auth_method {
                props.set_authentication_method(Some(MqttString::from(&**m)));
                props.set_authentication_data(accept.authentication_data);
            }
        }
        self.will = c.will.map(Box::new);
        self.will_due = Instant::NEVER;
        self.expires_at = Instant::NEVER;
        self.core.send_packet(Packet::ConnAck(ConnAck {
            session_present,
            reason_code: ConnectReasonCode::Success,
            properties: props,
        }));
        self.core.start_connection();
        self.phase = Phase::Connected;
        self.has_session = true;
        self.core.last_rx = now;
        Ok(())
    }

    /// Refuses the pending CONNECT (or ends the enhanced authentication) with `code`: sends the
    /// CONNACK and closes. 3.1.1 clients get the nearest return code.
    pub fn reject(&mut self, now: Instant, code: ConnectReasonCode) -> Result<(), SessionError> {
        if !matches!(self.phase, Phase::ConnectPending | Phase::Authenticating) {
            return Err(SessionError::InvalidState);
        }
        let code = if code == ConnectReasonCode::Success {
            ConnectReasonCode::UnspecifiedError
        } else {
            code
        };
        let code = if self.core.is_v5() || code.to_v311().is_some() {
            code
        } else {
            ConnectReasonCode::NotAuthorized
        };
        self.core.send_packet(Packet::ConnAck(ConnAck {
            session_present: false,
            reason_code: code,
            properties: Properties::new(),
        }));
        self.handshake = None;
        self.close(now, Close::Rejected(code));
        Ok(())
    }

    /// Sends an AUTH with Continue Authentication (0x18) and `data`, during the handshake or a
    /// re-authentication (5.0 §4.12).
    pub fn auth_continue(
        &mut self,
        _now: Instant,
        data: Option<Bytes>,
    ) -> Result<(), SessionError> {
        self.send_auth(AuthReasonCode::ContinueAuthentication, data)?;
        if self.phase == Phase::ConnectPending {
            self.phase = Phase::Authenticating;
        }
        Ok(())
    }

    /// Ends a re-authentication with success: AUTH 0x00 (5.0 §4.12.1).
    pub fn auth_success(&mut self, _now: Instant, data: Option<Bytes>) -> Result<(), SessionError> {
        if self.phase != Phase::Connected {
            return Err(SessionError::InvalidState);
        }
        self.send_auth(AuthReasonCode::Success, data)
    }

    fn send_auth(&mut self, code: AuthReasonCode, data: Option<Bytes>) -> Result<(), SessionError> {
        if !matches!(
            self.phase,
            Phase::ConnectPending | Phase::Authenticating | Phase::Connected
        ) {
            return Err(SessionError::InvalidState);
        }
        let Some(method) = self.auth_method.as_deref() else {
            return Err(SessionError::NoAuthenticationMethod);
        };
        self.core.send_auth(method, code, data);
        Ok(())
    }

    fn on_auth(&mut self, now: Instant, a: Auth) {
        // 5.0 §4.12: AUTH is only valid when the CONNECT named an Authentication Method, and it
        // must name the same one.
        let Some(method) = self.auth_method.as_deref().map(MqttString::from) else {
            return self.fail(now, ProtocolError::UnexpectedAuth);
        };
        if a.properties.authentication_method() != Some(&method) {
            return self.fail(now, ProtocolError::UnexpectedAuth);
        }
        let expected = if self.phase == Phase::Connected {
            AuthReasonCode::ReAuthenticate
        } else {
            AuthReasonCode::ContinueAuthentication
        };
        // A re-authentication continues with 0x18 after the client's first 0x19.
        if a.reason_code != expected && a.reason_code != AuthReasonCode::ContinueAuthentication {
            return self.fail(now, ProtocolError::UnexpectedAuth);
        }
        self.core.event(Event::Auth(Box::new(AuthExchange {
            reason_code: a.reason_code,
            method,
            data: a.properties.authentication_data().cloned(),
        })));
    }

    #[inline]
    fn on_publish(&mut self, now: Instant, p: Publish) {
        // 5.0 §3.2.2.3.4: a QoS above the announced Maximum QoS is answered with DISCONNECT
        // 0x9B; 3.1.1 has no such limit on the wire.
        if self.core.is_v5() && p.qos > self.maximum_qos {
            return self.fail(now, ProtocolError::QoSNotSupported(p.qos));
        }
        // 5.0 §3.2.2.3.5: RETAIN when Retain Available is 0 is answered with 0x9A.
        if self.core.is_v5() && p.retain && !self.retain_available {
            return self.fail(now, ProtocolError::RetainNotSupported);
        }
        if let Err(e) = self.core.handle_publish(p) {
            self.fail(now, e);
        }
    }

    fn on_subscribe(&mut self, s: Subscribe) {
        let identifier = s
            .properties
            .subscription_identifiers()
            .first()
            .and_then(|&id| NonZeroU32::new(id));
        self.pending_subscribes.push(PendingSubscribe {
            packet_id: s.packet_id,
            filters: s
                .subscriptions
                .iter()
                .map(|x| (Box::from(x.filter.as_str()), x.options))
                .collect(),
            identifier,
        });
        self.core.event(Event::Subscribe(Box::new(s)));
    }

    /// Answers a SUBSCRIBE reported by [`Event::Subscribe`]: one code per topic filter, in
    /// order. Granted filters (codes below 0x80) are stored, replacing an existing
    /// subscription with the same filter (3.1.1 §3.8.4, 5.0 §3.8.4), and the SUBACK is queued.
    pub fn subscribe_result(
        &mut self,
        _now: Instant,
        packet_id: u16,
        codes: &[SubAckReasonCode],
    ) -> Result<(), SessionError> {
        let Some(i) = self
            .pending_subscribes
            .iter()
            .position(|p| p.packet_id == packet_id)
        else {
            return Err(SessionError::UnknownPacketId(packet_id));
        };
        let expected = self.pending_subscribes[i].filters.len();
        if codes.len() != expected {
            return Err(SessionError::ReasonCodeCount {
                expected,
                given: codes.len(),
            });
        }
        let v5 = self.core.is_v5();
        if !v5 && codes.iter().any(|c| !c.is_v311()) {
            return Err(SessionError::Encode(EncodeError::ReasonCodeNotInVersion(
                codes.iter().find(|c| !c.is_v311()).map_or(0, |c| c.as_u8()),
            )));
        }
        let pending = self.pending_subscribes.remove(i);
        if self.pending_subscribes.is_empty() {
            self.pending_subscribes = Vec::new();
        }
        for ((filter, mut options), code) in pending.filters.into_iter().zip(codes) {
            let granted = match code {
                SubAckReasonCode::GrantedQoS0 => QoS::AtMostOnce,
                SubAckReasonCode::GrantedQoS1 => QoS::AtLeastOnce,
                SubAckReasonCode::GrantedQoS2 => QoS::ExactlyOnce,
                _ => continue,
            };
            options.qos = granted;
            let entry = StoredSubscription {
                filter,
                options,
                identifier: pending.identifier,
            };
            match self
                .core
                .subscriptions
                .iter_mut()
                .find(|s| s.filter == entry.filter)
            {
                Some(existing) => *existing = entry,
                None => {
                    // Exact growth: a session holds a handful of subscriptions for a long time.
                    self.core.subscriptions.reserve_exact(1);
                    self.core.subscriptions.push(entry);
                }
            }
        }
        self.core.send_packet(Packet::SubAck(SubAck {
            packet_id,
            reason_codes: codes.to_vec(),
            properties: Properties::new(),
        }));
        Ok(())
    }

    fn on_unsubscribe(&mut self, u: Unsubscribe) {
        let mut codes = Vec::with_capacity(u.filters.len());
        for f in &u.filters {
            let before = self.core.subscriptions.len();
            self.core.subscriptions.retain(|s| *s.filter != *f.as_str());
            codes.push(if self.core.subscriptions.len() < before {
                UnsubAckReasonCode::Success
            } else {
                UnsubAckReasonCode::NoSubscriptionExisted
            });
        }
        // 3.1.1 §3.11: the 3.1.1 UNSUBACK has no payload.
        if !self.core.is_v5() {
            codes.clear();
        }
        self.core.send_packet(Packet::UnsubAck(UnsubAck {
            packet_id: u.packet_id,
            reason_codes: codes,
            properties: Properties::new(),
        }));
        self.core.event(Event::Unsubscribed(Box::new(u)));
    }

    fn on_disconnect(&mut self, now: Instant, d: Disconnect) {
        if let Some(interval) = d.properties.session_expiry_interval() {
            // 5.0 §3.14.2.2.2: a client that connected with 0 may not set it now.
            if self.session_expiry == 0 && interval != 0 {
                return self.fail(now, ProtocolError::SessionExpiryAfterZero);
            }
            self.session_expiry = interval;
        }
        self.close(
            now,
            Close::PeerDisconnect {
                reason_code: d.reason_code,
                reason_string: d.properties.reason_string().cloned(),
            },
        );
    }

    /// The network connection was lost (read error, EOF without DISCONNECT): an abnormal end
    /// that publishes the Will.
    pub fn handle_connection_lost(&mut self, now: Instant) {
        self.core.clear_transmit();
        self.close(now, Close::ConnectionLost);
    }

    /// Ends the connection from the server side with `code` (MQTT 5 DISCONNECT; 3.1.1 just
    /// closes). The Will is published: the client did not disconnect normally.
    pub fn disconnect(&mut self, now: Instant, code: DisconnectReasonCode) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.phase == Phase::Connected {
            self.core.send_disconnect(code);
        }
        let close = if code == DisconnectReasonCode::SessionTakenOver {
            Close::SessionTakenOver
        } else {
            Close::LocalDisconnect { reason_code: code }
        };
        self.close(now, close);
    }

    /// A protocol error: MQTT 5 sends the reason in a DISCONNECT (or in the CONNACK before the
    /// connection is accepted), 3.1.1 closes (5.0 §4.13).
    fn fail(&mut self, now: Instant, e: ProtocolError) {
        if self.core.is_v5() {
            match self.phase {
                Phase::Connected => self.core.send_disconnect(e.reason_code()),
                Phase::ConnectPending | Phase::Authenticating => {
                    let code = ConnectReasonCode::from_u8(e.reason_code().as_u8())
                        .unwrap_or(ConnectReasonCode::UnspecifiedError);
                    self.core.send_packet(Packet::ConnAck(ConnAck {
                        session_present: false,
                        reason_code: code,
                        properties: Properties::new(),
                    }));
                }
                _ => {}
            }
        }
        self.close(now, Close::ProtocolError(e));
    }

    fn close(&mut self, now: Instant, reason: Close) {
        if self.phase == Phase::Closed {
            return;
        }
        let was_connected = self.phase == Phase::Connected;
        self.phase = Phase::Closed;
        self.core.connected = false;
        self.handshake = None;
        self.pending_subscribes = Vec::new();
        if was_connected && reason.publishes_will() {
            if let Some(will) = &self.will {
                // 5.0 §3.1.3.2.2: the Will is published after the Will Delay Interval or when
                // the session ends, whichever comes first.
                let delay = will.properties.will_delay_interval().unwrap_or(0);
                let delay = delay.min(self.session_expiry);
                self.will_due = now + Duration::from_secs(u64::from(delay));
            }
        } else {
            self.will = None;
        }
        if was_connected {
            match self.session_expiry {
                0 => self.expires_at = now,
                u32::MAX => {}
                s => self.expires_at = now + Duration::from_secs(u64::from(s)),
            }
        } else {
            self.core.clear_session();
            self.core.clear_queued();
        }
        self.core.event(Event::Closed(reason));
        self.check_closed_timers(now);
    }

    fn check_closed_timers(&mut self, now: Instant) {
        if self.will_due <= now {
            self.will_due = Instant::NEVER;
            if let Some(w) = self.will.take() {
                self.core.event(Event::Will(w));
            }
        }
        if self.expires_at <= now {
            self.expires_at = Instant::NEVER;
            self.core.clear_session();
            self.core.clear_queued();
            self.has_session = false;
            self.core.event(Event::SessionExpired);
        }
    }

    // ----- timers -----

    /// When [`ServerSession::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::AwaitConnect | Phase::ConnectPending | Phase::Authenticating => {
                Some(self.connect_deadline)
            }
            // 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: one and a half times the Keep Alive without a
            // packet from the client closes the connection.
            Phase::Connected => (self.keep_alive > 0).then(|| {
                self.core.last_rx + Duration::from_millis(u64::from(self.keep_alive) * 1500)
            }),
            Phase::Closed => {
                Some(self.will_due.min(self.expires_at)).filter(|&t| t != Instant::NEVER)
            }
        }
    }

    /// Handles the timers that are due at `now`: the connect timeout, the keep-alive, the Will
    /// Delay Interval and the Session Expiry Interval.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::AwaitConnect | Phase::ConnectPending | Phase::Authenticating => {
                if now >= self.connect_deadline {
                    self.handshake = None;
                    self.close(now, Close::ProtocolError(ProtocolError::ConnectTimeout));
                }
            }
            Phase::Connected => {
                if self.poll_timeout().is_some_and(|t| now >= t) {
                    self.core
                        .send_disconnect(DisconnectReasonCode::KeepAliveTimeout);
                    self.close(now, Close::KeepAliveTimeout);
                }
            }
            Phase::Closed => {
                self.core.expire_queued(now);
                self.check_closed_timers(now);
            }
        }
    }

    // ----- output -----

    /// Appends the packets to send to `buf` and returns how many bytes were added. Call it
    /// after every `handle_*` call and after [`ServerSession::publish`].
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut BytesMut) -> usize {
        self.core.poll_transmit(now, buf)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.poll_event()
    }

    // ----- application messages -----

    /// Delivers a message to the client: sent at the next `poll_transmit` within the client's
    /// Receive Maximum, or queued (QoS 1/2) while the client is offline. Returns the packet
    /// identifier given to a QoS 1/2 message (0 for QoS 0).
    ///
    /// A message larger than the client's Maximum Packet Size is refused
    /// ([`PublishError::PacketTooLarge`]); 5.0 §3.1.2.11.4 says to treat it as delivered.
    pub fn publish(&mut self, now: Instant, message: Message) -> Result<u16, PublishError> {
        if message.qos == QoS::AtMostOnce && self.phase != Phase::Connected {
            return Err(PublishError::NotConnected);
        }
        if self.phase == Phase::Connected {
            check_size(&self.core.encoder, &message)?;
        }
        self.core.enqueue(now, message)
    }

    // ----- session state -----

    /// A copy of the session state, for persistence.
    pub fn session_state(&self, now: Instant) -> SessionState {
        self.core.export(now)
    }

    /// Whether this object holds a session: accepted, and not expired or taken since.
    pub fn has_session(&self) -> bool {
        self.has_session
    }

    /// Takes the session state away from this connection, for a new connection of the same
    /// client (session takeover or resumption); `None` if there is no session (never
    /// accepted, expired, or already taken). A live connection is closed with DISCONNECT 0x8E
    /// (5.0 §3.1.4) and its Will is handled as for any abnormal close, except that a Will still
    /// waiting for its Will Delay Interval is cancelled: the session continues elsewhere
    /// (5.0 §3.1.3.2.2).
    pub fn take_session(&mut self, now: Instant) -> Option<SessionState> {
        if self.phase == Phase::Connected {
            self.core
                .send_disconnect(DisconnectReasonCode::SessionTakenOver);
            self.close(now, Close::SessionTakenOver);
        }
        if !self.has_session {
            return None;
        }
        // Report what expired while the session waited (5.0 §3.3.2.3.3).
        self.core.expire_queued(now);
        self.will = None;
        self.will_due = Instant::NEVER;
        self.expires_at = Instant::NEVER;
        self.has_session = false;
        let state = self.core.export(now);
        self.core.clear_session();
        self.core.clear_queued();
        Some(state)
    }
}

/// Refuses a message that cannot fit the peer's Maximum Packet Size (checked with the largest
/// form it can take: full topic name, no alias).
pub(super) fn check_size(encoder: &Encoder, message: &Message) -> Result<(), PublishError> {
    let mut p: Publish = message.to_publish();
    if p.qos != QoS::AtMostOnce {
        p.packet_id = 1;
    }
    if encoder.protocol_version() == ProtocolVersion::V311 {
        p.properties = Properties::new();
    }
    match encoder.encoded_len(&Packet::Publish(p)) {
        Ok(_) => Ok(()),
        Err(EncodeError::PacketTooLarge { size, max }) => {
            Err(PublishError::PacketTooLarge { size, max })
        }
        Err(EncodeError::InvalidTopicName(e)) => Err(PublishError::InvalidTopic(e)),
        Err(e) => Err(PublishError::Encode(e)),
    }
}
