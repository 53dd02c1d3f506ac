//! Scenario tests: one rule each, with the section of MQTT 3.1.1 (OASIS 2014) or MQTT 5.0
//! (OASIS 2019) it comes from.

use std::time::Duration;

use bytes::Bytes;
use iot_protocol::mqtt::session::{
    Accept, AckOutcome, ClientConfig, Close, DropReason, Event, Instant, Message, ProtocolError,
    PublishError, ServerConfig, ServerSession, SessionState,
};
use iot_protocol::mqtt::{
    Auth, AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, Packet, PacketType, Properties,
    ProtocolVersion, PubRel, Publish, QoS, Subscription, TopicFilter, TopicName, Will,
};

use super::harness::{ConnectPolicy, Dir, Pair};

fn msg(topic: &str, payload: &str, qos: QoS) -> Message {
    Message::new(
        TopicName::new(topic).unwrap(),
        Bytes::copy_from_slice(payload.as_bytes()),
        qos,
    )
}

fn persistent(version: ProtocolVersion, id: &str) -> ClientConfig {
    let mut c = ClientConfig::new(version, id);
    c.clean_start(false).session_expiry_interval(3600);
    c
}

fn disconnects(pair: &Pair, dir: Dir) -> Vec<DisconnectReasonCode> {
    pair.packets(dir, PacketType::Disconnect)
        .into_iter()
        .map(|p| match p {
            Packet::Disconnect(d) => d.reason_code,
            _ => unreachable!(),
        })
        .collect()
}

fn publishes(pair: &Pair, dir: Dir) -> Vec<Publish> {
    pair.packets(dir, PacketType::Publish)
        .into_iter()
        .map(|p| match p {
            Packet::Publish(p) => p.clone(),
            _ => unreachable!(),
        })
        .collect()
}

fn subscribe(pair: &mut Pair, filter: &str, qos: QoS) {
    let now = pair.now;
    pair.client
        .subscribe(
            now,
            vec![Subscription::new(TopicFilter::new(filter).unwrap(), qos)],
            Properties::new(),
        )
        .unwrap();
    pair.drive();
}

// ----- connect handshake -----

#[test]
fn connect_both_versions() {
    // 3.1.1 §3.2, 5.0 §3.2: CONNECT is answered by CONNACK, Session Present 0 for a new session.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(ClientConfig::new(v, "c1"), ServerConfig::new());
        pair.connect();
        assert!(pair.client.is_connected());
        assert!(pair.server.is_connected());
        assert_eq!(pair.server.protocol_version(), v);
        assert!(pair.client_events.contains(&Event::Connected {
            session_present: false
        }));
        assert_eq!(
            pair.types_since(0),
            vec![
                (Dir::Up, PacketType::Connect),
                (Dir::Down, PacketType::ConnAck)
            ]
        );
    }
}

#[test]
fn assigned_client_identifier() {
    // 5.0 §3.2.2.3.7: an empty client id gets an Assigned Client Identifier in the CONNACK.
    let mut pair = Pair::v5("");
    pair.assigned_client_id = Some("auto-7".into());
    pair.connect();
    assert_eq!(pair.client.client_id(), "auto-7");
    assert_eq!(pair.server.client_id(), "auto-7");
    let Packet::ConnAck(ack) = pair.packets(Dir::Down, PacketType::ConnAck)[0] else {
        unreachable!()
    };
    assert_eq!(
        ack.properties
            .assigned_client_identifier()
            .map(|s| s.as_str()),
        Some("auto-7")
    );
}

#[test]
fn empty_client_id_without_clean_session_is_rejected_in_311() {
    // 3.1.1 §3.1.3.1 (MQTT-3.1.3-8): zero-length ClientId with CleanSession 0 gets return
    // code 0x02 and the connection closes.
    let mut c = ClientConfig::new(ProtocolVersion::V311, "");
    c.clean_start(false);
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    assert_eq!(
        pair.client_closed(),
        Some(&Close::Rejected(
            ConnectReasonCode::ClientIdentifierNotValid
        ))
    );
    assert!(pair.server.is_closed());
}

#[test]
fn server_keep_alive_overrides_client() {
    // 5.0 §3.2.2.3.14: the client MUST use the Server Keep Alive.
    let mut s = ServerConfig::new();
    s.server_keep_alive(Some(5));
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    assert_eq!(pair.client.keep_alive(), 5);
    assert_eq!(pair.server.keep_alive(), 5);
    let t0 = pair.trace.len();
    pair.advance(Duration::from_secs(6));
    assert!(
        pair.types_since(t0)
            .contains(&(Dir::Up, PacketType::PingReq))
    );
}

#[test]
fn connack_carries_server_limits() {
    // 5.0 §3.2.2.3: Receive Maximum, Maximum Packet Size, Topic Alias Maximum, Maximum QoS and
    // Retain Available are announced in the CONNACK and adopted by the client.
    let mut s = ServerConfig::new();
    s.receive_maximum(3)
        .maximum_packet_size(4096)
        .topic_alias_maximum(4)
        .maximum_qos(QoS::AtLeastOnce)
        .retain_available(false);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    let Packet::ConnAck(ack) = pair.packets(Dir::Down, PacketType::ConnAck)[0] else {
        unreachable!()
    };
    assert_eq!(ack.properties.receive_maximum(), Some(3));
    assert_eq!(ack.properties.maximum_packet_size(), Some(4096));
    assert_eq!(ack.properties.topic_alias_maximum(), Some(4));
    assert_eq!(ack.properties.maximum_qos(), Some(QoS::AtLeastOnce));
    assert_eq!(ack.properties.retain_available(), Some(false));
    let now = pair.now;
    assert_eq!(
        pair.client.publish(now, msg("a", "x", QoS::ExactlyOnce)),
        Err(PublishError::QoSNotSupported(QoS::ExactlyOnce))
    );
    assert_eq!(
        pair.client
            .publish(now, msg("a", "x", QoS::AtMostOnce).with_retain(true)),
        Err(PublishError::RetainNotSupported)
    );
}

