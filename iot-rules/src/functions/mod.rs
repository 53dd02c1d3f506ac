//! Built-in functions: the union of the Alibaba, AWS IoT and EMQX function lists (wire-formats §6).
//!
//! A function given arguments it cannot use returns `Undefined` (AWS IoT semantics); literal
//! arguments of the wrong type are rejected when the rule compiles.

use md5::Md5;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

mod helpers;

pub(crate) use helpers::*;

use crate::eval::Env;
use crate::time::{self, FixedOffset, UnixMillis};
use crate::value::Value;

/// What a parameter accepts, checked against literal arguments at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Any,
    /// A number, or a string that reads as one.
    Num,
    /// A string (numbers and booleans are accepted and printed).
    Str,
    /// An array.
    Arr,
}

pub(crate) type FnImpl = fn(&[Value], &Env<'_, '_>) -> Value;

/// A built-in function.
#[derive(Debug)]
pub(crate) struct Builtin {
    pub(crate) name: &'static str,
    pub(crate) min: usize,
    /// `usize::MAX` for variadic.
    pub(crate) max: usize,
    /// Same arguments, same result, no message context: may be folded at compile time.
    pub(crate) pure: bool,
    pub(crate) kinds: &'static [Kind],
    pub(crate) f: FnImpl,
}

impl Builtin {
    pub(crate) fn kind(&self, i: usize) -> Kind {
        self.kinds
            .get(i)
            .or(self.kinds.last())
            .copied()
            .unwrap_or(Kind::Any)
    }
}

macro_rules! b {
    ($name:literal, $min:expr, $max:expr, $pure:expr, [$($k:ident),*], $f:expr) => {
        Builtin { name: $name, min: $min, max: $max, pure: $pure, kinds: &[$(Kind::$k),*], f: $f }
    };
}

const V: usize = usize::MAX;

