//! Interop: our client session drives a real mosquitto 2 over `std::net::TcpStream`, for MQTT
//! 3.1.1 and 5.0: QoS 2 both ways, session resumption with queued QoS 1/2 messages and a
//! re-sent unacknowledged PUBLISH, and keep-alive (PINGREQ when idle; the broker closing an
//! idle connection after 1.5 × Keep Alive and publishing its Will).
//!
//! Each test starts its own mosquitto on a free loopback port with a temporary config. Every
//! wait is bounded. When mosquitto is missing the tests fail with an install hint; only
//! `IOT_SKIP_INTEROP=1` skips them.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant as StdInstant};

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::session::{
    AckOutcome, ClientConfig, ClientSession, Close, Event, Instant, Message,
};
use iot_protocol::mqtt::{
    DisconnectReasonCode, Properties, ProtocolVersion, PubCompReasonCode, QoS, Subscription,
    TopicFilter, TopicName, Will,
};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V311, ProtocolVersion::V5];

/// Starts mosquitto for one test (keep-alive up to the protocol's maximum).
fn broker(name: &str) -> Option<crate::mosquitto::Broker> {
    crate::mosquitto::start(&format!("session-{name}"), "max_keepalive 65535\n")
}

/// Our client session over a real socket.
struct Driver {
    client: ClientSession,
    stream: Option<TcpStream>,
    rx: BytesMut,
    epoch: StdInstant,
    events: Vec<Event>,
    /// When false, `handle_timeout` is not called (a client that went silent).
    timers: bool,
}

impl Driver {
    fn new(config: ClientConfig) -> Self {
        Self {
            client: ClientSession::new(config),
            stream: None,
            rx: BytesMut::new(),
            epoch: StdInstant::now(),
            events: Vec::new(),
            timers: true,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap())
    }

    fn connect(&mut self, port: u16) {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        self.stream = Some(s);
        self.rx.clear();
        let now = self.now();
        self.client.connect(now).unwrap();
        let start = self.events.len();
        assert!(
            self.pump_until(Duration::from_secs(5), |e| e[start..]
                .iter()
                .any(|e| matches!(e, Event::Connected { .. }))),
            "no CONNACK: {:?}",
            self.events
        );
    }

    fn flush(&mut self) {
        let now = self.now();
        let mut out = BytesMut::new();
        while self.client.poll_transmit(now, &mut out) > 0 {}
        if !out.is_empty()
            && let Some(s) = self.stream.as_mut()
        {
            let _ = s.write_all(&out);
        }
    }

    /// Runs the call order of the session module until `cond` holds or `limit` passes.
    fn pump_until(&mut self, limit: Duration, cond: impl Fn(&[Event]) -> bool) -> bool {
        let end = StdInstant::now() + limit;
        loop {
            self.flush();
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
            }
            if cond(&self.events) {
                return true;
            }
            if StdInstant::now() >= end {
                return false;
            }
            let now = self.now();
            let mut wait = Duration::from_millis(50);
            if self.timers
                && let Some(t) = self.client.poll_timeout()
            {
                wait = wait.min(t.saturating_duration_since(now));
            }
            let wait = wait.max(Duration::from_millis(1));
            let mut chunk = [0u8; 4096];
            let read = match self.stream.as_mut() {
                Some(s) => {
                    s.set_read_timeout(Some(wait)).unwrap();
                    s.read(&mut chunk)
                }
                None => {
                    std::thread::sleep(wait);
                    Err(ErrorKind::WouldBlock.into())
                }
            };
            let now = self.now();
            match read {
                Ok(0) => {
                    self.stream = None;
                    self.client.handle_connection_lost(now);
                }
                Ok(n) => {
                    self.rx.extend_from_slice(&chunk[..n]);
                    self.client.handle_bytes(now, &mut self.rx);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    self.stream = None;
                    self.client.handle_connection_lost(now);
                }
            }
            if self.timers && self.client.poll_timeout().is_some_and(|t| t <= now) {
                self.client.handle_timeout(now);
            }
        }
    }

    fn subscribe(&mut self, filter: &str, qos: QoS) {
        let now = self.now();
        self.client
            .subscribe(
                now,
                vec![Subscription::new(TopicFilter::new(filter).unwrap(), qos)],
                Properties::new(),
            )
            .unwrap_or_else(|e| panic!("subscribe: {e}; events {:?}", self.events));
        let start = self.events.len();
        assert!(
            self.pump_until(Duration::from_secs(5), |e| e[start..]
                .iter()
                .any(|e| matches!(e, Event::SubAck(_)))),
            "no SUBACK"
        );
    }

    fn received(&self) -> Vec<(String, QoS, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Publish(p) => {
                    Some((String::from_utf8(p.payload.to_vec()).unwrap(), p.qos, p.dup))
                }
                _ => None,
            })
            .collect()
    }

    fn disconnect(&mut self) {
        let now = self.now();
        self.client
            .disconnect(now, DisconnectReasonCode::NormalDisconnection);
        self.flush();
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
        while self.client.poll_event().is_some() {}
    }
}

