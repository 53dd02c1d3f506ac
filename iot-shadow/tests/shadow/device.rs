//! The device-side machine against the platform service, through an in-memory "broker" that
//! routes each published message to whoever subscribed (topic matching from iot-protocol).

use iot_protocol::topic::matches;
use iot_shadow::{
    DeviceSync, Dialect, Endpoint, EpochMillis, MemoryStore, Object, Outgoing, ShadowDocument,
    ShadowKey, ShadowService, ShadowStore, SyncEvent, aws,
};
use serde_json::{Value, json};

fn obj(v: Value) -> Object {
    v.as_object().cloned().unwrap()
}

struct Harness {
    service: ShadowService<MemoryStore>,
    device: DeviceSync,
    /// Azure device id (twin topics do not carry it).
    twin: Option<&'static str>,
    now: u64,
    /// Messages routed to the device and not delivered yet.
    inbox: Vec<Outgoing>,
    events: Vec<SyncEvent>,
}

impl Harness {
    fn new(dialect: Dialect, endpoint: Endpoint, twin: Option<&'static str>) -> Self {
        Self {
            service: ShadowService::new(MemoryStore::new(), dialect),
            device: DeviceSync::new(endpoint),
            twin,
            now: 1_700_000_000_000,
            inbox: Vec::new(),
            events: Vec::new(),
        }
    }

    async fn seed(&self, key: &ShadowKey, doc: ShadowDocument) {
        assert!(
            self.service
                .store()
                .compare_and_swap(key, None, doc)
                .await
                .unwrap()
        );
    }

    /// Sends what the device queued to the service, routes the answers back.
    async fn pump_device(&mut self) {
        while let Some(m) = self.device.poll_transmit() {
            self.now += 1;
            let at = EpochMillis(self.now);
            let out = match self.twin {
                Some(id) => self.service.handle_twin(at, id, &m.topic, &m.payload).await,
                None => self.service.handle(at, &m.topic, &m.payload).await,
            }
            .unwrap();
            self.route(out);
        }
    }

    fn route(&mut self, out: Vec<Outgoing>) {
        let subs = self.device.subscriptions();
        for m in out {
            if subs.iter().any(|f| matches(f, &m.topic)) {
                self.inbox.push(m);
            }
        }
    }

    /// Delivers the inbox to the device, applying with `apply`, until everything settles.
    async fn run(&mut self, mut apply: impl FnMut(&Object) -> Result<Object, String>) {
        for _ in 0..20 {
            self.pump_device().await;
            if self.inbox.is_empty() {
                return;
            }
            for m in std::mem::take(&mut self.inbox) {
                let event = self
                    .device
                    .handle_message(EpochMillis(self.now), &m.topic, &m.payload, &mut apply)
                    .unwrap();
                self.events.extend(event);
            }
        }
        panic!("did not settle");
    }
}

#[tokio::test]
async fn aws_connect_applies_delta_reports_and_clears_desired() {
    let key = ShadowKey::classic("lamp");
    let endpoint = Endpoint::Aws {
        thing: "lamp".into(),
        shadow: None,
    };
    let mut h = Harness::new(Dialect::aws(), endpoint, None);
    let doc = ShadowDocument::with_state(
        Some(obj(
            json!({"color": "RED", "power": {"on": true, "level": 3}}),
        )),
        Some(obj(
            json!({"color": "GREEN", "power": {"on": true, "level": 1}}),
        )),
        4,
        EpochMillis(1),
    );
    h.seed(&key, doc).await;

    h.device.handle_connected(EpochMillis(h.now));
    let mut seen = Vec::new();
    h.run(|delta| {
        seen.push(delta.clone());
        Ok(delta.clone())
    })
    .await;

    assert_eq!(seen, [obj(json!({"color": "RED", "power": {"level": 3}}))]);
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.desired(), None, "desired cleared");
    assert_eq!(
        stored.reported(),
        Some(&obj(
            json!({"color": "RED", "power": {"on": true, "level": 3}})
        ))
    );
    assert_eq!(stored.version(), 5);
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, SyncEvent::Applied { version: 4, .. }))
    );
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, SyncEvent::Accepted { version: Some(5) }))
    );
    assert_eq!(h.device.poll_timeout(), None, "GET answered");
}

