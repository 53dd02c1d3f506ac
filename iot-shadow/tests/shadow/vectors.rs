//! Replays the TOML vectors of `testdata/shadow/` (format: `testdata/README.md` and the comment
//! at the top of each file).

use std::path::PathBuf;

use iot_shadow::{
    Dialect, EpochMillis, MemoryStore, Object, ShadowDocument, ShadowError, ShadowKey,
    ShadowService, ShadowStore, UpdateRequest, alibaba, aws, azure, json_eq, merge_patch,
};
use serde::Deserialize;
use serde_json::Value;

fn testdata(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/shadow")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON in vector {text:?}: {e}"))
}

fn object(text: &str) -> Object {
    match json(text) {
        Value::Object(map) => map,
        other => panic!("expected an object, got {other}"),
    }
}

fn variant(e: &ShadowError) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// RFC 7396 (TV-12)

#[derive(Deserialize)]
struct MergeFile {
    vector: Vec<MergeVector>,
}

#[derive(Deserialize)]
struct MergeVector {
    name: String,
    source: String,
    target: String,
    patch: String,
    result: String,
    section: bool,
}

#[test]
fn rfc7396_appendix_a() {
    let file: MergeFile = toml::from_str(&testdata("merge-patch.toml")).unwrap();
    assert_eq!(file.vector.len(), 15, "RFC 7396 Appendix A has 15 cases");
    for v in &file.vector {
        assert!(!v.source.is_empty());
        let mut target = json(&v.target);
        merge_patch(&mut target, &json(&v.patch));
        assert_eq!(target, json(&v.result), "{}", v.name);

        if v.section {
            // The shadow core must agree on every object-to-object case.
            let mut doc =
                ShadowDocument::with_state(Some(object(&v.target)), None, 1, EpochMillis(0));
            doc.apply_update(
                &UpdateRequest::desired(object(&v.patch)),
                &Dialect::aws(),
                EpochMillis(1),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
            assert_eq!(doc.desired(), Some(&object(&v.result)), "{}", v.name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request/response scenarios

#[derive(Deserialize)]
struct ScenarioFile {
    vector: Vec<Scenario>,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    source: String,
    dialect: String,
    device: Option<String>,
    #[serde(default)]
    twin_metadata: bool,
    initial: Option<Initial>,
    step: Vec<Step>,
    #[serde(rename = "final")]
    final_state: Option<Final>,
}

#[derive(Deserialize)]
struct Initial {
    desired: Option<String>,
    reported: Option<String>,
    version: u64,
    now: u64,
}

#[derive(Deserialize)]
struct Step {
    now: u64,
    #[serde(skip)]
    bytes: Vec<u8>,
    kind: Option<String>,
    topic: Option<String>,
    #[serde(default)]
    payload: String,
    patch: Option<String>,
    if_match: Option<String>,
    etag: Option<String>,
    error: Option<String>,
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
struct Expect {
    topic: String,
    payload: String,
    #[serde(rename = "match")]
    mode: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Deserialize)]
struct Final {
    desired: Option<String>,
    reported: Option<String>,
    delta: Option<String>,
    version: Option<u64>,
    exists: Option<bool>,
}

fn dialect(name: &str) -> Dialect {
    match name {
        "aws" => Dialect::aws(),
        "alibaba" => Dialect::alibaba(),
        "azure" => Dialect::azure(),
        "azure-2020" => {
            let mut d = Dialect::azure();
            d.set_allow_arrays(false);
            d
        }
        other => panic!("unknown dialect {other}"),
    }
}

fn key_of(s: &Scenario) -> ShadowKey {
    if let Some(device) = &s.device {
        return ShadowKey::classic(device.as_str());
    }
    let topic = s.step[0].topic.as_deref().unwrap();
    match s.dialect.as_str() {
        "aws" => {
            let t = aws::Topic::parse(topic).unwrap();
            match t.shadow {
                Some(name) => ShadowKey::named(t.thing, name),
                None => ShadowKey::classic(t.thing),
            }
        }
        "alibaba" => {
            let t = alibaba::Topic::parse(topic).unwrap();
            ShadowKey::alibaba(t.product_key, t.device_name)
        }
        other => panic!("{other} needs a device"),
    }
}

fn remove_keys(value: &mut Value, keys: &[String]) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !keys.contains(k));
            map.values_mut().for_each(|v| remove_keys(v, keys));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| remove_keys(v, keys)),
        _ => {}
    }
}

/// Every key of `expected` is in `actual` with a matching value (objects recursively).
fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| subset(ev, av))),
        _ => json_eq(expected, actual),
    }
}