fn config(v: ProtocolVersion, id: &str) -> ClientConfig {
    ClientConfig::new(v, format!("{id}-{}", v as u8))
}

#[test]
fn qos2_both_ways_with_mosquitto() {
    // 3.1.1 §4.3.3, 5.0 §4.3.3 against a real broker: our QoS 2 PUBLISH completes with
    // PUBCOMP, and the broker's QoS 2 delivery to us completes too, exactly once.
    let Some(b) = broker("qos2") else { return };
    for v in VERSIONS {
        let mut d = Driver::new(config(v, "qos2"));
        d.connect(b.port);
        let topic = format!("iot-toolkit/qos2/{}", v as u8);
        d.subscribe(&topic, QoS::ExactlyOnce);
        let now = d.now();
        let id = d
            .client
            .publish(
                now,
                Message::new(
                    TopicName::new(topic.as_str()).unwrap(),
                    &b"exactly-once"[..],
                    QoS::ExactlyOnce,
                ),
            )
            .unwrap();
        let done = d.pump_until(Duration::from_secs(5), |e| {
            let acked = e.iter().any(|e| {
                matches!(e, Event::Acknowledged { packet_id, outcome: AckOutcome::PubComp(PubCompReasonCode::Success) } if *packet_id == id)
            });
            let got = e.iter().any(|e| matches!(e, Event::Publish(_)));
            acked && got
        });
        assert!(done, "{v:?}: QoS 2 exchange incomplete: {:?}", d.events);
        // Let any duplicate show up before counting.
        d.pump_until(Duration::from_millis(300), |_| false);
        let got = d.received();
        assert_eq!(got.len(), 1, "{v:?}: {got:?}");
        assert_eq!(got[0].0, "exactly-once");
        assert_eq!(got[0].1, QoS::ExactlyOnce);
        assert_eq!(d.client.inflight(), 0);
        d.disconnect();
    }
}

