//! One rule: options, compilation and evaluation.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::ast::Statement;
use crate::compile::Compiler;
use crate::dialect::{Dialect, DialectFlags};
use crate::error::CompileError;
use crate::eval::{
    CExpr, CProjection, Env, MsgCtx, Runtime, UserFunction, effective_topic, project,
};
use crate::message::Message;
use crate::time::FixedOffset;
use crate::value::{Map, Value};

/// How rules are compiled: dialect, time zone for formatted times, random seed, user functions.
///
/// ```
/// use iot_rules::{Dialect, RuleOptions, Value};
/// let mut opts = RuleOptions::new(Dialect::Aws);
/// opts.function("double", 1, 1, |args| match args[0] {
///     Value::Int(i) => Value::Int(i * 2),
///     _ => Value::Undefined,
/// });
/// let rule = opts.compile("SELECT double(v) AS d FROM 'a/b'").unwrap();
/// # let _ = rule;
/// ```
#[derive(Clone)]
pub struct RuleOptions {
    dialect: Dialect,
    flags: DialectFlags,
    time_zone: FixedOffset,
    seed: Option<u64>,
    user: HashMap<String, (usize, usize, UserFunction)>,
}

impl fmt::Debug for RuleOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleOptions")
            .field("dialect", &self.dialect)
            .field("flags", &self.flags)
            .field("time_zone", &self.time_zone)
            .field("seed", &self.seed)
            .field("user_functions", &self.user.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RuleOptions {
    /// Options for a dialect, with its preset flags, UTC, and a random seed from the OS.
    pub fn new(dialect: Dialect) -> Self {
        RuleOptions {
            dialect,
            flags: dialect.flags(),
            time_zone: FixedOffset::UTC,
            seed: None,
            user: HashMap::new(),
        }
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Replaces the dialect's flags (start from [`Dialect::flags`]).
    pub fn flags(&mut self, flags: DialectFlags) -> &mut Self {
        self.flags = flags;
        self
    }

    /// The zone `timestamp(format)` formats in (default UTC).
    pub fn time_zone(&mut self, tz: FixedOffset) -> &mut Self {
        self.time_zone = tz;
        self
    }

    /// Seeds `rand()` and `newuuid()`, for reproducible tests.
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = Some(seed);
        self
    }

    /// Registers a function taking `min..=max` arguments (`usize::MAX` for any number). The
    /// name is case-insensitive and takes precedence over a built-in of the same name.
    pub fn function(
        &mut self,
        name: &str,
        min: usize,
        max: usize,
        f: impl Fn(&[Value]) -> Value + Send + Sync + 'static,
    ) -> &mut Self {
        self.user
            .insert(name.to_ascii_lowercase(), (min, max, Arc::new(f)));
        self
    }

    pub(crate) fn runtime(&self) -> Arc<Runtime> {
        Arc::new(Runtime::new(self.time_zone, self.seed, self.user.clone()))
    }

    pub(crate) fn dialect_flags(&self) -> DialectFlags {
        self.flags
    }

    /// Compiles one rule.
    ///
    /// # Errors
    /// [`CompileError::Parse`] with the location for syntax errors; unknown functions, wrong
    /// arity and literal arguments of the wrong type or value.
    pub fn compile(&self, sql: &str) -> Result<CompiledRule, CompileError> {
        CompiledRule::compile_with(sql, self, self.runtime())
    }
}

#[derive(Debug, Clone)]
enum Body {
    Select {
        projection: CProjection,
        where_clause: Option<CExpr>,
    },
    Foreach {
        array: CExpr,
        items: Option<Vec<(String, CExpr)>>,
        incase: Option<CExpr>,
        where_clause: Option<CExpr>,
    },
}

/// What [`CompiledRule::explain`] found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// No FROM filter matches the topic.
    TopicMismatch,
    /// WHERE gave this value instead of `true` (`false`, `null` or `Undefined`).
    WhereNotTrue(Value),
    /// The outputs (none for a FOREACH whose array is empty or filtered out).
    Output(Vec<Value>),
}

/// A rule compiled once, to be evaluated against many messages.
#[derive(Clone)]
pub struct CompiledRule {
    statement: Statement,
    body: Body,
    flags: DialectFlags,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledRule")
            .field("statement", &self.statement.to_string())
            .finish_non_exhaustive()
    }
}

