//! From the parsed tree to the compiled form: names resolved to payload members, element
//! members or metadata; functions resolved to function pointers with their arity and literal
//! argument types checked; constant sub-expressions folded; literal regex and LIKE patterns
//! compiled once.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{BinaryOp, Expr, Literal, Projection, Select, SelectItem, Step, UnaryOp};
use crate::dialect::DialectFlags;
use crate::error::CompileError;
use crate::eval::{
    CExpr, CProjection, CSelect, CastTo, Env, Meta, MsgCtx, RegexOp, Runtime, Scope, build_regex,
    like_regex,
};
use crate::functions::{self, Builtin, Kind, Num};
use crate::message::Message;
use crate::time::{self, FixedOffset, UnixMillis};
use crate::value::Value;

#[derive(Debug, Clone)]
enum ScopeKind {
    /// Nested SELECT: bare names are members of the element.
    Subquery,
    /// FOREACH: the named variable is the element.
    Named(String),
}

pub(crate) struct Compiler<'r> {
    pub(crate) flags: DialectFlags,
    pub(crate) runtime: &'r Runtime,
    scopes: Vec<ScopeKind>,
    aliases: Option<HashMap<String, CExpr>>,
}

impl<'r> Compiler<'r> {
    pub(crate) fn new(flags: DialectFlags, runtime: &'r Runtime) -> Self {
        Compiler {
            flags,
            runtime,
            scopes: Vec::new(),
            aliases: None,
        }
    }