/// The ShadowError the core gives for a step, found without the service.
fn core_error(s: &Scenario, d: &Dialect, doc: &ShadowDocument, step: &Step) -> Option<ShadowError> {
    let mut doc = doc.clone();
    let now = EpochMillis(step.now);
    let payload = step.bytes.as_slice();
    let result = match (s.dialect.as_str(), step.kind.as_deref()) {
        (_, Some("service-desired")) => {
            let version = match step.if_match.as_deref().map(azure::ETag::parse_if_match) {
                Some(Err(e)) => return Some(e),
                Some(Ok(Some(tag))) => Some(i64::try_from(tag.0).unwrap()),
                _ => None,
            };
            let mut request = UpdateRequest::desired(object(step.patch.as_deref().unwrap()));
            request.version = version;
            doc.apply_update(&request, d, now).map(|_| ())
        }
        ("aws", _) => {
            let topic = aws::Topic::parse(step.topic.as_deref().unwrap()).unwrap();
            match topic.operation {
                aws::Operation::Update => aws::parse_update(payload, d)
                    .and_then(|r| doc.apply_update(&r, d, now).map(|_| ())),
                aws::Operation::Delete => aws::parse_simple(payload, d)
                    .and_then(|r| doc.delete(r.version, d, now).map(|_| ())),
                aws::Operation::Get => aws::parse_simple(payload, d).map(|_| ()),
            }
        }
        ("alibaba", _) => match alibaba::parse_request(payload, d) {
            Ok(alibaba::Request::Update(r) | alibaba::Request::Delete(r)) => {
                doc.apply_update(&r, d, now).map(|_| ())
            }
            Ok(alibaba::Request::Get) => Ok(()),
            Err(e) => Err(e),
        },
        _ if step
            .topic
            .as_deref()
            .is_some_and(|t| t.starts_with("$iothub/twin/GET/")) =>
        {
            Ok(())
        }
        _ => azure::parse_patch(payload, d).and_then(|p| {
            doc.apply_update(&UpdateRequest::reported(p), d, now)
                .map(|_| ())
        }),
    };
    result.err()
}

/// The payload bytes of a step: TOML cannot carry invalid UTF-8, so `{invalid-utf8}` stands
/// for the byte 0xff.
fn payload_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in text.split("{invalid-utf8}").enumerate() {
        if i > 0 {
            out.push(0xff);
        }
        out.extend_from_slice(part.as_bytes());
    }
    out
}

async fn run(s: &Scenario) {
    let d = dialect(&s.dialect);
    let mut service = ShadowService::new(MemoryStore::new(), d.clone());
    service.set_twin_metadata(s.twin_metadata);
    let key = key_of(s);
    if let Some(init) = &s.initial {
        let doc = ShadowDocument::with_state(
            init.desired.as_deref().map(object),
            init.reported.as_deref().map(object),
            init.version,
            EpochMillis(init.now),
        );
        assert!(
            service
                .store()
                .compare_and_swap(&key, None, doc)
                .await
                .unwrap()
        );
    }
    for (i, step) in s.step.iter().enumerate() {
        let at = format!("{} step {}", s.name, i + 1);
        let stored = service
            .store()
            .load(&key)
            .await
            .unwrap()
            .unwrap_or_default();
        let expected_error = core_error(s, &d, &stored, step);
        match (&step.error, &expected_error) {
            (Some(want), Some(got)) => assert_eq!(want, &variant(got), "{at}"),
            (Some(want), None) => panic!("{at}: expected {want}, the core accepted"),
            (None, Some(got)) => panic!("{at}: unexpected {got:?}"),
            (None, None) => {}
        }

        let now = EpochMillis(step.now);
        let out = if step.kind.as_deref() == Some("service-desired") {
            let result = service
                .update_desired_twin(
                    s.device.as_deref().unwrap(),
                    object(step.patch.as_deref().unwrap()),
                    step.if_match.as_deref(),
                    now,
                )
                .await;
            match result {
                Ok((push, etag)) => {
                    if let Some(want) = &step.etag {
                        assert_eq!(&etag.to_string(), want, "{at}");
                    }
                    vec![push]
                }
                Err(e) => {
                    assert_eq!(step.error.as_deref(), Some(variant(&e).as_str()), "{at}");
                    Vec::new()
                }
            }
        } else if let Some(device) = &s.device {
            let topic = step.topic.as_deref().unwrap();
            service
                .handle_twin(now, device, topic, &step.bytes)
                .await
                .unwrap()
        } else {
            let topic = step.topic.as_deref().unwrap();
            service.handle(now, topic, &step.bytes).await.unwrap()
        };

        let topics: Vec<_> = out.iter().map(|m| m.topic.as_str()).collect();
        let want: Vec<_> = step.expect.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(topics, want, "{at}: topics");
        for (message, expect) in out.iter().zip(&step.expect) {
            if expect.mode.as_deref() == Some("empty") {
                assert!(message.payload.is_empty(), "{at}: payload should be empty");
                continue;
            }
            let mut actual = message.payload_json().unwrap();
            remove_keys(&mut actual, &expect.ignore);
            let expected = json(&expect.payload);
            match expect.mode.as_deref() {
                None | Some("exact") => assert_eq!(actual, expected, "{at}: {}", expect.topic),
                Some("subset") => assert!(
                    subset(&expected, &actual),
                    "{at}: {} is not a superset of {expected}: {actual}",
                    expect.topic
                ),
                Some(other) => panic!("{at}: unknown match mode {other}"),
            }
        }
    }
    if let Some(f) = &s.final_state {
        let doc = service
            .store()
            .load(&key)
            .await
            .unwrap()
            .unwrap_or_default();
        let section = |text: &Option<String>| text.as_deref().map(|t| json(t).as_object().cloned());
        if let Some(want) = section(&f.desired) {
            assert_eq!(doc.desired().cloned(), want, "{}: final desired", s.name);
        }
        if let Some(want) = section(&f.reported) {
            assert_eq!(doc.reported().cloned(), want, "{}: final reported", s.name);
        }
        if let Some(want) = &f.delta {
            assert_eq!(doc.delta(), object(want), "{}: final delta", s.name);
        }
        if let Some(want) = f.version {
            assert_eq!(doc.version(), want, "{}: final version", s.name);
        }
        if let Some(want) = f.exists {
            assert_eq!(doc.exists(), want, "{}: final exists", s.name);
        }
    }
}

