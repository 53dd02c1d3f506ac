//! Property tests: round trips for generated packets of both versions, streaming at arbitrary
//! split points, and arbitrary or mutated bytes that must never panic.

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::*;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![Just(ProtocolVersion::V311), Just(ProtocolVersion::V5)]
}

fn text() -> impl Strategy<Value = MqttString> {
    "[a-zA-Z0-9 _/é€-]{0,12}".prop_map(MqttString::from)
}

fn topic_name() -> impl Strategy<Value = TopicName> {
    "[a-z0-9é$]{1,6}(/[a-z0-9é]{0,6}){0,3}".prop_map(|s| TopicName::new(s).unwrap())
}

fn topic_filter() -> impl Strategy<Value = TopicFilter> {
    (
        prop::collection::vec(prop_oneof!["[a-z0-9]{0,5}", Just("+".to_owned())], 1..4),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str("/#");
            }
            if f.is_empty() {
                f.push('#');
            }
            TopicFilter::new(f).unwrap()
        })
}

fn binary() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..40).prop_map(Bytes::from)
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn nonzero_u16() -> impl Strategy<Value = u16> {
    1..=u16::MAX
}

/// Every property with a legal value (or absent); narrowed to a context by [`restrict`].
fn any_properties() -> impl Strategy<Value = Properties> {
    let a = (
        prop::option::of(prop_oneof![
            Just(PayloadFormat::Unspecified),
            Just(PayloadFormat::Utf8)
        ]),
        prop::option::of(any::<u32>()),
        prop::option::of(text()),
        prop::option::of(topic_name()),
        prop::option::of(binary()),
        prop::collection::vec(1u32..=268_435_455, 0..3),
        prop::option::of(any::<u32>()),
        prop::option::of(text()),
        prop::option::of(any::<u16>()),
    );
    let b = (
        prop::option::of(text()),
        prop::option::of(binary()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<bool>()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(nonzero_u16()),
    );
    let c = (
        prop::option::of(any::<u16>()),
        prop::option::of(nonzero_u16()),
        prop::option::of(prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]),
        prop::option::of(any::<bool>()),
        prop::collection::vec((text(), text()), 0..4),
        prop::option::of(1u32..),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
    );
    (a, b, c).prop_map(|(a, b, c)| {
        let mut p = Properties::new();
        p.set_payload_format_indicator(a.0);
        p.set_message_expiry_interval(a.1);
        p.set_content_type(a.2);
        p.set_response_topic(a.3.map(MqttString::from));
        p.set_correlation_data(a.4);
        p.set_subscription_identifiers(a.5);
        p.set_session_expiry_interval(a.6);
        p.set_assigned_client_identifier(a.7);
        p.set_server_keep_alive(a.8);
        p.set_authentication_method(b.0);
        p.set_authentication_data(b.1);
        p.set_request_problem_information(b.2);
        p.set_will_delay_interval(b.3);
        p.set_request_response_information(b.4);
        p.set_response_information(b.5);
        p.set_server_reference(b.6);
        p.set_reason_string(b.7);
        p.set_receive_maximum(b.8);
        p.set_topic_alias_maximum(c.0);
        p.set_topic_alias(c.1);
        p.set_maximum_qos(c.2);
        p.set_retain_available(c.3);
        p.set_user_properties(c.4);
        p.set_maximum_packet_size(c.5);
        p.set_wildcard_subscription_available(c.6);
        p.set_subscription_identifier_available(c.7);
        p.set_shared_subscription_available(c.8);
        p
    })
}

