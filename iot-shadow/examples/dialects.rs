//! One shadow core, three vendors: the same change ("the lamp should be blue") applied through
//! the AWS, Alibaba and Azure message adapters, and what each platform publishes back.
//!
//! `cargo run -p iot-shadow --example dialects`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::task::{Context, Poll, Waker};

use iot_shadow::{Dialect, EpochMillis, MemoryStore, Outgoing, ShadowService};
use serde_json::json;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn show(vendor: &str, out: &[Outgoing]) {
    println!("== {vendor}");
    for m in out {
        println!("  {} {}", m.topic, String::from_utf8_lossy(&m.payload));
    }
}

fn main() {
    let now = EpochMillis(1_700_000_000_000);

    // AWS: version must equal the current one; a stale version is a 409 error document.
    let aws = ShadowService::new(MemoryStore::new(), Dialect::aws());
    let topic = "$aws/things/lamp/shadow/update";
    let out = block_on(aws.handle(now, topic, br#"{"state":{"desired":{"color":"blue"}}}"#));
    show("AWS update", &out.unwrap());
    let stale = br#"{"state":{"desired":{"color":"red"}},"version":0,"clientToken":"c-1"}"#;
    show(
        "AWS stale update",
        &block_on(aws.handle(now, topic, stale)).unwrap(),
    );

    // Alibaba: version must be greater; the device gets a `control` push with the whole state,
    // and deletes with the string "null".
    let ali = ShadowService::new(MemoryStore::new(), Dialect::alibaba());
    let topic = "/shadow/update/a1PbRCFQBFj/lamp";
    let set = br#"{"method":"update","state":{"desired":{"color":"blue"}},"version":1}"#;
    show(
        "Alibaba update",
        &block_on(ali.handle(now, topic, set)).unwrap(),
    );
    let clear = br#"{"method":"update","state":{"desired":"null"},"version":1}"#;
    show(
        "Alibaba stale clear",
        &block_on(ali.handle(now, topic, clear)).unwrap(),
    );

    // Azure: the back end patches desired with an ETag; the device gets the patch and $version.
    let hub = ShadowService::new(MemoryStore::new(), Dialect::azure());
    let patch = json!({"color": "blue"}).as_object().cloned().unwrap();
    let (push, etag) = block_on(hub.update_desired_twin("lamp", patch, Some("*"), now)).unwrap();
    println!("== Azure desired update (new ETag {etag})");
    println!(
        "  {} {}",
        push.topic,
        String::from_utf8_lossy(&push.payload)
    );
    let reported = br#"{"color":"blue"}"#;
    let topic = "$iothub/twin/PATCH/properties/reported/?$rid=1";
    show(
        "Azure reported patch",
        &block_on(hub.handle_twin(now, "lamp", topic, reported)).unwrap(),
    );
    let get = block_on(hub.handle_twin(now, "lamp", "$iothub/twin/GET/?$rid=2", b""));
    show("Azure GET", &get.unwrap());
}
