//! The machinery both roles share: packet identifiers, the QoS 1/2 exchanges in both directions,
//! Receive Maximum quotas, topic aliases, the queue of messages to send, and the packets waiting
//! for `poll_transmit`.

use alloc::{boxed::Box, collections::VecDeque, string::String, vec::Vec};
use bytes::{Bytes, BytesMut};

use super::{
    AckOutcome, DropReason, Event, ProtocolError, PublishError,
    state::{Instant, Message, OutgoingMessage, SessionState, StoredSubscription},
};
use crate::mqtt::{
    Auth, AuthReasonCode, Disconnect, EncodeError, Encoder, MqttString, Packet, Properties,
    ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, QoS, TopicName,
    reason::{
        DisconnectReasonCode, PubAckReasonCode, PubCompReasonCode, PubRecReasonCode,
        PubRelReasonCode,
    },
};

/// A packet waiting for `poll_transmit`. The frequent acknowledgements are kept as a few bytes;
/// anything else is a boxed packet.
#[derive(Debug)]
pub(super) enum Control {
    PubAck(u16),
    PubRec(u16),
    PubRel(u16, PubRelReasonCode),
    PubComp(u16, PubCompReasonCode),
    PingReq,
    PingResp,
    Packet(Box<Packet>),
}

/// A QoS 1/2 message in flight.
#[derive(Debug)]
pub(super) struct Outgoing {
    pub(super) packet_id: u16,
    pub(super) released: bool,
    /// Sent on the current connection (cleared at resumption, so it is re-sent once with DUP).
    pub(super) sent: bool,
    pub(super) message: Message,
}

/// A message waiting to be sent.
#[derive(Debug)]
pub(super) struct Queued {
    /// Assigned when the message is accepted (0 for QoS 0), so the caller can match the
    /// acknowledgement; it counts as in use from then on.
    pub(super) packet_id: u16,
    pub(super) message: Message,
    pub(super) expires_at: Option<Instant>,
}

/// Topic alias tables of one network connection (5.0 §3.3.2.3.4). Allocated only when aliases
/// are in use.
#[derive(Debug, Default)]
pub(super) struct Aliases {
    /// Alias `i + 1` → topic, as set by the peer.
    inbound: Vec<Option<TopicName>>,
    /// Alias `i + 1` → topic, as assigned by us.
    outbound: Vec<TopicName>,
}

/// Messages in flight or queued, and the per-connection alias tables: allocated while any of
/// it is in use, so that an idle session does not carry it.
#[derive(Debug, Default)]
pub(super) struct Transit {
    pub(super) outgoing: VecDeque<Outgoing>,
    pub(super) incoming_qos2: Vec<u16>,
    pub(super) queued: VecDeque<Queued>,
    /// Packet identifiers held by SUBSCRIBE/UNSUBSCRIBE (client).
    pub(super) reserved_ids: Vec<u16>,
    aliases: Aliases,
}

impl Transit {
    const EMPTY: Self = Self {
        outgoing: VecDeque::new(),
        incoming_qos2: Vec::new(),
        queued: VecDeque::new(),
        reserved_ids: Vec::new(),
        aliases: Aliases {
            inbound: Vec::new(),
            outbound: Vec::new(),
        },
    };

    fn is_empty(&self) -> bool {
        self.outgoing.is_empty()
            && self.incoming_qos2.is_empty()
            && self.queued.is_empty()
            && self.reserved_ids.is_empty()
            && self.aliases.inbound.is_empty()
            && self.aliases.outbound.is_empty()
    }
}

static EMPTY_TRANSIT: Transit = Transit::EMPTY;