#[tokio::test]
async fn aws_delta_pushed_after_connect_is_applied_and_stale_one_ignored() {
    let key = ShadowKey::classic("lamp");
    let endpoint = Endpoint::Aws {
        thing: "lamp".into(),
        shadow: None,
    };
    let mut h = Harness::new(Dialect::aws(), endpoint, None);
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    assert!(matches!(h.events[..], [SyncEvent::InSync { version: 0 }]));

    // An application sets desired: the service publishes a delta to the device.
    h.now += 1;
    let out = h
        .service
        .handle(
            EpochMillis(h.now),
            "$aws/things/lamp/shadow/update",
            br#"{"state":{"desired":{"color":"BLUE"}}}"#,
        )
        .await
        .unwrap();
    let delta = out
        .iter()
        .find(|m| m.topic.ends_with("/update/delta"))
        .cloned()
        .unwrap();
    h.route(out);
    let mut calls = 0;
    h.run(|d| {
        calls += 1;
        assert_eq!(d, &obj(json!({"color": "BLUE"})));
        Ok(d.clone())
    })
    .await;
    assert_eq!(calls, 1);
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.reported(), Some(&obj(json!({"color": "BLUE"}))));
    assert_eq!(stored.desired(), None);

    // The same delta delivered again (QoS 1 duplicate) is not applied twice.
    let again = h
        .device
        .handle_message(EpochMillis(h.now), &delta.topic, &delta.payload, |_| {
            panic!("applied twice")
        })
        .unwrap();
    assert!(matches!(again, Some(SyncEvent::Stale { .. })));

    // An older delta than the version held is ignored.
    let old = br#"{"state":{"color":"OLD"},"version":0,"timestamp":1}"#;
    let stale = h
        .device
        .handle_message(EpochMillis(h.now), &delta.topic, old, |_| {
            panic!("stale applied")
        })
        .unwrap();
    assert!(matches!(stale, Some(SyncEvent::Stale { version: 0, .. })));
}

#[tokio::test]
async fn aws_failing_callback_is_reported_and_desired_kept() {
    let key = ShadowKey::named("lamp", "ui");
    let endpoint = Endpoint::Aws {
        thing: "lamp".into(),
        shadow: Some("ui".into()),
    };
    let mut h = Harness::new(Dialect::aws(), endpoint, None);
    h.seed(
        &key,
        ShadowDocument::with_state(Some(obj(json!({"color": "PINK"}))), None, 2, EpochMillis(1)),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|_| Err("no such colour".into())).await;

    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.desired(), Some(&obj(json!({"color": "PINK"}))));
    assert_eq!(
        stored.reported(),
        Some(&obj(
            json!({"syncError": {"version": 2, "message": "no such colour"}})
        ))
    );
    assert!(h.events.iter().any(|e| matches!(
        e,
        SyncEvent::ApplyFailed { version: 2, message } if message == "no such colour"
    )));

    // Reconnect with a working callback: the change goes through and the error is removed.
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.reported(), Some(&obj(json!({"color": "PINK"}))));
    assert_eq!(stored.desired(), None);
}

#[tokio::test]
async fn aws_desired_changed_meanwhile_is_not_wiped_out() {
    let key = ShadowKey::classic("lamp");
    let endpoint = Endpoint::Aws {
        thing: "lamp".into(),
        shadow: None,
    };
    let mut h = Harness::new(Dialect::aws(), endpoint, None);
    h.seed(
        &key,
        ShadowDocument::with_state(Some(obj(json!({"color": "RED"}))), None, 1, EpochMillis(1)),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    // Deliver the GET response, but before the device's report reaches the service an
    // application changes desired.
    h.pump_device().await;
    let got = std::mem::take(&mut h.inbox);
    for m in &got {
        h.device
            .handle_message(EpochMillis(h.now), &m.topic, &m.payload, |d| Ok(d.clone()))
            .unwrap();
    }
    // The delta for this change is still in flight to the device (not delivered here).
    h.service
        .handle(
            EpochMillis(h.now),
            "$aws/things/lamp/shadow/update",
            br#"{"state":{"desired":{"mode":"eco"}}}"#,
        )
        .await
        .unwrap();
    let mut applied = Vec::new();
    h.run(|d| {
        applied.push(d.clone());
        Ok(d.clone())
    })
    .await;
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, SyncEvent::Rejected { code: 409, .. })),
        "the stale clear was refused: {:?}",
        h.events
    );
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.desired(), None);
    assert_eq!(
        stored.reported(),
        Some(&obj(json!({"color": "RED", "mode": "eco"})))
    );
    assert!(applied.contains(&obj(json!({"color": "RED", "mode": "eco"}))));
}

