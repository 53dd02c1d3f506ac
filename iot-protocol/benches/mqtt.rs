//! MQTT codec throughput against rumqttc's `mqttbytes` (v4 and v5), on the same bytes, in the
//! same run; encode also against the floor of copying the already-encoded bytes.
//!
//! ```sh
//! cargo bench -p iot-protocol --bench mqtt -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Every input is encoded once by our encoder, checked to decode identically with rumqttc, and
//! then decoded `N` packets at a time from one buffer by both codecs. Encode writes the same
//! `N` packets into a buffer that keeps its capacity between iterations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iot_protocol::mqtt::{Decoder, Encoder, Packet, ProtocolVersion};
use rumqttc::mqttbytes::v4 as r4;
use rumqttc::v5::mqttbytes::v5 as r5;

#[path = "support/mqtt_fixtures.rs"]
mod fixtures;

const MAX: usize = 1 << 20;
const MAX32: u32 = 1 << 20;

/// Decodes with rumqttc, for the side-by-side runs.
enum Peer {
    V4(Vec<r4::Packet>),
    V5(Vec<r5::Packet>),
}

fn ours_encoded(version: ProtocolVersion, packets: &[Packet]) -> BytesMut {
    let enc = Encoder::new(version);
    let mut buf = BytesMut::new();
    for p in packets {
        enc.encode(p, &mut buf).unwrap();
    }
    buf
}

fn peer_decode_all(version: ProtocolVersion, mut buf: BytesMut) -> Peer {
    match version {
        ProtocolVersion::V311 => {
            let mut out = Vec::new();
            while !buf.is_empty() {
                out.push(r4::Packet::read(&mut buf, MAX).unwrap());
            }
            Peer::V4(out)
        }
        ProtocolVersion::V5 => {
            let mut out = Vec::new();
            while !buf.is_empty() {
                out.push(r5::Packet::read(&mut buf, Some(MAX32)).unwrap());
            }
            Peer::V5(out)
        }
    }
}

fn label(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V311 => "3.1.1",
        ProtocolVersion::V5 => "5.0",
    }
}

/// Decode and encode benches for `N` copies of `packet`.
fn bench_packets(c: &mut Criterion, group: &str, version: ProtocolVersion, packets: Vec<Packet>) {
    let wire = ours_encoded(version, &packets).freeze();
    let one_len = wire.len() / packets.len();
    let peer = peer_decode_all(version, BytesMut::from(&wire[..]));
    // Same content on both sides: the peer re-encodes our bytes exactly.
    let mut peer_wire = BytesMut::new();
    match &peer {
        Peer::V4(ps) => ps.iter().for_each(|p| {
            p.write(&mut peer_wire, MAX).unwrap();
        }),
        Peer::V5(ps) => ps.iter().for_each(|p| {
            p.write(&mut peer_wire, Some(MAX32)).unwrap();
        }),
    }
    assert_eq!(
        peer_wire.len(),
        wire.len(),
        "{group}: peer encodes another size"
    );

    let mut g = c.benchmark_group(format!("mqtt/{group}/{}", label(version)));
    g.throughput(Throughput::Elements(packets.len() as u64));

    // Decode: both start from a fresh BytesMut copy of the same bytes (setup, not measured).
    let fresh = || BytesMut::from(&wire[..]);
    g.bench_function(BenchmarkId::new("decode", "iot-protocol"), |b| {
        b.iter_batched_ref(
            fresh,
            |buf| {
                let mut d = Decoder::with_version(version);
                // Each packet is looked at in place, then dropped (as for rumqttc below).
                loop {
                    match d.decode(buf) {
                        Ok(Some(p)) => {
                            black_box(&p);
                        }
                        Ok(None) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function(BenchmarkId::new("decode", "rumqttc"), |b| {
        b.iter_batched_ref(
            fresh,
            |buf| match version {
                ProtocolVersion::V311 => {
                    while !buf.is_empty() {
                        match r4::Packet::read(buf, MAX) {
                            Ok(p) => {
                                black_box(&p);
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                ProtocolVersion::V5 => {
                    while !buf.is_empty() {
                        match r5::Packet::read(buf, Some(MAX32)) {
                            Ok(p) => {
                                black_box(&p);
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            },
            BatchSize::LargeInput,
        );
    });

    // Encode into a buffer that keeps its capacity (no reallocation is measured).
    let mut out = BytesMut::with_capacity(wire.len() * 2);
    let enc = Encoder::new(version);
    g.bench_function(BenchmarkId::new("encode", "iot-protocol"), |b| {
        b.iter(|| {
            out.clear();
            for p in &packets {
                enc.encode(black_box(p), &mut out).unwrap();
            }
            black_box(out.len());
        });
    });
    g.bench_function(BenchmarkId::new("encode", "rumqttc"), |b| {
        b.iter(|| {
            out.clear();
            match &peer {
                Peer::V4(ps) => {
                    for p in ps {
                        black_box(p).write(&mut out, MAX).unwrap();
                    }
                }
                Peer::V5(ps) => {
                    for p in ps {
                        black_box(p).write(&mut out, Some(MAX32)).unwrap();
                    }
                }
            }
            black_box(out.len());
        });
    });
    let one = wire.slice(..one_len);
    g.bench_function(BenchmarkId::new("encode", "memcpy-floor"), |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..packets.len() {
                out.extend_from_slice(black_box(&one[..]));
            }
            black_box(out.len());
        });
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        for (name, packets) in fixtures::cases(version) {
            bench_packets(c, &name, version, packets);
        }
    }
}

criterion_group!(benches, all);
criterion_main!(benches);
