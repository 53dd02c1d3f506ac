//! [`TopicTree`]: a subscription trie keyed by topic-filter levels.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use hashbrown::HashMap;

use super::{TopicError, is_dollar, validate_topic_filter};

/// The default limit on the number of levels of a filter stored in a [`TopicTree`].
///
/// EMQX uses the same default (`max_topic_levels = 128`); AWS IoT allows eight levels. The
/// limit bounds the depth of the trie, and with it the recursion of removal and drop.
pub const DEFAULT_MAX_LEVELS: usize = 128;

/// One level of the trie.
struct Node<T> {
    /// Children for literal levels.
    children: HashMap<Box<str>, Node<T>>,
    /// The child for a `+` level.
    plus: Option<Box<Node<T>>>,
    /// Values of filters that end with `#` at this level (`<path>/#`, or `#` at the root).
    hash: Vec<T>,
    /// Values of filters that end exactly here.
    values: Vec<T>,
}

impl<T> Node<T> {
    fn new() -> Self {
        Node {
            children: HashMap::new(),
            plus: None,
            hash: Vec::new(),
            values: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.children.is_empty()
            && self.plus.is_none()
            && self.hash.is_empty()
            && self.values.is_empty()
    }
}

/// A subscription trie: topic filters with values, queried with topic names.
///
/// Filters are split into levels; a lookup walks the levels of the topic name once, following
/// the literal child, the `+` child and collecting the `#` values at every level it passes. Its
/// cost depends on the depth of the name and on the number of matching filters, not on how many
/// filters are stored (a literal level is a hash lookup).
///
/// Several values may be stored under one filter (for example one per subscribed session).
/// Filters are stored as given: for a shared subscription insert its inner filter (see
/// [`parse_shared`](super::parse_shared)) and keep the group in the value.
///
/// ```
/// use iot_protocol::topic::TopicTree;
///
/// let mut subscriptions = TopicTree::new();
/// subscriptions.insert("sport/tennis/player1/#", 1).unwrap();
/// subscriptions.insert("sport/+/player1", 2).unwrap();
/// subscriptions.insert("$SYS/#", 3).unwrap();
/// subscriptions.insert("#", 4).unwrap();
///
/// let mut hit: Vec<i32> = subscriptions.matches("sport/tennis/player1").copied().collect();
/// hit.sort();
/// assert_eq!(hit, [1, 2, 4]);
/// // A leading wildcard does not match `$` topics (MQTT 5.0 §4.7.2).
/// assert_eq!(subscriptions.matches("$SYS/uptime").copied().collect::<Vec<_>>(), [3]);
///
/// assert_eq!(subscriptions.remove_if("#", |v| *v == 4), 1);
/// assert_eq!(subscriptions.len(), 3);
/// ```
pub struct TopicTree<T> {
    root: Node<T>,
    len: usize,
    max_levels: usize,
}

impl<T> Default for TopicTree<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for TopicTree<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicTree")
            .field("len", &self.len)
            .field("max_levels", &self.max_levels)
            .finish_non_exhaustive()
    }
}

impl<T> TopicTree<T> {
    /// An empty tree that accepts filters of up to [`DEFAULT_MAX_LEVELS`] levels.
    pub fn new() -> Self {
        TopicTree {
            root: Node::new(),
            len: 0,
            max_levels: DEFAULT_MAX_LEVELS,
        }
    }

    /// Sets the largest number of levels a filter may have to be inserted.
    ///
    /// Matching is not limited: a topic name deeper than any filter simply matches only `#`
    /// filters. Lowering the limit does not remove filters already stored.
    pub fn set_max_levels(&mut self, max_levels: usize) -> &mut Self {
        self.max_levels = max_levels.max(1);
        self
    }

    /// The number of values stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if no value is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value` under `filter`.
    ///
    /// The filter is validated first (see [`validate_topic_filter`]); a filter with more levels
    /// than the tree's limit is refused with [`TopicError::TooManyLevels`]. A shared-subscription
    /// filter is refused with [`TopicError::SharedSubscriptionNotStripped`]: insert its inner filter.
    pub fn insert(&mut self, filter: &str, value: T) -> Result<(), TopicError> {
        validate_topic_filter(filter)?;
        if filter.starts_with(super::SHARE_PREFIX) {
            return Err(TopicError::SharedSubscriptionNotStripped);
        }
        let levels = filter.split('/').count();
        if levels > self.max_levels {
            return Err(TopicError::TooManyLevels {
                levels,
                max: self.max_levels,
            });
        }
        let mut node = &mut self.root;
        for level in filter.split('/') {
            node = match level {
                "#" => {
                    // Validation guarantees "#" is the last level.
                    node.hash.push(value);
                    self.len += 1;
                    return Ok(());
                }
                "+" => node.plus.get_or_insert_with(|| Box::new(Node::new())),
                literal => node
                    .children
                    .entry(Box::from(literal))
                    .or_insert_with(Node::new),
            };
        }
        node.values.push(value);
        self.len += 1;
        Ok(())
    }