#[tokio::test]
async fn alibaba_get_control_and_clear() {
    let key = ShadowKey::alibaba("a1PbRCFQBFj", "lamp");
    let endpoint = Endpoint::Alibaba {
        product_key: "a1PbRCFQBFj".into(),
        device_name: "lamp".into(),
    };
    let mut h = Harness::new(Dialect::alibaba(), endpoint, None);
    h.seed(
        &key,
        ShadowDocument::with_state(
            Some(obj(json!({"color": "green"}))),
            Some(obj(json!({"color": "red"}))),
            2,
            EpochMillis(1),
        ),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.desired(), None, "cleared with \"null\"");
    assert_eq!(stored.reported(), Some(&obj(json!({"color": "green"}))));
    assert_eq!(stored.version(), 3);
    assert_eq!(h.device.version(), Some(3));

    // An application sets desired: the control push reaches the device.
    h.now += 1;
    let out = h
        .service
        .handle(
            EpochMillis(h.now),
            "/shadow/update/a1PbRCFQBFj/lamp",
            br#"{"method":"update","state":{"desired":{"color":"blue"}},"version":4}"#,
        )
        .await
        .unwrap();
    h.route(out);
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.desired(), None);
    assert_eq!(stored.reported(), Some(&obj(json!({"color": "blue"}))));
    assert_eq!(stored.version(), 5);
}

