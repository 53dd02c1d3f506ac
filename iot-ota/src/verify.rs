//! Manifest verification: signatures with a threshold, expiry, rollback and downgrade rules.
//!
//! The checks run in a fixed order, and the first failing one is reported:
//!
//! 1. **Signatures.** Each trusted key counts at most once; signatures from unknown keys are
//!    ignored (TUF §5). Fewer than `threshold` valid ones is [`VerifyError::BadSignature`] when a
//!    trusted key's signature failed, otherwise [`VerifyError::ThresholdNotMet`].
//! 2. **Component**, when the caller names the one being updated.
//! 3. **Expiry** against the injected `now`: a manifest whose `expires` is not after `now` is
//!    [`VerifyError::Expired`].
//! 4. **Rollback**: the sequence number must be *greater* than the installed one; equal is a
//!    replay. This is stricter than draft-ietf-suit-manifest (which rejects only *lower*) and
//!    matches RFC 9124 REQ.SEC.SEQUENCE and TUF's rule for targets.
//! 5. **Downgrade**: an older *version* is refused unless the operator allows downgrades. This is
//!    a policy, not a security check: a signed manifest with a newer sequence number may carry an
//!    older version on purpose.
//! 6. **Differential base**: a delta must have been built against the installed version.

use crate::error::VerifyError;
use crate::keys::{KeyId, PublicKey};
use crate::manifest::{Manifest, SignedManifest};
use crate::time::UnixMillis;
use std::collections::BTreeMap;

/// What is installed on the device (or recorded for it on the platform).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installed {
    /// Component the update is for; `None` accepts any component.
    pub component: Option<String>,
    /// Sequence number of the installed manifest; `None` before the first install.
    pub sequence: Option<u64>,
    /// Installed version; `None` when unknown (skips the downgrade and delta checks).
    pub version: Option<String>,
}

impl Installed {
    /// Nothing installed yet: only signatures and expiry are checked.
    #[must_use]
    pub fn nothing() -> Self {
        Self::default()
    }

    /// The installed state of one component.
    #[must_use]
    pub fn new(component: impl Into<String>, sequence: u64, version: impl Into<String>) -> Self {
        Self {
            component: Some(component.into()),
            sequence: Some(sequence),
            version: Some(version.into()),
        }
    }
}

/// A manifest that passed [`ManifestVerifier::verify`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedManifest {
    /// The manifest.
    pub manifest: Manifest,
    /// Keys whose signatures verified.
    pub signed_by: Vec<KeyId>,
}

/// Verifies signed manifests against a set of trusted keys and a threshold.
#[derive(Debug, Clone)]
pub struct ManifestVerifier {
    keys: BTreeMap<KeyId, PublicKey>,
    threshold: usize,
    allow_downgrade: bool,
}

impl ManifestVerifier {
    /// A verifier trusting `keys`, requiring `threshold` (at least 1) distinct valid signatures.
    ///
    /// # Errors
    /// [`VerifyError::ThresholdNotMet`] when the threshold is 0 or larger than the number of
    /// distinct keys, since no manifest could then verify or the check would be void.
    pub fn new(
        keys: impl IntoIterator<Item = PublicKey>,
        threshold: usize,
    ) -> Result<Self, VerifyError> {
        let keys: BTreeMap<KeyId, PublicKey> = keys.into_iter().map(|k| (k.key_id(), k)).collect();
        if threshold == 0 || threshold > keys.len() {
            return Err(VerifyError::ThresholdNotMet {
                valid: keys.len(),
                threshold,
            });
        }
        Ok(Self {
            keys,
            threshold,
            allow_downgrade: false,
        })
    }

    /// Allows (or forbids, the default) installing an older version. Rollback protection by
    /// sequence number stays on either way.
    pub fn allow_downgrade(&mut self, allow: bool) -> &mut Self {
        self.allow_downgrade = allow;
        self
    }

    /// The trusted key ids.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    /// The threshold.
    #[must_use]
    pub const fn threshold(&self) -> usize {
        self.threshold
    }

    /// Runs every check (see the module docs for the order), after the manifest's own
    /// [`Manifest::validate`].
    ///
    /// # Errors
    /// The first [`VerifyError`] found.
    pub fn verify(
        &self,
        signed: &SignedManifest,
        installed: &Installed,
        now: UnixMillis,
    ) -> Result<VerifiedManifest, VerifyError> {
        signed.manifest.validate()?;
        let signed_by = self.check_signatures(signed)?;
        let m = &signed.manifest;
        self.check_policy(m, installed, now)?;
        Ok(VerifiedManifest {
            manifest: m.clone(),
            signed_by,
        })
    }

    /// Checks only the signatures and threshold.
    ///
    /// # Errors
    /// [`VerifyError::BadSignature`], [`VerifyError::ThresholdNotMet`], or
    /// [`VerifyError::Manifest`] when the manifest cannot be canonicalised.
    pub fn check_signatures(&self, signed: &SignedManifest) -> Result<Vec<KeyId>, VerifyError> {
        let bytes = signed.manifest.canonical_bytes()?;
        let mut valid: Vec<KeyId> = Vec::new();
        let mut first_bad: Option<KeyId> = None;
        for sig in &signed.signatures {
            let Some(key) = self.keys.get(&sig.key_id) else {
                continue;
            };
            if valid.contains(&sig.key_id) {
                continue;
            }
            if key.verify(&bytes, &sig.signature) {
                valid.push(sig.key_id);
            } else if first_bad.is_none() {
                first_bad = Some(sig.key_id);
            }
        }
        if valid.len() >= self.threshold {
            return Ok(valid);
        }
        match first_bad {
            Some(key_id) => Err(VerifyError::BadSignature { key_id }),
            None => Err(VerifyError::ThresholdNotMet {
                valid: valid.len(),
                threshold: self.threshold,
            }),
        }
    }

    /// Checks component, expiry, rollback, downgrade and delta base (no signatures).
    ///
    /// # Errors
    /// The first failing [`VerifyError`].
    pub fn check_policy(
        &self,
        m: &Manifest,
        installed: &Installed,
        now: UnixMillis,
    ) -> Result<(), VerifyError> {
        if let Some(expected) = &installed.component
            && *expected != m.component
        {
            return Err(VerifyError::WrongComponent {
                offered: m.component.clone(),
                expected: expected.clone(),
            });
        }
        if let Some(expires) = m.expires
            && expires <= now
        {
            return Err(VerifyError::Expired {
                expires: expires.0,
                now: now.0,
            });
        }
        if let Some(seq) = installed.sequence
            && m.sequence <= seq
        {
            return Err(VerifyError::Rollback {
                sequence: m.sequence,
                installed: seq,
            });
        }
        if let Some(version) = &installed.version {
            if !self.allow_downgrade {
                match m.version_scheme.compare(&m.version, version) {
                    Ok(core::cmp::Ordering::Less) => {
                        return Err(VerifyError::Downgrade {
                            offered: m.version.clone(),
                            installed: version.clone(),
                        });
                    }
                    Ok(_) | Err(crate::error::VersionError::Unordered(..)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if let Some(diff) = &m.differential
                && diff.source_version != *version
                && m.version_scheme.compare(&diff.source_version, version).ok()
                    != Some(core::cmp::Ordering::Equal)
            {
                return Err(VerifyError::DifferentialBaseMismatch {
                    required: diff.source_version.clone(),
                    installed: version.clone(),
                });
            }
        }
        Ok(())
    }
}
