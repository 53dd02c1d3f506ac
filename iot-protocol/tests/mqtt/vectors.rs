//! Replays the conformance vectors of `testdata/mqtt/` (format in `testdata/README.md` and at
//! the top of each file).

use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::*;
use toml::Value;

fn testdata(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/mqtt")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let vectors = doc["vector"].as_array().unwrap().clone();
    for v in &vectors {
        assert!(
            v.get("source").and_then(Value::as_str).is_some(),
            "{v:?} names no source"
        );
    }
    vectors
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn version(v: &Value) -> Option<ProtocolVersion> {
    match v["version"].as_str().unwrap() {
        "3.1.1" => Some(ProtocolVersion::V311),
        "5.0" => Some(ProtocolVersion::V5),
        "unknown" => None,
        other => panic!("unknown version {other}"),
    }
}

fn decoder(v: &Value) -> Decoder {
    let mut d = match version(v) {
        Some(ver) => Decoder::with_version(ver),
        None => Decoder::new(),
    };
    if let Some(max) = v.get("max_packet_size") {
        d.set_max_packet_size(u32::try_from(max.as_integer().unwrap()).unwrap());
    }
    if let Some(max) = v.get("topic_alias_maximum") {
        d.set_topic_alias_maximum(Some(u16::try_from(max.as_integer().unwrap()).unwrap()));
    }
    d
}

fn int<T: TryFrom<i64>>(t: &Value, key: &str) -> Option<T> {
    t.get(key)
        .map(|x| T::try_from(x.as_integer().unwrap()).ok().unwrap())
}

fn flag(t: &Value, key: &str) -> bool {
    t.get(key).map(|x| x.as_bool().unwrap()).unwrap_or(false)
}

fn string(t: &Value, key: &str) -> Option<MqttString> {
    t.get(key).map(|x| MqttString::from(x.as_str().unwrap()))
}

/// A topic name (the empty one stands for a PUBLISH with a Topic Alias).
fn topic_name(t: &Value, key: &str) -> TopicName {
    let s = string(t, key).unwrap();
    if s.is_empty() {
        TopicName::empty()
    } else {
        TopicName::new(s).unwrap()
    }
}

fn topic_filter(s: &str) -> TopicFilter {
    TopicFilter::new(s).unwrap()
}

/// Binary data: `key` as UTF-8 text, or `key_hex` as hex.
fn binary(t: &Value, key: &str) -> Option<Bytes> {
    if let Some(x) = t.get(key) {
        return Some(Bytes::from(x.as_str().unwrap().as_bytes().to_vec()));
    }
    t.get(format!("{key}_hex"))
        .map(|x| Bytes::from(hex(x.as_str().unwrap())))
}

fn qos(t: &Value, key: &str) -> QoS {
    QoS::from_u8(int(t, key).unwrap_or(0)).unwrap()
}

fn properties(t: &Value) -> Properties {
    let Some(p) = t.get("properties") else {
        return Properties::new();
    };
    let known = [
        "payload_format_indicator",
        "message_expiry_interval",
        "content_type",
        "response_topic",
        "correlation_data",
        "correlation_data_hex",
        "subscription_identifiers",
        "session_expiry_interval",
        "assigned_client_identifier",
        "server_keep_alive",
        "authentication_method",
        "authentication_data",
        "authentication_data_hex",
        "request_problem_information",
        "will_delay_interval",
        "request_response_information",
        "response_information",
        "server_reference",
        "reason_string",
        "receive_maximum",
        "topic_alias_maximum",
        "topic_alias",
        "maximum_qos",
        "retain_available",
        "user_properties",
        "maximum_packet_size",
        "wildcard_subscription_available",
        "subscription_identifier_available",
        "shared_subscription_available",
    ];
    for key in p.as_table().unwrap().keys() {
        assert!(known.contains(&key.as_str()), "unknown property key {key}");
    }
    let b = |k: &str| p.get(k).map(|x| x.as_bool().unwrap());
    let mut props = Properties::new();
    props.set_payload_format_indicator(int::<u8>(p, "payload_format_indicator").map(|x| match x {
        0 => PayloadFormat::Unspecified,
        _ => PayloadFormat::Utf8,
    }));
    props.set_message_expiry_interval(int(p, "message_expiry_interval"));
    props.set_content_type(string(p, "content_type"));
    props.set_response_topic(string(p, "response_topic"));
    props.set_correlation_data(binary(p, "correlation_data"));
    *props.subscription_identifiers_mut() = p
        .get("subscription_identifiers")
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|x| u32::try_from(x.as_integer().unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    props.set_session_expiry_interval(int(p, "session_expiry_interval"));
    props.set_assigned_client_identifier(string(p, "assigned_client_identifier"));
    props.set_server_keep_alive(int(p, "server_keep_alive"));
    props.set_authentication_method(string(p, "authentication_method"));
    props.set_authentication_data(binary(p, "authentication_data"));
    props.set_request_problem_information(b("request_problem_information"));
    props.set_will_delay_interval(int(p, "will_delay_interval"));
    props.set_request_response_information(b("request_response_information"));
    props.set_response_information(string(p, "response_information"));
    props.set_server_reference(string(p, "server_reference"));
    props.set_reason_string(string(p, "reason_string"));
    props.set_receive_maximum(int(p, "receive_maximum"));
    props.set_topic_alias_maximum(int(p, "topic_alias_maximum"));
    props.set_topic_alias(int(p, "topic_alias"));
    props.set_maximum_qos(int::<u8>(p, "maximum_qos").map(|x| QoS::from_u8(x).unwrap()));
    props.set_retain_available(b("retain_available"));
    *props.user_properties_mut() = p
        .get("user_properties")
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    let pair = pair.as_array().unwrap();
                    (
                        MqttString::from(pair[0].as_str().unwrap()),
                        MqttString::from(pair[1].as_str().unwrap()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    props.set_maximum_packet_size(int(p, "maximum_packet_size"));
    props.set_wildcard_subscription_available(b("wildcard_subscription_available"));
    props.set_subscription_identifier_available(b("subscription_identifier_available"));
    props.set_shared_subscription_available(b("shared_subscription_available"));
    props
}

fn codes<T>(t: &Value, from: fn(u8) -> Option<T>) -> Vec<T> {
    t.get("reason_codes")
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|x| from(u8::try_from(x.as_integer().unwrap()).unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn code<T>(t: &Value, from: fn(u8) -> Option<T>) -> T {
    from(int(t, "reason_code").unwrap_or(0)).unwrap()
}

/// Builds the packet a vector's `[vector.packet]` table describes.
fn packet(v: &Value) -> Packet {
    let t = &v["packet"];
    let id = || int::<u16>(t, "packet_id").unwrap_or(0);
    match t["type"].as_str().unwrap() {
        "CONNECT" => Packet::from(Connect {
            protocol_version: version(v).unwrap(),
            clean_start: flag(t, "clean_start"),
            keep_alive: int(t, "keep_alive").unwrap(),
            client_id: string(t, "client_id").unwrap(),
            will: t.get("will").map(|w| Will {
                topic: topic_name(w, "topic"),
                payload: binary(w, "payload").unwrap(),
                qos: qos(w, "qos"),
                retain: flag(w, "retain"),
                properties: properties(w),
            }),
            username: string(t, "username"),
            password: binary(t, "password"),
            properties: properties(t),
        }),
        "CONNACK" => Packet::ConnAck(ConnAck {
            session_present: flag(t, "session_present"),
            reason_code: code(t, ConnectReasonCode::from_u8),
            properties: properties(t),
        }),
        "PUBLISH" => Packet::Publish(Publish {
            dup: flag(t, "dup"),
            qos: qos(t, "qos"),
            retain: flag(t, "retain"),
            topic: topic_name(t, "topic"),
            packet_id: id(),
            properties: properties(t),
            payload: binary(t, "payload").unwrap(),
        }),
        "PUBACK" => Packet::PubAck(PubAck {
            packet_id: id(),
            reason_code: code(t, PubAckReasonCode::from_u8),
            properties: properties(t),
        }),
        "PUBREC" => Packet::PubRec(PubRec {
            packet_id: id(),
            reason_code: code(t, PubRecReasonCode::from_u8),
            properties: properties(t),
        }),
        "PUBREL" => Packet::PubRel(PubRel {
            packet_id: id(),
            reason_code: code(t, PubRelReasonCode::from_u8),
            properties: properties(t),
        }),
        "PUBCOMP" => Packet::PubComp(PubComp {
            packet_id: id(),
            reason_code: code(t, PubCompReasonCode::from_u8),
            properties: properties(t),
        }),
        "SUBSCRIBE" => Packet::Subscribe(Subscribe {
            packet_id: id(),
            subscriptions: t["subscriptions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| Subscription {
                    filter: topic_filter(s["filter"].as_str().unwrap()),
                    options: SubscriptionOptions {
                        qos: qos(s, "qos"),
                        no_local: flag(s, "no_local"),
                        retain_as_published: flag(s, "retain_as_published"),
                        retain_handling: match int::<u8>(s, "retain_handling").unwrap_or(0) {
                            0 => RetainHandling::SendAtSubscribe,
                            1 => RetainHandling::SendAtSubscribeIfNew,
                            _ => RetainHandling::DoNotSend,
                        },
                    },
                })
                .collect(),
            properties: properties(t),
        }),
        "SUBACK" => Packet::SubAck(SubAck {
            packet_id: id(),
            reason_codes: codes(t, SubAckReasonCode::from_u8),
            properties: properties(t),
        }),
        "UNSUBSCRIBE" => Packet::Unsubscribe(Unsubscribe {
            packet_id: id(),
            filters: t["filters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| topic_filter(f.as_str().unwrap()))
                .collect(),
            properties: properties(t),
        }),
        "UNSUBACK" => Packet::UnsubAck(UnsubAck {
            packet_id: id(),
            reason_codes: codes(t, UnsubAckReasonCode::from_u8),
            properties: properties(t),
        }),
        "PINGREQ" => Packet::PingReq(PingReq),
        "PINGRESP" => Packet::PingResp(PingResp),
        "DISCONNECT" => Packet::Disconnect(Disconnect {
            reason_code: code(t, DisconnectReasonCode::from_u8),
            properties: properties(t),
        }),
        "AUTH" => Packet::Auth(Auth {
            reason_code: code(t, AuthReasonCode::from_u8),
            properties: properties(t),
        }),
        other => panic!("unknown packet type {other}"),
    }
}

fn valid(file: &str) -> usize {
    let vectors = testdata(file);
    let mut types = std::collections::BTreeSet::new();
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        let expected = packet(v);
        types.insert(format!("{:?}", expected.packet_type()));

        // Decoding the whole packet gives the decoded form and consumes everything.
        let mut buf = BytesMut::from(&bytes[..]);
        let got = decoder(v).decode(&mut buf);
        assert_eq!(got, Ok(Some(expected.clone())), "{file}: {name}");
        assert!(buf.is_empty(), "{file}: {name}: bytes left over");

        // Every strict prefix is "not yet": Ok(None), nothing consumed.
        for cut in 0..bytes.len() {
            let mut buf = BytesMut::from(&bytes[..cut]);
            assert_eq!(
                decoder(v).decode(&mut buf),
                Ok(None),
                "{file}: {name}: prefix {cut}"
            );
            assert_eq!(buf.len(), cut, "{file}: {name}: prefix {cut} consumed");
        }

        // Encoding the decoded form gives the same bytes back (or, for vectors in another
        // valid order, bytes that decode to the same packet).
        let ver = version(v).unwrap();
        let mut out = BytesMut::new();
        encode(&expected, ver, &mut out).unwrap_or_else(|e| panic!("{file}: {name}: {e}"));
        if v.get("canonical").and_then(Value::as_bool).unwrap_or(true) {
            assert_eq!(
                hex_string(&out),
                hex_string(&bytes),
                "{file}: {name}: encoding"
            );
        } else {
            assert_ne!(
                hex_string(&out),
                hex_string(&bytes),
                "{file}: {name} is canonical"
            );
            let again = Decoder::with_version(ver).decode(&mut out).unwrap();
            assert_eq!(again, Some(expected), "{file}: {name}: re-decode");
        }
    }
    types.len()
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn v311_vectors_decode_and_encode() {
    // Every control packet of 3.1.1 (14: AUTH does not exist there).
    assert_eq!(valid("v311.toml"), 14);
}

#[test]
fn v5_vectors_decode_and_encode() {
    // Every control packet of 5.0 (15 with AUTH).
    assert_eq!(valid("v5.toml"), 15);
}

#[test]
fn malformed_vectors_give_their_specific_error() {
    let vectors = testdata("malformed.toml");
    assert!(vectors.len() >= 60);
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        let mut buf = BytesMut::from(&bytes[..]);
        let err = match decoder(v).decode(&mut buf) {
            Err(e) => e,
            Ok(p) => panic!("malformed.toml: {name}: decoded as {p:?}"),
        };
        let debug = format!("{err:?}");
        let variant = debug.split(|c: char| !c.is_alphanumeric()).next().unwrap();
        assert_eq!(
            variant,
            v["error"].as_str().unwrap(),
            "malformed.toml: {name}: {debug}"
        );
        if let Some(detail) = v.get("detail") {
            assert_eq!(debug, detail.as_str().unwrap(), "malformed.toml: {name}");
        }
        // The slice entry point agrees.
        let again = decoder(v).decode_slice(&bytes).map(|_| ());
        assert_eq!(again, Err(err), "malformed.toml: {name}: decode_slice");
    }
}
