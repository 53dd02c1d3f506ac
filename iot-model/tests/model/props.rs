//! Property tests: generated models and payloads, single mutations, agreement with
//! `jsonschema`, and "arbitrary input never panics".

use iot_model::tsl::{CallType, EventType};
use iot_model::{
    AccessMode, CompiledModel, DataType, Param, Rule, Topic, Tsl, TslBuilder, Validator,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::{agree, peer};

/// A generated data type and a recipe for valid values.
#[derive(Debug, Clone)]
enum Gen {
    Int { min: i32, max: i32, step: i32 },
    Float { min: i32, max: i32 },
    Double { min: i32, max: i32 },
    Text { len: u32 },
    Date,
    Bool,
    Enum { keys: Vec<i32> },
    Struct(Vec<Gen>),
    Array { size: u32, item: Box<Gen> },
}

fn scalar() -> impl Strategy<Value = Gen> {
    prop_oneof![
        (-1000i32..1000, 1i32..2000, 1i32..20).prop_map(|(min, span, step)| {
            let step = step.min(span);
            Gen::Int {
                min,
                max: min + span,
                step,
            }
        }),
        (-1000i32..1000, 1i32..2000).prop_map(|(min, span)| Gen::Float {
            min,
            max: min + span
        }),
        (-1000i32..1000, 1i32..2000).prop_map(|(min, span)| Gen::Double {
            min,
            max: min + span
        }),
        (1u32..40).prop_map(|len| Gen::Text { len }),
        Just(Gen::Date),
        Just(Gen::Bool),
        prop::collection::btree_set(-50i32..50, 1..5).prop_map(|k| Gen::Enum {
            keys: k.into_iter().collect()
        }),
    ]
}

fn data_gen() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(scalar(), 1..4).prop_map(Gen::Struct),
        1 => (1u32..5, prop_oneof![
                scalar().prop_filter("array item", |g| matches!(g, Gen::Int{..} | Gen::Float{..} | Gen::Double{..} | Gen::Text{..})),
                prop::collection::vec(scalar(), 1..3).prop_map(Gen::Struct),
             ])
            .prop_map(|(size, item)| Gen::Array { size, item: Box::new(item) }),
    ]
}

fn data_type(g: &Gen) -> DataType {
    match g {
        Gen::Int { min, max, step } => DataType::int(*min, *max, *step),
        Gen::Float { min, max } => DataType::float(&min.to_string(), &max.to_string(), "0.01"),
        Gen::Double { min, max } => DataType::double(&min.to_string(), &max.to_string(), "0.5"),
        Gen::Text { len } => DataType::text(*len),
        Gen::Date => DataType::date(),
        Gen::Bool => DataType::bool("off", "on"),
        Gen::Enum { keys } => DataType::enumeration(keys.iter().map(|k| (*k, format!("k{k}")))),
        Gen::Struct(members) => DataType::Struct(
            members
                .iter()
                .enumerate()
                .map(|(i, m)| Param::new(format!("m{i}"), format!("member {i}"), data_type(m)))
                .collect(),
        ),
        Gen::Array { size, item } => DataType::array(*size, data_type(item)),
    }
}

/// A valid value for `g`, chosen by `seed`.
fn valid(g: &Gen, seed: u64) -> Value {
    let pick = |n: u64| if n == 0 { 0 } else { seed % n };
    match g {
        Gen::Int { min, max, step } => {
            let (min, max, step) = (i64::from(*min), i64::from(*max), i64::from(*step));
            let first =
                min.div_euclid(step) * step + if min.rem_euclid(step) == 0 { 0 } else { step };
            let count = (max - first) / step + 1;
            json!(first + step * i64::try_from(pick(u64::try_from(count).unwrap())).unwrap())
        }
        Gen::Float { min, max } | Gen::Double { min, max } => {
            let frac = (seed % 1000) as f64 / 1000.0;
            json!(f64::from(*min) + (f64::from(*max) - f64::from(*min)) * frac)
        }
        Gen::Text { len } => {
            let n = pick(u64::from(*len) + 1) as usize;
            json!("é".repeat(n))
        }
        Gen::Date => {
            if seed.is_multiple_of(2) {
                json!((seed % 10_000_000_000_000).to_string())
            } else {
                json!(seed % 10_000_000_000_000)
            }
        }
        Gen::Bool => json!(seed % 2),
        Gen::Enum { keys } => json!(keys[pick(keys.len() as u64) as usize]),
        Gen::Struct(members) => Value::Object(
            members
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("m{i}"), valid(m, seed.rotate_left(7) ^ i as u64)))
                .collect(),
        ),
        Gen::Array { size, item } => {
            let n = pick(u64::from(*size) + 1);
            Value::Array(
                (0..n)
                    .map(|i| valid(item, seed.wrapping_add(i * 31)))
                    .collect(),
            )
        }
    }
}

