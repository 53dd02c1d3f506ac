//! A few hand-checked packets end to end.

use bytes::BytesMut;
use iot_protocol::mqtt::*;

fn hex(s: &str) -> BytesMut {
    let s: String = s.split_whitespace().collect();
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    BytesMut::from(&bytes[..])
}

#[test]
fn pingreq_with_remaining_length_2_is_malformed() {
    let mut d = Decoder::with_version(ProtocolVersion::V311);
    let mut buf = hex("c0 02 d0 00");
    assert_eq!(
        d.decode(&mut buf),
        Err(DecodeError::InvalidRemainingLength {
            packet_type: PacketType::PingReq,
            remaining_length: 2
        })
    );
}

#[test]
fn publish_v311_spec_example() {
    // MQTT 3.1.1 §3.3.2.3: topic "a/b", packet identifier 10.
    let mut d = Decoder::with_version(ProtocolVersion::V311);
    let mut buf = hex("32 09 0003 612f62 000a 6869");
    let p = d.decode(&mut buf).unwrap().unwrap();
    let Packet::Publish(p) = p else { panic!() };
    assert_eq!(p.topic, "a/b");
    assert_eq!(p.packet_id, 10);
    assert_eq!(&p.payload[..], b"hi");
    let mut out = BytesMut::new();
    encode(&Packet::Publish(p), ProtocolVersion::V311, &mut out).unwrap();
    assert_eq!(out, hex("32 09 0003 612f62 000a 6869"));
}

/// The tokio-util adapter: a server codec learns the version from the CONNECT and answers in it.
#[cfg(feature = "tokio")]
#[test]
fn tokio_codec_server_follows_connect_version() {
    use tokio_util::codec::{Decoder as _, Encoder as _};
    let mut codec = MqttCodec::server();
    let mut connect = BytesMut::new();
    encode(
        &Packet::from(Connect::new(ProtocolVersion::V5, "dev")),
        ProtocolVersion::V5,
        &mut connect,
    )
    .unwrap();
    let mut partial = connect.split_to(4);
    assert!(codec.decode(&mut partial).unwrap().is_none());
    assert_eq!(partial.len(), 4);
    partial.unsplit(connect);
    assert!(matches!(
        codec.decode(&mut partial).unwrap(),
        Some(Packet::Connect(_))
    ));
    let mut out = BytesMut::new();
    let connack = ConnAck {
        session_present: false,
        reason_code: ConnectReasonCode::Success,
        properties: Properties::new(),
    };
    codec.encode(Packet::ConnAck(connack), &mut out).unwrap();
    assert_eq!(&out[..], &[0x20, 0x03, 0x00, 0x00, 0x00][..]);
    // A malformed packet surfaces as a typed decode error.
    let mut bad = hex("c0 02 d0 00");
    assert!(matches!(
        codec.decode(&mut bad),
        Err(CodecError::Decode(
            DecodeError::InvalidRemainingLength { .. }
        ))
    ));
}

/// The decoded packet stays small: every hand-over between decoder, session and application
/// moves it, and a large `Packet` made decoding slower than the peer codec (see BENCHMARKS.md).
/// Only the PUBLISH properties a device sends every time and the Will Delay Interval live
/// inline; the rest is one lazy heap block.
#[test]
fn packet_and_properties_stay_small() {
    assert!(size_of::<Properties>() <= 24, "{}", size_of::<Properties>());
    assert!(size_of::<Packet>() <= 96, "{}", size_of::<Packet>());
    // A set with only inline properties does not allocate; setting and then removing an
    // out-of-line one leaves a set equal to the empty one.
    let mut p = Properties::new()
        .with_topic_alias(3)
        .with_message_expiry_interval(60)
        .with_will_delay_interval(30);
    assert_eq!(
        p,
        Properties::new()
            .with_will_delay_interval(30)
            .with_message_expiry_interval(60)
            .with_topic_alias(3)
    );
    assert_ne!(p, Properties::new().with_topic_alias(3));
    assert_eq!(p.will_delay_interval(), Some(30));
    p.set_reason_string(Some("x".into()));
    p.set_reason_string(None);
    p.set_topic_alias(None);
    p.set_message_expiry_interval(None);
    assert!(!p.is_empty());
    p.set_will_delay_interval(None);
    assert!(p.is_empty());
    assert_eq!(p, Properties::new());
}
