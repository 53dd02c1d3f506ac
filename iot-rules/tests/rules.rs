//! Conformance vectors from `testdata/rules/`, parser errors, rule sets, sinks and properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use iot_rules::{
    Action, CompileError, Dialect, Dispatch, FixedOffset, MemorySink, Message, ParseErrorKind,
    Rule, RuleOptions, RuleSet, Sinks, UnixMillis, Value,
};

fn testdata(file: &str) -> Vec<toml::Table> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/rules")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let vectors = doc["vector"].as_array().unwrap();
    vectors
        .iter()
        .map(|v| {
            let t = v.as_table().unwrap().clone();
            assert!(t.contains_key("source"), "vector without source: {t:?}");
            t
        })
        .collect()
}

fn dialect(t: &toml::Table) -> Dialect {
    match t.get("dialect").and_then(|d| d.as_str()).unwrap_or("aws") {
        "alibaba" => Dialect::Alibaba,
        "aws" => Dialect::Aws,
        "emqx" => Dialect::Emqx,
        other => panic!("unknown dialect {other}"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

fn variant(e: &CompileError) -> &'static str {
    match e {
        CompileError::Parse(_) => "Parse",
        CompileError::UnknownFunction(_) => "UnknownFunction",
        CompileError::Arity { .. } => "Arity",
        CompileError::ArgumentType { .. } => "ArgumentType",
        CompileError::InvalidArgument { .. } => "InvalidArgument",
        CompileError::MisplacedStar => "MisplacedStar",
        CompileError::OperandType { .. } => "OperandType",
        _ => "other",
    }
}

#[test]
fn statement_vectors() {
    let vectors = testdata("statements.toml");
    assert!(vectors.len() >= 25);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let sql = v["sql"].as_str().unwrap();
        let mut opts = RuleOptions::new(dialect(&v));
        opts.time_zone(FixedOffset::parse("Asia/Shanghai").unwrap());
        let compiled = opts.compile(sql);
        if let Some(err) = v.get("error") {
            let e = compiled.expect_err(name);
            assert_eq!(variant(&e), err.as_str().unwrap(), "{name}: {e}");
            continue;
        }
        let rule = compiled.unwrap_or_else(|e| panic!("{name}: {e}"));
        let payload = match (v.get("payload"), v.get("payload_hex")) {
            (Some(p), _) => p.as_str().unwrap().as_bytes().to_vec(),
            (None, Some(h)) => hex(h.as_str().unwrap()),
            _ => panic!("{name}: no payload"),
        };
        let attrs: HashMap<String, String> = v
            .get("attributes")
            .map(|a| {
                a.as_table()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let lookup = move |k: &str| attrs.get(k).map(|s| Value::from(s.as_str()));
        let ts = v.get("timestamp").map_or(0, |t| t.as_integer().unwrap());
        let mut msg = Message::new(v["topic"].as_str().unwrap(), &payload, UnixMillis(ts))
            .with_attributes(&lookup);
        let s = |k: &str| v.get(k).map(|x| x.as_str().unwrap());
        msg.client_id = s("client_id");
        msg.product_key = s("product_key");
        msg.device_name = s("device_name");
        msg.message_id = s("message_id");
        let props = v
            .get("properties")
            .map(|p| Value::from_json_slice(p.as_str().unwrap().as_bytes()).unwrap());
        msg.properties = props.as_ref();
        let got: Vec<String> = rule
            .evaluate(&msg)
            .iter()
            .map(Value::to_json_string)
            .collect();
        let want: Vec<&str> = v["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        assert_eq!(got.len(), want.len(), "{name}: got {got:?}");
        for (g, w) in got.iter().zip(&want) {
            if w.is_empty() {
                assert!(g.is_empty(), "{name}: {g}");
            } else {
                assert_eq!(json(g), json(w), "{name}");
            }
        }
        // The rule's printed form compiles to a rule with the same outputs.
        let printed = rule.statement().to_string();
        let again = opts
            .compile(&printed)
            .unwrap_or_else(|e| panic!("{name}: {printed}: {e}"));
        let got2: Vec<String> = again
            .evaluate(&msg)
            .iter()
            .map(Value::to_json_string)
            .collect();
        assert_eq!(got, got2, "{name}: printed {printed}");
    }
}

#[test]
fn function_and_operator_vectors() {
    let vectors = testdata("functions.toml");
    assert!(vectors.len() >= 150);
    let default_payload = r#"{"arr":[10,20],"obj":{"my-key":"v"}}"#;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let expr = v["expr"].as_str().unwrap();
        let sql = format!("SELECT {expr} AS r FROM 't/#'");
        let mut opts = RuleOptions::new(dialect(&v));
        opts.time_zone(FixedOffset::parse("Asia/Shanghai").unwrap());
        let rule = opts.compile(&sql).unwrap_or_else(|e| panic!("{name}: {e}"));
        let payload = v
            .get("payload")
            .map_or(default_payload, |p| p.as_str().unwrap());
        let tags = |k: &str| (k == "tag").then(|| Value::from("v"));
        let msg = Message::new("t/pk/dn", payload.as_bytes(), UnixMillis(1_520_000_000_000))
            .with_client_id("c1")
            .with_username("u1")
            .with_qos(1)
            .with_device("pk", "dn")
            .with_message_id("m1")
            .with_attributes(&tags);
        let out = rule.evaluate(&msg);
        assert_eq!(out.len(), 1, "{name}");
        let r = out[0].get("r");
        match v.get("expected") {
            None => assert!(r.is_none(), "{name}: expected Undefined, got {r:?}"),
            Some(e) => {
                let r = r.unwrap_or_else(|| panic!("{name}: got Undefined"));
                let want = json(e.as_str().unwrap());
                let got = r.to_serde_json().unwrap();
                if let (Some(g), Some(w)) = (got.as_f64(), want.as_f64())
                    && got.is_f64()
                {
                    // Transcendental functions may differ from the documented value by an ulp
                    // between libm implementations.
                    assert!(
                        (g - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0),
                        "{name}: {g} vs {w}"
                    );
                } else {
                    assert_eq!(got, want, "{name}");
                }
                // Integers and decimals are kept apart.
                assert_eq!(got.is_f64(), want.is_f64(), "{name}: {got} vs {want}");
            }
        }
    }
}

#[test]
fn every_builtin_has_a_vector() {
    let exprs: Vec<String> = testdata("functions.toml")
        .iter()
        .map(|v| v["expr"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    for f in iot_rules::builtin_functions() {
        let call = format!("{f}(");
        assert!(
            exprs.iter().any(|e| e.contains(&call)),
            "no vector calls `{f}`"
        );
    }
}

#[test]
fn parse_errors_are_located() {
    let cases: &[(&str, u32, u32, &str)] = &[
        ("SELECT a FROM", 1, 14, "a quoted topic filter"),
        ("SELECT a,\n  FROM 't'", 2, 3, "an expression"),
        ("SELECT a FROM 't' WHERE", 1, 24, "an expression"),
        ("SELECT (a FROM 't'", 1, 11, "`)`"),
        ("SELECT a b FROM 't'", 1, 10, "`,`, `AS` or `FROM`"),
        (
            "SELECT CASE WHEN a THEN b FROM 't'",
            1,
            27,
            "`WHEN`, `ELSE` or `END`",
        ),
        ("SELECT a FROM 't' extra", 1, 19, "end of the statement"),
        ("UPDATE x", 1, 1, "`SELECT` or `FOREACH`"),
        (
            "SELECT a IS 5 FROM 't'",
            1,
            13,
            "`NULL` or `NOT NULL` after `IS`",
        ),
    ];
    for (sql, line, column, expected) in cases {
        let e = iot_rules::parse(sql, Dialect::Aws).unwrap_err();
        assert_eq!(
            (e.location.line, e.location.column),
            (*line, *column),
            "{sql}: {e}"
        );
        match &e.kind {
            ParseErrorKind::Unexpected { expected: x, .. } => assert_eq!(x, expected, "{sql}"),
            k => panic!("{sql}: {k:?}"),
        }
    }
    let e = iot_rules::parse("SELECT 'abc FROM 't'", Dialect::Aws).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::UnterminatedString);
    let e = iot_rules::parse("SELECT a /* note\n FROM 't'", Dialect::Aws).unwrap_err();
    assert_eq!(
        (e.kind, e.location.column),
        (ParseErrorKind::UnterminatedComment, 10)
    );
    let e = iot_rules::parse("SELECT '\\u12' FROM 't'", Dialect::Aws).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidEscape('u'));
    let ok = iot_rules::parse("SELECT a -- trailing\n, b /* x */ FROM 't'", Dialect::Aws).unwrap();
    assert_eq!(ok.to_string(), "SELECT a, b FROM 't'");
    let e = iot_rules::parse("SELECT a FROM 'a/#/b'", Dialect::Aws).unwrap_err();
    assert!(
        matches!(e.kind, ParseErrorKind::InvalidTopicFilter { .. }),
        "{e}"
    );
    let e = iot_rules::parse("SELECT a FROM '$share/g/t/#'", Dialect::Aws).unwrap_err();
    assert!(
        matches!(e.kind, ParseErrorKind::InvalidTopicFilter { .. }),
        "{e}"
    );
    let deep_topic = format!("SELECT a FROM '{}'", vec!["x"; 200].join("/"));
    assert!(iot_rules::parse(&deep_topic, Dialect::Aws).is_ok());
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(Rule::new("deep", &deep_topic));
    assert!(matches!(
        b.build(),
        Err(iot_rules::RuleSetError::TopicFilter { .. })
    ));
    let e = iot_rules::parse("FOREACH a FROM 't'", Dialect::Aws).unwrap_err();
    assert!(
        matches!(e.kind, ParseErrorKind::NotInDialect("FOREACH", "AWS")),
        "{e}"
    );
    let deep = format!("SELECT {}1{} FROM 't'", "(".repeat(500), ")".repeat(500));
    let e = iot_rules::parse(&deep, Dialect::Aws).unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::TooDeep(_)), "{e}");
    // Long operator chains nest as deep as parentheses do.
    let chain = format!("SELECT 1{} FROM 't'", "+1".repeat(20_000));
    let e = iot_rules::parse(&chain, Dialect::Aws).unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::TooDeep(_)), "{e}");
    let chain = format!("SELECT 1{} FROM 't'", " IS NULL".repeat(5_000));
    let e = iot_rules::parse(&chain, Dialect::Aws).unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::TooDeep(_)), "{e}");
    let e = iot_rules::parse("SELECT 99999999999999999999 FROM 't'", Dialect::Aws).unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::InvalidNumber(_)), "{e}");
}