impl CompiledRule {
    pub(crate) fn compile_with(
        sql: &str,
        opts: &RuleOptions,
        runtime: Arc<Runtime>,
    ) -> Result<CompiledRule, CompileError> {
        let flags = opts.dialect_flags();
        let statement = crate::parser::parse(sql, &flags, opts.dialect.name())?;
        let mut c = Compiler::new(flags, &runtime);
        let body = match &statement {
            Statement::Select(s) => {
                let projection = c.projection(&s.projection)?;
                let where_clause = match &s.where_clause {
                    None => None,
                    Some(w) => {
                        let empty = Vec::new();
                        let items = match &projection {
                            CProjection::Items { items, .. } => items,
                            CProjection::Value(_) => &empty,
                        };
                        Some(c.where_clause(w, items)?)
                    }
                };
                Body::Select {
                    projection,
                    where_clause,
                }
            }
            Statement::Foreach(f) => {
                let name = f.alias.as_deref().unwrap_or("item");
                let array = c.expr(&f.array)?;
                let (items, incase) = c.with_element(name, |c| {
                    let items = if f.items.is_empty() {
                        None
                    } else {
                        Some(c.items(&f.items)?)
                    };
                    let incase = f.incase.as_ref().map(|e| c.expr(e)).transpose()?;
                    Ok::<_, CompileError>((items, incase))
                })?;
                let where_clause = f.where_clause.as_ref().map(|e| c.expr(e)).transpose()?;
                Body::Foreach {
                    array,
                    items,
                    incase,
                    where_clause,
                }
            }
        };
        Ok(CompiledRule {
            statement,
            body,
            flags,
            runtime,
        })
    }

    /// The parsed statement (its `Display` prints canonical rule text).
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The FROM topic filters.
    pub fn topics(&self) -> &[String] {
        self.statement.topics()
    }

    /// `true` if a FROM filter matches the topic (AWS basic-ingest prefixes removed first).
    pub fn matches_topic(&self, topic: &str) -> bool {
        let t = effective_topic(topic);
        self.topics()
            .iter()
            .any(|f| iot_protocol::topic::matches(f, t))
    }

    /// Evaluates the rule: the output documents (none if the topic or WHERE does not match;
    /// several for FOREACH).
    pub fn evaluate(&self, msg: &Message<'_>) -> Vec<Value> {
        let mut out = Vec::new();
        if self.matches_topic(msg.topic) {
            let ctx = MsgCtx::new(msg, &self.runtime, self.flags);
            self.eval_ctx(&ctx, &mut out);
        }
        out
    }

    /// The detailed path, for debugging a rule against a sample message: why it produced
    /// output or not.
    pub fn explain(&self, msg: &Message<'_>) -> Verdict {
        if !self.matches_topic(msg.topic) {
            return Verdict::TopicMismatch;
        }
        let ctx = MsgCtx::new(msg, &self.runtime, self.flags);
        let env = self.env(&ctx);
        let where_clause = match &self.body {
            Body::Select { where_clause, .. } | Body::Foreach { where_clause, .. } => where_clause,
        };
        if let Some(w) = where_clause {
            let v = w.eval(&env);
            if !v.is_true() {
                return Verdict::WhereNotTrue(v);
            }
        }
        let mut out = Vec::new();
        self.eval_ctx(&ctx, &mut out);
        Verdict::Output(out)
    }

    /// The fast boolean path: does the topic match and WHERE hold? No output is built.
    pub fn is_match(&self, msg: &Message<'_>) -> bool {
        if !self.matches_topic(msg.topic) {
            return false;
        }
        let ctx = MsgCtx::new(msg, &self.runtime, self.flags);
        let env = self.env(&ctx);
        match &self.body {
            Body::Select { where_clause, .. } | Body::Foreach { where_clause, .. } => {
                where_clause.as_ref().is_none_or(|w| w.eval(&env).is_true())
            }
        }
    }

    fn env<'e, 'm>(&'e self, ctx: &'e MsgCtx<'m>) -> Env<'e, 'm> {
        Env {
            msg: ctx,
            flags: &self.flags,
            elem: None,
            outer: None,
        }
    }

    /// Evaluates against a prepared message context (topic already matched).
    pub(crate) fn eval_ctx(&self, ctx: &MsgCtx<'_>, out: &mut Vec<Value>) {
        self.eval_each(ctx, |v| out.push(v));
    }

    /// Evaluates against a prepared message context, handing each output to `emit`.
    pub(crate) fn eval_each(&self, ctx: &MsgCtx<'_>, mut emit: impl FnMut(Value)) {
        let env = Env {
            msg: ctx,
            flags: &self.flags,
            elem: None,
            outer: None,
        };
        match &self.body {
            Body::Select {
                projection,
                where_clause,
            } => {
                if let Some(w) = where_clause
                    && !w.eval(&env).is_true()
                {
                    return;
                }
                emit(project(projection, &env, None));
            }
            Body::Foreach {
                array,
                items,
                incase,
                where_clause,
            } => {
                if let Some(w) = where_clause
                    && !w.eval(&env).is_true()
                {
                    return;
                }
                let Value::Array(elems) = array.eval(&env) else {
                    return;
                };
                for el in &elems {
                    let inner = Env {
                        msg: ctx,
                        flags: &self.flags,
                        elem: Some(el),
                        outer: Some(&env),
                    };
                    if let Some(c) = incase
                        && !c.eval(&inner).is_true()
                    {
                        continue;
                    }
                    match items {
                        None => emit(el.clone()),
                        Some(items) => {
                            let mut m = Map::with_capacity(items.len());
                            for (k, e) in items {
                                let v = e.eval(&inner);
                                if !v.is_undefined() {
                                    m.insert(k.clone(), v);
                                }
                            }
                            emit(Value::Object(m));
                        }
                    }
                }
            }
        }
    }
}
