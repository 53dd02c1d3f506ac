//! The shadow document: state sections, per-leaf metadata, versions, and the update, delete and
//! delta operations that every dialect shares.

use serde_json::{Map, Value};

use crate::delta::{delta, delta_touched};
use crate::dialect::{Dialect, SizeScope, VersionRule};
use crate::error::ShadowError;
use crate::json::{self, PatchRules};
use crate::metadata::{Meta, render_meta};
pub use crate::metadata::{MetaStyle, MetaView, stamp_patch};
use crate::time::EpochMillis;

/// A JSON object, the type of `desired`, `reported` and delta sections.
pub type Object = Map<String, Value>;

/// One of the two state sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// `state.desired`: what applications want the device to be.
    Desired,
    /// `state.reported`: what the device says it is.
    Reported,
}

/// What an update does to one section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SectionUpdate {
    /// The request does not mention the section.
    #[default]
    Keep,
    /// The section is set to `null` (Alibaba: the string `"null"`): remove it whole.
    Clear,
    /// Merge this object into the section: `null` removes a key, objects merge recursively,
    /// arrays and scalars replace.
    Merge(Object),
}

impl SectionUpdate {
    fn patch(&self) -> Option<&Object> {
        match self {
            Self::Merge(p) => Some(p),
            _ => None,
        }
    }
}

/// A dialect-neutral update request, as the message adapters produce it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateRequest {
    /// What to do with `desired`.
    pub desired: SectionUpdate,
    /// What to do with `reported`.
    pub reported: SectionUpdate,
    /// The request version (AWS `version`, Alibaba `version`, Azure `If-Match` as a version).
    pub version: Option<i64>,
    /// The `clientToken` to echo, if any.
    pub client_token: Option<String>,
}

impl UpdateRequest {
    /// A request that merges `patch` into `desired`.
    #[must_use]
    pub fn desired(patch: Object) -> Self {
        Self {
            desired: SectionUpdate::Merge(patch),
            ..Self::default()
        }
    }

    /// A request that merges `patch` into `reported`.
    #[must_use]
    pub fn reported(patch: Object) -> Self {
        Self {
            reported: SectionUpdate::Merge(patch),
            ..Self::default()
        }
    }

    /// Sets the request version.
    #[must_use]
    pub fn with_version(mut self, version: i64) -> Self {
        self.version = Some(version);
        self
    }
}

/// What an accepted update did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateOutcome {
    /// The version before the update.
    pub previous_version: u64,
    /// The version after the update.
    pub version: u64,
    /// The time the update was stamped with.
    pub timestamp: EpochMillis,
    /// The part of the delta at the paths this update touched: desired values that now differ
    /// from reported. Empty when the update left nothing for the device to do there.
    pub delta: Object,
    /// Whether the update touched `desired`.
    pub desired_changed: bool,
    /// Whether the update touched `reported`.
    pub reported_changed: bool,
    /// Whether the update was an Alibaba `version: -1` reset.
    pub reset: bool,
}

/// Sizes of the two sections under one rule, remembered between updates so that an update only
/// measures what it touches. Not part of the document's value: equality ignores it.
#[derive(Debug, Clone, Copy, Default)]
struct SizeCache(Option<(json::SizeRule, usize, usize)>);

impl PartialEq for SizeCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SizeCache {}

