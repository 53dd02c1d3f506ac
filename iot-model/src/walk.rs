//! The validation walk shared by `is_valid`, `validate`, `iter_errors` and filtering.
//!
//! The walk is generic over a [`Sink`] that decides what to do with a failure. The JSON path is
//! a linked list of stack frames ([`Path`]), so the fast path never allocates: a path is only
//! rendered to a string when a sink keeps an error.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Number, Value};

use crate::compile::{MAX_EPOCH_MS, Members, ModelTree, Node, Step, key_eq};
use crate::error::{Expected, Rule};

/// Most properties in one report (code 6106).
pub(crate) const MAX_PROPERTIES: usize = 200;
/// Most events in one pack post (code 6357).
pub(crate) const MAX_PACK_EVENTS: usize = 20;
/// Most sub-devices in one pack post (code 6357).
pub(crate) const MAX_PACK_SUB_DEVICES: usize = 20;
/// Most digits of a `date` string.
pub(crate) const MAX_DATE_DIGITS: usize = 13;

/// A location in the validated value, built on the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// Renders an RFC 6901 JSON Pointer.
    pub(crate) fn render(&self) -> String {
        let mut segs: Vec<String> = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Path::Root => break,
                Path::Key(parent, k) => {
                    segs.push(k.replace('~', "~0").replace('/', "~1"));
                    cur = parent;
                }
                Path::Index(parent, i) => {
                    segs.push(i.to_string());
                    cur = parent;
                }
            }
        }
        let mut out = String::new();
        for s in segs.iter().rev() {
            out.push('/');
            out.push_str(s);
        }
        out
    }
}

/// Receives failures; returns `true` to keep walking, `false` to stop.
pub(crate) trait Sink {
    fn report(&mut self, path: &Path<'_>, rule: Rule) -> bool;
}

/// Stops at the first failure and remembers only that there was one.
pub(crate) struct Flag(pub(crate) bool);

impl Sink for Flag {
    #[inline]
    fn report(&mut self, _: &Path<'_>, _: Rule) -> bool {
        self.0 = true;
        false
    }
}

/// Collects (path, rule) pairs; stops after the first when `first_only`.
pub(crate) struct Collect {
    pub(crate) found: Vec<(String, Rule)>,
    pub(crate) first_only: bool,
}

impl Sink for Collect {
    fn report(&mut self, path: &Path<'_>, rule: Rule) -> bool {
        self.found.push((path.render(), rule));
        !self.first_only
    }
}

/// What a validator checks.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    PropertyPost(Arc<ModelTree>),
    PropertySet(Arc<ModelTree>),
    EventPost(Arc<ModelTree>, usize),
    ServiceInput(Arc<ModelTree>, usize),
    ServiceOutput(Arc<ModelTree>, usize),
    PackPost {
        gateway: Arc<ModelTree>,
        products: Arc<BTreeMap<String, Arc<ModelTree>>>,
    },
    HistoryPost {
        products: Arc<BTreeMap<String, Arc<ModelTree>>>,
    },
}

impl Target {
    pub(crate) fn run<S: Sink>(&self, v: &Value, sink: &mut S) -> bool {
        let root = Path::Root;
        match self {
            Target::PropertyPost(t) => property_post(t, v, &root, sink),
            Target::PropertySet(t) => property_set(t, v, &root, sink),
            Target::EventPost(t, i) => event_post(&t.events.entries[*i].1, v, &root, sink),
            Target::ServiceInput(t, i) => {
                let s = &t.services.entries[*i].1;
                match &s.input_ids {
                    Some(ids) => identifier_list(ids, v, &root, sink),
                    None => params(&s.input, v, &root, sink),
                }
            }
            Target::ServiceOutput(t, i) => params(&t.services.entries[*i].1.output, v, &root, sink),
            Target::PackPost { gateway, products } => pack_post(gateway, products, v, sink),
            Target::HistoryPost { products } => history_post(products, v, sink),
        }
    }
}

