//! Replays `testdata/mqtt_session/server.toml`: hand-written exchanges against a server session.

use bytes::BytesMut;
use iot_protocol::mqtt::session::{Accept, Event, Instant, ServerConfig, ServerSession};
use iot_protocol::mqtt::{Decoder, Packet, ProtocolVersion, SubAckReasonCode};

fn hex(s: &str) -> BytesMut {
    let s: String = s.split_whitespace().collect();
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    BytesMut::from(&bytes[..])
}

fn packets(version: ProtocolVersion, mut bytes: BytesMut) -> Vec<Packet> {
    let mut d = Decoder::with_version(version);
    let mut out = Vec::new();
    while !bytes.is_empty() {
        out.push(d.decode(&mut bytes).unwrap().expect("complete packet"));
    }
    out
}

#[test]
fn server_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/mqtt_session/server.toml"
    );
    let file: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = file["vector"].as_array().unwrap();
    assert!(vectors.len() >= 10);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let source = v["source"].as_str().unwrap();
        let version = match v["version"].as_str().unwrap() {
            "3.1.1" => ProtocolVersion::V311,
            "5.0" => ProtocolVersion::V5,
            other => panic!("{name}: unknown version {other}"),
        };
        let now = Instant::from_millis(0);
        let mut server = ServerSession::new(&ServerConfig::new(), now);
        let mut rx = BytesMut::new();
        let mut delivered = 0;
        for (i, step) in v["steps"].as_array().unwrap().iter().enumerate() {
            rx.extend_from_slice(&hex(step["send"].as_str().unwrap()));
            let mut out = BytesMut::new();
            for _ in 0..8 {
                server.handle_bytes(now, &mut rx);
                while let Some(e) = server.poll_event() {
                    match e {
                        Event::ConnectRequest(_) => server.accept(now, Accept::default()).unwrap(),
                        Event::Subscribe(s) => {
                            let codes: Vec<_> = s
                                .subscriptions
                                .iter()
                                .map(|x| SubAckReasonCode::from_u8(x.options.qos as u8).unwrap())
                                .collect();
                            server.subscribe_result(now, s.packet_id, &codes).unwrap();
                        }
                        Event::Publish(_) => delivered += 1,
                        _ => {}
                    }
                }
                server.poll_transmit(now, &mut out);
            }
            let got = packets(version, out);
            let want = packets(version, hex(step["expect"].as_str().unwrap()));
            assert_eq!(got, want, "{name} ({source}), step {i}");
        }
        if let Some(n) = v.get("delivered").and_then(toml::Value::as_integer) {
            assert_eq!(
                delivered,
                usize::try_from(n).unwrap(),
                "{name} ({source}): deliveries"
            );
        }
        let closed = v
            .get("closed")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
        assert_eq!(server.is_closed(), closed, "{name} ({source}): closed");
    }
}
