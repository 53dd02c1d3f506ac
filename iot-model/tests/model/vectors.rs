//! Conformance vectors of `testdata/model/`.

use iot_model::alink::{Request, Response};
use iot_model::wot::{from_thing_model, to_thing_model};
use iot_model::{
    AlinkCode, CompiledModel, DataType, ModelError, ModelIssueKind, Rule, Topic, TopicKind, Tsl,
    Validator,
};
use serde_json::Value;

use crate::{agree, load, model_set, models, peer, s, variant};

#[test]
fn tsl_documents_round_trip_and_check() {
    for v in load("tsl.toml") {
        let name = s(&v, "name");
        let text = s(&v, "json");
        let tsl = Tsl::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Lossless: what we write is the same JSON value as what we read.
        let original: Value = serde_json::from_str(text).unwrap();
        let written: Value = serde_json::from_str(&tsl.to_json()).unwrap();
        assert_eq!(original, written, "{name}: round trip changed the document");
        let valid = v["valid"].as_bool().unwrap();
        assert_eq!(tsl.check().is_empty(), valid, "{name}: {:?}", tsl.check());
        assert_eq!(CompiledModel::compile(&tsl).is_ok(), valid, "{name}");
    }
}

#[test]
fn model_check_vectors() {
    for v in load("model_checks.toml") {
        let name = s(&v, "name");
        let expected = s(&v, "error");
        let parsed = Tsl::from_json(s(&v, "json"));
        if expected == "Json" {
            assert!(
                matches!(parsed, Err(ModelError::Json(_))),
                "{name}: {parsed:?}"
            );
            continue;
        }
        let tsl = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        let issues = tsl.check();
        let first = issues
            .first()
            .unwrap_or_else(|| panic!("{name}: no issue found"));
        assert_eq!(variant(&first.kind), expected, "{name}: {issues:?}");
        assert_eq!(first.path, s(&v, "path"), "{name}: {issues:?}");
        if let Some(detail) = v.get("detail").and_then(toml::Value::as_str) {
            let ModelIssueKind::InvalidIdentifier { rule, .. } = &first.kind else {
                panic!("{name}: detail given for {first:?}");
            };
            assert_eq!(variant(rule), detail, "{name}");
        }
        match CompiledModel::compile(&tsl) {
            Err(ModelError::Invalid(all)) => assert_eq!(all, issues, "{name}"),
            other => panic!("{name}: compiled: {other:?}"),
        }
    }
}

fn validator_for(name: &str, spec: &str, model: &str) -> Validator {
    let all = models();
    let (_, _, m) = all
        .iter()
        .find(|(n, _, _)| n == model)
        .unwrap_or_else(|| panic!("{name}: no model {model}"));
    let (kind, id) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "property_post" => m.property_post(),
        "property_set" => m.property_set(),
        "event_post" => m.event_post(id).unwrap(),
        "service_input" => m.service_input(id).unwrap(),
        "service_output" => m.service_output(id).unwrap(),
        "pack_post" => model_set().pack_post(m.product_key().unwrap()).unwrap(),
        "history_post" => model_set().history_post(),
        other => panic!("{name}: unknown validator {other}"),
    }
}

#[test]
fn payload_vectors() {
    for v in load("payloads.toml") {
        let name = s(&v, "name");
        let validator = validator_for(name, s(&v, "validator"), s(&v, "model"));
        let text = s(&v, "message");
        let valid = v["valid"].as_bool().unwrap();
        let message: Value = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(_) => {
                assert!(!valid, "{name}: expected valid but it is not JSON");
                assert_eq!(s(&v, "rule"), "MalformedJson", "{name}");
                let e = validator.validate_slice(text.as_bytes()).unwrap_err();
                assert_eq!(e.rule, Rule::MalformedJson);
                assert_eq!(e.code, AlinkCode::PARAMETER_ERROR);
                continue;
            }
        };
        // The envelope round-trips through our serde types.
        let value = if message.get("code").is_some() {
            let r: Response = serde_json::from_value(message.clone()).unwrap();
            assert_eq!(serde_json::to_value(&r).unwrap(), message, "{name}");
            r.data
        } else {
            let r: Request = serde_json::from_value(message.clone()).unwrap();
            assert_eq!(serde_json::to_value(&r).unwrap(), message, "{name}");
            r.params
        };
        assert_eq!(
            validator.is_valid(&value),
            valid,
            "{name}: {:?}",
            validator.validate(&value)
        );
        let first = validator.validate(&value);
        let all: Vec<_> = validator.iter_errors(&value).collect();
        assert_eq!(first.is_ok(), valid, "{name}");
        assert_eq!(all.is_empty(), valid, "{name}");
        if let Err(e) = first {
            assert_eq!(variant(&e.rule), s(&v, "rule"), "{name}: {e}");
            assert_eq!(e.path, s(&v, "path"), "{name}: {e}");
            let code = u32::try_from(v["code"].as_integer().unwrap()).unwrap();
            assert_eq!(e.code, AlinkCode(code), "{name}");
            assert_eq!(
                all[0], e,
                "{name}: iter_errors starts with validate's error"
            );
        }
        agree(&validator, &peer(&validator), &value);
    }
}

