//! The compiled form of expressions and its evaluation against one message.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use regex::Regex;

use crate::ast::{BinaryOp, Step};
use crate::dialect::DialectFlags;
use crate::functions::{self, FnImpl, Num, num, str_of};
use crate::message::Message;
use crate::payload::PayloadView;
use crate::time::FixedOffset;
use crate::value::{Map, Value};

/// A function registered by the user: gets the evaluated arguments, returns a value.
pub type UserFunction = Arc<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// Settings shared by the rules compiled with one set of options.
pub(crate) struct Runtime {
    pub(crate) time_zone: FixedOffset,
    rng: AtomicU64,
    pub(crate) user: HashMap<String, (usize, usize, UserFunction)>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("time_zone", &self.time_zone)
            .field("user_functions", &self.user.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    pub(crate) fn new(
        time_zone: FixedOffset,
        seed: Option<u64>,
        user: HashMap<String, (usize, usize, UserFunction)>,
    ) -> Self {
        // Without a seed, the standard library's per-process random hash keys seed the generator.
        let seed = seed
            .unwrap_or_else(|| std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64));
        Runtime {
            time_zone,
            rng: AtomicU64::new(seed),
            user,
        }
    }

    /// splitmix64 over an atomic counter: shared by threads, no lock.
    pub(crate) fn next_u64(&self) -> u64 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, AtomicOrdering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random (version 4) UUID in its hyphenated lowercase form.
    pub(crate) fn uuid_v4(&self) -> String {
        let hi = (self.next_u64() & !0xF000) | 0x4000;
        let lo = (self.next_u64() & !(0xC << 60)) | (0x8 << 60);
        let n = (u128::from(hi) << 64) | u128::from(lo);
        let h = format!("{n:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Per-message state shared by all rules evaluated on that message.
pub(crate) struct MsgCtx<'m> {
    pub(crate) message: &'m Message<'m>,
    pub(crate) payload: PayloadView<'m>,
    pub(crate) runtime: &'m Runtime,
    pub(crate) flags: DialectFlags,
    tsl: OnceCell<Option<Value>>,
}

impl<'m> MsgCtx<'m> {
    pub(crate) fn new(message: &'m Message<'m>, runtime: &'m Runtime, flags: DialectFlags) -> Self {
        MsgCtx {
            message,
            payload: PayloadView::new(message.payload),
            runtime,
            flags,
            tsl: OnceCell::new(),
        }
    }

    /// Alibaba's transformed view of a TSL property post, when the dialect asks for it.
    fn tsl(&self) -> Option<&Value> {
        if !self.flags.tsl_view {
            return None;
        }
        self.tsl
            .get_or_init(|| {
                // Only property posts are transformed: check the topic before parsing anything
                // (the suffix test is a quick reject; `matches` decides).
                let t = self.message.topic;
                if !t.starts_with("/sys/")
                    || !t.ends_with("/thing/event/property/post")
                    || !iot_protocol::topic::matches(
                        crate::alibaba::PROPERTY_POST_FILTER,
                        self.message.topic,
                    )
                {
                    return None;
                }
                crate::alibaba::tsl_view(self.message, self.payload.full()?)
            })
            .as_ref()
    }

    pub(crate) fn field(&self, key: &str) -> Option<&Value> {
        match self.tsl() {
            Some(doc) => doc.get(key),
            None => self.payload.field(key),
        }
    }

    pub(crate) fn whole(&self) -> Option<&Value> {
        self.tsl().or_else(|| self.payload.full())
    }
}

/// Evaluation scope: the message, plus the current array element in nested SELECT / FOREACH.
pub(crate) struct Env<'e, 'm> {
    pub(crate) msg: &'e MsgCtx<'m>,
    pub(crate) flags: &'e DialectFlags,
    pub(crate) elem: Option<&'e Value>,
    pub(crate) outer: Option<&'e Env<'e, 'm>>,
}

impl Env<'_, '_> {
    fn elem_at(&self, depth: usize) -> Option<&Value> {
        let mut e = self;
        for _ in 0..depth {
            e = e.outer?;
        }
        e.elem
    }
}

/// EMQX message metadata readable by bare name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meta {
    ClientId,
    Username,
    Topic,
    Qos,
    Timestamp,
    Id,
    Payload,
    ProductKey,
    DeviceName,
    PubProps,
}

impl Meta {
    pub(crate) fn from_name(n: &str) -> Option<Meta> {
        Some(match n {
            "clientid" => Meta::ClientId,
            "username" => Meta::Username,
            "topic" => Meta::Topic,
            "qos" => Meta::Qos,
            "timestamp" | "publish_received_at" => Meta::Timestamp,
            "id" => Meta::Id,
            "payload" => Meta::Payload,
            "productKey" => Meta::ProductKey,
            "deviceName" => Meta::DeviceName,
            "pub_props" => Meta::PubProps,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A payload member (or a member of the TSL view).
    Payload,
    /// A member of the array element `depth` scopes out (0 = innermost).
    Elem(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegexOp {
    Matches,
    Replace,
    Substr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CastTo {
    Int,
    Decimal,
    String,
    Boolean,
}

/// A compiled expression.
#[derive(Clone)]
pub(crate) enum CExpr {
    Const(Value),
    /// `root.steps…` in a scope. `root` empty means the scope's value itself.
    Field {
        scope: Scope,
        root: Box<str>,
        steps: Box<[Step]>,
    },
    /// The whole (parsed) payload, then steps.
    WholePayload(Box<[Step]>),
    /// The raw payload bytes (`*` as a function argument).
    RawPayload,
    Meta(Meta),
    /// Steps applied to a computed value.
    Access(Box<CExpr>, Box<[Step]>),
    Array(Vec<CExpr>),
    Neg(Box<CExpr>),
    Not(Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Cmp(BinaryOp, Box<CExpr>, Box<CExpr>),
    Arith(BinaryOp, Box<CExpr>, Box<CExpr>),
    IsNull(Box<CExpr>, bool),
    In(Box<CExpr>, Vec<CExpr>, bool),
    Like(Box<CExpr>, Box<CExpr>, bool),
    LikeConst(Box<CExpr>, Arc<Regex>, bool),
    Between(Box<CExpr>, Box<CExpr>, Box<CExpr>, bool),
    Case {
        operand: Option<Box<CExpr>>,
        whens: Vec<(CExpr, CExpr)>,
        else_result: Option<Box<CExpr>>,
    },
    Call(FnImpl, Vec<CExpr>),
    User(UserFunction, Vec<CExpr>),
    Regex(RegexOp, Arc<Regex>, Vec<CExpr>),
    Cast(Box<CExpr>, CastTo),
    Subquery(Box<CSelect>),
}

impl fmt::Debug for CExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CExpr::Const(v) => write!(f, "Const({v:?})"),
            CExpr::Field { scope, root, steps } => {
                write!(f, "Field({scope:?}, {root:?}, {steps:?})")
            }
            _ => f.write_str("CExpr{..}"),
        }
    }
}

/// A compiled SELECT list.
#[derive(Debug, Clone)]
pub(crate) enum CProjection {
    Items {
        star: bool,
        items: Vec<(String, CExpr)>,
    },
    Value(CExpr),
}

/// A compiled nested SELECT.
#[derive(Debug, Clone)]
pub(crate) struct CSelect {
    pub(crate) projection: CProjection,
    pub(crate) from: CExpr,
    pub(crate) where_clause: Option<CExpr>,
}

pub(crate) fn walk<'v>(mut v: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    for s in steps {
        v = match (s, v) {
            (Step::Field(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(usize::try_from(*i).ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

fn args_eval(args: &[CExpr], env: &Env<'_, '_>) -> Vec<Value> {
    args.iter().map(|a| a.eval(env)).collect()
}

impl CExpr {
    pub(crate) fn eval(&self, env: &Env<'_, '_>) -> Value {
        match self {
            CExpr::Const(v) => v.clone(),
            CExpr::Field { scope, root, steps } => {
                let base = match scope {
                    Scope::Payload => env.msg.field(root),
                    Scope::Elem(d) => match env.elem_at(*d) {
                        Some(e) if root.is_empty() => Some(e),
                        Some(e) => e.get(root),
                        None => None,
                    },
                };
                base.and_then(|b| walk(b, steps))
                    .cloned()
                    .unwrap_or(Value::Undefined)
            }
            CExpr::WholePayload(steps) => env
                .msg
                .whole()
                .and_then(|b| walk(b, steps))
                .cloned()
                .unwrap_or(Value::Undefined),
            CExpr::RawPayload => Value::Bytes(env.msg.payload.raw().to_vec()),
            CExpr::Meta(m) => meta(*m, env),
            CExpr::Access(e, steps) => {
                let v = e.eval(env);
                walk(&v, steps).cloned().unwrap_or(Value::Undefined)
            }
            CExpr::Array(items) => Value::Array(args_eval(items, env)),
            CExpr::Neg(e) => match e.eval(env) {
                Value::Int(i) => i
                    .checked_neg()
                    .map_or(Value::Decimal(-(i as f64)), Value::Int),
                Value::Decimal(d) => Value::Decimal(-d),
                v => match num(&v) {
                    Num::Int(i) => i
                        .checked_neg()
                        .map_or(Value::Decimal(-(i as f64)), Value::Int),
                    Num::Dec(d) => Value::Decimal(-d),
                    Num::Null => Value::Null,
                    Num::Undefined => Value::Undefined,
                },
            },
            CExpr::Not(e) => not(&e.eval(env)),
            CExpr::And(a, b) => {
                let l = a.eval(env);
                if matches!(l, Value::Bool(false)) {
                    return l;
                }
                and(&l, &b.eval(env))
            }
            CExpr::Or(a, b) => {
                let l = a.eval(env);
                if matches!(l, Value::Bool(true)) {
                    return l;
                }
                or(&l, &b.eval(env))
            }
            CExpr::Cmp(op, a, b) => compare(*op, &a.eval(env), &b.eval(env)),
            CExpr::Arith(op, a, b) => arith(
                *op,
                &a.eval(env),
                &b.eval(env),
                env.flags.plus_concatenates,
                env.flags.int_division,
            ),
            CExpr::IsNull(e, negated) => {
                let v = e.eval(env);
                let null = v.is_null() || v.is_undefined();
                Value::Bool(null != *negated)
            }
            CExpr::In(e, list, negated) => {
                let v = e.eval(env);
                if v.is_undefined() {
                    return Value::Undefined;
                }
                let found = list
                    .iter()
                    .any(|x| loose_eq(&v, &x.eval(env)) == Some(true));
                Value::Bool(found != *negated)
            }
            CExpr::Like(e, p, negated) => {
                let v = e.eval(env);
                let p = p.eval(env);
                match (v.as_str(), p.as_str()) {
                    (Some(s), Some(p)) => match like_regex(p) {
                        Ok(re) => Value::Bool(re.is_match(s) != *negated),
                        Err(_) => Value::Undefined,
                    },
                    _ => null_or_undefined(&v, &p),
                }
            }
            CExpr::LikeConst(e, re, negated) => match e.eval(env) {
                Value::String(s) => Value::Bool(re.is_match(&s) != *negated),
                v => null_or_undefined(&v, &Value::Null),
            },
            CExpr::Between(e, lo, hi, negated) => {
                let v = e.eval(env);
                let r = and(
                    &compare(BinaryOp::Ge, &v, &lo.eval(env)),
                    &compare(BinaryOp::Le, &v, &hi.eval(env)),
                );
                if *negated { not(&r) } else { r }
            }
            CExpr::Case {
                operand,
                whens,
                else_result,
            } => {
                let subject = operand.as_ref().map(|o| o.eval(env));
                if subject.as_ref().is_some_and(Value::is_undefined) {
                    return Value::Undefined;
                }
                for (w, t) in whens {
                    let hit = match &subject {
                        Some(s) => loose_eq(s, &w.eval(env)) == Some(true),
                        None => w.eval(env).is_true(),
                    };
                    if hit {
                        return t.eval(env);
                    }
                }
                else_result
                    .as_ref()
                    .map_or(Value::Undefined, |e| e.eval(env))
            }
            CExpr::Call(f, args) => match args.len() {
                0 => f(&[], env),
                1 => f(&[args[0].eval(env)], env),
                2 => f(&[args[0].eval(env), args[1].eval(env)], env),
                _ => f(&args_eval(args, env), env),
            },
            CExpr::User(f, args) => f(&args_eval(args, env)),
            CExpr::Regex(op, re, args) => {
                let input = args.first().map_or(Value::Undefined, |a| a.eval(env));
                let extra = args.get(1).map(|a| a.eval(env));
                regex_apply(*op, re, &input, extra.as_ref())
            }
            CExpr::Cast(e, to) => cast(&e.eval(env), *to),
            CExpr::Subquery(s) => s.eval(env),
        }
    }
}

impl CSelect {
    fn eval(&self, env: &Env<'_, '_>) -> Value {
        let Value::Array(items) = self.from.eval(env) else {
            return Value::Undefined;
        };
        let mut out = Vec::with_capacity(items.len());
        for it in &items {
            let inner = Env {
                msg: env.msg,
                flags: env.flags,
                elem: Some(it),
                outer: Some(env),
            };
            if let Some(w) = &self.where_clause
                && !w.eval(&inner).is_true()
            {
                continue;
            }
            let v = project(&self.projection, &inner, Some(it));
            if !v.is_undefined() {
                out.push(v);
            }
        }
        Value::Array(out)
    }
}

/// Evaluates a projection. `star_source` is what `*` stands for (the element in nested SELECT);
/// `None` means the message payload.
pub(crate) fn project(p: &CProjection, env: &Env<'_, '_>, star_source: Option<&Value>) -> Value {
    match p {
        CProjection::Value(e) => e.eval(env),
        CProjection::Items { star, items } => {
            let mut m = Map::with_capacity(items.len());
            if *star {
                let src = match star_source {
                    Some(s) => Some(s),
                    None => env.msg.whole(),
                };
                match src {
                    Some(Value::Object(o)) => {
                        m = o.clone();
                    }
                    Some(v) if items.is_empty() => return v.clone(),
                    Some(_) => {}
                    None if items.is_empty() => {
                        return Value::Bytes(env.msg.payload.raw().to_vec());
                    }
                    None => {}
                }
            }
            // Output names are unique (see `Compiler::items`): only `*` members can clash.
            let fresh = m.is_empty();
            for (name, e) in items {
                let v = e.eval(env);
                if v.is_undefined() {
                    // An Undefined item still hides a `*` member of its name.
                    if !fresh {
                        m.remove(name);
                    }
                } else if fresh {
                    m.push_new(name.clone(), v);
                } else {
                    m.insert(name.clone(), v);
                }
            }
            Value::Object(m)
        }
    }
}

fn meta(m: Meta, env: &Env<'_, '_>) -> Value {
    let msg = env.msg.message;
    let s = |o: Option<&str>| o.map_or(Value::Undefined, Value::from);
    match m {
        Meta::ClientId => s(msg.client_id),
        Meta::Username => s(msg.username),
        Meta::Topic => Value::from(msg.topic),
        Meta::Qos => msg
            .qos
            .map_or(Value::Undefined, |q| Value::Int(i64::from(q))),
        Meta::Timestamp => Value::Int(msg.timestamp.0),
        Meta::Id => s(msg.message_id),
        Meta::ProductKey => s(msg.product_key),
        Meta::DeviceName => s(msg.device_name),
        Meta::PubProps => msg.properties.cloned().unwrap_or(Value::Undefined),
        Meta::Payload => match std::str::from_utf8(env.msg.payload.raw()) {
            Ok(t) => Value::from(t),
            Err(_) => Value::Bytes(env.msg.payload.raw().to_vec()),
        },
    }
}

/// The topic rules see: AWS basic-ingest topics `$aws/rules/<rule>/<topic>` lose their prefix.
pub(crate) fn effective_topic(topic: &str) -> &str {
    if let Some(rest) = topic.strip_prefix("$aws/rules/")
        && let Some((_, t)) = rest.split_once('/')
    {
        return t;
    }
    topic
}

fn null_or_undefined(a: &Value, b: &Value) -> Value {
    if a.is_undefined() || b.is_undefined() {
        Value::Undefined
    } else if a.is_null() || b.is_null() {
        Value::Null
    } else {
        Value::Undefined
    }
}

fn not(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => Value::Null,
        _ => Value::Undefined,
    }
}

fn and(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
        (Value::Null, Value::Null | Value::Bool(true)) | (Value::Bool(true), Value::Null) => {
            Value::Null
        }
        _ => Value::Undefined,
    }
}

fn or(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
        (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
        (Value::Null, Value::Null | Value::Bool(false)) | (Value::Bool(false), Value::Null) => {
            Value::Null
        }
        _ => Value::Undefined,
    }
}

/// Equality across types: numbers by value (strings that read as numbers compare as numbers),
/// arrays and objects member by member. `None` when either side is `Undefined`.
pub(crate) fn loose_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Undefined, _) | (_, Value::Undefined) => None,
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Array(x), Value::Array(y)) => {
            Some(x.len() == y.len() && x.iter().zip(y).all(|(p, q)| loose_eq(p, q) == Some(true)))
        }
        (Value::Object(x), Value::Object(y)) => Some(
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| loose_eq(v, w) == Some(true))),
        ),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x == y),
        _ => Some(num_cmp(num(a), num(b)) == Some(Ordering::Equal)),
    }
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Dec(y)) => (x as f64).partial_cmp(&y),
        (Num::Dec(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
        (Num::Dec(x), Num::Dec(y)) => x.partial_cmp(&y),
        _ => None,
    }
}

