//! A fixed loop over one MQTT codec operation, for instruction counts that do not depend on the
//! machine's load (the project's machines are shared and noisy, so wall-clock figures drift):
//!
//! ```text
//! cargo build --profile bench -p iot-protocol --example mqtt_loop
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/mqtt_loop decode 3 0
//! ```
//!
//! Arguments: the operation (`decode`, `encode`, `peer-decode`, `peer-encode`, or `copy`: only
//! the fresh input buffer each decode round starts from, to subtract), the protocol level
//! (`3` for 3.1.1, `5` for 5.0) and the index of a case of `benches/support/mqtt_fixtures.rs`
//! (0 = QoS 0 PUBLISH, 64 B payload, short topic; see `fixtures::cases` for the order), and
//! optionally the number of rounds (default 100). Each round handles the case's 1000 packets, so
//! with the default divide callgrind's total by 100,000.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::panic,
    missing_docs
)]

use std::hint::black_box;

use bytes::BytesMut;
use iot_protocol::mqtt::{Decoder, Encoder, ProtocolVersion};
use rumqttc::mqttbytes::v4 as r4;
use rumqttc::v5::mqttbytes::v5 as r5;

#[path = "../benches/support/mqtt_fixtures.rs"]
mod fixtures;

const MAX: usize = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("decode", String::as_str);
    let version = match args.get(2).map_or("3", String::as_str) {
        "5" => ProtocolVersion::V5,
        _ => ProtocolVersion::V311,
    };
    let index: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let rounds: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(100);
    let (name, packets) = fixtures::cases(version).swap_remove(index);
    let enc = Encoder::new(version);
    let mut wire = BytesMut::new();
    for p in &packets {
        enc.encode(p, &mut wire).unwrap();
    }
    let wire = wire.freeze();
    let r4s: Vec<r4::Packet> = {
        let mut b = BytesMut::from(&wire[..]);
        if version == ProtocolVersion::V311 {
            (0..packets.len())
                .map(|_| r4::Packet::read(&mut b, MAX).unwrap())
                .collect()
        } else {
            Vec::new()
        }
    };
    let r5s: Vec<r5::Packet> = {
        let mut b = BytesMut::from(&wire[..]);
        if version == ProtocolVersion::V5 {
            (0..packets.len())
                .map(|_| r5::Packet::read(&mut b, Some(1 << 20)).unwrap())
                .collect()
        } else {
            Vec::new()
        }
    };
    let mut out = BytesMut::with_capacity(wire.len() * 2);
    for _ in 0..rounds {
        match op {
            "decode" => {
                let mut buf = BytesMut::from(&wire[..]);
                let mut d = Decoder::with_version(version);
                while let Some(p) = d.decode(&mut buf).unwrap() {
                    black_box(&p);
                }
            }
            "copy" => {
                // The input copy both decode operations make per round: subtract it.
                black_box(BytesMut::from(&wire[..]));
            }
            "peer-decode" => {
                let mut buf = BytesMut::from(&wire[..]);
                while !buf.is_empty() {
                    if version == ProtocolVersion::V311 {
                        black_box(&r4::Packet::read(&mut buf, MAX).unwrap());
                    } else {
                        black_box(&r5::Packet::read(&mut buf, Some(1 << 20)).unwrap());
                    }
                }
            }
            "encode" => {
                out.clear();
                for p in &packets {
                    enc.encode(black_box(p), &mut out).unwrap();
                }
                black_box(out.len());
            }
            "peer-encode" => {
                out.clear();
                for p in &r4s {
                    black_box(p).write(&mut out, MAX).unwrap();
                }
                for p in &r5s {
                    black_box(p).write(&mut out, Some(1 << 20)).unwrap();
                }
                black_box(out.len());
            }
            other => panic!("unknown operation {other}"),
        }
    }
    println!("{name}: {op} done");
}