#[test]
fn filtering_keeps_valid_properties() {
    let all = models();
    let (_, _, m) = all.iter().find(|(n, _, _)| n == "payload-device").unwrap();
    let post = m.property_post();
    let params = serde_json::json!({
        "Power": "on",
        "WF": {"value": 500, "time": 1},
        "Speed": 3,
        "temperature": 21.5
    });
    let f = post.filter(&params).unwrap();
    assert_eq!(f.kept.keys().collect::<Vec<_>>(), ["Power", "temperature"]);
    let dropped: Vec<_> = f
        .dropped
        .iter()
        .map(|e| (e.path.as_str(), e.rule))
        .collect();
    assert_eq!(
        dropped,
        [
            ("/Speed", Rule::UnknownProperty),
            ("/WF/value", Rule::Maximum)
        ]
    );
    // More than 200 properties: the whole report is rejected with 6106.
    let many: serde_json::Map<String, Value> = (0..201)
        .map(|i| (format!("p{i}"), Value::from(1)))
        .collect();
    let e = post.filter(&Value::Object(many)).unwrap_err();
    assert_eq!(e.code, AlinkCode::TOO_MANY_PROPERTIES);
}

#[test]
fn topic_vectors() {
    for v in load("topics.toml") {
        let name = s(&v, "name");
        let topic = s(&v, "topic");
        if let Some(err) = v.get("error").and_then(toml::Value::as_str) {
            let e = Topic::parse(topic).unwrap_err();
            assert_eq!(variant(&e), err, "{name}");
            continue;
        }
        let t = Topic::parse(topic).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(variant(&t.kind), s(&v, "kind"), "{name}");
        assert_eq!(t.product_key, s(&v, "product"), "{name}");
        assert_eq!(t.device_name, s(&v, "device"), "{name}");
        assert_eq!(t.reply, v["reply"].as_bool().unwrap(), "{name}");
        assert_eq!(
            t.kind.identifier(),
            v.get("id").and_then(toml::Value::as_str),
            "{name}"
        );
        let method = t.kind.method();
        assert_eq!(
            method.as_deref(),
            v.get("method").and_then(toml::Value::as_str),
            "{name}"
        );
        assert_eq!(t.to_string(), topic, "{name}: display round trip");
        if t.reply {
            assert_eq!(t.request_topic().reply_topic(), Some(t), "{name}");
        }
        if let (Some(m), false) = (
            &method,
            matches!(t.kind, TopicKind::ServiceInvokeSync { .. }),
        ) {
            let built = Topic::for_method(t.product_key, t.device_name, m).unwrap();
            assert_eq!(built, t.request_topic(), "{name}");
        }
    }
}

fn type_letter(dt: &DataType) -> &'static str {
    dt.type_name()
}

#[test]
fn wot_import_vectors() {
    for v in load("wot.toml") {
        let name = s(&v, "name");
        let doc: Value = serde_json::from_str(s(&v, "json")).unwrap();
        let (tsl, lost) = from_thing_model(&doc).unwrap();
        let props: Vec<String> = tsl
            .properties
            .iter()
            .map(|p| {
                let mode = if p.writable() { "rw" } else { "r" };
                format!("{}:{}:{mode}", p.identifier, type_letter(&p.data_type))
            })
            .collect();
        let strings = |key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect()
        };
        let mut expected_props = strings("properties");
        expected_props.sort();
        let mut props_sorted = props.clone();
        props_sorted.sort();
        assert_eq!(props_sorted, expected_props, "{name}");
        let services: Vec<_> = tsl.services.iter().map(|x| x.identifier.clone()).collect();
        assert_eq!(services, strings("services"), "{name}");
        let events: Vec<_> = tsl.events.iter().map(|x| x.identifier.clone()).collect();
        assert_eq!(events, strings("events"), "{name}");
        let mut paths: Vec<String> = lost.iter().map(|u| u.path.clone()).collect();
        paths.sort();
        assert_eq!(paths, strings("unmapped"), "{name}: {lost:?}");
        // What was imported is a valid TSL model.
        assert!(tsl.check().is_empty(), "{name}: {:?}", tsl.check());
    }
}

fn sorted(mut t: Tsl) -> Tsl {
    t.properties.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    t.events.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    t.services.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    t
}