fn msg<'a>(topic: &'a str, payload: &'a [u8]) -> Message<'a> {
    Message::new(topic, payload, UnixMillis(1_000)).with_device("pk", "dev1")
}

#[test]
fn rule_set_indexes_by_topic_and_resolves_actions() {
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Alibaba));
    b.add(
        Rule::new(
            "hot",
            "SELECT temperature FROM '/+/+/thing/event/property/post' WHERE temperature > 38",
        )
        .action(Action::republish("/${productKey}/${deviceName}/alarm"))
        .action(Action::sink("db"))
        .error_action(Action::sink("errors")),
    )
    .add(Rule::new("all", "SELECT * FROM '/#'"))
    .add(Rule::new("other", "SELECT * FROM '/x/#'"))
    .add(Rule::new("off", "SELECT * FROM '/#'").disabled());
    let set = b.build().unwrap();
    assert_eq!(set.len(), 4);
    let topic = "/pk/dev1/thing/event/property/post";
    assert_eq!(set.matching_rules(topic), vec!["hot", "all"]);
    let out = set.evaluate(&msg(topic, br#"{"temperature": 40}"#));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].rule_id, "hot");
    assert_eq!(
        out[0].actions,
        vec![
            Dispatch::Republish {
                topic: "/pk/dev1/alarm".into()
            },
            Dispatch::Sink { name: "db" }
        ]
    );
    assert_eq!(out[0].document.to_json_string(), r#"{"temperature":40}"#);
    let out = set.evaluate(&msg(topic, br#"{"temperature": 20}"#));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].rule_id, "all");

    // Enabling and disabling without a rebuild.
    let mut set = set;
    assert_eq!(set.is_enabled("off"), Some(false));
    assert_eq!(set.set_enabled("off", true), Ok(true));
    assert_eq!(set.set_enabled("hot", false), Ok(true));
    assert_eq!(set.matching_rules(topic), vec!["all", "off"]);
    assert_eq!(set.set_enabled("hot", true), Ok(true));
    assert_eq!(set.matching_rules(topic), vec!["hot", "all", "off"]);
    assert_eq!(set.set_enabled("nope", true), Ok(false));
    assert!(set.get("hot").is_some());

    // Errors: duplicate ids, bad SQL, bad templates.
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(Rule::new("a", "SELECT * FROM 't'"))
        .add(Rule::new("a", "SELECT * FROM 't'"));
    assert!(matches!(
        b.build(),
        Err(iot_rules::RuleSetError::DuplicateId(_))
    ));
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(Rule::new("a", "SELECT nope() FROM 't'"));
    assert!(matches!(
        b.build(),
        Err(iot_rules::RuleSetError::Compile { .. })
    ));
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(Rule::new("a", "SELECT * FROM 't'").action(Action::republish("x/${oops")));
    assert!(matches!(
        b.build(),
        Err(iot_rules::RuleSetError::InvalidTemplate { .. })
    ));
}

#[test]
fn templates_that_render_invalid_topics_are_errors() {
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(
        Rule::new("r", "SELECT name FROM 'in/#'")
            .action(Action::republish("out/${name}"))
            .action(Action::republish("out/${topic(2)}/${missing}")),
    );
    let set = b.build().unwrap();
    let out = set.evaluate(&msg("in/a", br#"{"name":"x/+"}"#));
    assert_eq!(out[0].actions.len(), 0);
    assert_eq!(out[0].errors.len(), 2, "{:?}", out[0].errors);
    let out = set.evaluate(&msg("in/a", br#"{"name":"ok"}"#));
    assert_eq!(
        out[0].actions,
        vec![Dispatch::Republish {
            topic: "out/ok".into()
        }]
    );
}

#[test]
fn payload_parsed_lazily_and_non_json_usable() {
    // A payload that is not JSON: fields are Undefined, `*` is the bytes.
    let rule = RuleOptions::new(Dialect::Aws)
        .compile("SELECT *, a FROM 'b/#'")
        .unwrap();
    let out = rule.evaluate(&msg("b/1", b"\x01\x02"));
    assert_eq!(out[0].to_json_string(), "{}");
    let rule = RuleOptions::new(Dialect::Aws)
        .compile("SELECT * FROM 'b/#'")
        .unwrap();
    assert_eq!(
        rule.evaluate(&msg("b/1", b"\x01\x02"))[0],
        Value::Bytes(vec![1, 2])
    );
    // Members the rule does not read may be anything structurally valid.
    let rule = RuleOptions::new(Dialect::Aws)
        .compile("SELECT t FROM 'b/#' WHERE t > 1")
        .unwrap();
    let out = rule.evaluate(&msg("b/1", br#"{"big": [1, {"x": "y"}, [true]], "t": 2}"#));
    assert_eq!(out[0].to_json_string(), r#"{"t":2}"#);
}

#[test]
fn is_match_fast_path() {
    let rule = RuleOptions::new(Dialect::Aws)
        .compile("SELECT a FROM 'x/+' WHERE a BETWEEN 1 AND 3")
        .unwrap();
    assert!(rule.is_match(&msg("x/1", br#"{"a":2}"#)));
    assert!(!rule.is_match(&msg("x/1", br#"{"a":4}"#)));
    assert!(!rule.is_match(&msg("y/1", br#"{"a":2}"#)));
    use iot_rules::Verdict;
    assert_eq!(rule.explain(&msg("y/1", b"{}")), Verdict::TopicMismatch);
    assert_eq!(
        rule.explain(&msg("x/1", b"{}")),
        Verdict::WhereNotTrue(Value::Undefined)
    );
    assert_eq!(
        rule.explain(&msg("x/1", br#"{"a":null}"#)),
        Verdict::WhereNotTrue(Value::Null)
    );
    assert_eq!(
        rule.explain(&msg("x/1", br#"{"a":9}"#)),
        Verdict::WhereNotTrue(Value::Bool(false))
    );
    assert_eq!(
        rule.explain(&msg("x/1", br#"{"a":2}"#)),
        Verdict::Output(vec![Value::from_json_slice(br#"{"a":2}"#).unwrap()])
    );
}

#[test]
fn user_functions_and_seeded_uuid() {
    let mut opts = RuleOptions::new(Dialect::Aws);
    opts.seed(7).function("twice", 1, 1, |a| match &a[0] {
        Value::Int(i) => Value::Int(i * 2),
        _ => Value::Undefined,
    });
    let rule = opts
        .compile("SELECT twice(v) AS d, newuuid() AS id, rand() AS r FROM 'a'")
        .unwrap();
    let out = rule.evaluate(&msg("a", br#"{"v": 21}"#));
    assert_eq!(out[0].get("d"), Some(&Value::Int(42)));
    let id = out[0].get("id").unwrap().as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    let r = out[0].get("r").unwrap().as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    let again = rule.evaluate(&msg("a", br#"{"v": 21}"#));
    assert_ne!(again[0].get("id"), out[0].get("id"));
    assert!(matches!(
        opts.compile("SELECT twice() FROM 'a'"),
        Err(CompileError::Arity { .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn sinks_forward_and_run_error_action() {
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(
        Rule::new("r", "SELECT v FROM 'in/#'")
            .action(Action::sink("db"))
            .action(Action::republish("out/${topic(2)}"))
            .error_action(Action::sink("errors")),
    );
    let set = b.build().unwrap();
    let db = Arc::new(MemorySink::new("db", 1));
    let errors = Arc::new(MemorySink::new("errors", 10));
    let publish = Arc::new(MemorySink::new("publish", 10));
    let mut sinks = Sinks::new();
    sinks
        .insert("db", db.clone())
        .insert("errors", errors.clone())
        .republish(publish.clone());
    let first = set.evaluate(&msg("in/a", br#"{"v":1}"#));
    let report = sinks.dispatch(&first[0]).await;
    assert_eq!(report.delivered, 2);
    assert!(report.failed.is_empty() && report.error_action.is_none());
    assert_eq!(publish.drain()[0].topic.as_deref(), Some("out/a"));
    // The db sink is full now: the error action gets the failure.
    let second = set.evaluate(&msg("in/b", br#"{"v":2}"#));
    let report = sinks.dispatch(&second[0]).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(report.failed, vec![iot_rules::SinkError::Full("db".into())]);
    assert_eq!(report.error_action, Some(Ok(())));
    let e = errors.drain();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].document.get("ruleId"), Some(&Value::from("r")));
    assert_eq!(db.drain().len(), 1);

    // No republish sink and an unknown named sink: both fail, the error action still runs.
    let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
    b.add(
        Rule::new("r", "SELECT v FROM 'in/#'")
            .action(Action::sink("nowhere"))
            .action(Action::republish("out"))
            .error_action(Action::sink("errors")),
    );
    let set = b.build().unwrap();
    let mut only_errors = Sinks::new();
    only_errors.insert("errors", errors.clone());
    let out = set.evaluate(&msg("in/c", br#"{"v":3}"#));
    let report = only_errors.dispatch(&out[0]).await;
    assert_eq!(report.delivered, 0);
    assert_eq!(
        report.failed,
        vec![
            iot_rules::SinkError::UnknownSink("nowhere".into()),
            iot_rules::SinkError::UnknownSink("republish".into())
        ]
    );
    assert_eq!(report.error_action, Some(Ok(())));
    let e = errors.drain();
    assert_eq!(
        e[0].document
            .get("errors")
            .map(|v| matches!(v, Value::Array(a) if a.len() == 2)),
        Some(true)
    );
}

fn scene_variant(e: &iot_rules::SceneError) -> &'static str {
    use iot_rules::SceneError as E;
    match e {
        E::Json(_) => "Json",
        E::Field { .. } => "Field",
        E::UnknownUri { .. } => "UnknownUri",
        E::CompareType(_) => "CompareType",
        E::Limit { .. } => "Limit",
        E::NoAction => "NoAction",
        E::Cron { .. } => "Cron",
        E::TimeZone(_) => "TimeZone",
        E::DuplicateScene(_) => "DuplicateScene",
        _ => "other",
    }
}

#[test]
fn scene_vectors() {
    use iot_rules::scene::{DeviceId, Scene, SceneSet};
    let vectors = testdata("scenes.toml");
    assert!(vectors.len() >= 10);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let parsed = Scene::from_json(name, v["rule"].as_str().unwrap());
        if let Some(err) = v.get("error") {
            let e = parsed.expect_err(name);
            assert_eq!(scene_variant(&e), err.as_str().unwrap(), "{name}: {e}");
            continue;
        }
        let scene = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        let steps = v["step"].as_array().unwrap();
        let mut set = SceneSet::new();
        let start = steps[0]["at"].as_integer().unwrap();
        set.insert(scene, UnixMillis(start)).unwrap();
        for (i, st) in steps.iter().enumerate() {
            let at = UnixMillis(st["at"].as_integer().unwrap());
            let params = st.get("params").map_or(Value::Null, |p| {
                Value::from_json_slice(p.as_str().unwrap().as_bytes()).unwrap()
            });
            let dev = st
                .get("device")
                .map(|d| d.as_table().unwrap().clone())
                .unwrap_or_default();
            let s = |k: &str| dev.get(k).map_or("", |x| x.as_str().unwrap());
            let id = DeviceId {
                product_key: s("productKey"),
                device_name: s("deviceName"),
                iot_id: dev.get("iotId").map(|x| x.as_str().unwrap()),
            };
            let fired = match st["kind"].as_str().unwrap() {
                "property" => set.handle_property_post(at, id, &params),
                "event" => set.handle_event(at, id, st["event"].as_str().unwrap(), &params),
                "timer" => set.handle_timeout(at),
                k => panic!("{name}: kind {k}"),
            };
            let got: Vec<serde_json::Value> = fired
                .iter()
                .flat_map(|f| {
                    f.actions
                        .iter()
                        .map(|a| a.to_json().to_serde_json().unwrap())
                })
                .collect();
            let want = json(st["fired"].as_str().unwrap());
            assert_eq!(serde_json::Value::Array(got), want, "{name} step {i}");
        }
    }
}

#[test]
fn scene_chains_conditions_and_set_limits() {
    use iot_rules::scene::{DeviceId, Scene, SceneAction, SceneSet};
    let act = |dn: &str| {
        format!(
            r#"{{"uri":"action/device/setProperty","params":{{"productKey":"pk","deviceName":"{dn}","propertyItems":{{"on":1}}}}}}"#
        )
    };
    let a = format!(
        r#"{{"type":"IFTTT","trigger":{{"uri":"trigger/device/event","params":{{"productKey":"pk","deviceName":"btn","eventCode":"press"}}}},
            "action":[{},{{"uri":"action/scene/trigger","params":{{"sceneId":"b"}}}},{{"uri":"action/scene/trigger","params":{{"sceneId":"nope"}}}}]}}"#,
        act("lamp1")
    );
    let b = format!(
        r#"{{"type":"CA","trigger":{{"uri":"trigger/device/property","params":{{"productKey":"pk","deviceName":"x"}}}},
            "condition":[{{"uri":"condition/device/property","params":{{"productKey":"pk","deviceName":"door","propertyName":"open","compareType":"in","compareValue":[1,2]}}}}],
            "action":[{},{{"uri":"action/scene/trigger","params":{{"sceneId":"a"}}}}]}}"#,
        act("lamp2")
    );
    let mut set = SceneSet::new();
    set.insert(Scene::from_json("a", &a).unwrap(), UnixMillis(0))
        .unwrap();
    set.insert(Scene::from_json("b", &b).unwrap(), UnixMillis(0))
        .unwrap();
    assert!(matches!(
        set.insert(Scene::from_json("a", &a).unwrap(), UnixMillis(0)),
        Err(iot_rules::SceneError::DuplicateScene(_))
    ));
    let btn = DeviceId {
        product_key: "pk",
        device_name: "btn",
        iot_id: None,
    };
    let door = DeviceId {
        product_key: "pk",
        device_name: "door",
        iot_id: None,
    };
    // The door's state is unknown: scene b's condition fails, so it is skipped.
    let f = set.handle_event(UnixMillis(0), btn, "press", &Value::Null);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].actions.len(), 1);
    assert_eq!(f[0].skipped, vec!["b".to_owned(), "nope".to_owned()]);
    assert!(
        set.handle_event(UnixMillis(0), btn, "hold", &Value::Null)
            .is_empty()
    );
    // Once the door reports open=2, b runs, and its link back to a is cut as a loop.
    let params = Value::from_json_slice(br#"{"open":2}"#).unwrap();
    assert!(
        set.handle_property_post(UnixMillis(1), door, &params)
            .is_empty()
    );
    let f = set.handle_event(UnixMillis(2), btn, "press", &Value::Null);
    let targets: Vec<&str> = f[0]
        .actions
        .iter()
        .map(|a| match a {
            SceneAction::SetProperty { device, .. } => device.device_name.as_deref().unwrap(),
            _ => "?",
        })
        .collect();
    assert_eq!(targets, vec!["lamp1", "lamp2"]);
    assert_eq!(f[0].skipped, vec!["a".to_owned(), "nope".to_owned()]);
    assert_eq!(set.poll_timeout(), None);

    // A device may be acted on by at most 20 scenes.
    let mut set = SceneSet::new();
    for i in 0..20 {
        let s = format!(
            r#"{{"type":"IFTTT","trigger":{{"uri":"trigger/device/property","params":{{"productKey":"pk","deviceName":"s{i}"}}}},"action":[{}]}}"#,
            act("lamp")
        );
        set.insert(
            Scene::from_json(&format!("s{i}"), &s).unwrap(),
            UnixMillis(0),
        )
        .unwrap();
    }
    let s = format!(
        r#"{{"type":"IFTTT","trigger":{{"uri":"trigger/device/property","params":{{"productKey":"pk","deviceName":"z"}}}},"action":[{}]}}"#,
        act("lamp")
    );
    assert!(matches!(
        set.insert(Scene::from_json("z", &s).unwrap(), UnixMillis(0)),
        Err(iot_rules::SceneError::Limit { max: 20, .. })
    ));
    // Malformed documents name the path.
    let e = Scene::from_json("e", r#"{"type":"IFTTT","trigger":{"uri":"trigger/device/property","params":{"deviceName":"d"}},"action":[]}"#).unwrap_err();
    assert_eq!(e.to_string(), "`trigger.params`: needs iotId or productKey");
    assert!(matches!(
        Scene::from_json("e", "{"),
        Err(iot_rules::SceneError::Json(_))
    ));
}

#[test]
fn shareable_across_threads() {
    fn check<T: Send + Sync>() {}
    check::<RuleSet>();
    check::<iot_rules::CompiledRule>();
    check::<Sinks>();
    check::<iot_rules::scene::SceneSet>();
}
