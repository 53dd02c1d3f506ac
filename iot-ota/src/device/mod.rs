//! The device-side upgrade state machine (sans-IO).
//!
//! [`UpgradeAgent`] owns no socket, flash or clock. The integrator feeds it inputs — a signed
//! manifest, image chunks, download errors, install results, boots, the self-test verdict and the
//! current time — and drains [`Action`]s ([`UpgradeAgent::poll_action`]) and the next wake-up
//! ([`UpgradeAgent::poll_timeout`]). After every call, persist [`UpgradeAgent::state`] (plain
//! serde data) so that a power cut resumes where it stopped.
//! Drain the actions before persisting: a restored agent starts with an empty action queue.
//!
//! ```text
//! idle ─manifest─▶ notified ─chunk─▶ downloading ─last chunk─▶ verifying ─ok─▶ installing
//!   ▲                 │  ▲ retry with backoff │                     │fail          │ok
//!   │                 └──┴─── download error ─┘                     ▼              ▼
//!   ├───────────── report failure ◀──────────────────────────── (failed)       rebooting
//!   │                                                                              │boot
//!   └── report new version ◀── confirm ── confirming (trial boot) ─timeout/fail─▶ roll back
//! ```
//!
//! Call order for the happy path: [`handle_manifest`](UpgradeAgent::handle_manifest) →
//! `Action::Download` → [`handle_chunk`](UpgradeAgent::handle_chunk) for each chunk (write the same
//! bytes to the inactive slot) → `Action::Install` → [`handle_install_result`](UpgradeAgent::handle_install_result)
//! → `Action::Reboot` → after the reboot [`handle_boot`](UpgradeAgent::handle_boot) → self-test →
//! [`confirm`](UpgradeAgent::confirm) → `Action::MarkBootable` and `Action::Report(Succeeded)`.
//!
//! Verifying happens inside the call that delivers the last chunk: the hashes are already
//! complete then, so the agent passes through `verifying` without waiting.

mod types;

pub use types::{
    Action, AgentConfig, AgentState, Disposition, Failure, InstalledImage, PhaseState, Report,
    Slot, UpgradeStatus,
};

use crate::error::AgentError;
use crate::manifest::{Manifest, SignedManifest};
use crate::stream::ImageVerifier;
use crate::time::UnixMillis;
use crate::verify::{Installed, ManifestVerifier};
use std::collections::VecDeque;

#[derive(Debug)]
enum Phase {
    Idle,
    Downloading {
        manifest: Manifest,
        image: Box<ImageVerifier>,
        started: bool,
        attempts: u32,
        retry_at: Option<UnixMillis>,
        /// No byte by then means the transfer stalled (not persisted: re-armed on resume).
        stall_at: Option<UnixMillis>,
        last_reported: u8,
    },
    Installing {
        manifest: Manifest,
    },
    Rebooting {
        manifest: Manifest,
    },
    Confirming {
        manifest: Manifest,
        deadline: UnixMillis,
    },
}

impl Phase {
    const fn name(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Downloading { started: false, .. } => "notified",
            Self::Downloading { .. } => "downloading",
            Self::Installing { .. } => "installing",
            Self::Rebooting { .. } => "rebooting",
            Self::Confirming { .. } => "confirming",
        }
    }

    const fn manifest(&self) -> Option<&Manifest> {
        match self {
            Self::Idle => None,
            Self::Downloading { manifest, .. }
            | Self::Installing { manifest }
            | Self::Rebooting { manifest }
            | Self::Confirming { manifest, .. } => Some(manifest),
        }
    }
}

/// The device upgrade state machine. See the module docs for the call order.
#[derive(Debug)]
pub struct UpgradeAgent {
    config: AgentConfig,
    verifier: ManifestVerifier,
    installed: InstalledImage,
    phase: Phase,
    actions: VecDeque<Action>,
}

impl UpgradeAgent {
    /// An idle agent for a device running `installed`.
    #[must_use]
    pub const fn new(
        config: AgentConfig,
        verifier: ManifestVerifier,
        installed: InstalledImage,
    ) -> Self {
        Self {
            config,
            verifier,
            installed,
            phase: Phase::Idle,
            actions: VecDeque::new(),
        }
    }

