//! Property tests: merge and delta laws, size accounting, and "arbitrary input never panics".

use iot_shadow::json::{self, SizeRule, contains};
use iot_shadow::{
    DeviceSync, Dialect, Endpoint, EpochMillis, Object, SectionUpdate, ShadowDocument,
    UpdateRequest, alibaba, aws, azure, delta, merge_patch,
};
use proptest::prelude::*;
use serde_json::Value;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d", "é", "q\""]).prop_map(String::from)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-3i64..4).prop_map(Value::from),
        prop::sample::select(vec![0.5f64, -2.25, 1e21]).prop_map(Value::from),
        "[a-c\\n\"]{0,3}".prop_map(Value::from),
    ]
}

/// Values a stored section may hold: no nulls anywhere.
fn state_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn section() -> impl Strategy<Value = Object> {
    prop::collection::btree_map(key(), state_value(), 0..5).prop_map(|m| m.into_iter().collect())
}

/// Patches: like sections, plus `null` (delete) at any object position.
fn patch_value() -> impl Strategy<Value = Value> {
    prop_oneof![3 => scalar(), 1 => Just(Value::Null)].prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(scalar(), 0..3).prop_map(Value::from),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn patch() -> impl Strategy<Value = Object> {
    prop::collection::btree_map(key(), patch_value(), 0..5).prop_map(|m| m.into_iter().collect())
}

fn doc(desired: Option<Object>, reported: Option<Object>) -> ShadowDocument {
    ShadowDocument::with_state(desired, reported, 1, EpochMillis(1_000))
}

fn update(doc: &mut ShadowDocument, request: UpdateRequest, now: u64) {
    let mut d = Dialect::aws();
    d.set_max_state_size(None).set_max_depth(64);
    doc.apply_update(&request, &d, EpochMillis(now)).unwrap();
}

/// Leaf paths of a delta-like object with their values.
fn leaves(prefix: &str, map: &Object, out: &mut Vec<(String, Value)>) {
    for (k, v) in map {
        let path = format!("{prefix}/{k}");
        match v {
            Value::Object(sub) if !sub.is_empty() => leaves(&path, sub, out),
            other => out.push((path, other.clone())),
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn patch_applied_twice_equals_once(state in section(), p in patch()) {
        let mut once = Value::Object(state.clone());
        merge_patch(&mut once, &Value::Object(p.clone()));
        let mut twice = once.clone();
        merge_patch(&mut twice, &Value::Object(p.clone()));
        prop_assert_eq!(&once, &twice);

        // The shadow core agrees with RFC 7396 and is idempotent too.
        let mut d = doc(Some(state), None);
        update(&mut d, UpdateRequest::desired(p.clone()), 2_000);
        let core = d.desired().map(|o| Value::Object(o.clone()));
        prop_assert_eq!(Some(&once), core.as_ref());
        let before = d.desired().cloned();
        update(&mut d, UpdateRequest::desired(p), 3_000);
        prop_assert_eq!(before.as_ref(), d.desired());
    }

    #[test]
    fn patch_of_own_values_changes_nothing(state in section(), picks in prop::collection::vec(any::<bool>(), 6)) {
        let own: Object = state
            .iter()
            .zip(picks.iter().cycle())
            .filter(|(_, pick)| **pick)
            .map(|((k, v), _)| (k.clone(), v.clone()))
            .collect();
        let mut d = doc(Some(state.clone()), Some(state.clone()));
        update(&mut d, UpdateRequest::reported(own.clone()), 2_000);
        prop_assert_eq!(d.reported(), Some(&state));
        update(&mut d, UpdateRequest::desired(own), 3_000);
        prop_assert_eq!(d.desired(), Some(&state));
        prop_assert!(d.delta().is_empty());
    }

    #[test]
    fn delta_empty_exactly_when_desired_contained_in_reported(desired in section(), reported in section(), copy in any::<bool>()) {
        // Half the cases make reported a superset of desired, so both sides of the law occur.
        let mut reported = reported;
        if copy {
            for (k, v) in &desired {
                reported.insert(k.clone(), v.clone());
            }
        }
        let dl = delta(&desired, Some(&reported));
        let contained = contains(&Value::Object(reported.clone()), &Value::Object(desired.clone()));
        prop_assert_eq!(dl.is_empty(), contained);
        // Every delta entry is a desired value absent from or different in reported.
        let mut out = Vec::new();
        leaves("", &dl, &mut out);
        for (path, value) in out {
            let pointer_d = Value::Object(desired.clone());
            prop_assert_eq!(pointer_d.pointer(&path), Some(&value));
            let pointer_r = Value::Object(reported.clone());
            prop_assert!(pointer_r.pointer(&path).is_none_or(|r| !iot_shadow::json_eq(r, &value)));
        }
    }

    #[test]
    fn changed_delta_covers_every_new_difference(desired in section(), reported in section(), dp in patch(), rp in patch(), which in 0u8..3) {
        let mut d = doc(Some(desired), Some(reported));
        let old: Vec<_> = { let mut v = Vec::new(); leaves("", &d.delta(), &mut v); v };
        let request = match which {
            0 => UpdateRequest::desired(dp),
            1 => UpdateRequest::reported(rp),
            _ => UpdateRequest { desired: SectionUpdate::Merge(dp), reported: SectionUpdate::Merge(rp), ..UpdateRequest::default() },
        };
        let mut dialect = Dialect::aws();
        dialect.set_max_state_size(None).set_max_depth(64);
        let outcome = d.apply_update(&request, &dialect, EpochMillis(5_000)).unwrap();
        let full = d.delta();
        let mut changed = Vec::new();
        leaves("", &outcome.delta, &mut changed);
        let mut now = Vec::new();
        leaves("", &full, &mut now);
        // The changed part is part of the full delta...
        for entry in &changed {
            prop_assert!(now.contains(entry), "{entry:?} not in {full:?}");
        }
        // ...and whatever is in the full delta was either there before or is reported now.
        for entry in &now {
            prop_assert!(changed.contains(entry) || old.contains(entry), "{entry:?} appeared silently");
        }
    }

    #[test]
    fn sizes_match_serialization_and_merge(state in section(), p in patch()) {
        let bytes = serde_json::to_string(&Value::Object(state.clone())).unwrap().len();
        prop_assert_eq!(json::object_size(SizeRule::JsonBytes, &state), bytes);
        let mut merged = Value::Object(state.clone());
        merge_patch(&mut merged, &Value::Object(p.clone()));
        let merged = merged.as_object().unwrap();
        for rule in [SizeRule::JsonBytes, SizeRule::AzureTwin] {
            prop_assert_eq!(
                json::merged_object_size(rule, Some(&state), &p),
                json::object_size(rule, merged)
            );
        }
        prop_assert_eq!(json::merged_key_count(Some(&state), &p), merged.len());
    }

    #[test]
    fn rejected_update_leaves_document_unchanged(state in section(), p in patch(), max in 0usize..200) {
        let mut d = doc(Some(state), None);
        let before = d.clone();
        let mut dialect = Dialect::aws();
        dialect.set_max_state_size(Some(max));
        if d.apply_update(&UpdateRequest::desired(p), &dialect, EpochMillis(9_000)).is_err() {
            prop_assert_eq!(d, before);
        }
    }

    #[test]
    fn arbitrary_payloads_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), text in "\\PC{0,80}") {
        for payload in [bytes.as_slice(), text.as_bytes()] {
            for d in [Dialect::aws(), Dialect::alibaba(), Dialect::azure()] {
                let _ = aws::parse_update(payload, &d);
                let _ = aws::parse_simple(payload, &d);
                let _ = alibaba::parse_request(payload, &d);
                let _ = azure::parse_patch(payload, &d);
            }
            let mut device = DeviceSync::new(Endpoint::Aws { thing: "t".into(), shadow: None });
            let _ = device.handle_message(EpochMillis(0), "$aws/things/t/shadow/update/delta", payload, |d| Ok(d.clone()));
            let _ = device.handle_message(EpochMillis(0), "$aws/things/t/shadow/get/accepted", payload, |d| Ok(d.clone()));
            let mut device = DeviceSync::new(Endpoint::Azure);
            let _ = device.handle_message(EpochMillis(0), "$iothub/twin/PATCH/properties/desired/?$version=3", payload, |d| Ok(d.clone()));
        }
        let _ = aws::Topic::parse(&text);
        let _ = alibaba::Topic::parse(&text);
        let _ = azure::Topic::parse(&text);
        let _ = azure::ETag::parse_if_match(&text);
    }

    #[test]
    fn structured_requests_never_panic(desired in patch(), reported in patch(), version in -3i64..5, token in "[a-z]{0,70}") {
        let request = serde_json::json!({
            "state": {"desired": desired, "reported": reported},
            "version": version,
            "clientToken": token,
        });
        let payload = serde_json::to_vec(&request).unwrap();
        for d in [Dialect::aws(), Dialect::alibaba(), Dialect::azure()] {
            let mut doc = ShadowDocument::new();
            if let Ok(r) = aws::parse_update(&payload, &d) {
                let _ = doc.apply_update(&r, &d, EpochMillis(1));
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn streamed_documents_equal_built_documents(desired in section(), reported in section(), p in patch()) {
        let previous = doc(Some(desired), Some(reported));
        let mut current = previous.clone();
        update(&mut current, UpdateRequest::desired(p), 7_000);
        let built = aws::update_documents(&previous, &current, EpochMillis(8_000), Some("t\"1"));
        let bytes = aws::update_documents_bytes(
            Some(&aws::snapshot_bytes(&previous)),
            &current,
            EpochMillis(8_000),
            Some("t\"1"),
        );
        let streamed: Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(built, streamed);
        for style in [iot_shadow::MetaStyle::Timestamp, iot_shadow::MetaStyle::Azure { versions: true }] {
            for s in [iot_shadow::Section::Desired, iot_shadow::Section::Reported] {
                let view = current.metadata_view(s, style).map(|v| serde_json::to_value(v).unwrap());
                prop_assert_eq!(view, current.metadata(s, style));
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn remembered_sizes_match_measured_sizes(start in section(), patches in prop::collection::vec((patch(), any::<bool>()), 1..6)) {
        let mut d = doc(Some(start.clone()), Some(start));
        let mut dialect = Dialect::aws();
        dialect.set_max_state_size(Some(1 << 20)).set_max_depth(64);
        for (i, (p, desired)) in patches.into_iter().enumerate() {
            let request = if desired { UpdateRequest::desired(p) } else { UpdateRequest::reported(p) };
            d.apply_update(&request, &dialect, EpochMillis(10_000 + i as u64)).unwrap();
            let (rule, ds, rs) = d.cached_section_sizes().unwrap();
            prop_assert_eq!((ds, rs), d.section_sizes(rule));
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn storage_format_round_trips(desired in section(), reported in section(), p in patch(), deleted in any::<bool>()) {
        let mut d = doc(Some(desired), Some(reported));
        update(&mut d, UpdateRequest::reported(p), 4_000);
        if deleted {
            d.delete(None, &Dialect::aws(), EpochMillis(5_000)).unwrap();
        }
        let stored = serde_json::to_vec(&d).unwrap();
        let back: ShadowDocument = serde_json::from_slice(&stored).unwrap();
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(
            aws::snapshot(&back),
            aws::snapshot(&d)
        );
    }
}
