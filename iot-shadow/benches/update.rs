//! Update + delta on an 8 KB shadow (depth 4, 200 leaves, a 10-leaf patch), against the floor of
//! serde_json parsing and serializing the same document, in the same run.
//!
//! `cargo bench -p iot-shadow --bench update -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iot_shadow::{
    Dialect, EpochMillis, MemoryStore, Object, ShadowDocument, ShadowKey, ShadowService,
    ShadowStore, aws,
};
use serde_json::{Value, json};

/// A section of `groups` × 5 × 4 × 2 leaves at depth 4 (group / unit / channel / leaf).
fn section(groups: u32, salt: &str) -> Object {
    let mut out = Object::new();
    for g in 0..groups {
        let mut group = Object::new();
        for u in 0..5 {
            let mut unit = Object::new();
            for c in 0..4 {
                unit.insert(
                    format!("channel{c}"),
                    json!({"value": f64::from(g * 100 + u * 10 + c) * 0.5, "mode": format!("{salt}{g}{u}{c}-operating-mode-descriptor-xxxxxxxxx")}),
                );
            }
            group.insert(format!("unit{u}"), Value::Object(unit));
        }
        out.insert(format!("group{g}"), Value::Object(group));
    }
    out
}

/// Ten leaves of desired (five channels, two leaves each), nested like the document. The two
/// variants alternate so that every update really changes values.
fn patch(flip: bool) -> Vec<u8> {
    let mut units = Object::new();
    for i in 0..5u32 {
        let v = f64::from(i) + if flip { 0.25 } else { 0.75 };
        units.insert(
            format!("unit{i}"),
            json!({"channel0": {"value": v, "mode": if flip {"eco"} else {"max"}}}),
        );
    }
    let request = json!({"state": {"desired": {"group0": units}}, "clientToken": "bench"});
    serde_json::to_vec(&request).unwrap()
}

/// The delta as a plain implementation would write it: desired values absent from or
/// different in reported, objects compared key by key.
fn naive_delta(desired: &Value, reported: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Value::Object(d) = desired {
        for (k, dv) in d {
            match (dv, reported.get(k)) {
                (Value::Object(_), Some(rv @ Value::Object(_))) => {
                    let sub = naive_delta(dv, rv);
                    if sub.as_object().is_some_and(|m| !m.is_empty()) {
                        out.insert(k.clone(), sub);
                    }
                }
                (dv, Some(rv)) if dv == rv => {}
                (dv, _) => {
                    out.insert(k.clone(), dv.clone());
                }
            }
        }
    }
    Value::Object(out)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn bench(c: &mut Criterion) {
    // 2 groups of desired (80 leaves) and 3 of reported (120 leaves): 200 leaves, depth 4.
    let desired = section(2, "d");
    let reported = section(3, "r");
    let doc = ShadowDocument::with_state(
        Some(desired.clone()),
        Some(reported.clone()),
        1,
        EpochMillis(1_700_000_000_000),
    );
    let state_json =
        serde_json::to_vec(&json!({"state": {"desired": desired, "reported": reported}})).unwrap();
    let patches = [patch(true), patch(false)];
    let dialect = Dialect::aws();
    eprintln!(
        "document: {} bytes of state JSON; patch: {} bytes",
        state_json.len(),
        patches[0].len()
    );
    // About 8 KB of state, within AWS's 8 KB limit (which excludes the "state" wrapper).
    assert!((7_600..=8_192 + 40).contains(&state_json.len()));

    let mut group = c.benchmark_group("shadow-8k");
    group.throughput(Throughput::Elements(1));

    group.bench_function("floor: serde_json parse + serialize", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(&state_json)).unwrap();
            black_box(serde_json::to_vec(&v).unwrap())
        });
    });

    // Parse the request, merge into the stored document, compute the changed delta, and
    // serialize the two messages AWS publishes for it (/update/accepted, /update/delta).
    let mut working = doc.clone();
    let mut flip = false;
    let mut now = 1_700_000_000_000u64;
    group.bench_function("iot-shadow: update + delta (AWS)", |b| {
        b.iter(|| {
            flip = !flip;
            now += 1;
            let payload = &patches[usize::from(flip)];
            let request = aws::parse_update(black_box(payload), &dialect).unwrap();
            let outcome = working
                .apply_update(&request, &dialect, EpochMillis(now))
                .unwrap();
            let accepted = serde_json::to_vec(&aws::update_accepted(&request, &outcome)).unwrap();
            let delta = serde_json::to_vec(&aws::update_delta(
                &working,
                &outcome.delta,
                EpochMillis(now),
                request.client_token.as_deref(),
            ))
            .unwrap();
            black_box((accepted, delta))
        });
    });

    // The whole platform path: topic, store load (a copy), compare-and-swap, and the three
    // messages including /update/documents with both full documents.
    let service = ShadowService::new(MemoryStore::new(), Dialect::aws());
    let key = ShadowKey::classic("bench");
    assert!(block_on(service.store().compare_and_swap(&key, None, doc.clone())).unwrap());
    group.bench_function("iot-shadow: service update with documents (AWS)", |b| {
        b.iter(|| {
            flip = !flip;
            now += 1;
            let out = block_on(service.handle(
                EpochMillis(now),
                "$aws/things/bench/shadow/update",
                &patches[usize::from(flip)],
            ))
            .unwrap();
            black_box(out)
        });
    });

    // Peer: the json-patch crate's RFC 7396 merge on a plain `Value` document plus a naive
    // recursive delta, serializing the same two messages. No metadata, versions or limits.
    let mut plain = json!({"desired": desired, "reported": reported});
    group.bench_function("peer: json_patch::merge + naive delta", |b| {
        b.iter(|| {
            flip = !flip;
            let request: Value =
                serde_json::from_slice(black_box(&patches[usize::from(flip)])).unwrap();
            let patch = &request["state"]["desired"];
            json_patch::merge(&mut plain["desired"], patch);
            let delta = naive_delta(&plain["desired"], &plain["reported"]);
            let accepted =
                serde_json::to_vec(&json!({"state": request["state"], "version": 1})).unwrap();
            let delta = serde_json::to_vec(&json!({"state": delta, "version": 1})).unwrap();
            black_box((accepted, delta))
        });
    });

    group.bench_function("iot-shadow: full delta of the document", |b| {
        b.iter(|| black_box(working.delta()));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
