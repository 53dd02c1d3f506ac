//! The sans-IO exchange layer (RFC 7252 §4 and §5, RFC 7959 §2.4, RFC 7641 §3 and §4).
//!
//! [`Endpoint`] owns the message layer (Confirmable retransmission, acknowledgements, Reset,
//! deduplication, Message IDs) and the request/response layer (tokens, piggy-backed and separate
//! responses, NSTART, Block2 retrieval, observe) for both roles at once. It never reads a clock
//! or touches a socket.
//!
//! # Call order
//!
//! 1. Feed what arrives: [`Endpoint::handle_datagram`]`(now, from, bytes)`.
//! 2. Feed time: when the instant from [`Endpoint::poll_timeout`] has passed, call
//!    [`Endpoint::handle_timeout`]`(now)`.
//! 3. Act: [`Endpoint::request`], [`Endpoint::respond`], [`Endpoint::notify`],
//!    [`Endpoint::cancel`].
//! 4. Drain: [`Endpoint::poll_transmit`] until `None` (send each datagram), then
//!    [`Endpoint::poll_event`] until `None`, then re-arm the timer with `poll_timeout`.
//!
//! Randomness (initial Message ID, tokens, the retransmission jitter) comes from a seed given to
//! [`Endpoint::new`]; give each endpoint a seed from a real random source.

mod config;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::fmt::Debug;
use core::time::Duration;

use bytes::Bytes;

pub use config::{Config, TransmissionParameters};

use super::block::{BlockReassembler, BlockSplitter, BlockValue, Progress};
use super::error::{DecodeError, ExchangeError};
use super::message::{Code, CodeKind, Header, Message, MessageType, Token};
use super::observe::{DEREGISTER, ObserveFreshness, ObserveSequence, REGISTER};
use super::option::OptionNumber;
use super::owned::OwnedMessage;
use super::time::Time;

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<A> {
    /// Where to send it.
    pub destination: A,
    /// The encoded message.
    pub payload: Bytes,
}

/// Identifies a request this endpoint sent as a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestHandle(u64);

/// Identifies a request this endpoint received as a server, until it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncomingHandle(u64);

/// Identifies an observation relation this endpoint serves (RFC 7641 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObserveHandle(u64);

/// What happened, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<A> {
    /// Server role: a request arrived. Answer it with [`Endpoint::respond`]. Duplicates were
    /// already filtered, and requests with unknown critical options were already answered with
    /// 4.02.
    Request {
        /// Handle for [`Endpoint::respond`].
        handle: IncomingHandle,
        /// Who sent it.
        peer: A,
        /// The request (token, options, payload).
        request: OwnedMessage,
    },
    /// Client role: the final response to a request (a Block2 body already reassembled).
    Response {
        /// The request.
        handle: RequestHandle,
        /// The response.
        response: OwnedMessage,
    },
    /// Client role: a fresh notification of an observation (RFC 7641 §3.2), with a Block2 body
    /// already reassembled. Stale, reordered notifications are dropped (§3.4).
    Notification {
        /// The observing request.
        handle: RequestHandle,
        /// The notification.
        response: OwnedMessage,
    },
    /// Client role: no acknowledgement after MAX_RETRANSMIT retransmissions, or no response
    /// within the response timeout.
    RequestTimedOut {
        /// The request.
        handle: RequestHandle,
    },
    /// Client role: the peer answered the request with a Reset.
    RequestReset {
        /// The request.
        handle: RequestHandle,
    },
    /// Client role: a Block2 transfer failed (too large, inconsistent blocks).
    RequestFailed {
        /// The request.
        handle: RequestHandle,
        /// Why.
        error: ExchangeError,
    },
    /// Server role: an observer is gone (deregistered, reset a notification, or did not
    /// acknowledge a Confirmable one; RFC 7641 §3.6, §4.5).
    ObserverGone {
        /// The relation.
        handle: ObserveHandle,
        /// The observer.
        peer: A,
    },
    /// A datagram could not be parsed. A Confirmable one was answered with a Reset (RFC 7252
    /// §4.2); others were ignored.
    Malformed {
        /// Who sent it.
        peer: A,
        /// Why it was refused.
        error: DecodeError,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Request(u64),
    Notification(u64),
    Response,
}

#[derive(Debug)]
struct Retransmit {
    bytes: Bytes,
    next: Time,
    timeout: Duration,
    count: u8,
    owner: Owner,
}

#[derive(Debug)]
struct Dedup {
    expires: Time,
    /// What we answered (ACK, piggy-backed response, RST), to repeat for a duplicate CON.
    reply: Option<Bytes>,
}

#[derive(Debug)]
struct Incoming<A> {
    peer: A,
    message_id: u16,
    token: Token,
    mtype: MessageType,
    ack_deadline: Option<Time>,
    acked: bool,
    observe: Option<u32>,
    received: Time,
}

#[derive(Debug)]
struct Relation<A> {
    peer: A,
    token: Token,
    seq: ObserveSequence,
    pending_mid: Option<u16>,
    last_mid: Option<u16>,
}

#[derive(Debug)]
struct BlockFetch {
    token: Token,
    reassembler: BlockReassembler,
    first: OwnedMessage,
    etag: Option<Bytes>,
    szx: u8,
    notification: bool,
}

#[derive(Debug)]
struct ClientRequest<A> {
    peer: A,
    template: OwnedMessage,
    token: Token,
    observe: bool,
    freshness: ObserveFreshness,
    con_mid: Option<u16>,
    deadline: Option<Time>,
    block: Option<BlockFetch>,
    /// A request body sent with Block1 (RFC 7959 §2.5).
    upload: Option<BlockSplitter>,
    queued: bool,
    counts_nstart: bool,
    deregistering: bool,
}

#[derive(Debug, Default)]
struct PeerState {
    next_mid: u16,
    /// Issue times of the Message IDs used towards this peer, oldest first.
    recent_mids: VecDeque<Time>,
    outstanding: usize,
    queue: VecDeque<u64>,
}