/// A device shadow: `desired` and `reported` state with per-leaf metadata and versions.
///
/// The document is the same for every dialect; a [`Dialect`] passed to each operation chooses
/// the version rule and limits. All operations take the time as an argument.
///
/// ```
/// use iot_shadow::{Dialect, EpochMillis, ShadowDocument, UpdateRequest};
/// use serde_json::json;
///
/// let aws = Dialect::aws();
/// let mut doc = ShadowDocument::new();
/// let patch = json!({"color": "RED"}).as_object().cloned().unwrap();
/// let out = doc.apply_update(&UpdateRequest::desired(patch), &aws, EpochMillis(1_000)).unwrap();
/// assert_eq!(out.version, 1);
/// assert_eq!(Some(&json!("RED")), out.delta.get("color"));
/// ```
///
/// # Storage
///
/// `ShadowDocument` implements `Serialize` and `Deserialize` in the crate's own storage format
/// (not a vendor format): everything, including metadata times in milliseconds, the section
/// versions and a deleted shadow's tombstone, so a store can keep it as one JSON value.
///
/// ```
/// # use iot_shadow::{EpochMillis, ShadowDocument};
/// # use serde_json::json;
/// let doc = ShadowDocument::with_state(
///     json!({"color": "RED"}).as_object().cloned(), None, 3, EpochMillis(1_000));
/// let stored = serde_json::to_string(&doc).unwrap();
/// let back: ShadowDocument = serde_json::from_str(&stored).unwrap();
/// assert_eq!(back, doc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShadowDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    desired: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reported: Option<Object>,
    #[serde(default)]
    desired_meta: Meta,
    #[serde(default)]
    reported_meta: Meta,
    version: u64,
    #[serde(default)]
    desired_version: u64,
    #[serde(default)]
    reported_version: u64,
    timestamp: EpochMillis,
    exists: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_at: Option<EpochMillis>,
    #[serde(skip)]
    sizes: SizeCache,
}

impl ShadowDocument {
    /// A shadow that does not exist yet (version 0, no sections).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An existing shadow with the given sections and version, every leaf stamped with `now`
    /// (section versions start at 1 for a present section). For stores and tests that need a
    /// document in a known state.
    #[must_use]
    pub fn with_state(
        desired: Option<Object>,
        reported: Option<Object>,
        version: u64,
        now: EpochMillis,
    ) -> Self {
        let mut doc = Self {
            version,
            timestamp: now,
            exists: true,
            ..Self::default()
        };
        if let Some(d) = desired {
            doc.desired_version = 1;
            apply_section(
                &mut doc.desired,
                &mut doc.desired_meta,
                &SectionUpdate::Merge(d),
                now,
                1,
            );
        }
        if let Some(r) = reported {
            doc.reported_version = 1;
            apply_section(
                &mut doc.reported,
                &mut doc.reported_meta,
                &SectionUpdate::Merge(r),
                now,
                1,
            );
        }
        doc
    }

    /// Whether the shadow exists (it was created by an update and not deleted since).
    #[must_use]
    pub const fn exists(&self) -> bool {
        self.exists
    }

    /// The document version.
    #[must_use]
    pub const fn version(&self) -> u64 {
        self.version
    }

    /// The Azure `$version` of `desired`: how many accepted updates changed it.
    #[must_use]
    pub const fn desired_version(&self) -> u64 {
        self.desired_version
    }

    /// The Azure `$version` of `reported`: how many accepted updates changed it.
    #[must_use]
    pub const fn reported_version(&self) -> u64 {
        self.reported_version
    }

    /// The time of the last accepted change.
    #[must_use]
    pub const fn timestamp(&self) -> EpochMillis {
        self.timestamp
    }

    /// The time the shadow was deleted, while it stays deleted.
    #[must_use]
    pub const fn deleted_at(&self) -> Option<EpochMillis> {
        self.deleted_at
    }

    /// `state.desired`, if present.
    #[must_use]
    pub const fn desired(&self) -> Option<&Object> {
        self.desired.as_ref()
    }

    /// `state.reported`, if present.
    #[must_use]
    pub const fn reported(&self) -> Option<&Object> {
        self.reported.as_ref()
    }

    /// One section, if present.
    #[must_use]
    pub const fn section(&self, section: Section) -> Option<&Object> {
        match section {
            Section::Desired => self.desired(),
            Section::Reported => self.reported(),
        }
    }

    /// The full delta by AWS's rules: the fields of `desired` that are missing from `reported`
    /// or differ from it, nested paths kept up to the root, arrays compared whole.
    #[must_use]
    pub fn delta(&self) -> Object {
        match &self.desired {
            Some(d) => delta(d, self.reported.as_ref()),
            None => Object::new(),
        }
    }

    /// The version the next update is checked against: a deleted shadow keeps its version for
    /// the dialect's retention time, then starts again from 0.
    #[must_use]
    pub fn current_version(&self, dialect: &Dialect, now: EpochMillis) -> u64 {
        match (self.exists, self.deleted_at, dialect.version_retention_ms()) {
            (false, Some(at), Some(keep)) if now >= at.saturating_add(keep) => 0,
            _ => self.version,
        }
    }

