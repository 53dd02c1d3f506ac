//! Model checks and compilation of a TSL document into validator trees.
//!
//! One walk over the document does both: it collects every [`ModelIssue`] (located by a JSON
//! Pointer into the document) and builds the [`Node`] tree the validators run. A model with
//! issues does not compile.

use crate::error::{IdentifierRule, ModelIssue, ModelIssueKind};
use crate::tsl::{DataType, NumberSpecs, Param, ServiceArg, Tsl};

/// Largest `text` length the vendor allows.
pub(crate) const MAX_TEXT_LENGTH: usize = 10_240;
/// Largest `array` size the vendor allows.
pub(crate) const MAX_ARRAY_SIZE: usize = 512;
/// Longest identifier.
const MAX_IDENTIFIER_LEN: usize = 50;
/// Identifiers that collide with Alink member and method names.
pub(crate) const RESERVED_WORDS: &[&str] =
    &["set", "get", "post", "property", "time", "value", "event"];
/// Largest `date` / `time` value: epoch ms up to 13 digits (year 2286).
pub(crate) const MAX_EPOCH_MS: i64 = 9_999_999_999_999;

/// A compiled data type.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Int {
        min: i64,
        max: i64,
        /// `None` when every integer in range is allowed (no step or step 1).
        step: Option<i64>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        step: Option<Step>,
    },
    Text {
        max_chars: usize,
    },
    Date,
    Bool,
    Enum {
        /// Sorted.
        keys: Box<[i64]>,
    },
    Struct(Members),
    Array {
        max_items: usize,
        item: Box<Node>,
    },
}

/// A float/double step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub(crate) value: f64,
    /// Whether the step is a whole number (then the check is exact).
    pub(crate) integral: bool,
}

/// Compares two short strings without a call into `memcmp` (which dominates for keys of a few
/// bytes): keys up to 16 bytes are compared with two overlapping word loads.
#[inline(always)]
pub(crate) fn key_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    #[inline(always)]
    fn word8(s: &[u8], at: usize) -> u64 {
        u64::from_ne_bytes(<[u8; 8]>::try_from(&s[at..at + 8]).unwrap_or_default())
    }
    #[inline(always)]
    fn word4(s: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes(<[u8; 4]>::try_from(&s[at..at + 4]).unwrap_or_default())
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// FNV-1a, enough to spread identifiers over a small open-addressing table.
#[inline]
fn key_hash(k: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in k.as_bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize
}

/// Named entries, sorted by name, with a hash index for lookups.
///
/// Lookups first try the entry after the previous hit (`get_hinted`): serde_json objects
/// iterate their keys in sorted order, so a payload that names the model's entries in order
/// costs one comparison per key.
#[derive(Debug, Clone)]
pub(crate) struct Table<T> {
    pub(crate) entries: Box<[(Box<str>, T)]>,
    /// Open addressing, entry index + 1 (0 = empty); length is a power of two.
    slots: Box<[u32]>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            entries: Box::new([]),
            slots: Box::new([0]),
        }
    }
}

