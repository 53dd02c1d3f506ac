//! A server session handling a stream of QoS 1 PUBLISH: bytes in → decode → session → PUBACK
//! bytes out, with 64-byte payloads, side by side with rumqttc's `MqttState` (its v4 codec and
//! state machine doing the same work: read the PUBLISH, produce the PUBACK, write it).
//!
//! Run: `cargo bench -p iot-protocol --bench mqtt_session -- --warm-up-time 1 --measurement-time 3`
//!
//! The stream is fed in 4 KiB reads, as a socket would deliver it; after each read the
//! application drains the events (the delivered messages) and the PUBACKs are written out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iot_protocol::mqtt::session::{Accept, Event, Instant, ServerConfig, ServerSession};
use iot_protocol::mqtt::{Connect, Encoder, Packet, ProtocolVersion, Publish, QoS, TopicName};

const MESSAGES: usize = 10_000;
const READ: usize = 4096;

fn stream(version: ProtocolVersion) -> Bytes {
    let enc = Encoder::new(version);
    let mut buf = BytesMut::new();
    let payload = Bytes::from(vec![0x5a; 64]);
    for i in 0..MESSAGES {
        let mut p = Publish::new(
            TopicName::from_static("devices/sensor-42/telemetry"),
            payload.clone(),
        );
        p.qos = QoS::AtLeastOnce;
        p.packet_id = u16::try_from(i % 65_535 + 1).unwrap();
        enc.encode_publish(&p, &mut buf).unwrap();
    }
    buf.freeze()
}

fn connected_server(version: ProtocolVersion) -> ServerSession {
    let now = Instant::from_millis(0);
    let mut s = ServerSession::new(&ServerConfig::new(), now);
    let mut buf = BytesMut::new();
    let mut c = Connect::new(version, "bench");
    c.keep_alive = 0;
    Encoder::new(version)
        .encode(&Packet::Connect(Box::new(c)), &mut buf)
        .unwrap();
    s.handle_bytes(now, &mut buf);
    while let Some(e) = s.poll_event() {
        if let Event::ConnectRequest(_) = e {
            s.accept(now, Accept::default()).unwrap();
        }
    }
    let mut out = BytesMut::new();
    s.poll_transmit(now, &mut out);
    assert!(s.is_connected());
    s
}

/// Ours: the whole stream through one connected server session. Returns PUBACK bytes written.
fn run_ours(server: &mut ServerSession, input: &Bytes, out: &mut BytesMut) -> usize {
    let now = Instant::from_millis(1);
    let mut rx = BytesMut::with_capacity(2 * READ);
    let mut delivered = 0;
    let mut written = 0;
    for chunk in input.chunks(READ) {
        rx.extend_from_slice(chunk);
        server.handle_bytes(now, &mut rx);
        while let Some(e) = server.poll_event() {
            if let Event::Publish(p) = e {
                delivered += p.payload.len();
            }
        }
        written += server.poll_transmit(now, out);
        out.clear();
    }
    black_box(delivered);
    written
}

/// rumqttc 0.25: `mqttbytes::v4::Packet::read` → `MqttState::handle_incoming_packet` →
/// `Packet::write` of the PUBACK it returns.
fn run_rumqttc(state: &mut rumqttc::MqttState, input: &Bytes, out: &mut BytesMut) -> usize {
    let mut rx = BytesMut::with_capacity(2 * READ);
    let mut delivered = 0;
    let mut written = 0;
    for chunk in input.chunks(READ) {
        rx.extend_from_slice(chunk);
        loop {
            match rumqttc::Packet::read(&mut rx, 1 << 20) {
                Ok(packet) => {
                    if let Some(ack) = state.handle_incoming_packet(packet).unwrap() {
                        written += ack.write(out, 1 << 20).unwrap();
                    }
                }
                Err(rumqttc::Error::InsufficientBytes(_)) => break,
                Err(e) => panic!("{e:?}"),
            }
        }
        for e in state.events.drain(..) {
            if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) = e {
                delivered += p.payload.len();
            }
        }
        out.clear();
    }
    black_box(delivered);
    written
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("mqtt_session_qos1_publish_to_puback");
    g.throughput(Throughput::Elements(MESSAGES as u64));
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let input = stream(version);
        let mut server = connected_server(version);
        let mut out = BytesMut::with_capacity(64 * 1024);
        // Sanity: one 4-byte PUBACK per PUBLISH (5.0 §3.4.2.1: a success without properties
        // may omit the reason code).
        assert_eq!(run_ours(&mut server, &input, &mut out), MESSAGES * 4);
        g.bench_with_input(
            BenchmarkId::new("iot-protocol ServerSession", format!("{version:?}")),
            &input,
            |b, input| b.iter(|| run_ours(&mut server, input, &mut out)),
        );
    }
    let input = stream(ProtocolVersion::V311);
    let mut state = rumqttc::MqttState::new(u16::MAX, false);
    let mut out = BytesMut::with_capacity(64 * 1024);
    assert_eq!(run_rumqttc(&mut state, &input, &mut out), MESSAGES * 4);
    g.bench_with_input(
        BenchmarkId::new("rumqttc MqttState (v4)", "V311"),
        &input,
        |b, input| b.iter(|| run_rumqttc(&mut state, input, &mut out)),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
