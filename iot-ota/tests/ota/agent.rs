//! The device upgrade agent: happy path, retries, failures, A/B rollback, duplicates, persistence,
//! and a property test over random event sequences.

use iot_ota::device::{
    Action, AgentConfig, AgentState, Disposition, Failure, InstalledImage, PhaseState, Slot,
    UpgradeAgent, UpgradeStatus,
};
use iot_ota::{
    Digest, DigestAlgorithm, Manifest, ManifestVerifier, SignedManifest, SigningKey, Source,
    UnixMillis,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::TestCaseError;

fn key() -> SigningKey {
    SigningKey::ed25519_from_seed(&[4; 32])
}

fn image(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(13).wrapping_add(salt))
        .collect()
}

fn signed(img: &[u8], sequence: u64, version: &str) -> SignedManifest {
    Manifest::new("MCU", version, sequence, img.len() as u64)
        .with_digest(Digest::of(DigestAlgorithm::Sha256, img))
        .with_source(Source::Https {
            url: "https://ota.example.com/fw.bin".into(),
        })
        .sign(&[&key()])
        .unwrap()
}

fn agent() -> UpgradeAgent {
    let mut cfg = AgentConfig::new("MCU");
    cfg.max_download_attempts = 3;
    cfg.retry_base_ms = 1000;
    cfg.confirm_timeout_ms = 60_000;
    let verifier = ManifestVerifier::new([key().public_key()], 1).unwrap();
    UpgradeAgent::new(
        cfg,
        verifier,
        InstalledImage {
            version: "1.0.0".into(),
            sequence: Some(1),
            slot: Slot::A,
        },
    )
}

fn drain(a: &mut UpgradeAgent) -> Vec<Action> {
    std::iter::from_fn(|| a.poll_action()).collect()
}

fn statuses(actions: &[Action]) -> Vec<UpgradeStatus> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Report(r) => Some(r.status.clone()),
            _ => None,
        })
        .collect()
}

fn t(ms: u64) -> UnixMillis {
    UnixMillis(1_800_000_000_000 + ms)
}

fn feed(a: &mut UpgradeAgent, img: &[u8], chunk: usize) {
    let mut off = 0u64;
    for c in img.chunks(chunk) {
        a.handle_chunk(t(0), off, c).unwrap();
        off += c.len() as u64;
    }
}

#[test]
fn happy_path_reports_progress_then_the_new_version() {
    let img = image(10_000, 1);
    let mut a = agent();
    assert_eq!(
        a.handle_manifest(t(0), &signed(&img, 2, "2.0.0")),
        Disposition::Accepted
    );
    assert_eq!(a.phase(), "notified");
    assert_eq!(
        drain(&mut a),
        vec![Action::Download {
            source: Some(Source::Https {
                url: "https://ota.example.com/fw.bin".into()
            }),
            offset: 0
        }]
    );
    feed(&mut a, &img, 1000);
    let acts = drain(&mut a);
    let progress: Vec<UpgradeStatus> = statuses(&acts);
    assert_eq!(progress.first(), Some(&UpgradeStatus::Progress(10)));
    assert_eq!(progress.last(), Some(&UpgradeStatus::Progress(100)));
    assert_eq!(acts.last(), Some(&Action::Install { slot: Slot::B }));
    assert_eq!(a.phase(), "installing");
    a.handle_install_result(t(1), true).unwrap();
    assert_eq!(drain(&mut a), vec![Action::Reboot { slot: Slot::B }]);
    // Power cycle: persist, restore, boot the new slot.
    let saved = serde_json::to_string(&a.state()).unwrap();
    let state: AgentState = serde_json::from_str(&saved).unwrap();
    let mut a = UpgradeAgent::restore(agent_config(), verifier(), state).unwrap();
    a.handle_boot(t(2), Slot::B);
    assert_eq!(a.phase(), "confirming");
    assert_eq!(a.poll_timeout(), Some(t(2 + 60_000)));
    a.confirm(t(3)).unwrap();
    let acts = drain(&mut a);
    assert_eq!(acts[0], Action::MarkBootable { slot: Slot::B });
    let Action::Report(r) = &acts[1] else {
        panic!()
    };
    assert_eq!(r.status, UpgradeStatus::Succeeded);
    assert_eq!(r.aws_status().as_str(), "SUCCEEDED");
    let update = r.aws_update();
    assert_eq!(update.status_details["version"], "2.0.0");
    let wire = iot_ota::adapters::aws::UpdateJobExecution::parse(&update.to_json(), 4096).unwrap();
    assert_eq!(wire, update);
    let (progress, inform) =
        r.alibaba_messages(iot_ota::adapters::alibaba::MessageId::Text("9".into()));
    assert_eq!(progress.step.code(), 100);
    assert_eq!(inform.unwrap().version, "2.0.0");
    assert_eq!(
        a.installed(),
        &InstalledImage {
            version: "2.0.0".into(),
            sequence: Some(2),
            slot: Slot::B
        }
    );
    assert_eq!(a.phase(), "idle");
    // The same push again is now stale and ignored without a report.
    assert_eq!(
        a.handle_manifest(t(4), &signed(&img, 2, "2.0.0")),
        Disposition::Stale
    );
    assert!(drain(&mut a).is_empty());
}