#[test]
fn enhanced_authentication() {
    // 5.0 §4.12: CONNECT with Authentication Method, AUTH 0x18 both ways, CONNACK ends it.
    let mut c = ClientConfig::new(ProtocolVersion::V5, "c");
    c.authentication(
        Some("SCRAM-SHA-1".into()),
        Some(Bytes::from_static(b"client-first")),
    );
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.policy = ConnectPolicy::Manual;
    pair.connect();
    let Some(Event::ConnectRequest(req)) = pair.server_events.first().cloned() else {
        panic!("no connect request")
    };
    assert_eq!(
        req.properties.authentication_method().map(|s| s.as_str()),
        Some("SCRAM-SHA-1")
    );
    let now = pair.now;
    pair.server
        .auth_continue(now, Some(Bytes::from_static(b"server-first")))
        .unwrap();
    pair.drive();
    let Some(Event::Auth(challenge)) = pair.client_events.last().cloned() else {
        panic!("no challenge")
    };
    assert_eq!(challenge.data.as_deref(), Some(&b"server-first"[..]));
    pair.client
        .auth_respond(pair.now, Some(Bytes::from_static(b"client-final")))
        .unwrap();
    pair.drive();
    let Some(Event::Auth(resp)) = pair.server_events.last().cloned() else {
        panic!("no response")
    };
    assert_eq!(resp.reason_code, AuthReasonCode::ContinueAuthentication);
    assert_eq!(resp.data.as_deref(), Some(&b"client-final"[..]));
    let accept = Accept {
        authentication_data: Some(Bytes::from_static(b"server-final")),
        ..Accept::default()
    };
    pair.server.accept(pair.now, accept).unwrap();
    pair.drive();
    assert!(pair.client.is_connected());
    assert_eq!(
        pair.types_since(0),
        vec![
            (Dir::Up, PacketType::Connect),
            (Dir::Down, PacketType::Auth),
            (Dir::Up, PacketType::Auth),
            (Dir::Down, PacketType::ConnAck),
        ]
    );
}

#[test]
fn auth_without_method_is_a_protocol_error() {
    // 5.0 §4.12: AUTH on a connection whose CONNECT had no Authentication Method is a
    // Protocol Error (DISCONNECT 0x82).
    let mut pair = Pair::v5("c");
    pair.connect();
    let mut props = Properties::new();
    props.set_authentication_method(Some("X".into()));
    pair.inject_to_server(Packet::Auth(Auth {
        reason_code: AuthReasonCode::ReAuthenticate,
        properties: props,
    }));
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::ProtocolError]
    );
    assert_eq!(
        pair.server_closed(),
        Some(&Close::ProtocolError(ProtocolError::UnexpectedAuth))
    );
}

#[test]
fn rejected_connect_reports_code_in_both_versions() {
    // 3.1.1 §3.2.2.3 (return code 5), 5.0 §3.2.2.2 (0x87): a refused CONNECT.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(ClientConfig::new(v, "c"), ServerConfig::new());
        pair.policy = ConnectPolicy::Manual;
        pair.connect();
        pair.server
            .reject(pair.now, ConnectReasonCode::NotAuthorized)
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.client_closed(),
            Some(&Close::Rejected(ConnectReasonCode::NotAuthorized))
        );
    }
}

// ----- QoS flows -----

#[test]
fn qos1_packet_order_both_directions() {
    // 3.1.1 §4.3.2, 5.0 §4.3.2: PUBLISH QoS 1 → PUBACK.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(ClientConfig::new(v, "c"), ServerConfig::new());
        pair.connect();
        subscribe(&mut pair, "down/#", QoS::AtLeastOnce);
        let t0 = pair.trace.len();
        let id = pair
            .client
            .publish(pair.now, msg("up/1", "a", QoS::AtLeastOnce))
            .unwrap();
        pair.drive();
        let sid = pair
            .server
            .publish(pair.now, msg("down/1", "b", QoS::AtLeastOnce))
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.types_since(t0),
            vec![
                (Dir::Up, PacketType::Publish),
                (Dir::Down, PacketType::PubAck),
                (Dir::Down, PacketType::Publish),
                (Dir::Up, PacketType::PubAck),
            ]
        );
        assert!(
            pair.client_events.iter().any(|e| matches!(e,
            Event::Acknowledged { packet_id, outcome: AckOutcome::PubAck(_) } if *packet_id == id))
        );
        assert!(pair.server_events.iter().any(|e| matches!(e,
            Event::Acknowledged { packet_id, .. } if *packet_id == sid)));
        assert_eq!(pair.server_received.len(), 1);
        assert_eq!(pair.client_received.len(), 1);
    }
}

#[test]
fn qos2_packet_order_both_directions() {
    // 3.1.1 §4.3.3, 5.0 §4.3.3: PUBLISH → PUBREC → PUBREL → PUBCOMP.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(ClientConfig::new(v, "c"), ServerConfig::new());
        pair.connect();
        let t0 = pair.trace.len();
        pair.client
            .publish(pair.now, msg("up/2", "a", QoS::ExactlyOnce))
            .unwrap();
        pair.drive();
        pair.server
            .publish(pair.now, msg("down/2", "b", QoS::ExactlyOnce))
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.types_since(t0),
            vec![
                (Dir::Up, PacketType::Publish),
                (Dir::Down, PacketType::PubRec),
                (Dir::Up, PacketType::PubRel),
                (Dir::Down, PacketType::PubComp),
                (Dir::Down, PacketType::Publish),
                (Dir::Up, PacketType::PubRec),
                (Dir::Down, PacketType::PubRel),
                (Dir::Up, PacketType::PubComp),
            ]
        );
        assert_eq!(pair.server_received.len(), 1);
        assert_eq!(pair.client_received.len(), 1);
        assert_eq!(pair.client.inflight(), 0);
        assert_eq!(pair.server.inflight(), 0);
    }
}