#[tokio::test]
async fn azure_get_then_desired_push() {
    let key = ShadowKey::classic("dev1");
    let mut h = Harness::new(Dialect::azure(), Endpoint::Azure, Some("dev1"));
    h.seed(
        &key,
        ShadowDocument::with_state(
            Some(obj(json!({"targetTemperature": 42}))),
            Some(obj(json!({"targetTemperature": 40, "serial": "X1"}))),
            2,
            EpochMillis(1),
        ),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(
        stored.reported(),
        Some(&obj(json!({"targetTemperature": 42, "serial": "X1"})))
    );
    assert_eq!(h.device.version(), Some(1));

    // The back end changes desired; the push reaches the device, which reports.
    let (push, _etag) = h
        .service
        .update_desired_twin(
            "dev1",
            obj(json!({"targetTemperature": 45})),
            None,
            EpochMillis(h.now),
        )
        .await
        .unwrap();
    h.route(vec![push.clone()]);
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(
        stored.reported().and_then(|r| r.get("targetTemperature")),
        Some(&json!(45))
    );
    assert_eq!(h.device.version(), Some(2));

    // A failure is acknowledged the Plug and Play way.
    let (push2, _) = h
        .service
        .update_desired_twin(
            "dev1",
            obj(json!({"targetTemperature": 99})),
            None,
            EpochMillis(h.now),
        )
        .await
        .unwrap();
    h.route(vec![push2]);
    h.run(|_| Err("out of range".into())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(
        stored.reported().and_then(|r| r.get("targetTemperature")),
        Some(&json!({"value": 99, "ac": 500, "ad": "out of range", "av": 3}))
    );

    // The old push delivered late is ignored.
    let late = h
        .device
        .handle_message(EpochMillis(h.now), &push.topic, &push.payload, |_| {
            panic!("stale push applied")
        })
        .unwrap();
    assert!(matches!(
        late,
        Some(SyncEvent::Stale {
            version: 2,
            held: 3
        })
    ));
}

#[test]
fn get_is_retried_after_timeout_and_garbage_is_an_error() {
    let mut d = DeviceSync::new(Endpoint::Aws {
        thing: "lamp".into(),
        shadow: None,
    });
    d.set_request_timeout_ms(500);
    d.handle_connected(EpochMillis(1_000));
    let first = d.poll_transmit().unwrap();
    assert_eq!(first.topic, "$aws/things/lamp/shadow/get");
    assert_eq!(d.poll_timeout(), Some(EpochMillis(1_500)));
    d.handle_timeout(EpochMillis(1_499));
    assert!(d.poll_transmit().is_none());
    d.handle_timeout(EpochMillis(1_500));
    assert_eq!(d.poll_transmit().unwrap().topic, first.topic);

    let topic = aws::Topic::parse("$aws/things/lamp/shadow/update/delta").unwrap();
    let err = d
        .handle_message(EpochMillis(2_000), &topic.to_string(), b"{not json", |_| {
            panic!("no")
        })
        .unwrap_err();
    assert!(matches!(err, iot_shadow::SyncError::Payload(_)));
    let err = d
        .handle_message(
            EpochMillis(2_000),
            "$aws/things/other/shadow/update/delta",
            b"{}",
            |_| panic!("no"),
        )
        .unwrap_err();
    assert!(matches!(err, iot_shadow::SyncError::Topic(_)));
}

#[tokio::test]
async fn alibaba_reset_push_is_stale_until_the_next_get() {
    let key = ShadowKey::alibaba("a1PbRCFQBFj", "lamp");
    let endpoint = Endpoint::Alibaba {
        product_key: "a1PbRCFQBFj".into(),
        device_name: "lamp".into(),
    };
    let mut h = Harness::new(Dialect::alibaba(), endpoint, None);
    h.seed(
        &key,
        ShadowDocument::with_state(
            Some(obj(json!({"color": "green"}))),
            None,
            5,
            EpochMillis(1),
        ),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    assert_eq!(h.device.version(), Some(6));

    // The application resets the shadow (version 0) and sets desired at version 1.
    for payload in [
        &br#"{"method":"update","state":{"reported":{"color":"green"}},"version":-1}"#[..],
        br#"{"method":"update","state":{"desired":{"color":"blue"}},"version":1}"#,
    ] {
        let out = h
            .service
            .handle(
                EpochMillis(h.now),
                "/shadow/update/a1PbRCFQBFj/lamp",
                payload,
            )
            .await
            .unwrap();
        h.route(
            out.into_iter()
                .filter(|m| m.payload_json().unwrap()["method"] == "control")
                .collect(),
        );
    }
    h.run(|_| panic!("a push older than the held version must not be applied"))
        .await;
    assert!(matches!(
        h.events.last(),
        Some(SyncEvent::Stale {
            version: 1,
            held: 6
        })
    ));

    // Reconnecting asks for the shadow: its answer is authoritative.
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    let stored = h.service.get(&key).await.unwrap();
    assert_eq!(stored.reported(), Some(&obj(json!({"color": "blue"}))));
    assert_eq!(stored.desired(), None);
    assert_eq!(stored.version(), 2);
}

#[tokio::test]
async fn azure_plug_and_play_acknowledgements() {
    let mut h = Harness::new(Dialect::azure(), Endpoint::Azure, Some("thermostat"));
    h.device.set_plug_and_play_acks(true);
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|d| Ok(d.clone())).await;
    let (push, _) = h
        .service
        .update_desired_twin(
            "thermostat",
            obj(json!({"targetTemperature": 42})),
            None,
            EpochMillis(h.now),
        )
        .await
        .unwrap();
    h.route(vec![push]);
    h.run(|d| Ok(d.clone())).await;
    let stored = h
        .service
        .get(&ShadowKey::classic("thermostat"))
        .await
        .unwrap();
    // The shape of the Azure IoT Plug and Play writable-property acknowledgement.
    assert_eq!(
        stored.reported(),
        Some(&obj(
            json!({"targetTemperature": {"value": 42, "ac": 200, "ad": "completed", "av": 1}})
        ))
    );
}

#[tokio::test]
async fn azure_plug_and_play_reconnect_sees_acknowledged_values_as_in_sync() {
    let mut h = Harness::new(Dialect::azure(), Endpoint::Azure, Some("t2"));
    h.device.set_plug_and_play_acks(true);
    h.seed(
        &ShadowKey::classic("t2"),
        ShadowDocument::with_state(
            Some(obj(json!({"targetTemperature": 42}))),
            Some(obj(
                json!({"targetTemperature": {"value": 42, "ac": 200, "ad": "completed", "av": 1}}),
            )),
            2,
            EpochMillis(1),
        ),
    )
    .await;
    h.device.handle_connected(EpochMillis(h.now));
    h.run(|_| panic!("already applied")).await;
    assert!(matches!(h.events[..], [SyncEvent::InSync { version: 1 }]));
}
