//! Many rules compiled once and indexed by their FROM topic filters.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use iot_protocol::topic::TopicTree;

use crate::dialect::DialectFlags;
use crate::error::RuleSetError;
use crate::eval::{MsgCtx, Runtime, effective_topic, walk};
use crate::message::Message;
use crate::rule::{CompiledRule, RuleOptions};
use crate::value::Value;

/// Most actions per rule (AWS IoT allows 10, plus the error action).
pub const MAX_ACTIONS: usize = 10;
/// Most rules in one set.
pub const MAX_RULES: usize = 1_000_000;

/// What to do with a rule's output document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Republish to a topic built from a template such as `/${productKey}/${deviceName}/alarm`.
    ///
    /// Placeholders: `${productKey}`, `${deviceName}`, `${clientid}`, `${topic}`,
    /// `${topic(n)}` (1-based level), `${timestamp}`, and any output member by path
    /// (`${temperature}`, `${a.b}`). A placeholder with no value, or a result that is not a valid
    /// topic name, fails the action (see [`RuleOutput::errors`]).
    Republish {
        /// The topic template.
        topic: String,
    },
    /// Hand the document to the sink registered under this name.
    Sink {
        /// The sink's name.
        name: String,
    },
}

impl Action {
    /// A republish action.
    pub fn republish(topic: &str) -> Self {
        Action::Republish {
            topic: topic.to_owned(),
        }
    }

    /// A sink action.
    pub fn sink(name: &str) -> Self {
        Action::Sink {
            name: name.to_owned(),
        }
    }
}

/// A rule to add to a [`RuleSet`]: id, SQL, actions and an optional error action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    id: String,
    sql: String,
    actions: Vec<Action>,
    error_action: Option<Action>,
    enabled: bool,
}

impl Rule {
    /// A rule with no actions yet (its outputs still come back to the caller).
    pub fn new(id: &str, sql: &str) -> Self {
        Rule {
            id: id.to_owned(),
            sql: sql.to_owned(),
            actions: Vec::new(),
            error_action: None,
            enabled: true,
        }
    }

    /// Adds an action.
    pub fn action(mut self, a: Action) -> Self {
        self.actions.push(a);
        self
    }

    /// Sets the action taken when another action fails (AWS `errorAction`, Alibaba `ErrorActionFlag`).
    pub fn error_action(mut self, a: Action) -> Self {
        self.error_action = Some(a);
        self
    }

    /// Disables the rule (AWS `ruleDisabled`): it compiles but never runs.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }
}

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    ProductKey,
    DeviceName,
    ClientId,
    Topic,
    TopicLevel(usize),
    Timestamp,
    Field(Vec<crate::ast::Step>),
}

#[derive(Debug, Clone)]
struct Template {
    text: String,
    parts: Vec<Part>,
}

impl Template {
    fn parse(text: &str) -> Option<Template> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            if i > 0 {
                parts.push(Part::Lit(rest[..i].to_owned()));
            }
            let after = &rest[i + 2..];
            let end = after.find('}')?;
            let name = after[..end].trim();
            let part = match name {
                "productKey" => Part::ProductKey,
                "deviceName" => Part::DeviceName,
                "clientid" | "clientId" => Part::ClientId,
                "topic" => Part::Topic,
                "timestamp" => Part::Timestamp,
                _ => {
                    if let Some(n) = name
                        .strip_prefix("topic(")
                        .and_then(|s| s.strip_suffix(')'))
                    {
                        Part::TopicLevel(n.trim().parse().ok().filter(|n| *n >= 1)?)
                    } else if name.is_empty() {
                        return None;
                    } else {
                        Part::Field(
                            name.split('.')
                                .map(|s| crate::ast::Step::Field(s.to_owned()))
                                .collect(),
                        )
                    }
                }
            };
            parts.push(part);
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_owned()));
        }
        Some(Template {
            text: text.to_owned(),
            parts,
        })
    }

    fn render(&self, msg: &Message<'_>, doc: &Value) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.parts {
            let missing = |what: &str| format!("`{}`: no value for {what}", self.text);
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::ProductKey => {
                    out.push_str(msg.product_key.ok_or_else(|| missing("productKey"))?)
                }
                Part::DeviceName => {
                    out.push_str(msg.device_name.ok_or_else(|| missing("deviceName"))?)
                }
                Part::ClientId => out.push_str(msg.client_id.ok_or_else(|| missing("clientid"))?),
                Part::Topic => out.push_str(effective_topic(msg.topic)),
                Part::TopicLevel(n) => out.push_str(
                    effective_topic(msg.topic)
                        .split('/')
                        .nth(n - 1)
                        .ok_or_else(|| missing("the topic level"))?,
                ),
                Part::Timestamp => out.push_str(&msg.timestamp.0.to_string()),
                Part::Field(steps) => match walk(doc, steps) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(v @ (Value::Int(_) | Value::Decimal(_) | Value::Bool(_))) => {
                        out.push_str(&v.to_json_string())
                    }
                    _ => return Err(missing("an output member")),
                },
            }
        }
        iot_protocol::topic::validate_topic_name(&out)
            .map_err(|e| format!("`{}` gave `{out}`: {e}", self.text))?;
        Ok(out)
    }
}