    /// Applies an update under `dialect`'s rules, stamping changes with `now`.
    ///
    /// On error the document is unchanged.
    ///
    /// # Errors
    /// [`ShadowError::InvalidClientToken`], [`ShadowError::InvalidVersion`],
    /// [`ShadowError::VersionConflict`], [`ShadowError::PreconditionFailed`],
    /// [`ShadowError::TooDeep`], [`ShadowError::NullInArray`], [`ShadowError::InvalidKey`],
    /// [`ShadowError::ArrayNotAllowed`], [`ShadowError::StateTooLarge`] and
    /// [`ShadowError::TooManyAttributes`], as the dialect's limits say.
    pub fn apply_update(
        &mut self,
        request: &UpdateRequest,
        dialect: &Dialect,
        now: EpochMillis,
    ) -> Result<UpdateOutcome, ShadowError> {
        check_client_token(request.client_token.as_deref(), dialect)?;
        let current = self.current_version(dialect, now);
        let (next, reset) = next_version(dialect.version_rule(), current, request.version)?;

        let rules = PatchRules {
            max_depth: dialect.max_depth(),
            allow_arrays: dialect.allow_arrays(),
            azure_keys: dialect.azure_keys(),
        };
        for update in [&request.desired, &request.reported] {
            if let Some(patch) = update.patch() {
                json::check_patch(patch, rules)?;
            }
        }
        // A reset starts from an empty shadow; limits are checked on that.
        let (old_desired, old_reported) = if reset {
            (None, None)
        } else {
            (self.desired.as_ref(), self.reported.as_ref())
        };
        let sizes = self.check_limits(request, dialect, old_desired, old_reported, reset)?;

        // Everything is checked: mutate.
        let previous_version = self.version;
        if reset {
            *self = Self {
                exists: true,
                timestamp: now,
                ..Self::default()
            };
        }
        // Metadata versions are the section's `$version` after this update (Azure's
        // `$lastUpdatedVersion`); the other dialects do not render them.
        let desired_changed = apply_section(
            &mut self.desired,
            &mut self.desired_meta,
            &request.desired,
            now,
            self.desired_version.saturating_add(1),
        );
        let reported_changed = apply_section(
            &mut self.reported,
            &mut self.reported_meta,
            &request.reported,
            now,
            self.reported_version.saturating_add(1),
        );
        if desired_changed {
            self.desired_version = self.desired_version.saturating_add(1);
        }
        if reported_changed {
            self.reported_version = self.reported_version.saturating_add(1);
        }
        self.version = next;
        self.timestamp = now;
        self.exists = true;
        self.deleted_at = None;
        self.sizes = SizeCache(sizes);

        let delta = self.touched_delta(&request.desired, &request.reported);
        Ok(UpdateOutcome {
            previous_version,
            version: next,
            timestamp: now,
            delta,
            desired_changed,
            reported_changed,
            reset,
        })
    }

    /// Checks the limits on the state the update would produce; returns the section sizes
    /// it measured (to remember for the next update).
    fn check_limits(
        &self,
        request: &UpdateRequest,
        dialect: &Dialect,
        old_desired: Option<&Object>,
        old_reported: Option<&Object>,
        reset: bool,
    ) -> Result<Option<(json::SizeRule, usize, usize)>, ShadowError> {
        let rule = dialect.size_rule();
        let cached = match self.sizes.0 {
            Some((r, d, p)) if r == rule && !reset => Some((d, p)),
            _ => None,
        };
        let size = |old: Option<&Object>, known: Option<usize>, update: &SectionUpdate| {
            let known = || known.unwrap_or_else(|| old.map_or(0, |o| json::object_size(rule, o)));
            match update {
                SectionUpdate::Keep => known(),
                SectionUpdate::Clear => 0,
                SectionUpdate::Merge(p) if old.is_some() => {
                    json::merged_object_size_from(rule, old, known(), p)
                }
                SectionUpdate::Merge(p) => json::merged_object_size(rule, None, p),
            }
        };
        let mut measured = None;
        if let Some(max) = dialect.max_state_size() {
            let d = size(old_desired, cached.map(|c| c.0), &request.desired);
            let r = size(old_reported, cached.map(|c| c.1), &request.reported);
            let size = match dialect.size_scope() {
                SizeScope::Total => d + r,
                SizeScope::PerSection => d.max(r),
            };
            if size > max {
                return Err(ShadowError::StateTooLarge { size, max });
            }
            measured = Some((rule, d, r));
        }
        if let (Some(max), SectionUpdate::Merge(p)) =
            (dialect.max_reported_attributes(), &request.reported)
        {
            let count = json::merged_key_count(old_reported, p);
            if count > max {
                return Err(ShadowError::TooManyAttributes { count, max });
            }
        }
        Ok(measured)
    }

