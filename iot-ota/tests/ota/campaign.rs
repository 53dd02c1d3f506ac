//! Staged rollouts: selection, stages and waits, thresholds, timeouts, persistence.

use iot_ota::UnixMillis;
use iot_ota::adapters::alibaba::{MessageId, Progress, ProgressStep};
use iot_ota::adapters::aws::JobExecutionStatus;
use iot_ota::campaign::{
    Campaign, CampaignAction, CampaignPhase, CampaignSpec, CampaignState, DeviceInfo,
    DeviceProgress, DeviceStatus, OnThreshold, Selector, StageSize,
};
use proptest::prelude::*;

fn fleet(n: usize) -> Vec<DeviceInfo> {
    (0..n)
        .map(|i| DeviceInfo {
            id: format!("dev{i:03}"),
            product: if i % 10 == 9 {
                "other".into()
            } else {
                "a1X2bEnP82z".into()
            },
            module: "MCU".into(),
            version: if i % 3 == 0 {
                "1.0.0".into()
            } else {
                "1.1.0".into()
            },
            groups: if i % 2 == 0 {
                vec!["even".into()]
            } else {
                vec!["odd".into()]
            },
        })
        .collect()
}

fn spec(stages: Vec<StageSize>, on: OnThreshold) -> CampaignSpec {
    CampaignSpec {
        id: "c1".into(),
        target_version: "2.0.0".into(),
        selector: Selector {
            product: Some("a1X2bEnP82z".into()),
            ..Selector::default()
        },
        stages,
        stage_wait_ms: 60_000,
        max_failure_percent: 20,
        on_threshold: on,
        device_timeout_ms: 3_600_000,
    }
}

fn t(ms: u64) -> UnixMillis {
    UnixMillis(1_800_000_000_000 + ms)
}

fn drain(c: &mut Campaign) -> Vec<CampaignAction> {
    std::iter::from_fn(|| c.poll_action()).collect()
}