#[derive(Debug, Clone)]
enum CAction {
    Republish(Template),
    Sink(String),
}

impl CAction {
    fn new(id: &str, a: &Action) -> Result<CAction, RuleSetError> {
        Ok(match a {
            Action::Republish { topic } => {
                CAction::Republish(Template::parse(topic).ok_or_else(|| {
                    RuleSetError::InvalidTemplate {
                        id: id.to_owned(),
                        template: topic.clone(),
                    }
                })?)
            }
            Action::Sink { name } => CAction::Sink(name.clone()),
        })
    }

    fn resolve<'r>(&'r self, msg: &Message<'_>, doc: &Value) -> Result<Dispatch<'r>, String> {
        Ok(match self {
            CAction::Republish(t) => Dispatch::Republish {
                topic: t.render(msg, doc)?,
            },
            CAction::Sink(n) => Dispatch::Sink { name: n },
        })
    }
}

/// A resolved action for one output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dispatch<'r> {
    /// Publish the document to this topic.
    Republish {
        /// The rendered topic.
        topic: String,
    },
    /// Hand the document to the named sink.
    Sink {
        /// The sink's name.
        name: &'r str,
    },
}

/// One output of one rule for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOutput<'r> {
    /// The rule's id.
    pub rule_id: &'r str,
    /// The output document.
    pub document: Value,
    /// The rule's actions, resolved for this output.
    pub actions: Vec<Dispatch<'r>>,
    /// Actions that could not be resolved (a template without a value), as messages.
    pub errors: Vec<String>,
    /// The rule's error action, resolved, to run if an action fails.
    pub error_action: Option<Dispatch<'r>>,
}

struct Entry {
    id: String,
    rule: CompiledRule,
    actions: Vec<CAction>,
    error_action: Option<CAction>,
    enabled: bool,
}

/// Builds a [`RuleSet`]: every rule compiled with the same options.
#[derive(Debug)]
pub struct RuleSetBuilder {
    options: RuleOptions,
    rules: Vec<Rule>,
}

impl RuleSetBuilder {
    /// Adds a rule.
    pub fn add(&mut self, rule: Rule) -> &mut Self {
        self.rules.push(rule);
        self
    }

    /// Compiles every rule and builds the topic index.
    ///
    /// # Errors
    /// The first rule that does not compile (with its id), a duplicate id, too many actions,
    /// or a malformed republish template.
    pub fn build(&self) -> Result<RuleSet, RuleSetError> {
        if self.rules.len() > MAX_RULES {
            return Err(RuleSetError::TooManyRules(MAX_RULES));
        }
        let runtime = self.options.runtime();
        let mut seen = HashSet::with_capacity(self.rules.len());
        let mut entries = Vec::with_capacity(self.rules.len());
        let mut index = TopicTree::new();
        for r in &self.rules {
            if !seen.insert(r.id.as_str()) {
                return Err(RuleSetError::DuplicateId(r.id.clone()));
            }
            if r.actions.len() > MAX_ACTIONS {
                return Err(RuleSetError::TooManyActions {
                    id: r.id.clone(),
                    count: r.actions.len(),
                    max: MAX_ACTIONS,
                });
            }
            let rule = CompiledRule::compile_with(&r.sql, &self.options, Arc::clone(&runtime))
                .map_err(|source| RuleSetError::Compile {
                    id: r.id.clone(),
                    source,
                })?;
            let actions = r
                .actions
                .iter()
                .map(|a| CAction::new(&r.id, a))
                .collect::<Result<_, _>>()?;
            let error_action = r
                .error_action
                .as_ref()
                .map(|a| CAction::new(&r.id, a))
                .transpose()?;
            if r.enabled {
                let n = u32::try_from(entries.len())
                    .map_err(|_| RuleSetError::TooManyRules(MAX_RULES))?;
                for f in rule.topics() {
                    index
                        .insert(f, n)
                        .map_err(|source| RuleSetError::TopicFilter {
                            id: r.id.clone(),
                            filter: f.clone(),
                            source,
                        })?;
                }
            }
            entries.push(Entry {
                id: r.id.clone(),
                rule,
                actions,
                error_action,
                enabled: r.enabled,
            });
        }
        let ids = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(RuleSet {
            flags: self.options.dialect_flags(),
            runtime,
            entries,
            ids,
            index,
        })
    }
}

