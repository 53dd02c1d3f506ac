//! Property tests: encode/decode round trips, arbitrary datagrams never panic, block reassembly
//! in random order gives back the body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use iot_protocol::coap::*;
use proptest::prelude::*;

fn arb_type() -> impl Strategy<Value = MessageType> {
    (0u8..4).prop_map(MessageType::from_bits)
}

/// Options outside the registry (any length) or registry options within their bounds.
fn arb_option() -> impl Strategy<Value = (u16, Vec<u8>)> {
    prop_oneof![
        // unregistered numbers (avoid the registry) with lengths across all three forms
        (1000u16..=65535, prop::collection::vec(any::<u8>(), 0..300)),
        (0u16..1000, prop::collection::vec(any::<u8>(), 0..20)),
        (Just(11u16), prop::collection::vec(any::<u8>(), 0..40)),
        (Just(15u16), prop::collection::vec(any::<u8>(), 0..40)),
    ]
    .prop_filter(
        "registered options within their bounds, no repeats checked later",
        |(n, v)| {
            OptionNumber(*n)
                .definition()
                .is_none_or(|d| d.length_ok(v.len()) && d.repeatable)
        },
    )
}

fn arb_message() -> impl Strategy<Value = OwnedMessage> {
    (
        arb_type(),
        prop_oneof![
            (0u8..=4).prop_map(|d| Code::new(0, d + 1)),
            (2u8..=5, 0u8..32)
                .prop_filter_map("response class", |(c, d)| (c != 3).then(|| Code::new(c, d)))
        ],
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..=8),
        prop::collection::vec(arb_option(), 0..12),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_filter_map("legal type/code", |(t, c, mid, tok, opts, payload)| {
            let mut m = OwnedMessage::new(t, c, mid);
            m.set_token(Token::new(&tok).unwrap());
            for (n, v) in opts {
                m.add_option(OptionNumber(n), v);
            }
            m.set_payload(payload);
            m.validate().is_ok().then_some(m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(m in arb_message()) {
        let bytes = m.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), m.encoded_len());
        let p = Message::parse(&bytes).unwrap();
        prop_assert_eq!(OwnedMessage::from_message(&p), m.clone());
        let b = Bytes::from(bytes.clone());
        prop_assert_eq!(OwnedMessage::from_bytes(&b).unwrap(), m);
        let mut again = Vec::new();
        encode_message(&p, &mut again).unwrap();
        prop_assert_eq!(again, bytes);
    }

    /// `encode` (stack-assembled head for short heads, in-place writes for long ones), `to_vec`
    /// and `encode_into_slice` write the same bytes; `encode` appends after what `out` holds,
    /// and `encode_into_slice` touches nothing past the message and refuses a short buffer.
    #[test]
    fn encode_paths_agree(m in arb_message(), prefix in prop::collection::vec(any::<u8>(), 0..5)) {
        let bytes = m.to_vec().unwrap();
        let mut out = prefix.clone();
        m.encode(&mut out).unwrap();
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        prop_assert_eq!(&out[prefix.len()..], &bytes[..]);
        let mut buf = vec![0xa5u8; bytes.len() + 3];
        prop_assert_eq!(m.encode_into_slice(&mut buf).unwrap(), bytes.len());
        prop_assert_eq!(&buf[..bytes.len()], &bytes[..]);
        prop_assert_eq!(&buf[bytes.len()..], &[0xa5u8; 3][..]);
        let mut short = vec![0u8; bytes.len() - 1];
        prop_assert_eq!(
            m.encode_into_slice(&mut short),
            Err(EncodeError::BufferTooSmall { needed: bytes.len() })
        );
    }

    /// The encoder tracks the option area's size and validity incrementally: after any sequence
    /// of edits it must agree with a message rebuilt from scratch.
    #[test]
    fn incremental_option_bookkeeping(ops in prop::collection::vec((0u8..4, 0u16..400, 0usize..300), 0..20)) {
        let mut m = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
        for (op, n, len) in ops {
            let n = OptionNumber(n);
            match op {
                0 | 1 => { m.add_option(n, vec![0x61; len]); }
                2 => { m.set_option(n, vec![0x62; len % 5]); }
                _ => { m.remove_option(n); }
            }
        }
        let mut fresh = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
        for (n, v) in m.options() {
            fresh.add_option(n, v.clone());
        }
        prop_assert_eq!(m.validate(), fresh.validate());
        prop_assert_eq!(m.encoded_len(), fresh.encoded_len());
        if let Ok(bytes) = m.to_vec() {
            prop_assert_eq!(bytes.len(), m.encoded_len());
            let p = Message::parse(&bytes).unwrap();
            prop_assert_eq!(OwnedMessage::from_message(&p), m);
        }
    }

    #[test]
    fn arbitrary_datagrams_never_panic(d in prop::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(m) = Message::parse(&d) {
            // Whatever parses re-encodes to the same bytes: the decoder accepts only one
            // encoding of each message.
            let mut out = Vec::new();
            encode_message(&m, &mut out).unwrap();
            prop_assert_eq!(out, d.clone());
            let _ = m.check_critical_options(&[]);
            let _ = m.block2();
        }
        let mut ep = Endpoint::<u8>::new(Config::default(), 1);
        ep.handle_datagram(Time::ZERO, 1, &d);
        while ep.poll_transmit().is_some() {}
    }

    #[test]
    fn header_prefixed_garbage_never_panics(tail in prop::collection::vec(any::<u8>(), 0..80), b0 in 0x40u8..0x80, code in any::<u8>()) {
        let mut d = vec![b0, code, 0x12, 0x34];
        d.extend(tail);
        let _ = Message::parse(&d);
    }

    #[test]
    fn random_split_random_order_reassembles(
        body in prop::collection::vec(any::<u8>(), 0..5000),
        szx in 0u8..=6,
        seed in any::<u64>(),
    ) {
        let split = BlockSplitter::new(Bytes::from(body.clone()), szx);
        let mut blocks = vec![];
        let mut num = 0;
        while let Ok((bv, chunk)) = split.block(num, szx) {
            blocks.push((bv, chunk));
            if !bv.more() { break; }
            num += 1;
        }
        // Shuffle deterministically from the seed, and duplicate one block.
        let mut s = seed;
        for i in (1..blocks.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(s >> 33).unwrap() % (i + 1);
            blocks.swap(i, j);
        }
        if let Some(first) = blocks.first().cloned() { blocks.push(first); }
        let mut r = BlockReassembler::new(5000);
        for (bv, chunk) in &blocks {
            r.push(*bv, chunk).unwrap();
        }
        prop_assert_eq!(r.take().unwrap(), body);
    }

    #[test]
    fn block_value_round_trip(num in 0u32..(1 << 20), more: bool, szx in 0u8..=6) {
        let v = BlockValue::new(num, more, szx).unwrap();
        let (b, n) = v.to_option_value();
        prop_assert!(n <= 3);
        prop_assert_eq!(BlockValue::from_option_value(&b[..n]).unwrap(), v);
    }

    #[test]
    fn observe_freshness_is_antisymmetric(a in 0u32..(1 << 24), b in 0u32..(1 << 24)) {
        let t = Time::ZERO;
        prop_assert!(!(observe::is_fresh(a, t, b, t) && observe::is_fresh(b, t, a, t)));
    }
}