/// Clears what `context` does not allow (and everything in 3.1.1).
fn restrict(mut p: Properties, context: PropertyContext, v: ProtocolVersion) -> Properties {
    if v == ProtocolVersion::V311 {
        return Properties::new();
    }
    let ok = |id: PropertyId| id.allowed_in(context);
    macro_rules! keep {
        ($($set:ident: $id:ident),+) => {$(
            if !ok(PropertyId::$id) {
                p.$set(None);
            }
        )+};
    }
    keep!(
        set_payload_format_indicator: PayloadFormatIndicator,
        set_message_expiry_interval: MessageExpiryInterval,
        set_content_type: ContentType,
        set_response_topic: ResponseTopic,
        set_correlation_data: CorrelationData,
        set_session_expiry_interval: SessionExpiryInterval,
        set_assigned_client_identifier: AssignedClientIdentifier,
        set_server_keep_alive: ServerKeepAlive,
        set_authentication_method: AuthenticationMethod,
        set_authentication_data: AuthenticationData,
        set_request_problem_information: RequestProblemInformation,
        set_will_delay_interval: WillDelayInterval,
        set_request_response_information: RequestResponseInformation,
        set_response_information: ResponseInformation,
        set_server_reference: ServerReference,
        set_reason_string: ReasonString,
        set_receive_maximum: ReceiveMaximum,
        set_topic_alias_maximum: TopicAliasMaximum,
        set_topic_alias: TopicAlias,
        set_maximum_qos: MaximumQoS,
        set_retain_available: RetainAvailable,
        set_maximum_packet_size: MaximumPacketSize,
        set_wildcard_subscription_available: WildcardSubscriptionAvailable,
        set_subscription_identifier_available: SubscriptionIdentifierAvailable,
        set_shared_subscription_available: SharedSubscriptionAvailable
    );
    if !ok(PropertyId::SubscriptionIdentifier) {
        p.subscription_identifiers_mut().clear();
    }
    if !ok(PropertyId::UserProperty) {
        p.user_properties_mut().clear();
    }
    if context == PropertyContext::Packet(PacketType::Subscribe) {
        p.subscription_identifiers_mut().truncate(1);
    }
    p
}

