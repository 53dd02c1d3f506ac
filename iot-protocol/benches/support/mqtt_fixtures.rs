//! The packets both MQTT codec benches measure (`benches/mqtt.rs` with criterion and
//! `benches/mqtt_ab.rs` interleaved), kept in one place so that their figures describe the same
//! inputs.

use bytes::Bytes;
use iot_protocol::mqtt::{
    Connect, Packet, Properties, ProtocolVersion, Publish, QoS, Subscribe, Subscription,
    TopicFilter, TopicName, Will,
};

/// Packets per case: decode reads them back to back from one buffer, encode writes them all.
pub(crate) const N: usize = 1000;

/// Every case for `version`, named: PUBLISH at QoS 0 and 1 with 64 B and 1 KiB payloads and
/// short and 100-byte topics, a CONNECT with properties (and a Will), a SUBSCRIBE of 10 filters.
pub(crate) fn cases(version: ProtocolVersion) -> Vec<(String, Vec<Packet>)> {
    let long_topic: String = "devices/a1b2c3d4/".to_owned() + &"telemetry/".repeat(9)[..83];
    assert_eq!(long_topic.len(), 100);
    let mut out = Vec::new();
    for (qos, q) in [(QoS::AtMostOnce, "qos0"), (QoS::AtLeastOnce, "qos1")] {
        for payload in [64, 1024] {
            for (topic, t) in [("hello/world", "short"), (long_topic.as_str(), "100B")] {
                let name = format!("publish-{q}-{payload}B-topic-{t}");
                out.push((name, publishes(topic, qos, payload)));
            }
        }
    }
    let connect = Packet::from(connect(version));
    out.push(("connect-with-properties".to_owned(), vec![connect; N]));
    let subscribe = Packet::Subscribe(Subscribe {
        packet_id: 7,
        subscriptions: (0..10)
            .map(|i| {
                let filter = TopicFilter::new(format!("devices/+/sensor-{i}/#")).unwrap();
                Subscription::new(filter, QoS::AtLeastOnce)
            })
            .collect(),
        properties: Properties::new(),
    });
    out.push(("subscribe-10-filters".to_owned(), vec![subscribe; N]));
    out
}

fn publishes(topic: &str, qos: QoS, payload: usize) -> Vec<Packet> {
    let payload = Bytes::from(vec![0xa5u8; payload]);
    (0..N)
        .map(|i| {
            let mut p = Publish::new(TopicName::new(topic).unwrap(), payload.clone());
            p.qos = qos;
            if qos != QoS::AtMostOnce {
                p.packet_id = u16::try_from(i % 100 + 1).unwrap();
            }
            Packet::Publish(p)
        })
        .collect()
}

/// A device's CONNECT: Alibaba-style credentials, a Will, and in 5.0 the usual properties.
fn connect(version: ProtocolVersion) -> Connect {
    let v5 = version == ProtocolVersion::V5;
    let mut connect = Connect::new(version, "a1b2c3d4e5.device-0042");
    connect.username = Some("device-0042&a1b2c3d4e5".into());
    connect.password = Some(Bytes::from_static(
        b"b2488041f64f425016b467ee1c94959ebd592ad1",
    ));
    connect.will = Some(Will {
        topic: TopicName::from_static("devices/device-0042/status"),
        payload: Bytes::from_static(b"offline"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: if v5 {
            Properties::new().with_will_delay_interval(30)
        } else {
            Properties::new()
        },
    });
    if v5 {
        connect.properties = {
            let mut p = Properties::new();
            p.set_session_expiry_interval(Some(3600));
            p.set_receive_maximum(Some(64));
            p.set_maximum_packet_size(Some(1 << 20));
            p.set_topic_alias_maximum(Some(16));
            p.set_user_properties(vec![("fw".into(), "1.4.2".into())]);
            p
        };
    }
    connect
}
