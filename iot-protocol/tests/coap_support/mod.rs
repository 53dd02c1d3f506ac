//! A two-endpoint in-memory network with a virtual clock (quinn-proto's test harness idea).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use iot_protocol::coap::{Code, Endpoint, Event, OwnedMessage, RequestHandle, Time};

pub const CLIENT: u8 = 1;
pub const SERVER: u8 = 2;

type Handler = Box<dyn FnMut(&mut Endpoint<u8>, Time, Event<u8>)>;

pub struct Net {
    pub client: Endpoint<u8>,
    pub server: Endpoint<u8>,
    pub now: Time,
    pub sent_by_client: usize,
    pub sent_by_server: usize,
    pub client_events: Vec<Event<u8>>,
    pub server_events: Vec<Event<u8>>,
    handler: Option<Handler>,
}

impl Net {
    pub fn new(client: iot_protocol::coap::Config, server: iot_protocol::coap::Config) -> Self {
        Net {
            client: Endpoint::new(client, 0x1111),
            server: Endpoint::new(server, 0x2222),
            now: Time::from_millis(1_000),
            sent_by_client: 0,
            sent_by_server: 0,
            client_events: Vec::new(),
            server_events: Vec::new(),
            handler: None,
        }
    }

    /// Delivers datagrams both ways until none is left; server events go to the handler.
    pub fn pump(&mut self) {
        for _ in 0..100_000 {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit() {
                assert_eq!(t.destination, SERVER);
                self.sent_by_client += 1;
                self.server.handle_datagram(self.now, CLIENT, &t.payload);
                moved = true;
            }
            while let Some(e) = self.server.poll_event() {
                match self.handler.as_mut() {
                    Some(h) => h(&mut self.server, self.now, e),
                    None => self.server_events.push(e),
                }
                moved = true;
            }
            while let Some(t) = self.server.poll_transmit() {
                assert_eq!(t.destination, CLIENT);
                self.sent_by_server += 1;
                self.client.handle_datagram(self.now, SERVER, &t.payload);
                moved = true;
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("network did not settle");
    }

    pub fn run(&mut self, f: impl FnMut(&mut Endpoint<u8>, Time, Event<u8>) + 'static) {
        self.handler = Some(Box::new(f));
        self.pump();
    }

    pub fn run_until_quiet(&mut self, f: impl FnMut(&mut Endpoint<u8>, Time, Event<u8>) + 'static) {
        self.handler = Some(Box::new(f));
        self.pump();
        self.advance(Duration::from_secs(300));
    }

    pub fn pump_with_handler(&mut self) {
        self.pump();
    }

    /// Moves the clock forward by `d`, firing every timer on the way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    pub fn serve_all_ok(&mut self) {
        self.run_until_quiet(|srv, now, ev| {
            if let Event::Request { handle, .. } = ev {
                srv.respond(now, handle, OwnedMessage::response(Code::CONTENT))
                    .unwrap();
            }
        });
    }

    pub fn client_response(&self, h: RequestHandle) -> Option<OwnedMessage> {
        self.client_events.iter().find_map(|e| match e {
            Event::Response { handle, response } if *handle == h => Some(response.clone()),
            _ => None,
        })
    }

    pub fn client_notifications(&self, h: RequestHandle) -> Vec<OwnedMessage> {
        self.client_events
            .iter()
            .filter_map(|e| match e {
                Event::Notification { handle, response } if *handle == h => Some(response.clone()),
                _ => None,
            })
            .collect()
    }
}
