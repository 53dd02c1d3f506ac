//! Property tests over random operation sequences (publish at QoS 0/1/2 both ways, link drops,
//! reconnects with the session kept, time advancing):
//!
//! - every QoS 1 message arrives at least once and every QoS 2 message exactly once once the
//!   session has resumed and settled (3.1.1 §4.3, 5.0 §4.3), QoS 0 at most once;
//! - a sender never has two exchanges with the same packet identifier at once (3.1.1 §2.3.1,
//!   5.0 §2.2.1);
//! - arbitrary bytes fed to either session never panic.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::session::{
    ClientConfig, ClientSession, Instant, Message, ServerConfig, ServerSession,
};
use iot_protocol::mqtt::{Packet, ProtocolVersion, PubRecReasonCode, QoS, TopicName};
use proptest::prelude::*;

use super::harness::{Dir, Pair};

#[derive(Debug, Clone)]
enum Op {
    ClientPublish(u8),
    ServerPublish(u8),
    Step,
    Advance(u16),
    Drop,
    Reconnect,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3).prop_map(Op::ClientPublish),
        4 => (0u8..3).prop_map(Op::ServerPublish),
        3 => Just(Op::Step),
        2 => (0u16..3000).prop_map(Op::Advance),
        1 => Just(Op::Drop),
        2 => Just(Op::Reconnect),
    ]
}

fn qos(n: u8) -> QoS {
    QoS::from_u8(n).unwrap()
}

/// Checks that no sender ever starts an exchange with an identifier that is still in use:
/// in use from the transmission of a new PUBLISH until its final acknowledgement arrives.
fn check_packet_ids(pair: &Pair) {
    let mut in_use: [HashSet<u16>; 2] = [HashSet::new(), HashSet::new()];
    let side = |d: Dir| usize::from(d == Dir::Down);
    for (dir, arrived, p) in &pair.log {
        match (arrived, p) {
            (false, Packet::Publish(p)) if p.qos != QoS::AtMostOnce => {
                let fresh = in_use[side(*dir)].insert(p.packet_id);
                assert!(
                    fresh || p.dup,
                    "{dir:?}: new PUBLISH with packet id {} while it is in use",
                    p.packet_id
                );
            }
            // An acknowledgement that arrives frees the identifier of the other direction.
            (true, Packet::PubAck(a)) => {
                in_use[1 - side(*dir)].remove(&a.packet_id);
            }
            (true, Packet::PubComp(a)) => {
                in_use[1 - side(*dir)].remove(&a.packet_id);
            }
            (true, Packet::PubRec(a)) if a.reason_code != PubRecReasonCode::Success => {
                in_use[1 - side(*dir)].remove(&a.packet_id);
            }
            _ => {}
        }
    }
}

fn run(version: ProtocolVersion, ops: &[Op]) {
    let mut c = ClientConfig::new(version, "prop");
    c.clean_start(false)
        .session_expiry_interval(u32::MAX)
        .receive_maximum(3)
        .max_inflight(4)
        .keep_alive(0);
    let mut s = ServerConfig::new();
    s.receive_maximum(2).max_inflight(3);
    let mut pair = Pair::new(c, s);
    pair.connect();
    let mut sent_up: Vec<(String, QoS)> = Vec::new();
    let mut sent_down: Vec<(String, QoS)> = Vec::new();
    let mut n = 0;
    for op in ops {
        let now = pair.now;
        match op {
            Op::ClientPublish(q) => {
                n += 1;
                let payload = format!("c{n}");
                let m = Message::new(
                    TopicName::from_static("up/t"),
                    Bytes::from(payload.clone()),
                    qos(*q),
                );
                if pair.client.publish(now, m).is_ok() {
                    sent_up.push((payload, qos(*q)));
                }
            }
            Op::ServerPublish(q) => {
                n += 1;
                let payload = format!("s{n}");
                let m = Message::new(
                    TopicName::from_static("down/t"),
                    Bytes::from(payload.clone()),
                    qos(*q),
                );
                if pair.server.publish(now, m).is_ok() {
                    sent_down.push((payload, qos(*q)));
                }
            }
            Op::Step => {
                pair.step();
                pair.now = pair.now + Duration::from_millis(5);
            }
            Op::Advance(ms) => pair.advance(Duration::from_millis(u64::from(*ms))),
            Op::Drop => {
                if pair.client.is_connected() {
                    pair.drop_link();
                }
            }
            Op::Reconnect => {
                if !pair.client.is_connected() {
                    if pair.server.is_connected() {
                        pair.drop_link();
                    }
                    pair.reconnect();
                }
            }
        }
        check_packet_ids(&pair);
    }
    // Settle: make sure a connection is up and everything drained.
    if !pair.client.is_connected() {
        pair.drop_link();
        pair.reconnect();
    }
    for _ in 0..5 {
        pair.advance(Duration::from_secs(1));
    }
    check_packet_ids(&pair);
    check_delivery(&sent_up, &pair.server_received);
    check_delivery(&sent_down, &pair.client_received);
    assert_eq!(pair.client.inflight(), 0);
    assert_eq!(pair.server.inflight(), 0);
}

