//! Memory held by a compiled rule set: builds 10 000 rules and prints the growth of the
//! process's resident set (Linux `/proc/self/status`).
//!
//! `cargo run --release -p iot-rules --example footprint`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use iot_rules::{Dialect, Rule, RuleOptions, RuleSet};

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    const N: u32 = 10_000;
    let before = rss_kib();
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
    for i in 0..N {
        b.add(Rule::new(
            &format!("r{i}"),
            &format!(
                "SELECT temperature, deviceName() AS dn FROM '/p{i}/+/thing/event/property/post' \
                 WHERE temperature > 38"
            ),
        ));
    }
    let set = b.build().expect("rules compile");
    drop(b);
    match (before, rss_kib()) {
        (Some(a), Some(z)) => println!(
            "{} rules: resident set grew by {} KiB ({:.1} KiB per rule)",
            set.len(),
            z.saturating_sub(a),
            z.saturating_sub(a) as f64 / f64::from(N)
        ),
        _ => println!("{} rules built (no /proc/self/status here)", set.len()),
    }
}