/// An integer-valued JSON number as i64, or `Err` with the rule it breaks when out of i64.
enum Int {
    Small(i64),
    Huge { negative: bool },
    NotInteger,
}

#[inline]
fn classify(n: &Number) -> Int {
    if let Some(i) = n.as_i64() {
        return Int::Small(i);
    }
    if n.as_u64().is_some() {
        return Int::Huge { negative: false };
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.is_finite() && f.fract() == 0.0 {
        // Whole floats: within i64 they compare exactly after the range checks below.
        // -2^63 ..= 2^63 (exclusive): the whole f64 values that fit an i64.
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            // Exact: a whole f64 in this range is representable as i64.
            #[allow(clippy::cast_possible_truncation)]
            return Int::Small(f as i64);
        }
        return Int::Huge { negative: f < 0.0 };
    }
    Int::NotInteger
}

/// Checks an integer against a range; `Err` carries the sink's answer after a report.
#[inline]
fn int_in(
    n: &Number,
    min: i64,
    max: i64,
    path: &Path<'_>,
    sink: &mut impl Sink,
) -> Result<i64, bool> {
    match classify(n) {
        Int::Small(i) if i < min => Err(sink.report(path, Rule::Minimum)),
        Int::Small(i) if i > max => Err(sink.report(path, Rule::Maximum)),
        Int::Small(i) => Ok(i),
        Int::Huge { negative: true } => Err(sink.report(path, Rule::Minimum)),
        Int::Huge { negative: false } => Err(sink.report(path, Rule::Maximum)),
        Int::NotInteger => Err(sink.report(
            path,
            Rule::Type {
                expected: Expected::Integer,
            },
        )),
    }
}

