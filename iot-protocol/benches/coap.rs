//! CoAP parse and serialize throughput against coap-lite on the same bytes, in the same run.
//!
//! `cargo bench -p iot-protocol --bench coap -- --warm-up-time 1 --measurement-time 3`
//!
//! With `COAP_AB=1` in the environment it instead runs an interleaved A/B of serialization for
//! loaded machines: every round runs each contender 1,000 times on the same message, 300 rounds,
//! and the best round of each is kept, so a burst of load from other processes hits all alike.
//! It prints a Markdown table of nanoseconds per message and ratios.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use iot_protocol::coap::{
    BlockValue, Code, ContentFormat, Message, MessageType, OptionNumber, OwnedMessage, Token,
};

/// The three fixtures of the issue: a device request, a response, a Block2 notification.
fn fixtures() -> Vec<(&'static str, OwnedMessage)> {
    let mut req = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x1a2b);
    req.set_token(Token::new(&[0xbe, 0xef]).unwrap());
    req.set_path("/topic/dev42/telemetry").unwrap();
    req.set_content_format(ContentFormat::JSON);
    req.set_payload(vec![b'a'; 64]);

    let mut resp = OwnedMessage::new(MessageType::Acknowledgement, Code::CONTENT, 0x1a2b);
    resp.set_token(Token::new(&[0xbe, 0xef]).unwrap());
    resp.set_content_format(ContentFormat::JSON);
    resp.set_uint_option(OptionNumber::MAX_AGE, 60);
    resp.set_payload(vec![b'r'; 128]);

    let mut block = OwnedMessage::new(MessageType::NonConfirmable, Code::CONTENT, 0x7000);
    block.set_token(Token::new(&[1, 2, 3, 4]).unwrap());
    block.set_uint_option(OptionNumber::OBSERVE, 0x01_2345);
    block.set_option(OptionNumber::ETAG, &b"etag0001"[..]);
    block.set_content_format(ContentFormat::CBOR);
    block.set_option(
        OptionNumber::BLOCK2,
        BlockValue::new(0, true, 5).unwrap().to_bytes(),
    );
    block.set_uint_option(OptionNumber::SIZE2, 10_240);
    block.set_payload(vec![b'b'; 512]);
    vec![
        ("device_request", req),
        ("response", resp),
        ("block2_observe", block),
    ]
}

fn bench(c: &mut Criterion) {
    for (name, msg) in fixtures() {
        let bytes = msg.to_vec().unwrap();
        // Same bytes for both: check coap-lite reads them and writes the same bytes back.
        let lite = coap_lite::Packet::from_bytes(&bytes).unwrap();
        assert_eq!(
            lite.to_bytes().unwrap(),
            bytes,
            "{name}: coap-lite round trip"
        );

        let mut g = c.benchmark_group(format!("coap_parse/{name}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function("iot-protocol Message::parse + options", |b| {
            b.iter(|| {
                let m = Message::parse(black_box(&bytes)).unwrap();
                let mut n = 0usize;
                for o in m.options() {
                    n += o.value.len();
                }
                black_box((n, m.payload().len()))
            })
        });
        let shared = Bytes::from(bytes.clone());
        g.bench_function("iot-protocol OwnedMessage::from_bytes", |b| {
            b.iter(|| black_box(OwnedMessage::from_bytes(black_box(&shared)).unwrap()))
        });
        g.bench_function("coap-lite Packet::from_bytes", |b| {
            b.iter(|| black_box(coap_lite::Packet::from_bytes(black_box(&bytes)).unwrap()))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("coap_serialize/{name}"));
        g.throughput(Throughput::Elements(1));
        let mut out = Vec::with_capacity(2048);
        g.bench_function("iot-protocol OwnedMessage::encode", |b| {
            b.iter(|| {
                out.clear();
                black_box(&msg).encode(&mut out).unwrap();
                black_box(out.len())
            })
        });
        let mut buf = [0u8; 2048];
        g.bench_function("iot-protocol encode_into_slice", |b| {
            b.iter(|| black_box(black_box(&msg).encode_into_slice(&mut buf).unwrap()))
        });
        g.bench_function("coap-lite Packet::to_bytes", |b| {
            b.iter(|| black_box(black_box(&lite).to_bytes().unwrap()))
        });
        g.finish();
    }
}

const AB_N: usize = 1000;
const AB_ROUNDS: usize = 300;

/// Best time in nanoseconds per message of each contender, measured round-robin.
fn race(contenders: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut best = vec![u128::MAX; contenders.len()];
    for _ in 0..AB_ROUNDS {
        for (i, run) in contenders.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..AB_N {
                run();
            }
            best[i] = best[i].min(t.elapsed().as_nanos());
        }
    }
    best.into_iter().map(|ns| ns as f64 / AB_N as f64).collect()
}

fn serialize_ab() {
    println!(
        "| fixture | ours encode (Vec) | ours encode_into_slice | coap-lite to_bytes | ratio (Vec / slice) |"
    );
    println!("|---|---|---|---|---|");
    for (name, msg) in fixtures() {
        let bytes = msg.to_vec().unwrap();
        let lite = coap_lite::Packet::from_bytes(&bytes).unwrap();
        assert_eq!(
            lite.to_bytes().unwrap(),
            bytes,
            "{name}: coap-lite round trip"
        );
        let mut out = Vec::with_capacity(2048);
        let mut buf = [0u8; 2048];
        let t = race(&mut [
            &mut || {
                out.clear();
                black_box(&msg).encode(&mut out).unwrap();
                black_box(out.len());
            },
            &mut || {
                black_box(black_box(&msg).encode_into_slice(&mut buf).unwrap());
            },
            &mut || {
                black_box(black_box(&lite).to_bytes().unwrap());
            },
        ]);
        println!(
            "| {name} | {:.1} ns | {:.1} ns | {:.1} ns | **{:.1}x / {:.1}x** |",
            t[0],
            t[1],
            t[2],
            t[2] / t[0],
            t[2] / t[1]
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("COAP_AB").is_some() {
        serialize_ab();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
