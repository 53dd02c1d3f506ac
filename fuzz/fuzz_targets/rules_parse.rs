//! Rule text (and a payload) from the fuzzer: parsing, compiling and evaluating must never
//! panic. Input layout: byte 0 picks the dialect; the rest up to the first NUL is the rule text,
//! the rest after it is the payload.
#![no_main]

use iot_rules::{Dialect, Message, RuleOptions, UnixMillis};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dialect = match pick % 3 {
        0 => Dialect::Alibaba,
        1 => Dialect::Aws,
        _ => Dialect::Emqx,
    };
    let (text, payload) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b"{\"a\":{\"b\":[1,2.5,\"x\"]},\"temperature\":40}"[..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(stmt) = iot_rules::parse(text, dialect) {
        // The printed form parses back to the same tree.
        let printed = stmt.to_string();
        assert_eq!(iot_rules::parse(&printed, dialect).ok(), Some(stmt));
    }
    if let Ok(rule) = RuleOptions::new(dialect).compile(text) {
        let msg = Message::new("/pk/dn/thing/event/property/post", payload, UnixMillis(0));
        let _ = rule.evaluate(&msg);
    }
});