/// Rules compiled once; each message evaluates only the rules whose FROM filter matches.
///
/// ```
/// use iot_rules::{Action, Dialect, Dispatch, Message, Rule, RuleOptions, RuleSet, UnixMillis};
///
/// let mut b = RuleSet::builder(RuleOptions::new(Dialect::Aws));
/// b.add(Rule::new("hot", "SELECT temperature AS t FROM 'plant/+/telemetry' WHERE temperature > 38")
///     .action(Action::republish("alarms/${topic(2)}")));
/// b.add(Rule::new("raw", "SELECT encode(*, 'base64') AS data FROM 'plant/+/blob'"));
/// let rules = b.build()?;
///
/// let msg = Message::new("plant/p7/telemetry", br#"{"temperature": 40}"#, UnixMillis(0));
/// let out = rules.evaluate(&msg);
/// assert_eq!(out[0].document.to_json_string(), r#"{"t":40}"#);
/// assert_eq!(out[0].actions, vec![Dispatch::Republish { topic: "alarms/p7".into() }]);
///
/// // Binary payloads are usable as bytes.
/// let out = rules.evaluate(&Message::new("plant/p7/blob", &[0xde, 0xad], UnixMillis(0)));
/// assert_eq!(out[0].document.to_json_string(), r#"{"data":"3q0="}"#);
/// # Ok::<(), iot_rules::RuleSetError>(())
/// ```
pub struct RuleSet {
    flags: DialectFlags,
    runtime: Arc<Runtime>,
    entries: Vec<Entry>,
    ids: HashMap<String, usize>,
    index: TopicTree<u32>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// Starts a set whose rules compile with `options`.
    pub fn builder(options: RuleOptions) -> RuleSetBuilder {
        RuleSetBuilder {
            options,
            rules: Vec::new(),
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A compiled rule by id.
    pub fn get(&self, id: &str) -> Option<&CompiledRule> {
        self.ids.get(id).map(|&i| &self.entries[i].rule)
    }

    /// `Some(enabled)` for a known rule id.
    pub fn is_enabled(&self, id: &str) -> Option<bool> {
        self.ids.get(id).map(|&i| self.entries[i].enabled)
    }

    /// Enables or disables a rule without rebuilding the set (AWS `ruleDisabled`, Alibaba
    /// start/stop). `Ok(false)` for an unknown id.
    ///
    /// # Errors
    /// [`RuleSetError::TopicFilter`] if the topic index refuses one of the rule's filters (the
    /// rule then stays disabled).
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<bool, RuleSetError> {
        let Some(&i) = self.ids.get(id) else {
            return Ok(false);
        };
        let e = &mut self.entries[i];
        if e.enabled == enabled {
            return Ok(true);
        }
        // Indices were checked against u32 when the set was built.
        let n = u32::try_from(i).map_err(|_| RuleSetError::TooManyRules(MAX_RULES))?;
        if enabled {
            for f in e.rule.topics() {
                if let Err(source) = self.index.insert(f, n) {
                    for g in e.rule.topics() {
                        self.index.remove_if(g, |&v| v == n);
                    }
                    return Err(RuleSetError::TopicFilter {
                        id: e.id.clone(),
                        filter: f.clone(),
                        source,
                    });
                }
            }
        } else {
            for f in e.rule.topics() {
                self.index.remove_if(f, |&v| v == n);
            }
        }
        e.enabled = enabled;
        Ok(true)
    }

    /// Ids of the enabled rules whose FROM matches the topic, in the order they were added.
    pub fn matching_rules(&self, topic: &str) -> Vec<&str> {
        self.matching(topic)
            .into_iter()
            .map(|i| self.entries[i].id.as_str())
            .collect()
    }

    fn matching(&self, topic: &str) -> Vec<usize> {
        let mut ids = Vec::new();
        self.for_each_match(topic, |i| ids.push(i));
        ids
    }

    /// Calls `f` with the index of each enabled rule whose FROM matches, once each, in the
    /// order the rules were added. The common single-match case allocates nothing.
    fn for_each_match(&self, topic: &str, mut f: impl FnMut(usize)) {
        let t = effective_topic(topic);
        let mut it = self
            .index
            .matches(t)
            .filter_map(|&i| usize::try_from(i).ok());
        let Some(first) = it.next() else {
            return;
        };
        let Some(second) = it.next() else {
            f(first);
            return;
        };
        let mut ids: Vec<usize> = [first, second].into_iter().chain(it).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().for_each(f);
    }

    /// Evaluates the message against the matching rules; returns every output with its actions.
    pub fn evaluate<'r>(&'r self, msg: &Message<'_>) -> Vec<RuleOutput<'r>> {
        let mut out = Vec::new();
        self.evaluate_into(msg, &mut out);
        out
    }

    /// As [`evaluate`](Self::evaluate), appending to `out` (reuse the vector across messages).
    pub fn evaluate_into<'r>(&'r self, msg: &Message<'_>, out: &mut Vec<RuleOutput<'r>>) {
        let ctx = MsgCtx::new(msg, &self.runtime, self.flags);
        self.for_each_match(msg.topic, |i| {
            let e = &self.entries[i];
            e.rule.eval_each(&ctx, |doc| {
                let mut actions = Vec::with_capacity(e.actions.len());
                let mut errors = Vec::new();
                for a in &e.actions {
                    match a.resolve(msg, &doc) {
                        Ok(d) => actions.push(d),
                        Err(m) => errors.push(m),
                    }
                }
                let error_action = e
                    .error_action
                    .as_ref()
                    .and_then(|a| a.resolve(msg, &doc).ok());
                out.push(RuleOutput {
                    rule_id: &e.id,
                    document: doc,
                    actions,
                    errors,
                    error_action,
                });
            });
        });
    }
}