impl<T> Table<T> {
    pub(crate) fn from_vec(mut v: Vec<(Box<str>, T)>) -> Table<T> {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        let size = (v.len() * 2).next_power_of_two().max(1);
        let mut slots = vec![0u32; size];
        for (i, (k, _)) in v.iter().enumerate() {
            let mut at = key_hash(k) & (size - 1);
            while slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        Table {
            entries: v.into_boxed_slice(),
            slots: slots.into_boxed_slice(),
        }
    }

    /// The index of `key`.
    #[inline]
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut at = key_hash(key) & mask;
        loop {
            let slot = self.slots[at] as usize;
            if slot == 0 {
                return None;
            }
            if key_eq(&self.entries[slot - 1].0, key) {
                return Some(slot - 1);
            }
            at = (at + 1) & mask;
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&T> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Like `get`, trying the entry at `*hint` first and leaving the next index in `*hint`.
    #[inline(always)]
    pub(crate) fn get_hinted(&self, key: &str, hint: &mut usize) -> Option<&T> {
        if let Some((k, v)) = self.entries.get(*hint)
            && key_eq(k, key)
        {
            *hint += 1;
            return Some(v);
        }
        let i = self.position(key)?;
        *hint = i + 1;
        Some(&self.entries[i].1)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Struct members or message parameters.
pub(crate) type Members = Table<Node>;

/// A compiled property.
#[derive(Debug, Clone)]
pub(crate) struct PropertyNode {
    pub(crate) node: Node,
    pub(crate) writable: bool,
}

/// A compiled service.
#[derive(Debug, Clone)]
pub(crate) struct ServiceNode {
    /// `Some` when `inputData` lists property identifiers (the generated `get`).
    pub(crate) input_ids: Option<Box<[Box<str>]>>,
    pub(crate) input: Members,
    pub(crate) output: Members,
}

/// Everything the validators need, built from a checked model.
#[derive(Debug, Clone)]
pub(crate) struct ModelTree {
    pub(crate) product_key: Option<String>,
    pub(crate) properties: Table<PropertyNode>,
    pub(crate) events: Table<Members>,
    pub(crate) services: Table<ServiceNode>,
}

impl ModelTree {
    pub(crate) fn property(&self, id: &str) -> Option<&PropertyNode> {
        self.properties.get(id)
    }
    pub(crate) fn event(&self, id: &str) -> Option<&Members> {
        self.events.get(id)
    }
}

struct Checker {
    issues: Vec<ModelIssue>,
    float_step: bool,
}

/// Where a data type sits, for the nesting rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    StructMember,
    ArrayItem,
}

impl Checker {
    fn issue(&mut self, path: &str, kind: ModelIssueKind) {
        self.issues.push(ModelIssue {
            path: path.to_owned(),
            kind,
        });
    }

    fn identifier(&mut self, path: &str, id: &str, allow_reserved: bool) {
        let rule = if id.is_empty() {
            Some(IdentifierRule::Empty)
        } else if id.chars().count() > MAX_IDENTIFIER_LEN {
            Some(IdentifierRule::TooLong)
        } else if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Some(IdentifierRule::Charset)
        } else if !allow_reserved && RESERVED_WORDS.contains(&id) {
            Some(IdentifierRule::Reserved)
        } else {
            None
        };
        if let Some(rule) = rule {
            self.issue(
                &format!("{path}/identifier"),
                ModelIssueKind::InvalidIdentifier {
                    identifier: id.to_owned(),
                    rule,
                },
            );
        }
    }

    fn unique<'a>(&mut self, path: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen: Vec<&str> = Vec::new();
        for (i, id) in ids.enumerate() {
            if seen.contains(&id) {
                self.issue(
                    &format!("{path}/{i}/identifier"),
                    ModelIssueKind::DuplicateIdentifier(id.to_owned()),
                );
            } else {
                seen.push(id);
            }
        }
    }

    fn params(&mut self, path: &str, params: &[Param]) -> Members {
        self.unique(path, params.iter().map(|p| p.identifier.as_str()));
        let mut out = Vec::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            let ppath = format!("{path}/{i}");
            self.identifier(&ppath, &p.identifier, false);
            let node = self.data_type(&format!("{ppath}/dataType"), &p.data_type, Place::Top);
            out.push((p.identifier.as_str().into(), node));
        }
        Members::from_vec(out)
    }

