//! Rule evaluation throughput, beside a `serde_json::Value` parse of the same payload.
//!
//! `cargo bench -p iot-rules --bench rules -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iot_rules::{Dialect, Message, Rule, RuleOptions, RuleSet, UnixMillis};

const SQL: &str = "SELECT temperature, deviceName() AS dn FROM '/+/+/thing/event/property/post' WHERE temperature > 38";
const TOPIC: &str = "/a1B2c3D4e5/dev1/thing/event/property/post";

/// A 200-byte JSON device report.
fn payload() -> Vec<u8> {
    let p = br#"{"id":"1234567","version":"1.0","temperature":39.5,"humidity":45.2,"pressure":1013.25,"battery":87,"signal":-67,"status":"ok","location":{"lat":30.27,"lon":120.15},"firmware":"v2.3.1","uptime":123456}"#;
    assert_eq!(p.len(), 200);
    p.to_vec()
}

fn many_rules(n: usize) -> Vec<Rule> {
    let mut rules: Vec<Rule> = (0..n - 1)
        .map(|i| {
            Rule::new(
                &format!("r{i}"),
                &format!("SELECT temperature, deviceName() AS dn FROM '/p{i}/+/thing/event/property/post' WHERE temperature > 38"),
            )
        })
        .collect();
    rules.push(Rule::new("match", SQL));
    rules
}

fn bench(c: &mut Criterion) {
    let payload = payload();
    let msg = Message::new(TOPIC, &payload, UnixMillis(1_700_000_000_000))
        .with_device("a1B2c3D4e5", "dev1");
    let rule = RuleOptions::new(Dialect::Alibaba).compile(SQL).unwrap();
    assert_eq!(rule.evaluate(&msg).len(), 1);

    let mut g = c.benchmark_group("eval_200B");
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(&payload)).unwrap())
        })
    });
    g.bench_function("compiled_rule", |b| {
        b.iter(|| black_box(rule.evaluate(black_box(&msg))))
    });

    let mut one = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
    one.add(Rule::new("match", SQL));
    let one = one.build().unwrap();
    let mut out = Vec::new();
    g.bench_function("ruleset_1_rule", |b| {
        b.iter(|| {
            out.clear();
            one.evaluate_into(black_box(&msg), &mut out);
            black_box(out.len())
        })
    });

    let mut many = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
    for r in many_rules(10_000) {
        many.add(r);
    }
    let many = many.build().unwrap();
    assert_eq!(many.matching_rules(TOPIC), vec!["match"]);
    g.bench_function("ruleset_10000_rules_1_match", |b| {
        b.iter(|| {
            out.clear();
            many.evaluate_into(black_box(&msg), &mut out);
            black_box(out.len())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    let rules = many_rules(10_000);
    g.bench_function("ruleset_10000_rules", |b| {
        b.iter(|| {
            let mut s = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
            for r in &rules {
                s.add(r.clone());
            }
            black_box(s.build().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
