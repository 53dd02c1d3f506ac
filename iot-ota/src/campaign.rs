//! Staged rollouts on the platform side (sans-IO).
//!
//! A [`Campaign`] selects devices from a fleet snapshot, notifies them stage by stage, waits
//! between stages, tracks every device from its progress messages, times out devices that stop
//! reporting, and pauses or aborts when the share of failed devices in the current stage passes a
//! threshold. Like the device agent it owns no clock or socket: inputs carry `now`, outputs are
//! [`CampaignAction`]s and a wake-up time. Its whole state is a plain serde value
//! ([`CampaignState`]) that a server persists and restores with [`Campaign::restore`].
//! Drain [`Campaign::poll_action`] before persisting: a restored campaign has no queued actions.
//!
//! Rollout order is a deterministic shuffle (SHA-256 of campaign id and device id), so early
//! stages sample the fleet instead of the alphabetically first devices, and a restored campaign
//! continues in the same order.

use crate::adapters::alibaba::{Progress, ProgressStep};
use crate::adapters::aws::JobExecutionStatus;
use crate::digest::DigestAlgorithm;
use crate::error::CampaignError;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// A device as the platform's registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Device id (Alibaba `deviceName`, AWS thing name, Azure device id).
    pub id: String,
    /// Product (Alibaba `productKey`, AWS thing type, Azure model).
    pub product: String,
    /// Module the version below belongs to.
    pub module: String,
    /// The version the device last reported for that module.
    pub version: String,
    /// Groups the device belongs to.
    pub groups: Vec<String>,
}

/// Which devices a campaign targets. Every criterion that is set must hold (an empty list means
/// "any").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selector {
    /// Only this product.
    pub product: Option<String>,
    /// Only devices reporting this module.
    pub module: Option<String>,
    /// Only devices currently at one of these versions.
    #[serde(default)]
    pub current_versions: Vec<String>,
    /// Only devices in at least one of these groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Only these device ids.
    #[serde(default)]
    pub devices: Vec<String>,
}

impl Selector {
    /// Whether `d` is selected.
    #[must_use]
    pub fn matches(&self, d: &DeviceInfo) -> bool {
        self.product.as_ref().is_none_or(|p| *p == d.product)
            && self.module.as_ref().is_none_or(|m| *m == d.module)
            && (self.current_versions.is_empty() || self.current_versions.contains(&d.version))
            && (self.groups.is_empty() || self.groups.iter().any(|g| d.groups.contains(g)))
            && (self.devices.is_empty() || self.devices.contains(&d.id))
    }
}

/// How far a stage extends the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageSize {
    /// Raise the share of notified devices to this percentage of the selection (cumulative).
    Percent(u8),
    /// Notify this many more devices.
    Count(u32),
}

/// What to do when a stage's failure ratio passes the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnThreshold {
    /// Stop notifying; an operator may [`Campaign::resume`].
    Pause,
    /// Stop for good and cancel devices that have not finished.
    Abort,
}

/// A campaign definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSpec {
    /// Campaign id (also seeds the rollout order).
    pub id: String,
    /// Version being rolled out; a device reporting it counts as succeeded.
    pub target_version: String,
    /// Device selection.
    pub selector: Selector,
    /// Stages; end with `Percent(100)` to reach the whole selection.
    pub stages: Vec<StageSize>,
    /// Wait after a stage has finished before the next one starts.
    pub stage_wait_ms: u64,
    /// Failed (including timed-out and rejected) devices of a stage, in percent of the stage's
    /// devices, above which `on_threshold` applies.
    pub max_failure_percent: u8,
    /// Pause or abort.
    pub on_threshold: OnThreshold,
    /// A notified device that reaches no final state within this time has timed out.
    pub device_timeout_ms: u64,
}

/// A device's progress in the campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeviceStatus {
    /// Not notified yet.
    Pending,
    /// Notified, no report yet.
    Notified,
    /// Reported progress (percent).
    InProgress(u8),
    /// Runs the target version.
    Succeeded,
    /// Reported a failure.
    Failed(String),
    /// Refused the update.
    Rejected(String),
    /// No final report within the device timeout.
    TimedOut,
    /// Canceled because the campaign was aborted.
    Canceled,
}

