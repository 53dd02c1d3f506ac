//! Routing device messages with a subscription trie.
//!
//! `cargo run -p iot-protocol --example topic_tree`
#![allow(clippy::print_stdout)]

use iot_protocol::topic::{TopicError, TopicTree, parse_shared};

fn main() -> Result<(), TopicError> {
    // What three applications subscribed to, as a broker would store it.
    let subscriptions = [
        ("rule-engine", "/sys/+/+/thing/event/property/post"),
        ("lamp-dashboard", "/sys/a1B2c3/lamp-01/#"),
        ("billing-worker", "$share/billing//+/+/user/meter"),
    ];
    let mut tree = TopicTree::new();
    for (who, filter) in subscriptions {
        // A shared subscription is stored under its inner filter; the group travels in the value.
        let (filter, who) = match parse_shared(filter)? {
            Some(shared) => (shared.filter, shared.group),
            None => (filter, who),
        };
        tree.insert(filter, who)?;
    }

    for topic in [
        "/sys/a1B2c3/lamp-01/thing/event/property/post",
        "/sys/a1B2c3/lamp-02/thing/event/property/post",
        "/a1B2c3/meter-9/user/meter",
        "$SYS/broker/uptime",
    ] {
        let mut who: Vec<&str> = tree.matches(topic).copied().collect();
        who.sort_unstable();
        println!("{topic:50} -> {who:?}");
    }
    Ok(())
}
