//! Pluggable shadow storage: an async trait with compare-and-swap on the version, and an
//! in-memory implementation.
//!
//! Writers load a document, change a copy and store it back only if the stored version tag is
//! still the one they loaded; a writer that loses the race loads again. The platform
//! [`ShadowService`](crate::service::ShadowService) runs that loop, so an accepted update is
//! never lost and every accepted update gets its own version.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use crate::document::ShadowDocument;
use crate::error::StoreError;

/// Identifies one shadow: a thing (device) and an optional shadow name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShadowKey {
    thing: String,
    name: Option<String>,
}

impl ShadowKey {
    /// The classic (unnamed) shadow of `thing`.
    #[must_use]
    pub fn classic(thing: impl Into<String>) -> Self {
        Self {
            thing: thing.into(),
            name: None,
        }
    }

    /// The named shadow `name` of `thing`.
    #[must_use]
    pub fn named(thing: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            thing: thing.into(),
            name: Some(name.into()),
        }
    }

    /// The shadow of an Alibaba device, keyed `{product_key}/{device_name}` (neither may contain
    /// `/`, so keys never collide).
    #[must_use]
    pub fn alibaba(product_key: &str, device_name: &str) -> Self {
        Self::classic(format!("{product_key}/{device_name}"))
    }

    /// The thing (device) part.
    #[must_use]
    pub fn thing(&self) -> &str {
        &self.thing
    }

    /// The shadow name, `None` for the classic shadow.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Display for ShadowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}#{n}", self.thing),
            None => f.write_str(&self.thing),
        }
    }
}

/// What compare-and-swap compares: the document version and whether the shadow exists.
///
/// Versions only grow while a shadow exists, a reset or an expired delete leaves an empty
/// document, and a delete keeps the version but flips `exists`; so an unchanged tag means an
/// unchanged document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionTag {
    /// The document version.
    pub version: u64,
    /// Whether the shadow exists (a deleted shadow is kept as a tombstone with its version).
    pub exists: bool,
}

impl VersionTag {
    /// The tag of a document.
    #[must_use]
    pub const fn of(document: &ShadowDocument) -> Self {
        Self {
            version: document.version(),
            exists: document.exists(),
        }
    }
}

/// Storage for shadow documents.
#[async_trait]
pub trait ShadowStore: Send + Sync {
    /// The stored document (possibly a deleted tombstone), or `None` if the key was never
    /// written.
    async fn load(&self, key: &ShadowKey) -> Result<Option<ShadowDocument>, StoreError>;

    /// Stores `new` if the stored tag equals `expected` (`None`: nothing is stored under
    /// `key`). Returns `false`, storing nothing, when another writer got there first.
    async fn compare_and_swap(
        &self,
        key: &ShadowKey,
        expected: Option<VersionTag>,
        new: ShadowDocument,
    ) -> Result<bool, StoreError>;
}

/// An in-memory [`ShadowStore`] behind a mutex, with an optional cap on the number of shadows.
#[derive(Debug, Default)]
pub struct MemoryStore {
    shadows: Mutex<HashMap<ShadowKey, ShadowDocument>>,
    max_shadows: Option<usize>,
}

impl MemoryStore {
    /// An empty store without a cap.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that refuses to hold more than `max` shadows.
    #[must_use]
    pub fn with_max_shadows(max: usize) -> Self {
        Self {
            shadows: Mutex::default(),
            max_shadows: Some(max),
        }
    }

    /// Number of stored shadows, tombstones included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shadows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl ShadowStore for MemoryStore {
    async fn load(&self, key: &ShadowKey) -> Result<Option<ShadowDocument>, StoreError> {
        // A panic while holding the lock cannot leave a half-written document: inserts are
        // single operations. So a poisoned lock is still safe to use.
        let shadows = self.shadows.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(shadows.get(key).cloned())
    }

    async fn compare_and_swap(
        &self,
        key: &ShadowKey,
        expected: Option<VersionTag>,
        new: ShadowDocument,
    ) -> Result<bool, StoreError> {
        let mut shadows = self.shadows.lock().unwrap_or_else(PoisonError::into_inner);
        let current = shadows.get(key).map(VersionTag::of);
        if current != expected {
            return Ok(false);
        }
        if current.is_none() && self.max_shadows.is_some_and(|max| shadows.len() >= max) {
            return Err(StoreError::Full);
        }
        shadows.insert(key.clone(), new);
        Ok(true)
    }
}
