//! Plain data of the upgrade agent: slots, configuration, reports, actions and the persisted state.

use crate::adapters::alibaba::{self, ProgressStep};
use crate::adapters::aws::JobExecutionStatus;
use crate::error::{ImageError, VerifyError};
use crate::manifest::{Manifest, Source};
use crate::stream::ResumeState;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

/// One of the two firmware slots of an A/B layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Slot {
    /// Slot A.
    A,
    /// Slot B.
    B,
}

impl Slot {
    /// The other slot.
    #[must_use]
    pub const fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// What runs on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledImage {
    /// Running version.
    pub version: String,
    /// Sequence number of the manifest it was installed from (`None`: factory image).
    pub sequence: Option<u64>,
    /// The confirmed boot slot.
    pub slot: Slot,
}

/// Tunables of the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentConfig {
    /// The component/module this agent updates.
    pub component: String,
    /// Download attempts before giving up (at least 1).
    pub max_download_attempts: u32,
    /// First retry delay; doubles per attempt.
    pub retry_base_ms: u64,
    /// Upper bound of the retry delay.
    pub retry_max_ms: u64,
    /// How long a trial boot may run before it must confirm itself.
    pub confirm_timeout_ms: u64,
    /// Report download progress every this many percent (1..=100).
    pub progress_step_percent: u8,
    /// Accept manifests whose only digest is MD5 (Alibaba `signMethod: MD5`).
    pub allow_md5_only: bool,
    /// A download that receives no byte for this long counts as a download error (retried with
    /// backoff); 0 disables the check.
    pub download_stall_ms: u64,
}

impl AgentConfig {
    /// Defaults: 5 attempts, 1 s doubling up to 60 s, a 60 s stall timeout, 5 min to confirm,
    /// progress every 10 %.
    #[must_use]
    pub fn new(component: impl Into<String>) -> Self {
        Self {
            component: component.into(),
            max_download_attempts: 5,
            retry_base_ms: 1_000,
            retry_max_ms: 60_000,
            confirm_timeout_ms: 300_000,
            progress_step_percent: 10,
            allow_md5_only: false,
            download_stall_ms: 60_000,
        }
    }

    pub(super) fn backoff(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(32);
        self.retry_base_ms
            .saturating_mul(1u64 << shift)
            .min(self.retry_max_ms)
    }
}

/// Why an upgrade failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Failure {
    /// The download failed after all retries.
    Download,
    /// Size or digest mismatch.
    Verification,
    /// Writing the image failed.
    Install,
    /// The new image did not boot or did not confirm itself; the old slot was restored.
    Upgrade,
}

/// A status to send to the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UpgradeStatus {
    /// Download progress in percent.
    Progress(u8),
    /// The new version runs and confirmed itself.
    Succeeded,
    /// The upgrade failed.
    Failed(Failure),
    /// The manifest was refused (signature, expiry, component, downgrade…).
    Rejected(String),
}

/// A report about one manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// Component/module.
    pub component: String,
    /// Version the report is about (the offered one).
    pub version: String,
    /// Manifest sequence number.
    pub sequence: u64,
    /// Status.
    pub status: UpgradeStatus,
}

impl Report {
    /// The Alibaba progress step for this report (`Succeeded` is 100, a rejected manifest -3).
    #[must_use]
    pub const fn alibaba_step(&self) -> ProgressStep {
        match &self.status {
            UpgradeStatus::Progress(p) => ProgressStep::Percent(*p),
            UpgradeStatus::Succeeded => ProgressStep::Percent(100),
            UpgradeStatus::Failed(Failure::Download) => ProgressStep::DownloadFailed,
            UpgradeStatus::Failed(Failure::Verification) | UpgradeStatus::Rejected(_) => {
                ProgressStep::VerifyFailed
            }
            UpgradeStatus::Failed(Failure::Install) => ProgressStep::BurnFailed,
            UpgradeStatus::Failed(Failure::Upgrade) => ProgressStep::UpgradeFailed,
        }
    }

    /// The Alibaba progress message; for a success also the version report (inform) that tells
    /// the platform the new version runs.
    #[must_use]
    pub fn alibaba_messages(
        &self,
        id: alibaba::MessageId,
    ) -> (alibaba::Progress, Option<alibaba::Inform>) {
        let module = (self.component != alibaba::DEFAULT_MODULE).then(|| self.component.clone());
        let desc = match &self.status {
            UpgradeStatus::Rejected(r) => Some(r.clone()),
            _ => None,
        };
        let progress =
            alibaba::Progress::new(id.clone(), self.alibaba_step(), desc, module.clone());
        let inform = matches!(self.status, UpgradeStatus::Succeeded)
            .then(|| alibaba::Inform::new(id, self.version.clone(), module));
        (progress, inform)
    }