#[test]
fn duplicate_qos2_publish_is_delivered_once() {
    // 5.0 §4.3.3 (and 3.1.1 §4.3.3): until PUBREL, a PUBLISH with the same Packet Identifier
    // is acknowledged with PUBREC again but not delivered again.
    let mut pair = Pair::v5("c");
    pair.connect();
    let mut p = Publish::new(TopicName::from_static("t"), Bytes::from_static(b"once"));
    p.qos = QoS::ExactlyOnce;
    p.packet_id = 42;
    // The client session would answer the unknown PUBREC with a PUBREL: keep it out.
    pair.silence_link();
    let t0 = pair.trace.len();
    pair.inject_to_server(Packet::Publish(p.clone()));
    p.dup = true;
    pair.inject_to_server(Packet::Publish(p.clone()));
    assert_eq!(pair.server_received.len(), 1);
    assert_eq!(
        pair.types_since(t0),
        vec![
            (Dir::Down, PacketType::PubRec),
            (Dir::Down, PacketType::PubRec)
        ]
    );
    pair.inject_to_server(Packet::PubRel(PubRel::new(42)));
    // After the release the identifier is free: the same id is a new message.
    p.dup = false;
    pair.inject_to_server(Packet::Publish(p));
    assert_eq!(pair.server_received.len(), 2);
}

#[test]
fn pubrel_for_unknown_id_gets_pubcomp_0x92() {
    // 5.0 §3.7.2.1: PUBCOMP 0x92 Packet Identifier not found.
    let mut pair = Pair::v5("c");
    pair.connect();
    pair.inject_to_server(Packet::PubRel(PubRel::new(9)));
    let Packet::PubComp(c) = pair.packets(Dir::Down, PacketType::PubComp)[0] else {
        unreachable!()
    };
    assert_eq!(c.packet_id, 9);
    assert_eq!(
        c.reason_code,
        iot_protocol::mqtt::PubCompReasonCode::PacketIdentifierNotFound
    );
}

#[test]
fn packet_ids_in_flight_are_skipped_on_wrap() {
    // 3.1.1 §2.3.1, 5.0 §2.2.1: a new packet MUST use a Packet Identifier not in use.
    let mut state = SessionState::new("c");
    state.next_packet_id = 65_534;
    state
        .outgoing
        .push(iot_protocol::mqtt::session::OutgoingMessage {
            packet_id: 1,
            released: false,
            message: msg("t", "old", QoS::AtLeastOnce),
        });
    let mut cfg = persistent(ProtocolVersion::V5, "c");
    cfg.clean_start(false);
    let mut pair = Pair::new(cfg.clone(), ServerConfig::new());
    pair.client = iot_protocol::mqtt::session::ClientSession::with_state(cfg, pair.now, state);
    let ids: Vec<u16> = (0..3)
        .map(|i| {
            pair.client
                .publish(pair.now, msg("t", &i.to_string(), QoS::AtLeastOnce))
                .unwrap()
        })
        .collect();
    assert_eq!(ids, vec![65_534, 65_535, 2]);
}

// ----- resumption -----