#[test]
fn session_resumption_with_queued_messages_and_resend() {
    // 3.1.1 §4.1/§4.4, 5.0 §4.1/§4.4: the broker keeps QoS 1/2 messages for a disconnected
    // session and sends them after resumption (Session Present 1); our unacknowledged QoS 2
    // PUBLISH is re-sent with DUP after a lost connection and delivered once.
    let Some(b) = broker("resume") else { return };
    for v in VERSIONS {
        let topic = format!("iot-toolkit/resume/{}", v as u8);
        let mut cfg = config(v, "resume-sub");
        cfg.clean_start(false).session_expiry_interval(300);
        let mut sub = Driver::new(cfg);
        sub.connect(b.port);
        sub.subscribe(&topic, QoS::ExactlyOnce);
        sub.disconnect();

        // Messages published while the subscriber is away.
        let mut publisher = Driver::new(config(v, "resume-pub"));
        publisher.connect(b.port);
        for (payload, qos) in [("q1", QoS::AtLeastOnce), ("q2", QoS::ExactlyOnce)] {
            let now = publisher.now();
            publisher
                .client
                .publish(
                    now,
                    Message::new(
                        TopicName::new(topic.as_str()).unwrap(),
                        payload.as_bytes().to_vec(),
                        qos,
                    ),
                )
                .unwrap();
        }
        assert!(publisher.pump_until(Duration::from_secs(5), |e| {
            e.iter()
                .filter(|e| matches!(e, Event::Acknowledged { .. }))
                .count()
                == 2
        }));
        publisher.disconnect();

        sub.connect(b.port);
        assert!(
            sub.events.contains(&Event::Connected {
                session_present: true
            }),
            "{v:?}: {:?}",
            sub.events
        );

        // A persistent publisher loses its connection right after sending a QoS 2 PUBLISH;
        // after resumption it re-sends it with DUP (the broker may or may not have read it).
        let mut cfg = config(v, "resume-pub2");
        cfg.clean_start(false).session_expiry_interval(300);
        let mut p2 = Driver::new(cfg);
        p2.connect(b.port);
        let now = p2.now();
        p2.client
            .publish(
                now,
                Message::new(
                    TopicName::new(topic.as_str()).unwrap(),
                    &b"resent"[..],
                    QoS::ExactlyOnce,
                ),
            )
            .unwrap();
        p2.flush();
        if let Some(s) = p2.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let now = p2.now();
        p2.client.handle_connection_lost(now);
        assert_eq!(p2.client.inflight(), 1);
        p2.connect(b.port);
        assert!(p2.events.contains(&Event::Connected {
            session_present: true
        }));
        assert!(
            p2.pump_until(Duration::from_secs(5), |e| e
                .iter()
                .any(|e| matches!(e, Event::Acknowledged { .. }))),
            "{v:?}: re-sent PUBLISH not completed"
        );
        assert_eq!(p2.client.inflight(), 0);

        let ok = sub.pump_until(Duration::from_secs(5), |e| {
            e.iter().filter(|e| matches!(e, Event::Publish(_))).count() >= 3
        });
        assert!(ok, "{v:?}: {:?}", sub.received());
        // Let any duplicate show up before counting.
        sub.pump_until(Duration::from_millis(300), |_| false);
        let got = sub.received();
        for (payload, qos) in [
            ("q1", QoS::AtLeastOnce),
            ("q2", QoS::ExactlyOnce),
            ("resent", QoS::ExactlyOnce),
        ] {
            let n = got.iter().filter(|r| r.0 == payload && r.1 == qos).count();
            assert_eq!(n, 1, "{v:?}: {payload} delivered {n} times: {got:?}");
        }
        sub.disconnect();
        p2.disconnect();
    }
}

#[test]
fn keep_alive_ping_and_expiry_with_mosquitto() {
    // 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: an idle client keeps the connection with PINGREQ; a
    // client that goes silent is disconnected by the broker after 1.5 × Keep Alive, which
    // publishes its Will (§3.1.2.5).
    let Some(b) = broker("keepalive") else { return };
    for v in VERSIONS {
        let will_topic = format!("iot-toolkit/will/{}", v as u8);
        let mut watcher = Driver::new(config(v, "ka-watch"));
        watcher.connect(b.port);
        watcher.subscribe(&will_topic, QoS::AtLeastOnce);

        let mut cfg = config(v, "ka");
        // 2 s: PINGREQ after 2 s idle, the broker's deadline 3 s, a margin for a loaded machine.
        cfg.keep_alive(2).will(Some(Will {
            topic: TopicName::new(will_topic.as_str()).unwrap(),
            payload: Bytes::from_static(b"ka-expired"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
        }));
        let mut d = Driver::new(cfg);
        d.connect(b.port);
        // Idle for 5 s with timers running: PINGREQ/PINGRESP keep it alive.
        d.pump_until(Duration::from_secs(5), |_| false);
        assert!(d.client.is_connected(), "{v:?}: {:?}", d.events);
        assert!(!d.events.iter().any(|e| matches!(e, Event::Closed(_))));

        // Now go silent: no timers, so no PINGREQ. The broker must close after about 3 s.
        d.timers = false;
        let closed = d.pump_until(Duration::from_secs(10), |e| {
            e.iter().any(|e| matches!(e, Event::Closed(_)))
        });
        assert!(closed, "{v:?}: broker did not close the idle connection");
        let close = d
            .events
            .iter()
            .find_map(|e| match e {
                Event::Closed(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap();
        assert!(
            matches!(
                close,
                Close::ConnectionLost
                    | Close::PeerDisconnect {
                        reason_code: DisconnectReasonCode::KeepAliveTimeout,
                        ..
                    }
            ),
            "{v:?}: {close:?}"
        );
        assert!(
            watcher.pump_until(Duration::from_secs(5), |e| e
                .iter()
                .any(|e| matches!(e, Event::Publish(p) if &p.payload[..] == b"ka-expired"))),
            "{v:?}: no Will after keep-alive expiry"
        );
        watcher.disconnect();
    }
}
