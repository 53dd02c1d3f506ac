//! Conversions and helpers shared by the built-in functions: AWS number coercion, text views,
//! float helpers, hashing, base64.

use std::borrow::Cow;

use base64::Engine as _;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::eval::Env;
use crate::value::{Map, Value};

/// A number view of a value, with AWS IoT's string-to-number conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Dec(f64),
    Null,
    Undefined,
}

/// `^-?\d+(\.\d+)?([eE]-?\d+)?$`, as AWS IoT converts strings to numbers.
pub(crate) fn parse_num_str(s: &str) -> Option<Num> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let st = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > st
    };
    if !digits(&mut i) {
        return None;
    }
    let mut int = true;
    if b.get(i) == Some(&b'.') {
        i += 1;
        int = false;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        int = false;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if int && let Ok(v) = s.parse::<i64>() {
        return Some(Num::Int(v));
    }
    s.parse::<f64>()
        .ok()
        .filter(|d| d.is_finite())
        .map(Num::Dec)
}

pub(crate) fn num(v: &Value) -> Num {
    match v {
        Value::Int(i) => Num::Int(*i),
        Value::Decimal(d) => Num::Dec(*d),
        Value::String(s) => parse_num_str(s).unwrap_or(Num::Undefined),
        Value::Null => Num::Null,
        _ => Num::Undefined,
    }
}

/// Saturation-free float to integer: `None` if not finite or out of range.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn f64_to_i64(d: f64) -> Option<i64> {
    (-9.223_372_036_854_776e18..9.223_372_036_854_776e18)
        .contains(&d)
        .then_some(d as i64)
}

pub(crate) fn int_of(v: &Value) -> Option<i64> {
    match num(v) {
        Num::Int(i) => Some(i),
        Num::Dec(d) if d.fract() == 0.0 => f64_to_i64(d),
        _ => None,
    }
}

/// Text of a string, number or boolean.
pub(crate) fn str_of(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Int(i) => Some(Cow::Owned(i.to_string())),
        Value::Decimal(d) => Some(Cow::Owned(d.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

pub(crate) fn is_nullish(v: &Value, e: &Env<'_, '_>) -> bool {
    v.is_null() || (e.flags.undefined_is_null && v.is_undefined())
}

pub(crate) fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Undefined, Value::from)
}

pub(crate) fn passthrough(v: &Value) -> Option<Value> {
    match v {
        Value::Null => Some(Value::Null),
        Value::Undefined => Some(Value::Undefined),
        _ => None,
    }
}

pub(crate) fn float1(v: &Value, f: fn(f64) -> f64) -> Value {
    match num(v) {
        Num::Int(i) => Value::Decimal(f(i as f64)),
        Num::Dec(d) => Value::Decimal(f(d)),
        Num::Null => Value::Null,
        Num::Undefined => Value::Undefined,
    }
}

pub(crate) fn float2(a: &Value, b: &Value, f: fn(f64, f64) -> f64) -> Value {
    let x = match num(a) {
        Num::Int(i) => i as f64,
        Num::Dec(d) => d,
        Num::Null => return Value::Null,
        Num::Undefined => return Value::Undefined,
    };
    match num(b) {
        Num::Int(i) => Value::Decimal(f(x, i as f64)),
        Num::Dec(d) => Value::Decimal(f(x, d)),
        Num::Null => Value::Null,
        Num::Undefined => Value::Undefined,
    }
}

pub(crate) fn num_map(v: &Value, fi: fn(i64) -> Option<i64>, fd: fn(f64) -> f64) -> Value {
    match num(v) {
        Num::Int(i) => fi(i).map_or_else(|| Value::Decimal(fd(i as f64)), Value::Int),
        Num::Dec(d) => Value::Decimal(fd(d)),
        Num::Null => Value::Null,
        Num::Undefined => Value::Undefined,
    }
}

pub(crate) fn round_with(v: &Value, f: fn(f64) -> f64) -> Value {
    match num(v) {
        Num::Int(i) => Value::Int(i),
        Num::Dec(d) => f64_to_i64(f(d)).map_or(Value::Decimal(f(d)), Value::Int),
        Num::Null => Value::Null,
        Num::Undefined => Value::Undefined,
    }
}

pub(crate) fn int2(a: &Value, b: &Value, f: fn(i64, i64) -> Option<i64>) -> Value {
    match (int_of(a), int_of(b)) {
        (Some(x), Some(y)) => f(x, y).map_or(Value::Undefined, Value::Int),
        _ => passthrough(a)
            .or_else(|| passthrough(b))
            .unwrap_or(Value::Undefined),
    }
}

pub(crate) fn power(a: &Value, b: &Value) -> Value {
    if let (Num::Int(x), Num::Int(y)) = (num(a), num(b))
        && let Ok(y) = u32::try_from(y)
        && let Some(r) = x.checked_pow(y)
    {
        return Value::Int(r);
    }
    float2(a, b, f64::powf)
}

pub(crate) fn str1(v: &Value, f: impl Fn(&str) -> Value) -> Value {
    match str_of(v) {
        Some(s) => f(&s),
        None => passthrough(v).unwrap_or(Value::Undefined),
    }
}

pub(crate) fn str2(a: &Value, b: &Value, f: impl Fn(&str, &str) -> Value) -> Value {
    match (str_of(a), str_of(b)) {
        (Some(x), Some(y)) => f(&x, &y),
        _ => passthrough(a)
            .or_else(|| passthrough(b))
            .unwrap_or(Value::Undefined),
    }
}

pub(crate) fn concat(a: &[Value], _: &Env<'_, '_>) -> Value {
    // Arrays concatenate with arrays (AWS); otherwise every argument is printed as text.
    if a.iter().all(|v| matches!(v, Value::Array(_))) {
        let mut out = Vec::new();
        for v in a {
            if let Value::Array(items) = v {
                out.extend(items.iter().cloned());
            }
        }
        return Value::Array(out);
    }
    let mut s = String::new();
    for v in a {
        match str_of(v) {
            Some(t) => s.push_str(&t),
            None => return passthrough(v).unwrap_or(Value::Undefined),
        }
    }
    Value::String(s)
}

pub(crate) fn substring(a: &[Value]) -> Value {
    // 0-based start, optional exclusive end (AWS `substring(str, start[, end])`).
    let Some(s) = str_of(&a[0]) else {
        return passthrough(&a[0]).unwrap_or(Value::Undefined);
    };
    let n = s.chars().count();
    let clamp = |v: i64| usize::try_from(v.max(0)).unwrap_or(usize::MAX).min(n);
    let Some(start) = int_of(&a[1]).map(clamp) else {
        return Value::Undefined;
    };
    let end = match a.get(2) {
        None => n,
        Some(e) => match int_of(e) {
            Some(e) => clamp(e),
            None => return Value::Undefined,
        },
    };
    if end <= start {
        return Value::String(String::new());
    }
    Value::String(s.chars().skip(start).take(end - start).collect())
}

pub(crate) fn pad(a: &[Value], left: bool) -> Value {
    match (str_of(&a[0]), int_of(&a[1]), str_of(&a[2])) {
        (Some(s), Some(n), Some(p)) if (0..=65_536).contains(&n) => {
            let n = usize::try_from(n).unwrap_or(0);
            let fill: String = p.chars().cycle().take(n).collect();
            Value::String(if left {
                format!("{fill}{s}")
            } else {
                format!("{s}{fill}")
            })
        }
        _ => Value::Undefined,
    }
}

pub(crate) fn to_bool(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(*b),
        Value::Int(i) => Value::Bool(*i != 0),
        Value::Decimal(d) => Value::Bool(*d != 0.0),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        Value::Null => Value::Null,
        _ => Value::Undefined,
    }
}