    /// Restores an agent from a persisted [`AgentState`].
    ///
    /// # Errors
    /// [`AgentError::BadState`] when the saved image state does not match its manifest.
    pub fn restore(
        config: AgentConfig,
        verifier: ManifestVerifier,
        state: AgentState,
    ) -> Result<Self, AgentError> {
        let phase = match state.phase {
            PhaseState::Idle => Phase::Idle,
            PhaseState::Notified {
                manifest,
                image,
                attempts,
                retry_at,
            }
            | PhaseState::Downloading {
                manifest,
                image,
                attempts,
                retry_at,
            } => {
                let started = image.received > 0;
                let img = ImageVerifier::resume(&manifest, &image)
                    .map_err(|_| AgentError::BadState("image state does not match the manifest"))?;
                let last_reported = img.percent();
                Phase::Downloading {
                    manifest,
                    image: Box::new(img),
                    started,
                    attempts,
                    retry_at,
                    stall_at: None,
                    last_reported,
                }
            }
            PhaseState::Installing { manifest } => Phase::Installing { manifest },
            PhaseState::Rebooting { manifest } => Phase::Rebooting { manifest },
            PhaseState::Confirming { manifest, deadline } => {
                Phase::Confirming { manifest, deadline }
            }
        };
        Ok(Self {
            config,
            verifier,
            installed: state.installed,
            phase,
            actions: VecDeque::new(),
        })
    }

    /// The state to persist.
    #[must_use]
    pub fn state(&self) -> AgentState {
        let phase = match &self.phase {
            Phase::Idle => PhaseState::Idle,
            Phase::Downloading {
                manifest,
                image,
                started,
                attempts,
                retry_at,
                ..
            } => {
                let (manifest, image, attempts, retry_at) =
                    (manifest.clone(), image.save(), *attempts, *retry_at);
                if *started {
                    PhaseState::Downloading {
                        manifest,
                        image,
                        attempts,
                        retry_at,
                    }
                } else {
                    PhaseState::Notified {
                        manifest,
                        image,
                        attempts,
                        retry_at,
                    }
                }
            }
            Phase::Installing { manifest } => PhaseState::Installing {
                manifest: manifest.clone(),
            },
            Phase::Rebooting { manifest } => PhaseState::Rebooting {
                manifest: manifest.clone(),
            },
            Phase::Confirming { manifest, deadline } => PhaseState::Confirming {
                manifest: manifest.clone(),
                deadline: *deadline,
            },
        };
        AgentState {
            installed: self.installed.clone(),
            phase,
        }
    }