fn agent_config() -> AgentConfig {
    let mut cfg = AgentConfig::new("MCU");
    cfg.confirm_timeout_ms = 60_000;
    cfg
}

fn verifier() -> ManifestVerifier {
    ManifestVerifier::new([key().public_key()], 1).unwrap()
}

#[test]
fn tampered_image_is_reported_as_verification_failure() {
    let img = image(5000, 1);
    let mut bad = img.clone();
    bad[4999] ^= 1;
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    drain(&mut a);
    feed(&mut a, &bad, 4096);
    let s = statuses(&drain(&mut a));
    assert_eq!(
        s.last(),
        Some(&UpgradeStatus::Failed(Failure::Verification))
    );
    assert_eq!(a.phase(), "idle");
    assert_eq!(a.installed().version, "1.0.0");
}

#[test]
fn extra_bytes_fail_the_upgrade() {
    let img = image(5000, 1);
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    a.handle_chunk(t(0), 0, &img).unwrap();
    drain(&mut a);
    assert!(
        a.handle_chunk(t(0), 5000, &[0]).is_err(),
        "no download runs after install started"
    );
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    let mut longer = img.clone();
    longer.push(7);
    a.handle_chunk(t(0), 0, &longer).unwrap();
    assert_eq!(
        statuses(&drain(&mut a)).last(),
        Some(&UpgradeStatus::Failed(Failure::Verification))
    );
}

#[test]
fn download_retries_with_backoff_then_gives_up() {
    let img = image(5000, 1);
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    drain(&mut a);
    a.handle_chunk(t(0), 0, &img[..2000]).unwrap();
    assert!(matches!(
        a.handle_chunk(t(0), 1000, &img[1000..2000]),
        Err(iot_ota::AgentError::OutOfOrderChunk {
            expected: 2000,
            got: 1000
        })
    ));
    drain(&mut a);
    a.handle_download_error(t(10)).unwrap();
    assert_eq!(a.poll_timeout(), Some(t(1010)));
    a.handle_timeout(t(500));
    assert!(drain(&mut a).is_empty());
    a.handle_timeout(t(1010));
    assert_eq!(
        drain(&mut a),
        vec![Action::Download {
            source: Some(Source::Https {
                url: "https://ota.example.com/fw.bin".into()
            }),
            offset: 2000
        }]
    );
    a.handle_download_error(t(2000)).unwrap();
    assert_eq!(
        a.poll_timeout(),
        Some(t(4000)),
        "second retry waits twice as long"
    );
    a.handle_download_error(t(4000)).unwrap();
    assert_eq!(
        statuses(&drain(&mut a)),
        vec![UpgradeStatus::Failed(Failure::Download)]
    );
    assert_eq!(a.phase(), "idle");
}

#[test]
fn trial_boot_that_does_not_confirm_rolls_back() {
    let img = image(3000, 2);
    for how in ["timeout", "self-test", "crash", "bootloader-reverted"] {
        let mut a = agent();
        a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
        feed(&mut a, &img, 3000);
        a.handle_install_result(t(0), true).unwrap();
        drain(&mut a);
        match how {
            "bootloader-reverted" => a.handle_boot(t(1), Slot::A),
            _ => a.handle_boot(t(1), Slot::B),
        }
        match how {
            "timeout" => a.handle_timeout(t(1 + 60_000)),
            "self-test" => a.self_test_failed(t(5)).unwrap(),
            "crash" => a.handle_boot(t(5), Slot::B),
            _ => {}
        }
        let acts = drain(&mut a);
        if how != "bootloader-reverted" {
            assert_eq!(
                acts[..2],
                [
                    Action::RollBack { slot: Slot::A },
                    Action::Reboot { slot: Slot::A }
                ],
                "{how}"
            );
        }
        assert_eq!(
            statuses(&acts),
            vec![UpgradeStatus::Failed(Failure::Upgrade)],
            "{how}"
        );
        assert_eq!(a.installed().slot, Slot::A);
        assert_eq!(a.phase(), "idle");
        // A late confirmation does not install anything.
        assert!(a.confirm(t(100_000)).is_err());
    }
}

