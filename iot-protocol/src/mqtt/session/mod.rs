//! Sans-IO MQTT sessions: [`ClientSession`] and [`ServerSession`], one state machine per
//! connection and role, for MQTT 3.1.1 and 5.0.
//!
//! A session never touches a socket and never reads a clock. The caller feeds it what arrived
//! and the current time, and asks it what to send, when to wake it up and what happened, in the
//! style of quinn-proto:
//!
//! | kind | calls |
//! |---|---|
//! | input | `handle_bytes(now, &mut buf)` (or `handle_packet(now, packet)`), `handle_timeout(now)`, `handle_connection_lost(now)` |
//! | requests | client: `connect`, `publish`, `subscribe`, `unsubscribe`, `disconnect`, `auth_respond`; server: `accept`, `reject`, `auth_continue`, `subscribe_result`, `publish`, `disconnect`, `take_session` |
//! | output | `poll_transmit(now, &mut out)`, `poll_timeout()`, `poll_event()` |
//!
//! # Call order
//!
//! After any input or request, call, in this order:
//!
//! 1. `poll_transmit(now, &mut out)` until it returns 0, and write `out` to the connection;
//! 2. `poll_timeout()` and arm a timer for the instant it returns (none: no timer);
//! 3. `poll_event()` until it returns `None`, and act on each event (an event may lead to a
//!    request, such as `accept` after [`Event::ConnectRequest`]; run the three steps again
//!    after it).
//!
//! When the timer fires, call `handle_timeout(now)` and repeat the three steps. After
//! [`Event::Closed`], flush `poll_transmit` once more and close the socket.
//!
//! A server does not process packets that a client pipelined behind its CONNECT until the
//! caller accepted it (5.0 §3.1.4): they stay in the caller's buffer, so call `handle_bytes`
//! again after `accept`.
//!
//! Time is an [`Instant`]: milliseconds on the caller's monotonic clock.
//!
//! # What the sessions do
//!
//! - The connect handshake of both versions, with MQTT 5 enhanced authentication (AUTH packets
//!   surface as [`Event::Auth`] for the caller's authenticator), assigned client identifiers,
//!   Session Present, Server Keep Alive, Receive Maximum, Maximum Packet Size and Topic Alias
//!   Maximum.
//! - QoS 1 and QoS 2 in both directions in the specification's packet order; packet
//!   identifiers are never reused while in flight; a re-sent QoS 2 PUBLISH is not delivered
//!   twice; unacknowledged PUBLISH and PUBREL are re-sent with DUP on session resumption and
//!   never on a live connection.
//! - Flow control: Receive Maximum both ways, the peer's Maximum Packet Size, topic aliases
//!   both ways.
//! - Keep alive: PINGREQ from an idle client, the server closes after 1.5 × Keep Alive.
//! - [`SessionState`]: subscriptions, messages in flight and queued, exported and restored as a
//!   plain value, with a compact binary form for storage ([`SessionState::to_bytes`]); MQTT 5
//!   Message Expiry is honoured while queued.
//! - The server holds the Will and reports it as [`Event::Will`] after an abnormal close (and
//!   after the MQTT 5 Will Delay Interval); a normal DISCONNECT drops it.
//! - Protocol errors close the connection with the MQTT 5 reason code (DISCONNECT or CONNACK)
//!   or a plain close in 3.1.1, reported as [`Event::Closed`] with the reason.
//!
//! # What they do not do
//!
//! No routing (the server session stores subscriptions; matching messages to sessions is the
//! broker's job, see [`crate::topic::TopicTree`]), no retained-message store, no
//! authentication decisions (they are the caller's, through events), no persistence (the state
//! is a value you store), no TLS or sockets.
//!
//! # Example
//!
//! A client and a server session connected back to back in memory:
//!
//! ```
//! use bytes::BytesMut;
//! use iot_protocol::mqtt::{ProtocolVersion, QoS, TopicName};
//! use iot_protocol::mqtt::session::{
//!     Accept, ClientConfig, ClientSession, Event, Instant, Message, ServerConfig, ServerSession,
//! };
//!
//! let now = Instant::from_millis(0);
//! let mut client = ClientSession::new(ClientConfig::new(ProtocolVersion::V5, "sensor-1"));
//! let mut server = ServerSession::new(&ServerConfig::new(), now);
//! let (mut to_server, mut to_client) = (BytesMut::new(), BytesMut::new());
//!
//! client.connect(now)?;
//! client.poll_transmit(now, &mut to_server);
//! server.handle_bytes(now, &mut to_server);
//! assert!(matches!(server.poll_event(), Some(Event::ConnectRequest(_))));
//! server.accept(now, Accept::default())?;
//! server.poll_transmit(now, &mut to_client);
//! client.handle_bytes(now, &mut to_client);
//! assert_eq!(client.poll_event(), Some(Event::Connected { session_present: false }));
//!
//! let topic = TopicName::from_static("sensors/1/temp");
//! let id = client.publish(now, Message::new(topic, &b"21.5"[..], QoS::AtLeastOnce))?;
//! client.poll_transmit(now, &mut to_server);
//! server.handle_bytes(now, &mut to_server);
//! let Some(Event::Publish(p)) = server.poll_event() else { panic!("no publish") };
//! assert_eq!(p.topic, "sensors/1/temp");
//!
//! server.poll_transmit(now, &mut to_client); // the PUBACK
//! client.handle_bytes(now, &mut to_client);
//! assert!(matches!(client.poll_event(), Some(Event::Acknowledged { packet_id, .. }) if packet_id == id));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod core;
mod error;
mod event;
mod persist;
mod server;
mod server_config;
mod state;

pub use client::{ClientConfig, ClientSession};
pub use error::{PersistError, ProtocolError, PublishError, SessionError};
pub use event::{AckOutcome, AuthExchange, Close, DropReason, Event};
pub use server::ServerSession;
pub use server_config::{Accept, ServerConfig};
pub use state::{Instant, Message, OutgoingMessage, SessionState, StoredSubscription};
