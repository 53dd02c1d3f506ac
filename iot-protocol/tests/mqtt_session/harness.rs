//! A deterministic two-party harness: a client session and a server session joined by an
//! in-memory link with a virtual clock, a one-way latency, link drops and reconnects. Every
//! packet that crosses the link is decoded again and recorded in a trace, so that tests can
//! check the exact packet order and flags.
//!
//! The harness plays the broker around the server session: it accepts CONNECTs (resuming the
//! session held by the previous connection of the client, as a broker does on takeover), grants
//! subscriptions at the requested QoS, and keeps what each side reported.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::session::{
    Accept, ClientConfig, ClientSession, Event, Instant, ServerConfig, ServerSession, SessionState,
};
use iot_protocol::mqtt::{
    Decoder, Packet, PacketType, ProtocolVersion, Publish, SubAckReasonCode, Will,
};

/// Direction of a packet on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// How the harness answers a CONNECT.
#[derive(Debug, Clone, Default)]
pub(crate) enum ConnectPolicy {
    /// Accept, resuming the previous connection's session.
    #[default]
    Accept,
    /// Leave the decision to the test (events stay in `server_events`).
    Manual,
}

pub(crate) struct Pair {
    pub(crate) now: Instant,
    pub(crate) latency: Duration,
    pub(crate) client: ClientSession,
    pub(crate) server: ServerSession,
    pub(crate) server_config: ServerConfig,
    /// Previous server connections of this client (closed; may still hold a Will or a session).
    pub(crate) old_servers: Vec<ServerSession>,
    /// A session persisted by the "broker" (used instead of an old connection when set).
    pub(crate) stored: Option<SessionState>,
    pub(crate) assigned_client_id: Option<String>,
    pub(crate) policy: ConnectPolicy,
    /// Whether subscriptions are granted automatically at the requested QoS.
    pub(crate) auto_grant: bool,
    link_up: bool,
    up: VecDeque<(Instant, Bytes)>,
    down: VecDeque<(Instant, Bytes)>,
    server_rx: BytesMut,
    client_rx: BytesMut,
    up_decoder: Decoder,
    down_decoder: Decoder,
    /// Packets as transmitted (also those lost on a dropped link).
    pub(crate) trace: Vec<(Dir, Packet)>,
    /// Packets as they arrived at the other side.
    pub(crate) arrived: Vec<(Dir, Packet)>,
    /// Transmissions (`false`) and arrivals (`true`) in the order they happened.
    pub(crate) log: Vec<(Dir, bool, Packet)>,
    up_arrival_decoder: Decoder,
    down_arrival_decoder: Decoder,
    pub(crate) client_events: Vec<Event>,
    pub(crate) server_events: Vec<Event>,
    /// Application messages delivered to the client / to the server, in order.
    pub(crate) client_received: Vec<Publish>,
    pub(crate) server_received: Vec<Publish>,
    /// Wills the broker was told to publish.
    pub(crate) wills: Vec<Will>,
}

impl Pair {
    pub(crate) fn new(client: ClientConfig, server: ServerConfig) -> Self {
        let now = Instant::from_millis(1_000);
        let version = client_version(&client);
        Self {
            now,
            latency: Duration::from_millis(10),
            client: ClientSession::new(client),
            server: ServerSession::new(&server, now),
            server_config: server,
            old_servers: Vec::new(),
            stored: None,
            assigned_client_id: None,
            policy: ConnectPolicy::Accept,
            auto_grant: true,
            link_up: true,
            up: VecDeque::new(),
            down: VecDeque::new(),
            server_rx: BytesMut::new(),
            client_rx: BytesMut::new(),
            up_decoder: Decoder::new(),
            down_decoder: Decoder::with_version(version),
            trace: Vec::new(),
            arrived: Vec::new(),
            log: Vec::new(),
            up_arrival_decoder: Decoder::new(),
            down_arrival_decoder: Decoder::with_version(version),
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_received: Vec::new(),
            server_received: Vec::new(),
            wills: Vec::new(),
        }
    }

    pub(crate) fn v5(client_id: &str) -> Self {
        Self::new(
            ClientConfig::new(ProtocolVersion::V5, client_id),
            ServerConfig::new(),
        )
    }

    pub(crate) fn v311(client_id: &str) -> Self {
        Self::new(
            ClientConfig::new(ProtocolVersion::V311, client_id),
            ServerConfig::new(),
        )
    }

    /// Connects and runs until the handshake settles.
    pub(crate) fn connect(&mut self) {
        self.client.connect(self.now).unwrap();
        self.drive();
    }

    /// Moves packets, events and due timers until nothing is in flight; the clock advances
    /// only to deliver packets in flight.
    pub(crate) fn drive(&mut self) {
        self.drive_until(|_| false);
    }

