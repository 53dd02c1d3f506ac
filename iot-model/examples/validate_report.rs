//! Compile a thing model, route an incoming Alink message by its topic, validate it, filter
//! the invalid properties out and build the reply, as a platform's ingest path does.
//!
//! `cargo run -p iot-model --example validate_report`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use iot_model::alink::{AlinkCode, Request};
use iot_model::tsl::EventType;
use iot_model::{AccessMode, CompiledModel, DataType, Param, Topic, TopicKind, TslBuilder};
use serde_json::{Value, json};

fn main() {
    let tsl = TslBuilder::new("a1pkcDf0Xv0")
        .property(
            "Power",
            "power",
            AccessMode::ReadWrite,
            DataType::bool("off", "on"),
        )
        .property(
            "Temperature",
            "temperature",
            AccessMode::ReadOnly,
            DataType::double("-40", "120", "0.1"),
        )
        .event(
            "Overheat",
            "overheat",
            EventType::Alert,
            vec![Param::new(
                "Temperature",
                "temperature",
                DataType::double("-40", "120", "0.1"),
            )],
        )
        .standard_members(true)
        .build()
        .unwrap();
    let model = CompiledModel::compile(&tsl).unwrap();
    println!("TSL: {}", tsl.to_json());

    let topic = "/sys/a1pkcDf0Xv0/lamp-01/thing/event/property/post";
    let payload = r#"{"id":"42","version":"1.0","method":"thing.event.property.post",
        "params":{"Power":{"value":1,"time":1524448722000},"Temperature":{"value":500,"time":1524448722000},"Colour":"red"}}"#;

    let t = Topic::parse(topic).unwrap();
    let request: Request = serde_json::from_str(payload).unwrap();
    assert_eq!(t.kind, TopicKind::PropertyPost);

    let validator = model.property_post();
    for e in validator.iter_errors(&request.params) {
        println!("rejected {}: {} (code {})", e.path, e.rule, e.code);
    }
    let filtered = validator.filter(&request.params).unwrap();
    println!("stored: {}", Value::Object(filtered.kept));

    // The platform answers 200 even when properties were filtered out.
    let reply = request.reply(AlinkCode::SUCCESS, json!({}));
    let reply_topic = t.reply_topic().unwrap();
    println!(
        "{reply_topic} <- {}",
        serde_json::to_string(&reply).unwrap()
    );
    println!(
        "JSON Schema of this message: {}",
        serde_json::to_string(&validator.json_schema()).unwrap()
    );
}
