//! Fuzzes the MQTT sessions: the first byte picks the role (client or server), the protocol
//! version, whether a valid handshake comes first and a chunk size; the rest arrives as the
//! peer's byte stream in chunks of that size, with the clock advancing and the application
//! acting on every event (accepting, granting, publishing back). Nothing may panic, the
//! session must keep its invariants (in flight never above the quota it announced), and every
//! byte it transmits must decode as a legal packet.
//!
//! `cd fuzz && cargo fuzz run -s none mqtt_session`
#![no_main]

use std::time::Duration;

use bytes::BytesMut;
use iot_protocol::mqtt::session::{
    Accept, ClientConfig, ClientSession, Event, Instant, Message, ServerConfig, ServerSession,
};
use iot_protocol::mqtt::{TopicName, Decoder, ProtocolVersion, QoS, SubAckReasonCode};
use libfuzzer_sys::fuzz_target;

const CONNECT_V311: &[u8] = &[
    0x10, 0x0d, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, b'f',
];
const CONNECT_V5: &[u8] = &[
    0x10, 0x0e, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00, 0x01, b'f',
];

fn check_output(version: ProtocolVersion, out: &mut BytesMut) {
    let mut d = Decoder::with_version(version);
    while !out.is_empty() {
        match d.decode(out) {
            Ok(Some(_)) => {}
            other => panic!("session transmitted an illegal packet: {other:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let version = if control & 1 == 0 {
        ProtocolVersion::V311
    } else {
        ProtocolVersion::V5
    };
    let chunk = usize::from((control >> 3) & 0x1f) + 1;
    let mut now = Instant::from_millis(0);
    let mut rx = BytesMut::new();
    let mut out = BytesMut::new();
    if control & 2 == 0 {
        let mut config = ServerConfig::new();
        config
            .receive_maximum(8)
            .topic_alias_maximum(4)
            .max_queued(16);
        let mut s = ServerSession::new(&config, now);
        if control & 4 == 0 {
            rx.extend_from_slice(if version == ProtocolVersion::V5 {
                CONNECT_V5
            } else {
                CONNECT_V311
            });
        }
        for piece in input.chunks(chunk) {
            rx.extend_from_slice(piece);
            s.handle_bytes(now, &mut rx);
            while let Some(e) = s.poll_event() {
                match e {
                    Event::ConnectRequest(_) => {
                        let _ = s.accept(now, Accept::default());
                        s.handle_bytes(now, &mut rx);
                    }
                    Event::Subscribe(sub) => {
                        let codes = vec![SubAckReasonCode::GrantedQoS1; sub.subscriptions.len()];
                        let _ = s.subscribe_result(now, sub.packet_id, &codes);
                    }
                    Event::Publish(p) => {
                        let _ = s.publish(
                            now,
                            Message::new(p.topic.clone(), p.payload.clone(), QoS::ExactlyOnce),
                        );
                    }
                    _ => {}
                }
            }
            s.poll_transmit(now, &mut out);
            if s.protocol_version() == version {
                check_output(version, &mut out);
            }
            out.clear();
            assert!(s.inflight() <= 65_535);
            now = now + Duration::from_millis(u64::from(piece[0]) * 100);
            s.handle_timeout(now);
        }
    } else {
        let mut config = ClientConfig::new(version, "fuzz");
        config
            .clean_start(false)
            .session_expiry_interval(60)
            .receive_maximum(8)
            .topic_alias_maximum(4)
            .max_inflight(4);
        let mut c = ClientSession::new(config);
        let _ = c.connect(now);
        c.poll_transmit(now, &mut out);
        out.clear();
        if control & 4 == 0 {
            rx.extend_from_slice(
                &[0x20, 0x03, 0x00, 0x00, 0x00]
                    [..if version == ProtocolVersion::V5 { 5 } else { 4 }],
            );
            if version == ProtocolVersion::V311 {
                rx[1] = 0x02;
            }
        }
        for piece in input.chunks(chunk) {
            rx.extend_from_slice(piece);
            c.handle_bytes(now, &mut rx);
            while let Some(e) = c.poll_event() {
                if let Event::Closed(_) = e {
                    rx.clear();
                    let _ = c.connect(now);
                }
            }
            let _ = c.publish(
                now,
                Message::new(
                    TopicName::from_static("f/t"),
                    piece.to_vec(),
                    QoS::from_u8(piece[0] % 3).unwrap_or_default(),
                ),
            );
            c.poll_transmit(now, &mut out);
            check_output(version, &mut out);
            assert!(c.inflight() <= 4);
            now = now + Duration::from_millis(u64::from(piece[0]) * 100);
            c.handle_timeout(now);
        }
    }
});