/// SplitMix64: a small deterministic generator seeded by the caller.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A CoAP endpoint, client and server at once, as a deterministic state machine.
///
/// `A` is the peer address type (`std::net::SocketAddr` for UDP, anything `Copy + Ord` in tests).
#[derive(Debug)]
pub struct Endpoint<A> {
    config: Config,
    rng: Rng,
    next_id: u64,
    peers: BTreeMap<A, PeerState>,
    pending: BTreeMap<(A, u16), Retransmit>,
    dedup: BTreeMap<(A, u16), Dedup>,
    dedup_order: VecDeque<(A, u16)>,
    incoming: BTreeMap<u64, Incoming<A>>,
    requests: BTreeMap<u64, ClientRequest<A>>,
    tokens: BTreeMap<(A, Token), u64>,
    relations: BTreeMap<u64, Relation<A>>,
    relation_by_token: BTreeMap<(A, Token), u64>,
    queued_total: usize,
    pending_starts: Vec<A>,
    transmits: VecDeque<Transmit<A>>,
    events: VecDeque<Event<A>>,
}

impl<A: Copy + Ord + Debug> Endpoint<A> {
    /// A new endpoint. `seed` feeds the generator for Message IDs, tokens and jitter.
    pub fn new(config: Config, seed: u64) -> Self {
        Endpoint {
            config,
            rng: Rng(seed),
            next_id: 1,
            peers: BTreeMap::new(),
            pending: BTreeMap::new(),
            dedup: BTreeMap::new(),
            dedup_order: VecDeque::new(),
            incoming: BTreeMap::new(),
            requests: BTreeMap::new(),
            tokens: BTreeMap::new(),
            relations: BTreeMap::new(),
            relation_by_token: BTreeMap::new(),
            queued_total: 0,
            pending_starts: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit<A>> {
        self.transmits.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event<A>> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Time> {
        let a = self.pending.values().map(|p| p.next).min();
        let b = self.requests.values().filter_map(|r| r.deadline).min();
        let c = self.incoming.values().filter_map(|i| i.ack_deadline).min();
        let lifetime = self.config.params.exchange_lifetime();
        let d = self.incoming.values().map(|i| i.received + lifetime).min();
        [a, b, c, d].into_iter().flatten().min()
    }

    /// Number of client requests not yet finished (including observations).
    pub fn open_requests(&self) -> usize {
        self.requests.len()
    }

    /// Whether a client request (or observation) is still open.
    pub fn is_open(&self, handle: RequestHandle) -> bool {
        self.requests.contains_key(&handle.0)
    }

    /// Number of observation relations served.
    pub fn observers(&self) -> usize {
        self.relations.len()
    }

    fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn new_token(&mut self) -> Token {
        // Token uniqueness among our open requests (RFC 7252 §5.3.1). With short tokens and many
        // open requests the space can run out: after a few collisions use the full 8 bytes.
        for attempt in 0..24 {
            let len = if attempt < 16 {
                self.config.token_len
            } else {
                8
            };
            let r = self.rng.next_u64().to_be_bytes();
            let t = Token::new(&r[..len]).unwrap_or_default();
            if !self.tokens.keys().any(|(_, k)| *k == t) {
                return t;
            }
        }
        // 2^64 values and a bounded number of open requests: not reached in practice.
        Token::new(&self.rng.next_u64().to_be_bytes()).unwrap_or_default()
    }

    /// Allocates a Message ID towards `peer`, never reusing one within EXCHANGE_LIFETIME
    /// (RFC 7252 §4.4).
    fn new_mid(&mut self, now: Time, peer: A) -> Result<u16, ExchangeError> {
        let lifetime = self.config.params.exchange_lifetime();
        let seed = self.rng.next_u64();
        let st = self.peers.entry(peer).or_insert_with(|| PeerState {
            next_mid: (seed & 0xffff) as u16,
            ..PeerState::default()
        });
        while let Some(&t) = st.recent_mids.front() {
            if now.saturating_since(t) >= lifetime {
                st.recent_mids.pop_front();
            } else {
                break;
            }
        }
        if st.recent_mids.len() >= 1 << 16 {
            return Err(ExchangeError::MessageIdsExhausted);
        }
        let mid = st.next_mid;
        st.next_mid = st.next_mid.wrapping_add(1);
        st.recent_mids.push_back(now);
        Ok(mid)
    }

    fn initial_timeout(&mut self) -> Duration {
        // RFC 7252 §4.2: the initial timeout is a random duration between ACK_TIMEOUT and
        // ACK_TIMEOUT × ACK_RANDOM_FACTOR.
        let base = u64::try_from(self.config.params.ack_timeout().as_millis()).unwrap_or(u64::MAX);
        let spread = base.saturating_mul(u64::from(
            self.config.params.ack_random_factor_permille() - 1000,
        )) / 1000;
        let r = self.rng.next_u64() >> 32;
        let jitter = u64::try_from((u128::from(spread) * u128::from(r)) >> 32).unwrap_or(spread);
        Duration::from_millis(base.saturating_add(jitter))
    }

    fn send(&mut self, now: Time, to: A, bytes: Bytes, con: Option<(u16, Owner)>) {
        if let Some((mid, owner)) = con {
            let timeout = self.initial_timeout();
            self.pending.insert(
                (to, mid),
                Retransmit {
                    bytes: bytes.clone(),
                    next: now + timeout,
                    timeout,
                    count: 0,
                    owner,
                },
            );
        }
        self.transmits.push_back(Transmit {
            destination: to,
            payload: bytes,
        });
    }

    fn reply_raw(&mut self, to: A, bytes: Bytes) {
        self.transmits.push_back(Transmit {
            destination: to,
            payload: bytes,
        });
    }

    fn encode(m: &OwnedMessage) -> Result<Bytes, ExchangeError> {
        Ok(Bytes::from(m.to_vec()?))
    }

    fn remember(&mut self, now: Time, key: (A, u16), lifetime: Duration) {
        while let Some(&k) = self.dedup_order.front() {
            let expired = self.dedup.get(&k).is_none_or(|d| d.expires <= now);
            if expired || self.dedup.len() >= self.config.max_dedup_entries {
                self.dedup_order.pop_front();
                self.dedup.remove(&k);
            } else {
                break;
            }
        }
        self.dedup.insert(
            key,
            Dedup {
                expires: now + lifetime,
                reply: None,
            },
        );
        self.dedup_order.push_back(key);
    }

    fn set_reply(&mut self, key: (A, u16), bytes: &Bytes) {
        if let Some(d) = self.dedup.get_mut(&key) {
            d.reply = Some(bytes.clone());
        }
    }

    // ---------------------------------------------------------------- incoming

    /// Processes one datagram from `from`.
    pub fn handle_datagram(&mut self, now: Time, from: A, datagram: &[u8]) {
        let m = match Message::parse(datagram) {
            Ok(m) => m,
            Err(error) => {
                // RFC 7252 §4.2: a Confirmable message that cannot be processed is rejected with
                // a Reset; §4.3 allows ignoring a bad Non-confirmable one; an ACK or RST is
                // silently ignored. Unknown versions are always ignored (§3).
                if let Some(h) = Header::peek(datagram)
                    && h.version == 1
                    && h.mtype == MessageType::Confirmable
                {
                    self.reply_reset(from, h.message_id);
                }
                self.events
                    .push_back(Event::Malformed { peer: from, error });
                return;
            }
        };
        match m.mtype() {
            MessageType::Acknowledgement => self.on_ack(now, from, &m),
            MessageType::Reset => self.on_reset(from, m.message_id()),
            MessageType::Confirmable | MessageType::NonConfirmable => {
                self.on_con_non(now, from, &m);
            }
        }
        self.drain_starts(now);
    }

    fn reply_reset(&mut self, to: A, mid: u16) {
        self.reply_raw(to, reset_bytes(mid));
    }

    fn on_con_non(&mut self, now: Time, from: A, m: &Message<'_>) {
        let key = (from, m.message_id());
        let con = m.mtype() == MessageType::Confirmable;
        // RFC 7252 §4.5: deduplicate by Message ID and endpoint for EXCHANGE_LIFETIME (CON) or
        // NON_LIFETIME (NON); a duplicate CON gets the same answer again.
        if let Some(d) = self.dedup.get(&key)
            && d.expires > now
        {
            if con {
                if let Some(r) = d.reply.clone() {
                    self.reply_raw(from, r);
                } else {
                    // Still processing: acknowledge now, the response will be separate.
                    let ack = empty_ack(m.message_id());
                    self.set_reply(key, &ack);
                    self.reply_raw(from, ack);
                    if let Some(inc) = self
                        .incoming
                        .values_mut()
                        .find(|i| i.peer == from && i.message_id == m.message_id())
                    {
                        inc.acked = true;
                        inc.ack_deadline = None;
                    }
                }
            }
            return;
        }
        let lifetime = if con {
            self.config.params.exchange_lifetime()
        } else {
            self.config.params.non_lifetime()
        };
        self.remember(now, key, lifetime);
        match m.code().kind() {
            CodeKind::Empty => {
                // RFC 7252 §4.3: an Empty CON ("CoAP ping") is answered with a Reset.
                let rst = reset_bytes(m.message_id());
                self.set_reply(key, &rst);
                self.reply_raw(from, rst);
            }
            CodeKind::Request => self.on_request(now, from, m),
            CodeKind::Response => self.on_response(now, from, m, None),
            CodeKind::Reserved => {}
        }
    }

    fn on_request(&mut self, now: Time, from: A, m: &Message<'_>) {
        let key = (from, m.message_id());
        let con = m.mtype() == MessageType::Confirmable;
        let token = Token::new(m.token()).unwrap_or_default();
        // RFC 7252 §5.4.1: unrecognized critical options in a CON request get 4.02; in a NON
        // request the message is rejected.
        if let Err(_e) = m.check_critical_options(&self.config.known_options) {
            if con {
                let mut r = OwnedMessage::new(
                    MessageType::Acknowledgement,
                    Code::BAD_OPTION,
                    m.message_id(),
                );
                r.set_token(token);
                if let Ok(b) = Self::encode(&r) {
                    self.set_reply(key, &b);
                    self.reply_raw(from, b);
                }
            } else {
                let rst = reset_bytes(m.message_id());
                self.set_reply(key, &rst);
                self.reply_raw(from, rst);
            }
            return;
        }
        let observe = if m.code() == Code::GET || m.code() == Code::FETCH {
            m.observe()
        } else {
            None
        };
        // RFC 7641 §3.6 / §4.1: a request with the same endpoint and token as an existing
        // relation either re-registers (Observe 0) or ends it.
        if let Some(&rid) = self.relation_by_token.get(&(from, token))
            && observe != Some(REGISTER)
        {
            self.drop_relation(rid);
        }
        let id = self.new_id();
        self.incoming.insert(
            id,
            Incoming {
                peer: from,
                message_id: m.message_id(),
                token,
                mtype: m.mtype(),
                ack_deadline: con.then(|| now + self.config.separate_ack_delay),
                received: now,
                acked: false,
                observe,
            },
        );
        self.events.push_back(Event::Request {
            handle: IncomingHandle(id),
            peer: from,
            request: OwnedMessage::from_message(m),
        });
    }

    fn on_ack(&mut self, now: Time, from: A, m: &Message<'_>) {
        let Some(p) = self.pending.remove(&(from, m.message_id())) else {
            return; // RFC 7252 §4.2: an unmatched ACK is silently ignored.
        };
        match p.owner {
            Owner::Request(id) => {
                if let Some(r) = self.requests.get_mut(&id) {
                    r.con_mid = None;
                    if m.code() == Code::EMPTY {
                        // Separate response to come (RFC 7252 §5.2.2).
                        r.deadline = Some(now + self.config.response_timeout);
                    }
                }
                if m.code().is_response() {
                    self.on_response(now, from, m, Some(id));
                }
            }
            Owner::Notification(rid) => {
                if let Some(rel) = self.relations.get_mut(&rid) {
                    rel.pending_mid = None;
                }
            }
            Owner::Response => {}
        }
    }

    fn on_reset(&mut self, from: A, mid: u16) {
        if let Some(p) = self.pending.remove(&(from, mid)) {
            match p.owner {
                Owner::Request(id) => {
                    self.finish_request(id);
                    self.events.push_back(Event::RequestReset {
                        handle: RequestHandle(id),
                    });
                }
                Owner::Notification(rid) => self.drop_relation(rid),
                Owner::Response => {}
            }
            return;
        }
        // RFC 7641 §3.6: a Reset in reply to a NON notification ends the observation.
        let rid = self
            .relations
            .iter()
            .find(|(_, r)| r.peer == from && r.last_mid == Some(mid))
            .map(|(k, _)| *k);
        if let Some(rid) = rid {
            self.drop_relation(rid);
        }
    }

    fn drop_relation(&mut self, rid: u64) {
        if let Some(rel) = self.relations.remove(&rid) {
            self.relation_by_token.remove(&(rel.peer, rel.token));
            if let Some(mid) = rel.pending_mid {
                self.pending.remove(&(rel.peer, mid));
            }
            self.events.push_back(Event::ObserverGone {
                handle: ObserveHandle(rid),
                peer: rel.peer,
            });
        }
    }

    /// A response from `from`; `via_ack` is the request whose CON this piggy-backed ACK answered.
    fn on_response(&mut self, now: Time, from: A, m: &Message<'_>, via_ack: Option<u64>) {
        let token = Token::new(m.token()).unwrap_or_default();
        let key = (from, m.message_id());
        let id = match self.tokens.get(&(from, token)) {
            Some(&id) if via_ack.is_none_or(|a| a == id) => id,
            _ => {
                // RFC 7252 §5.3.2: a CON response that matches no request is rejected with a
                // Reset; we also reset unknown NON responses, which ends stale observations
                // (RFC 7641 §3.6).
                if m.mtype() != MessageType::Acknowledgement {
                    let rst = reset_bytes(m.message_id());
                    self.set_reply(key, &rst);
                    self.reply_raw(from, rst);
                }
                return;
            }
        };
        if m.mtype() == MessageType::Confirmable {
            let ack = empty_ack(m.message_id());
            self.set_reply(key, &ack);
            self.reply_raw(from, ack);
        }
        // RFC 7252 §5.4.1: a response with an unrecognized critical option is rejected.
        if m.check_critical_options(&self.config.known_options)
            .is_err()
        {
            if m.mtype() == MessageType::Confirmable {
                let rst = reset_bytes(m.message_id());
                self.set_reply(key, &rst);
                // Replace the ACK queued above by the Reset.
                self.transmits.pop_back();
                self.reply_raw(from, rst);
            }
            return;
        }
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        // A separate response also acknowledges implicitly (RFC 7252 §5.2.2).
        if let Some(mid) = r.con_mid.take() {
            self.pending.remove(&(r.peer, mid));
        }
        r.deadline = None;
        let is_block_token = r
            .block
            .as_ref()
            .is_some_and(|b| b.token == token && token != r.token);
        let owned = OwnedMessage::from_message(m);
        if is_block_token {
            self.on_block_response(now, id, owned);
            return;
        }
        // Response on the main token.
        if self.on_upload_response(now, id, m) {
            return;
        }
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        let notification =
            r.observe && !r.deregistering && m.observe().is_some() && m.code().is_success();
        if notification {
            let seq = m.observe().unwrap_or(0);
            if !r.freshness.accept(seq, now) {
                return; // RFC 7641 §3.4: older than the last one, drop.
            }
            if r.counts_nstart {
                r.counts_nstart = false;
                let peer = r.peer;
                self.release_nstart(now, peer);
            }
        }
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        if self.config.auto_block2
            && let Some(Ok(b2)) = m.block2()
            && b2.more()
        {
            // A new representation: (re)start the Block2 retrieval (RFC 7959 §2.4; with
            // observe, §3.4: fetch every remaining block, libcoap #459).
            if let Some(old) = r.block.take() {
                self.tokens.remove(&(r.peer, old.token));
            }
            let Some(r) = self.requests.get_mut(&id) else {
                return;
            };
            let mut reassembler = BlockReassembler::new(self.config.max_body);
            let res = m
                .uint_option(OptionNumber::SIZE2)
                .map_or(Ok(()), |s| reassembler.check_size_indication(s))
                .and_then(|()| reassembler.push(b2, m.payload()));
            if let Err(e) = res {
                self.fail_request(now, id, e.into());
                return;
            }
            r.block = Some(BlockFetch {
                token: Token::EMPTY,
                reassembler,
                first: owned,
                etag: m
                    .option(OptionNumber::ETAG)
                    .map(|o| Bytes::copy_from_slice(o.value)),
                szx: b2.szx(),
                notification,
            });
            self.request_next_block(now, id, b2.num() + 1);
            return;
        }
        self.deliver(now, id, owned, notification);
    }

    fn on_block_response(&mut self, now: Time, id: u64, m: OwnedMessage) {
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        let Some(fetch) = r.block.as_mut() else {
            return;
        };
        if !m.code().is_success() {
            let e = ExchangeError::WrongKind;
            self.fail_block(now, id, e, m);
            return;
        }
        let b2 = match m.block2() {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                self.fail_block(now, id, ExchangeError::Block(e.into()), m);
                return;
            }
            None => {
                // The server sent the whole body at once.
                let mut full = fetch.first.clone();
                full.remove_option(OptionNumber::BLOCK2);
                full.set_payload(m.payload().clone());
                let notification = fetch.notification;
                self.end_block(id);
                self.deliver(now, id, full, notification);
                return;
            }
        };
        let etag = m.option(OptionNumber::ETAG).cloned();
        if etag != fetch.etag {
            // RFC 7959 §2.4: the representation changed during the transfer; start again.
            fetch.reassembler.reset();
            fetch.etag = etag;
            fetch.first = m.clone();
            if b2.num() != 0 {
                self.request_next_block(now, id, 0);
                return;
            }
        }
        if b2.num() == 0 {
            fetch.first = m.clone();
        }
        match fetch.reassembler.push(b2, m.payload()) {
            Err(e) => self.fail_block(now, id, ExchangeError::Block(e), m),
            Ok(Progress::Complete) => {
                let body = fetch.reassembler.take().unwrap_or_default();
                let mut full = fetch.first.clone();
                full.remove_option(OptionNumber::BLOCK2);
                full.set_payload(body);
                let notification = fetch.notification;
                self.end_block(id);
                self.deliver(now, id, full, notification);
            }
            Ok(Progress::Incomplete { next }) => {
                fetch.szx = fetch.szx.min(b2.szx());
                let size = 1u64 << (fetch.szx + 4);
                let num = u32::try_from(next / size).unwrap_or(u32::MAX);
                self.request_next_block(now, id, num);
            }
        }
    }

    fn fail_block(&mut self, now: Time, id: u64, e: ExchangeError, _m: OwnedMessage) {
        let observing = self
            .requests
            .get(&id)
            .is_some_and(|r| r.observe && !r.deregistering);
        self.end_block(id);
        if observing {
            // Keep the observation; report the failed notification.
            self.events.push_back(Event::RequestFailed {
                handle: RequestHandle(id),
                error: e,
            });
        } else {
            self.fail_request(now, id, e);
        }
    }

    fn end_block(&mut self, id: u64) {
        if let Some(r) = self.requests.get_mut(&id)
            && let Some(b) = r.block.take()
            && b.token != r.token
        {
            self.tokens.remove(&(r.peer, b.token));
        }
    }

    fn fail_request(&mut self, _now: Time, id: u64, error: ExchangeError) {
        self.finish_request(id);
        self.events.push_back(Event::RequestFailed {
            handle: RequestHandle(id),
            error,
        });
    }

    fn request_next_block(&mut self, now: Time, id: u64, num: u32) {
        let token = self.new_token();
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        let peer = r.peer;
        let Some(fetch) = r.block.as_mut() else {
            return;
        };
        let old = core::mem::replace(&mut fetch.token, token);
        let szx = fetch.szx;
        let mut req = r.template.clone();
        // RFC 7959 §2.4 / RFC 7641 §3.4 (with RFC 7959 §3.4): follow-up requests repeat the
        // request without Observe, with Block2 asking for the next block.
        req.remove_option(OptionNumber::OBSERVE);
        let Ok(bv) = BlockValue::new(num, false, szx) else {
            self.fail_request(
                now,
                id,
                ExchangeError::Block(super::error::BlockError::NoSuchBlock { num }),
            );
            return;
        };
        req.set_option(OptionNumber::BLOCK2, bv.to_bytes());
        req.set_token(token);
        self.tokens.remove(&(peer, old));
        self.tokens.insert((peer, token), id);
        if let Err(e) = self.transmit_request(now, id, req) {
            self.fail_request(now, id, e);
        }
    }

    fn deliver(&mut self, now: Time, id: u64, response: OwnedMessage, notification: bool) {
        if notification {
            self.events.push_back(Event::Notification {
                handle: RequestHandle(id),
                response,
            });
            return;
        }
        let _ = now;
        self.finish_request(id);
        self.events.push_back(Event::Response {
            handle: RequestHandle(id),
            response,
        });
    }

    fn finish_request(&mut self, id: u64) {
        let Some(r) = self.requests.remove(&id) else {
            return;
        };
        self.tokens.remove(&(r.peer, r.token));
        if let Some(b) = r.block {
            self.tokens.remove(&(r.peer, b.token));
        }
        if let Some(mid) = r.con_mid {
            self.pending.remove(&(r.peer, mid));
        }
        if r.queued
            && let Some(st) = self.peers.get_mut(&r.peer)
        {
            st.queue.retain(|q| *q != id);
            self.queued_total = self.queued_total.saturating_sub(1);
        }
        if r.counts_nstart {
            if let Some(st) = self.peers.get_mut(&r.peer) {
                st.outstanding = st.outstanding.saturating_sub(1);
            }
            self.pending_starts.push(r.peer);
        }
    }

    fn release_nstart(&mut self, now: Time, peer: A) {
        if let Some(st) = self.peers.get_mut(&peer) {
            st.outstanding = st.outstanding.saturating_sub(1);
        }
        self.start_queued(now, peer);
    }

    fn start_queued(&mut self, now: Time, peer: A) {
        loop {
            let nstart = self.config.params.nstart();
            let Some(st) = self.peers.get_mut(&peer) else {
                return;
            };
            if st.outstanding >= nstart {
                return;
            }
            let Some(id) = st.queue.pop_front() else {
                return;
            };
            self.queued_total = self.queued_total.saturating_sub(1);
            let Some(r) = self.requests.get_mut(&id) else {
                continue;
            };
            r.queued = false;
            r.counts_nstart = true;
            let Some(msg) = self.first_message(id) else {
                continue;
            };
            if let Some(st) = self.peers.get_mut(&peer) {
                st.outstanding += 1;
            }
            if let Err(e) = self.transmit_request(now, id, msg) {
                self.fail_request(now, id, e);
            }
        }
    }

    /// The first datagram of a request: the template, or its first Block1 block with Size1.
    fn first_message(&mut self, id: u64) -> Option<OwnedMessage> {
        let r = self.requests.get_mut(&id)?;
        let mut msg = r.template.clone();
        msg.set_token(r.token);
        if let Some(up) = r.upload.as_mut() {
            let total = u32::try_from(up.body_len()).unwrap_or(u32::MAX);
            let (bv, chunk) = up.next_block()?;
            msg.set_option(OptionNumber::BLOCK1, bv.to_bytes());
            msg.set_uint_option(OptionNumber::SIZE1, total);
            msg.set_payload(chunk);
        }
        Some(msg)
    }

    /// Handles a response to a Block1 upload. Returns `true` when it was consumed (the next
    /// block went out, or the transfer failed).
    fn on_upload_response(&mut self, now: Time, id: u64, m: &Message<'_>) -> bool {
        let Some(r) = self.requests.get_mut(&id) else {
            return true;
        };
        let Some(up) = r.upload.as_mut() else {
            return false;
        };
        if m.code() != Code::CONTINUE {
            // A final response (success or error) ends the upload (RFC 7959 §2.3).
            r.upload = None;
            return false;
        }
        // RFC 7959 §2.5: 2.31 Continue asks for the next block; its Block1 SZX may be smaller
        // than ours (late negotiation), which later blocks then use.
        if let Some(Ok(ack)) = m.block1() {
            up.acknowledge(ack);
        }
        let Some((bv, chunk)) = up.next_block() else {
            self.fail_request(now, id, ExchangeError::WrongKind);
            return true;
        };
        let mut msg = r.template.clone();
        msg.set_token(r.token);
        msg.set_option(OptionNumber::BLOCK1, bv.to_bytes());
        msg.set_payload(chunk);
        if let Err(e) = self.transmit_request(now, id, msg) {
            self.fail_request(now, id, e);
        }
        true
    }

    fn transmit_request(
        &mut self,
        now: Time,
        id: u64,
        mut msg: OwnedMessage,
    ) -> Result<(), ExchangeError> {
        let Some(peer) = self.requests.get(&id).map(|r| r.peer) else {
            return Err(ExchangeError::UnknownHandle);
        };
        let mid = self.new_mid(now, peer)?;
        msg.set_message_id(mid);
        let bytes = Self::encode(&msg)?;
        let con = msg.mtype() == MessageType::Confirmable;
        if let Some(r) = self.requests.get_mut(&id) {
            if con {
                r.con_mid = Some(mid);
                r.deadline = None;
            } else {
                r.deadline = Some(now + self.config.response_timeout);
            }
        }
        self.send(now, peer, bytes, con.then_some((mid, Owner::Request(id))));
        Ok(())
    }

    // ---------------------------------------------------------------- client API

    /// Sends a request to `peer` (client role). The message's code must be a method; its type
    /// (CON or NON) is kept; the token and Message ID are assigned here. A GET with Observe 0
    /// registers an observation: notifications arrive as [`Event::Notification`] until
    /// [`cancel`](Self::cancel) or a final response without Observe.
    ///
    /// With NSTART (RFC 7252 §4.7) reached for this peer, the request waits in a bounded queue.
    pub fn request(
        &mut self,
        now: Time,
        peer: A,
        mut msg: OwnedMessage,
    ) -> Result<RequestHandle, ExchangeError> {
        if !msg.code().is_request() {
            return Err(ExchangeError::WrongKind);
        }
        if msg.mtype() != MessageType::NonConfirmable {
            msg.set_mtype(MessageType::Confirmable);
        }
        if let Some(szx) = self.config.request_block2_szx
            && msg.option(OptionNumber::BLOCK2).is_none()
            && let Ok(b) = BlockValue::new(0, false, szx)
        {
            msg.set_option(OptionNumber::BLOCK2, b.to_bytes());
        }
        msg.validate()?;
        let observe = msg.observe() == Some(REGISTER)
            && (msg.code() == Code::GET || msg.code() == Code::FETCH);
        let token = self.new_token();
        msg.set_token(token);
        // RFC 7959 §2.5: a body larger than the configured block size goes out block by block.
        let mut upload = None;
        if msg.payload().len() > 1usize << (self.config.block1_szx + 4)
            && msg.option(OptionNumber::BLOCK1).is_none()
        {
            upload = Some(BlockSplitter::new(
                msg.payload().clone(),
                self.config.block1_szx,
            ));
            msg.set_payload(Bytes::new());
        }
        let id = self.new_id();
        let nstart = self.config.params.nstart();
        let outstanding = self.peers.get(&peer).map_or(0, |s| s.outstanding);
        let queue = outstanding >= nstart;
        if queue && self.queued_total >= self.config.max_queued_requests {
            return Err(ExchangeError::QueueFull);
        }
        self.requests.insert(
            id,
            ClientRequest {
                peer,
                template: msg.clone(),
                token,
                observe,
                freshness: ObserveFreshness::new(),
                con_mid: None,
                deadline: None,
                block: None,
                upload,
                queued: queue,
                counts_nstart: !queue,
                deregistering: false,
            },
        );
        self.tokens.insert((peer, token), id);
        if queue {
            self.peers.entry(peer).or_default().queue.push_back(id);
            self.queued_total += 1;
            return Ok(RequestHandle(id));
        }
        self.peers.entry(peer).or_default().outstanding += 1;
        let msg = self.first_message(id).unwrap_or(msg);
        if let Err(e) = self.transmit_request(now, id, msg) {
            self.finish_request(id);
            self.drain_starts(now);
            return Err(e);
        }
        Ok(RequestHandle(id))
    }

    /// Ends a request or an observation. For an established observation a deregistering GET
    /// (Observe 1, same token; RFC 7641 §3.6) is sent and its response arrives as
    /// [`Event::Response`]; anything else is forgotten at once.
    pub fn cancel(&mut self, now: Time, handle: RequestHandle) -> Result<(), ExchangeError> {
        let id = handle.0;
        let Some(r) = self.requests.get_mut(&id) else {
            return Err(ExchangeError::UnknownHandle);
        };
        if r.observe && !r.deregistering && !r.queued {
            r.deregistering = true;
            let mut msg = r.template.clone();
            msg.set_uint_option(OptionNumber::OBSERVE, DEREGISTER);
            msg.set_token(r.token);
            if let Some(mid) = r.con_mid.take() {
                self.pending.remove(&(r.peer, mid));
            }
            self.end_block(id);
            if let Err(e) = self.transmit_request(now, id, msg) {
                self.finish_request(id);
                self.drain_starts(now);
                return Err(e);
            }
            return Ok(());
        }
        self.finish_request(id);
        self.drain_starts(now);
        Ok(())
    }

    fn drain_starts(&mut self, now: Time) {
        while let Some(peer) = self.pending_starts.pop() {
            self.start_queued(now, peer);
        }
    }

    // ---------------------------------------------------------------- server API

    /// Answers a request received as [`Event::Request`] (server role). The response's code must
    /// be a response code; its type, Message ID and token are set here: piggy-backed on the ACK
    /// when the request is a CON not yet acknowledged, otherwise a separate response (CON for a
    /// CON request, NON for a NON request; RFC 7252 §5.2).
    ///
    /// If the request registered an observation (GET with Observe 0) and the response is a
    /// success carrying an Observe option, the relation is kept (RFC 7641 §4.1) and its handle
    /// returned; the Observe value is filled in by the endpoint.
    pub fn respond(
        &mut self,
        now: Time,
        handle: IncomingHandle,
        mut response: OwnedMessage,
    ) -> Result<Option<ObserveHandle>, ExchangeError> {
        if !response.code().is_response() {
            return Err(ExchangeError::WrongKind);
        }
        let Some(inc) = self.incoming.remove(&handle.0) else {
            return Err(ExchangeError::UnknownHandle);
        };
        response.set_token(inc.token);
        let mut relation = None;
        if inc.observe == Some(REGISTER)
            && response.code().is_success()
            && response.observe().is_some()
        {
            let rid = match self.relation_by_token.get(&(inc.peer, inc.token)) {
                Some(&rid) => rid,
                None => {
                    let rid = self.new_id();
                    let start = (self.rng.next_u64() & 0xffff) as u32;
                    self.relations.insert(
                        rid,
                        Relation {
                            peer: inc.peer,
                            token: inc.token,
                            seq: ObserveSequence::new(start),
                            pending_mid: None,
                            last_mid: None,
                        },
                    );
                    self.relation_by_token.insert((inc.peer, inc.token), rid);
                    rid
                }
            };
            if let Some(rel) = self.relations.get_mut(&rid) {
                response.set_uint_option(OptionNumber::OBSERVE, rel.seq.next_value());
            }
            relation = Some(rid);
        } else {
            response.remove_option(OptionNumber::OBSERVE);
        }
        let key = (inc.peer, inc.message_id);
        if inc.mtype == MessageType::Confirmable && !inc.acked {
            response.set_mtype(MessageType::Acknowledgement);
            response.set_message_id(inc.message_id);
            let bytes = Self::encode(&response)?;
            self.set_reply(key, &bytes);
            self.reply_raw(inc.peer, bytes);
        } else {
            let con = inc.mtype == MessageType::Confirmable;
            response.set_mtype(if con {
                MessageType::Confirmable
            } else {
                MessageType::NonConfirmable
            });
            let mid = self.new_mid(now, inc.peer)?;
            response.set_message_id(mid);
            let bytes = Self::encode(&response)?;
            if let Some(rid) = relation
                && let Some(rel) = self.relations.get_mut(&rid)
            {
                rel.last_mid = Some(mid);
            }
            self.send(now, inc.peer, bytes, con.then_some((mid, Owner::Response)));
        }
        Ok(relation.map(ObserveHandle))
    }

    /// Sends a notification to an observer (RFC 7641 §4.2). The Observe value and token are set
    /// here. `confirmable` chooses CON or NON (§4.5: send a CON at least every 24 hours). A CON
    /// notification still unacknowledged is replaced by the new one, keeping its retransmission
    /// state (§4.5.2). A CON that is never acknowledged, or a Reset, ends the relation
    /// ([`Event::ObserverGone`]).
    pub fn notify(
        &mut self,
        now: Time,
        handle: ObserveHandle,
        mut notification: OwnedMessage,
        confirmable: bool,
    ) -> Result<(), ExchangeError> {
        if !notification.code().is_response() {
            return Err(ExchangeError::WrongKind);
        }
        let Some(rel) = self.relations.get(&handle.0) else {
            return Err(ExchangeError::UnknownHandle);
        };
        let (peer, token, pending) = (rel.peer, rel.token, rel.pending_mid);
        let mid = self.new_mid(now, peer)?;
        let Some(rel) = self.relations.get_mut(&handle.0) else {
            return Err(ExchangeError::UnknownHandle);
        };
        let seq = rel.seq.next_value();
        notification.set_token(token);
        notification.set_message_id(mid);
        notification.set_mtype(if confirmable {
            MessageType::Confirmable
        } else {
            MessageType::NonConfirmable
        });
        if notification.code().is_success() {
            notification.set_uint_option(OptionNumber::OBSERVE, seq);
        } else {
            notification.remove_option(OptionNumber::OBSERVE);
        }
        let bytes = Self::encode(&notification)?;
        rel.last_mid = Some(mid);
        let old = pending.and_then(|m| self.pending.remove(&(peer, m)));
        if confirmable {
            rel.pending_mid = Some(mid);
        } else {
            rel.pending_mid = None;
        }
        match (old, confirmable) {
            (Some(old), true) => {
                self.pending.insert(
                    (peer, mid),
                    Retransmit {
                        bytes: bytes.clone(),
                        next: old.next,
                        timeout: old.timeout,
                        count: old.count,
                        owner: Owner::Notification(handle.0),
                    },
                );
                self.reply_raw(peer, bytes);
            }
            (_, true) => self.send(now, peer, bytes, Some((mid, Owner::Notification(handle.0)))),
            (_, false) => self.reply_raw(peer, bytes),
        }
        // A non-2.xx notification ends the relation (RFC 7641 §4.2).
        if !notification.code().is_success()
            && let Some(rel) = self.relations.remove(&handle.0)
        {
            self.relation_by_token.remove(&(rel.peer, rel.token));
        }
        Ok(())
    }

    /// Ends an observation relation from the server side without telling the client (it learns
    /// when the notifications stop; prefer a final non-2.xx [`notify`](Self::notify)).
    pub fn forget_observer(&mut self, handle: ObserveHandle) {
        if let Some(rel) = self.relations.remove(&handle.0) {
            self.relation_by_token.remove(&(rel.peer, rel.token));
            if let Some(mid) = rel.pending_mid {
                self.pending.remove(&(rel.peer, mid));
            }
        }
    }

    // ---------------------------------------------------------------- time

    /// Advances timers: retransmissions with exponential back-off (RFC 7252 §4.2), give-up after
    /// MAX_RETRANSMIT, response timeouts, and the Empty ACK for slow server responses.
    pub fn handle_timeout(&mut self, now: Time) {
        let due: Vec<(A, u16)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.next <= now)
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            let Some(p) = self.pending.get_mut(&key) else {
                continue;
            };
            if p.count < self.config.params.max_retransmit() {
                p.count += 1;
                p.timeout *= 2;
                p.next = now + p.timeout;
                let bytes = p.bytes.clone();
                self.reply_raw(key.0, bytes);
                continue;
            }
            let owner = p.owner;
            self.pending.remove(&key);
            match owner {
                Owner::Request(id) => {
                    if let Some(r) = self.requests.get_mut(&id) {
                        r.con_mid = None;
                    }
                    self.finish_request(id);
                    self.events.push_back(Event::RequestTimedOut {
                        handle: RequestHandle(id),
                    });
                }
                // RFC 7641 §4.5: an unacknowledged CON notification removes the observer.
                Owner::Notification(rid) => self.drop_relation(rid),
                Owner::Response => {}
            }
        }
        let late: Vec<u64> = self
            .requests
            .iter()
            .filter(|(_, r)| r.deadline.is_some_and(|d| d <= now))
            .map(|(k, _)| *k)
            .collect();
        for id in late {
            let observing = self
                .requests
                .get(&id)
                .is_some_and(|r| r.observe && !r.counts_nstart && !r.deregistering);
            if observing {
                // A NON block follow-up of a notification went unanswered; keep observing.
                self.end_block(id);
                if let Some(r) = self.requests.get_mut(&id) {
                    r.deadline = None;
                }
                continue;
            }
            self.finish_request(id);
            self.events.push_back(Event::RequestTimedOut {
                handle: RequestHandle(id),
            });
        }
        let slow: Vec<u64> = self
            .incoming
            .iter()
            .filter(|(_, i)| i.ack_deadline.is_some_and(|d| d <= now))
            .map(|(k, _)| *k)
            .collect();
        for id in slow {
            if let Some(inc) = self.incoming.get_mut(&id) {
                // RFC 7252 §5.2.2: acknowledge now, respond separately later.
                inc.ack_deadline = None;
                inc.acked = true;
                let (peer, mid) = (inc.peer, inc.message_id);
                let ack = empty_ack(mid);
                self.set_reply((peer, mid), &ack);
                self.reply_raw(peer, ack);
            }
        }
        self.drain_starts(now);
        self.prune(now);
    }