#[test]
fn unacknowledged_messages_are_resent_with_dup_on_resumption() {
    // 3.1.1 §4.4, 5.0 §4.4: on reconnect with a session present, unacknowledged PUBLISH (DUP
    // set) and PUBREL are re-sent with their original Packet Identifiers.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(persistent(v, "c"), ServerConfig::new());
        pair.connect();
        let id1 = pair
            .client
            .publish(pair.now, msg("t", "q1", QoS::AtLeastOnce))
            .unwrap();
        let id2 = pair
            .client
            .publish(pair.now, msg("t", "q2", QoS::ExactlyOnce))
            .unwrap();
        // Send both, then lose the link before anything arrives.
        let mut out = bytes::BytesMut::new();
        assert!(pair.client.poll_transmit(pair.now, &mut out) > 0);
        pair.drop_link();
        assert_eq!(pair.client.inflight(), 2);
        let t0 = pair.trace.len();
        pair.reconnect();
        assert!(pair.client_events.contains(&Event::Connected {
            session_present: true
        }));
        let resent: Vec<Publish> = pair.trace[t0..]
            .iter()
            .filter_map(|(d, p)| match (d, p) {
                (Dir::Up, Packet::Publish(p)) => Some(p.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(resent.len(), 2);
        assert!(resent.iter().all(|p| p.dup));
        assert_eq!(resent[0].packet_id, id1);
        assert_eq!(resent[1].packet_id, id2);
        assert_eq!(pair.server_received.len(), 2);
        assert_eq!(pair.client.inflight(), 0);
    }
}

#[test]
fn pubrel_is_resent_and_qos2_not_redelivered_after_resumption() {
    // 5.0 §4.4 and §4.3.3: the PUBREC arrived, the PUBREL is lost: after reconnect the client
    // re-sends PUBREL (not the PUBLISH); the server delivered once.
    let mut pair = Pair::new(persistent(ProtocolVersion::V5, "c"), ServerConfig::new());
    pair.connect();
    pair.client
        .publish(pair.now, msg("t", "x", QoS::ExactlyOnce))
        .unwrap();
    // PUBLISH up, PUBREC down, PUBREL transmitted ... and lost with the link.
    pair.drive_until(|p| !p.packets(Dir::Up, PacketType::PubRel).is_empty());
    pair.drop_link();
    assert_eq!(pair.server_received.len(), 1);
    let t0 = pair.trace.len();
    pair.reconnect();
    let types = pair.types_since(t0);
    assert!(types.contains(&(Dir::Up, PacketType::PubRel)));
    assert!(!types.contains(&(Dir::Up, PacketType::Publish)));
    assert_eq!(pair.server_received.len(), 1);
    assert_eq!(pair.client.inflight(), 0);
}

#[test]
fn nothing_is_resent_on_a_live_connection() {
    // 5.0 §4.4: "Clients and Servers MUST NOT resend messages at any other time".
    let mut pair = Pair::v5("c");
    pair.connect();
    // The server never answers: it is replaced by a silent link after the PUBLISH left.
    pair.client
        .publish(pair.now, msg("t", "x", QoS::AtLeastOnce))
        .unwrap();
    pair.silence_link();
    pair.advance(Duration::from_secs(50));
    assert_eq!(publishes(&pair, Dir::Up).len(), 1);
}

#[test]
fn server_resends_to_resumed_client_and_queues_while_offline() {
    // 3.1.1 §4.1, 5.0 §4.1: QoS 1/2 messages for a disconnected client with a session are
    // kept and sent when it reconnects; in-flight ones are re-sent with DUP.
    let mut pair = Pair::new(persistent(ProtocolVersion::V5, "c"), ServerConfig::new());
    pair.connect();
    subscribe(&mut pair, "t/#", QoS::ExactlyOnce);
    pair.server
        .publish(pair.now, msg("t/1", "inflight", QoS::AtLeastOnce))
        .unwrap();
    let mut out = bytes::BytesMut::new();
    pair.server.poll_transmit(pair.now, &mut out);
    pair.drop_link();
    // Offline: the broker keeps delivering into the old connection's session.
    let old = &mut pair.server;
    assert!(old.is_closed());
    let now = pair.now;
    old.publish(now, msg("t/2", "queued-1", QoS::AtLeastOnce))
        .unwrap();
    old.publish(now, msg("t/3", "queued-2", QoS::ExactlyOnce))
        .unwrap();
    assert_eq!(
        old.publish(now, msg("t/4", "lost", QoS::AtMostOnce)),
        Err(PublishError::NotConnected)
    );
    pair.reconnect();
    let got: Vec<&str> = pair
        .client_received
        .iter()
        .map(|p| std::str::from_utf8(&p.payload).unwrap())
        .collect();
    assert_eq!(got, vec!["inflight", "queued-1", "queued-2"]);
    assert_eq!(pair.server.subscriptions().len(), 1);
    let down = publishes(&pair, Dir::Down);
    assert!(down.iter().any(|p| p.dup && &p.payload[..] == b"inflight"));
}

#[test]
fn client_discards_session_when_server_has_none() {
    // 5.0 §3.2.2.1.1, 3.1.1 §3.2.2.2: Session Present 0 after asking to resume: the client
    // discards its session state.
    let mut pair = Pair::new(persistent(ProtocolVersion::V5, "c"), ServerConfig::new());
    pair.connect();
    pair.client
        .publish(pair.now, msg("t", "x", QoS::AtLeastOnce))
        .unwrap();
    let mut out = bytes::BytesMut::new();
    pair.client.poll_transmit(pair.now, &mut out);
    pair.drop_link();
    pair.old_servers.clear();
    let old = std::mem::replace(
        &mut pair.server,
        ServerSession::new(&ServerConfig::new(), pair.now),
    );
    drop(old); // the broker lost the session
    pair.server = ServerSession::new(&ServerConfig::new(), pair.now);
    pair.reconnect();
    pair.old_servers.clear();
    assert!(
        pair.client_events
            .contains(&Event::SessionDiscarded { discarded: 1 })
    );
    assert_eq!(pair.client.inflight(), 0);
}

// ----- flow control -----

#[test]
fn receive_maximum_limits_messages_in_flight() {
    // 5.0 §4.9: the sender stops sending QoS 1/2 PUBLISH when its quota (the peer's Receive
    // Maximum) is used up, and continues as acknowledgements return.
    let mut s = ServerConfig::new();
    s.receive_maximum(2);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    for i in 0..5 {
        pair.client
            .publish(pair.now, msg("t", &i.to_string(), QoS::AtLeastOnce))
            .unwrap();
    }
    let mut out = bytes::BytesMut::new();
    pair.client.poll_transmit(pair.now, &mut out);
    assert_eq!(pair.client.inflight(), 2);
    assert_eq!(pair.client.queued(), 3);
    // Put those bytes back on the link by delivering them directly.
    pair.server.handle_bytes(pair.now, &mut out);
    pair.drive();
    assert_eq!(pair.server_received.len(), 5);
    let got: Vec<String> = pair
        .server_received
        .iter()
        .map(|p| String::from_utf8(p.payload.to_vec()).unwrap())
        .collect();
    assert_eq!(got, vec!["0", "1", "2", "3", "4"], "order kept (5.0 §4.6)");
    // Never more than 2 unacknowledged in the trace.
    let mut in_flight = 0i32;
    let mut max = 0;
    for (d, p) in &pair.trace {
        match (d, p) {
            (Dir::Up, Packet::Publish(_)) => in_flight += 1,
            (Dir::Down, Packet::PubAck(_)) => in_flight -= 1,
            _ => {}
        }
        max = max.max(in_flight);
    }
    assert!(max <= 2, "max in flight {max}");
}

#[test]
fn exceeding_receive_maximum_is_disconnect_0x93() {
    // 5.0 §3.3.4: more unacknowledged QoS 1/2 PUBLISH than Receive Maximum: DISCONNECT 0x93.
    let mut s = ServerConfig::new();
    s.receive_maximum(2);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    for id in 1..=3 {
        let mut p = Publish::new(TopicName::from_static("t"), Bytes::from_static(b"x"));
        p.qos = QoS::ExactlyOnce;
        p.packet_id = id;
        pair.server.handle_packet(pair.now, Packet::Publish(p));
    }
    pair.drive();
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::ReceiveMaximumExceeded]
    );
}

#[test]
fn peer_maximum_packet_size_is_respected() {
    // 5.0 §3.1.2.11.4: the server MUST NOT send packets larger than the client's Maximum
    // Packet Size; it discards them instead. 5.0 §3.2.2.3.6: the same for the client.
    let mut c = ClientConfig::new(ProtocolVersion::V5, "c");
    c.maximum_packet_size(64);
    let mut s = ServerConfig::new();
    s.maximum_packet_size(128);
    let mut pair = Pair::new(c, s);
    pair.connect();
    let big = "x".repeat(100);
    assert!(matches!(
        pair.server
            .publish(pair.now, msg("t", &big, QoS::AtLeastOnce)),
        Err(PublishError::PacketTooLarge { max: 64, .. })
    ));
    let bigger = "x".repeat(200);
    assert!(matches!(
        pair.client
            .publish(pair.now, msg("t", &bigger, QoS::AtLeastOnce)),
        Err(PublishError::PacketTooLarge { max: 128, .. })
    ));
    pair.client
        .publish(pair.now, msg("t", &big, QoS::AtLeastOnce))
        .unwrap();
    pair.drive();
    assert_eq!(pair.server_received.len(), 1);
}