#[test]
fn install_failure_is_a_burn_failure() {
    let img = image(3000, 2);
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    feed(&mut a, &img, 3000);
    drain(&mut a);
    a.handle_install_result(t(0), false).unwrap();
    let acts = drain(&mut a);
    let Action::Report(r) = &acts[0] else {
        panic!()
    };
    assert_eq!(r.alibaba_step().code(), -4);
    assert_eq!(r.aws_status().as_str(), "FAILED");
}

#[test]
fn duplicates_stale_busy_rejected() {
    let img = image(3000, 2);
    let mut a = agent();
    let m2 = signed(&img, 2, "2.0.0");
    assert_eq!(a.handle_manifest(t(0), &m2), Disposition::Accepted);
    assert_eq!(a.handle_manifest(t(0), &m2), Disposition::Duplicate);
    assert_eq!(
        a.handle_manifest(t(0), &signed(&img, 1, "0.9.0")),
        Disposition::Stale
    );
    // A newer manifest replaces one that is still downloading.
    let img3 = image(2000, 3);
    assert_eq!(
        a.handle_manifest(t(0), &signed(&img3, 3, "3.0.0")),
        Disposition::Accepted
    );
    feed(&mut a, &img3, 500);
    assert_eq!(
        a.handle_manifest(t(0), &signed(&img, 4, "4.0.0")),
        Disposition::Busy
    );
    // Rejections are reported (REJECTED / -3).
    let mut b = agent();
    let mut forged = signed(&img, 5, "5.0.0");
    forged.manifest.size += 1;
    assert!(matches!(
        b.handle_manifest(t(0), &forged),
        Disposition::Rejected(iot_ota::VerifyError::BadSignature { .. })
    ));
    let acts = drain(&mut b);
    let Action::Report(r) = &acts[0] else {
        panic!()
    };
    assert_eq!(r.aws_status().as_str(), "REJECTED");
    assert_eq!(r.alibaba_step().code(), -3);
    // Inputs out of place are typed errors, not panics.
    assert!(b.handle_chunk(t(0), 0, b"x").is_err());
    assert!(b.handle_install_result(t(0), true).is_err());
    assert!(b.handle_download_error(t(0)).is_err());
    assert!(b.self_test_failed(t(0)).is_err());
}

#[test]
fn power_cut_mid_download_resumes_at_the_saved_offset() {
    let img = image(9000, 5);
    let mut a = agent();
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    drain(&mut a);
    a.handle_chunk(t(0), 0, &img[..4096]).unwrap();
    let state = a.state();
    assert!(matches!(state.phase, PhaseState::Downloading { .. }));
    let mut b = UpgradeAgent::restore(agent_config(), verifier(), state).unwrap();
    b.handle_boot(t(1), Slot::A);
    assert_eq!(
        drain(&mut b),
        vec![Action::Download {
            source: Some(Source::Https {
                url: "https://ota.example.com/fw.bin".into()
            }),
            offset: 4096
        }]
    );
    b.handle_chunk(t(1), 4096, &img[4096..]).unwrap();
    assert_eq!(b.phase(), "installing");
}

#[derive(Debug, Clone)]
enum Ev {
    Notify {
        good: bool,
        seq: u64,
    },
    Chunk {
        len: usize,
        corrupt: bool,
        extra: bool,
    },
    DownloadError,
    Timeout(u64),
    Install(bool),
    Boot(bool),
    Confirm,
    SelfTestFail,
    Persist,
}

fn ev() -> impl Strategy<Value = Ev> {
    prop_oneof![
        1 => (any::<bool>(), 0u64..5).prop_map(|(good, seq)| Ev::Notify { good, seq }),
        6 => (1usize..7000, prop::bool::weighted(0.05), prop::bool::weighted(0.05))
            .prop_map(|(len, corrupt, extra)| Ev::Chunk { len, corrupt, extra }),
        1 => Just(Ev::DownloadError),
        1 => (0u64..200_000).prop_map(Ev::Timeout),
        2 => prop::bool::weighted(0.8).prop_map(Ev::Install),
        2 => prop::bool::weighted(0.8).prop_map(Ev::Boot),
        2 => Just(Ev::Confirm),
        1 => Just(Ev::SelfTestFail),
        1 => Just(Ev::Persist),
    ]
}

