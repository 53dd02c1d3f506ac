//! Per-leaf metadata: the tree that mirrors the state, and how each dialect renders it
//! (AWS/Alibaba `{"timestamp": s}` leaves, Azure `$lastUpdated` / `$lastUpdatedVersion` levels).

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::document::Object;
use crate::time::EpochMillis;

/// How metadata is rendered.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaStyle {
    /// AWS and Alibaba: each leaf becomes `{"timestamp": <epoch seconds>}`.
    Timestamp,
    /// Azure: every level carries `$lastUpdated` (ISO-8601), and `$lastUpdatedVersion` when
    /// `versions` is set (desired side).
    Azure {
        /// Whether to add `$lastUpdatedVersion`.
        versions: bool,
    },
}

/// Per-node metadata, mirroring the state tree. Stored as `{"t": ms, "v": version, "c": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Meta {
    #[serde(rename = "t")]
    pub(crate) updated: EpochMillis,
    #[serde(rename = "v")]
    pub(crate) version: u64,
    #[serde(rename = "c", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) children: BTreeMap<String, Meta>,
}

impl Meta {
    pub(crate) fn leaf(now: EpochMillis, version: u64) -> Self {
        Self {
            updated: now,
            version,
            children: BTreeMap::new(),
        }
    }
}

pub(crate) fn render_meta(state: &Object, meta: &Meta, style: MetaStyle) -> Value {
    let mut out = Object::new();
    if let MetaStyle::Azure { versions } = style {
        add_azure_stamp(&mut out, meta, versions);
    }
    for (key, value) in state {
        let fallback;
        let child = match meta.children.get(key) {
            Some(c) => c,
            None => {
                fallback = Meta::leaf(meta.updated, meta.version);
                &fallback
            }
        };
        let rendered = match (value, style) {
            (Value::Object(sub), _) => render_meta(sub, child, style),
            (_, MetaStyle::Timestamp) => timestamp_leaf(child.updated),
            (_, MetaStyle::Azure { versions }) => {
                let mut leaf = Object::new();
                add_azure_stamp(&mut leaf, child, versions);
                Value::Object(leaf)
            }
        };
        out.insert(key.clone(), rendered);
    }
    Value::Object(out)
}

/// Section metadata, serialized on the fly (see [`ShadowDocument::metadata_view`](crate::ShadowDocument::metadata_view)).
#[derive(Debug, Clone, Copy)]
pub struct MetaView<'a> {
    pub(crate) state: &'a Object,
    pub(crate) meta: &'a Meta,
    pub(crate) style: MetaStyle,
}

struct Leaf<'a> {
    meta: &'a Meta,
    style: MetaStyle,
}

impl Serialize for Leaf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.style {
            MetaStyle::Timestamp => {
                map.serialize_entry("timestamp", &self.meta.updated.as_secs())?
            }
            MetaStyle::Azure { versions } => {
                map.serialize_entry("$lastUpdated", &self.meta.updated.to_azure_string())?;
                if versions {
                    map.serialize_entry("$lastUpdatedVersion", &self.meta.version)?;
                }
            }
        }
        map.end()
    }
}

impl Serialize for MetaView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let MetaStyle::Azure { versions } = self.style {
            map.serialize_entry("$lastUpdated", &self.meta.updated.to_azure_string())?;
            if versions {
                map.serialize_entry("$lastUpdatedVersion", &self.meta.version)?;
            }
        }
        for (key, value) in self.state {
            let fallback;
            let child = match self.meta.children.get(key) {
                Some(c) => c,
                None => {
                    fallback = Meta::leaf(self.meta.updated, self.meta.version);
                    &fallback
                }
            };
            match value {
                Value::Object(sub) => map.serialize_entry(
                    key,
                    &MetaView {
                        state: sub,
                        meta: child,
                        style: self.style,
                    },
                )?,
                _ => map.serialize_entry(
                    key,
                    &Leaf {
                        meta: child,
                        style: self.style,
                    },
                )?,
            }
        }
        map.end()
    }
}

fn add_azure_stamp(out: &mut Object, meta: &Meta, versions: bool) {
    out.insert(
        "$lastUpdated".into(),
        Value::String(meta.updated.to_azure_string()),
    );
    if versions {
        out.insert("$lastUpdatedVersion".into(), Value::from(meta.version));
    }
}

fn timestamp_leaf(at: EpochMillis) -> Value {
    let mut leaf = Object::new();
    leaf.insert("timestamp".into(), Value::from(at.as_secs()));
    Value::Object(leaf)
}

/// Metadata for a request patch, every leaf (deletions included) stamped with `at`: the
/// `metadata` of an AWS `/update/accepted` document.
#[must_use]
pub fn stamp_patch(patch: &Object, at: EpochMillis) -> Value {
    let mut out = Object::new();
    for (key, value) in patch {
        let v = match value {
            Value::Object(sub) => stamp_patch(sub, at),
            _ => timestamp_leaf(at),
        };
        out.insert(key.clone(), v);
    }
    Value::Object(out)
}