#[test]
fn queued_message_too_large_for_new_connection_is_dropped() {
    // 5.0 §3.1.2.11.4: a packet too large for the client is discarded "as if it had completed
    // sending", and the caller is told.
    let mut c = persistent(ProtocolVersion::V5, "c");
    c.maximum_packet_size(64);
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    pair.drop_link();
    let now = pair.now;
    pair.server
        .publish(now, msg("t", &"y".repeat(200), QoS::AtLeastOnce))
        .unwrap();
    pair.reconnect();
    assert!(pair.server_events.iter().any(|e| matches!(
        e,
        Event::MessageDropped {
            reason: DropReason::PacketTooLarge,
            ..
        }
    )));
    assert!(pair.client_received.is_empty());
}

#[test]
fn topic_aliases_both_ways() {
    // 5.0 §3.3.2.3.4: the first PUBLISH maps topic and alias, later ones send only the alias.
    let mut c = ClientConfig::new(ProtocolVersion::V5, "c");
    c.topic_alias_maximum(2);
    let mut s = ServerConfig::new();
    s.topic_alias_maximum(2);
    let mut pair = Pair::new(c, s);
    pair.connect();
    for _ in 0..3 {
        pair.client
            .publish(pair.now, msg("sensors/1/temp", "21", QoS::AtMostOnce))
            .unwrap();
        pair.server
            .publish(pair.now, msg("cmd/1", "on", QoS::AtMostOnce))
            .unwrap();
    }
    pair.drive();
    for dir in [Dir::Up, Dir::Down] {
        let p = publishes(&pair, dir);
        assert_eq!(p.len(), 3);
        assert!(!p[0].topic.is_empty());
        assert_eq!(p[0].properties.topic_alias(), Some(1));
        assert!(p[1].topic.is_empty() && p[2].topic.is_empty());
        assert_eq!(p[2].properties.topic_alias(), Some(1));
    }
    assert!(
        pair.server_received
            .iter()
            .all(|p| p.topic == "sensors/1/temp")
    );
    assert!(pair.client_received.iter().all(|p| p.topic == "cmd/1"));
    // Aliases belong to one network connection: after a reconnect they start again.
    pair.drop_link();
    pair.reconnect();
    pair.client
        .publish(pair.now, msg("sensors/1/temp", "22", QoS::AtMostOnce))
        .unwrap();
    pair.drive();
    let p = publishes(&pair, Dir::Up);
    assert_eq!(p.last().unwrap().topic, "sensors/1/temp");
}

#[test]
fn no_aliases_without_negotiation() {
    // 5.0 §3.1.2.11.5: with Topic Alias Maximum absent (0) the peer MUST NOT send aliases.
    let mut pair = Pair::v5("c");
    pair.connect();
    for _ in 0..2 {
        pair.client
            .publish(pair.now, msg("a/b", "1", QoS::AtMostOnce))
            .unwrap();
    }
    pair.drive();
    assert!(
        publishes(&pair, Dir::Up)
            .iter()
            .all(|p| p.properties.topic_alias().is_none())
    );
}

#[test]
fn invalid_topic_alias_is_disconnect_0x94() {
    // 5.0 §3.3.2.3.4: alias 0 or above the maximum is answered with DISCONNECT 0x94
    // (NanoMQ #2336 sent 0x82 instead).
    for alias in [0u16, 3] {
        let mut s = ServerConfig::new();
        s.topic_alias_maximum(2);
        let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
        pair.connect();
        let mut p = Publish::new(TopicName::from_static("t"), Bytes::from_static(b"x"));
        p.properties.set_topic_alias(Some(alias));
        pair.inject_to_server(Packet::Publish(p));
        assert_eq!(
            disconnects(&pair, Dir::Down),
            vec![DisconnectReasonCode::TopicAliasInvalid]
        );
    }
}

#[test]
fn unknown_alias_with_empty_topic_is_protocol_error() {
    // 5.0 §3.3.4: an alias without a mapping is a Protocol Error (0x82).
    let mut s = ServerConfig::new();
    s.topic_alias_maximum(2);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    let mut p = Publish::new(TopicName::empty(), Bytes::from_static(b"x"));
    p.properties.set_topic_alias(Some(1));
    pair.inject_to_server(Packet::Publish(p));
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::ProtocolError]
    );
}

// ----- keep alive -----

#[test]
fn idle_client_sends_pingreq_and_stays_connected() {
    // 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: the client sends PINGREQ when it has sent nothing for
    // Keep Alive; the server answers PINGRESP (§3.12.4).
    let mut c = ClientConfig::new(ProtocolVersion::V311, "c");
    c.keep_alive(10);
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    let t0 = pair.trace.len();
    pair.advance(Duration::from_secs(35));
    let pings = pair
        .types_since(t0)
        .iter()
        .filter(|x| **x == (Dir::Up, PacketType::PingReq))
        .count();
    assert_eq!(pings, 3);
    assert!(pair.client.is_connected() && pair.server.is_connected());
}

#[test]
fn server_closes_after_one_and_a_half_keep_alive() {
    // 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: no packet within 1.5 × Keep Alive: the server closes
    // (5.0: DISCONNECT 0x8D) and publishes the Will.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut c = ClientConfig::new(v, "c");
        c.keep_alive(10);
        c.will(Some(Will {
            topic: TopicName::from_static("status/c"),
            payload: Bytes::from_static(b"offline"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
        }));
        let mut pair = Pair::new(c, ServerConfig::new());
        pair.connect();
        let start = pair.now;
        pair.silence_link();
        pair.advance(Duration::from_secs(20));
        assert_eq!(pair.server_closed(), Some(&Close::KeepAliveTimeout));
        let closed_at = pair
            .server_events
            .iter()
            .position(|e| matches!(e, Event::Closed(_)))
            .unwrap();
        assert!(closed_at > 0);
        assert!(pair.now >= start + Duration::from_secs(15));
        assert_eq!(pair.wills.len(), 1);
        assert_eq!(&pair.wills[0].payload[..], b"offline");
        if v == ProtocolVersion::V5 {
            assert_eq!(
                disconnects(&pair, Dir::Down),
                vec![DisconnectReasonCode::KeepAliveTimeout]
            );
        } else {
            assert!(disconnects(&pair, Dir::Down).is_empty());
        }
        // The client gave up waiting for PINGRESP too.
        assert_eq!(pair.client_closed(), Some(&Close::KeepAliveTimeout));
    }
}