/// The parts of a session common to client and server, laid out to stay small while idle.
#[derive(Debug)]
pub(super) struct Core {
    pub(super) encoder: Encoder,
    pub(super) version: ProtocolVersion,
    /// Connected: CONNACK sent/received and not closed.
    pub(super) connected: bool,
    pub(super) next_packet_id: u16,
    /// How many QoS 1/2 PUBLISH we may have unacknowledged: min(peer's Receive Maximum, our
    /// in-flight limit).
    pub(super) send_quota_max: u16,
    /// The Receive Maximum we announced.
    pub(super) receive_maximum: u16,
    /// The Topic Alias Maximum the peer announced (aliases we may use).
    pub(super) peer_alias_max: u16,
    /// The Topic Alias Maximum we announced (aliases the peer may use).
    pub(super) alias_max: u16,
    /// QoS 1 PUBLISH received whose PUBACK is not written yet.
    unacked_qos1: u16,
    pub(super) max_queued: u32,
    pub(super) last_rx: Instant,
    pub(super) client_id: Box<str>,
    pub(super) subscriptions: Vec<StoredSubscription>,
    transit: Option<Box<Transit>>,
    control: Vec<Control>,
    events: VecDeque<Event>,
}

impl Core {
    pub(super) fn new(version: ProtocolVersion) -> Self {
        Self {
            encoder: Encoder::new(version),
            version,
            connected: false,
            next_packet_id: 1,
            send_quota_max: u16::MAX,
            receive_maximum: u16::MAX,
            peer_alias_max: 0,
            alias_max: 0,
            unacked_qos1: 0,
            max_queued: 1000,
            last_rx: Instant::default(),
            client_id: Box::from(""),
            subscriptions: Vec::new(),
            transit: None,
            control: Vec::new(),
            events: VecDeque::new(),
        }
    }

    pub(super) fn set_version(&mut self, version: ProtocolVersion) {
        self.version = version;
        self.encoder.set_protocol_version(version);
    }

    pub(super) fn is_v5(&self) -> bool {
        self.version == ProtocolVersion::V5
    }

    /// The messages in flight and queued (an empty set while none are).
    pub(super) fn tr(&self) -> &Transit {
        self.transit.as_deref().unwrap_or(&EMPTY_TRANSIT)
    }

    /// Mutable access, allocating the set on first use.
    pub(super) fn tm(&mut self) -> &mut Transit {
        self.transit.get_or_insert_with(Box::default)
    }

    /// Frees the set when nothing is in it any more.
    fn release_transit(&mut self) {
        if self.transit.as_deref().is_some_and(Transit::is_empty) {
            self.transit = None;
        }
    }

    pub(super) fn inflight_len(&self) -> usize {
        self.tr().outgoing.len()
    }

    pub(super) fn queued_len(&self) -> usize {
        self.tr().queued.len()
    }

    pub(super) fn clear_queued(&mut self) {
        if let Some(t) = self.transit.as_mut() {
            t.queued.clear();
        }
        self.release_transit();
    }

    pub(super) fn reserve_id(&mut self, id: u16) {
        self.tm().reserved_ids.push(id);
    }

    pub(super) fn clear_reserved(&mut self) {
        if let Some(t) = self.transit.as_mut() {
            t.reserved_ids.clear();
        }
        self.release_transit();
    }

    pub(super) fn release_id(&mut self, id: u16) {
        if let Some(t) = self.transit.as_mut() {
            t.reserved_ids.retain(|&x| x != id);
        }
        self.release_transit();
    }

    // ----- events and control packets -----