/// Comparison operators. `Undefined` on either side gives `Undefined`; `null` gives `null`
/// for ordering and compares equal only to `null` for `=` / `<>`.
pub(crate) fn compare(op: BinaryOp, a: &Value, b: &Value) -> Value {
    if a.is_undefined() || b.is_undefined() {
        return Value::Undefined;
    }
    match op {
        BinaryOp::Eq => return loose_eq(a, b).map_or(Value::Undefined, Value::Bool),
        BinaryOp::Ne => return loose_eq(a, b).map_or(Value::Undefined, |e| Value::Bool(!e)),
        BinaryOp::TopicMatch => {
            return match (a.as_str(), b.as_str()) {
                (Some(t), Some(f)) => Value::Bool(
                    iot_protocol::topic::validate_topic_filter(f).is_ok()
                        && iot_protocol::topic::matches(f, t),
                ),
                _ => null_or_undefined(a, b),
            };
        }
        _ => {}
    }
    if a.is_null() || b.is_null() {
        return Value::Null;
    }
    let ord = match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => num_cmp(num(a), num(b)),
    };
    let Some(ord) = ord else {
        return Value::Undefined;
    };
    Value::Bool(match op {
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Le => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        BinaryOp::Ge => ord != Ordering::Less,
        _ => return Value::Undefined,
    })
}