#[test]
fn server_keeps_connection_exactly_until_one_and_a_half_keep_alive() {
    // 3.1.1 §3.1.2.10: the deadline is 1.5 × Keep Alive after the last packet received.
    let mut c = ClientConfig::new(ProtocolVersion::V311, "c");
    c.keep_alive(10);
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    // The CONNECT reached the server one link latency before the CONNACK reached the client.
    let last_rx = Instant::from_millis(pair.now.as_millis() - 10);
    pair.silence_link();
    assert_eq!(
        pair.server.poll_timeout(),
        Some(last_rx + Duration::from_millis(15_000))
    );
    pair.server
        .handle_timeout(last_rx + Duration::from_millis(14_999));
    assert!(pair.server.is_connected());
    pair.server
        .handle_timeout(last_rx + Duration::from_millis(15_000));
    assert!(pair.server.is_closed());
}

// ----- session state -----

#[test]
fn session_state_survives_a_server_restart() {
    // 3.1.1 §4.1, 5.0 §4.1: the session state (subscriptions, in-flight and queued messages)
    // outlives the network connection; here it also outlives the process (exported value).
    let mut pair = Pair::new(persistent(ProtocolVersion::V5, "c"), ServerConfig::new());
    pair.connect();
    subscribe(&mut pair, "a/+", QoS::AtLeastOnce);
    subscribe(&mut pair, "b/#", QoS::ExactlyOnce);
    pair.drop_link();
    let now = pair.now;
    pair.server
        .publish(now, msg("a/1", "m1", QoS::AtLeastOnce))
        .unwrap();
    pair.server
        .publish(
            now,
            msg("b/2", "m2", QoS::ExactlyOnce).with_expiry_interval(100),
        )
        .unwrap();
    let exported = pair.server.session_state(now);
    assert_eq!(exported.subscriptions.len(), 2);
    assert_eq!(exported.queued.len(), 2);
    // "Restart": a clock with another epoch, a fresh server, the state from storage.
    pair.old_servers.clear();
    pair.server = ServerSession::new(&pair.server_config.clone(), pair.now);
    // Through storage: the binary form, as a server would write it to disk.
    let stored = exported.to_bytes().unwrap();
    pair.stored = Some(SessionState::from_bytes(&stored).unwrap());
    pair.now = Instant::from_millis(5);
    pair.advance(Duration::from_secs(30));
    pair.reconnect_after_restart();
    let got: Vec<&[u8]> = pair
        .client_received
        .iter()
        .map(|p| &p.payload[..])
        .collect();
    assert_eq!(got, vec![&b"m1"[..], &b"m2"[..]]);
    assert_eq!(pair.server.subscriptions().len(), 2);
    // The expiry interval was counted down while queued (5.0 §3.3.2.3.3).
    let m2 = &pair.client_received[1];
    assert!(m2.properties.message_expiry_interval().unwrap() <= 100);
}

#[test]
fn queued_message_expires() {
    // 5.0 §3.3.2.3.3: once the Message Expiry Interval passed, a message not yet sent to the
    // subscriber MUST be deleted; one still valid is sent with the remaining interval.
    let mut pair = Pair::new(persistent(ProtocolVersion::V5, "c"), ServerConfig::new());
    pair.connect();
    pair.drop_link();
    let now = pair.now;
    pair.server
        .publish(
            now,
            msg("t", "short", QoS::AtLeastOnce).with_expiry_interval(5),
        )
        .unwrap();
    pair.server
        .publish(
            now,
            msg("t", "long", QoS::AtLeastOnce).with_expiry_interval(60),
        )
        .unwrap();
    pair.advance(Duration::from_secs(20));
    pair.reconnect();
    let got: Vec<&[u8]> = pair
        .client_received
        .iter()
        .map(|p| &p.payload[..])
        .collect();
    assert_eq!(got, vec![&b"long"[..]]);
    let left = pair.client_received[0]
        .properties
        .message_expiry_interval()
        .unwrap();
    assert!((39..=40).contains(&left), "remaining {left}");
    let dropped = pair
        .server_events
        .iter()
        .chain(pair.old_servers.iter().flat_map(|_| std::iter::empty()))
        .filter(|e| {
            matches!(
                e,
                Event::MessageDropped {
                    reason: DropReason::Expired,
                    ..
                }
            )
        })
        .count();
    assert_eq!(dropped, 1);
}

#[test]
fn session_expiry_zero_ends_session_at_close() {
    // 5.0 §3.1.2.11.2: Session Expiry Interval 0 (absent): the session ends with the
    // connection; 3.1.1 §3.1.2.4: Clean Session 1 the same.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(ClientConfig::new(v, "c"), ServerConfig::new());
        pair.connect();
        subscribe(&mut pair, "x", QoS::AtMostOnce);
        pair.drop_link();
        assert!(pair.server_events.contains(&Event::SessionExpired));
        assert!(!pair.server.has_session());
        pair.reconnect();
        assert!(pair.client_events.iter().all(|e| *e
            != Event::Connected {
                session_present: true
            }));
    }
}

#[test]
fn session_expires_after_interval() {
    // 5.0 §3.1.2.11.2: the server deletes the session when the interval has passed.
    let mut c = ClientConfig::new(ProtocolVersion::V5, "c");
    c.clean_start(false).session_expiry_interval(10);
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    pair.drop_link();
    pair.advance(Duration::from_secs(9));
    assert!(pair.server.has_session());
    pair.advance(Duration::from_secs(2));
    assert!(!pair.server.has_session());
    assert!(pair.server_events.contains(&Event::SessionExpired));
}

