//! A client session and a server session wired back to back in memory: connect, subscribe,
//! QoS 2 both ways, then a lost connection that makes the server report the client's Will.
//!
//! Run: `cargo run -p iot-protocol --example mqtt_session`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use bytes::{Bytes, BytesMut};
use iot_protocol::mqtt::session::{
    Accept, ClientConfig, ClientSession, Event, Instant, Message, ServerConfig, ServerSession,
};
use iot_protocol::mqtt::{
    Properties, ProtocolVersion, QoS, SubAckReasonCode, Subscription, TopicFilter, TopicName, Will,
};

/// Moves bytes both ways until neither side has anything to send, printing the events.
fn pump(now: Instant, client: &mut ClientSession, server: &mut ServerSession) {
    let (mut up, mut down) = (BytesMut::new(), BytesMut::new());
    loop {
        let moved = client.poll_transmit(now, &mut up) + server.poll_transmit(now, &mut down);
        server.handle_bytes(now, &mut up);
        client.handle_bytes(now, &mut down);
        let mut acted = false;
        while let Some(e) = server.poll_event() {
            acted = true;
            println!("server: {}", describe(&e));
            match e {
                // The broker's decisions: accept everyone, grant what is asked.
                Event::ConnectRequest(_) => server.accept(now, Accept::default()).unwrap(),
                Event::Subscribe(s) => {
                    let codes: Vec<_> = s
                        .subscriptions
                        .iter()
                        .map(|x| SubAckReasonCode::from_u8(x.options.qos as u8).unwrap())
                        .collect();
                    server.subscribe_result(now, s.packet_id, &codes).unwrap();
                }
                _ => {}
            }
        }
        while let Some(e) = client.poll_event() {
            acted = true;
            println!("client: {}", describe(&e));
        }
        if moved == 0 && !acted {
            return;
        }
    }
}

fn describe(e: &Event) -> String {
    match e {
        Event::Publish(p) => format!(
            "message on {} at {:?}: {}",
            p.topic,
            p.qos,
            String::from_utf8_lossy(&p.payload)
        ),
        Event::ConnectRequest(c) => format!("CONNECT from {}", c.client_id),
        Event::Will(w) => format!("publish the Will on {}", w.topic),
        Event::Subscribe(s) => format!("SUBSCRIBE {} filter(s)", s.subscriptions.len()),
        Event::SubAck(s) => format!("SUBACK {:?}", s.reason_codes),
        other => format!("{other:?}"),
    }
}

fn main() {
    let mut config = ClientConfig::new(ProtocolVersion::V5, "thermostat-7");
    config.keep_alive(30).will(Some(Will {
        topic: TopicName::from_static("devices/thermostat-7/status"),
        payload: Bytes::from_static(b"offline"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: Properties::new(),
    }));
    let mut now = Instant::from_millis(0);
    let mut client = ClientSession::new(config);
    let mut server = ServerSession::new(&ServerConfig::new(), now);

    client.connect(now).unwrap();
    pump(now, &mut client, &mut server);

    client
        .subscribe(
            now,
            vec![Subscription::new(
                TopicFilter::from_static("devices/thermostat-7/set"),
                QoS::ExactlyOnce,
            )],
            Properties::new(),
        )
        .unwrap();
    pump(now, &mut client, &mut server);

    let reading = Message::new(
        TopicName::from_static("devices/thermostat-7/temp"),
        &b"21.5"[..],
        QoS::ExactlyOnce,
    );
    client.publish(now, reading).unwrap();
    let command = Message::new(
        TopicName::from_static("devices/thermostat-7/set"),
        &b"19.0"[..],
        QoS::ExactlyOnce,
    );
    server.publish(now, command).unwrap();
    pump(now, &mut client, &mut server);

    // The TCP connection breaks: an abnormal end, so the server hands out the Will.
    now = now + core::time::Duration::from_secs(5);
    server.handle_connection_lost(now);
    client.handle_connection_lost(now);
    pump(now, &mut client, &mut server);
    println!("next server timer: {:?}", server.poll_timeout());
}
