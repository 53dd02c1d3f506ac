//! Memory of an idle server session: connected, five subscriptions granted, nothing in flight.
//! Measured as the session's inline size plus the heap bytes it keeps alive, with a counting
//! global allocator (`stats_alloc`; a binary of its own without the libtest harness, so no other
//! thread allocates meanwhile).
//!
//! Budget: 512 bytes of session state (issue 3). The figure is printed; run with
//! `cargo test -p iot-protocol --test mqtt_session_memory` to see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;

use bytes::BytesMut;
use iot_protocol::mqtt::session::{Accept, Event, Instant, ServerConfig, ServerSession};
use iot_protocol::mqtt::{
    Connect, Encoder, Packet, Properties, ProtocolVersion, QoS, SubAckReasonCode, Subscribe,
    Subscription, TopicFilter,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const FILTERS: [&str; 5] = [
    "devices/device-000042/cmd/#",
    "devices/device-000042/config",
    "fleet/+/broadcast",
    "$share/workers/jobs/#",
    "ota/firmware/device-000042",
];

fn wire(version: ProtocolVersion) -> BytesMut {
    let enc = Encoder::new(version);
    let mut buf = BytesMut::new();
    let mut c = Connect::new(version, "device-000042");
    c.clean_start = false;
    c.keep_alive = 60;
    if version == ProtocolVersion::V5 {
        c.properties.set_session_expiry_interval(Some(3600));
        c.properties.set_topic_alias_maximum(Some(10));
    }
    enc.encode(&Packet::Connect(Box::new(c)), &mut buf).unwrap();
    for (i, f) in FILTERS.iter().enumerate() {
        let qos = if version == ProtocolVersion::V311 && f.starts_with("$share") {
            QoS::AtMostOnce
        } else {
            QoS::AtLeastOnce
        };
        let s = Subscribe {
            packet_id: u16::try_from(i + 1).unwrap(),
            subscriptions: vec![Subscription::new(TopicFilter::from_static(f), qos)],
            properties: Properties::new(),
        };
        enc.encode(&Packet::Subscribe(s), &mut buf).unwrap();
    }
    buf
}

fn live(region: &Region<'_, System>) -> isize {
    let c = region.change();
    isize::try_from(c.bytes_allocated).unwrap() - isize::try_from(c.bytes_deallocated).unwrap()
        + c.bytes_reallocated
}

fn idle_session_bytes(version: ProtocolVersion) -> (usize, isize) {
    let config = ServerConfig::new();
    let mut input = wire(version);
    let mut out = BytesMut::with_capacity(1024);
    let region = Region::new(GLOBAL);
    let now = Instant::from_millis(0);
    let mut server = ServerSession::new(&config, now);
    server.handle_bytes(now, &mut input);
    let mut granted = 0;
    loop {
        let mut progressed = false;
        while let Some(e) = server.poll_event() {
            progressed = true;
            match e {
                Event::ConnectRequest(_) => {
                    server.accept(now, Accept::default()).unwrap();
                    // The SUBSCRIBEs were pipelined behind the CONNECT.
                    server.handle_bytes(now, &mut input);
                }
                Event::Subscribe(s) => {
                    let codes = vec![SubAckReasonCode::GrantedQoS1; s.subscriptions.len()];
                    server.subscribe_result(now, s.packet_id, &codes).unwrap();
                    granted += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if server.poll_transmit(now, &mut out) > 0 {
            progressed = true;
            out.clear();
        }
        if !progressed {
            break;
        }
    }
    assert_eq!(granted, 5);
    assert!(server.is_connected());
    assert_eq!(server.subscriptions().len(), 5);
    drop(input);
    drop(out);
    // What the session keeps alive is what dropping it frees.
    let before = live(&region);
    let inline = size_of::<ServerSession>();
    drop(server);
    let heap = before - live(&region);
    (inline, heap)
}

fn idle_server_session_with_five_subscriptions_fits_512_bytes() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let (inline, heap) = idle_session_bytes(version);
        let total = inline as isize + heap;
        eprintln!(
            "{version:?}: idle server session with 5 subscriptions: {total} B \
             ({inline} B inline + {heap} B heap)"
        );
        assert!(total <= 512, "{version:?}: {total} B > 512 B");
    }
}

/// `harness = false` (see Cargo.toml): the one check runs on the main thread, alone.
fn main() {
    idle_server_session_with_five_subscriptions_fits_512_bytes();
}