// ----- will -----

fn with_will(v: ProtocolVersion, delay: Option<u32>) -> ClientConfig {
    let mut c = persistent(v, "c");
    let mut props = Properties::new();
    props.set_will_delay_interval(delay);
    c.will(Some(Will {
        topic: TopicName::from_static("status/c"),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: props,
    }));
    c
}

#[test]
fn will_published_on_abnormal_close_only() {
    // 3.1.1 §3.1.2.5, 5.0 §3.1.2.5: the Will is published when the connection closes without
    // a normal DISCONNECT, and deleted on a DISCONNECT with 0x00.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut pair = Pair::new(with_will(v, None), ServerConfig::new());
        pair.connect();
        pair.drop_link();
        assert_eq!(pair.wills.len(), 1, "{v:?} lost connection");

        let mut pair = Pair::new(with_will(v, None), ServerConfig::new());
        pair.connect();
        pair.client
            .disconnect(pair.now, DisconnectReasonCode::NormalDisconnection);
        pair.drive();
        assert!(pair.wills.is_empty(), "{v:?} normal disconnect");
        assert!(matches!(
            pair.server_closed(),
            Some(Close::PeerDisconnect {
                reason_code: DisconnectReasonCode::NormalDisconnection,
                ..
            })
        ));
    }
}

#[test]
fn disconnect_with_will_message_publishes_it() {
    // 5.0 §3.14.2.1: reason 0x04 Disconnect with Will Message.
    let mut pair = Pair::new(with_will(ProtocolVersion::V5, None), ServerConfig::new());
    pair.connect();
    pair.client
        .disconnect(pair.now, DisconnectReasonCode::DisconnectWithWillMessage);
    pair.drive();
    assert_eq!(pair.wills.len(), 1);
}

#[test]
fn will_delay_interval() {
    // 5.0 §3.1.3.2.2: the Will waits for the Will Delay Interval, and is not sent if the
    // session resumes before it passes.
    let mut pair = Pair::new(
        with_will(ProtocolVersion::V5, Some(30)),
        ServerConfig::new(),
    );
    pair.connect();
    pair.drop_link();
    pair.advance(Duration::from_secs(10));
    assert!(pair.wills.is_empty());
    pair.reconnect();
    pair.advance(Duration::from_secs(60));
    assert!(pair.wills.is_empty(), "resumed before the delay");

    let mut pair = Pair::new(
        with_will(ProtocolVersion::V5, Some(30)),
        ServerConfig::new(),
    );
    pair.connect();
    pair.drop_link();
    pair.advance(Duration::from_secs(29));
    assert!(pair.wills.is_empty());
    pair.advance(Duration::from_secs(2));
    assert_eq!(pair.wills.len(), 1);
}

// ----- protocol errors -----

#[test]
fn second_connect_is_a_protocol_error() {
    // 3.1.1 §3.1 (MQTT-3.1.0-2), 5.0 §3.1: a second CONNECT is a Protocol Error.
    let mut pair = Pair::v5("c");
    pair.connect();
    let c = iot_protocol::mqtt::Connect::new(ProtocolVersion::V5, "c");
    pair.inject_to_server(Packet::Connect(Box::new(c)));
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::ProtocolError]
    );
    assert_eq!(
        pair.server_closed(),
        Some(&Close::ProtocolError(ProtocolError::SecondConnect))
    );
}

#[test]
fn protocol_error_in_311_closes_without_disconnect() {
    // 3.1.1 §4.8: on a protocol violation the server closes the network connection; 3.1.1
    // has no server DISCONNECT.
    let mut pair = Pair::v311("c");
    pair.connect();
    let c = iot_protocol::mqtt::Connect::new(ProtocolVersion::V311, "c");
    pair.inject_to_server(Packet::Connect(Box::new(c)));
    assert!(disconnects(&pair, Dir::Down).is_empty());
    assert!(pair.server.is_closed());
}

#[test]
fn first_packet_must_be_connect() {
    // 3.1.1 §3.1 (MQTT-3.1.0-1), 5.0 §3.1: the first packet from the client MUST be CONNECT.
    let mut server = ServerSession::new(&ServerConfig::new(), Instant::from_millis(0));
    let mut buf = bytes::BytesMut::from(&[0xC0u8, 0x00][..]); // PINGREQ
    server.handle_bytes(Instant::from_millis(1), &mut buf);
    assert!(server.is_closed());
    assert!(matches!(
        server.poll_event(),
        Some(Event::Closed(Close::ProtocolError(_)))
    ));
}

#[test]
fn malformed_packet_is_disconnect_with_decode_reason() {
    // 5.0 §4.13: a Malformed Packet closes with DISCONNECT 0x81 (the netty #16851 vector).
    let mut pair = Pair::v5("c");
    pair.connect();
    let mut buf = bytes::BytesMut::from(&[0xC0u8, 0x02, 0xD0, 0x00][..]);
    pair.server.handle_bytes(pair.now, &mut buf);
    pair.drive();
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::MalformedPacket]
    );
}

#[test]
fn qos_above_maximum_is_disconnect_0x9b() {
    // 5.0 §3.2.2.3.4: a PUBLISH above the announced Maximum QoS: DISCONNECT 0x9B.
    let mut s = ServerConfig::new();
    s.maximum_qos(QoS::AtLeastOnce);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    let mut p = Publish::new(TopicName::from_static("t"), Bytes::from_static(b"x"));
    p.qos = QoS::ExactlyOnce;
    p.packet_id = 1;
    pair.inject_to_server(Packet::Publish(p));
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::QoSNotSupported]
    );
}