#[inline]
fn step_ok(v: f64, step: Step) -> bool {
    if step.integral {
        // Exact, as JSON Schema's `multipleOf` is: fmod is exact in IEEE 754.
        v % step.value == 0.0
    } else {
        // Decimal steps (0.01) cannot be represented in binary: allow rounding noise.
        let q = v / step.value;
        (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
    }
}

pub(crate) fn node<S: Sink>(n: &Node, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    match n {
        Node::Int { min, max, step } => {
            let Value::Number(num) = v else {
                return sink.report(
                    path,
                    Rule::Type {
                        expected: Expected::Integer,
                    },
                );
            };
            match int_in(num, *min, *max, path, sink) {
                Err(go_on) => go_on,
                Ok(i) => match step {
                    Some(st) if i.rem_euclid(*st) != 0 => sink.report(path, Rule::Step),
                    _ => true,
                },
            }
        }
        Node::Number { min, max, step } => {
            let Value::Number(num) = v else {
                return sink.report(
                    path,
                    Rule::Type {
                        expected: Expected::Number,
                    },
                );
            };
            let f = num.as_f64().unwrap_or(f64::NAN);
            if min.is_some_and(|m| f < m) {
                return sink.report(path, Rule::Minimum);
            }
            if max.is_some_and(|m| f > m) {
                return sink.report(path, Rule::Maximum);
            }
            match step {
                Some(st) if !step_ok(f, *st) => sink.report(path, Rule::Step),
                _ => true,
            }
        }
        Node::Text { max_chars } => match v {
            Value::String(s) => {
                if s.len() <= *max_chars || s.chars().count() <= *max_chars {
                    true
                } else {
                    sink.report(path, Rule::MaxLength)
                }
            }
            _ => sink.report(
                path,
                Rule::Type {
                    expected: Expected::String,
                },
            ),
        },
        Node::Date => date(v, path, sink),
        Node::Bool => match v {
            Value::Number(num) => match classify(num) {
                Int::Small(0 | 1) => true,
                _ => sink.report(path, Rule::Enum),
            },
            _ => sink.report(
                path,
                Rule::Type {
                    expected: Expected::Bool,
                },
            ),
        },
        Node::Enum { keys } => match v {
            Value::Number(num) => match classify(num) {
                Int::Small(i) if keys.binary_search(&i).is_ok() => true,
                _ => sink.report(path, Rule::Enum),
            },
            _ => sink.report(
                path,
                Rule::Type {
                    expected: Expected::Integer,
                },
            ),
        },
        Node::Struct(members) => struct_value(members, v, path, sink),
        Node::Array { max_items, item } => {
            let Value::Array(items) = v else {
                return sink.report(
                    path,
                    Rule::Type {
                        expected: Expected::Array,
                    },
                );
            };
            if items.len() > *max_items && !sink.report(path, Rule::MaxItems) {
                return false;
            }
            for (i, it) in items.iter().enumerate() {
                if !node(item, it, &Path::Index(path, i), sink) {
                    return false;
                }
            }
            true
        }
    }
}

/// Reports that the value at `path` is not a JSON object (the one shape every message part has).
fn not_object<S: Sink>(path: &Path<'_>, sink: &mut S) -> bool {
    sink.report(
        path,
        Rule::Type {
            expected: Expected::Object,
        },
    )
}

fn date<S: Sink>(v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    match v {
        Value::String(s) => {
            if !s.is_empty() && s.len() <= MAX_DATE_DIGITS && s.bytes().all(|b| b.is_ascii_digit())
            {
                true
            } else {
                sink.report(path, Rule::DateFormat)
            }
        }
        Value::Number(num) => match classify(num) {
            Int::Small(i) if i < 0 => sink.report(path, Rule::Minimum),
            Int::Small(i) if i > MAX_EPOCH_MS => sink.report(path, Rule::Maximum),
            Int::Small(_) => true,
            Int::Huge { negative: true } => sink.report(path, Rule::Minimum),
            Int::Huge { negative: false } => sink.report(path, Rule::Maximum),
            Int::NotInteger => sink.report(
                path,
                Rule::Type {
                    expected: Expected::Date,
                },
            ),
        },
        _ => sink.report(
            path,
            Rule::Type {
                expected: Expected::Date,
            },
        ),
    }
}

/// A `time` member: epoch milliseconds as a non-negative integer.
fn time<S: Sink>(v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    match v {
        Value::Number(num) => match int_in(num, 0, MAX_EPOCH_MS, path, sink) {
            Ok(_) => true,
            Err(go_on) => go_on,
        },
        _ => sink.report(
            path,
            Rule::Type {
                expected: Expected::Integer,
            },
        ),
    }
}

fn struct_value<S: Sink>(members: &Members, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    let mut matched = 0usize;
    let mut hint = 0;
    for (k, val) in obj {
        let p = Path::Key(path, k);
        match members.get_hinted(k, &mut hint) {
            Some(n) => {
                matched += 1;
                if !node(n, val, &p, sink) {
                    return false;
                }
            }
            None => {
                if !sink.report(&p, Rule::UnknownMember) {
                    return false;
                }
            }
        }
    }
    if matched < members.len() {
        for (name, _) in members.entries.iter() {
            if !obj.contains_key(&**name)
                && !sink.report(&Path::Key(path, name), Rule::MissingMember)
            {
                return false;
            }
        }
    }
    true
}

/// Event value, service input/output: members optional, unknown ones rejected.
fn params<S: Sink>(members: &Members, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    let mut hint = 0;
    for (k, val) in obj {
        let p = Path::Key(path, k);
        let ok = match members.get_hinted(k, &mut hint) {
            Some(n) => node(n, val, &p, sink),
            None => sink.report(&p, Rule::UnknownMember),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn identifier_list<S: Sink>(ids: &[Box<str>], v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    let Value::Array(items) = v else {
        return sink.report(
            path,
            Rule::Type {
                expected: Expected::Array,
            },
        );
    };
    for (i, it) in items.iter().enumerate() {
        let p = Path::Index(path, i);
        let ok = match it {
            Value::String(s) => {
                ids.binary_search_by(|k| (**k).cmp(s.as_str())).is_ok()
                    || sink.report(&p, Rule::UnknownProperty)
            }
            _ => sink.report(
                &p,
                Rule::Type {
                    expected: Expected::String,
                },
            ),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A property value in the long `{"value":…,"time":…}` form or the short form.
#[inline]
pub(crate) fn property_value<S: Sink>(n: &Node, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    if let Value::Object(o) = v
        && o.keys().any(|k| key_eq(k, "value"))
    {
        for (k, val) in o {
            let p = Path::Key(path, k);
            let ok = if key_eq(k, "value") {
                node(n, val, &p, sink)
            } else if key_eq(k, "time") {
                time(val, &p, sink)
            } else {
                sink.report(&p, Rule::UnknownMember)
            };
            if !ok {
                return false;
            }
        }
        return true;
    }
    node(n, v, path, sink)
}

pub(crate) fn property_post<S: Sink>(
    t: &ModelTree,
    v: &Value,
    path: &Path<'_>,
    sink: &mut S,
) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    if obj.len() > MAX_PROPERTIES && !sink.report(path, Rule::TooManyProperties) {
        return false;
    }
    let mut hint = 0;
    for (k, val) in obj {
        let p = Path::Key(path, k);
        let ok = match t.properties.get_hinted(k, &mut hint) {
            Some(pn) => property_value(&pn.node, val, &p, sink),
            None => sink.report(&p, Rule::UnknownProperty),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn property_set<S: Sink>(t: &ModelTree, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    for (k, val) in obj {
        let p = Path::Key(path, k);
        let ok = match t.property(k) {
            Some(pn) if pn.writable => node(&pn.node, val, &p, sink),
            Some(_) => sink.report(&p, Rule::NotWritable),
            None => sink.report(&p, Rule::UnknownProperty),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn event_post<S: Sink>(members: &Members, v: &Value, path: &Path<'_>, sink: &mut S) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    for (k, val) in obj {
        let p = Path::Key(path, k);
        let ok = match k.as_str() {
            "value" => params(members, val, &p, sink),
            "time" => time(val, &p, sink),
            _ => sink.report(&p, Rule::UnknownMember),
        };
        if !ok {
            return false;
        }
    }
    if !obj.contains_key("value") {
        return sink.report(&Path::Key(path, "value"), Rule::MissingMember);
    }
    true
}

/// The `events` member of a pack post: `{eventId: {value, time}}`.
fn events_object<S: Sink>(
    t: &ModelTree,
    v: &Value,
    path: &Path<'_>,
    limit: Option<usize>,
    sink: &mut S,
) -> bool {
    let Value::Object(obj) = v else {
        return not_object(path, sink);
    };
    if limit.is_some_and(|l| obj.len() > l) && !sink.report(path, Rule::TooManyEvents) {
        return false;
    }
    for (k, val) in obj {
        let p = Path::Key(path, k);
        let ok = match t.event(k) {
            Some(m) => event_post(m, val, &p, sink),
            None => sink.report(&p, Rule::UnknownEvent),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Checks `identity` and returns the sub-device's model.
fn identity<'m, S: Sink>(
    products: &'m BTreeMap<String, Arc<ModelTree>>,
    obj: &Map<String, Value>,
    path: &Path<'_>,
    sink: &mut S,
) -> Result<Option<&'m ModelTree>, ()> {
    let ip = Path::Key(path, "identity");
    let Some(id) = obj.get("identity") else {
        return if sink.report(&ip, Rule::MissingMember) {
            Ok(None)
        } else {
            Err(())
        };
    };
    let Value::Object(id) = id else {
        return if not_object(&ip, sink) {
            Ok(None)
        } else {
            Err(())
        };
    };
    let mut model = None;
    for (k, val) in id {
        let p = Path::Key(&ip, k);
        let ok = match (k.as_str(), val) {
            ("productKey", Value::String(pk)) => match products.get(pk) {
                Some(m) => {
                    model = Some(&**m);
                    true
                }
                None => sink.report(&p, Rule::UnknownProduct),
            },
            ("deviceName", Value::String(_)) => true,
            ("productKey" | "deviceName", _) => sink.report(
                &p,
                Rule::Type {
                    expected: Expected::String,
                },
            ),
            _ => sink.report(&p, Rule::UnknownMember),
        };
        if !ok {
            return Err(());
        }
    }
    for key in ["productKey", "deviceName"] {
        if !id.contains_key(key) && !sink.report(&Path::Key(&ip, key), Rule::MissingMember) {
            return Err(());
        }
    }
    Ok(model)
}

fn pack_post<S: Sink>(
    gateway: &ModelTree,
    products: &BTreeMap<String, Arc<ModelTree>>,
    v: &Value,
    sink: &mut S,
) -> bool {
    let root = Path::Root;
    let Value::Object(obj) = v else {
        return not_object(&root, sink);
    };
    for (k, val) in obj {
        let p = Path::Key(&root, k);
        let ok = match k.as_str() {
            "properties" => property_post(gateway, val, &p, sink),
            "events" => events_object(gateway, val, &p, Some(MAX_PACK_EVENTS), sink),
            "subDevices" => sub_devices(products, val, &p, sink),
            _ => sink.report(&p, Rule::UnknownMember),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn sub_devices<S: Sink>(
    products: &BTreeMap<String, Arc<ModelTree>>,
    v: &Value,
    path: &Path<'_>,
    sink: &mut S,
) -> bool {
    let Value::Array(items) = v else {
        return sink.report(
            path,
            Rule::Type {
                expected: Expected::Array,
            },
        );
    };
    if items.len() > MAX_PACK_SUB_DEVICES && !sink.report(path, Rule::TooManySubDevices) {
        return false;
    }
    for (i, item) in items.iter().enumerate() {
        let ip = Path::Index(path, i);
        let Value::Object(obj) = item else {
            if !not_object(&ip, sink) {
                return false;
            }
            continue;
        };
        let Ok(model) = identity(products, obj, &ip, sink) else {
            return false;
        };
        for (k, val) in obj {
            let p = Path::Key(&ip, k);
            let ok = match (k.as_str(), model) {
                ("identity", _) => true,
                ("properties", Some(m)) => property_post(m, val, &p, sink),
                ("events", Some(m)) => events_object(m, val, &p, Some(MAX_PACK_EVENTS), sink),
                // Without a model (already reported) the contents cannot be checked.
                ("properties" | "events", None) => true,
                _ => sink.report(&p, Rule::UnknownMember),
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn history_post<S: Sink>(
    products: &BTreeMap<String, Arc<ModelTree>>,
    v: &Value,
    sink: &mut S,
) -> bool {
    let root = Path::Root;
    let Value::Array(items) = v else {
        return sink.report(
            &root,
            Rule::Type {
                expected: Expected::Array,
            },
        );
    };
    for (i, item) in items.iter().enumerate() {
        let ip = Path::Index(&root, i);
        let Value::Object(obj) = item else {
            if !not_object(&ip, sink) {
                return false;
            }
            continue;
        };
        let Ok(model) = identity(products, obj, &ip, sink) else {
            return false;
        };
        for (k, val) in obj {
            let p = Path::Key(&ip, k);
            let ok = match (k.as_str(), model) {
                ("identity", _) => true,
                ("properties" | "events", _) if !val.is_array() => sink.report(
                    &p,
                    Rule::Type {
                        expected: Expected::Array,
                    },
                ),
                ("properties", Some(m)) => {
                    each(val, &p, sink, |e, ep, s| property_post(m, e, ep, s))
                }
                ("events", Some(m)) => {
                    each(val, &p, sink, |e, ep, s| events_object(m, e, ep, None, s))
                }
                ("properties" | "events", None) => true,
                _ => sink.report(&p, Rule::UnknownMember),
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn each<S: Sink>(
    v: &Value,
    path: &Path<'_>,
    sink: &mut S,
    mut f: impl FnMut(&Value, &Path<'_>, &mut S) -> bool,
) -> bool {
    if let Value::Array(items) = v {
        for (i, e) in items.iter().enumerate() {
            if !f(e, &Path::Index(path, i), sink) {
                return false;
            }
        }
    }
    true
}
