//! A rule set that raises alarms from property posts and forwards them to sinks.
//!
//! `cargo run -p iot-rules --example alarm`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;

use iot_rules::{
    Action, Dialect, MemorySink, Message, Rule, RuleOptions, RuleSet, Sinks, UnixMillis,
};

fn main() {
    let mut rules = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
    rules
        .add(
            Rule::new(
                "overheat",
                "SELECT temperature, deviceName() AS dn, timestamp('yyyy-MM-dd HH:mm:ss') AS at \
                 FROM '/+/+/thing/event/property/post' WHERE temperature > 38",
            )
            .action(Action::republish("/${productKey}/${deviceName}/alarm"))
            .action(Action::sink("tsdb"))
            .error_action(Action::sink("dead-letters")),
        )
        .add(Rule::new("archive", "SELECT * FROM '/+/+/user/#'").action(Action::sink("tsdb")));
    let rules = rules.build().expect("rules compile");

    let tsdb = Arc::new(MemorySink::new("tsdb", 1000));
    let published = Arc::new(MemorySink::new("mqtt", 1000));
    let dead = Arc::new(MemorySink::new("dead-letters", 1000));
    let mut sinks = Sinks::new();
    sinks
        .insert("tsdb", tsdb.clone())
        .insert("dead-letters", dead.clone())
        .republish(published.clone());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let reports = [
        (
            "/a1B2c3/pump-7/thing/event/property/post",
            &br#"{"temperature": 41.5, "rpm": 1200}"#[..],
        ),
        (
            "/a1B2c3/pump-8/thing/event/property/post",
            br#"{"temperature": 30}"#,
        ),
        ("/a1B2c3/pump-7/user/log", br#"{"line": "valve opened"}"#),
    ];
    for (i, (topic, payload)) in reports.iter().enumerate() {
        let device = topic.split('/').nth(2).unwrap();
        let now = UnixMillis(1_700_000_000_000 + i64::try_from(i).unwrap() * 1000);
        let msg = Message::new(topic, payload, now).with_device("a1B2c3", device);
        for out in rules.evaluate(&msg) {
            println!("{} -> {} {:?}", out.rule_id, out.document, out.actions);
            let report = runtime.block_on(sinks.dispatch(&out));
            println!(
                "   delivered {} failed {}",
                report.delivered,
                report.failed.len()
            );
        }
    }
    for d in published.drain() {
        println!("publish {} {}", d.topic.unwrap_or_default(), d.document);
    }
    println!(
        "tsdb holds {} documents, dead letters {}",
        tsdb.len(),
        dead.len()
    );
}
