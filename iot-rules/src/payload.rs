//! Lazy payload access: a message's payload is scanned once, on first need, for the byte spans
//! of its top-level members; a member's value is parsed on first read and then shared by every
//! rule that reads it. `*` and whole-payload reads parse the payload fully, once.
//!
//! The scan checks the structure of members it skips (strings, brackets, literal characters);
//! the members that are read are parsed by `serde_json` and so fully validated. A payload that
//! is not a JSON object (or not JSON at all) has no fields: reading one gives `Undefined`.

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::value::Value;

/// Deepest nesting the skip scanner follows (deeper payloads are treated as not JSON).
const MAX_SCAN_DEPTH: usize = 128;

pub(crate) struct PayloadView<'a> {
    raw: &'a [u8],
    index: OnceCell<Option<Vec<Member<'a>>>>,
    full: OnceCell<Option<Value>>,
}

struct Member<'a> {
    /// The key as written, quotes included.
    key: &'a [u8],
    /// The key contains a backslash escape (compared after decoding).
    escaped: bool,
    raw: &'a [u8],
    value: OnceCell<Value>,
}

impl Member<'_> {
    fn key_is(&self, key: &str) -> bool {
        if self.escaped {
            serde_json::from_slice::<Cow<'_, str>>(self.key).is_ok_and(|k| k == key)
        } else {
            self.key.len() == key.len() + 2 && &self.key[1..self.key.len() - 1] == key.as_bytes()
        }
    }
}

impl<'a> PayloadView<'a> {
    pub(crate) fn new(raw: &'a [u8]) -> Self {
        PayloadView {
            raw,
            index: OnceCell::new(),
            full: OnceCell::new(),
        }
    }

    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The whole payload parsed as JSON (`None` if it is not JSON).
    pub(crate) fn full(&self) -> Option<&Value> {
        self.full
            .get_or_init(|| Value::from_json_slice(self.raw).ok())
            .as_ref()
    }

    /// A top-level member (`None`: missing, or the payload is not a JSON object).
    pub(crate) fn field(&self, key: &str) -> Option<&Value> {
        if let Some(Some(full)) = self.full.get() {
            return full.get(key);
        }
        let index = self.index.get_or_init(|| scan_object(self.raw)).as_ref()?;
        let m = index.iter().rev().find(|m| m.key_is(key))?;
        let v = m
            .value
            .get_or_init(|| parse_member(m.raw).unwrap_or(Value::Undefined));
        if v.is_undefined() { None } else { Some(v) }
    }
}

