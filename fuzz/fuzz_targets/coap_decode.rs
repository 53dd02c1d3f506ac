//! Fuzzes the CoAP decoder and everything that reads a decoded message: the option iterator,
//! the option checks, block values, the owned form and its encoder (a parsed message must
//! re-encode to the same bytes), and the exchange layer's handling of the datagram.
//!
//! `cd fuzz && cargo fuzz run -s none coap_decode`
#![no_main]

use iot_protocol::coap::{encode_message, Config, Endpoint, Message, OwnedMessage, Time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::parse(data) {
        let mut n = 0usize;
        for o in m.options() {
            n = n.wrapping_add(o.value.len());
        }
        let _ = m.check_critical_options(&[]);
        let _ = m.block1();
        let _ = m.block2();
        let _ = m.observe();
        let mut path = String::new();
        let _ = m.write_path(&mut path);
        // The wire format has one encoding per message: what parses re-encodes identically.
        let mut out = Vec::new();
        encode_message(&m, &mut out).expect("a parsed message encodes");
        assert_eq!(out, data);
        let owned = OwnedMessage::from_bytes(&data.to_vec().into()).expect("parses twice");
        assert_eq!(owned, OwnedMessage::from_message(&m));
        let _ = owned.to_vec();
        std::hint::black_box(n);
    }
    let mut ep = Endpoint::<u8>::new(Config::default(), 1);
    ep.handle_datagram(Time::ZERO, 1, data);
    while ep.poll_transmit().is_some() {}
    while ep.poll_event().is_some() {}
});