fn props(t: PacketType, v: ProtocolVersion) -> impl Strategy<Value = Properties> {
    any_properties().prop_map(move |p| restrict(p, PropertyContext::Packet(t), v))
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

/// A legal packet of version `v`.
fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let v5 = v == ProtocolVersion::V5;
    let connect = (
        (any::<bool>(), any::<u16>(), text()),
        prop::option::of((
            topic_name(),
            binary(),
            qos(),
            any::<bool>(),
            any_properties(),
        )),
        prop::option::of(text()),
        prop::option::of(binary()),
        props(PacketType::Connect, v),
    )
        .prop_map(
            move |((clean_start, keep_alive, client_id), will, username, password, properties)| {
                // 3.1.1 §3.1.2.9: no password without a user name.
                let password = if v5 || username.is_some() {
                    password
                } else {
                    None
                };
                Packet::from(Connect {
                    protocol_version: v,
                    clean_start,
                    keep_alive,
                    client_id,
                    will: will.map(|(topic, payload, qos, retain, p)| Will {
                        topic,
                        payload,
                        qos,
                        retain,
                        properties: restrict(p, PropertyContext::Will, v),
                    }),
                    username,
                    password,
                    properties,
                })
            },
        );
    let connack_codes: &'static [ConnectReasonCode] = if v5 {
        ConnectReasonCode::ALL
    } else {
        &[
            ConnectReasonCode::Success,
            ConnectReasonCode::UnsupportedProtocolVersion,
            ConnectReasonCode::ClientIdentifierNotValid,
            ConnectReasonCode::ServerUnavailable,
            ConnectReasonCode::BadUserNameOrPassword,
            ConnectReasonCode::NotAuthorized,
        ]
    };
    let connack = (
        any::<bool>(),
        pick(connack_codes),
        props(PacketType::ConnAck, v),
    )
        .prop_map(|(sp, reason_code, properties)| {
            Packet::ConnAck(ConnAck {
                session_present: sp && reason_code == ConnectReasonCode::Success,
                reason_code,
                properties,
            })
        });
    let publish = (
        (
            any::<bool>(),
            qos(),
            any::<bool>(),
            topic_name(),
            nonzero_u16(),
        ),
        binary(),
        props(PacketType::Publish, v),
    )
        .prop_map(|((dup, qos, retain, topic, id), payload, properties)| {
            let zero = qos == QoS::AtMostOnce;
            Packet::Publish(Publish {
                dup: dup && !zero,
                qos,
                retain,
                topic,
                packet_id: if zero { 0 } else { id },
                properties,
                payload,
            })
        });
    macro_rules! ack {
        ($variant:ident, $code:ident) => {
            (
                nonzero_u16(),
                pick($code::ALL),
                props(PacketType::$variant, v),
            )
                .prop_map(move |(packet_id, code, properties)| {
                    Packet::$variant($variant {
                        packet_id,
                        reason_code: if v5 { code } else { $code::Success },
                        properties,
                    })
                })
        };
    }
    let subscribe = (
        nonzero_u16(),
        prop::collection::vec(
            (topic_filter(), qos(), any::<bool>(), any::<bool>(), 0u8..3),
            1..5,
        ),
        props(PacketType::Subscribe, v),
    )
        .prop_map(move |(packet_id, subs, properties)| {
            Packet::Subscribe(Subscribe {
                packet_id,
                subscriptions: subs
                    .into_iter()
                    .map(|(filter, qos, nl, rap, rh)| Subscription {
                        filter,
                        options: SubscriptionOptions {
                            qos,
                            no_local: nl && v5,
                            retain_as_published: rap && v5,
                            retain_handling: match rh {
                                _ if !v5 => RetainHandling::SendAtSubscribe,
                                0 => RetainHandling::SendAtSubscribe,
                                1 => RetainHandling::SendAtSubscribeIfNew,
                                _ => RetainHandling::DoNotSend,
                            },
                        },
                    })
                    .collect(),
                properties,
            })
        });
    let suback = (
        nonzero_u16(),
        prop::collection::vec(pick(SubAckReasonCode::ALL), 1..5),
        props(PacketType::SubAck, v),
    )
        .prop_map(move |(packet_id, codes, properties)| {
            Packet::SubAck(SubAck {
                packet_id,
                reason_codes: codes.into_iter().filter(|c| v5 || c.is_v311()).collect(),
                properties,
            })
        })
        .prop_filter(
            "SUBACK needs a code",
            |p| matches!(p, Packet::SubAck(s) if !s.reason_codes.is_empty()),
        );
    let unsubscribe = (
        nonzero_u16(),
        prop::collection::vec(topic_filter(), 1..4),
        props(PacketType::Unsubscribe, v),
    )
        .prop_map(|(packet_id, filters, properties)| {
            Packet::Unsubscribe(Unsubscribe {
                packet_id,
                filters,
                properties,
            })
        });
    let unsuback = (
        nonzero_u16(),
        prop::collection::vec(pick(UnsubAckReasonCode::ALL), 1..4),
        props(PacketType::UnsubAck, v),
    )
        .prop_map(move |(packet_id, codes, properties)| {
            Packet::UnsubAck(UnsubAck {
                packet_id,
                reason_codes: if v5 { codes } else { Vec::new() },
                properties,
            })
        });
    let disconnect = (
        pick(DisconnectReasonCode::ALL),
        props(PacketType::Disconnect, v),
    )
        .prop_map(move |(code, properties)| {
            Packet::Disconnect(Disconnect {
                reason_code: if v5 {
                    code
                } else {
                    DisconnectReasonCode::NormalDisconnection
                },
                properties,
            })
        });
    let common = prop_oneof![
        1 => connect,
        1 => connack,
        2 => publish,
        1 => ack!(PubAck, PubAckReasonCode),
        1 => ack!(PubRec, PubRecReasonCode),
        1 => ack!(PubRel, PubRelReasonCode),
        1 => ack!(PubComp, PubCompReasonCode),
        1 => subscribe,
        1 => suback,
        1 => unsubscribe,
        1 => unsuback,
        1 => Just(Packet::PingReq(PingReq)),
        1 => Just(Packet::PingResp(PingResp)),
        1 => disconnect,
    ];
    if v5 {
        let auth = (pick(AuthReasonCode::ALL), props(PacketType::Auth, v)).prop_map(
            |(reason_code, properties)| {
                Packet::Auth(Auth {
                    reason_code,
                    properties,
                })
            },
        );
        prop_oneof![14 => common, 1 => auth].boxed()
    } else {
        common.boxed()
    }
}

