//! CoAP parse and serialize throughput against coap-lite on the same bytes, in the same run.
//!
//! `cargo bench -p iot-protocol --bench coap -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, bench);
criterion_main!(benches);
