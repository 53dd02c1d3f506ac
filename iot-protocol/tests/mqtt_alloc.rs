//! Counts heap allocations while decoding PUBLISH packets: the topic and payload are slices of
//! the received buffer, so decoding allocates nothing. A test binary of its own, because the
//! counting allocator is global, and without the libtest harness (`harness = false`) so that no
//! other thread allocates while a region is measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;

use bytes::BytesMut;
use iot_protocol::mqtt::{
    Decoder, Encoder, Packet, Properties, ProtocolVersion, PubAck, Publish, QoS, TopicName,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const N: usize = 1000;

/// `N` PUBLISH packets followed by `N` PUBACKs, in a buffer whose storage is already shared
/// (the state a socket read buffer is in after its first `split_to`).
fn stream(version: ProtocolVersion) -> BytesMut {
    let mut p = Publish::new(
        TopicName::from_static("sensors/building-7/floor-3/temp"),
        vec![0x5a; 1024],
    );
    p.qos = QoS::AtLeastOnce;
    let with_props = Properties::new()
        .with_message_expiry_interval(3600)
        .with_topic_alias(3);
    let enc = Encoder::new(version);
    let mut buf = BytesMut::new();
    for i in 0..N {
        p.packet_id = u16::try_from(i % 100 + 1).unwrap();
        // In 5.0 every other PUBLISH carries properties, so that both decode paths are counted:
        // the short one (no properties) and the general one.
        p.properties = if version == ProtocolVersion::V5 && i % 2 == 0 {
            with_props.clone()
        } else {
            Properties::new()
        };
        enc.encode(&Packet::Publish(p.clone()), &mut buf).unwrap();
    }
    for i in 0..N {
        let ack = PubAck::new(u16::try_from(i % 100 + 1).unwrap());
        enc.encode(&Packet::PubAck(ack), &mut buf).unwrap();
    }
    // Promote the storage to the shared representation once, outside the measured region.
    let mut shared = BytesMut::with_capacity(buf.len() + 1);
    shared.extend_from_slice(&[0]);
    shared.extend_from_slice(&buf);
    drop(shared.split_to(1));
    shared
}

fn decode_counting(version: ProtocolVersion) {
    let mut buf = stream(version);
    let mut decoder = Decoder::with_version(version);
    let mut publishes = 0;
    let mut acks = 0;
    let region = Region::new(GLOBAL);
    while let Some(packet) = decoder.decode(&mut buf).unwrap() {
        match packet {
            Packet::Publish(p) => {
                assert_eq!(p.payload.len(), 1024);
                publishes += 1;
            }
            Packet::PubAck(_) => acks += 1,
            other => panic!("{other:?}"),
        }
    }
    let stats = region.change();
    assert_eq!((publishes, acks), (N, N));
    assert_eq!(
        stats.allocations + stats.reallocations,
        0,
        "{version:?}: {stats:?} while decoding {N} PUBLISH and {N} PUBACK"
    );
}

fn main() {
    counting_allocator_sees_allocations();
    decode_counting(ProtocolVersion::V311);
    decode_counting(ProtocolVersion::V5);
    #[allow(clippy::print_stdout)]
    {
        println!("mqtt_alloc: {N} PUBLISH + {N} PUBACK decoded without allocating (3.1.1 and 5.0)");
    }
}

fn counting_allocator_sees_allocations() {
    // The measurement would catch an allocation: a decode that keeps a user property must
    // allocate its list.
    let mut p = Publish::new(TopicName::from_static("a/b"), &b"x"[..]);
    p.properties.push_user_property("k", "v");
    let mut buf = BytesMut::new();
    Encoder::new(ProtocolVersion::V5)
        .encode(&Packet::Publish(p), &mut buf)
        .unwrap();
    let mut decoder = Decoder::with_version(ProtocolVersion::V5);
    let region = Region::new(GLOBAL);
    let packet = decoder.decode(&mut buf).unwrap();
    let stats = region.change();
    assert!(packet.is_some());
    assert!(stats.allocations > 0);
}