fn versioned_packets(max: usize) -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>)> {
    version().prop_flat_map(move |v| (Just(v), prop::collection::vec(packet(v), 1..max)))
}

fn encode_all(v: ProtocolVersion, packets: &[Packet]) -> BytesMut {
    let enc = Encoder::new(v);
    let mut buf = BytesMut::new();
    for p in packets {
        let before = buf.len();
        enc.encode(p, &mut buf).unwrap();
        assert_eq!(buf.len() - before, enc.encoded_len(p).unwrap());
    }
    buf
}

/// Decodes everything `buf` holds; the CONNECT (if any) is decoded like every other packet.
fn decode_all(d: &mut Decoder, buf: &mut BytesMut, out: &mut Vec<Packet>) {
    while let Some(p) = d.decode(buf).unwrap() {
        out.push(p);
    }
}

proptest! {
    #![proptest_config(config())]

    /// decode(encode(p)) == p, for every packet type of both versions.
    #[test]
    fn round_trip((v, packets) in versioned_packets(2)) {
        let p = &packets[0];
        let mut buf = encode_all(v, std::slice::from_ref(p));
        let len = buf.len();
        let mut d = Decoder::with_version(v);
        d.set_max_packet_size(u32::try_from(len).unwrap());
        prop_assert_eq!(d.decode(&mut buf), Ok(Some(p.clone())));
        prop_assert!(buf.is_empty());
        // One byte under the limit is refused from the header.
        if len > 2 {
            let mut d = Decoder::with_version(v);
            d.set_max_packet_size(u32::try_from(len - 1).unwrap());
            let again = encode_all(v, std::slice::from_ref(p));
            let refused = matches!(
                d.decode(&mut again.clone()),
                Err(DecodeError::PacketTooLarge { .. })
            );
            prop_assert!(refused);
        }
    }

    /// A stream cut at arbitrary points decodes to the same packets as the whole stream, and
    /// a cut never consumes a partial packet.
    #[test]
    fn streaming_split_anywhere(
        (v, packets) in versioned_packets(6),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let whole = encode_all(v, &packets);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(whole.len() + 1)).collect();
        points.push(whole.len());
        points.sort_unstable();
        let mut d = Decoder::with_version(v);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut at = 0;
        for p in points {
            buf.extend_from_slice(&whole[at..p]);
            at = p;
            decode_all(&mut d, &mut buf, &mut got);
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, packets);
    }

    /// Arbitrary bytes never panic, and a packet never claims more bytes than were given.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        v in prop::option::of(version()),
    ) {
        check_input(&bytes, v);
    }

    /// Valid packets with one byte changed, inserted or removed: never a panic, and whatever
    /// still decodes re-encodes to a packet that decodes the same.
    #[test]
    fn mutated_packets_never_panic(
        (v, packets) in versioned_packets(3),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        op in 0u8..3,
    ) {
        let mut bytes = encode_all(v, &packets).to_vec();
        let i = at.index(bytes.len());
        match op {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => { bytes.remove(i); }
        }
        check_input(&bytes, Some(v));
    }
}

fn check_input(bytes: &[u8], v: Option<ProtocolVersion>) {
    let mut d = match v {
        Some(v) => Decoder::with_version(v),
        None => Decoder::new(),
    };
    let mut buf = BytesMut::from(bytes);
    loop {
        let before = buf.len();
        match d.decode(&mut buf) {
            Ok(Some(p)) => {
                let used = before - buf.len();
                assert!(used >= 2 && used <= before);
                // What decodes is legal: it re-encodes, no larger, and decodes the same.
                let ver = d.protocol_version().unwrap();
                let mut out = BytesMut::new();
                Encoder::new(ver)
                    .encode(&p, &mut out)
                    .unwrap_or_else(|e| panic!("{p:?} decoded but does not encode: {e}"));
                assert!(out.len() <= used, "{p:?}");
                let again = Decoder::with_version(ver).decode(&mut out).unwrap();
                assert_eq!(again, Some(p));
            }
            Ok(None) => {
                assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                break;
            }
            Err(_) => break,
        }
    }
}