/// Arithmetic and concatenation. Integers stay integers while they fit (overflow gives a
/// decimal); strings that read as numbers are numbers (AWS); division by zero is `Undefined`.
pub(crate) fn arith(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    plus_concat: bool,
    int_division: bool,
) -> Value {
    if a.is_undefined() || b.is_undefined() {
        return Value::Undefined;
    }
    if op == BinaryOp::Concat
        || (op == BinaryOp::Add
            && plus_concat
            && (matches!(a, Value::String(_)) || matches!(b, Value::String(_))))
    {
        if a.is_null() || b.is_null() {
            return Value::Null;
        }
        return match (str_of(a), str_of(b)) {
            (Some(x), Some(y)) => Value::String(format!("{x}{y}")),
            _ => Value::Undefined,
        };
    }
    let (x, y) = (num(a), num(b));
    if matches!(x, Num::Undefined) || matches!(y, Num::Undefined) {
        return Value::Undefined;
    }
    if matches!(x, Num::Null) || matches!(y, Num::Null) {
        return Value::Null;
    }
    if let (Num::Int(x), Num::Int(y)) = (x, y) {
        let r = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            BinaryOp::Div if y == 0 => return Value::Undefined,
            BinaryOp::Div if int_division => x.checked_div(y),
            BinaryOp::Div => return Value::Decimal(x as f64 / y as f64),
            BinaryOp::IntDiv if y == 0 => return Value::Undefined,
            BinaryOp::IntDiv => x.checked_div(y),
            BinaryOp::Mod if y == 0 => return Value::Undefined,
            BinaryOp::Mod => Some(x.checked_rem(y).unwrap_or(0)),
            _ => return Value::Undefined,
        };
        if let Some(r) = r {
            return Value::Int(r);
        }
    }
    let f = |n: Num| match n {
        Num::Int(i) => i as f64,
        Num::Dec(d) => d,
        _ => f64::NAN,
    };
    let (x, y) = (f(x), f(y));
    let r = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div | BinaryOp::IntDiv | BinaryOp::Mod if y == 0.0 => return Value::Undefined,
        BinaryOp::Div => x / y,
        BinaryOp::IntDiv => return Value::Undefined,
        BinaryOp::Mod => x % y,
        _ => return Value::Undefined,
    };
    Value::Decimal(r)
}