    /// The AWS `UpdateJobExecution` request for this report: the status, and `statusDetails`
    /// with `component`, `version`, and `progress` or `reason`.
    #[must_use]
    pub fn aws_update(&self) -> crate::adapters::aws::UpdateJobExecution {
        // Built directly: `aws_status` only yields states a device may set.
        let mut u = crate::adapters::aws::UpdateJobExecution {
            status: self.aws_status(),
            status_details: std::collections::BTreeMap::new(),
            expected_version: None,
            execution_number: None,
            step_timeout_in_minutes: None,
            client_token: None,
        };
        u.status_details
            .insert("component".into(), self.component.clone());
        u.status_details
            .insert("version".into(), self.version.clone());
        match &self.status {
            UpgradeStatus::Progress(p) => {
                u.status_details.insert("progress".into(), format!("{p}%"));
            }
            UpgradeStatus::Failed(f) => {
                u.status_details.insert("reason".into(), format!("{f:?}"));
            }
            UpgradeStatus::Rejected(r) => {
                u.status_details.insert("reason".into(), r.clone());
            }
            UpgradeStatus::Succeeded => {}
        }
        u
    }

    /// The AWS job execution status: IN_PROGRESS, SUCCEEDED, FAILED or REJECTED.
    #[must_use]
    pub const fn aws_status(&self) -> JobExecutionStatus {
        match self.status {
            UpgradeStatus::Progress(_) => JobExecutionStatus::InProgress,
            UpgradeStatus::Succeeded => JobExecutionStatus::Succeeded,
            UpgradeStatus::Failed(_) => JobExecutionStatus::Failed,
            UpgradeStatus::Rejected(_) => JobExecutionStatus::Rejected,
        }
    }
}

/// Something the integrator must do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// (Re)start the download at `offset` from `source` (`None`: the transport's default, e.g.
    /// the URL of the push).
    Download {
        /// Preferred source.
        source: Option<Source>,
        /// First byte to fetch (HTTP `Range`, MQTT stream block, CoAP Block2 number).
        offset: u64,
    },
    /// The image in `slot` is complete and verified: finish writing it (apply a delta, swap,
    /// set flags) and call [`UpgradeAgent::handle_install_result`](super::UpgradeAgent::handle_install_result).
    Install {
        /// Target slot.
        slot: Slot,
    },
    /// Reboot into `slot` (a trial boot when it is the new slot).
    Reboot {
        /// Slot to boot.
        slot: Slot,
    },
    /// Make `slot` the permanent boot slot (the new image confirmed itself).
    MarkBootable {
        /// Slot to keep.
        slot: Slot,
    },
    /// Restore `slot` as the boot slot (the new image failed).
    RollBack {
        /// Slot to restore.
        slot: Slot,
    },
    /// Send a report to the platform.
    Report(Report),
}

/// What [`UpgradeAgent::handle_manifest`](super::UpgradeAgent::handle_manifest) did with a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// The upgrade starts.
    Accepted,
    /// The same manifest is already being processed.
    Duplicate,
    /// The sequence number is not newer than the installed one (replayed or stale push).
    Stale,
    /// An upgrade is past the download stage; the notification is ignored.
    Busy,
    /// The manifest was refused and reported.
    Rejected(VerifyError),
    /// The manifest carries no digest the agent may rely on; refused and reported.
    Unverifiable(ImageError),
}

/// The agent's phase as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhaseState {
    /// Nothing to do.
    Idle,
    /// A manifest was accepted; no byte received yet.
    Notified {
        /// The manifest.
        manifest: Manifest,
        /// Verifier state.
        image: ResumeState,
        /// Failed attempts so far.
        attempts: u32,
        /// When to retry, if waiting.
        retry_at: Option<UnixMillis>,
    },
    /// Receiving the image.
    Downloading {
        /// The manifest.
        manifest: Manifest,
        /// Verifier state (offset and hash states).
        image: ResumeState,
        /// Failed attempts so far.
        attempts: u32,
        /// When to retry, if waiting.
        retry_at: Option<UnixMillis>,
    },
    /// Image verified; waiting for the install result.
    Installing {
        /// The manifest.
        manifest: Manifest,
    },
    /// Waiting for the reboot into the new slot.
    Rebooting {
        /// The manifest.
        manifest: Manifest,
    },
    /// Trial boot of the new slot; waiting for the self-test.
    Confirming {
        /// The manifest.
        manifest: Manifest,
        /// Rollback deadline.
        deadline: UnixMillis,
    },
}

/// Everything the agent needs to resume: plain serde data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    /// What runs.
    pub installed: InstalledImage,
    /// Where the upgrade stands.
    pub phase: PhaseState,
}