/// Strings built from the characters topic rules care about.
fn topicish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a"),
            Just("/"),
            Just("+"),
            Just("#"),
            Just("$"),
            Just("\0"),
            Just("$share/"),
            Just("é"),
            Just("abcdefghijklmnop"),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config())]

    /// The decoder's topic checks (one-pass scans for the common case) agree with the topic
    /// module (the reference) on every input: an UNSUBSCRIBE is accepted exactly when
    /// `validate_topic_filter` accepts its filter, a PUBLISH exactly when `validate_topic_name`
    /// accepts its topic, each with the matching error otherwise; `TopicFilter::new` and
    /// `TopicName::new` give the reference's answer.
    #[test]
    fn filter_and_name_checks_agree_with_topic_module(s in topicish()) {
        use iot_protocol::topic::{validate_topic_filter, validate_topic_name, TopicError};
        let expect = |e: TopicError, wrap: fn(TopicError) -> DecodeError| match e {
            TopicError::NullCharacter => DecodeError::NullCharacter,
            e => wrap(e),
        };
        let field = |s: &str| {
            let mut f = u16::try_from(s.len()).unwrap().to_be_bytes().to_vec();
            f.extend_from_slice(s.as_bytes());
            f
        };
        let frame = |byte1: u8, body: Vec<u8>| BytesMut::from(&with_fixed_header(byte1, body)[..]);

        prop_assert_eq!(TopicFilter::new(s.as_str()).map(|_| ()), validate_topic_filter(&s));
        let mut body = vec![0, 1];
        body.extend(field(&s));
        let got = Decoder::with_version(ProtocolVersion::V311)
            .decode(&mut frame(0xA2, body))
            .map(|p| p.is_some());
        let want = validate_topic_filter(&s)
            .map(|()| true)
            .map_err(|e| expect(e, DecodeError::InvalidTopicFilter));
        prop_assert_eq!(got, want);

        prop_assert_eq!(TopicName::new(s.as_str()).map(|_| ()), validate_topic_name(&s));
        let mut body = field(&s);
        body.push(0); // an empty property list
        let got = Decoder::with_version(ProtocolVersion::V5)
            .decode(&mut frame(0x30, body))
            .map(|p| p.is_some());
        let want = validate_topic_name(&s)
            .map(|()| true)
            .map_err(|e| expect(e, DecodeError::InvalidTopicName));
        prop_assert_eq!(got, want);
    }
}

/// The bytes of a PUBLISH-like frame: any flags, a topic from `topicish`, an optional packet
/// identifier, a 5.0 property list (empty, a Topic Alias, a broken one, or none at all) and a
/// payload long enough to need a two-byte Remaining Length at times.
fn publishish() -> impl Strategy<Value = (ProtocolVersion, Vec<u8>)> {
    (
        version(),
        0u8..16,
        // Mostly names the short path takes (plain ASCII, up to 130 bytes), some that it
        // leaves to the general parser.
        prop_oneof![
            3 => "[a-z0-9/$_-]{1,130}",
            1 => topicish(),
        ],
        prop::option::of(prop_oneof![Just(0u16), 1u16..4]),
        prop_oneof![
            Just(vec![]),
            Just(vec![0]),
            Just(vec![3, 0x23, 0, 7]),
            Just(vec![3, 0x23, 0, 0]),
            Just(vec![5]),
        ],
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(v, flags, topic, id, props, payload)| {
            let mut body = u16::try_from(topic.len()).unwrap().to_be_bytes().to_vec();
            body.extend_from_slice(topic.as_bytes());
            if let Some(id) = id {
                body.extend_from_slice(&id.to_be_bytes());
            }
            body.extend(props);
            body.extend(payload);
            (v, with_fixed_header(0x30 | flags, body))
        })
}