    /// Drops state nobody can use any more, so memory stays bounded by recent traffic:
    /// requests the application never answered within EXCHANGE_LIFETIME (the client has given
    /// up) and per-peer Message ID history older than EXCHANGE_LIFETIME.
    fn prune(&mut self, now: Time) {
        let lifetime = self.config.params.exchange_lifetime();
        self.incoming
            .retain(|_, i| now.saturating_since(i.received) < lifetime);
        self.peers.retain(|_, st| {
            while st
                .recent_mids
                .front()
                .is_some_and(|t| now.saturating_since(*t) >= lifetime)
            {
                st.recent_mids.pop_front();
            }
            // A peer with nothing in flight and no recent IDs restarts from a fresh random ID,
            // which is safe once EXCHANGE_LIFETIME has passed (RFC 7252 §4.4).
            st.outstanding > 0 || !st.queue.is_empty() || !st.recent_mids.is_empty()
        });
    }

    /// Tells the endpoint the application will not answer a request (allowed for NON requests,
    /// RFC 7252 §5.2.3; a CON request was or will be acknowledged with an Empty ACK only).
    pub fn ignore(&mut self, now: Time, handle: IncomingHandle) -> Result<(), ExchangeError> {
        let Some(inc) = self.incoming.remove(&handle.0) else {
            return Err(ExchangeError::UnknownHandle);
        };
        if inc.mtype == MessageType::Confirmable && !inc.acked {
            let ack = empty_ack(inc.message_id);
            self.set_reply((inc.peer, inc.message_id), &ack);
            self.reply_raw(inc.peer, ack);
        }
        let _ = now;
        Ok(())
    }

    /// Number of received requests waiting for [`respond`](Self::respond).
    pub fn pending_incoming(&self) -> usize {
        self.incoming.len()
    }
}

fn empty_ack(mid: u16) -> Bytes {
    let m = mid.to_be_bytes();
    Bytes::copy_from_slice(&[0x60, 0, m[0], m[1]])
}

fn reset_bytes(mid: u16) -> Bytes {
    let m = mid.to_be_bytes();
    Bytes::copy_from_slice(&[0x70, 0, m[0], m[1]])
}