    #[inline]
    pub(super) fn event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub(super) fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front();
        if e.is_none() && self.events.capacity() > 0 {
            // An idle session keeps no buffer (the memory budget of an idle session).
            self.events = VecDeque::new();
        }
        e
    }

    pub(super) fn send_packet(&mut self, p: Packet) {
        self.control.push(Control::Packet(Box::new(p)));
    }

    /// Queues an AUTH packet of the enhanced authentication `method` (5.0 §3.15, §4.12).
    pub(super) fn send_auth(&mut self, method: &str, code: AuthReasonCode, data: Option<Bytes>) {
        let mut properties = Properties::new();
        properties.set_authentication_method(Some(MqttString::from(method)));
        properties.set_authentication_data(data);
        self.send_packet(Packet::Auth(Auth {
            reason_code: code,
            properties,
        }));
    }

    pub(super) fn send_control(&mut self, c: Control) {
        self.control.push(c);
    }

    /// Drops every packet not yet written (the connection is gone).
    pub(super) fn clear_transmit(&mut self) {
        self.control = Vec::new();
        self.unacked_qos1 = 0;
    }

    /// Queues a DISCONNECT with `code` (MQTT 5 only; 3.1.1 has no DISCONNECT from a server and
    /// a client's carries no reason).
    pub(super) fn send_disconnect(&mut self, code: DisconnectReasonCode) {
        if self.is_v5() {
            let mut d = Disconnect::new();
            d.reason_code = code;
            self.send_packet(Packet::Disconnect(d));
        }
    }

    // ----- packet identifiers -----

    fn id_in_use(&self, id: u16) -> bool {
        self.tr().outgoing.iter().any(|o| o.packet_id == id)
            || self.tr().reserved_ids.contains(&id)
            || self.tr().queued.iter().any(|q| q.packet_id == id)
    }

    /// A packet identifier not used by any exchange in flight (3.1.1 §2.3.1, 5.0 §2.2.1: a new
    /// packet MUST use an identifier that is not in use).
    pub(super) fn alloc_packet_id(&mut self) -> Option<u16> {
        let in_use =
            self.tr().outgoing.len() + self.tr().reserved_ids.len() + self.tr().queued.len();
        if in_use >= usize::from(u16::MAX) {
            return None;
        }
        let mut id = self.next_packet_id.max(1);
        // At most `in_use + 1` candidates are tried: one of them is free.
        loop {
            if !self.id_in_use(id) {
                self.next_packet_id = id.checked_add(1).unwrap_or(1);
                return Some(id);
            }
            id = id.checked_add(1).unwrap_or(1);
        }
    }

    // ----- sending -----

    /// Accepts a message for sending: it goes out at the next `poll_transmit` when the send
    /// quota allows, in order.
    /// Returns the packet identifier given to a QoS 1/2 message (0 for QoS 0).
    pub(super) fn enqueue(
        &mut self,
        now: Instant,
        mut message: Message,
    ) -> Result<u16, PublishError> {
        let max_queued = usize::try_from(self.max_queued).unwrap_or(usize::MAX);
        if self.tr().queued.len() >= max_queued {
            return Err(PublishError::QueueFull(max_queued));
        }
        let packet_id = if message.qos == QoS::AtMostOnce {
            0
        } else {
            self.alloc_packet_id()
                .ok_or(PublishError::PacketIdsExhausted)?
        };
        if !self.is_v5() {
            message.properties = None;
        }
        let expires_at = match message.expiry_interval() {
            Some(secs) if self.is_v5() => {
                Some(now + core::time::Duration::from_secs(u64::from(secs)))
            }
            _ => None,
        };
        self.tm().queued.push_back(Queued {
            packet_id,
            message,
            expires_at,
        });
        Ok(packet_id)
    }

    /// The PUBLISH for `message` as it goes on the wire now, without alias.
    fn build_publish(&self, now: Instant, q: &Message, expires_at: Option<Instant>) -> Publish {
        let mut p = Publish::new(q.topic.clone(), q.payload.clone());
        p.qos = q.qos;
        p.retain = q.retain;
        if self.is_v5() {
            if let Some(props) = &q.properties {
                p.properties = crate::mqtt::Properties::clone(props);
                p.properties.set_topic_alias(None);
            }
            // 5.0 §3.3.2.3.3: the interval sent is the received value minus the time the
            // message waited.
            if let Some(at) = expires_at {
                let left = at.saturating_duration_since(now).as_secs();
                p.properties.set_message_expiry_interval(Some(
                    u32::try_from(left.max(1)).unwrap_or(u32::MAX),
                ));
            }
        }
        p
    }

    /// Encodes `p`, applying an outbound topic alias when the peer allows them. The alias is
    /// recorded only if the packet was written.
    fn encode_publish(&mut self, mut p: Publish, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let max = usize::from(self.peer_alias_max);
        if self.is_v5() && max > 0 {
            let aliases = &self.tr().aliases;
            if let Some(i) = aliases.outbound.iter().position(|t| *t == p.topic) {
                p.properties.set_topic_alias(u16::try_from(i + 1).ok());
                p.topic = TopicName::empty();
                return self.encoder.encode_publish(&p, buf);
            }
            if aliases.outbound.len() < max {
                let alias = u16::try_from(aliases.outbound.len() + 1).unwrap_or(u16::MAX);
                p.properties.set_topic_alias(Some(alias));
                self.encoder.encode_publish(&p, buf)?;
                self.tm().aliases.outbound.push(p.topic);
                return Ok(());
            }
        }
        self.encoder.encode_publish(&p, buf)
    }

    fn write_control(&mut self, c: Control, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let v5 = self.is_v5();
        match c {
            Control::PubAck(id) => {
                self.unacked_qos1 = self.unacked_qos1.saturating_sub(1);
                self.encoder.encode(&Packet::PubAck(PubAck::new(id)), buf)
            }
            Control::PubRec(id) => self.encoder.encode(&Packet::PubRec(PubRec::new(id)), buf),
            Control::PubRel(id, code) => {
                let mut p = PubRel::new(id);
                if v5 {
                    p.reason_code = code;
                }
                self.encoder.encode(&Packet::PubRel(p), buf)
            }
            Control::PubComp(id, code) => {
                let mut p = PubComp::new(id);
                if v5 {
                    p.reason_code = code;
                }
                self.encoder.encode(&Packet::PubComp(p), buf)
            }
            Control::PingReq => self
                .encoder
                .encode(&Packet::PingReq(crate::mqtt::PingReq), buf),
            Control::PingResp => self
                .encoder
                .encode(&Packet::PingResp(crate::mqtt::PingResp), buf),
            Control::Packet(mut p) => match self.encoder.encode(&p, buf) {
                // 5.0 §3.1.2.11.4: Reason String and User Properties may be left out to fit
                // the peer's Maximum Packet Size.
                Err(EncodeError::PacketTooLarge { .. }) if strip_optional(&mut p) => {
                    self.encoder.encode(&p, buf)
                }
                r => r,
            },
        }
    }

    /// Writes control packets, then (when connected) re-sends and queued messages within the
    /// send quota. Returns the number of bytes appended to `buf`.
    pub(super) fn poll_transmit(&mut self, now: Instant, buf: &mut BytesMut) -> usize {
        let start = buf.len();
        // Control packets without properties are a few bytes and always fit; a boxed packet
        // that cannot be encoded even without its optional properties is skipped (it was built
        // by this module, so this is not reachable with a sane peer limit).
        for c in core::mem::take(&mut self.control) {
            let _ = self.write_control(c, buf);
        }
        if self.connected {
            self.resend(now, buf);
            self.send_queued(now, buf);
        }
        self.release_transit();
        buf.len() - start
    }

    /// 3.1.1 §4.4, 5.0 §4.4: after resumption, unacknowledged PUBLISH (DUP set) and PUBREL are
    /// re-sent with their original packet identifiers, in order.
    fn resend(&mut self, now: Instant, buf: &mut BytesMut) {
        let mut i = 0;
        while i < self.tr().outgoing.len() {
            let o = &self.tr().outgoing[i];
            if o.sent {
                i += 1;
                continue;
            }
            let id = o.packet_id;
            let result = if o.released {
                let p = PubRel::new(id);
                self.encoder.encode(&Packet::PubRel(p), buf)
            } else {
                let mut p = self.build_publish(now, &o.message, None);
                p.packet_id = id;
                p.dup = true;
                self.encode_publish(p, buf)
            };
            match result {
                Ok(()) => {
                    if let Some(o) = self.tm().outgoing.get_mut(i) {
                        o.sent = true;
                    }
                    i += 1;
                }
                Err(_) => {
                    // Too large for the new connection's limit: behave as if delivered.
                    self.tm().outgoing.remove(i);
                    self.event(Event::MessageDropped {
                        packet_id: id,
                        reason: DropReason::PacketTooLarge,
                    });
                }
            }
        }
    }

    fn send_queued(&mut self, now: Instant, buf: &mut BytesMut) {
        while let Some(front) = self.tr().queued.front() {
            if front.expires_at.is_some_and(|at| at <= now) {
                let packet_id = front.packet_id;
                self.tm().queued.pop_front();
                self.event(Event::MessageDropped {
                    packet_id,
                    reason: DropReason::Expired,
                });
                continue;
            }
            let qos = front.message.qos;
            // 5.0 §4.9: no QoS 1/2 PUBLISH beyond the peer's Receive Maximum; messages stay in
            // order, so a QoS 0 message behind a blocked one waits too.
            if qos != QoS::AtMostOnce
                && self.tr().outgoing.len() >= usize::from(self.send_quota_max)
            {
                break;
            }
            let Some(q) = self.tm().queued.pop_front() else {
                break;
            };
            let mut p = self.build_publish(now, &q.message, q.expires_at);
            let packet_id = q.packet_id;
            p.packet_id = packet_id;
            match self.encode_publish(p, buf) {
                Ok(()) => {
                    if qos != QoS::AtMostOnce {
                        self.tm().outgoing.push_back(Outgoing {
                            packet_id,
                            released: false,
                            sent: true,
                            message: q.message,
                        });
                    }
                }
                Err(_) => self.event(Event::MessageDropped {
                    packet_id,
                    reason: DropReason::PacketTooLarge,
                }),
            }
        }
    }

    // ----- receiving -----

    /// An incoming PUBLISH: topic alias, Receive Maximum, the QoS 1/2 receiver side
    /// (5.0 §4.3.2, §4.3.3), then an event for the application.
    #[inline]
    pub(super) fn handle_publish(&mut self, mut p: Publish) -> Result<(), ProtocolError> {
        if let Some(alias) = p.properties.topic_alias() {
            // The alias is resolved here; the application sees the full topic only.
            p.properties.set_topic_alias(None);
            // 5.0 §3.3.2.3.4: "A Topic Alias of 0 is not permitted"; a value above the
            // announced Topic Alias Maximum is a protocol error (DISCONNECT 0x94).
            if alias == 0 || alias > self.alias_max {
                return Err(ProtocolError::TopicAliasInvalid(alias));
            }
            let aliases = &mut self.tm().aliases;
            let slot = usize::from(alias - 1);
            if p.topic.is_empty() {
                // 5.0 §3.3.4: an alias without a mapping is a protocol error.
                match aliases.inbound.get(slot).and_then(Option::as_ref) {
                    Some(t) => p.topic = t.clone(),
                    None => return Err(ProtocolError::TopicAliasUnknown(alias)),
                }
            } else {
                if aliases.inbound.len() <= slot {
                    aliases.inbound.resize(slot + 1, None);
                }
                // Copied, so that the mapping does not keep the whole frame alive.
                aliases.inbound[slot] =
                    Some(TopicName::from_checked(MqttString::from(p.topic.as_str())));
            }
        }
        match p.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => {
                self.check_receive_maximum()?;
                self.unacked_qos1 += 1;
                self.control.push(Control::PubAck(p.packet_id));
            }
            QoS::ExactlyOnce => {
                // 5.0 §4.3.3 (method A): the identifier is stored until PUBREL; a PUBLISH with
                // a stored identifier is a re-delivery and is acknowledged, not delivered.
                if self.tr().incoming_qos2.contains(&p.packet_id) {
                    self.control.push(Control::PubRec(p.packet_id));
                    return Ok(());
                }
                self.check_receive_maximum()?;
                self.tm().incoming_qos2.push(p.packet_id);
                self.control.push(Control::PubRec(p.packet_id));
            }
        }
        self.event(Event::Publish(Box::new(p)));
        Ok(())
    }

    #[inline]
    fn check_receive_maximum(&self) -> Result<(), ProtocolError> {
        // 5.0 §3.3.4: more than Receive Maximum unacknowledged QoS 1/2 PUBLISH packets is a
        // protocol error (0x93).
        let in_flight = usize::from(self.unacked_qos1) + self.tr().incoming_qos2.len();
        if in_flight >= usize::from(self.receive_maximum) {
            return Err(ProtocolError::ReceiveMaximumExceeded);
        }
        Ok(())
    }

    /// PUBREL: release a QoS 2 message and answer PUBCOMP (5.0 §4.3.3).
    pub(super) fn handle_pubrel(&mut self, id: u16) {
        if let Some(i) = self.tr().incoming_qos2.iter().position(|&x| x == id) {
            self.tm().incoming_qos2.swap_remove(i);
            self.control
                .push(Control::PubComp(id, PubCompReasonCode::Success));
        } else {
            // 5.0 §3.7.2.1: 0x92 Packet Identifier not found. 3.1.1 answers PUBCOMP anyway
            // (the PUBREL is a re-send after the first PUBCOMP was lost).
            self.control.push(Control::PubComp(
                id,
                PubCompReasonCode::PacketIdentifierNotFound,
            ));
        }
    }

    fn find_outgoing(&self, id: u16) -> Option<usize> {
        // Acknowledgements usually come in order, so the front is the likely match.
        self.tr().outgoing.iter().position(|o| o.packet_id == id)
    }

    pub(super) fn handle_puback(&mut self, id: u16, code: PubAckReasonCode) {
        if let Some(i) = self.find_outgoing(id)
            && self.tr().outgoing[i].message.qos == QoS::AtLeastOnce
        {
            self.tm().outgoing.remove(i);
            self.event(Event::Acknowledged {
                packet_id: id,
                outcome: AckOutcome::PubAck(code),
            });
        }
        // A PUBACK for an identifier not in flight is ignored (it may be a late duplicate).
    }

    pub(super) fn handle_pubrec(&mut self, id: u16, code: PubRecReasonCode) {
        match self.find_outgoing(id) {
            Some(i) if self.tr().outgoing[i].message.qos == QoS::ExactlyOnce => {
                if code.is_error() {
                    // 5.0 §4.3.3: a PUBREC with an error ends the exchange; the quota is freed.
                    self.tm().outgoing.remove(i);
                    self.event(Event::Acknowledged {
                        packet_id: id,
                        outcome: AckOutcome::PubRec(code),
                    });
                    return;
                }
                let o = &mut self.tm().outgoing[i];
                o.released = true;
                o.sent = true;
                // The payload is no longer needed: only the PUBREL can be re-sent now.
                o.message.payload = bytes::Bytes::new();
                o.message.properties = None;
                self.control
                    .push(Control::PubRel(id, PubRelReasonCode::Success));
            }
            _ => self.control.push(Control::PubRel(
                id,
                PubRelReasonCode::PacketIdentifierNotFound,
            )),
        }
    }

    pub(super) fn handle_pubcomp(&mut self, id: u16, code: PubCompReasonCode) {
        if let Some(i) = self.find_outgoing(id)
            && self.tr().outgoing[i].released
        {
            self.tm().outgoing.remove(i);
            self.event(Event::Acknowledged {
                packet_id: id,
                outcome: AckOutcome::PubComp(code),
            });
        }
    }

    // ----- connection boundaries -----

    /// A new network connection carries the session: aliases and counters restart, and every
    /// message in flight is re-sent once (3.1.1 §4.4, 5.0 §4.4).
    pub(super) fn start_connection(&mut self) {
        if let Some(t) = self.transit.as_mut() {
            t.aliases = Aliases::default();
            for o in &mut t.outgoing {
                o.sent = false;
            }
        }
        self.release_transit();
        self.unacked_qos1 = 0;
        self.connected = true;
    }

    /// Forgets the session state (Clean Start, or a session that was not present).
    pub(super) fn clear_session(&mut self) -> usize {
        let discarded = self.tr().outgoing.len();
        if let Some(t) = self.transit.as_mut() {
            t.outgoing.clear();
            t.incoming_qos2.clear();
            t.reserved_ids.clear();
        }
        self.subscriptions = Vec::new();
        self.release_transit();
        discarded
    }

    /// Exports the session state (see [`SessionState`]).
    pub(super) fn export(&self, now: Instant) -> SessionState {
        let queued = self
            .tr()
            .queued
            .iter()
            .filter(|q| q.expires_at.is_none_or(|at| at > now))
            .map(|q| {
                let mut m = q.message.clone();
                if let (Some(at), Some(props)) = (q.expires_at, m.properties.as_mut()) {
                    let left = at.saturating_duration_since(now).as_secs().max(1);
                    props
                        .set_message_expiry_interval(Some(u32::try_from(left).unwrap_or(u32::MAX)));
                }
                m
            })
            .collect();
        SessionState {
            client_id: String::from(&*self.client_id),
            subscriptions: self.subscriptions.clone(),
            outgoing: self
                .tr()
                .outgoing
                .iter()
                .map(|o| OutgoingMessage {
                    packet_id: o.packet_id,
                    released: o.released,
                    message: o.message.clone(),
                })
                .collect(),
            incoming_qos2: self.tr().incoming_qos2.clone(),
            queued,
            next_packet_id: self.next_packet_id,
        }
    }

    /// Loads an exported session state. Invalid entries (packet identifier 0, duplicates,
    /// QoS 0 in flight) are dropped rather than trusted.
    pub(super) fn restore(&mut self, now: Instant, state: SessionState) {
        self.client_id = state.client_id.into_boxed_str();
        self.subscriptions = state.subscriptions;
        self.tm().outgoing.clear();
        for o in state.outgoing {
            if o.packet_id == 0
                || o.message.qos == QoS::AtMostOnce
                || self
                    .tr()
                    .outgoing
                    .iter()
                    .any(|x| x.packet_id == o.packet_id)
            {
                continue;
            }
            self.tm().outgoing.push_back(Outgoing {
                packet_id: o.packet_id,
                released: o.released && o.message.qos == QoS::ExactlyOnce,
                sent: false,
                message: o.message,
            });
        }
        let mut incoming = state.incoming_qos2;
        incoming.retain(|&id| id != 0);
        incoming.sort_unstable();
        incoming.dedup();
        self.tm().incoming_qos2 = incoming;
        self.next_packet_id = state.next_packet_id.max(1);
        self.tm().queued.clear();
        for m in state.queued {
            // Restoring never fails for a full queue: the bound applies to new messages.
            let expires_at = m
                .expiry_interval()
                .map(|s| now + core::time::Duration::from_secs(u64::from(s)));
            let packet_id = if m.qos == QoS::AtMostOnce {
                0
            } else {
                match self.alloc_packet_id() {
                    Some(id) => id,
                    None => continue,
                }
            };
            self.tm().queued.push_back(Queued {
                packet_id,
                message: m,
                expires_at,
            });
        }
    }

    /// Drops queued messages whose expiry passed (used while no connection drains the queue).
    pub(super) fn expire_queued(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.tr().queued.len() {
            if self.tr().queued[i].expires_at.is_some_and(|at| at <= now) {
                let packet_id = self.tr().queued[i].packet_id;
                self.tm().queued.remove(i);
                self.event(Event::MessageDropped {
                    packet_id,
                    reason: DropReason::Expired,
                });
            } else {
                i += 1;
            }
        }
    }
}

/// Removes the properties that may be dropped to fit a Maximum Packet Size; whether any was set.
fn strip_optional(p: &mut Packet) -> bool {
    let props = match p {
        Packet::ConnAck(x) => &mut x.properties,
        Packet::PubAck(x) => &mut x.properties,
        Packet::PubRec(x) => &mut x.properties,
        Packet::PubRel(x) => &mut x.properties,
        Packet::PubComp(x) => &mut x.properties,
        Packet::SubAck(x) => &mut x.properties,
        Packet::UnsubAck(x) => &mut x.properties,
        Packet::Disconnect(x) => &mut x.properties,
        Packet::Auth(x) => &mut x.properties,
        _ => return false,
    };
    let had = props.reason_string().is_some() || !props.user_properties().is_empty();
    props.set_reason_string(None);
    props.user_properties_mut().clear();
    had
}
