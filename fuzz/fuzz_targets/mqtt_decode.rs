//! Fuzzes the MQTT decoder: the first byte picks the starting protocol version (unknown, 3.1.1
//! or 5.0), an optional Topic Alias Maximum and a chunk size; the rest is fed as a byte stream
//! in chunks of that size. Nothing may panic; `Ok(None)` means "need more"; every packet that
//! decodes must re-encode, no larger than the bytes it came from, and decode to itself.
//!
//! `cd fuzz && cargo fuzz run -s none mqtt_decode` (seeds: the hex of testdata/mqtt/*.toml).
#![no_main]

use iot_protocol::mqtt::{Decoder, Encoder, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let mut decoder = match control % 3 {
        0 => Decoder::new(),
        1 => Decoder::with_version(ProtocolVersion::V311),
        _ => Decoder::with_version(ProtocolVersion::V5),
    };
    if control & 0x80 != 0 {
        decoder.set_topic_alias_maximum(Some(u16::from(control & 0x0f)));
    }
    let chunk = usize::from((control >> 2) & 0x1f) + 1;
    let mut pending: Vec<u8> = Vec::new();
    for piece in input.chunks(chunk) {
        pending.extend_from_slice(piece);
        loop {
            match decoder.decode_slice(&pending) {
                Ok(Some((packet, used))) => {
                    assert!(used >= 2 && used <= pending.len());
                    pending.drain(..used);
                    let version = decoder
                        .protocol_version()
                        .expect("a packet implies a version");
                    let encoded = Encoder::new(version)
                        .encode_to_vec(&packet)
                        .expect("a decoded packet encodes");
                    assert!(encoded.len() <= used);
                    let again = Decoder::with_version(version)
                        .decode_slice(&encoded)
                        .expect("the re-encoded packet decodes");
                    assert_eq!(again, Some((packet, encoded.len())));
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