#[test]
fn wot_export_round_trips() {
    for (name, tsl, _) in models() {
        let (tm, lost) = to_thing_model(&tsl);
        let (back, lost_back) = from_thing_model(&tm).unwrap();
        assert!(lost_back.is_empty(), "{name}: {lost_back:?}");
        // A second export is identical: nothing more is lost after the first.
        assert_eq!(to_thing_model(&back).0, tm, "{name}");
        let expected_lost: Vec<String> = tsl.extra.keys().map(|k| format!("/{k}")).collect();
        let lost_paths: Vec<String> = lost.iter().map(|u| u.path.clone()).collect();
        assert_eq!(lost_paths, expected_lost, "{name}");
        if name == "iotkit-countdown-struct" {
            // Integer-valued specs: the TSL itself comes back unchanged.
            let mut original = tsl.clone();
            original.extra.clear();
            assert_eq!(sorted(back), sorted(original), "{name}");
        }
    }
}

#[test]
fn envelopes_keep_id_form_and_ack() {
    let linksdk = r#"{"id":"17","version":"1.0","params":{"Power":1},"sys":{"ack":0}}"#;
    let r: Request = serde_json::from_str(linksdk).unwrap();
    assert_eq!(r.id.as_u64(), Some(17));
    assert!(!r.wants_reply());
    assert_eq!(r.method, None);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::from_str::<Value>(linksdk).unwrap()
    );
    // The platform's OTA push uses a numeric id; the reply echoes it in the same form.
    let ota: Request = serde_json::from_str(r#"{"id":1626969597470,"params":{}}"#).unwrap();
    assert!(ota.wants_reply());
    let reply = ota.reply(AlinkCode::PARAMETER_ERROR, serde_json::json!({}));
    assert_eq!(
        serde_json::to_string(&reply).unwrap(),
        r#"{"id":1626969597470,"code":460,"data":{}}"#
    );
    let failed: Response =
        serde_json::from_str(r#"{"id":"9","code":6106,"data":{},"message":"too many"}"#).unwrap();
    assert_eq!(failed.code, AlinkCode::TOO_MANY_PROPERTIES);
    assert!(!failed.code.is_success());
    assert!(AlinkCode(6310).is_tsl_check());
    assert!(AlinkCode(100_500).is_device_defined());
    assert!(serde_json::from_str::<Request>(r#"{"id":-1,"params":{}}"#).is_err());
}

#[test]
fn code_overrides_and_model_sets() {
    let all = models();
    let (_, _, m) = all.iter().find(|(n, _, _)| n == "payload-device").unwrap();
    let post = m
        .property_post()
        .with_code(Rule::UnknownProperty, AlinkCode(6321));
    let e = post.validate(&serde_json::json!({"Speed": 1})).unwrap_err();
    assert_eq!(e.code, AlinkCode(6321));
    assert_eq!(post.code_for(Rule::Maximum), AlinkCode::PARAMETER_ERROR);
    // A model without a product key cannot join a set.
    let tsl = Tsl::from_json(r#"{"properties":[],"events":[],"services":[]}"#).unwrap();
    let mut set = iot_model::ModelSet::new();
    assert!(!set.insert(&CompiledModel::compile(&tsl).unwrap()));
    assert!(set.pack_post("a1GatewayPK").is_none());
    assert!(m.event_post("nope").is_none());
}

#[test]
fn numeric_edge_cases_agree_with_jsonschema() {
    let edges: Vec<Value> = [
        "1.0",
        "0.0",
        "-0.0",
        "2.0",
        "1e300",
        "-1e300",
        "2147483647.0",
        "2147483648",
        "-2147483649",
        "9999999999999",
        "10000000000000",
        "1.5e1",
        "18446744073709551615",
        "-9223372036854775808",
        "\"0001\"",
        "\"\"",
        "\"12345678901234\"",
        "86399",
        "86399.5",
        "true",
        "null",
    ]
    .iter()
    .map(|t| serde_json::from_str(t).unwrap())
    .collect();
    for (name, _, m) in models() {
        let mut validators = vec![m.property_post(), m.property_set()];
        if let Some(v) = m.service_input("SetWeight") {
            validators.push(v);
        }
        for v in validators {
            let p = peer(&v);
            for edge in &edges {
                for shape in [
                    "Mode",
                    "Readings",
                    "CountDown",
                    "Power",
                    "WF",
                    "temperature",
                    "NewWeight",
                ] {
                    let short = serde_json::json!({ shape: edge });
                    let nested = serde_json::json!({ shape: [edge] });
                    let member = serde_json::json!({ shape: {"IsRunning": edge, "TimeLeft": edge, "PowerSwitch": 0, "Timestamp": edge} });
                    let long = serde_json::json!({ shape: {"value": edge, "time": edge} });
                    for value in [short, nested, member, long] {
                        assert_eq!(v.is_valid(&value), p.is_valid(&value), "{name}: {value}");
                    }
                }
            }
        }
    }
}