/// `body` behind a fixed header: the first byte `byte1` and the Remaining Length.
fn with_fixed_header(byte1: u8, body: Vec<u8>) -> Vec<u8> {
    let mut out = vec![byte1];
    let mut n = body.len();
    loop {
        let b = u8::try_from(n % 128).unwrap();
        n /= 128;
        out.push(if n > 0 { b | 0x80 } else { b });
        if n == 0 {
            break;
        }
    }
    out.extend(body);
    out
}

proptest! {
    #![proptest_config(config())]

    /// The streaming entry points take the common PUBLISH by a shorter path than the general
    /// parser. On any PUBLISH-like frame, with or without a known protocol version, with a size
    /// limit around the frame's size or none, followed by other bytes or cut short, `decode`,
    /// `decode_bytes` and `decode_slice` give what `decode_frame` (the general parser alone)
    /// gives on the frame: the same packet or the same error. A decoded packet takes exactly its
    /// frame and leaves the bytes after it; a prefix gives `Ok(None)` and consumes nothing, or
    /// the fixed-header error the whole frame gets.
    #[test]
    fn publish_fast_path_agrees_with_general_parser(
        (v, bytes) in publishish(),
        known in any::<bool>(),
        limit in prop::option::of(-3i64..=3),
        after in prop::collection::vec(any::<u8>(), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let len = i64::try_from(bytes.len()).unwrap();
        let decoder = || {
            let mut d = if known { Decoder::with_version(v) } else { Decoder::new() };
            if let Some(delta) = limit {
                d.set_max_packet_size(u32::try_from((len + delta).max(2)).unwrap());
            }
            d
        };
        let general = decoder().decode_frame(&Bytes::from(bytes.clone()));
        let mut input = bytes.clone();
        input.extend_from_slice(&after);

        let mut buf = BytesMut::from(&input[..]);
        let got = decoder().decode(&mut buf);
        prop_assert_eq!(&got, &general.clone().map(Some));
        if got.is_ok() {
            prop_assert_eq!(&buf[..], &after[..]);
        }
        let mut b = Bytes::from(input.clone());
        let got = decoder().decode_bytes(&mut b);
        prop_assert_eq!(&got, &general.clone().map(Some));
        if got.is_ok() {
            prop_assert_eq!(&b[..], &after[..]);
        }
        prop_assert_eq!(
            decoder().decode_slice(&input),
            general.clone().map(|p| Some((p, bytes.len())))
        );

        let n = cut.index(bytes.len());
        let header_error = |e: DecodeError| general.clone().map(|_| ()) == Err(e);
        let mut part = BytesMut::from(&bytes[..n]);
        match decoder().decode(&mut part) {
            Ok(None) => prop_assert_eq!(part.len(), n),
            Ok(Some(p)) => prop_assert!(false, "decode: prefix of {} bytes gave {:?}", n, p),
            Err(e) => prop_assert!(header_error(e), "decode: prefix of {} bytes: {:?}", n, e),
        }
        let mut part = Bytes::copy_from_slice(&bytes[..n]);
        match decoder().decode_bytes(&mut part) {
            Ok(None) => prop_assert_eq!(part.len(), n),
            Ok(Some(p)) => prop_assert!(false, "decode_bytes: prefix of {} gave {:?}", n, p),
            Err(e) => prop_assert!(header_error(e), "decode_bytes: prefix of {}: {:?}", n, e),
        }
        match decoder().decode_slice(&bytes[..n]) {
            Ok(None) => {}
            Ok(Some(p)) => prop_assert!(false, "decode_slice: prefix of {} gave {:?}", n, p),
            Err(e) => prop_assert!(header_error(e), "decode_slice: prefix of {}: {:?}", n, e),
        }
    }
}