    fn data_type(&mut self, path: &str, dt: &DataType, place: Place) -> Node {
        let specs = format!("{path}/specs");
        match (place, dt) {
            (Place::StructMember, DataType::Struct(_) | DataType::Array(_)) => {
                self.issue(path, ModelIssueKind::NestedStructOrArray);
            }
            (
                Place::ArrayItem,
                DataType::Bool(_) | DataType::Enum(_) | DataType::Date(_) | DataType::Array(_),
            ) => {
                self.issue(path, ModelIssueKind::ArrayItemType);
            }
            _ => {}
        }
        match dt {
            DataType::Int(s) => self.int(&specs, s),
            DataType::Float(s) => self.number(&specs, s, true),
            DataType::Double(s) => self.number(&specs, s, false),
            DataType::Text(s) => {
                let max_chars = match s.length.as_deref() {
                    None => MAX_TEXT_LENGTH,
                    Some(t) => match t.trim().parse::<usize>() {
                        Ok(n) if (1..=MAX_TEXT_LENGTH).contains(&n) => n,
                        Ok(_) => {
                            self.issue(
                                &format!("{specs}/length"),
                                ModelIssueKind::TextLengthOutOfRange,
                            );
                            MAX_TEXT_LENGTH
                        }
                        Err(_) => {
                            self.not_a_number(&specs, "length", t);
                            MAX_TEXT_LENGTH
                        }
                    },
                };
                Node::Text { max_chars }
            }
            DataType::Date(_) => Node::Date,
            DataType::Bool(labels) => {
                for k in labels.keys() {
                    if k != "0" && k != "1" {
                        self.issue(&specs, ModelIssueKind::LabelKeyNotInteger(k.clone()));
                    }
                }
                Node::Bool
            }
            DataType::Enum(labels) => {
                let mut keys = Vec::with_capacity(labels.len());
                for k in labels.keys() {
                    match k.trim().parse::<i32>() {
                        Ok(v) => keys.push(i64::from(v)),
                        Err(_) => {
                            self.issue(&specs, ModelIssueKind::LabelKeyNotInteger(k.clone()));
                        }
                    }
                }
                keys.sort_unstable();
                keys.dedup();
                Node::Enum {
                    keys: keys.into_boxed_slice(),
                }
            }
            DataType::Struct(members) => {
                if members.is_empty() {
                    self.issue(&specs, ModelIssueKind::EmptyStruct);
                }
                self.unique(&specs, members.iter().map(|p| p.identifier.as_str()));
                let mut out = Vec::with_capacity(members.len());
                for (i, m) in members.iter().enumerate() {
                    let mpath = format!("{specs}/{i}");
                    self.identifier(&mpath, &m.identifier, false);
                    let node = self.data_type(
                        &format!("{mpath}/dataType"),
                        &m.data_type,
                        Place::StructMember,
                    );
                    out.push((m.identifier.as_str().into(), node));
                }
                Node::Struct(Members::from_vec(out))
            }
            DataType::Array(a) => {
                let max_items = match a.size.as_deref() {
                    None => MAX_ARRAY_SIZE,
                    Some(t) => match t.trim().parse::<usize>() {
                        Ok(n) if (1..=MAX_ARRAY_SIZE).contains(&n) => n,
                        Ok(_) => {
                            self.issue(
                                &format!("{specs}/size"),
                                ModelIssueKind::ArraySizeOutOfRange,
                            );
                            MAX_ARRAY_SIZE
                        }
                        Err(_) => {
                            self.not_a_number(&specs, "size", t);
                            MAX_ARRAY_SIZE
                        }
                    },
                };
                let item = self.data_type(&format!("{specs}/item"), &a.item, Place::ArrayItem);
                Node::Array {
                    max_items,
                    item: Box::new(item),
                }
            }
        }
    }

    fn not_a_number(&mut self, specs: &str, field: &'static str, text: &str) {
        self.issue(
            &format!("{specs}/{field}"),
            ModelIssueKind::NotANumber {
                field,
                text: text.to_owned(),
            },
        );
    }

    fn int_spec(&mut self, specs: &str, field: &'static str, text: Option<&str>) -> Option<i64> {
        let text = text?;
        let t = text.trim();
        if let Ok(v) = t.parse::<i32>() {
            return Some(i64::from(v));
        }
        if t.parse::<f64>().is_ok_and(f64::is_finite) {
            self.issue(
                &format!("{specs}/{field}"),
                ModelIssueKind::IntOutOfRange {
                    field,
                    text: text.to_owned(),
                },
            );
        } else {
            self.not_a_number(specs, field, text);
        }
        None
    }

    fn float_spec(&mut self, specs: &str, field: &'static str, text: Option<&str>) -> Option<f64> {
        let text = text?;
        match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                self.not_a_number(specs, field, text);
                None
            }
        }
    }

    fn int(&mut self, specs: &str, s: &NumberSpecs) -> Node {
        let min = self.int_spec(specs, "min", s.min.as_deref());
        let max = self.int_spec(specs, "max", s.max.as_deref());
        let step = self.int_spec(specs, "step", s.step.as_deref());
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            self.issue(specs, ModelIssueKind::MinAboveMax);
        }
        if let Some(st) = step {
            if st <= 0 {
                self.issue(&format!("{specs}/step"), ModelIssueKind::StepNotPositive);
            } else if let (Some(lo), Some(hi)) = (min, max)
                && hi > lo
                && st > hi - lo
            {
                self.issue(&format!("{specs}/step"), ModelIssueKind::StepAboveRange);
            }
        }
        Node::Int {
            min: min.unwrap_or(i64::from(i32::MIN)),
            max: max.unwrap_or(i64::from(i32::MAX)),
            step: step.filter(|&st| st > 1),
        }
    }

    fn number(&mut self, specs: &str, s: &NumberSpecs, single: bool) -> Node {
        let min = self.float_spec(specs, "min", s.min.as_deref());
        let max = self.float_spec(specs, "max", s.max.as_deref());
        let step = self.float_spec(specs, "step", s.step.as_deref());
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            self.issue(specs, ModelIssueKind::MinAboveMax);
        }
        let mut compiled_step = None;
        if let Some(st) = step {
            if st <= 0.0 {
                self.issue(&format!("{specs}/step"), ModelIssueKind::StepNotPositive);
            } else {
                if let (Some(lo), Some(hi)) = (min, max)
                    && hi > lo
                    && st > hi - lo
                {
                    self.issue(&format!("{specs}/step"), ModelIssueKind::StepAboveRange);
                }
                compiled_step = self.float_step.then_some(Step {
                    value: st,
                    integral: st.fract() == 0.0,
                });
            }
        }
        let limit = if single {
            Some(f64::from(f32::MAX))
        } else {
            None
        };
        Node::Number {
            min: min.or(limit.map(|l| -l)),
            max: max.or(limit),
            step: compiled_step,
        }
    }
}

