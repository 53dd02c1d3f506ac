//! Topic module: conformance vectors from `testdata/topic/`, table-driven tests of filter
//! relations, and property tests of the trie against a linear scan.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::path::PathBuf;

use iot_protocol::topic::{
    TopicError, TopicTree, filter_covers, filters_overlap, matches, parse_shared,
    validate_topic_filter, validate_topic_name,
};
use proptest::prelude::*;

fn testdata(file: &str) -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/topic")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse().unwrap()
}

fn vectors(file: &str) -> Vec<toml::Table> {
    let table = testdata(file);
    let list = table["vector"].as_array().unwrap();
    assert!(!list.is_empty(), "{file} holds no vectors");
    list.iter()
        .map(|v| {
            let t = v.as_table().unwrap().clone();
            assert!(
                t.contains_key("source"),
                "vector {:?} names no source",
                t.get("name")
            );
            t
        })
        .collect()
}

fn error_name(e: TopicError) -> String {
    let debug = format!("{e:?}");
    debug.split([' ', '{', '(']).next().unwrap().to_string()
}

#[test]
fn validation_vectors() {
    for v in vectors("validation.toml") {
        let name = v["name"].as_str().unwrap();
        let topic = match v.get("topic_repeat") {
            Some(rep) => {
                let rep = rep.as_array().unwrap();
                rep[0]
                    .as_str()
                    .unwrap()
                    .repeat(rep[1].as_integer().unwrap() as usize)
            }
            None => v["topic"].as_str().unwrap().to_string(),
        };
        let result = match v["kind"].as_str().unwrap() {
            "name" => validate_topic_name(&topic),
            "filter" => validate_topic_filter(&topic),
            other => panic!("{name}: unknown kind {other}"),
        };
        match v.get("error") {
            Some(expected) => {
                let err = result.expect_err(name);
                assert_eq!(error_name(err), expected.as_str().unwrap(), "{name}");
            }
            None => {
                assert!(v["valid"].as_bool().unwrap());
                assert_eq!(result, Ok(()), "{name}");
            }
        }
    }
}

#[test]
fn matching_vectors() {
    for v in vectors("matching.toml") {
        let name = v["name"].as_str().unwrap();
        let filter = v["filter"].as_str().unwrap();
        let topic = v["topic"].as_str().unwrap();
        let expected = v["matches"].as_bool().unwrap();
        validate_topic_filter(filter).unwrap_or_else(|e| panic!("{name}: filter {e}"));
        validate_topic_name(topic).unwrap_or_else(|e| panic!("{name}: topic {e}"));
        assert_eq!(
            matches(filter, topic),
            expected,
            "{name}: {filter} vs {topic}"
        );

        // The trie must agree with the function.
        let mut tree = TopicTree::new();
        tree.insert(filter, ()).unwrap();
        assert_eq!(
            tree.matches(topic).count(),
            usize::from(expected),
            "{name} (tree)"
        );
        assert_eq!(tree.has_match(topic), expected, "{name} (tree)");
    }
}

#[test]
fn covers_table() {
    let cases = [
        // (outer, inner, covers)
        ("#", "a/b", true),
        ("#", "#", true),
        ("#", "$SYS/#", false),
        ("+/#", "$aws/things/x", false),
        ("$SYS/#", "$SYS/+", true),
        ("a/#", "a", true),
        ("a/#", "a/#", true),
        ("a/#", "a/+/c", true),
        ("a/+", "a/#", false),
        ("a/+", "a/b", true),
        ("a/+", "a/+", true),
        ("a/+", "a", false),
        ("a/b", "a/+", false),
        ("a/b", "a/b", true),
        ("a/b/c", "a/b", false),
        ("a/b", "a/b/c", false),
        ("/sys/pk/dev1/#", "/sys/pk/dev1/thing/event/+/post", true),
        ("/sys/pk/dev1/#", "/sys/+/+/thing/#", false),
        ("/sys/pk/dev1/#", "/sys/pk/+/thing/#", false),
        ("/sys/pk/dev1/#", "#", false),
        ("+/+", "/x", true),
    ];
    for (outer, inner, expected) in cases {
        assert_eq!(
            filter_covers(outer, inner),
            expected,
            "{outer} covers {inner}"
        );
    }
}

#[test]
fn overlap_table() {
    let cases = [
        ("#", "a", true),
        ("#", "$SYS/x", false),
        ("+/x", "$SYS/x", false),
        ("$SYS/#", "$SYS/+", true),
        ("a/#", "a", true),
        ("a/+", "a", false),
        ("a/+", "+/b", true),
        ("a/+/c", "a/b/d", false),
        ("/sys/pk/dev1/#", "/sys/pk/dev2/#", false),
        ("/sys/+/dev2/#", "/sys/pk/+/thing/event", true),
        ("a/b", "a/b", true),
        ("a/b", "a/b/c", false),
        ("+", "+", true),
        ("#", "#", true),
    ];
    for (a, b, expected) in cases {
        assert_eq!(filters_overlap(a, b), expected, "{a} overlaps {b}");
        assert_eq!(filters_overlap(b, a), expected, "{b} overlaps {a}");
    }
}