pub(crate) fn get_member(v: &Value, k: &Value) -> Value {
    match (v, k) {
        (Value::Object(m), _) => str_of(k)
            .and_then(|k| m.get(&k))
            .cloned()
            .unwrap_or(Value::Undefined),
        (Value::Array(a), _) => int_of(k)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| a.get(i))
            .cloned()
            .unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }
}

/// `a.b.c` keys for EMQX `map_get`.
pub(crate) fn nested_get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    if let Some(direct) = v.get(key) {
        return Some(direct);
    }
    key.split('.').try_fold(v, |cur, k| cur.get(k))
}

pub(crate) fn bytes_of(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Bytes(b) => Some(Cow::Borrowed(b)),
        Value::String(s) => Some(Cow::Borrowed(s.as_bytes())),
        Value::Undefined => None,
        Value::Null => None,
        other => Some(Cow::Owned(other.to_json_string().into_bytes())),
    }
}

pub(crate) fn base64_encode(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub(crate) fn encode_b64(v: &Value) -> Value {
    bytes_of(v).map_or_else(
        || passthrough(v).unwrap_or(Value::Undefined),
        |b| Value::String(base64_encode(&b)),
    )
}

pub(crate) fn decode_b64(v: &Value) -> Value {
    let Some(s) = str_of(v) else {
        return passthrough(v).unwrap_or(Value::Undefined);
    };
    match base64::engine::general_purpose::STANDARD.decode(s.trim().as_bytes()) {
        Ok(b) => String::from_utf8(b).map_or_else(|e| Value::Bytes(e.into_bytes()), Value::String),
        Err(_) => Value::Undefined,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

pub(crate) fn hash<D: Digest>(v: &Value) -> Value {
    match bytes_of(v) {
        Some(b) => Value::String(hex(&D::digest(&b))),
        None => passthrough(v).unwrap_or(Value::Undefined),
    }
}

/// Algorithm names `crypto(field, alg)` accepts (Alibaba; MD2 is not offered).
pub(crate) fn hash_alg_known(alg: &str) -> bool {
    !matches!(
        hash_named(alg, &Value::String(String::new())),
        Value::Undefined
    )
}

pub(crate) fn hash_named(alg: &str, v: &Value) -> Value {
    let norm: String = alg
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    match norm.as_str() {
        "md5" => hash::<Md5>(v),
        "sha1" | "sha" => hash::<Sha1>(v),
        "sha224" => hash::<Sha224>(v),
        "sha256" => hash::<Sha256>(v),
        "sha384" => hash::<Sha384>(v),
        "sha512" => hash::<Sha512>(v),
        _ => Value::Undefined,
    }
}

pub(crate) fn regex_dyn(a: &[Value], op: crate::eval::RegexOp) -> Value {
    let Some(p) = a[1].as_str() else {
        return Value::Undefined;
    };
    match crate::eval::build_regex(p) {
        Ok(re) => crate::eval::regex_apply(op, &re, &a[0], a.get(2)),
        Err(_) => Value::Undefined,
    }
}

/// Builds an object from pairs (used by the scene and TSL views).
pub(crate) fn object<I: IntoIterator<Item = (&'static str, Value)>>(pairs: I) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Map>(),
    )
}
