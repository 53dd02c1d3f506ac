//! A fixed loop over one CoAP codec operation, for instruction counts that do not depend on the
//! machine's load (the project's machines are shared and noisy, so criterion times drift):
//!
//! ```text
//! cargo build --release -p iot-protocol --example coap_loop
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/coap_loop parse 0
//! ```
//!
//! Operations: `parse` / `encode` (ours), `lite-parse` / `lite-encode` (coap-lite 0.13); fixtures
//! 0 (device request), 1 (response), 2 (Block2 notification), the same as `benches/coap.rs`.
//! Each run does 100,000 iterations; divide callgrind's total by that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;

use iot_protocol::coap::{
    BlockValue, Code, ContentFormat, Message, MessageType, OptionNumber, OwnedMessage, Token,
};

fn fixture(i: usize) -> OwnedMessage {
    match i {
        0 => {
            let mut m = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x1a2b);
            m.set_token(Token::new(&[0xbe, 0xef]).unwrap());
            m.set_path("/topic/dev42/telemetry").unwrap();
            m.set_content_format(ContentFormat::JSON);
            m.set_payload(vec![b'a'; 64]);
            m
        }
        1 => {
            let mut m = OwnedMessage::new(MessageType::Acknowledgement, Code::CONTENT, 0x1a2b);
            m.set_token(Token::new(&[0xbe, 0xef]).unwrap());
            m.set_content_format(ContentFormat::JSON);
            m.set_uint_option(OptionNumber::MAX_AGE, 60);
            m.set_payload(vec![b'r'; 128]);
            m
        }
        _ => {
            let mut m = OwnedMessage::new(MessageType::NonConfirmable, Code::CONTENT, 0x7000);
            m.set_token(Token::new(&[1, 2, 3, 4]).unwrap());
            m.set_uint_option(OptionNumber::OBSERVE, 0x01_2345);
            m.set_option(OptionNumber::ETAG, &b"etag0001"[..]);
            m.set_content_format(ContentFormat::CBOR);
            m.set_option(
                OptionNumber::BLOCK2,
                BlockValue::new(0, true, 5).unwrap().to_bytes(),
            );
            m.set_uint_option(OptionNumber::SIZE2, 10_240);
            m.set_payload(vec![b'b'; 512]);
            m
        }
    }
}

fn main() {
    let op = std::env::args().nth(1).unwrap_or_else(|| "parse".into());
    let i: usize = std::env::args().nth(2).map_or(0, |s| s.parse().unwrap());
    let msg = fixture(i);
    let bytes = msg.to_vec().unwrap();
    let lite = coap_lite::Packet::from_bytes(&bytes).unwrap();
    let mut out = Vec::with_capacity(2048);
    for _ in 0..100_000 {
        match op.as_str() {
            "parse" => {
                let m = Message::parse(black_box(&bytes)).unwrap();
                let n: usize = m.options().map(|o| o.value.len()).sum();
                black_box((n, m.payload().len()));
            }
            "encode" => {
                out.clear();
                black_box(&msg).encode(&mut out).unwrap();
                black_box(out.len());
            }
            "lite-parse" => {
                black_box(coap_lite::Packet::from_bytes(black_box(&bytes)).unwrap());
            }
            "lite-encode" => {
                black_box(black_box(&lite).to_bytes().unwrap());
            }
            other => {
                println!("unknown operation {other}");
                return;
            }
        }
    }
    println!("{op} fixture {i}: 100000 iterations");
}
