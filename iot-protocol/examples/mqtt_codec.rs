//! Encodes an MQTT 5 session's worth of packets into one buffer, then decodes it back the way
//! a server reading a socket would: in small chunks, with the protocol version learnt from the
//! CONNECT.
//!
//! Run with `cargo run -p iot-protocol --example mqtt_codec`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use bytes::BytesMut;
use iot_protocol::mqtt::{
    Connect, Decoder, Disconnect, DisconnectReasonCode, Encoder, Packet, Properties,
    ProtocolVersion, Publish, QoS, Subscribe, Subscription, TopicFilter, TopicName,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let version = ProtocolVersion::V5;
    let mut connect = Connect::new(version, "thermostat-42");
    connect.properties.set_session_expiry_interval(Some(3600));
    connect.properties.set_topic_alias_maximum(Some(16));

    // Topic names and filters are checked when they are made, so the encoder need not scan
    // them again.
    let topic = TopicName::new("home/livingroom/temperature")?;
    let mut publish = Publish::new(topic, &b"21.5"[..]);
    publish.qos = QoS::AtLeastOnce;
    publish.packet_id = 1;
    publish.properties = {
        let mut p = Properties::new();
        p.set_message_expiry_interval(Some(60));
        p.set_content_type(Some("text/plain".into()));
        p.set_user_properties(vec![("unit".into(), "celsius".into())]);
        p
    };

    let subscribe = Subscribe {
        packet_id: 2,
        subscriptions: vec![Subscription::new(
            TopicFilter::new("home/+/setpoint")?,
            QoS::ExactlyOnce,
        )],
        properties: Properties::new(),
    };
    let disconnect = Disconnect {
        reason_code: DisconnectReasonCode::NormalDisconnection,
        properties: Properties::new(),
    };

    // Encode: each packet is validated, then written with an exact Remaining Length.
    let encoder = Encoder::new(version);
    let mut wire = BytesMut::new();
    for packet in [
        Packet::from(connect),
        Packet::Publish(publish),
        Packet::Subscribe(subscribe),
        Packet::Disconnect(disconnect),
    ] {
        encoder.encode(&packet, &mut wire)?;
    }
    println!("encoded {} bytes", wire.len());

    // A topic that breaks a rule cannot be made at all.
    let refused = TopicName::new("home/+/temperature").unwrap_err();
    println!("refused topic: {refused}");

    // An illegal packet is refused with a typed error, and nothing is written.
    let mut bad = Publish::new(
        TopicName::from_static("home/livingroom/humidity"),
        &b"x"[..],
    );
    bad.packet_id = 9; // a packet identifier on a QoS 0 PUBLISH
    let before = wire.len();
    let err = encoder
        .encode(&Packet::Publish(bad), &mut wire)
        .unwrap_err();
    println!("refused: {err}");
    assert_eq!(wire.len(), before);

    // Decode as a server would: the decoder starts without a version and learns it from the
    // CONNECT; bytes arrive 7 at a time.
    let mut decoder = Decoder::new();
    let mut received = BytesMut::new();
    for chunk in wire.chunks(7) {
        received.extend_from_slice(chunk);
        while let Some(packet) = decoder.decode(&mut received)? {
            println!("{:?}: {:?}", packet.packet_type(), packet);
        }
    }
    println!("protocol version: {:?}", decoder.protocol_version());
    Ok(())
}