    /// As [`Pair::drive`], stopping as soon as `cond` holds after a step.
    pub(crate) fn drive_until(&mut self, cond: impl Fn(&Pair) -> bool) {
        for _ in 0..10_000 {
            let progressed = self.step();
            if cond(self) {
                return;
            }
            if progressed {
                continue;
            }
            // Advance to the next arrival, if any.
            let next = self
                .up
                .front()
                .map(|x| x.0)
                .into_iter()
                .chain(self.down.front().map(|x| x.0))
                .min();
            match next {
                Some(t) => self.now = self.now.max(t),
                None => return,
            }
        }
        panic!("harness did not settle");
    }

    /// Runs for `d` of virtual time: packets, events and timers (keep-alive, expiry) in order.
    pub(crate) fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        for _ in 0..100_000 {
            while self.step() {}
            let mut next: Vec<Instant> = Vec::new();
            next.extend(self.up.front().map(|x| x.0));
            next.extend(self.down.front().map(|x| x.0));
            next.extend(self.client.poll_timeout());
            next.extend(self.server.poll_timeout());
            for s in &self.old_servers {
                next.extend(s.poll_timeout());
            }
            let t = next.into_iter().filter(|&t| t <= end).min();
            match t {
                Some(t) => {
                    self.now = self.now.max(t);
                    self.fire_timers();
                }
                None => {
                    self.now = end;
                    self.fire_timers();
                    while self.step() {}
                    return;
                }
            }
        }
        panic!("harness did not settle while advancing");
    }

    fn fire_timers(&mut self) {
        let now = self.now;
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
        for s in &mut self.old_servers {
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now);
            }
        }
    }

    /// One round: transmit, deliver what has arrived, process events. Whether anything moved.
    pub(crate) fn step(&mut self) -> bool {
        let now = self.now;
        let mut progressed = false;
        let mut out = BytesMut::new();
        if self.client.poll_transmit(now, &mut out) > 0 {
            progressed = true;
            let bytes = out.split().freeze();
            self.record(Dir::Up, &bytes);
            if self.link_up {
                self.up.push_back((now + self.latency, bytes));
            }
        }
        if self.server.poll_transmit(now, &mut out) > 0 {
            progressed = true;
            let bytes = out.split().freeze();
            self.record(Dir::Down, &bytes);
            if self.link_up {
                self.down.push_back((now + self.latency, bytes));
            }
        }
        if !self.server_rx.is_empty() && self.server.is_connected() {
            // Packets pipelined behind the CONNECT wait for the accept.
            let before = self.server_rx.len();
            self.server.handle_bytes(now, &mut self.server_rx);
            progressed |= self.server_rx.len() != before;
        }
        while self.up.front().is_some_and(|x| x.0 <= now) {
            let (_, b) = self.up.pop_front().unwrap();
            let n = self.arrived.len();
            decode_into(&mut self.up_arrival_decoder, Dir::Up, &b, &mut self.arrived);
            for (d, p) in &self.arrived[n..] {
                self.log.push((*d, true, p.clone()));
            }
            self.server_rx.extend_from_slice(&b);
            self.server.handle_bytes(now, &mut self.server_rx);
            progressed = true;
        }
        while self.down.front().is_some_and(|x| x.0 <= now) {
            let (_, b) = self.down.pop_front().unwrap();
            let n = self.arrived.len();
            decode_into(
                &mut self.down_arrival_decoder,
                Dir::Down,
                &b,
                &mut self.arrived,
            );
            for (d, p) in &self.arrived[n..] {
                self.log.push((*d, true, p.clone()));
            }
            self.client_rx.extend_from_slice(&b);
            self.client.handle_bytes(now, &mut self.client_rx);
            progressed = true;
        }
        while let Some(e) = self.client.poll_event() {
            progressed = true;
            if let Event::Publish(p) = &e {
                self.client_received.push((**p).clone());
            }
            self.client_events.push(e);
        }
        let mut olds = std::mem::take(&mut self.old_servers);
        for s in &mut olds {
            while let Some(e) = s.poll_event() {
                progressed = true;
                self.on_server_event(e, false);
            }
        }
        self.old_servers = olds;
        while let Some(e) = self.server.poll_event() {
            progressed = true;
            self.on_server_event(e, true);
        }
        progressed
    }

    fn on_server_event(&mut self, e: Event, current: bool) {
        let now = self.now;
        match &e {
            Event::Publish(p) => self.server_received.push((**p).clone()),
            Event::Will(w) => self.wills.push((**w).clone()),
            Event::ConnectRequest(_) if current => {
                if let ConnectPolicy::Accept = self.policy {
                    let session = self.take_previous_session();
                    let accept = Accept {
                        session,
                        assigned_client_id: self.assigned_client_id.clone(),
                        authentication_data: None,
                    };
                    self.server.accept(now, accept).unwrap();
                }
            }
            Event::Subscribe(s) if current && self.auto_grant => {
                let codes: Vec<SubAckReasonCode> = s
                    .subscriptions
                    .iter()
                    .map(|x| SubAckReasonCode::from_u8(x.options.qos as u8).unwrap())
                    .collect();
                self.server
                    .subscribe_result(now, s.packet_id, &codes)
                    .unwrap();
            }
            _ => {}
        }
        self.server_events.push(e);
    }

    /// The session of the client's previous connection, as a broker hands it over on takeover
    /// (this cancels a pending Will Delay, 5.0 §3.1.3.2.2).
    pub(crate) fn take_previous_session(&mut self) -> Option<SessionState> {
        if let Some(s) = self.stored.take() {
            return Some(s);
        }
        let now = self.now;
        self.old_servers.last_mut()?.take_session(now)
    }

    fn record(&mut self, dir: Dir, bytes: &Bytes) {
        let dec = match dir {
            Dir::Up => &mut self.up_decoder,
            Dir::Down => &mut self.down_decoder,
        };
        let n = self.trace.len();
        decode_into(dec, dir, bytes, &mut self.trace);
        for (d, p) in &self.trace[n..] {
            self.log.push((*d, false, p.clone()));
        }
    }

    /// The link fails: data in flight is lost and both sides notice at once.
    pub(crate) fn drop_link(&mut self) {
        self.up.clear();
        self.down.clear();
        self.server_rx.clear();
        self.client_rx.clear();
        let now = self.now;
        self.client.handle_connection_lost(now);
        self.server.handle_connection_lost(now);
        while self.step() {}
        self.link_up = false;
    }

    /// The link goes silent: nothing arrives any more, nobody is told.
    pub(crate) fn silence_link(&mut self) {
        self.link_up = false;
        self.up.clear();
        self.down.clear();
    }

    /// A new network connection for the same client: a fresh server session (the old one is
    /// kept for its Will and session), then CONNECT.
    pub(crate) fn reconnect(&mut self) {
        let now = self.now;
        self.link_up = true;
        self.up.clear();
        self.down.clear();
        self.server_rx.clear();
        self.client_rx.clear();
        self.up_decoder = Decoder::new();
        self.up_arrival_decoder = Decoder::new();
        let v = self.client.protocol_version();
        self.down_decoder = Decoder::with_version(v);
        self.down_arrival_decoder = Decoder::with_version(v);
        let new = ServerSession::new(&self.server_config, now);
        let old = std::mem::replace(&mut self.server, new);
        self.old_servers.push(old);
        self.connect();
    }

    /// Packets of `ty` in the trace, in one direction.
    pub(crate) fn packets(&self, dir: Dir, ty: PacketType) -> Vec<&Packet> {
        self.trace
            .iter()
            .filter(|(d, p)| *d == dir && p.packet_type() == ty)
            .map(|(_, p)| p)
            .collect()
    }

    /// The packet types of the trace after index `from`, with their direction.
    pub(crate) fn types_since(&self, from: usize) -> Vec<(Dir, PacketType)> {
        self.trace[from..]
            .iter()
            .map(|(d, p)| (*d, p.packet_type()))
            .collect()
    }

    /// Feeds a raw packet to the server as if the client had sent it.
    pub(crate) fn inject_to_server(&mut self, p: Packet) {
        let now = self.now;
        self.server.handle_packet(now, p);
        self.drive();
    }

    /// Feeds a raw packet to the client as if the server had sent it.
    pub(crate) fn inject_to_client(&mut self, p: Packet) {
        let now = self.now;
        self.client.handle_packet(now, p);
        self.drive();
    }

    pub(crate) fn client_closed(&self) -> Option<&iot_protocol::mqtt::session::Close> {
        self.client_events.iter().find_map(|e| match e {
            Event::Closed(c) => Some(c),
            _ => None,
        })
    }

    pub(crate) fn server_closed(&self) -> Option<&iot_protocol::mqtt::session::Close> {
        self.server_events.iter().find_map(|e| match e {
            Event::Closed(c) => Some(c),
            _ => None,
        })
    }
}

fn client_version(c: &ClientConfig) -> ProtocolVersion {
    // The config does not expose its version; a throwaway session does.
    ClientSession::new(c.clone()).protocol_version()
}

fn decode_into(dec: &mut Decoder, dir: Dir, bytes: &Bytes, into: &mut Vec<(Dir, Packet)>) {
    let mut b = bytes.clone();
    while !b.is_empty() {
        match dec.decode_bytes(&mut b) {
            Ok(Some(p)) => into.push((dir, p)),
            other => panic!("{dir:?} produced undecodable bytes: {other:?}"),
        }
    }
}