fn parse_member(raw: &[u8]) -> Option<Value> {
    // Fast paths for the common scalar shapes; anything else goes through serde_json.
    match raw {
        b"true" => return Some(Value::Bool(true)),
        b"false" => return Some(Value::Bool(false)),
        b"null" => return Some(Value::Null),
        _ => {}
    }
    if let [b'"', inner @ .., b'"'] = raw
        && !inner.iter().any(|&b| b == b'\\' || b < 0x20)
    {
        return std::str::from_utf8(inner)
            .ok()
            .map(|s| Value::String(s.to_owned()));
    }
    if is_json_number(raw) {
        // Grammar checked above; the standard library's parser rounds correctly.
        let s = std::str::from_utf8(raw).ok()?;
        if !raw.iter().any(|b| matches!(b, b'.' | b'e' | b'E'))
            && let Ok(i) = s.parse::<i64>()
        {
            return Some(Value::Int(i));
        }
        return s
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .map(Value::Decimal);
    }
    Value::from_json_slice(raw).ok()
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` (RFC 8259 §6).
fn is_json_number(b: &[u8]) -> bool {
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Scans a JSON object's top level, returning its members' keys and raw value spans.
fn scan_object(raw: &[u8]) -> Option<Vec<Member<'_>>> {
    let mut s = Scanner { b: raw, i: 0 };
    s.ws();
    s.eat(b'{')?;
    let mut out = Vec::with_capacity(16);
    s.ws();
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        loop {
            s.ws();
            let key_start = s.i;
            let escaped = s.skip_string()?;
            let key = &raw[key_start..s.i];
            s.ws();
            s.eat(b':')?;
            s.ws();
            let start = s.i;
            s.value(0)?;
            out.push(Member {
                key,
                escaped,
                raw: &raw[start..s.i],
                value: OnceCell::new(),
            });
            s.ws();
            match s.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    if s.i == raw.len() { Some(out) } else { None }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Skips a string; `true` if it contains a backslash escape. Only the structure is checked
    /// here (a member that is read is then parsed in full).
    fn skip_string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            let rest = self.b.get(self.i..)?;
            // Most JSON strings are short: a plain loop first, memchr for long ones.
            let head = rest.len().min(24);
            let at = match rest[..head].iter().position(|&c| c == b'"' || c == b'\\') {
                Some(at) => at,
                None => head + memchr::memchr2(b'"', b'\\', &rest[head..])?,
            };
            self.i += at + 1;
            if rest[at] == b'"' {
                return Some(escaped);
            }
            escaped = true;
            // The escaped character (a quote or backslash among them) is skipped.
            self.next()?;
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_SCAN_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.skip_string().map(|_| ()),
            b'{' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    self.skip_string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'+' | b'-' | b'.')
                ) {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_lazily() {
        let p = PayloadView::new(br#" {"a": 1, "b": {"c": [1, "x\"y"]}, "s": "t\u00e9", "a": 2} "#);
        assert_eq!(p.field("a"), Some(&Value::Int(2)));
        assert_eq!(p.field("s"), Some(&Value::String("té".into())));
        assert!(p.field("b").unwrap().get("c").is_some());
        assert_eq!(p.field("zz"), None);
        let p = PayloadView::new(br#"{"t\u0065mp": 1, "q\"k": 2, "x": "a\\", "y": 3}"#);
        assert_eq!(p.field("temp"), Some(&Value::Int(1)));
        assert_eq!(p.field("q\"k"), Some(&Value::Int(2)));
        assert_eq!(p.field("x"), Some(&Value::String("a\\".into())));
        assert_eq!(p.field("y"), Some(&Value::Int(3)));
        // A control character in a string that is read: not JSON, so Undefined.
        assert_eq!(PayloadView::new(b"{\"a\": \"x\ny\"}").field("a"), None);
        let long = format!(
            r#"{{"k": "{}\"{}", "v": 1}}"#,
            "x".repeat(100),
            "y".repeat(50)
        );
        assert_eq!(
            PayloadView::new(long.as_bytes()).field("v"),
            Some(&Value::Int(1))
        );
    }

    #[test]
    fn number_grammar() {
        for ok in [&b"0"[..], b"-0.5", b"12.25e-3", b"1E+2"] {
            assert!(is_json_number(ok), "{ok:?}");
        }
        for bad in [&b"01"[..], b"-", b"1.", b".5", b"1e", b"+1", b"1.5.2"] {
            assert!(!is_json_number(bad), "{bad:?}");
        }
        let p = PayloadView::new(br#"{"a": 39.5, "b": 1e400, "c": 12345678901234567890}"#);
        assert_eq!(p.field("a"), Some(&Value::Decimal(39.5)));
        assert_eq!(p.field("b"), None);
        assert_eq!(p.field("c"), Some(&Value::Decimal(12345678901234567890.0)));
    }

    #[test]
    fn not_an_object_has_no_fields() {
        for raw in [&b"[1,2]"[..], b"\x00\xff", b"{\"a\":1", b"{\"a\":1}x", b""] {
            assert_eq!(PayloadView::new(raw).field("a"), None);
        }
    }

    #[test]
    fn bad_member_value_reads_as_undefined() {
        let p = PayloadView::new(br#"{"a": 01, "b": tru, "c": -}"#);
        assert_eq!(p.field("a"), None);
        assert_eq!(p.field("b"), None);
        assert_eq!(p.field("c"), None);
    }
}
