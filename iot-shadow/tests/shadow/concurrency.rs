//! Many writers on one shadow through the service and the in-memory store: no accepted update
//! is lost, and every accepted update gets a version of its own.

use std::collections::BTreeSet;
use std::sync::Arc;

use iot_shadow::{
    Dialect, EpochMillis, MemoryStore, ShadowKey, ShadowService, ShadowStore, UpdateRequest,
};
use serde_json::{Value, json};

const WRITERS: u64 = 16;
const UPDATES: u64 = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_lose_an_accepted_update() {
    let mut service = ShadowService::new(MemoryStore::new(), Dialect::aws());
    service
        .set_max_attempts(10_000)
        .set_publish_documents(false);
    let service = Arc::new(service);
    let key = ShadowKey::classic("contended");

    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let service = Arc::clone(&service);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut versions = Vec::new();
            for i in 0..UPDATES {
                // A key only this writer touches, and one every writer overwrites.
                let patch = json!({
                    format!("w{w}"): {"i": i},
                    "shared": {"writer": w, "i": i},
                });
                let request = UpdateRequest::reported(patch.as_object().cloned().unwrap());
                let committed = service
                    .update(&key, &request, EpochMillis(w * 1_000 + i))
                    .await
                    .unwrap();
                versions.push((committed.outcome.version, w, i));
                tokio::task::yield_now().await;
            }
            versions
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }

    // Every accepted update got its own version: 1..=N without gaps or repeats.
    let versions: BTreeSet<u64> = all.iter().map(|(v, _, _)| *v).collect();
    assert_eq!(versions.len() as u64, WRITERS * UPDATES);
    assert_eq!(versions.first(), Some(&1));
    assert_eq!(versions.last(), Some(&(WRITERS * UPDATES)));

    let doc = service.store().load(&key).await.unwrap().unwrap();
    assert_eq!(doc.version(), WRITERS * UPDATES);
    let reported = doc.reported().unwrap();
    // Disjoint keys: each writer's last update is there.
    for w in 0..WRITERS {
        assert_eq!(
            reported[&format!("w{w}")],
            json!({"i": UPDATES - 1}),
            "writer {w}"
        );
    }
    // The overlapping key holds the value of the update with the highest version.
    let (_, w, i) = all.iter().max_by_key(|(v, _, _)| *v).unwrap();
    assert_eq!(reported["shared"], json!({"writer": w, "i": i}));
    assert_eq!(reported.len() as u64, WRITERS + 1);
    assert!(reported.values().all(|v| !matches!(v, Value::Null)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn version_checked_writers_conflict_instead_of_overwriting() {
    let service = Arc::new(ShadowService::new(MemoryStore::new(), Dialect::aws()));
    let key = ShadowKey::classic("locked");
    let first = UpdateRequest::desired(json!({"n": 0}).as_object().cloned().unwrap());
    service.update(&key, &first, EpochMillis(0)).await.unwrap();

    // Everyone read version 1 and writes with it: exactly one wins.
    let mut tasks = Vec::new();
    for w in 0..8i64 {
        let service = Arc::clone(&service);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let request = UpdateRequest::desired(json!({"n": w}).as_object().cloned().unwrap())
                .with_version(1);
            service.update(&key, &request, EpochMillis(1)).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(c) => {
                won += 1;
                assert_eq!(c.outcome.version, 2);
            }
            Err(e) => assert_eq!(e, iot_shadow::ShadowError::VersionConflict { current: 2 }),
        }
    }
    assert_eq!(won, 1);
}