async fn run_file(file: &str, minimum: usize) {
    let mut file: ScenarioFile = toml::from_str(&testdata(file)).unwrap();
    for step in file.vector.iter_mut().flat_map(|v| v.step.iter_mut()) {
        step.bytes = payload_bytes(&step.payload);
    }
    assert!(file.vector.len() >= minimum);
    for s in &file.vector {
        assert!(!s.source.is_empty(), "{} has no source", s.name);
        run(s).await;
    }
}

#[tokio::test]
async fn aws_vectors() {
    run_file("aws.toml", 25).await;
}

#[tokio::test]
async fn alibaba_vectors() {
    run_file("alibaba.toml", 20).await;
}

#[tokio::test]
async fn azure_vectors() {
    run_file("azure.toml", 10).await;
}

// ---------------------------------------------------------------------------------------------
// Topics

#[derive(Deserialize)]
struct TopicFile {
    topic: Vec<TopicVector>,
}

#[derive(Deserialize)]
struct TopicVector {
    name: String,
    source: String,
    dialect: String,
    topic: String,
    error: Option<String>,
    thing: Option<String>,
    shadow: Option<String>,
    operation: Option<String>,
    suffix: Option<String>,
    kind: Option<String>,
    product_key: Option<String>,
    device_name: Option<String>,
    rid: Option<String>,
    status: Option<u16>,
    version: Option<u64>,
}

#[test]
fn topic_vectors() {
    let file: TopicFile = toml::from_str(&testdata("topics.toml")).unwrap();
    for v in &file.topic {
        assert!(!v.source.is_empty());
        let n = &v.name;
        let (parsed, printed) = match v.dialect.as_str() {
            "aws" => match aws::Topic::parse(&v.topic) {
                Ok(t) => {
                    assert_eq!(Some(t.thing), v.thing.as_deref(), "{n}");
                    assert_eq!(t.shadow, v.shadow.as_deref(), "{n}");
                    let op = format!("{:?}", t.operation).to_lowercase();
                    let suffix = format!("{:?}", t.suffix).to_lowercase();
                    assert_eq!(Some(op), v.operation, "{n}");
                    assert_eq!(Some(suffix), v.suffix, "{n}");
                    (Ok(()), t.to_string())
                }
                Err(e) => (Err(e), String::new()),
            },
            "alibaba" => match alibaba::Topic::parse(&v.topic) {
                Ok(t) => {
                    let kind = format!("{:?}", t.kind).to_lowercase();
                    assert_eq!(Some(kind), v.kind, "{n}");
                    assert_eq!(Some(t.product_key), v.product_key.as_deref(), "{n}");
                    assert_eq!(Some(t.device_name), v.device_name.as_deref(), "{n}");
                    (Ok(()), t.to_string())
                }
                Err(e) => (Err(e), String::new()),
            },
            _ => match azure::Topic::parse(&v.topic) {
                Ok(t) => {
                    let (kind, rid, status, version) = match t {
                        azure::Topic::Get { rid } => ("get", Some(rid), None, None),
                        azure::Topic::PatchReported { rid } => {
                            ("patch-reported", Some(rid), None, None)
                        }
                        azure::Topic::Response {
                            status,
                            rid,
                            version,
                        } => ("response", Some(rid), Some(status), version),
                        azure::Topic::DesiredPatch { version } => {
                            ("desired-patch", None, None, Some(version))
                        }
                    };
                    assert_eq!(Some(kind), v.kind.as_deref(), "{n}");
                    assert_eq!(rid, v.rid.as_deref(), "{n}");
                    assert_eq!(status, v.status, "{n}");
                    assert_eq!(version, v.version, "{n}");
                    (Ok(()), t.to_string())
                }
                Err(e) => (Err(e), String::new()),
            },
        };
        match (parsed, &v.error) {
            (Ok(()), None) => assert_eq!(printed, v.topic, "{n}: round trip"),
            (Err(e), Some(want)) => assert_eq!(&format!("{e:?}"), want, "{n}"),
            (Ok(()), Some(want)) => panic!("{n}: parsed, expected {want}"),
            (Err(e), None) => panic!("{n}: {e:?}"),
        }
    }
}