#[test]
fn publish_before_connack_is_a_protocol_error_for_the_client() {
    // 5.0 §3.2: the first packet from the server MUST be CONNACK (or AUTH).
    let mut pair = Pair::v5("c");
    pair.policy = ConnectPolicy::Manual;
    pair.connect();
    pair.inject_to_client(Packet::Publish(Publish::new(
        TopicName::from_static("t"),
        Bytes::from_static(b"x"),
    )));
    assert_eq!(
        pair.client_closed(),
        Some(&Close::ProtocolError(ProtocolError::UnexpectedPacket(
            PacketType::Publish
        )))
    );
    assert_eq!(
        disconnects(&pair, Dir::Up),
        vec![DisconnectReasonCode::ProtocolError]
    );
}

#[test]
fn disconnect_cannot_set_session_expiry_after_zero() {
    // 5.0 §3.14.2.2.2: Session Expiry 0 in CONNECT and non-zero in DISCONNECT is a Protocol
    // Error.
    let mut pair = Pair::v5("c");
    pair.connect();
    let mut d = iot_protocol::mqtt::Disconnect::new();
    d.properties.set_session_expiry_interval(Some(60));
    pair.inject_to_server(Packet::Disconnect(d));
    assert_eq!(
        pair.server_closed(),
        Some(&Close::ProtocolError(ProtocolError::SessionExpiryAfterZero))
    );
}

#[test]
fn subscribe_and_unsubscribe_round_trip() {
    // 3.1.1 §3.8–3.11, 5.0 §3.8–3.11: SUBACK per filter; same filter replaces (§3.8.4);
    // UNSUBACK 0x11 for a filter that did not exist (5.0 §3.11.3).
    let mut pair = Pair::v5("c");
    pair.connect();
    subscribe(&mut pair, "a/#", QoS::AtLeastOnce);
    subscribe(&mut pair, "a/#", QoS::ExactlyOnce);
    assert_eq!(pair.server.subscriptions().len(), 1);
    assert_eq!(pair.server.subscriptions()[0].options.qos, QoS::ExactlyOnce);
    pair.client
        .unsubscribe(
            pair.now,
            vec![
                TopicFilter::from_static("a/#"),
                TopicFilter::from_static("zzz"),
            ],
        )
        .unwrap();
    pair.drive();
    assert!(pair.server.subscriptions().is_empty());
    let Some(Event::UnsubAck(u)) = pair
        .client_events
        .iter()
        .rev()
        .find(|e| matches!(e, Event::UnsubAck(_)))
        .cloned()
    else {
        panic!()
    };
    assert_eq!(
        u.reason_codes,
        vec![
            iot_protocol::mqtt::UnsubAckReasonCode::Success,
            iot_protocol::mqtt::UnsubAckReasonCode::NoSubscriptionExisted
        ]
    );
}

#[test]
fn session_takeover_sends_0x8e_to_the_old_connection() {
    // 5.0 §3.1.4: a new connection with the same client id takes the session over; the old
    // one gets DISCONNECT 0x8E.
    let mut server_cfg = ServerConfig::new();
    server_cfg.receive_maximum(10);
    let now = Instant::from_millis(0);
    let mut old = ServerSession::new(&server_cfg, now);
    let mut c = iot_protocol::mqtt::Connect::new(ProtocolVersion::V5, "dup");
    c.clean_start = false;
    c.properties.set_session_expiry_interval(Some(60));
    old.handle_packet(now, Packet::Connect(Box::new(c)));
    old.accept(now, Accept::default()).unwrap();
    let state = old.take_session(now).unwrap();
    assert_eq!(state.client_id, "dup");
    let mut out = bytes::BytesMut::new();
    old.poll_transmit(now, &mut out);
    let mut dec = iot_protocol::mqtt::Decoder::with_version(ProtocolVersion::V5);
    let _connack = dec.decode(&mut out).unwrap().unwrap();
    let Some(Packet::Disconnect(d)) = dec.decode(&mut out).unwrap() else {
        panic!()
    };
    assert_eq!(d.reason_code, DisconnectReasonCode::SessionTakenOver);
    assert!(old.take_session(now).is_none());
}

impl Pair {
    /// Reconnect after the broker restarted: the old connections are gone; the stored state
    /// is handed to the new connection.
    pub(crate) fn reconnect_after_restart(&mut self) {
        self.old_servers.clear();
        self.reconnect();
        self.old_servers.clear();
    }
}

#[test]
fn reauthentication() {
    // 5.0 §4.12.1: the client starts a re-authentication with AUTH 0x19; the server ends it
    // with AUTH 0x00 and the connection goes on.
    let mut c = ClientConfig::new(ProtocolVersion::V5, "c");
    c.authentication(Some("TOKEN".into()), Some(Bytes::from_static(b"t1")));
    let mut pair = Pair::new(c, ServerConfig::new());
    pair.connect();
    assert!(pair.client.is_connected());
    pair.client
        .reauthenticate(pair.now, Some(Bytes::from_static(b"t2")))
        .unwrap();
    pair.drive();
    let Some(Event::Auth(a)) = pair.server_events.last().cloned() else {
        panic!("no AUTH at the server")
    };
    assert_eq!(a.reason_code, AuthReasonCode::ReAuthenticate);
    assert_eq!(a.data.as_deref(), Some(&b"t2"[..]));
    pair.server.auth_success(pair.now, None).unwrap();
    pair.drive();
    assert_eq!(pair.client_events.last(), Some(&Event::Reauthenticated));
    assert!(pair.client.is_connected() && pair.server.is_connected());
}

#[test]
fn packet_above_our_maximum_is_disconnect_0x95() {
    // 5.0 §3.2.2.3.6: a packet larger than the Maximum Packet Size the server announced is a
    // protocol error answered with DISCONNECT 0x95; it is refused from its fixed header.
    let mut s = ServerConfig::new();
    s.maximum_packet_size(64);
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V5, "c"), s);
    pair.connect();
    // Fixed header of a 200-byte PUBLISH; the body never needs to arrive.
    let mut buf = bytes::BytesMut::from(&[0x30u8, 0xC8, 0x01][..]);
    pair.server.handle_bytes(pair.now, &mut buf);
    pair.drive();
    assert_eq!(
        disconnects(&pair, Dir::Down),
        vec![DisconnectReasonCode::PacketTooLarge]
    );
}
