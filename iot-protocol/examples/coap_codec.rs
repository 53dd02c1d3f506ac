//! Builds an Alibaba-style CoAP device request, encodes it, parses it back without copying and
//! checks its options, then splits a large body into Block2 blocks and reassembles them.
//!
//! `cargo run -p iot-protocol --example coap_codec`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use bytes::Bytes;
use iot_protocol::coap::{
    BlockReassembler, BlockSplitter, Code, ContentFormat, Message, MessageType, OptionNumber,
    OwnedMessage, Token,
};

fn main() {
    let mut req = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x2001);
    req.set_token(Token::new(&[0x10, 0x20]).unwrap());
    req.set_path("/topic/sys/a1pk/dev1/thing/event/property/post")
        .unwrap();
    req.set_content_format(ContentFormat::JSON);
    req.add_option(OptionNumber::ALIBABA_AUTH_TOKEN, &b"token-from-auth"[..]);
    req.set_payload(&br#"{"id":"7","params":{"temp":21.5}}"#[..]);
    let wire = req.to_vec().unwrap();
    println!("encoded {} bytes: {}", wire.len(), hex(&wire));

    let m = Message::parse(&wire).unwrap();
    let mut path = String::new();
    m.write_path(&mut path).unwrap();
    println!(
        "{} {} {path} token={:02x?}",
        m.code(),
        type_name(m.mtype()),
        m.token()
    );
    for o in m.options() {
        println!(
            "  option {} = {:?}",
            o.number,
            String::from_utf8_lossy(o.value)
        );
    }
    match m.check_critical_options(&[]) {
        Ok(()) => println!("  all critical options understood"),
        Err(e) => println!("  would answer 4.02: {e}"),
    }

    // Block-wise: 3000 bytes in 512-byte blocks, delivered in reverse order.
    let body: Vec<u8> = (0..3000u32).map(|i| i.to_le_bytes()[0]).collect();
    let split = BlockSplitter::new(Bytes::from(body.clone()), 5);
    let mut blocks = Vec::new();
    let mut num = 0;
    while let Ok((bv, chunk)) = split.block(num, 5) {
        blocks.push((bv, chunk));
        if !bv.more() {
            break;
        }
        num += 1;
    }
    let mut r = BlockReassembler::new(64 * 1024);
    for (bv, chunk) in blocks.iter().rev() {
        r.push(*bv, chunk).unwrap();
    }
    assert_eq!(r.take().unwrap(), body);
    println!(
        "reassembled {} bytes from {} blocks",
        body.len(),
        blocks.len()
    );
}

fn type_name(t: MessageType) -> &'static str {
    match t {
        MessageType::Confirmable => "CON",
        MessageType::NonConfirmable => "NON",
        MessageType::Acknowledgement => "ACK",
        MessageType::Reset => "RST",
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
