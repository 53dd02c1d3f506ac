//! Every `EncodeError`: a packet that cannot be legal is refused, and nothing is written.

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::*;
use iot_protocol::topic::TopicError;

const V3: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn refused(version: ProtocolVersion, packet: impl Into<Packet>) -> EncodeError {
    let packet = packet.into();
    let mut dst = BytesMut::from(&b"keep"[..]);
    let err = Encoder::new(version).encode(&packet, &mut dst).unwrap_err();
    assert_eq!(&dst[..], b"keep", "{err}: bytes were written");
    assert_eq!(Encoder::new(version).encoded_len(&packet), Err(err));
    err
}

fn publish(topic: &str, qos: QoS, id: u16) -> Publish {
    let topic = if topic.is_empty() {
        TopicName::empty()
    } else {
        TopicName::new(topic).unwrap()
    };
    let mut p = Publish::new(topic, &b"x"[..]);
    p.qos = qos;
    p.packet_id = id;
    p
}

#[test]
fn publish_rules() {
    // A topic name that breaks a rule cannot be made, so no PUBLISH can carry one.
    assert_eq!(TopicName::new("a/+"), Err(TopicError::WildcardInTopicName));
    assert_eq!(TopicName::new("a/#"), Err(TopicError::WildcardInTopicName));
    assert_eq!(TopicName::new("a\0b"), Err(TopicError::NullCharacter));
    assert_eq!(TopicName::new(""), Err(TopicError::Empty));
    assert_eq!(
        TopicName::new("a".repeat(65_536)),
        Err(TopicError::TooLong { len: 65_536 })
    );
    // The empty name exists for a Topic Alias only: refused without one, and always in 3.1.1.
    assert_eq!(
        refused(V5, publish("", QoS::AtMostOnce, 0)),
        EncodeError::InvalidTopicName(TopicError::Empty)
    );
    let mut aliased = publish("", QoS::AtMostOnce, 0);
    aliased.properties.set_topic_alias(Some(3));
    assert_eq!(
        refused(V3, aliased.clone()),
        EncodeError::InvalidTopicName(TopicError::Empty)
    );
    assert!(Encoder::new(V5).encoded_len(&aliased.into()).is_ok());
    assert_eq!(
        refused(V3, publish("a", QoS::AtMostOnce, 3)),
        EncodeError::PacketIdentifierWithQoS0
    );
    assert_eq!(
        refused(V3, publish("a", QoS::AtLeastOnce, 0)),
        EncodeError::PacketIdentifierZero
    );
    let mut dup = publish("a", QoS::AtMostOnce, 0);
    dup.dup = true;
    assert_eq!(refused(V3, dup), EncodeError::DupWithQoS0);
    let mut alias0 = publish("a", QoS::AtMostOnce, 0);
    alias0.properties.set_topic_alias(Some(0));
    assert_eq!(refused(V5, alias0), EncodeError::InvalidPropertyValue(0x23));
    let mut not_allowed = publish("a", QoS::AtMostOnce, 0);
    not_allowed.properties.set_session_expiry_interval(Some(1));
    assert_eq!(
        refused(V5, not_allowed),
        EncodeError::PropertyNotAllowed {
            id: 0x11,
            packet_type: PacketType::Publish
        }
    );
    let mut response = publish("a", QoS::AtMostOnce, 0);
    response.properties.set_response_topic(Some("r/#".into()));
    assert_eq!(
        refused(V5, response),
        EncodeError::InvalidTopicName(TopicError::WildcardInTopicName)
    );
    let mut sub_id = publish("a", QoS::AtMostOnce, 0);
    sub_id
        .properties
        .set_subscription_identifiers(vec![268_435_456]);
    assert_eq!(refused(V5, sub_id), EncodeError::InvalidPropertyValue(0x0b));
}