/// A single mutation of a valid value that must be rejected, with the relative path and rule.
fn mutate(g: &Gen, seed: u64) -> (Value, String, Rule) {
    use iot_model::Expected;
    match g {
        Gen::Int { max, step, .. } => {
            if *step > 1 && seed.is_multiple_of(2) {
                // One past a multiple of the step (within the i32 range).
                let v = i64::from(*max) - i64::from(*max).rem_euclid(i64::from(*step)) + 1;
                if v <= i64::from(*max) {
                    return (json!(v), String::new(), Rule::Step);
                }
            }
            (json!(i64::from(*max) + 1), String::new(), Rule::Maximum)
        }
        Gen::Float { max, .. } | Gen::Double { max, .. } => {
            (json!(f64::from(*max) + 0.5), String::new(), Rule::Maximum)
        }
        Gen::Text { len } => (
            json!("x".repeat(*len as usize + 1)),
            String::new(),
            Rule::MaxLength,
        ),
        Gen::Date => (json!("12:00"), String::new(), Rule::DateFormat),
        Gen::Bool => (json!(2), String::new(), Rule::Enum),
        Gen::Enum { .. } => (
            json!("1"),
            String::new(),
            Rule::Type {
                expected: Expected::Integer,
            },
        ),
        Gen::Struct(members) => {
            let mut v = valid(g, seed);
            let i = (seed % members.len() as u64) as usize;
            v.as_object_mut().unwrap().remove(&format!("m{i}"));
            (v, format!("/m{i}"), Rule::MissingMember)
        }
        Gen::Array { item, size } => {
            let (bad, path, rule) = mutate(item, seed);
            if *size >= 2 {
                (
                    Value::Array(vec![valid(item, seed), bad]),
                    format!("/1{path}"),
                    rule,
                )
            } else {
                (Value::Array(vec![bad]), format!("/0{path}"), rule)
            }
        }
    }
}