fn notified(actions: &[CampaignAction]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            CampaignAction::Notify { device } => Some(device.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn selector_criteria_all_hold() {
    let f = fleet(30);
    let s = Selector {
        product: Some("a1X2bEnP82z".into()),
        module: Some("MCU".into()),
        current_versions: vec!["1.0.0".into()],
        groups: vec!["even".into()],
        devices: vec![],
    };
    let ids: Vec<&str> = f
        .iter()
        .filter(|d| s.matches(d))
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(ids, ["dev000", "dev006", "dev012", "dev018", "dev024"]);
    let explicit = Selector {
        devices: vec!["dev001".into(), "dev009".into()],
        product: Some("a1X2bEnP82z".into()),
        ..Selector::default()
    };
    assert_eq!(
        f.iter().filter(|d| explicit.matches(d)).count(),
        1,
        "dev009 is another product"
    );
}

#[test]
fn stages_roll_out_with_waits_and_complete() {
    let f = fleet(100); // 90 selected
    let mut c = Campaign::new(
        spec(
            vec![
                StageSize::Count(5),
                StageSize::Percent(50),
                StageSize::Percent(100),
            ],
            OnThreshold::Pause,
        ),
        &f,
    )
    .unwrap();
    assert_eq!(c.state().stage_targets, vec![5, 45, 90]);
    c.start(t(0)).unwrap();
    let first = notified(&drain(&mut c));
    assert_eq!(first.len(), 5);
    // The order is a deterministic shuffle, not the first ids.
    assert_ne!(first, ["dev000", "dev001", "dev002", "dev003", "dev004"]);
    for d in &first {
        c.handle_progress(t(1), d, DeviceProgress::Percent(50))
            .unwrap();
        assert!(c.handle_version_report(t(2), d, "2.0.0").unwrap());
    }
    assert_eq!(
        c.state().phase,
        CampaignPhase::Waiting {
            until: t(2 + 60_000)
        }
    );
    assert_eq!(c.poll_timeout(), Some(t(2 + 60_000)));
    c.handle_timeout(t(30_000));
    assert!(notified(&drain(&mut c)).is_empty());
    c.handle_timeout(t(2 + 60_000));
    let second = notified(&drain(&mut c));
    assert_eq!(second.len(), 40);
    for d in &second {
        c.handle_progress(t(70_000), d, DeviceProgress::Succeeded)
            .unwrap();
    }
    c.handle_timeout(t(200_000));
    let third = notified(&drain(&mut c));
    assert_eq!(third.len(), 45);
    for d in &third {
        c.handle_progress(t(210_000), d, DeviceProgress::Succeeded)
            .unwrap();
    }
    assert_eq!(c.state().phase, CampaignPhase::Completed);
    assert_eq!(drain(&mut c), vec![CampaignAction::Completed]);
    // Late or duplicate reports change nothing.
    assert!(
        !c.handle_progress(t(300_000), &first[0], DeviceProgress::Failed("late".into()))
            .unwrap()
    );
    assert!(
        c.handle_progress(t(0), "nobody", DeviceProgress::Succeeded)
            .is_err()
    );
}

#[test]
fn failure_threshold_pauses_then_resumes() {
    let f = fleet(100);
    let mut c = Campaign::new(
        spec(
            vec![StageSize::Count(10), StageSize::Percent(100)],
            OnThreshold::Pause,
        ),
        &f,
    )
    .unwrap();
    c.start(t(0)).unwrap();
    let first = notified(&drain(&mut c));
    // 2 of 10 failed = 20 %: not above the threshold.
    c.handle_progress(t(1), &first[0], DeviceProgress::Failed("burn".into()))
        .unwrap();
    c.handle_progress(
        t(1),
        &first[1],
        DeviceProgress::from_alibaba(&Progress::new(
            MessageId::Text("1".into()),
            ProgressStep::VerifyFailed,
            None,
            None,
        )),
    )
    .unwrap();
    assert_eq!(c.state().phase, CampaignPhase::Running);
    // The third failure passes it.
    c.handle_progress(
        t(2),
        &first[2],
        DeviceProgress::from_aws(JobExecutionStatus::Rejected).unwrap(),
    )
    .unwrap();
    assert!(matches!(c.state().phase, CampaignPhase::Paused { .. }));
    assert_eq!(
        drain(&mut c),
        vec![CampaignAction::Paused {
            stage: 0,
            failed: 3,
            total: 10
        }]
    );
    for d in &first[3..] {
        c.handle_progress(t(3), d, DeviceProgress::Succeeded)
            .unwrap();
    }
    // Paused: no new stage even after the wait.
    c.handle_timeout(t(1_000_000));
    assert!(notified(&drain(&mut c)).is_empty());
    // An operator resumes: the finished stage leads to the wait, then the next stage.
    c.resume(t(1_000_000)).unwrap();
    c.handle_timeout(t(1_060_000));
    assert_eq!(notified(&drain(&mut c)).len(), 80);
    assert!(c.resume(t(0)).is_err());
}

#[test]
fn failure_threshold_can_abort_and_cancel() {
    let f = fleet(100);
    let mut c = Campaign::new(
        spec(
            vec![StageSize::Count(4), StageSize::Percent(100)],
            OnThreshold::Abort,
        ),
        &f,
    )
    .unwrap();
    c.start(t(0)).unwrap();
    let first = notified(&drain(&mut c));
    c.handle_progress(t(1), &first[0], DeviceProgress::Succeeded)
        .unwrap();
    c.handle_progress(t(1), &first[1], DeviceProgress::Failed("x".into()))
        .unwrap();
    let acts = drain(&mut c);
    assert_eq!(
        acts.iter()
            .filter(|a| matches!(a, CampaignAction::Cancel { .. }))
            .count(),
        2
    );
    assert!(matches!(c.state().phase, CampaignPhase::Aborted { .. }));
    assert_eq!(c.state().devices[&first[2]].status, DeviceStatus::Canceled);
    assert!(c.abort("again").is_err());
}

#[test]
fn silent_devices_time_out_and_count_as_failures() {
    let f = fleet(20);
    let mut s = spec(vec![StageSize::Percent(100)], OnThreshold::Pause);
    s.max_failure_percent = 100;
    let mut c = Campaign::new(s, &f).unwrap();
    c.start(t(0)).unwrap();
    let all = notified(&drain(&mut c));
    for d in &all[1..] {
        c.handle_progress(t(5), d, DeviceProgress::Succeeded)
            .unwrap();
    }
    assert_eq!(c.poll_timeout(), Some(t(3_600_000)));
    c.handle_timeout(t(3_600_000));
    assert_eq!(c.state().devices[&all[0]].status, DeviceStatus::TimedOut);
    assert_eq!(c.state().phase, CampaignPhase::Completed);
}

#[test]
fn invalid_specs_are_refused() {
    let f = fleet(10);
    for stages in [
        vec![],
        vec![StageSize::Percent(0)],
        vec![StageSize::Percent(101)],
        vec![StageSize::Count(0)],
        vec![StageSize::Percent(50), StageSize::Percent(50)],
    ] {
        assert!(
            Campaign::new(spec(stages.clone(), OnThreshold::Pause), &f).is_err(),
            "{stages:?}"
        );
    }
    let mut s = spec(vec![StageSize::Percent(100)], OnThreshold::Pause);
    s.selector.product = Some("nope".into());
    assert!(Campaign::new(s, &f).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random reports, timeouts and persistence: the campaign never notifies a device twice,
    /// never notifies past its current stage, survives a JSON round trip unchanged, and finishes
    /// in a defined phase.
    #[test]
    fn campaign_invariants(ops in prop::collection::vec((0usize..60, 0u8..6, 0u64..4_000_000), 1..200)) {
        let f = fleet(60);
        let mut c = Campaign::new(spec(vec![StageSize::Percent(10), StageSize::Percent(40), StageSize::Percent(100)], OnThreshold::Pause), &f).unwrap();
        c.start(t(0)).unwrap();
        let mut now = 0;
        let mut seen = std::collections::BTreeSet::new();
        // Actions are drained before every persist: a restored campaign starts with none queued.
        while let Some(a) = c.poll_action() {
            if let CampaignAction::Notify { device } = a {
                seen.insert(device);
            }
        }
        for (dev, op, dt) in ops {
            now += dt / 10;
            let id = format!("dev{dev:03}");
            let _ = match op {
                0 => c.handle_progress(t(now), &id, DeviceProgress::Percent(30)),
                1 => c.handle_progress(t(now), &id, DeviceProgress::Succeeded),
                2 => c.handle_progress(t(now), &id, DeviceProgress::Failed("e".into())),
                3 => { c.handle_timeout(t(now + dt)); Ok(true) }
                4 => { let _ = c.resume(t(now)); Ok(true) }
                _ => {
                    let s = serde_json::to_string(c.state()).unwrap();
                    let state: CampaignState = serde_json::from_str(&s).unwrap();
                    prop_assert_eq!(&state, c.state());
                    c = Campaign::restore(c.spec().clone(), state).unwrap();
                    Ok(true)
                }
            };
            while let Some(a) = c.poll_action() {
                if let CampaignAction::Notify { device } = a {
                    prop_assert!(seen.insert(device.clone()), "notified twice: {}", device);
                    let stage = c.state().devices[&device].stage;
                    prop_assert!(Some(stage) == c.state().stage);
                }
            }
        }
        let notified_count = c.state().devices.values().filter(|r| r.status != DeviceStatus::Pending).count();
        prop_assert_eq!(notified_count, seen.len());
    }
}