    /// Sizes of `desired` and `reported` under `rule`, measured now (absent sections are 0).
    #[must_use]
    pub fn section_sizes(&self, rule: json::SizeRule) -> (usize, usize) {
        let size = |s: Option<&Object>| s.map_or(0, |o| json::object_size(rule, o));
        (size(self.desired()), size(self.reported()))
    }

    #[doc(hidden)]
    /// The remembered sizes, for tests of the cache.
    #[must_use]
    pub fn cached_section_sizes(&self) -> Option<(json::SizeRule, usize, usize)> {
        self.sizes.0
    }

    /// The delta at the paths `desired` and `reported` updates touched.
    fn touched_delta(&self, desired: &SectionUpdate, reported: &SectionUpdate) -> Object {
        let Some(d) = &self.desired else {
            return Object::new();
        };
        if matches!(reported, SectionUpdate::Clear) {
            return delta(d, self.reported.as_ref());
        }
        let mut out = Object::new();
        delta_touched(
            d,
            self.reported.as_ref(),
            desired.patch(),
            reported.patch(),
            &mut out,
        );
        out
    }

    /// Deletes the shadow (AWS `delete`). The version is kept, so that a shadow re-created
    /// within the retention time continues from it.
    ///
    /// # Errors
    /// [`ShadowError::NotFound`] when the shadow does not exist, and the version rule's errors.
    pub fn delete(
        &mut self,
        version: Option<i64>,
        dialect: &Dialect,
        now: EpochMillis,
    ) -> Result<u64, ShadowError> {
        if !self.exists {
            return Err(ShadowError::NotFound);
        }
        // Deleting is checked like an update, but does not create a version of its own.
        next_version(dialect.version_rule(), self.version, version)?;
        let version = self.version;
        *self = Self {
            version,
            timestamp: now,
            deleted_at: Some(now),
            ..Self::default()
        };
        Ok(version)
    }

    /// Metadata of one section, rendered in `style`.
    #[must_use]
    pub fn metadata(&self, section: Section, style: MetaStyle) -> Option<Value> {
        let (state, meta) = match section {
            Section::Desired => (self.desired.as_ref()?, &self.desired_meta),
            Section::Reported => (self.reported.as_ref()?, &self.reported_meta),
        };
        Some(render_meta(state, meta, style))
    }

    /// The `state` object (`desired` and `reported`, each only if present) and the `metadata`
    /// object mirroring it in `style`: the pair that full-document messages of every dialect carry.
    #[must_use]
    pub fn state_and_metadata(&self, style: MetaStyle) -> (Value, Value) {
        let mut state = Object::new();
        let mut meta = Object::new();
        for (name, section) in [
            ("desired", Section::Desired),
            ("reported", Section::Reported),
        ] {
            if let Some(s) = self.section(section) {
                state.insert(name.into(), Value::Object(s.clone()));
            }
            if let Some(m) = self.metadata(section, style) {
                meta.insert(name.into(), m);
            }
        }
        (Value::Object(state), Value::Object(meta))
    }