/// Checks a model and builds its validator tree.
pub(crate) fn compile(tsl: &Tsl, float_step: bool) -> Result<ModelTree, Vec<ModelIssue>> {
    let mut c = Checker {
        issues: Vec::new(),
        float_step,
    };

    c.unique(
        "/properties",
        tsl.properties.iter().map(|p| p.identifier.as_str()),
    );
    let mut properties: Vec<(Box<str>, PropertyNode)> = Vec::with_capacity(tsl.properties.len());
    for (i, p) in tsl.properties.iter().enumerate() {
        let path = format!("/properties/{i}");
        c.identifier(&path, &p.identifier, false);
        let node = c.data_type(&format!("{path}/dataType"), &p.data_type, Place::Top);
        properties.push((
            p.identifier.as_str().into(),
            PropertyNode {
                node,
                writable: p.writable(),
            },
        ));
    }

    c.unique("/events", tsl.events.iter().map(|e| e.identifier.as_str()));
    let mut events: Vec<(Box<str>, Members)> = Vec::with_capacity(tsl.events.len());
    for (i, e) in tsl.events.iter().enumerate() {
        let path = format!("/events/{i}");
        // The generated `post` event is the one place a reserved word is the identifier.
        c.identifier(&path, &e.identifier, e.identifier == "post");
        let members = c.params(&format!("{path}/outputData"), &e.output_data);
        events.push((e.identifier.as_str().into(), members));
    }

    c.unique(
        "/services",
        tsl.services.iter().map(|s| s.identifier.as_str()),
    );
    let mut services: Vec<(Box<str>, ServiceNode)> = Vec::with_capacity(tsl.services.len());
    for (i, s) in tsl.services.iter().enumerate() {
        let path = format!("/services/{i}");
        let generated = s.identifier == "set" || s.identifier == "get";
        c.identifier(&path, &s.identifier, generated);
        let ids: Vec<(usize, &str)> = s
            .input_data
            .iter()
            .enumerate()
            .filter_map(|(j, a)| match a {
                ServiceArg::Identifier(id) => Some((j, id.as_str())),
                ServiceArg::Param(_) => None,
            })
            .collect();
        let params: Vec<Param> = s
            .input_data
            .iter()
            .filter_map(|a| match a {
                ServiceArg::Param(p) => Some(p.clone()),
                ServiceArg::Identifier(_) => None,
            })
            .collect();
        let input_ids = if ids.is_empty() {
            None
        } else {
            for (j, id) in &ids {
                if tsl.property(id).is_none() {
                    c.issue(
                        &format!("{path}/inputData/{j}"),
                        ModelIssueKind::UnknownPropertyInGet((*id).to_owned()),
                    );
                }
            }
            let mut sorted: Vec<Box<str>> = ids.iter().map(|(_, s)| (*s).into()).collect();
            sorted.sort();
            sorted.dedup();
            Some(sorted.into_boxed_slice())
        };
        let input = c.params(&format!("{path}/inputData"), &params);
        let output = c.params(&format!("{path}/outputData"), &s.output_data);
        services.push((
            s.identifier.as_str().into(),
            ServiceNode {
                input_ids,
                input,
                output,
            },
        ));
    }

    if !c.issues.is_empty() {
        return Err(c.issues);
    }
    Ok(ModelTree {
        product_key: tsl.profile.product_key.clone(),
        properties: Table::from_vec(properties),
        events: Table::from_vec(events),
        services: Table::from_vec(services),
    })
}

/// Runs the checks only.
pub(crate) fn check(tsl: &Tsl) -> Vec<ModelIssue> {
    match compile(tsl, false) {
        Ok(_) => Vec::new(),
        Err(issues) => issues,
    }
}