    pub(crate) fn with_element<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(ScopeKind::Named(name.to_owned()));
        let r = f(self);
        self.scopes.pop();
        r
    }

    /// Compiles a WHERE clause; with `alias_in_where`, SELECT aliases stand for their expressions.
    pub(crate) fn where_clause(
        &mut self,
        e: &Expr,
        items: &[(String, CExpr)],
    ) -> Result<CExpr, CompileError> {
        if self.flags.alias_in_where {
            self.aliases = Some(items.iter().cloned().collect());
        }
        let r = self.expr(e);
        self.aliases = None;
        r
    }

    pub(crate) fn items(
        &mut self,
        items: &[SelectItem],
    ) -> Result<Vec<(String, CExpr)>, CompileError> {
        items
            .iter()
            .map(|it| Ok((output_name(it), self.expr(&it.expr)?)))
            .collect()
    }

    pub(crate) fn projection(&mut self, p: &Projection) -> Result<CProjection, CompileError> {
        Ok(match p {
            Projection::Value(e) => CProjection::Value(self.expr(e)?),
            Projection::Items { star, items } => CProjection::Items {
                star: *star,
                items: self.items(items)?,
            },
        })
    }

    fn subquery(&mut self, s: &Select) -> Result<CExpr, CompileError> {
        let from = match &s.from {
            crate::ast::FromClause::Expr(e) => self.expr(e)?,
            crate::ast::FromClause::Topics(_) => CExpr::Const(Value::Undefined),
        };
        self.scopes.push(ScopeKind::Subquery);
        let saved = self.aliases.take();
        let r = (|| {
            let projection = self.projection(&s.projection)?;
            let where_clause = s.where_clause.as_ref().map(|w| self.expr(w)).transpose()?;
            Ok(CExpr::Subquery(Box::new(CSelect {
                projection,
                from,
                where_clause,
            })))
        })();
        self.aliases = saved;
        self.scopes.pop();
        r
    }

    fn path(&self, root: &str, steps: &[Step]) -> CExpr {
        if let Some(a) = self.aliases.as_ref().and_then(|m| m.get(root)) {
            return if steps.is_empty() {
                a.clone()
            } else {
                CExpr::Access(Box::new(a.clone()), steps.into())
            };
        }
        for (depth, s) in self.scopes.iter().rev().enumerate() {
            match s {
                ScopeKind::Named(n) if n == root => {
                    return CExpr::Field {
                        scope: Scope::Elem(depth),
                        root: "".into(),
                        steps: steps.into(),
                    };
                }
                ScopeKind::Named(_) => {}
                ScopeKind::Subquery => {
                    return CExpr::Field {
                        scope: Scope::Elem(depth),
                        root: root.into(),
                        steps: steps.into(),
                    };
                }
            }
        }
        if self.flags.payload_prefix {
            if root == "payload" {
                return match steps.split_first() {
                    Some((Step::Field(k), rest)) => CExpr::Field {
                        scope: Scope::Payload,
                        root: k.as_str().into(),
                        steps: rest.into(),
                    },
                    Some(_) => CExpr::WholePayload(steps.into()),
                    None => CExpr::Meta(Meta::Payload),
                };
            }
            return match Meta::from_name(root) {
                Some(m) if steps.is_empty() => CExpr::Meta(m),
                Some(m) => CExpr::Access(Box::new(CExpr::Meta(m)), steps.into()),
                None => CExpr::Const(Value::Undefined),
            };
        }
        CExpr::Field {
            scope: Scope::Payload,
            root: root.into(),
            steps: steps.into(),
        }
    }

    pub(crate) fn expr(&mut self, e: &Expr) -> Result<CExpr, CompileError> {
        let c = match e {
            Expr::Literal(l) => CExpr::Const(literal(l)),
            Expr::Path { root, steps } => self.path(root, steps),
            Expr::Star => return Err(CompileError::MisplacedStar),
            Expr::Array(items) => CExpr::Array(self.exprs(items)?),
            Expr::Unary(UnaryOp::Neg, x) => {
                let x = self.expr(x)?;
                self.check_numeric_literal(BinaryOp::Sub, &x)?;
                CExpr::Neg(Box::new(x))
            }
            Expr::Unary(UnaryOp::Not, x) => CExpr::Not(Box::new(self.expr(x)?)),
            Expr::Binary(op, a, b) => {
                let (a, b) = (Box::new(self.expr(a)?), Box::new(self.expr(b)?));
                match op {
                    BinaryOp::And => CExpr::And(a, b),
                    BinaryOp::Or => CExpr::Or(a, b),
                    BinaryOp::Eq
                    | BinaryOp::Ne
                    | BinaryOp::Lt
                    | BinaryOp::Le
                    | BinaryOp::Gt
                    | BinaryOp::Ge
                    | BinaryOp::TopicMatch => CExpr::Cmp(*op, a, b),
                    _ => {
                        for side in [&*a, &*b] {
                            self.check_numeric_literal(*op, side)?;
                        }
                        CExpr::Arith(*op, a, b)
                    }
                }
            }
            Expr::IsNull { expr, negated } => CExpr::IsNull(Box::new(self.expr(expr)?), *negated),
            Expr::In {
                expr,
                list,
                negated,
            } => CExpr::In(Box::new(self.expr(expr)?), self.exprs(list)?, *negated),
            Expr::Like {
                expr,
                pattern,
                negated,
            } => {
                let x = Box::new(self.expr(expr)?);
                match self.expr(pattern)? {
                    CExpr::Const(Value::String(p)) => {
                        let re = like_regex(&p).map_err(|e| CompileError::InvalidArgument {
                            name: "LIKE".into(),
                            reason: e.to_string(),
                        })?;
                        CExpr::LikeConst(x, Arc::new(re), *negated)
                    }
                    p => CExpr::Like(x, Box::new(p), *negated),
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => CExpr::Between(
                Box::new(self.expr(expr)?),
                Box::new(self.expr(low)?),
                Box::new(self.expr(high)?),
                *negated,
            ),
            Expr::Case {
                operand,
                whens,
                else_result,
            } => CExpr::Case {
                operand: operand
                    .as_ref()
                    .map(|o| self.expr(o).map(Box::new))
                    .transpose()?,
                whens: whens
                    .iter()
                    .map(|(w, t)| Ok((self.expr(w)?, self.expr(t)?)))
                    .collect::<Result<_, CompileError>>()?,
                else_result: else_result
                    .as_ref()
                    .map(|o| self.expr(o).map(Box::new))
                    .transpose()?,
            },
            Expr::Call { name, args } => self.call(name, args)?,
            Expr::Cast { expr, ty } => {
                let to = match ty.to_ascii_lowercase().as_str() {
                    "int" | "integer" | "long" => CastTo::Int,
                    "decimal" | "float" | "double" | "number" => CastTo::Decimal,
                    "string" | "varchar" | "text" => CastTo::String,
                    "boolean" | "bool" => CastTo::Boolean,
                    _ => {
                        return Err(CompileError::InvalidArgument {
                            name: "cast".into(),
                            reason: format!("unknown type `{ty}` (Int, Decimal, String, Boolean)"),
                        });
                    }
                };
                CExpr::Cast(Box::new(self.expr(expr)?), to)
            }
            Expr::Subquery(s) => self.subquery(s)?,
        };
        Ok(self.fold(c))
    }

    /// A literal operand of arithmetic must be able to be a number (a string literal may also be
    /// concatenated by `||`, and by `+` where the dialect says so).
    fn check_numeric_literal(&self, op: BinaryOp, e: &CExpr) -> Result<(), CompileError> {
        let CExpr::Const(v) = e else {
            return Ok(());
        };
        let concat =
            op == BinaryOp::Concat || (op == BinaryOp::Add && self.flags.plus_concatenates);
        let bad = match v {
            Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Bytes(_) => !concat,
            Value::String(s) => !concat && functions::parse_num_str(s).is_none(),
            _ => false,
        };
        if bad {
            return Err(CompileError::OperandType {
                operator: op.symbol(),
                found: v.type_name(),
                literal: v.to_json_string(),
            });
        }
        Ok(())
    }

    fn exprs(&mut self, es: &[Expr]) -> Result<Vec<CExpr>, CompileError> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> Result<CExpr, CompileError> {
        let mut cargs = Vec::with_capacity(args.len());
        for a in args {
            cargs.push(match a {
                Expr::Star => CExpr::RawPayload,
                e => self.expr(e)?,
            });
        }
        if let Some((min, max, f)) = self.runtime.user.get(&name.to_ascii_lowercase()) {
            check_arity(name, *min, *max, cargs.len())?;
            return Ok(CExpr::User(f.clone(), cargs));
        }
        let b = functions::lookup(name)
            .ok_or_else(|| CompileError::UnknownFunction(name.to_owned()))?;
        check_arity(name, b.min, b.max, cargs.len())?;
        for (i, a) in cargs.iter().enumerate() {
            if let CExpr::Const(v) = a {
                check_kind(b, i, v)?;
            }
        }
        check_literal_args(b, &cargs)?;
        let op = match b.name {
            "regexp_matches" | "regex_match" => Some(RegexOp::Matches),
            "regexp_replace" | "regex_replace" => Some(RegexOp::Replace),
            "regexp_substr" => Some(RegexOp::Substr),
            _ => None,
        };
        if let (Some(op), Some(CExpr::Const(Value::String(p)))) = (op, cargs.get(1)) {
            let re = build_regex(p).map_err(|e| CompileError::InvalidArgument {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
            let mut rest = cargs;
            rest.remove(1);
            return Ok(CExpr::Regex(op, Arc::new(re), rest));
        }
        if b.pure && cargs.iter().all(|a| matches!(a, CExpr::Const(_))) {
            return Ok(CExpr::Const(self.const_eval(&CExpr::Call(b.f, cargs))));
        }
        Ok(CExpr::Call(b.f, cargs))
    }

    fn const_eval(&self, e: &CExpr) -> Value {
        let msg = Message::new("", b"", UnixMillis(0));
        let ctx = MsgCtx::new(&msg, self.runtime, self.flags);
        let env = Env {
            msg: &ctx,
            flags: &self.flags,
            elem: None,
            outer: None,
        };
        e.eval(&env)
    }

    /// Replaces an operation on constants by its value.
    fn fold(&self, e: CExpr) -> CExpr {
        let k = |x: &CExpr| matches!(x, CExpr::Const(_));
        let foldable = match &e {
            CExpr::Neg(a) | CExpr::Not(a) | CExpr::IsNull(a, _) | CExpr::Cast(a, _) => k(a),
            CExpr::LikeConst(a, _, _) => k(a),
            CExpr::And(a, b) | CExpr::Or(a, b) | CExpr::Cmp(_, a, b) | CExpr::Arith(_, a, b) => {
                k(a) && k(b)
            }
            CExpr::Like(a, b, _) => k(a) && k(b),
            CExpr::Between(a, b, c, _) => k(a) && k(b) && k(c),
            CExpr::In(a, l, _) => k(a) && l.iter().all(k),
            CExpr::Array(l) => l.iter().all(k),
            CExpr::Case {
                operand,
                whens,
                else_result,
            } => {
                operand.as_deref().is_none_or(k)
                    && whens.iter().all(|(w, t)| k(w) && k(t))
                    && else_result.as_deref().is_none_or(k)
            }
            _ => false,
        };
        if foldable {
            CExpr::Const(self.const_eval(&e))
        } else {
            e
        }
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int(*i),
        Literal::Decimal(d) => Value::Decimal(*d),
        Literal::String(s) => Value::String(s.clone()),
    }
}

/// The output member name of a SELECT item: its alias, else the last name of a field path,
/// else the expression as printed.
pub(crate) fn output_name(it: &SelectItem) -> String {
    if let Some(a) = &it.alias {
        return a.clone();
    }
    match &it.expr {
        Expr::Path { root, steps } => match steps.last() {
            None => root.clone(),
            Some(Step::Field(f)) => f.clone(),
            Some(Step::Index(_)) => it.expr.to_string(),
        },
        e => e.to_string(),
    }
}

fn check_arity(name: &str, min: usize, max: usize, found: usize) -> Result<(), CompileError> {
    if found < min || found > max {
        let expected = if min == max {
            min.to_string()
        } else if max == usize::MAX {
            format!("{min} or more")
        } else {
            format!("{min}..={max}")
        };
        return Err(CompileError::Arity {
            name: name.to_owned(),
            expected,
            found,
        });
    }
    Ok(())
}

fn check_kind(b: &Builtin, i: usize, v: &Value) -> Result<(), CompileError> {
    let ok = match (b.kind(i), v) {
        (_, Value::Null | Value::Undefined) | (Kind::Any, _) => true,
        (Kind::Num, v) => !matches!(functions::num(v), Num::Undefined),
        (Kind::Str, v) => matches!(
            v,
            Value::String(_) | Value::Int(_) | Value::Decimal(_) | Value::Bool(_)
        ),
        (Kind::Arr, v) => matches!(v, Value::Array(_) | Value::String(_)),
    };
    if ok {
        Ok(())
    } else {
        Err(CompileError::ArgumentType {
            name: b.name.to_owned(),
            position: i + 1,
            expected: match b.kind(i) {
                Kind::Num => "a number",
                Kind::Str => "a string",
                Kind::Arr => "an array",
                Kind::Any => "a value",
            },
            found: v.type_name(),
        })
    }
}

/// Checks literal arguments whose allowed values are known: algorithm and encoding names,
/// date patterns and time zones.
fn check_literal_args(b: &Builtin, args: &[CExpr]) -> Result<(), CompileError> {
    let lit = |i: usize| match args.get(i) {
        Some(CExpr::Const(Value::String(s))) => Some(s.as_str()),
        _ => None,
    };
    let bad = |reason: String| {
        Err(CompileError::InvalidArgument {
            name: b.name.to_owned(),
            reason,
        })
    };
    match b.name {
        "crypto" => {
            if let Some(a) = lit(1)
                && !functions::hash_alg_known(a)
            {
                return bad(format!(
                    "unsupported algorithm `{a}` (MD5, SHA1, SHA-224, SHA-256, SHA-384, SHA-512)"
                ));
            }
        }
        "payload" => {
            if let Some(e) = lit(0)
                && !(e.eq_ignore_ascii_case("utf-8") || e.eq_ignore_ascii_case("utf8"))
            {
                return bad(format!("unsupported text encoding `{e}` (utf-8)"));
            }
        }
        "topic" | "nth" => {
            if let Some(CExpr::Const(v)) = args.first()
                && let Some(n) = functions::int_of(v)
                && n < 1
            {
                return bad(format!("position {n}: positions start at 1"));
            }
        }
        "encode" | "decode" => {
            if let Some(a) = lit(1)
                && !a.eq_ignore_ascii_case("base64")
            {
                return bad(format!("unsupported encoding `{a}` (base64)"));
            }
        }
        "time_to_epoch" => {
            if let Some(p) = lit(1)
                && let Err(c) = time::check_pattern(p)
            {
                return bad(format!("unsupported letter `{c}` in date pattern `{p}`"));
            }
            if let Some(z) = lit(2)
                && FixedOffset::parse(z).is_none()
            {
                return bad(format!("unsupported time zone `{z}`"));
            }
        }
        "timestamp" | "timestamp_utc" | "parse_time" => {
            if let Some(p) = lit(0)
                && let Err(c) = time::check_pattern(p)
            {
                return bad(format!("unsupported letter `{c}` in date pattern `{p}`"));
            }
            if b.name == "parse_time"
                && let Some(z) = lit(2)
                && FixedOffset::parse(z).is_none()
            {
                return bad(format!("unsupported time zone `{z}`"));
            }
        }
        _ => {}
    }
    Ok(())
}