fn model(gens: &[Gen]) -> Tsl {
    let mut b = TslBuilder::new("a1PropPK");
    for (i, g) in gens.iter().enumerate() {
        let access = if i % 3 == 2 {
            AccessMode::ReadOnly
        } else {
            AccessMode::ReadWrite
        };
        b.property(
            format!("p{i}"),
            format!("property {i}"),
            access,
            data_type(g),
        );
    }
    let params: Vec<Param> = gens
        .iter()
        .enumerate()
        .map(|(i, g)| Param::new(format!("p{i}"), "x", data_type(g)))
        .collect();
    b.event("ev", "event", EventType::Info, params.clone());
    b.service("svc", "service", CallType::Sync, params.clone(), params);
    b.standard_members(true);
    b.build().unwrap()
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z0-9é]{0,6}".prop_map(Value::from),
        prop_oneof![
            Just("p0"),
            Just("p1"),
            Just("value"),
            Just("time"),
            Just("m0")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("p0".to_owned()),
                    Just("p1".to_owned()),
                    Just("p2".to_owned()),
                    Just("value".to_owned()),
                    Just("time".to_owned()),
                    Just("m0".to_owned()),
                    "[a-z]{1,3}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn validators(m: &CompiledModel) -> Vec<Validator> {
    vec![
        m.property_post(),
        m.property_set(),
        m.event_post("ev").unwrap(),
        m.service_input("svc").unwrap(),
        m.service_output("svc").unwrap(),
        m.service_input("get").unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_valid_payloads_are_accepted(gens in prop::collection::vec(data_gen(), 1..6), seed in any::<u64>()) {
        let tsl = model(&gens);
        let m = CompiledModel::compile(&tsl).unwrap();
        let post = m.property_post();
        let set = m.property_set();
        let peer_post = peer(&post);
        let mut short = Map::new();
        let mut long = Map::new();
        let mut set_params = Map::new();
        for (i, g) in gens.iter().enumerate() {
            let v = valid(g, seed.wrapping_add(i as u64));
            long.insert(format!("p{i}"), json!({"value": v.clone(), "time": 1_524_448_722_000u64}));
            if i % 3 != 2 {
                set_params.insert(format!("p{i}"), v.clone());
            }
            short.insert(format!("p{i}"), v);
        }
        for params in [Value::Object(short.clone()), Value::Object(long)] {
            prop_assert!(post.is_valid(&params), "{:?}", post.validate(&params));
            agree(&post, &peer_post, &params);
        }
        let set_params = Value::Object(set_params);
        prop_assert!(set.is_valid(&set_params), "{:?}", set.validate(&set_params));
        let event = json!({"value": Value::Object(short.clone()), "time": 5});
        prop_assert!(m.event_post("ev").unwrap().is_valid(&event));
        prop_assert!(m.service_input("svc").unwrap().is_valid(&Value::Object(short.clone())));
        // The JSON text of the model round-trips.
        prop_assert_eq!(Tsl::from_json(&tsl.to_json()).unwrap(), tsl);
    }

    #[test]
    fn single_mutations_are_rejected_at_their_path(gens in prop::collection::vec(data_gen(), 1..5), seed in any::<u64>(), which in any::<prop::sample::Index>()) {
        let tsl = model(&gens);
        let m = CompiledModel::compile(&tsl).unwrap();
        let post = m.property_post();
        let peer_post = peer(&post);
        let target = which.index(gens.len());
        let mut params = Map::new();
        for (i, g) in gens.iter().enumerate() {
            params.insert(format!("p{i}"), valid(g, seed.wrapping_add(i as u64)));
        }
        let (bad, rel, rule) = mutate(&gens[target], seed);
        params.insert(format!("p{target}"), bad);
        let params = Value::Object(params);
        let err = post.validate(&params).unwrap_err();
        prop_assert_eq!(err.path, format!("/p{target}{rel}"));
        prop_assert_eq!(err.rule, rule);
        prop_assert_eq!(err.code.0, 460);
        prop_assert!(!post.is_valid(&params));
        agree(&post, &peer_post, &params);
        // Filtering drops exactly the mutated property.
        let f = post.filter(&params).unwrap();
        prop_assert_eq!(f.kept.len(), gens.len() - 1);
        prop_assert_eq!(f.dropped.len(), 1);
        // A wrong JSON type anywhere is a Type error.
        let mut typed = params.as_object().unwrap().clone();
        typed.insert(format!("p{target}"), json!([[]]));
        let typed = Value::Object(typed);
        let e = post.validate(&typed).unwrap_err();
        let type_or_date = matches!(e.rule, Rule::Type { .. } | Rule::MaxItems);
        prop_assert!(type_or_date || matches!(gens[target], Gen::Array { .. }), "{:?}", e);
    }

    #[test]
    fn validators_and_jsonschema_agree_on_arbitrary_values(gens in prop::collection::vec(data_gen(), 1..4), values in prop::collection::vec(arb_json(), 1..16)) {
        let m = CompiledModel::compile(&model(&gens)).unwrap();
        for v in validators(&m) {
            let p = peer(&v);
            for value in &values {
                agree(&v, &p, value);
                // The three entry points agree with each other.
                let errors: Vec<_> = v.iter_errors(value).collect();
                prop_assert_eq!(v.is_valid(value), errors.is_empty());
                prop_assert_eq!(v.validate(value).err(), errors.first().cloned());
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Tsl::from_json(&text);
        let _ = Topic::parse(&text);
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            let _ = iot_model::wot::from_thing_model(&v);
        }
        let m = CompiledModel::compile(&model(&[Gen::Bool])).unwrap();
        let _ = m.property_post().validate_slice(&bytes);
    }

    #[test]
    fn arbitrary_models_never_panic(value in arb_json()) {
        if let Ok(tsl) = serde_json::from_value::<Tsl>(value.clone()) {
            let _ = tsl.check();
            let _ = iot_model::wot::to_thing_model(&tsl);
            if let Ok(m) = CompiledModel::compile(&tsl) {
                let _ = m.property_post().is_valid(&value);
            }
        }
        let _ = iot_model::wot::from_thing_model(&value);
    }

    #[test]
    fn topics_round_trip(pk in "[A-Za-z0-9]{1,12}", dn in "[A-Za-z0-9_.-]{1,16}", id in "[A-Za-z][A-Za-z0-9]{0,10}") {
        use iot_model::TopicKind;
        let kinds = [
            TopicKind::PropertyPost,
            TopicKind::EventPost { event: &id },
            TopicKind::ServiceInvoke { service: &id },
            TopicKind::ServiceInvokeSync { rrpc_id: "42", service: &id },
            TopicKind::RrpcRequest { message_id: &id },
            TopicKind::CombineBatchLogin,
            TopicKind::OtaProgress,
            TopicKind::ShadowGet,
        ];
        for kind in kinds {
            let Ok(t) = Topic::new(&pk, &dn, kind) else { continue };
            let text = t.to_string();
            prop_assert_eq!(Topic::parse(&text).unwrap(), t);
            if let Some(r) = t.reply_topic() {
                let rtext = r.to_string();
                prop_assert_eq!(Topic::parse(&rtext).unwrap(), r);
            }
        }
    }
}