/// Drives one agent through `events`, simulating the device; returns the number of successes.
/// Fails when a success is reported for bytes that differ from the manifest's image.
fn drive(events: Vec<Ev>) -> Result<usize, TestCaseError> {
    let mut successes = 0;
    let good = image(6000, 9);
    let other = image(6000, 10);
    let mut a = agent();
    let mut now = 0u64;
    // What the device wrote to the inactive slot, and what the slot held at install time.
    let mut slot_bytes: Vec<u8> = Vec::new();
    let mut installed_bytes: Option<Vec<u8>> = None;
    let mut manifest_image: Option<Vec<u8>> = None;
    let mut offered: Vec<(u64, Vec<u8>)> = Vec::new();
    for e in events {
        now += 1;
        match e {
            Ev::Notify { good: g, seq } => {
                let img = if g { good.clone() } else { other.clone() };
                let seq = 2 + seq;
                let m = signed(&img, seq, "2.0.0");
                if a.handle_manifest(t(now), &m) == Disposition::Accepted {
                    slot_bytes.clear();
                    manifest_image = Some(img.clone());
                    offered.push((seq, img));
                }
            }
            Ev::Chunk {
                len,
                corrupt,
                extra,
            } => {
                if let (Some(off), Some(img)) = (a.download_offset(), &manifest_image) {
                    let start = off as usize;
                    let end = (start + len).min(img.len());
                    let mut c: Vec<u8> = img.get(start..end).unwrap_or_default().to_vec();
                    if extra {
                        c.push(0xee);
                    }
                    if corrupt && !c.is_empty() {
                        c[0] ^= 0x40;
                    }
                    if a.handle_chunk(t(now), off, &c).is_ok() && a.phase() != "idle" {
                        slot_bytes.extend_from_slice(&c);
                    }
                }
            }
            Ev::DownloadError => {
                let _ = a.handle_download_error(t(now));
            }
            Ev::Timeout(dt) => {
                now += dt;
                a.handle_timeout(t(now));
            }
            Ev::Install(ok) => {
                if a.phase() == "installing" {
                    installed_bytes = Some(slot_bytes.clone());
                }
                let _ = a.handle_install_result(t(now), ok);
            }
            Ev::Boot(new_slot) => {
                let running = if new_slot {
                    a.installed().slot.other()
                } else {
                    a.installed().slot
                };
                a.handle_boot(t(now), running);
            }
            Ev::Confirm => {
                let _ = a.confirm(t(now));
            }
            Ev::SelfTestFail => {
                let _ = a.self_test_failed(t(now));
            }
            Ev::Persist => {
                let s = serde_json::to_string(&a.state()).unwrap();
                let mut cfg = AgentConfig::new("MCU");
                cfg.max_download_attempts = 3;
                cfg.confirm_timeout_ms = 60_000;
                a = UpgradeAgent::restore(cfg, verifier(), serde_json::from_str(&s).unwrap())
                    .unwrap();
            }
        }
        while let Some(action) = a.poll_action() {
            if let Action::Report(r) = action
                && r.status == UpgradeStatus::Succeeded
            {
                successes += 1;
                let expected = &offered
                    .iter()
                    .rev()
                    .find(|(s, _)| *s == r.sequence)
                    .unwrap()
                    .1;
                prop_assert_eq!(
                    installed_bytes.as_ref(),
                    Some(expected),
                    "success for a wrong image"
                );
                prop_assert_eq!(&a.installed().version, &r.version);
            }
        }
        prop_assert!(
            [
                "idle",
                "notified",
                "downloading",
                "installing",
                "rebooting",
                "confirming"
            ]
            .contains(&a.phase())
        );
    }
    Ok(successes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever happens, success is only reported for an image whose bytes match the manifest,
    /// and the agent always stays in a defined phase.
    #[test]
    fn never_succeeds_with_a_wrong_image(events in prop::collection::vec(ev(), 1..80)) {
        drive(events)?;
    }
}

#[test]
fn the_property_reaches_success() {
    // Otherwise the property above would hold vacuously.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut total = 0;
    for _ in 0..64 {
        let events = prop::collection::vec(ev(), 1..80)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        total += drive(events).unwrap();
    }
    assert!(total > 0, "no random run reached a confirmed upgrade");
}

#[test]
fn a_stalled_download_is_retried_from_where_it_stopped() {
    let img = image(5000, 1);
    let mut a = agent(); // default stall timeout: 60 s
    a.handle_manifest(t(0), &signed(&img, 2, "2.0.0"));
    drain(&mut a);
    assert_eq!(a.poll_timeout(), Some(t(60_000)));
    a.handle_chunk(t(1_000), 0, &img[..1000]).unwrap();
    drain(&mut a);
    assert_eq!(
        a.poll_timeout(),
        Some(t(61_000)),
        "each chunk re-arms the stall timer"
    );
    a.handle_timeout(t(61_000));
    // Counted as a download error: retry after the backoff, from offset 1000.
    assert_eq!(a.poll_timeout(), Some(t(62_000)));
    a.handle_timeout(t(62_000));
    assert_eq!(
        drain(&mut a),
        vec![Action::Download {
            source: Some(Source::Https {
                url: "https://ota.example.com/fw.bin".into()
            }),
            offset: 1000
        }]
    );
    a.handle_chunk(t(62_500), 1000, &img[1000..]).unwrap();
    assert_eq!(a.phase(), "installing");
}
