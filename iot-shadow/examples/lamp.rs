//! A lamp and its shadow, end to end without a broker: the platform service on one side, the
//! device-side machine on the other, and this `main` carrying messages between them.
//!
//! `cargo run -p iot-shadow --example lamp`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::task::{Context, Poll, Waker};

use iot_shadow::{
    DeviceSync, Dialect, Endpoint, EpochMillis, MemoryStore, Object, ShadowKey, ShadowService,
};
use serde_json::{Value, json};

/// The example owns no runtime: the in-memory store never waits, so polling once is enough.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn main() {
    let service = ShadowService::new(MemoryStore::new(), Dialect::aws());
    let mut device = DeviceSync::new(Endpoint::Aws {
        thing: "lamp".into(),
        shadow: None,
    });
    let mut now = 1_700_000_000_000u64;
    // The lamp's hardware state.
    let mut hardware = json!({"power": "off", "brightness": 0});

    // An application asks for the lamp to be on at 80 %, while the lamp is offline.
    let out = block_on(service.handle(
        EpochMillis(now),
        "$aws/things/lamp/shadow/update",
        br#"{"state":{"desired":{"power":"on","brightness":80}},"clientToken":"app-1"}"#,
    ))
    .unwrap();
    for m in &out {
        println!(
            "platform -> {}: {}",
            m.topic,
            String::from_utf8_lossy(&m.payload)
        );
    }

    // The lamp connects, asks for its shadow and catches up.
    device.handle_connected(EpochMillis(now));
    let subscriptions = device.subscriptions();
    let mut inbox = Vec::new();
    for _round in 0..4 {
        while let Some(m) = device.poll_transmit() {
            now += 10;
            println!(
                "lamp -> {}: {}",
                m.topic,
                String::from_utf8_lossy(&m.payload)
            );
            let replies = block_on(service.handle(EpochMillis(now), &m.topic, &m.payload)).unwrap();
            inbox.extend(
                replies
                    .into_iter()
                    .filter(|r| subscriptions.contains(&r.topic)),
            );
        }
        for m in inbox.drain(..) {
            let event = device
                .handle_message(
                    EpochMillis(now),
                    &m.topic,
                    &m.payload,
                    |changes: &Object| {
                        // Drive the hardware, then report what it now does.
                        for (k, v) in changes {
                            hardware[k] = v.clone();
                        }
                        Ok(changes.clone())
                    },
                )
                .unwrap();
            println!("lamp <- {}: {event:?}", m.topic);
        }
    }

    let stored = block_on(service.get(&ShadowKey::classic("lamp"))).unwrap();
    println!("hardware: {hardware}");
    println!(
        "shadow v{}: desired {:?}, reported {}",
        stored.version(),
        stored.desired(),
        Value::Object(stored.reported().cloned().unwrap_or_default())
    );
    assert!(stored.delta().is_empty());
}