#[test]
fn sizes() {
    let mut big = publish("a", QoS::AtMostOnce, 0);
    big.payload = Bytes::from(vec![0u8; 100]);
    let mut enc = Encoder::new(V3);
    enc.set_max_packet_size(100);
    let mut dst = BytesMut::new();
    assert_eq!(
        enc.encode(&Packet::Publish(big), &mut dst),
        Err(EncodeError::PacketTooLarge {
            size: 105,
            max: 100
        })
    );
    assert!(dst.is_empty());
    let long = "x".repeat(65_536);
    assert_eq!(
        refused(V5, Connect::new(V5, long.as_str())),
        EncodeError::FieldTooLong { len: 65_536 }
    );
    let mut user = Connect::new(V5, "c");
    user.properties
        .set_user_properties(vec![("a\0".into(), "b".into())]);
    assert_eq!(refused(V5, user), EncodeError::NullCharacter);
}

#[test]
fn version_rules() {
    assert_eq!(
        refused(
            V3,
            Auth {
                reason_code: AuthReasonCode::Success,
                properties: Properties::new()
            }
        ),
        EncodeError::PacketNotInVersion
    );
    let mut connect = Connect::new(V3, "c");
    connect.properties.set_session_expiry_interval(Some(5));
    assert_eq!(refused(V3, connect), EncodeError::PropertiesNotInVersion);
    let mut connect = Connect::new(V3, "c");
    connect.password = Some(Bytes::from_static(b"pw"));
    assert_eq!(refused(V3, connect), EncodeError::PasswordWithoutUsername);
    let mut ack = PubAck::new(1);
    ack.reason_code = PubAckReasonCode::NotAuthorized;
    assert_eq!(refused(V3, ack), EncodeError::ReasonCodeNotInVersion(0x87));
    let connack = ConnAck {
        session_present: false,
        reason_code: ConnectReasonCode::Banned,
        properties: Properties::new(),
    };
    assert_eq!(
        refused(V3, connack),
        EncodeError::ReasonCodeNotInVersion(0x8a)
    );
    let suback = SubAck {
        packet_id: 1,
        reason_codes: vec![SubAckReasonCode::QuotaExceeded],
        properties: Properties::new(),
    };
    assert_eq!(
        refused(V3, suback),
        EncodeError::ReasonCodeNotInVersion(0x97)
    );
    let disconnect = Disconnect {
        reason_code: DisconnectReasonCode::ServerBusy,
        properties: Properties::new(),
    };
    assert_eq!(
        refused(V3, disconnect),
        EncodeError::ReasonCodeNotInVersion(0x89)
    );
    let mut sub = Subscription::new(TopicFilter::from_static("a"), QoS::AtLeastOnce);
    sub.options.no_local = true;
    let subscribe = Subscribe {
        packet_id: 1,
        subscriptions: vec![sub],
        properties: Properties::new(),
    };
    assert_eq!(
        refused(V3, subscribe),
        EncodeError::SubscriptionOptionsNotInVersion
    );
}

#[test]
fn v311_publish_leaves_properties_out() {
    // Forwarding a 5.0 message to a 3.1.1 subscriber: the properties are not expressible.
    let mut p = publish("a/b", QoS::AtLeastOnce, 9);
    p.properties.set_message_expiry_interval(Some(60));
    p.properties
        .set_user_properties(vec![("k".into(), "v".into())]);
    let mut dst = BytesMut::new();
    Encoder::new(V3)
        .encode(&Packet::Publish(p), &mut dst)
        .unwrap();
    assert_eq!(
        &dst[..],
        &[0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x09, b'x'][..]
    );
}