#[test]
fn shared_subscriptions() {
    let s = parse_shared("$share/g1/a/+/c").unwrap().unwrap();
    assert_eq!((s.group, s.filter), ("g1", "a/+/c"));
    assert_eq!(parse_shared("a/b"), Ok(None));
    assert_eq!(
        parse_shared("$share/g/"),
        Err(TopicError::SharedFilterMissing)
    );
    let mut tree = TopicTree::new();
    assert_eq!(
        tree.insert("$share/g/a", 1),
        Err(TopicError::SharedSubscriptionNotStripped)
    );
    tree.insert(s.filter, 1).unwrap();
    assert_eq!(tree.matches("a/b/c").count(), 1);
}

#[test]
fn tree_insert_remove_and_levels_limit() {
    let mut tree = TopicTree::new();
    tree.insert("a/b", 1).unwrap();
    tree.insert("a/b", 2).unwrap();
    tree.insert("a/+", 3).unwrap();
    tree.insert("a/#", 4).unwrap();
    tree.insert("#", 5).unwrap();
    assert_eq!(tree.len(), 5);
    let mut hit: Vec<_> = tree.matches("a/b").copied().collect();
    hit.sort();
    assert_eq!(hit, [1, 2, 3, 4, 5]);
    assert_eq!(tree.remove("a/b", &1), 1);
    assert_eq!(tree.remove("a/b", &1), 0);
    assert_eq!(tree.remove_if("a/#", |_| true), 1);
    assert_eq!(tree.remove_if("x/y", |_| true), 0);
    assert_eq!(tree.remove_if("a/+", |_| true), 1);
    assert_eq!(tree.remove_if("a/b", |_| true), 1);
    assert_eq!(tree.remove_if("#", |_| true), 1);
    assert!(tree.is_empty());
    assert_eq!(tree.matches("a/b").count(), 0);

    let deep = vec!["x"; 200].join("/");
    assert_eq!(
        tree.insert(&deep, 0),
        Err(TopicError::TooManyLevels {
            levels: 200,
            max: 128
        })
    );
    tree.set_max_levels(256);
    tree.insert(&deep, 0).unwrap();
    assert_eq!(tree.matches(&deep).count(), 1);
    // A very deep name is matched iteratively, without recursion.
    let deeper = vec!["x"; 30_000].join("/");
    assert_eq!(tree.matches(&deeper).count(), 0);
    tree.insert("#", 1).unwrap();
    assert_eq!(tree.matches(&deeper).count(), 1);
    assert_eq!(
        tree.insert("a/#/b", 1),
        Err(TopicError::MisplacedMultiLevelWildcard)
    );
}

// --- property tests -------------------------------------------------------------------------

/// Filters over a small alphabet so that relations are often true.
fn filter_strategy() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(vec!["a", "b", "$s", "+", ""]), 1..4),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str("/#");
            }
            f
        })
        .prop_filter("valid", |f| validate_topic_filter(f).is_ok())
        .boxed()
        .prop_union(Just("#".to_string()).boxed())
        .boxed()
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "$s", "", "z"]), 1..6)
        .prop_map(|levels| levels.join("/"))
        .prop_filter("valid", |n| validate_topic_name(n).is_ok())
}

/// Every topic name over {a, b, $s, "", z} with up to `depth` levels.
fn all_names(depth: usize) -> Vec<String> {
    let alphabet = ["a", "b", "$s", "", "z"];
    let mut out = Vec::new();
    let mut layer: Vec<String> = alphabet.iter().map(|s| s.to_string()).collect();
    for _ in 0..depth {
        out.extend(layer.iter().filter(|n| !n.is_empty()).cloned());
        layer = layer
            .iter()
            .flat_map(|p| alphabet.iter().map(move |s| format!("{p}/{s}")))
            .collect();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tree_agrees_with_linear_scan(
        filters in prop::collection::vec(filter_strategy(), 0..40),
        names in prop::collection::vec(name_strategy(), 1..20),
    ) {
        let mut tree = TopicTree::new();
        for (i, f) in filters.iter().enumerate() {
            tree.insert(f, i).unwrap();
        }
        for n in &names {
            let mut got: Vec<usize> = tree.matches(n).copied().collect();
            got.sort_unstable();
            let want: Vec<usize> = filters
                .iter()
                .enumerate()
                .filter(|(_, f)| matches(f, n))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(got, want, "name {}", n);
        }
        // Removing everything leaves an empty tree.
        for (i, f) in filters.iter().enumerate() {
            prop_assert_eq!(tree.remove(f, &i), 1);
        }
        prop_assert!(tree.is_empty());
        prop_assert_eq!(tree.matches("a/b").count(), 0);
    }

    #[test]
    fn covers_and_overlap_agree_with_enumeration(a in filter_strategy(), b in filter_strategy()) {
        let names = all_names(5);
        let covers = names.iter().all(|n| !matches(&b, n) || matches(&a, n));
        let overlap = names.iter().any(|n| matches(&a, n) && matches(&b, n));
        prop_assert_eq!(filter_covers(&a, &b), covers, "{} covers {}", a, b);
        prop_assert_eq!(filters_overlap(&a, &b), overlap, "{} overlaps {}", a, b);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in ".{0,40}", t in "[a-z/+#$]{0,12}") {
        let _ = validate_topic_name(&s);
        let _ = validate_topic_filter(&s);
        let _ = parse_shared(&s);
        let _ = matches(&s, &t);
        let _ = matches(&t, &s);
        let _ = filter_covers(&s, &t);
        let _ = filters_overlap(&t, &s);
        let mut tree = TopicTree::new();
        let _ = tree.insert(&s, 0u8);
        let _ = tree.matches(&t).count();
        let _ = tree.remove_if(&s, |_| true);
    }
}