pub(crate) fn cast(v: &Value, to: CastTo) -> Value {
    if matches!(v, Value::Undefined | Value::Null) {
        return v.clone();
    }
    match to {
        CastTo::Int => match (v, num(v)) {
            (Value::Bool(b), _) => Value::Int(i64::from(*b)),
            (_, Num::Int(i)) => Value::Int(i),
            (_, Num::Dec(d)) => {
                functions::f64_to_i64(d.trunc()).map_or(Value::Undefined, Value::Int)
            }
            _ => Value::Undefined,
        },
        CastTo::Decimal => match (v, num(v)) {
            (Value::Bool(b), _) => Value::Decimal(if *b { 1.0 } else { 0.0 }),
            (_, Num::Int(i)) => Value::Decimal(i as f64),
            (_, Num::Dec(d)) => Value::Decimal(d),
            _ => Value::Undefined,
        },
        CastTo::String => match str_of(v) {
            Some(s) => Value::String(s.into_owned()),
            None => Value::String(v.to_json_string()),
        },
        CastTo::Boolean => match v {
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Bool(*i != 0),
            Value::Decimal(d) => Value::Bool(*d != 0.0),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => Value::Undefined,
        },
    }
}

/// Longest compiled regex program accepted (bytes), for patterns in rules and in messages.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub(crate) fn build_regex(p: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// SQL LIKE: `%` any run, `_` one character, `\` escapes the next character.
pub(crate) fn like_regex(p: &str) -> Result<Regex, regex::Error> {
    let mut re = String::with_capacity(p.len() + 8);
    re.push_str("(?s)^");
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            '\\' => {
                if let Some(n) = chars.next() {
                    re.push_str(&regex::escape(&n.to_string()));
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    build_regex(&re)
}

pub(crate) fn regex_apply(op: RegexOp, re: &Regex, input: &Value, extra: Option<&Value>) -> Value {
    let Some(s) = str_of(input) else {
        return null_or_undefined(input, &Value::Null);
    };
    match op {
        RegexOp::Matches => Value::Bool(re.is_match(&s)),
        RegexOp::Substr => re
            .find(&s)
            .map_or(Value::String(String::new()), |m| Value::from(m.as_str())),
        RegexOp::Replace => match extra.and_then(str_of) {
            Some(rep) => Value::String(re.replace_all(&s, rep.as_ref()).into_owned()),
            None => Value::Undefined,
        },
    }
}
