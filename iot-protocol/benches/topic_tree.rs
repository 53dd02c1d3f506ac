//! `TopicTree` lookups against a linear scan of the same filters.
//!
//! Run: `cargo bench -p iot-protocol --bench topic_tree`
//!
//! The store holds `n` filters shaped like a platform's subscriptions (per-device Alibaba system
//! topics, product-wide wildcards, AWS shadow filters); a lookup matches a handful of them.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iot_protocol::topic::{TopicTree, matches};

/// `n` filters; the topic `/sys/pk7/dev7/thing/event/property/post` matches five of them
/// whatever `n` is.
fn filters(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n + 5);
    out.push("/sys/pk7/dev7/thing/event/property/post".to_string());
    out.push("/sys/pk7/dev7/#".to_string());
    out.push("/sys/pk7/+/thing/event/property/post".to_string());
    out.push("/sys/+/+/thing/event/+/post".to_string());
    out.push("#".to_string());
    let mut i = 0usize;
    while out.len() < n {
        let (pk, dn) = (i % 97 + 100, i);
        let f = match i % 5 {
            0 => format!("/sys/pk{pk}/dev{dn}/thing/event/property/post"),
            1 => format!("/sys/pk{pk}/dev{dn}/thing/service/+"),
            2 => format!("/ota/device/upgrade/pk{pk}/dev{dn}"),
            3 => format!("$aws/things/thing{dn}/shadow/update/delta"),
            _ => format!("/pk{pk}/dev{dn}/user/#"),
        };
        out.push(f);
        i += 1;
    }
    out
}

const TOPIC: &str = "/sys/pk7/dev7/thing/event/property/post";

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("topic_match");
    group.throughput(Throughput::Elements(1));
    for n in [1_000usize, 10_000, 100_000] {
        let fs = filters(n);
        let mut tree = TopicTree::new();
        for (i, f) in fs.iter().enumerate() {
            tree.insert(f, i).unwrap();
        }
        assert_eq!(tree.matches(TOPIC).count(), 5);
        assert_eq!(fs.iter().filter(|f| matches(f, TOPIC)).count(), 5);
        group.bench_with_input(BenchmarkId::new("tree", n), &n, |b, _| {
            b.iter(|| {
                tree.matches(black_box(TOPIC))
                    .fold(0usize, |acc, v| acc ^ *v)
            })
        });
        group.bench_with_input(BenchmarkId::new("linear_scan", n), &n, |b, _| {
            b.iter(|| {
                fs.iter()
                    .enumerate()
                    .filter(|(_, f)| matches(f, black_box(TOPIC)))
                    .fold(0usize, |acc, (i, _)| acc ^ i)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
