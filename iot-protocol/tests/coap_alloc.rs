//! Zero heap allocations per parse: a counting global allocator around `Message::parse` and the
//! option iterator. Its own binary without the libtest harness (`harness = false`), because the
//! allocator is process-wide and any other thread allocating meanwhile would be counted too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;

use iot_protocol::coap::{
    BlockValue, Code, ContentFormat, Message, MessageType, OptionNumber, OwnedMessage, Token,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn parse_and_iterate_do_not_allocate() {
    // A device POST (3 Uri-Path, Content-Format, 2-byte token, 64-byte payload), a Block2
    // response with Observe and ETag, and a message with options in the 13 and 14 forms.
    let mut post = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x0102);
    post.set_token(Token::new(&[0xbe, 0xef]).unwrap());
    post.set_path("/topic/sys/temp").unwrap();
    post.set_content_format(ContentFormat::JSON);
    post.set_payload(vec![b'x'; 64]);
    let mut block = OwnedMessage::new(MessageType::Acknowledgement, Code::CONTENT, 0x04d2);
    block.set_uint_option(OptionNumber::OBSERVE, 0x1234);
    block.set_option(OptionNumber::ETAG, &b"abcd"[..]);
    block.set_option(
        OptionNumber::BLOCK2,
        BlockValue::new(3, true, 6).unwrap().to_bytes(),
    );
    block.set_payload(vec![7u8; 1024]);
    let mut wide = OwnedMessage::new(MessageType::NonConfirmable, Code::GET, 1);
    wide.add_option(OptionNumber(268), vec![1u8; 13]);
    wide.add_option(OptionNumber(2088), vec![2u8; 300]);
    let datagrams: Vec<Vec<u8>> = [post, block, wide]
        .iter()
        .map(|m| m.to_vec().unwrap())
        .collect();
    // Warm up anything lazily initialised.
    for d in &datagrams {
        let _ = Message::parse(d).unwrap();
    }
    // Several rounds, one of which must be clean: an allocation inside the parser would show in
    // every round (3000 parses each), while a one-off lazy initialisation would not.
    let mut best = None;
    let mut sink = 0usize;
    for _round in 0..5 {
        let region = Region::new(GLOBAL);
        for _ in 0..1000 {
            for d in &datagrams {
                let m = Message::parse(d).unwrap();
                sink += m
                    .options()
                    .map(|o| o.value.len() + usize::from(o.number.0))
                    .sum::<usize>();
                sink += m.uri_path().count();
                sink += m.content_format().map_or(0, |c| usize::from(c.0));
                sink += m.option(OptionNumber::BLOCK2).map_or(0, |o| o.value.len());
                sink += m.payload().len();
                sink += m.check_critical_options(&[]).map_or(1, |()| 0);
            }
        }
        let stats = region.change();
        let n = stats.allocations + stats.reallocations;
        best = Some(best.map_or(n, |b: usize| b.min(n)));
    }
    assert!(sink > 0);
    assert_eq!(best, Some(0), "every round allocated");

    // Malformed input is refused without allocating either.
    let bad = [
        hex("40010001ff"),
        hex("4f010001"),
        hex("40010001e0ffff"),
        hex("40010001b5616263"),
    ];
    let mut best = usize::MAX;
    for _round in 0..5 {
        let region = Region::new(GLOBAL);
        for _ in 0..1000 {
            for d in &bad {
                assert!(Message::parse(d).is_err());
            }
        }
        best = best.min(region.change().allocations);
    }
    assert_eq!(best, 0);
}

/// `harness = false` (see Cargo.toml): the one check runs on the main thread, alone.
fn main() {
    parse_and_iterate_do_not_allocate();
    #[allow(clippy::print_stdout)]
    {
        println!("coap_alloc: parse and option iteration made no allocation");
    }
}