impl DeviceStatus {
    /// Whether the status is final.
    #[must_use]
    pub const fn is_final(&self) -> bool {
        !matches!(self, Self::Pending | Self::Notified | Self::InProgress(_))
    }

    /// Whether the status counts as a failure.
    #[must_use]
    pub const fn is_failure(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::Rejected(_) | Self::TimedOut)
    }
}

/// Per-device record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Stage index the device belongs to.
    pub stage: usize,
    /// Status.
    pub status: DeviceStatus,
    /// When it was notified.
    pub notified_at: Option<UnixMillis>,
    /// Last update.
    pub updated_at: Option<UnixMillis>,
}

/// The campaign's phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CampaignPhase {
    /// Not started.
    Created,
    /// A stage is rolling out.
    Running,
    /// Between stages, until the given instant.
    Waiting {
        /// When the next stage starts.
        until: UnixMillis,
    },
    /// Paused by the threshold or an operator.
    Paused {
        /// Why.
        reason: String,
    },
    /// Aborted.
    Aborted {
        /// Why.
        reason: String,
    },
    /// All stages finished.
    Completed,
}

impl CampaignPhase {
    const fn name(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Waiting { .. } => "waiting",
            Self::Paused { .. } => "paused",
            Self::Aborted { .. } => "aborted",
            Self::Completed => "completed",
        }
    }
}

/// The whole mutable state of a campaign: plain serde data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignState {
    /// Phase.
    pub phase: CampaignPhase,
    /// Index of the stage rolling out or last rolled out (`None` before the start).
    pub stage: Option<usize>,
    /// Selected devices in rollout order.
    pub order: Vec<String>,
    /// Cumulative number of devices notified at the end of each stage.
    pub stage_targets: Vec<usize>,
    /// Per-device records.
    pub devices: BTreeMap<String, DeviceRecord>,
}

/// A progress report from a device, vendor-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceProgress {
    /// Percent downloaded.
    Percent(u8),
    /// Done.
    Succeeded,
    /// Failed, with a reason.
    Failed(String),
    /// Refused.
    Rejected(String),
}

impl DeviceProgress {
    /// From an Alibaba progress message (a step of 100 is not success: the device confirms by
    /// reporting the new version, see [`Campaign::handle_version_report`]).
    #[must_use]
    pub fn from_alibaba(p: &Progress) -> Self {
        match p.step {
            ProgressStep::Percent(n) => Self::Percent(n),
            other => Self::Failed(format!(
                "alibaba step {}{}",
                other.code(),
                p.desc
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )),
        }
    }

    /// From an AWS job execution status (`None` for QUEUED, which is not a device report).
    #[must_use]
    pub fn from_aws(status: JobExecutionStatus) -> Option<Self> {
        Some(match status {
            JobExecutionStatus::Queued => return None,
            JobExecutionStatus::InProgress => Self::Percent(0),
            JobExecutionStatus::Succeeded => Self::Succeeded,
            JobExecutionStatus::Rejected => Self::Rejected("REJECTED".into()),
            other => Self::Failed(other.as_str().into()),
        })
    }
}

/// Something the platform must do or know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CampaignAction {
    /// Send the upgrade notification to this device.
    Notify {
        /// Device id.
        device: String,
    },
    /// Cancel the device's job (the campaign was aborted).
    Cancel {
        /// Device id.
        device: String,
    },
    /// A stage started.
    StageStarted {
        /// Stage index.
        stage: usize,
        /// Devices notified in it.
        devices: usize,
    },
    /// The campaign paused (the failure threshold was passed).
    Paused {
        /// Stage index.
        stage: usize,
        /// Failed devices in the stage.
        failed: usize,
        /// Devices in the stage.
        total: usize,
    },
    /// The campaign aborted.
    Aborted {
        /// Why.
        reason: String,
    },
    /// Every stage finished.
    Completed,
}

/// A staged rollout. See the module docs.
#[derive(Debug, Clone)]
pub struct Campaign {
    spec: CampaignSpec,
    state: CampaignState,
    actions: VecDeque<CampaignAction>,
}