/// The table, sorted by name (lowercase; lookups are case-insensitive).
pub(crate) static BUILTINS: &[Builtin] = &[
    b!("abs", 1, 1, true, [Num], |a, _| num_map(
        &a[0],
        i64::checked_abs,
        f64::abs
    )),
    b!("acos", 1, 1, true, [Num], |a, _| float1(&a[0], f64::acos)),
    b!("acosh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::acosh)),
    b!("asin", 1, 1, true, [Num], |a, _| float1(&a[0], f64::asin)),
    b!("asinh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::asinh)),
    b!("atan", 1, 1, true, [Num], |a, _| float1(&a[0], f64::atan)),
    b!("atan2", 2, 2, true, [Num], |a, _| float2(
        &a[0],
        &a[1],
        f64::atan2
    )),
    b!("atanh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::atanh)),
    b!(
        "attribute",
        1,
        1,
        false,
        [Str],
        |a, e| match (&a[0], e.msg.message.attributes) {
            (Value::String(k), Some(f)) => f(k).unwrap_or(Value::Undefined),
            _ => Value::Undefined,
        }
    ),
    b!("base64_decode", 1, 1, true, [Str], |a, _| decode_b64(&a[0])),
    b!("base64_encode", 1, 1, true, [Any], |a, _| encode_b64(&a[0])),
    b!("bitand", 2, 2, true, [Num], |a, _| int2(
        &a[0],
        &a[1],
        |x, y| Some(x & y)
    )),
    b!("bitnot", 1, 1, true, [Num], |a, _| int_of(&a[0])
        .map_or(Value::Undefined, |x| Value::Int(!x))),
    b!("bitor", 2, 2, true, [Num], |a, _| int2(
        &a[0],
        &a[1],
        |x, y| Some(x | y)
    )),
    b!("bitxor", 2, 2, true, [Num], |a, _| int2(
        &a[0],
        &a[1],
        |x, y| Some(x ^ y)
    )),
    b!("bool", 1, 1, true, [Any], |a, _| to_bool(&a[0])),
    b!("ceil", 1, 1, true, [Num], |a, _| round_with(
        &a[0],
        f64::ceil
    )),
    b!("chr", 1, 1, true, [Num], |a, _| int_of(&a[0])
        .and_then(|i| u32::try_from(i).ok())
        .and_then(char::from_u32)
        .map_or(Value::Undefined, |c| Value::String(c.to_string()))),
    b!("clientid", 0, 0, false, [], |_, e| opt_str(
        e.msg.message.client_id
    )),
    b!("concat", 1, V, true, [Any], concat),
    b!("contains", 2, 2, true, [Any, Arr], |a, _| match &a[1] {
        Value::Array(v) => Value::Bool(
            v.iter()
                .any(|x| crate::eval::loose_eq(x, &a[0]) == Some(true))
        ),
        Value::String(s) =>
            str_of(&a[0]).map_or(Value::Undefined, |n| Value::Bool(s.contains(&*n))),
        _ => Value::Undefined,
    }),
    b!("cos", 1, 1, true, [Num], |a, _| float1(&a[0], f64::cos)),
    b!("cosh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::cosh)),
    b!(
        "crypto",
        2,
        2,
        true,
        [Any, Str],
        |a, _| match a[1].as_str() {
            Some(alg) => hash_named(alg, &a[0]),
            None => Value::Undefined,
        }
    ),
    b!(
        "decode",
        2,
        2,
        true,
        [Any, Str],
        |a, _| match a[1].as_str() {
            Some(enc) if enc.eq_ignore_ascii_case("base64") => decode_b64(&a[0]),
            _ => Value::Undefined,
        }
    ),
    b!("devicename", 0, 0, false, [], |_, e| opt_str(
        e.msg.message.device_name
    )),
    b!(
        "encode",
        2,
        2,
        true,
        [Any, Str],
        |a, _| match a[1].as_str() {
            Some(enc) if enc.eq_ignore_ascii_case("base64") => encode_b64(&a[0]),
            _ => Value::Undefined,
        }
    ),
    b!("endswith", 2, 2, true, [Str], |a, _| str2(
        &a[0],
        &a[1],
        |x, y| Value::Bool(x.ends_with(y))
    )),
    b!("exp", 1, 1, true, [Num], |a, _| float1(&a[0], f64::exp)),
    b!("first", 1, 1, true, [Arr], |a, _| match &a[0] {
        Value::Array(v) => v.first().cloned().unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }),
    b!("float", 1, 1, true, [Any], |a, _| match num(&a[0]) {
        Num::Int(i) => Value::Decimal(i as f64),
        Num::Dec(d) => Value::Decimal(d),
        _ => Value::Undefined,
    }),
    b!(
        "float2str",
        2,
        2,
        true,
        [Num, Num],
        |a, _| match (num(&a[0]), int_of(&a[1])) {
            (n @ (Num::Int(_) | Num::Dec(_)), Some(p)) if (0..=64).contains(&p) => {
                let d = match n {
                    Num::Int(i) => i as f64,
                    Num::Dec(d) => d,
                    _ => 0.0,
                };
                let s = format!("{d:.prec$}", prec = usize::try_from(p).unwrap_or(0));
                let s = if s.contains('.') {
                    s.trim_end_matches('0').trim_end_matches('.').to_owned()
                } else {
                    s
                };
                Value::String(s)
            }
            _ => Value::Undefined,
        }
    ),
    b!("floor", 1, 1, true, [Num], |a, _| round_with(
        &a[0],
        f64::floor
    )),
    b!("fmod", 2, 2, true, [Num], |a, _| float2(
        &a[0],
        &a[1],
        |x, y| x % y
    )),
    b!("get", 2, 2, true, [Any, Any], |a, _| get_member(
        &a[0], &a[1]
    )),
    b!("indexof", 2, 2, true, [Str], |a, _| str2(
        &a[0],
        &a[1],
        |x, y| {
            x.find(y).map_or(Value::Int(-1), |b| {
                Value::Int(i64::try_from(x[..b].chars().count()).unwrap_or(i64::MAX))
            })
        }
    )),
    b!("int", 1, 1, true, [Any], |a, _| match num(&a[0]) {
        Num::Int(i) => Value::Int(i),
        Num::Dec(d) => f64_to_i64(d.trunc()).map_or(Value::Undefined, Value::Int),
        _ => match a[0] {
            Value::Bool(b) => Value::Int(i64::from(b)),
            _ => Value::Undefined,
        },
    }),
    b!("is_array", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Array(_)
    ))),
    b!("is_bool", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Bool(_)
    ))),
    b!("is_float", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Decimal(_)
    ))),
    b!("is_int", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Int(_)
    ))),
    b!("is_map", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Object(_)
    ))),
    b!("is_not_null", 1, 1, true, [Any], |a, e| Value::Bool(
        !is_nullish(&a[0], e)
    )),
    b!("is_null", 1, 1, true, [Any], |a, e| Value::Bool(
        is_nullish(&a[0], e)
    )),
    b!("is_num", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::Int(_) | Value::Decimal(_)
    ))),
    b!("is_str", 1, 1, true, [Any], |a, _| Value::Bool(matches!(
        a[0],
        Value::String(_)
    ))),
    b!("isnull", 1, 1, true, [Any], |a, e| Value::Bool(is_nullish(
        &a[0], e
    ))),
    b!("isundefined", 1, 1, true, [Any], |a, _| Value::Bool(
        a[0].is_undefined()
    )),
    b!("json_decode", 1, 1, true, [Str], |a, _| match &a[0] {
        Value::String(s) => Value::from_json_slice(s.as_bytes()).unwrap_or(Value::Undefined),
        Value::Bytes(b) => Value::from_json_slice(b.as_slice()).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }),
    b!(
        "json_encode",
        1,
        1,
        true,
        [Any],
        |a, _| if a[0].is_undefined() {
            Value::Undefined
        } else {
            Value::String(a[0].to_json_string())
        }
    ),
    b!("last", 1, 1, true, [Arr], |a, _| match &a[0] {
        Value::Array(v) => v.last().cloned().unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }),
    b!("length", 1, 1, true, [Any], |a, _| match &a[0] {
        Value::String(s) => Value::Int(i64::try_from(s.chars().count()).unwrap_or(i64::MAX)),
        Value::Array(v) => Value::Int(i64::try_from(v.len()).unwrap_or(i64::MAX)),
        Value::Object(m) => Value::Int(i64::try_from(m.len()).unwrap_or(i64::MAX)),
        Value::Bytes(b) => Value::Int(i64::try_from(b.len()).unwrap_or(i64::MAX)),
        _ => Value::Undefined,
    }),
    b!("ln", 1, 1, true, [Num], |a, _| float1(&a[0], f64::ln)),
    b!("log", 1, 2, true, [Num], |a, e| match a.get(1) {
        Some(base) => float2(&a[0], base, |n, m| n.ln() / m.ln()),
        None if e.flags.log_is_natural => float1(&a[0], f64::ln),
        None => float1(&a[0], f64::log10),
    }),
    b!("log10", 1, 1, true, [Num], |a, _| float1(&a[0], f64::log10)),
    b!("log2", 1, 1, true, [Num], |a, _| float1(&a[0], f64::log2)),
    b!("lower", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.to_lowercase())
    })),
    b!("lpad", 3, 3, true, [Str, Num, Str], |a, _| pad(a, true)),
    b!("ltrim", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.trim_start().to_owned())
    })),
    b!("map_get", 2, 3, true, [Str, Any, Any], |a, _| {
        let v = match &a[0] {
            Value::String(k) => nested_get(&a[1], k.as_str()),
            _ => None,
        };
        v.cloned()
            .unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Undefined))
    }),
    b!(
        "map_put",
        3,
        3,
        true,
        [Str, Any, Any],
        |a, _| match (&a[0], &a[2]) {
            (Value::String(k), Value::Object(m)) => {
                let mut m = m.clone();
                m.insert(k.clone(), a[1].clone());
                Value::Object(m)
            }
            _ => Value::Undefined,
        }
    ),
    b!("md5", 1, 1, true, [Any], |a, _| hash::<Md5>(&a[0])),
    b!("messageid", 0, 0, false, [], |_, e| opt_str(
        e.msg.message.message_id
    )),
    b!("mod", 2, 2, true, [Num], |a, _| crate::eval::arith(
        crate::ast::BinaryOp::Mod,
        &a[0],
        &a[1],
        false,
        true
    )),
    b!("nanvl", 2, 2, true, [Any], |a, _| match &a[0] {
        Value::Decimal(d) if d.is_nan() => a[1].clone(),
        v => v.clone(),
    }),
    b!("newuuid", 0, 0, false, [], |_, e| Value::String(
        e.msg.runtime.uuid_v4()
    )),
    b!(
        "nth",
        2,
        2,
        true,
        [Num, Arr],
        |a, _| match (int_of(&a[0]), &a[1]) {
            (Some(n), Value::Array(v)) if n >= 1 => usize::try_from(n - 1)
                .ok()
                .and_then(|i| v.get(i))
                .cloned()
                .unwrap_or(Value::Undefined),
            _ => Value::Undefined,
        }
    ),
    b!("numbytes", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::Int(i64::try_from(s.len()).unwrap_or(i64::MAX))
    })),
    b!("parse_time", 2, 3, true, [Str, Num, Str], |a, _| {
        let tz = match a.get(2) {
            None => Some(FixedOffset::UTC),
            Some(Value::String(z)) => FixedOffset::parse(z.as_str()),
            Some(_) => None,
        };
        match (&a[0], int_of(&a[1]), tz) {
            (Value::String(p), Some(ms), Some(tz)) => {
                time::format(p.as_str(), UnixMillis(ms), tz).map_or(Value::Undefined, Value::String)
            }
            _ => Value::Undefined,
        }
    }),
    b!("payload", 0, 1, false, [Str], |a, e| {
        let raw = e.msg.payload.raw();
        match a.first() {
            None => String::from_utf8(raw.to_vec())
                .map_or_else(|err| Value::Bytes(err.into_bytes()), Value::String),
            Some(Value::String(enc))
                if enc.eq_ignore_ascii_case("utf-8") || enc.eq_ignore_ascii_case("utf8") =>
            {
                std::str::from_utf8(raw).map_or(Value::Undefined, |s| Value::String(s.to_owned()))
            }
            _ => Value::Undefined,
        }
    }),
    b!("pow", 2, 2, true, [Num], |a, _| power(&a[0], &a[1])),
    b!("power", 2, 2, true, [Num], |a, _| power(&a[0], &a[1])),
    b!("productkey", 0, 0, false, [], |_, e| opt_str(
        e.msg.message.product_key
    )),
    b!("rand", 0, 0, false, [], |_, e| Value::Decimal(
        e.msg.runtime.next_f64()
    )),
    b!("regex_match", 2, 2, true, [Str], |a, _| regex_dyn(
        a,
        crate::eval::RegexOp::Matches
    )),
    b!("regex_replace", 3, 3, true, [Str], |a, _| regex_dyn(
        a,
        crate::eval::RegexOp::Replace
    )),
    b!("regexp_matches", 2, 2, true, [Str], |a, _| regex_dyn(
        a,
        crate::eval::RegexOp::Matches
    )),
    b!("regexp_replace", 3, 3, true, [Str], |a, _| regex_dyn(
        a,
        crate::eval::RegexOp::Replace
    )),
    b!("regexp_substr", 2, 2, true, [Str], |a, _| regex_dyn(
        a,
        crate::eval::RegexOp::Substr
    )),
    b!("remainder", 2, 2, true, [Num], |a, _| crate::eval::arith(
        crate::ast::BinaryOp::Mod,
        &a[0],
        &a[1],
        false,
        true
    )),
    b!(
        "replace",
        3,
        3,
        true,
        [Str],
        |a, _| match (str_of(&a[0]), str_of(&a[1]), str_of(&a[2])) {
            (Some(s), Some(f), Some(t)) if !f.is_empty() => Value::String(s.replace(&*f, &t)),
            (Some(s), Some(_), Some(_)) => Value::String(s.into_owned()),
            _ => Value::Undefined,
        }
    ),
    b!("reverse", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.chars().rev().collect())
    })),
    b!("round", 1, 2, true, [Num, Num], |a, _| match a.get(1) {
        None => round_with(&a[0], f64::round),
        Some(p) => match (num(&a[0]), int_of(p)) {
            (Num::Int(i), Some(_)) => Value::Int(i),
            (Num::Dec(d), Some(p)) if (0..=15).contains(&p) => {
                let f = 10f64.powi(i32::try_from(p).unwrap_or(0));
                Value::Decimal((d * f).round() / f)
            }
            _ => Value::Undefined,
        },
    }),
    b!("rpad", 3, 3, true, [Str, Num, Str], |a, _| pad(a, false)),
    b!("rtrim", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.trim_end().to_owned())
    })),
    b!("sha", 1, 1, true, [Any], |a, _| hash::<Sha1>(&a[0])),
    b!("sha1", 1, 1, true, [Any], |a, _| hash::<Sha1>(&a[0])),
    b!("sha224", 1, 1, true, [Any], |a, _| hash::<Sha224>(&a[0])),
    b!("sha256", 1, 1, true, [Any], |a, _| hash::<Sha256>(&a[0])),
    b!("sha384", 1, 1, true, [Any], |a, _| hash::<Sha384>(&a[0])),
    b!("sha512", 1, 1, true, [Any], |a, _| hash::<Sha512>(&a[0])),
    b!("sign", 1, 1, true, [Num], |a, _| match num(&a[0]) {
        Num::Int(i) => Value::Int(i.signum()),
        Num::Dec(d) if d.is_nan() => Value::Undefined,
        Num::Dec(d) => Value::Int(if d > 0.0 {
            1
        } else if d < 0.0 {
            -1
        } else {
            0
        }),
        Num::Null => Value::Null,
        Num::Undefined => Value::Undefined,
    }),
    b!("sin", 1, 1, true, [Num], |a, _| float1(&a[0], f64::sin)),
    b!("sinh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::sinh)),
    b!(
        "split",
        2,
        3,
        true,
        [Str, Str, Str],
        |a, _| match (str_of(&a[0]), str_of(&a[1])) {
            (Some(s), Some(sep)) if !sep.is_empty() => {
                let parts: Vec<&str> = match a.get(2).and_then(Value::as_str) {
                    None => s.split(&*sep).filter(|p| !p.is_empty()).collect(),
                    Some("leading") => s.splitn(2, &*sep).collect(),
                    Some("trailing") => {
                        let mut v: Vec<&str> = s.rsplitn(2, &*sep).collect();
                        v.reverse();
                        v
                    }
                    Some(_) => return Value::Undefined,
                };
                Value::Array(parts.into_iter().map(Value::from).collect())
            }
            _ => Value::Undefined,
        }
    ),
    b!("sqrt", 1, 1, true, [Num], |a, _| float1(&a[0], f64::sqrt)),
    b!("startswith", 2, 2, true, [Str], |a, _| str2(
        &a[0],
        &a[1],
        |x, y| Value::Bool(x.starts_with(y))
    )),
    b!("str", 1, 1, true, [Any], |a, _| match &a[0] {
        Value::Undefined => Value::Undefined,
        v => str_of(v).map_or_else(
            || Value::String(v.to_json_string()),
            |s| Value::String(s.into_owned())
        ),
    }),
    b!("strlen", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::Int(i64::try_from(s.chars().count()).unwrap_or(i64::MAX))
    })),
    b!("sublist", 2, 3, true, [Num, Any, Any], |a, _| {
        // sublist(len, list) takes the first len items; sublist(start, len, list) is 1-based.
        let (start, len, list) = match a {
            [l, v] => (Some(1), int_of(l), v),
            [s, l, v] => (int_of(s), int_of(l), v),
            _ => return Value::Undefined,
        };
        match (start, len, list) {
            (Some(s), Some(l), Value::Array(v)) if s >= 1 && l >= 0 => {
                let s = usize::try_from(s - 1).unwrap_or(usize::MAX).min(v.len());
                let e = s
                    .saturating_add(usize::try_from(l).unwrap_or(usize::MAX))
                    .min(v.len());
                Value::Array(v[s..e].to_vec())
            }
            _ => Value::Undefined,
        }
    }),
    b!("substr", 2, 3, true, [Str, Num, Num], |a, _| {
        // EMQX: 0-based start and an optional length (the documented examples).
        let Some(s) = str_of(&a[0]) else {
            return passthrough(&a[0]).unwrap_or(Value::Undefined);
        };
        let (Some(start), len) = (int_of(&a[1]), a.get(2).map(int_of)) else {
            return Value::Undefined;
        };
        let start = usize::try_from(start.max(0)).unwrap_or(usize::MAX);
        match len {
            None => Value::String(s.chars().skip(start).collect()),
            Some(Some(l)) if l >= 0 => Value::String(
                s.chars()
                    .skip(start)
                    .take(usize::try_from(l).unwrap_or(usize::MAX))
                    .collect(),
            ),
            Some(_) => Value::Undefined,
        }
    }),
    b!("substring", 2, 3, true, [Str, Num, Num], |a, _| substring(
        a
    )),
    b!("tan", 1, 1, true, [Num], |a, _| float1(&a[0], f64::tan)),
    b!("tanh", 1, 1, true, [Num], |a, _| float1(&a[0], f64::tanh)),
    b!("time_to_epoch", 2, 3, true, [Str, Str, Str], |a, _| {
        // AWS: time_to_epoch(text, pattern) in epoch ms; an optional zone for texts without one.
        let tz = match a.get(2) {
            None => Some(FixedOffset::UTC),
            Some(Value::String(z)) => FixedOffset::parse(z.as_str()),
            Some(_) => None,
        };
        match (&a[0], &a[1], tz) {
            (Value::String(t), Value::String(p), Some(tz)) => {
                time::parse(p.as_str(), t.as_str(), tz)
                    .map_or(Value::Undefined, |ms| Value::Int(ms.0))
            }
            _ => Value::Undefined,
        }
    }),
    b!("timestamp", 0, 1, false, [Str], |a, e| match a.first() {
        None => Value::Int(e.msg.message.timestamp.0),
        Some(Value::String(p)) =>
            time::format(p.as_str(), e.msg.message.timestamp, e.msg.runtime.time_zone)
                .map_or(Value::Undefined, Value::String),
        Some(_) => Value::Undefined,
    }),
    b!(
        "timestamp_utc",
        0,
        1,
        false,
        [Str],
        |a, e| match a.first() {
            None => Value::Int(e.msg.message.timestamp.0),
            Some(Value::String(p)) =>
                time::format(p.as_str(), e.msg.message.timestamp, FixedOffset::UTC)
                    .map_or(Value::Undefined, Value::String),
            Some(_) => Value::Undefined,
        }
    ),
    b!("to_base64", 1, 1, true, [Any], |a, _| encode_b64(&a[0])),
    b!("topic", 0, 1, false, [Num], |a, e| {
        let t = crate::eval::effective_topic(e.msg.message.topic);
        match a.first() {
            None => Value::String(t.to_owned()),
            Some(n) => match int_of(n) {
                Some(n) if n >= 1 => usize::try_from(n - 1)
                    .ok()
                    .and_then(|i| t.split('/').nth(i))
                    .map_or(Value::Undefined, Value::from),
                _ => Value::Undefined,
            },
        }
    }),
    b!("trim", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.trim().to_owned())
    })),
    b!("trunc", 1, 2, true, [Num, Num], |a, _| match a.get(1) {
        None => round_with(&a[0], f64::trunc),
        Some(p) => match (num(&a[0]), int_of(p)) {
            (Num::Int(i), Some(_)) => Value::Int(i),
            (Num::Dec(d), Some(p)) if (0..=15).contains(&p) => {
                let f = 10f64.powi(i32::try_from(p).unwrap_or(0));
                Value::Decimal((d * f).trunc() / f)
            }
            _ => Value::Undefined,
        },
    }),
    b!("upper", 1, 1, true, [Str], |a, _| str1(&a[0], |s| {
        Value::String(s.to_uppercase())
    })),
];

/// Names of the built-in functions (lowercase; lookups are case-insensitive).
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

/// Looks a built-in up by name, case-insensitively.
pub(crate) fn lookup(name: &str) -> Option<&'static Builtin> {
    let lower = name.to_ascii_lowercase();
    BUILTINS
        .binary_search_by(|b| b.name.cmp(lower.as_str()))
        .ok()
        .map(|i| &BUILTINS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in BUILTINS.windows(2) {
            assert!(w[0].name < w[1].name, "{} !< {}", w[0].name, w[1].name);
        }
        assert!(lookup("deviceName").is_some());
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn number_strings() {
        assert_eq!(parse_num_str("12"), Some(Num::Int(12)));
        assert_eq!(parse_num_str("-1.5e2"), Some(Num::Dec(-150.0)));
        assert_eq!(parse_num_str("1."), None);
        assert_eq!(parse_num_str("abc"), None);
        assert_eq!(parse_num_str(""), None);
    }
}
