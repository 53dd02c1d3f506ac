//! A whole OTA round in memory: the platform signs a manifest and runs a two-stage campaign,
//! each device's upgrade agent verifies, downloads, installs, reboots into slot B and confirms,
//! and its reports drive the campaign. One device receives a corrupted byte: its upgrade fails
//! verification and nothing is installed.
//!
//! `cargo run -p iot-ota --example ota_flow`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use iot_ota::adapters::alibaba::{self, MessageId};
use iot_ota::campaign::{
    Campaign, CampaignAction, CampaignSpec, DeviceInfo, DeviceProgress, OnThreshold, Selector,
    StageSize,
};
use iot_ota::device::{
    Action, AgentConfig, InstalledImage, Report, Slot, UpgradeAgent, UpgradeStatus,
};
use iot_ota::{
    Digest, DigestAlgorithm, Manifest, ManifestVerifier, SigningKey, Source, UnixMillis,
};
use std::collections::BTreeMap;

fn main() {
    let firmware: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let signer = SigningKey::p256_from_scalar(&[0x42; 32]).unwrap();

    // Platform: describe, sign and publish.
    let signed = Manifest::new("MCU", "2.0.0", 7, firmware.len() as u64)
        .with_digest(Digest::of(DigestAlgorithm::Sha256, &firmware))
        .with_source(Source::Https {
            url: "https://ota.example.com/mcu/2.0.0.bin".into(),
        })
        .sign(&[&signer])
        .unwrap();
    let push = alibaba::UpgradePush::new(
        MessageId::Number(1),
        alibaba::Package::from_manifest(&signed.manifest).unwrap(),
    );
    println!(
        "push on {}: {}",
        alibaba::upgrade_topic("pk", "dev000"),
        String::from_utf8(push.to_json()).unwrap()
    );

    let fleet: Vec<DeviceInfo> = (0..6)
        .map(|i| DeviceInfo {
            id: format!("dev{i:03}"),
            product: "pk".into(),
            module: "MCU".into(),
            version: "1.0.0".into(),
            groups: vec![],
        })
        .collect();
    let spec = CampaignSpec {
        id: "mcu-2.0.0".into(),
        target_version: "2.0.0".into(),
        selector: Selector {
            product: Some("pk".into()),
            ..Selector::default()
        },
        stages: vec![StageSize::Count(2), StageSize::Percent(100)],
        stage_wait_ms: 10_000,
        max_failure_percent: 50,
        on_threshold: OnThreshold::Pause,
        device_timeout_ms: 600_000,
    };
    let mut campaign = Campaign::new(spec, &fleet).unwrap();
    let mut now = UnixMillis(1_800_000_000_000);
    campaign.start(now).unwrap();

    let verifier = ManifestVerifier::new([signer.public_key()], 1).unwrap();
    let mut agents: BTreeMap<String, UpgradeAgent> = BTreeMap::new();
    loop {
        let mut notified = Vec::new();
        while let Some(action) = campaign.poll_action() {
            println!("campaign: {action:?}");
            match action {
                CampaignAction::Notify { device } => notified.push(device),
                CampaignAction::Completed | CampaignAction::Aborted { .. } => return,
                _ => {}
            }
        }
        for device in notified {
            let installed = InstalledImage {
                version: "1.0.0".into(),
                sequence: Some(6),
                slot: Slot::A,
            };
            let agent = agents.entry(device.clone()).or_insert_with(|| {
                UpgradeAgent::new(AgentConfig::new("MCU"), verifier.clone(), installed)
            });
            agent.handle_manifest(now, &signed);
            // dev003 receives a corrupted byte on the way.
            let mut image = firmware.clone();
            if device == "dev003" {
                image[1000] ^= 1;
            }
            for r in run_device(agent, &image, now) {
                let progress = match &r.status {
                    UpgradeStatus::Progress(p) => DeviceProgress::Percent(*p),
                    UpgradeStatus::Succeeded => DeviceProgress::Succeeded,
                    other => DeviceProgress::Failed(format!("{other:?}")),
                };
                println!(
                    "  {device}: {:?} (Alibaba step {}, AWS {})",
                    r.status,
                    r.alibaba_step().code(),
                    r.aws_status().as_str()
                );
                campaign.handle_progress(now, &device, progress).unwrap();
            }
        }
        now = campaign.poll_timeout().unwrap_or(now);
        campaign.handle_timeout(now);
    }
}

/// What the device integration does with the agent's actions: fetch, write, install, reboot.
/// Returns the reports to send to the platform.
fn run_device(agent: &mut UpgradeAgent, image: &[u8], now: UnixMillis) -> Vec<Report> {
    let mut reports = Vec::new();
    while let Some(action) = agent.poll_action() {
        match action {
            Action::Download { offset, .. } => {
                let start = usize::try_from(offset).unwrap();
                for (i, chunk) in image[start..].chunks(4096).enumerate() {
                    agent
                        .handle_chunk(now, offset + (i * 4096) as u64, chunk)
                        .unwrap();
                }
            }
            Action::Install { .. } => agent.handle_install_result(now, true).unwrap(),
            Action::Reboot { slot } => {
                agent.handle_boot(now, slot);
                if agent.phase() == "confirming" {
                    agent.confirm(now).unwrap();
                }
            }
            Action::Report(r) => reports.push(r),
            _ => {}
        }
    }
    reports
}