fn order_key(campaign: &str, device: &str) -> Vec<u8> {
    let mut input = Vec::with_capacity(campaign.len() + device.len() + 1);
    input.extend_from_slice(campaign.as_bytes());
    input.push(0);
    input.extend_from_slice(device.as_bytes());
    DigestAlgorithm::Sha256.digest(&input)
}

impl Campaign {
    /// Selects devices from `fleet` and plans the stages.
    ///
    /// # Errors
    /// [`CampaignError::InvalidSpec`] for no stages, a percentage outside 1..=100, a zero count,
    /// stages that do not grow the rollout, a threshold above 100, or an empty selection.
    pub fn new<'a>(
        spec: CampaignSpec,
        fleet: impl IntoIterator<Item = &'a DeviceInfo>,
    ) -> Result<Self, CampaignError> {
        if spec.stages.is_empty() {
            return Err(CampaignError::InvalidSpec("at least one stage is required"));
        }
        if spec.max_failure_percent > 100 {
            return Err(CampaignError::InvalidSpec(
                "max_failure_percent is at most 100",
            ));
        }
        if spec.device_timeout_ms == 0 {
            return Err(CampaignError::InvalidSpec(
                "device_timeout_ms must be positive",
            ));
        }
        let mut order: Vec<String> = fleet
            .into_iter()
            .filter(|d| spec.selector.matches(d))
            .map(|d| d.id.clone())
            .collect();
        order.sort();
        order.dedup();
        if order.is_empty() {
            return Err(CampaignError::InvalidSpec("the selection is empty"));
        }
        order.sort_by_cached_key(|d| order_key(&spec.id, d));
        let n = order.len();
        let mut targets = Vec::with_capacity(spec.stages.len());
        let mut prev = 0usize;
        for s in &spec.stages {
            let t = match *s {
                StageSize::Percent(p) if (1..=100).contains(&p) => {
                    (n * usize::from(p)).div_ceil(100)
                }
                StageSize::Percent(_) => {
                    return Err(CampaignError::InvalidSpec("stage percentages are 1..=100"));
                }
                StageSize::Count(0) => {
                    return Err(CampaignError::InvalidSpec("stage counts are positive"));
                }
                StageSize::Count(c) => {
                    prev.saturating_add(usize::try_from(c).unwrap_or(usize::MAX))
                }
            }
            .min(n);
            if t <= prev {
                return Err(CampaignError::InvalidSpec("every stage must add devices"));
            }
            targets.push(t);
            prev = t;
        }
        let devices = order
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let stage = targets.iter().position(|&t| i < t).unwrap_or(targets.len());
                (
                    d.clone(),
                    DeviceRecord {
                        stage,
                        status: DeviceStatus::Pending,
                        notified_at: None,
                        updated_at: None,
                    },
                )
            })
            .collect();
        let state = CampaignState {
            phase: CampaignPhase::Created,
            stage: None,
            order,
            stage_targets: targets,
            devices,
        };
        Ok(Self {
            spec,
            state,
            actions: VecDeque::new(),
        })
    }

    /// Restores a persisted campaign.
    ///
    /// # Errors
    /// [`CampaignError::InvalidSpec`] when the state does not fit the spec.
    pub fn restore(spec: CampaignSpec, state: CampaignState) -> Result<Self, CampaignError> {
        if state.stage_targets.len() != spec.stages.len()
            || state.order.len() != state.devices.len()
            || state
                .stage_targets
                .last()
                .is_some_and(|&t| t > state.order.len())
            || state.stage.is_some_and(|s| s >= spec.stages.len())
            || !state.order.iter().all(|d| state.devices.contains_key(d))
        {
            return Err(CampaignError::InvalidSpec(
                "state does not match the campaign",
            ));
        }
        Ok(Self {
            spec,
            state,
            actions: VecDeque::new(),
        })
    }

    /// The specification.
    #[must_use]
    pub const fn spec(&self) -> &CampaignSpec {
        &self.spec
    }

    /// The state to persist.
    #[must_use]
    pub const fn state(&self) -> &CampaignState {
        &self.state
    }

    /// The next action.
    pub fn poll_action(&mut self) -> Option<CampaignAction> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must run next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<UnixMillis> {
        let device = self
            .state
            .devices
            .values()
            .filter(|r| !r.status.is_final())
            .filter_map(|r| {
                r.notified_at
                    .map(|t| t.saturating_add(self.spec.device_timeout_ms))
            })
            .min();
        let stage = match self.state.phase {
            CampaignPhase::Waiting { until } => Some(until),
            _ => None,
        };
        match (device, stage) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn invalid(&self, operation: &'static str) -> CampaignError {
        CampaignError::InvalidPhase {
            operation,
            phase: self.state.phase.name(),
        }
    }

    /// Starts the first stage.
    ///
    /// # Errors
    /// [`CampaignError::InvalidPhase`] unless the campaign was just created.
    pub fn start(&mut self, now: UnixMillis) -> Result<(), CampaignError> {
        if self.state.phase != CampaignPhase::Created {
            return Err(self.invalid("start"));
        }
        self.start_stage(now, 0);
        Ok(())
    }

    fn start_stage(&mut self, now: UnixMillis, stage: usize) {
        let from = stage
            .checked_sub(1)
            .and_then(|s| self.state.stage_targets.get(s).copied())
            .unwrap_or(0);
        let to = self.state.stage_targets.get(stage).copied().unwrap_or(from);
        self.state.stage = Some(stage);
        self.state.phase = CampaignPhase::Running;
        self.actions.push_back(CampaignAction::StageStarted {
            stage,
            devices: to - from,
        });
        for id in &self.state.order[from..to] {
            if let Some(r) = self.state.devices.get_mut(id)
                && r.status == DeviceStatus::Pending
            {
                r.status = DeviceStatus::Notified;
                r.notified_at = Some(now);
                r.updated_at = Some(now);
                self.actions
                    .push_back(CampaignAction::Notify { device: id.clone() });
            }
        }
        self.evaluate(now);
    }

    /// A progress report from a device. Reports from devices not yet notified, and reports after
    /// a device's final state, are ignored (returns `Ok(false)`).
    ///
    /// # Errors
    /// [`CampaignError::UnknownDevice`] for a device outside the campaign.
    pub fn handle_progress(
        &mut self,
        now: UnixMillis,
        device: &str,
        progress: DeviceProgress,
    ) -> Result<bool, CampaignError> {
        let r = self
            .state
            .devices
            .get_mut(device)
            .ok_or_else(|| CampaignError::UnknownDevice(device.to_owned()))?;
        if r.status == DeviceStatus::Pending || r.status.is_final() {
            return Ok(false);
        }
        r.status = match progress {
            DeviceProgress::Percent(p) => DeviceStatus::InProgress(p.min(100)),
            DeviceProgress::Succeeded => DeviceStatus::Succeeded,
            DeviceProgress::Failed(why) => DeviceStatus::Failed(why),
            DeviceProgress::Rejected(why) => DeviceStatus::Rejected(why),
        };
        r.updated_at = Some(now);
        self.evaluate(now);
        Ok(true)
    }

    /// A device reported its running version (Alibaba inform, AWS/Azure reported properties):
    /// the target version means success.
    ///
    /// # Errors
    /// As [`handle_progress`](Self::handle_progress).
    pub fn handle_version_report(
        &mut self,
        now: UnixMillis,
        device: &str,
        version: &str,
    ) -> Result<bool, CampaignError> {
        if version == self.spec.target_version {
            return self.handle_progress(now, device, DeviceProgress::Succeeded);
        }
        if !self.state.devices.contains_key(device) {
            return Err(CampaignError::UnknownDevice(device.to_owned()));
        }
        Ok(false)
    }

    /// Times out silent devices and starts the next stage when its wait is over.
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        let timeout = self.spec.device_timeout_ms;
        let mut changed = false;
        for r in self.state.devices.values_mut() {
            if !r.status.is_final()
                && r.notified_at
                    .is_some_and(|t| t.saturating_add(timeout) <= now)
            {
                r.status = DeviceStatus::TimedOut;
                r.updated_at = Some(now);
                changed = true;
            }
        }
        if changed {
            self.evaluate(now);
        }
        if let CampaignPhase::Waiting { until } = self.state.phase
            && until <= now
        {
            let next = self.state.stage.map_or(0, |s| s + 1);
            self.start_stage(now, next);
        }
    }

    /// Pauses the rollout (devices already notified carry on).
    ///
    /// # Errors
    /// [`CampaignError::InvalidPhase`] unless running or waiting.
    pub fn pause(&mut self, reason: impl Into<String>) -> Result<(), CampaignError> {
        if !matches!(
            self.state.phase,
            CampaignPhase::Running | CampaignPhase::Waiting { .. }
        ) {
            return Err(self.invalid("pause"));
        }
        self.state.phase = CampaignPhase::Paused {
            reason: reason.into(),
        };
        Ok(())
    }

    /// Resumes a paused campaign: the current stage continues, or the next one starts after the
    /// stage wait.
    ///
    /// # Errors
    /// [`CampaignError::InvalidPhase`] unless paused.
    pub fn resume(&mut self, now: UnixMillis) -> Result<(), CampaignError> {
        if !matches!(self.state.phase, CampaignPhase::Paused { .. }) {
            return Err(self.invalid("resume"));
        }
        self.state.phase = CampaignPhase::Running;
        self.advance_if_done(now);
        Ok(())
    }

    /// Aborts: no further notifications; devices not finished are canceled.
    ///
    /// # Errors
    /// [`CampaignError::InvalidPhase`] when already completed or aborted.
    pub fn abort(&mut self, reason: impl Into<String>) -> Result<(), CampaignError> {
        if matches!(
            self.state.phase,
            CampaignPhase::Completed | CampaignPhase::Aborted { .. }
        ) {
            return Err(self.invalid("abort"));
        }
        self.do_abort(reason.into());
        Ok(())
    }

    fn do_abort(&mut self, reason: String) {
        for (id, r) in &mut self.state.devices {
            if matches!(
                r.status,
                DeviceStatus::Notified | DeviceStatus::InProgress(_)
            ) {
                r.status = DeviceStatus::Canceled;
                self.actions
                    .push_back(CampaignAction::Cancel { device: id.clone() });
            }
        }
        self.actions.push_back(CampaignAction::Aborted {
            reason: reason.clone(),
        });
        self.state.phase = CampaignPhase::Aborted { reason };
    }

    /// Counts `(failed, finished, total)` for a stage.
    #[must_use]
    pub fn stage_counts(&self, stage: usize) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for r in self.state.devices.values().filter(|r| r.stage == stage) {
            counts.2 += 1;
            if r.status.is_final() {
                counts.1 += 1;
            }
            if r.status.is_failure() {
                counts.0 += 1;
            }
        }
        counts
    }

    fn evaluate(&mut self, now: UnixMillis) {
        let Some(stage) = self.state.stage else {
            return;
        };
        if !matches!(
            self.state.phase,
            CampaignPhase::Running | CampaignPhase::Waiting { .. }
        ) {
            return;
        }
        let (failed, _, total) = self.stage_counts(stage);
        // failed / total > max%  ⇔  failed * 100 > max * total (integers, no rounding).
        if total > 0 && failed * 100 > usize::from(self.spec.max_failure_percent) * total {
            match self.spec.on_threshold {
                OnThreshold::Pause => {
                    self.state.phase = CampaignPhase::Paused {
                        reason: format!("stage {stage}: {failed} of {total} devices failed"),
                    };
                    self.actions.push_back(CampaignAction::Paused {
                        stage,
                        failed,
                        total,
                    });
                }
                OnThreshold::Abort => {
                    self.do_abort(format!("stage {stage}: {failed} of {total} devices failed"))
                }
            }
            return;
        }
        if self.state.phase == CampaignPhase::Running {
            self.advance_if_done(now);
        }
    }

    fn advance_if_done(&mut self, now: UnixMillis) {
        let Some(stage) = self.state.stage else {
            return;
        };
        let (_, finished, total) = self.stage_counts(stage);
        if finished < total {
            return;
        }
        if stage + 1 >= self.spec.stages.len() {
            self.state.phase = CampaignPhase::Completed;
            self.actions.push_back(CampaignAction::Completed);
        } else if self.spec.stage_wait_ms == 0 {
            self.start_stage(now, stage + 1);
        } else {
            self.state.phase = CampaignPhase::Waiting {
                until: now.saturating_add(self.spec.stage_wait_ms),
            };
        }
    }
}