    /// Removes the values stored under exactly `filter` for which `pred` returns `true`, and
    /// returns how many were removed. Levels left empty are freed.
    pub fn remove_if(&mut self, filter: &str, mut pred: impl FnMut(&T) -> bool) -> usize {
        let removed = remove_in(&mut self.root, filter.split('/'), &mut pred);
        self.len -= removed;
        removed
    }

    /// Removes the values stored under exactly `filter` that equal `value`.
    pub fn remove(&mut self, filter: &str, value: &T) -> usize
    where
        T: PartialEq,
    {
        self.remove_if(filter, |v| v == value)
    }

    /// Every value whose filter matches the topic name `name` (MQTT 5.0 §4.7), once per stored
    /// value, in no particular order.
    ///
    /// `name` is expected to be a valid topic name; for anything else the result is unspecified
    /// but nothing panics.
    pub fn matches<'t, 'n>(&'t self, name: &'n str) -> Matches<'t, 'n, T> {
        let stack = alloc::vec![Frame {
            node: &self.root,
            pos: Some(0),
        }];
        Matches {
            name,
            dollar: is_dollar(name),
            stack,
            current: [].iter(),
            pending: [].iter(),
            at_root: true,
        }
    }

    /// Whether any stored filter matches `name`.
    pub fn has_match(&self, name: &str) -> bool {
        self.matches(name).next().is_some()
    }
}

/// Removal below `node`, recursing once per level; [`TopicTree::insert`] bounds the depth.
fn remove_in<'f, T>(
    node: &mut Node<T>,
    mut levels: core::str::Split<'f, char>,
    pred: &mut impl FnMut(&T) -> bool,
) -> usize {
    fn retain<T>(values: &mut Vec<T>, pred: &mut impl FnMut(&T) -> bool) -> usize {
        let before = values.len();
        values.retain(|v| !pred(v));
        before - values.len()
    }
    match levels.next() {
        None => retain(&mut node.values, pred),
        Some("#") => retain(&mut node.hash, pred),
        Some("+") => {
            let Some(child) = node.plus.as_deref_mut() else {
                return 0;
            };
            let removed = remove_in(child, levels, pred);
            if child.is_empty() {
                node.plus = None;
            }
            removed
        }
        Some(literal) => {
            let Some(child) = node.children.get_mut(literal) else {
                return 0;
            };
            let removed = remove_in(child, levels, pred);
            if child.is_empty() {
                node.children.remove(literal);
            }
            removed
        }
    }
}

/// A node still to visit, with the byte offset of the name level it is to consume (`None` once
/// every level of the name is consumed).
struct Frame<'t, T> {
    node: &'t Node<T>,
    pos: Option<usize>,
}

/// The iterator returned by [`TopicTree::matches`].
pub struct Matches<'t, 'n, T> {
    name: &'n str,
    dollar: bool,
    stack: Vec<Frame<'t, T>>,
    current: core::slice::Iter<'t, T>,
    pending: core::slice::Iter<'t, T>,
    at_root: bool,
}

impl<T> fmt::Debug for Matches<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matches")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'t, T> Iterator for Matches<'t, '_, T> {
    type Item = &'t T;

    fn next(&mut self) -> Option<&'t T> {
        loop {
            if let Some(v) = self.current.next() {
                return Some(v);
            }
            if let Some(v) = self.pending.next() {
                return Some(v);
            }
            let Frame { node, pos } = self.stack.pop()?;
            let at_root = core::mem::replace(&mut self.at_root, false);
            match pos {
                None => {
                    // Every level consumed: filters ending here match, and so do filters ending
                    // in "#" here, which also match the parent level (§4.7.1.2).
                    self.current = node.values.iter();
                    self.pending = node.hash.iter();
                }
                Some(start) => {
                    let rest = self.name.get(start..).unwrap_or("");
                    let (level, next) = match rest.find('/') {
                        Some(i) => (&rest[..i], Some(start + i + 1)),
                        None => (rest, None),
                    };
                    // §4.7.2: wildcards at the first level do not match a `$` topic.
                    let wild_ok = !(at_root && self.dollar);
                    if wild_ok {
                        self.current = node.hash.iter();
                        if let Some(plus) = node.plus.as_deref() {
                            self.stack.push(Frame {
                                node: plus,
                                pos: next,
                            });
                        }
                    }
                    if let Some(child) = node.children.get(level) {
                        self.stack.push(Frame {
                            node: child,
                            pos: next,
                        });
                    }
                }
            }
        }
    }
}