    /// Metadata of one section as a borrowed view that serializes like
    /// [`ShadowDocument::metadata`] without building a `Value` first.
    #[must_use]
    pub fn metadata_view(&self, section: Section, style: MetaStyle) -> Option<MetaView<'_>> {
        let (state, meta) = match section {
            Section::Desired => (self.desired.as_ref()?, &self.desired_meta),
            Section::Reported => (self.reported.as_ref()?, &self.reported_meta),
        };
        Some(MetaView { state, meta, style })
    }

    /// Metadata for a delta: the desired metadata at the delta's paths.
    #[must_use]
    pub fn delta_metadata(&self, delta: &Object, style: MetaStyle) -> Value {
        render_meta(delta, &self.desired_meta, style)
    }
}

/// Checks a `clientToken` against the dialect's limit.
///
/// # Errors
/// [`ShadowError::InvalidClientToken`] when the token is longer than the limit.
pub fn check_client_token(token: Option<&str>, dialect: &Dialect) -> Result<(), ShadowError> {
    match token {
        Some(t) if t.len() > dialect.max_client_token() => Err(ShadowError::InvalidClientToken {
            len: t.len(),
            max: dialect.max_client_token(),
        }),
        _ => Ok(()),
    }
}

/// The new version and whether it is a reset, or why the request version is refused.
fn next_version(
    rule: VersionRule,
    current: u64,
    requested: Option<i64>,
) -> Result<(u64, bool), ShadowError> {
    let bump = || {
        current
            .checked_add(1)
            .ok_or(ShadowError::VersionConflict { current })
    };
    match rule {
        VersionRule::MustEqual => match requested {
            None => Ok((bump()?, false)),
            Some(v) if v < 0 => Err(ShadowError::InvalidVersion),
            Some(v) if v.unsigned_abs() == current => Ok((bump()?, false)),
            Some(_) => Err(ShadowError::VersionConflict { current }),
        },
        VersionRule::MustBeGreater => match requested {
            None => Err(ShadowError::InvalidVersion),
            Some(-1) => Ok((0, true)),
            Some(v) if v < 0 => Err(ShadowError::InvalidVersion),
            Some(v) if v.unsigned_abs() > current => Ok((v.unsigned_abs(), false)),
            Some(_) => Err(ShadowError::VersionConflict { current }),
        },
        VersionRule::IfMatch => match requested {
            None => Ok((bump()?, false)),
            Some(v) if v >= 0 && v.unsigned_abs() == current => Ok((bump()?, false)),
            Some(_) => Err(ShadowError::PreconditionFailed),
        },
    }
}

/// Applies one section update; returns whether the section was touched.
fn apply_section(
    state: &mut Option<Object>,
    meta: &mut Meta,
    update: &SectionUpdate,
    now: EpochMillis,
    version: u64,
) -> bool {
    match update {
        SectionUpdate::Keep => false,
        SectionUpdate::Clear => {
            *state = None;
            *meta = Meta::leaf(now, version);
            true
        }
        SectionUpdate::Merge(patch) => {
            let state = state.get_or_insert_with(Object::new);
            merge_with_meta(state, meta, patch, now, version);
            true
        }
    }
}

fn merge_with_meta(
    state: &mut Object,
    meta: &mut Meta,
    patch: &Object,
    now: EpochMillis,
    version: u64,
) {
    meta.updated = now;
    meta.version = version;
    for (key, value) in patch {
        match value {
            Value::Null => {
                state.remove(key);
                meta.children.remove(key);
            }
            Value::Object(sub) => {
                if !matches!(state.get(key), Some(Value::Object(_))) {
                    state.insert(key.clone(), Value::Object(Object::new()));
                    meta.children.insert(key.clone(), Meta::leaf(now, version));
                }
                let child_meta = match meta.children.get_mut(key) {
                    Some(m) => m,
                    None => meta.children.entry(key.clone()).or_default(),
                };
                if let Some(Value::Object(slot)) = state.get_mut(key) {
                    merge_with_meta(slot, child_meta, sub, now, version);
                }
            }
            other => {
                match state.get_mut(key) {
                    Some(slot) => *slot = other.clone(),
                    None => {
                        state.insert(key.clone(), other.clone());
                    }
                }
                match meta.children.get_mut(key) {
                    Some(m) => *m = Meta::leaf(now, version),
                    None => {
                        meta.children.insert(key.clone(), Meta::leaf(now, version));
                    }
                }
            }
        }
    }
}
