//! Validating a 10-property `thing.event.property.post` (mixed types, one struct, one array):
//! our compiled validator against `jsonschema`'s `is_valid` on the schema we export, with the
//! `serde_json` parse of the same payload as the floor. Both validators get the same
//! pre-parsed `serde_json::Value`.
//!
//! `cargo bench -p iot-model --bench validate -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iot_model::tsl::NumberSpecs;
use iot_model::{AccessMode, CompiledModel, DataType, Param, TslBuilder};
use serde_json::Value;

const POST_LONG: &str = r#"{"Temp":{"value":23,"time":1524448722000},"Humidity":{"value":45.5,"time":1524448722000},"Pressure":{"value":1013.25,"time":1524448722000},"Label":{"value":"living room","time":1524448722000},"Since":{"value":"1524448722000","time":1524448722000},"Power":{"value":1,"time":1524448722000},"Mode":{"value":2,"time":1524448722000},"Position":{"value":{"lat":39.9,"lon":116.38,"alt":52},"time":1524448722000},"Samples":{"value":[1,2,3,4,5,6],"time":1524448722000},"Battery":{"value":87,"time":1524448722000}}"#;

const POST_SHORT: &str = r#"{"Temp":23,"Humidity":45.5,"Pressure":1013.25,"Label":"living room","Since":"1524448722000","Power":1,"Mode":2,"Position":{"lat":39.9,"lon":116.38,"alt":52},"Samples":[1,2,3,4,5,6],"Battery":87}"#;

fn model() -> CompiledModel {
    let rw = AccessMode::ReadWrite;
    let tsl = TslBuilder::new("a1BenchPK")
        .property("Temp", "temperature", rw, DataType::int(-40, 120, 1))
        .property(
            "Humidity",
            "humidity",
            rw,
            DataType::float("0", "100", "0.1"),
        )
        .property(
            "Pressure",
            "pressure",
            rw,
            DataType::double("300", "1100", "0.01"),
        )
        .property("Label", "label", rw, DataType::text(64))
        .property("Since", "since", rw, DataType::date())
        .property("Power", "power", rw, DataType::bool("off", "on"))
        .property(
            "Mode",
            "mode",
            rw,
            DataType::enumeration([(0, "auto"), (1, "cool"), (2, "heat"), (3, "dry")]),
        )
        .property(
            "Position",
            "position",
            rw,
            DataType::Struct(vec![
                Param::new("lat", "latitude", DataType::double("-90", "90", "0.000001")),
                Param::new(
                    "lon",
                    "longitude",
                    DataType::double("-180", "180", "0.000001"),
                ),
                Param::new(
                    "alt",
                    "altitude",
                    DataType::Int(NumberSpecs::range(-500, 9000, 1)),
                ),
            ]),
        )
        .property(
            "Samples",
            "samples",
            rw,
            DataType::array(8, DataType::int(0, 1000, 1)),
        )
        .property("Battery", "battery", rw, DataType::int(0, 100, 1))
        .build()
        .unwrap();
    CompiledModel::compile(&tsl).unwrap()
}

fn bench(c: &mut Criterion) {
    let model = model();
    let ours = model.property_post();
    let schema = ours.json_schema();
    let peer = jsonschema::draft202012::new(&schema).unwrap();

    for (name, text) in [("long", POST_LONG), ("short", POST_SHORT)] {
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(ours.is_valid(&value));
        assert!(peer.is_valid(&value));
        let mut g = c.benchmark_group(format!("property_post_10_{name}"));
        g.bench_function("iot_model_is_valid", |b| {
            b.iter(|| ours.is_valid(black_box(&value)));
        });
        g.bench_function("jsonschema_is_valid", |b| {
            b.iter(|| peer.is_valid(black_box(&value)));
        });
        g.bench_function("iot_model_validate", |b| {
            b.iter(|| ours.validate(black_box(&value)).is_ok());
        });
        g.bench_function("serde_json_parse", |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(text)).unwrap());
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