    /// The phase name (`idle`, `notified`, `downloading`, `installing`, `rebooting`, `confirming`).
    #[must_use]
    pub const fn phase(&self) -> &'static str {
        self.phase.name()
    }

    /// What runs on the device.
    #[must_use]
    pub const fn installed(&self) -> &InstalledImage {
        &self.installed
    }

    /// The next action to carry out.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<UnixMillis> {
        match &self.phase {
            Phase::Downloading {
                retry_at: Some(t), ..
            } => Some(*t),
            Phase::Downloading { stall_at, .. } => *stall_at,
            Phase::Confirming { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// Offset the next chunk must start at, while downloading.
    #[must_use]
    pub const fn download_offset(&self) -> Option<u64> {
        match &self.phase {
            Phase::Downloading { image, .. } => Some(image.received()),
            _ => None,
        }
    }

    fn report(&mut self, m: &Manifest, status: UpgradeStatus) {
        self.actions.push_back(Action::Report(Report {
            component: m.component.clone(),
            version: m.version.clone(),
            sequence: m.sequence,
            status,
        }));
    }

    fn fail(&mut self, failure: Failure) {
        if let Some(m) = self.phase.manifest().cloned() {
            self.report(&m, UpgradeStatus::Failed(failure));
        }
        self.phase = Phase::Idle;
    }

    /// A new manifest arrived (push, job notification or poll reply).
    ///
    /// Duplicates of the manifest in progress and manifests not newer than the installed one are
    /// ignored without a report. A newer manifest replaces one that is still downloading.
    pub fn handle_manifest(&mut self, now: UnixMillis, signed: &SignedManifest) -> Disposition {
        let m = &signed.manifest;
        if let Some(current) = self.phase.manifest() {
            if current.sequence == m.sequence && current.component == m.component {
                return Disposition::Duplicate;
            }
            if current.sequence > m.sequence {
                return Disposition::Stale;
            }
            if !matches!(self.phase, Phase::Downloading { .. }) {
                return Disposition::Busy;
            }
        }
        if m.component == self.config.component
            && self.installed.sequence.is_some_and(|s| m.sequence <= s)
        {
            return Disposition::Stale;
        }
        let installed = Installed {
            component: Some(self.config.component.clone()),
            sequence: self.installed.sequence,
            version: Some(self.installed.version.clone()),
        };
        let verified = match self.verifier.verify(signed, &installed, now) {
            Ok(v) => v,
            Err(e) => {
                self.report(m, UpgradeStatus::Rejected(e.to_string()));
                return Disposition::Rejected(e);
            }
        };
        let manifest = verified.manifest;
        let image = if self.config.allow_md5_only {
            ImageVerifier::allow_md5_only(manifest.size, &manifest.digests)
        } else {
            ImageVerifier::for_manifest(&manifest)
        };
        let image = match image {
            Ok(i) => i,
            Err(e) => {
                self.report(&manifest, UpgradeStatus::Rejected(e.to_string()));
                return Disposition::Unverifiable(e);
            }
        };
        self.actions.push_back(Action::Download {
            source: manifest.sources.first().cloned(),
            offset: 0,
        });
        self.phase = Phase::Downloading {
            manifest,
            image: Box::new(image),
            started: false,
            attempts: 0,
            retry_at: None,
            stall_at: self.stall_deadline(now),
            last_reported: 0,
        };
        Disposition::Accepted
    }

    /// The next chunk of the image, starting at `offset`. Write the same bytes to the inactive
    /// slot when this returns `Ok`.
    ///
    /// # Errors
    /// [`AgentError::UnexpectedInput`] when no download runs, [`AgentError::OutOfOrderChunk`]
    /// when `offset` is not [`download_offset`](Self::download_offset). A chunk past the
    /// declared size, or a digest mismatch after the last chunk, is not an error of the call: the
    /// upgrade fails and is reported as a verification failure.
    pub fn handle_chunk(
        &mut self,
        now: UnixMillis,
        offset: u64,
        chunk: &[u8],
    ) -> Result<(), AgentError> {
        let step = u16::from(self.config.progress_step_percent.clamp(1, 100));
        let stall = self.stall_deadline(now);
        let Phase::Downloading {
            image,
            started,
            retry_at,
            stall_at,
            last_reported,
            ..
        } = &mut self.phase
        else {
            return Err(AgentError::UnexpectedInput {
                input: "chunk",
                state: self.phase.name(),
            });
        };
        if offset != image.received() {
            return Err(AgentError::OutOfOrderChunk {
                expected: image.received(),
                got: offset,
            });
        }
        *started = true;
        *retry_at = None;
        *stall_at = stall;
        if image.update(chunk).is_err() {
            self.fail(Failure::Verification);
            return Ok(());
        }
        let percent = image.percent();
        let complete = image.is_complete();
        let crossed = u16::from(percent) / step > u16::from(*last_reported) / step;
        if crossed && !complete {
            *last_reported = percent;
            if let Some(m) = self.phase.manifest().cloned() {
                self.report(&m, UpgradeStatus::Progress(percent));
            }
        }
        if complete {
            self.verify_image();
        }
        Ok(())
    }

    fn verify_image(&mut self) {
        let phase = core::mem::replace(&mut self.phase, Phase::Idle);
        let Phase::Downloading {
            manifest, image, ..
        } = phase
        else {
            self.phase = phase;
            return;
        };
        match (*image).finish() {
            Ok(_) => {
                self.report(&manifest, UpgradeStatus::Progress(100));
                self.actions.push_back(Action::Install {
                    slot: self.installed.slot.other(),
                });
                self.phase = Phase::Installing { manifest };
            }
            Err(_) => {
                self.report(&manifest, UpgradeStatus::Failed(Failure::Verification));
            }
        }
    }

    /// The transport failed (connection lost, HTTP error, stream timeout). The download is
    /// retried from the current offset after an exponential backoff, up to the configured number
    /// of attempts; then the upgrade fails with [`Failure::Download`].
    ///
    /// # Errors
    /// [`AgentError::UnexpectedInput`] when no download runs.
    pub fn handle_download_error(&mut self, now: UnixMillis) -> Result<(), AgentError> {
        let max = self.config.max_download_attempts.max(1);
        let Phase::Downloading {
            attempts,
            retry_at,
            stall_at,
            ..
        } = &mut self.phase
        else {
            return Err(AgentError::UnexpectedInput {
                input: "download error",
                state: self.phase.name(),
            });
        };
        *attempts += 1;
        *stall_at = None;
        if *attempts >= max {
            self.fail(Failure::Download);
            return Ok(());
        }
        let delay = self.config.backoff(*attempts);
        *retry_at = Some(now.saturating_add(delay));
        Ok(())
    }

    /// Time passed: starts a due download retry, treats a download that received nothing for
    /// [`AgentConfig::download_stall_ms`] as a download error, or rolls back a trial boot that
    /// did not confirm itself before its deadline.
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        let stall = self.stall_deadline(now);
        match &mut self.phase {
            Phase::Downloading {
                retry_at: None,
                stall_at: Some(t),
                ..
            } if *t <= now => {
                // Cannot fail: a download runs.
                let _ = self.handle_download_error(now);
            }
            Phase::Downloading {
                manifest,
                image,
                retry_at,
                stall_at,
                ..
            } if retry_at.is_some_and(|t| t <= now) => {
                *retry_at = None;
                *stall_at = stall;
                let action = Action::Download {
                    source: manifest.sources.first().cloned(),
                    offset: image.received(),
                };
                self.actions.push_back(action);
            }
            Phase::Confirming { deadline, .. } if *deadline <= now => self.roll_back(),
            _ => {}
        }
    }

    /// The result of [`Action::Install`].
    ///
    /// # Errors
    /// [`AgentError::UnexpectedInput`] outside `installing`.
    pub fn handle_install_result(&mut self, _now: UnixMillis, ok: bool) -> Result<(), AgentError> {
        let Phase::Installing { manifest } = &self.phase else {
            return Err(AgentError::UnexpectedInput {
                input: "install result",
                state: self.phase.name(),
            });
        };
        if ok {
            let manifest = manifest.clone();
            self.actions.push_back(Action::Reboot {
                slot: self.installed.slot.other(),
            });
            self.phase = Phase::Rebooting { manifest };
        } else {
            self.fail(Failure::Install);
        }
        Ok(())
    }

    /// The device booted from `running`. Call once per boot, after [`restore`](Self::restore).
    ///
    /// After an upgrade's reboot: booting the new slot starts the trial (self-test, then
    /// [`confirm`](Self::confirm) before the deadline); booting the old slot means the bootloader
    /// reverted, and the upgrade fails. A second boot during a trial (a crash) rolls back.
    pub fn handle_boot(&mut self, now: UnixMillis, running: Slot) {
        let new_slot = self.installed.slot.other();
        match &self.phase {
            Phase::Rebooting { manifest } if running == new_slot => {
                let manifest = manifest.clone();
                self.phase = Phase::Confirming {
                    manifest,
                    deadline: now.saturating_add(self.config.confirm_timeout_ms),
                };
            }
            Phase::Rebooting { .. } => self.fail(Failure::Upgrade),
            Phase::Confirming { .. } if running == new_slot => self.roll_back(),
            Phase::Confirming { .. } => self.fail(Failure::Upgrade),
            Phase::Downloading {
                manifest, image, ..
            } => {
                // The power went out mid-download: resume where the hashes stand.
                let action = Action::Download {
                    source: manifest.sources.first().cloned(),
                    offset: image.received(),
                };
                self.actions.push_back(action);
            }
            Phase::Idle | Phase::Installing { .. } => {}
        }
        let stall = self.stall_deadline(now);
        if let Phase::Downloading { stall_at, .. } = &mut self.phase {
            *stall_at = stall;
        }
    }

    fn stall_deadline(&self, now: UnixMillis) -> Option<UnixMillis> {
        (self.config.download_stall_ms > 0)
            .then(|| now.saturating_add(self.config.download_stall_ms))
    }

    /// The new image passed its self-test: keep it and report the new version.
    ///
    /// # Errors
    /// [`AgentError::UnexpectedInput`] outside `confirming`.
    pub fn confirm(&mut self, now: UnixMillis) -> Result<(), AgentError> {
        let Phase::Confirming { manifest, deadline } = &self.phase else {
            return Err(AgentError::UnexpectedInput {
                input: "confirm",
                state: self.phase.name(),
            });
        };
        if *deadline <= now {
            self.roll_back();
            return Ok(());
        }
        let manifest = manifest.clone();
        let slot = self.installed.slot.other();
        self.actions.push_back(Action::MarkBootable { slot });
        self.installed = InstalledImage {
            version: manifest.version.clone(),
            sequence: Some(manifest.sequence),
            slot,
        };
        self.report(&manifest, UpgradeStatus::Succeeded);
        self.phase = Phase::Idle;
        Ok(())
    }

    /// The new image failed its self-test: roll back.
    ///
    /// # Errors
    /// [`AgentError::UnexpectedInput`] outside `confirming`.
    pub fn self_test_failed(&mut self, _now: UnixMillis) -> Result<(), AgentError> {
        if !matches!(self.phase, Phase::Confirming { .. }) {
            return Err(AgentError::UnexpectedInput {
                input: "self-test failure",
                state: self.phase.name(),
            });
        }
        self.roll_back();
        Ok(())
    }

    fn roll_back(&mut self) {
        let old = self.installed.slot;
        self.actions.push_back(Action::RollBack { slot: old });
        self.actions.push_back(Action::Reboot { slot: old });
        self.fail(Failure::Upgrade);
    }
}