#[test]
fn structural_rules() {
    let empty = Subscribe {
        packet_id: 1,
        subscriptions: vec![],
        properties: Properties::new(),
    };
    assert_eq!(refused(V5, empty), EncodeError::EmptyPayload);
    let empty = Unsubscribe {
        packet_id: 1,
        filters: vec![],
        properties: Properties::new(),
    };
    assert_eq!(refused(V3, empty), EncodeError::EmptyPayload);
    let empty = SubAck {
        packet_id: 1,
        reason_codes: vec![],
        properties: Properties::new(),
    };
    assert_eq!(refused(V5, empty), EncodeError::EmptyPayload);
    let empty = UnsubAck {
        packet_id: 1,
        reason_codes: vec![],
        properties: Properties::new(),
    };
    assert_eq!(refused(V5, empty), EncodeError::EmptyPayload);
    assert_eq!(
        refused(V5, PubRel::new(0)),
        EncodeError::PacketIdentifierZero
    );
    // A filter that breaks a rule cannot be made, so no SUBSCRIBE or UNSUBSCRIBE can carry one.
    assert_eq!(
        TopicFilter::new("a/#/b"),
        Err(TopicError::MisplacedMultiLevelWildcard)
    );
    assert_eq!(
        TopicFilter::new("a+/b"),
        Err(TopicError::MisplacedSingleLevelWildcard)
    );
    assert_eq!(
        TopicFilter::new("$share//a"),
        Err(TopicError::InvalidShareName)
    );
    assert_eq!(TopicFilter::new(""), Err(TopicError::Empty));
    let mut shared = Subscription::new(TopicFilter::from_static("$share/g/a"), QoS::AtMostOnce);
    shared.options.no_local = true;
    let subscribe = Subscribe {
        packet_id: 1,
        subscriptions: vec![shared],
        properties: Properties::new(),
    };
    assert_eq!(
        refused(V5, subscribe),
        EncodeError::NoLocalOnSharedSubscription
    );
    let two_ids = Subscribe {
        packet_id: 1,
        subscriptions: vec![Subscription::new(
            TopicFilter::from_static("a"),
            QoS::AtMostOnce,
        )],
        properties: {
            let mut p = Properties::new();
            p.set_subscription_identifiers(vec![1, 2]);
            p
        },
    };
    assert_eq!(
        refused(V5, two_ids),
        EncodeError::InvalidPropertyValue(0x0b)
    );
    let connack = ConnAck {
        session_present: true,
        reason_code: ConnectReasonCode::NotAuthorized,
        properties: Properties::new(),
    };
    assert_eq!(refused(V5, connack), EncodeError::SessionPresentWithError);
    let mut will_props = Connect::new(V5, "c");
    will_props.will = Some(Will {
        topic: TopicName::from_static("w"),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::new().with_topic_alias(1),
    });
    assert_eq!(
        refused(V5, will_props),
        EncodeError::PropertyNotAllowed {
            id: 0x23,
            packet_type: PacketType::Connect
        }
    );
    // A Will Topic has no alias to stand in for it: the empty name is refused.
    for version in [V3, V5] {
        let mut empty_will = Connect::new(version, "c");
        empty_will.will = Some(Will {
            topic: TopicName::empty(),
            payload: Bytes::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::new(),
        });
        assert_eq!(
            refused(version, empty_will),
            EncodeError::InvalidTopicName(TopicError::Empty)
        );
    }
}

/// `from_static` is for literals: a literal that breaks a rule is a bug in the caller and
/// panics with the rule's name, instead of producing a value the encoder would trust.
#[test]
#[should_panic(expected = "invalid topic name \"a/+/b\"")]
fn topic_name_from_static_refuses_a_wildcard() {
    let _ = TopicName::from_static("a/+/b");
}

#[test]
#[should_panic(expected = "invalid topic filter \"a/#/b\"")]
fn topic_filter_from_static_refuses_a_misplaced_hash() {
    let _ = TopicFilter::from_static("a/#/b");
}

/// The checked types convert both ways without losing the check or the bytes.
#[test]
fn checked_topic_conversions() {
    let name: TopicName = "sensors/1/temp".parse().unwrap();
    assert_eq!(
        name,
        TopicName::try_from(String::from("sensors/1/temp")).unwrap()
    );
    assert_eq!(MqttString::from(name.clone()), "sensors/1/temp");
    assert_eq!(
        TopicName::try_from(MqttString::from("a/#")),
        Err(TopicError::WildcardInTopicName)
    );
    let filter = TopicFilter::try_from("$share/g/sensors/+").unwrap();
    assert!(filter.is_shared());
    assert_eq!(filter.as_str(), "$share/g/sensors/+");
    assert_eq!(filter.into_inner(), "$share/g/sensors/+");
    assert!(!TopicFilter::from_static("sensors/#").is_shared());
}