fn check_delivery(sent: &[(String, QoS)], received: &[iot_protocol::mqtt::Publish]) {
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for p in received {
        *counts.entry(&p.payload[..]).or_default() += 1;
    }
    for (payload, q) in sent {
        let n = counts.get(payload.as_bytes()).copied().unwrap_or(0);
        match q {
            QoS::AtMostOnce => assert!(n <= 1, "QoS 0 {payload} delivered {n} times"),
            QoS::AtLeastOnce => assert!(n >= 1, "QoS 1 {payload} lost"),
            QoS::ExactlyOnce => assert_eq!(n, 1, "QoS 2 {payload} delivered {n} times"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn delivery_guarantees_hold_v5(ops in proptest::collection::vec(op(), 1..60)) {
        run(ProtocolVersion::V5, &ops);
    }

    #[test]
    fn delivery_guarantees_hold_v311(ops in proptest::collection::vec(op(), 1..60)) {
        run(ProtocolVersion::V311, &ops);
    }

    #[test]
    fn arbitrary_bytes_never_panic_server(chunks in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let mut s = ServerSession::new(&ServerConfig::new(), Instant::from_millis(0));
        let mut out = BytesMut::new();
        let mut buf = BytesMut::new();
        // A valid CONNECT first, so that the rest reaches the connected state machine.
        buf.extend_from_slice(&[0x10, 0x0d, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02,
            0x00, 0x3c, 0x00, 0x00, 0x00]);
        s.handle_bytes(Instant::from_millis(1), &mut buf);
        while let Some(e) = s.poll_event() {
            if let iot_protocol::mqtt::session::Event::ConnectRequest(_) = e {
                let _ = s.accept(Instant::from_millis(1), Default::default());
            }
        }
        for (i, c) in chunks.iter().enumerate() {
            let now = Instant::from_millis(2 + i as u64);
            buf.extend_from_slice(c);
            s.handle_bytes(now, &mut buf);
            s.poll_transmit(now, &mut out);
            s.handle_timeout(now);
            while s.poll_event().is_some() {}
            s.poll_transmit(now, &mut out);
            // Whatever the input, what the session sends is legal MQTT 5.
            let mut d = iot_protocol::mqtt::Decoder::with_version(ProtocolVersion::V5);
            while !out.is_empty() {
                prop_assert!(matches!(d.decode(&mut out), Ok(Some(_))));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_client(chunks in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let mut c = ClientSession::new(ClientConfig::new(ProtocolVersion::V5, "x"));
        c.connect(Instant::from_millis(0)).unwrap();
        let mut out = BytesMut::new();
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[0x20, 0x03, 0x00, 0x00, 0x00]); // CONNACK v5, no properties
        c.handle_bytes(Instant::from_millis(1), &mut buf);
        // Learns the version from the CONNECT the client sends first.
        let mut d = iot_protocol::mqtt::Decoder::new();
        for (i, ch) in chunks.iter().enumerate() {
            let now = Instant::from_millis(2 + i as u64);
            buf.extend_from_slice(ch);
            c.handle_bytes(now, &mut buf);
            c.poll_transmit(now, &mut out);
            c.handle_timeout(now);
            while c.poll_event().is_some() {}
            c.poll_transmit(now, &mut out);
            while !out.is_empty() {
                prop_assert!(matches!(d.decode(&mut out), Ok(Some(_))));
            }
        }
    }
}

fn message_strategy() -> impl Strategy<Value = Message> {
    (
        "[a-z]{1,8}(/[a-z0-9]{1,8}){0,3}",
        proptest::collection::vec(any::<u8>(), 0..40),
        0u8..3,
        any::<bool>(),
        proptest::option::of(1u32..100_000),
        proptest::option::of("[a-z/]{1,12}"),
    )
        .prop_map(|(topic, payload, q, retain, expiry, content_type)| {
            let mut m = Message::new(TopicName::new(topic.as_str()).unwrap(), payload, qos(q))
                .with_retain(retain);
            if let Some(e) = expiry {
                m = m.with_expiry_interval(e);
            }
            if let Some(ct) = content_type {
                m.properties
                    .get_or_insert_with(Default::default)
                    .set_content_type(Some(ct.as_str().into()));
            }
            m
        })
}

fn state_strategy() -> impl Strategy<Value = iot_protocol::mqtt::session::SessionState> {
    use iot_protocol::mqtt::session::{OutgoingMessage, SessionState, StoredSubscription};
    use iot_protocol::mqtt::{RetainHandling, SubscriptionOptions};
    (
        "[a-z0-9-]{0,20}",
        any::<u16>(),
        proptest::collection::vec(
            (
                "([a-z]{1,6}|\\+)(/([a-z]{1,6}|\\+)){0,3}(/#)?",
                0u8..3,
                any::<bool>(),
                0u8..3,
                any::<u32>(),
            ),
            0..6,
        ),
        proptest::collection::vec(1u16.., 0..6),
        proptest::collection::vec((1u16.., any::<bool>(), message_strategy()), 0..5),
        proptest::collection::vec(message_strategy(), 0..5),
    )
        .prop_map(
            |(client_id, next, subs, incoming, outgoing, queued)| SessionState {
                client_id,
                next_packet_id: next,
                subscriptions: subs
                    .into_iter()
                    .map(|(f, q, nl, rh, id)| StoredSubscription {
                        filter: f.into_boxed_str(),
                        options: SubscriptionOptions {
                            qos: qos(q),
                            no_local: nl,
                            retain_as_published: !nl,
                            retain_handling: match rh {
                                0 => RetainHandling::SendAtSubscribe,
                                1 => RetainHandling::SendAtSubscribeIfNew,
                                _ => RetainHandling::DoNotSend,
                            },
                        },
                        identifier: std::num::NonZeroU32::new(id),
                    })
                    .collect(),
                incoming_qos2: incoming,
                outgoing: outgoing
                    .into_iter()
                    .map(|(id, released, mut message)| {
                        if message.qos == QoS::AtMostOnce {
                            message.qos = QoS::AtLeastOnce;
                        }
                        OutgoingMessage {
                            packet_id: id,
                            released,
                            message,
                        }
                    })
                    .collect(),
                queued,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn session_state_bytes_round_trip(state in state_strategy()) {
        let stored = state.to_bytes().unwrap();
        let back = iot_protocol::mqtt::session::SessionState::from_bytes(&stored).unwrap();
        prop_assert_eq!(back, state);
    }

    #[test]
    fn session_state_from_arbitrary_bytes_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..200)
    ) {
        let mut with_magic = b"IOTS\x01".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = iot_protocol::mqtt::session::SessionState::from_bytes(&Bytes::from(bytes));
        let _ = iot_protocol::mqtt::session::SessionState::from_bytes(&Bytes::from(with_magic));
    }

    #[test]
    fn truncated_state_is_an_error(state in state_strategy(), cut in any::<prop::sample::Index>()) {
        let stored = state.to_bytes().unwrap();
        let n = cut.index(stored.len());
        prop_assert!(
            iot_protocol::mqtt::session::SessionState::from_bytes(&stored.slice(..n)).is_err()
        );
    }
}
