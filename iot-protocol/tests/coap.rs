//! CoAP conformance: the vectors in `testdata/coap/` and the sans-IO exchange layer driven by a
//! virtual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod coap_support;

use std::path::PathBuf;

use bytes::Bytes;
use iot_protocol::coap::*;
use toml::Value;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load(file: &str) -> Vec<toml::Table> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/coap")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: toml::Table = text.parse().unwrap();
    let v = doc["vector"].as_array().unwrap();
    assert!(!v.is_empty());
    v.iter()
        .map(|x| {
            let t = x.as_table().unwrap().clone();
            assert!(t.contains_key("source"), "vector without source: {t:?}");
            t
        })
        .collect()
}

fn decode_error_name(e: &DecodeError) -> String {
    let d = format!("{e:?}");
    d.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap()
        .to_string()
}

fn option_error_name(e: &OptionError) -> String {
    let d = format!("{e:?}");
    d.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap()
        .to_string()
}

fn check_valid(v: &toml::Table) {
    let name = v["name"].as_str().unwrap();
    let bytes = hex(v["hex"].as_str().unwrap());
    let m = Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    if let Some(t) = v.get("type") {
        let want = match t.as_str().unwrap() {
            "CON" => MessageType::Confirmable,
            "NON" => MessageType::NonConfirmable,
            "ACK" => MessageType::Acknowledgement,
            "RST" => MessageType::Reset,
            other => panic!("{other}"),
        };
        assert_eq!(m.mtype(), want, "{name}");
    }
    if let Some(c) = v.get("code") {
        assert_eq!(m.code().to_string(), c.as_str().unwrap(), "{name}");
    }
    if let Some(mid) = v.get("mid") {
        assert_eq!(
            i64::from(m.message_id()),
            mid.as_integer().unwrap(),
            "{name}"
        );
    }
    if let Some(t) = v.get("token") {
        assert_eq!(m.token(), hex(t.as_str().unwrap()).as_slice(), "{name}");
    }
    let want: Vec<(u16, Vec<u8>)> = v["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let o = o.as_table().unwrap();
            (
                u16::try_from(o["number"].as_integer().unwrap()).unwrap(),
                hex(o["hex"].as_str().unwrap()),
            )
        })
        .collect();
    let got: Vec<(u16, Vec<u8>)> = m
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect();
    assert_eq!(got, want, "{name}");
    assert_eq!(
        m.payload(),
        hex(v["payload"].as_str().unwrap()).as_slice(),
        "{name}"
    );
    // Canonical vectors: the owned form re-encodes to the same bytes, and so does the borrowed one.
    if v.get("canonical").and_then(Value::as_bool).unwrap_or(true) {
        let owned = OwnedMessage::from_message(&m);
        assert_eq!(owned.to_vec().unwrap(), bytes, "{name}: owned re-encode");
        let mut out = Vec::new();
        encode_message(&m, &mut out).unwrap();
        assert_eq!(out, bytes, "{name}: borrowed re-encode");
        let b = Bytes::from(bytes.clone());
        let z = OwnedMessage::from_bytes(&b).unwrap();
        assert_eq!(z, owned, "{name}: zero-copy owned form");
    }
    if let (Some(bo), Some(b)) = (v.get("block_option"), v.get("block")) {
        let b = b.as_array().unwrap();
        let bv = match bo.as_integer().unwrap() {
            23 => m.block2(),
            27 => m.block1(),
            x => panic!("{x}"),
        }
        .unwrap()
        .unwrap();
        assert_eq!(i64::from(bv.num()), b[0].as_integer().unwrap(), "{name}");
        assert_eq!(i64::from(bv.more()), b[1].as_integer().unwrap(), "{name}");
        assert_eq!(i64::from(bv.szx()), b[2].as_integer().unwrap(), "{name}");
        if bv.more() {
            assert_eq!(m.payload().len() % bv.size(), 0, "{name}");
        }
    }
    if let Some(o) = v.get("observe") {
        assert_eq!(
            i64::from(m.observe().unwrap()),
            o.as_integer().unwrap(),
            "{name}"
        );
    }
    match (v.get("option_error"), m.check_critical_options(&[])) {
        (None, Ok(())) => {}
        (Some(want), Err(e)) => assert_eq!(option_error_name(&e), want.as_str().unwrap(), "{name}"),
        (w, g) => panic!("{name}: option check wanted {w:?}, got {g:?}"),
    }
}

#[test]
fn rfc7252_appendix_a() {
    for v in load("rfc7252-appendix-a.toml") {
        check_valid(&v);
    }
}

#[test]
fn rfc7959_blockwise() {
    for v in load("rfc7959-blockwise.toml") {
        check_valid(&v);
    }
}

#[test]
fn rfc7641_observe() {
    for v in load("rfc7641-observe.toml") {
        check_valid(&v);
    }
}

#[test]
fn option_encodings() {
    for v in load("options.toml") {
        check_valid(&v);
    }
}

#[test]
fn malformed_catalogue() {
    let vs = load("malformed.toml");
    assert!(vs.len() >= 30);
    for v in vs {
        let name = v["name"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        let err = Message::parse(&bytes).expect_err(name);
        assert_eq!(
            decode_error_name(&err),
            v["error"].as_str().unwrap(),
            "{name}: {err}"
        );
        assert!(Bytes::from(bytes.clone()).len() == bytes.len());
        assert!(
            OwnedMessage::from_bytes(&Bytes::from(bytes.clone())).is_err(),
            "{name}"
        );
        // The endpoint applies RFC 7252 §4.2/§4.3: Reset for a version-1 CON, else silence.
        let mut ep = Endpoint::<u8>::new(Config::default(), 1);
        ep.handle_datagram(Time::ZERO, 9, &bytes);
        let reply = ep.poll_transmit();
        match v["reply"].as_str().unwrap() {
            "reset" => {
                let r = reply.unwrap_or_else(|| panic!("{name}: no reset"));
                let h = Header::peek(&bytes).unwrap();
                let rm = Message::parse(&r.payload).unwrap();
                assert_eq!(rm.mtype(), MessageType::Reset, "{name}");
                assert_eq!(rm.message_id(), h.message_id, "{name}");
            }
            "ignore" => assert!(reply.is_none(), "{name}: {reply:?}"),
            x => panic!("{x}"),
        }
        assert!(
            matches!(ep.poll_event(), Some(Event::Malformed { peer: 9, .. })),
            "{name}"
        );
    }
}

#[test]
fn encoder_refuses_illegal_messages() {
    let mut m = OwnedMessage::new(MessageType::Reset, Code::CONTENT, 1);
    assert_eq!(m.to_vec(), Err(EncodeError::ResetNotEmpty));
    m.set_mtype(MessageType::Acknowledgement)
        .set_code(Code::GET);
    assert_eq!(m.to_vec(), Err(EncodeError::AckWithRequest));
    m.set_mtype(MessageType::NonConfirmable)
        .set_code(Code::EMPTY);
    assert_eq!(m.to_vec(), Err(EncodeError::EmptyNonConfirmable));
    m.set_mtype(MessageType::Confirmable)
        .set_code(Code::new(7, 1));
    assert_eq!(m.to_vec(), Err(EncodeError::ReservedCodeClass(7)));
    let mut e = OwnedMessage::new(MessageType::Confirmable, Code::EMPTY, 1);
    e.set_token(Token::new(&[1]).unwrap());
    assert_eq!(e.to_vec(), Err(EncodeError::EmptyMessageNotEmpty));
    let mut g = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
    g.add_option(OptionNumber::URI_HOST, Bytes::new());
    assert!(matches!(g.to_vec(), Err(EncodeError::OptionLength { .. })));
    let mut g = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
    g.add_option(OptionNumber::CONTENT_FORMAT, &b"\x00"[..]);
    g.add_option(OptionNumber::CONTENT_FORMAT, &b"\x01"[..]);
    assert_eq!(
        g.to_vec(),
        Err(EncodeError::OptionRepeated(OptionNumber::CONTENT_FORMAT))
    );
    let mut g = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
    g.add_option(OptionNumber(3000), vec![0u8; 65535 + 270]);
    assert!(matches!(g.to_vec(), Err(EncodeError::OptionTooLong { .. })));
    assert!(Token::new(&[0; 9]).is_none());
    let ok = OwnedMessage::new(MessageType::Confirmable, Code::GET, 1);
    let mut small = [0u8; 3];
    assert_eq!(
        ok.encode_into_slice(&mut small),
        Err(EncodeError::BufferTooSmall { needed: 4 })
    );
}

#[test]
fn encoder_sorts_options_and_keeps_repeat_order() {
    let mut m = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x1234);
    m.set_content_format(ContentFormat::JSON);
    m.add_option(OptionNumber::URI_QUERY, &b"b=2"[..]);
    m.add_option(OptionNumber::URI_PATH, &b"x"[..]);
    m.add_option(OptionNumber::URI_QUERY, &b"a=1"[..]);
    m.add_option(OptionNumber::URI_PATH, &b"y"[..]);
    let bytes = m.to_vec().unwrap();
    let p = Message::parse(&bytes).unwrap();
    let nums: Vec<u16> = p.options().map(|o| o.number.0).collect();
    assert_eq!(nums, [11, 11, 12, 15, 15]);
    let q: Vec<&[u8]> = p.uri_query().collect();
    assert_eq!(q, [&b"b=2"[..], &b"a=1"[..]]);
    let mut path = String::new();
    p.write_path(&mut path).unwrap();
    assert_eq!(path, "/x/y");
    assert_eq!(m.encoded_len(), bytes.len());
    let mut buf = [0u8; 64];
    let n = m.encode_into_slice(&mut buf).unwrap();
    assert_eq!(&buf[..n], bytes.as_slice());
}

#[test]
fn path_and_uri_round_trip() {
    let mut m = OwnedMessage::request(Code::GET);
    m.set_path("/topic/sys/a1pk/dn%2F1/thing").unwrap();
    assert_eq!(m.options_of(OptionNumber::URI_PATH).count(), 5);
    assert_eq!(m.path(), "/topic/sys/a1pk/dn%2F1/thing");
    m.set_query("a=1&b=%26x").unwrap();
    assert_eq!(m.options_of(OptionNumber::URI_QUERY).count(), 2);
    assert_eq!(m.query(), "a=1&b=%26x");
    let u = uri::CoapUri::parse("coap://a1pk.coap.cn-shanghai.link.aliyuncs.com/auth").unwrap();
    assert_eq!(u.port, 5683);
    assert_eq!(
        u.uri_host(),
        Some("a1pk.coap.cn-shanghai.link.aliyuncs.com")
    );
    assert_eq!(u.path_segments().unwrap(), [b"auth".to_vec()]);
    assert_eq!(
        uri::CoapUri::parse("coaps://h:5684/").unwrap().scheme,
        uri::Scheme::Coaps
    );
}

#[test]
fn code_display_and_kinds() {
    assert_eq!(Code::CONTENT.to_string(), "2.05");
    assert_eq!(Code::REQUEST_ENTITY_TOO_LARGE.to_string(), "4.13");
    assert_eq!(Code::CONTINUE.to_string(), "2.31");
    assert_eq!(Code::GET.kind(), CodeKind::Request);
    assert_eq!(Code::new(1, 0).kind(), CodeKind::Reserved);
    assert_eq!(Code::EMPTY.kind(), CodeKind::Empty);
}

mod exchange {
    use super::coap_support::*;
    use super::*;
    use std::time::Duration;

    #[test]
    fn piggybacked_get() {
        let mut net = Net::new(Config::default(), Config::default());
        let mut req = OwnedMessage::request(Code::GET);
        req.set_path("/temperature").unwrap();
        let h = net.client.request(net.now, SERVER, req).unwrap();
        net.run(|srv, now, ev| {
            if let Event::Request {
                handle, request, ..
            } = ev
            {
                assert_eq!(request.path(), "/temperature");
                let mut r = OwnedMessage::response(Code::CONTENT);
                r.set_payload(&b"22.3 C"[..]);
                srv.respond(now, handle, r).unwrap();
            }
        });
        let resp = net.client_response(h).expect("response");
        assert_eq!(resp.payload().as_ref(), b"22.3 C");
        // One request, one ACK: nothing retransmitted.
        assert_eq!(net.sent_by_client, 1);
        assert_eq!(net.sent_by_server, 1);
    }

    #[test]
    fn retransmits_with_backoff_then_times_out() {
        let mut cfg = Config::default();
        cfg.params_mut().set_ack_random_factor_permille(1000);
        let mut ep = Endpoint::<u8>::new(cfg, 7);
        let h = ep
            .request(Time::ZERO, 1, OwnedMessage::request(Code::GET))
            .unwrap();
        let first = ep.poll_transmit().unwrap();
        let mut times = vec![];
        let mut now = Time::ZERO;
        while let Some(t) = ep.poll_timeout() {
            now = t;
            ep.handle_timeout(now);
            if let Some(tx) = ep.poll_transmit() {
                assert_eq!(
                    tx.payload, first.payload,
                    "retransmission is byte-identical"
                );
                times.push(now.as_millis());
            }
            if let Some(Event::RequestTimedOut { handle }) = ep.poll_event() {
                assert_eq!(handle, h);
                break;
            }
        }
        // RFC 7252 §4.2: timeouts 2, 4, 8, 16 s, then give up 32 s after the last (MAX_RETRANSMIT 4).
        assert_eq!(times, [2000, 6000, 14000, 30000]);
        assert_eq!(now.as_millis(), 62000);
    }

    #[test]
    fn initial_timeout_is_randomised_within_bounds() {
        for seed in 0..50 {
            let mut ep = Endpoint::<u8>::new(Config::default(), seed);
            ep.request(Time::ZERO, 1, OwnedMessage::request(Code::GET))
                .unwrap();
            let t = ep.poll_timeout().unwrap().as_millis();
            assert!((2000..3000).contains(&t), "{t}");
        }
    }

    #[test]
    fn lost_ack_duplicate_gets_same_response() {
        let mut server = Endpoint::<u8>::new(Config::default(), 3);
        let req = hex("410101017bbb74656d7065726174757265");
        server.handle_datagram(Time::ZERO, CLIENT, &req);
        let Some(Event::Request { handle, .. }) = server.poll_event() else {
            panic!()
        };
        let mut r = OwnedMessage::response(Code::CONTENT);
        r.set_payload(&b"22.5 C"[..]);
        server.respond(Time::ZERO, handle, r).unwrap();
        let ack1 = server.poll_transmit().unwrap();
        // The ACK is lost; the client retransmits the same CON.
        server.handle_datagram(Time::from_millis(2500), CLIENT, &req);
        assert!(
            server.poll_event().is_none(),
            "duplicate not delivered twice"
        );
        let ack2 = server.poll_transmit().unwrap();
        assert_eq!(ack1.payload, ack2.payload);
        // After EXCHANGE_LIFETIME the same MID is a new message.
        server.handle_datagram(Time::from_millis(248_000), CLIENT, &req);
        assert!(matches!(server.poll_event(), Some(Event::Request { .. })));
    }

    #[test]
    fn slow_server_sends_empty_ack_then_separate_con() {
        let mut net = Net::new(Config::default(), Config::default());
        let h = net
            .client
            .request(net.now, SERVER, OwnedMessage::request(Code::GET))
            .unwrap();
        net.pump();
        let Some(Event::Request { handle, .. }) = net.server_events.pop() else {
            panic!("no request")
        };
        let pending = handle;
        // Nothing answered yet; after the separate-ACK delay the server acknowledges.
        net.advance(Duration::from_millis(1100));
        assert!(net.client_response(h).is_none());
        let mut r = OwnedMessage::response(Code::CONTENT);
        r.set_payload(&b"late"[..]);
        let now = net.now;
        net.server.respond(now, pending, r).unwrap();
        net.pump();
        assert_eq!(net.client_response(h).unwrap().payload().as_ref(), b"late");
        // The separate response was a CON, acknowledged by the client: no retransmission later.
        net.advance(Duration::from_secs(100));
        assert!(net.server.poll_timeout().is_none());
    }

    #[test]
    fn reset_fails_request_and_ping_gets_reset() {
        let mut ep = Endpoint::<u8>::new(Config::default(), 5);
        let h = ep
            .request(Time::ZERO, 1, OwnedMessage::request(Code::GET))
            .unwrap();
        let tx = ep.poll_transmit().unwrap();
        let mid = Message::parse(&tx.payload).unwrap().message_id();
        let mut rst = OwnedMessage::reset(mid).to_vec().unwrap();
        ep.handle_datagram(Time::ZERO, 1, &rst);
        assert_eq!(ep.poll_event(), Some(Event::RequestReset { handle: h }));
        assert!(ep.poll_timeout().is_none());
        // CoAP ping: an Empty CON is answered with RST (RFC 7252 §4.3).
        rst[0] = 0x40;
        ep.handle_datagram(Time::ZERO, 2, &rst);
        let r = ep.poll_transmit().unwrap();
        assert_eq!(r.payload.as_ref(), &[0x70, 0, rst[2], rst[3]]);
    }

    #[test]
    fn unanswered_requests_are_forgotten_after_exchange_lifetime() {
        let mut server = Endpoint::<u8>::new(Config::default(), 3);
        server.handle_datagram(Time::ZERO, CLIENT, &hex("510100017a"));
        server.handle_datagram(Time::ZERO, CLIENT, &hex("410100027b"));
        assert_eq!(server.pending_incoming(), 2);
        let Some(Event::Request { handle, .. }) = server.poll_event() else {
            panic!()
        };
        server.ignore(Time::ZERO, handle).unwrap();
        assert_eq!(server.pending_incoming(), 1);
        let mut now = Time::ZERO;
        while let Some(t) = server.poll_timeout() {
            now = t;
            server.handle_timeout(now);
            while server.poll_transmit().is_some() {}
        }
        assert_eq!(server.pending_incoming(), 0);
        assert_eq!(now.as_millis(), 247_000);
    }

    #[test]
    fn unknown_critical_option_gets_4_02() {
        let mut server = Endpoint::<u8>::new(Config::default(), 3);
        // CON GET with option 9 (critical, unregistered)
        server.handle_datagram(Time::ZERO, CLIENT, &hex("41010009aa90"));
        assert!(server.poll_event().is_none());
        let r = server.poll_transmit().unwrap();
        let m = Message::parse(&r.payload).unwrap();
        assert_eq!(m.code(), Code::BAD_OPTION);
        assert_eq!(m.mtype(), MessageType::Acknowledgement);
        assert_eq!(m.token(), &[0xaa]);
        // ... unless the application declared it.
        let mut cfg = Config::default();
        cfg.set_known_options(vec![OptionNumber(9)]);
        let mut server = Endpoint::<u8>::new(cfg, 3);
        server.handle_datagram(Time::ZERO, CLIENT, &hex("41010009aa90"));
        assert!(matches!(server.poll_event(), Some(Event::Request { .. })));
    }

    #[test]
    fn unmatched_con_response_is_reset() {
        let mut ep = Endpoint::<u8>::new(Config::default(), 5);
        ep.handle_datagram(Time::ZERO, 4, &hex("414500777aff6869"));
        let r = ep.poll_transmit().unwrap();
        assert_eq!(r.payload.as_ref(), &[0x70, 0, 0x00, 0x77]);
    }

    #[test]
    fn nstart_queues_second_request() {
        let mut net = Net::new(Config::default(), Config::default());
        let a = net
            .client
            .request(net.now, SERVER, OwnedMessage::request(Code::GET))
            .unwrap();
        let b = net
            .client
            .request(net.now, SERVER, OwnedMessage::request(Code::GET))
            .unwrap();
        // NSTART = 1: only one datagram leaves now.
        assert!(net.client.poll_transmit().is_some());
        assert!(net.client.poll_transmit().is_none());
        net.serve_all_ok();
        assert!(net.client_response(a).is_some());
        assert!(net.client_response(b).is_some());
    }

    #[test]
    fn one_byte_tokens_never_collide_among_open_requests() {
        let mut cfg = Config::default();
        cfg.set_token_len(1).params_mut().set_nstart(1000);
        let mut ep = Endpoint::<u8>::new(cfg, 4);
        let mut tokens = std::collections::HashSet::new();
        for _ in 0..600 {
            ep.request(Time::ZERO, 1, OwnedMessage::request(Code::GET))
                .unwrap();
            let tx = ep.poll_transmit().unwrap();
            let t = Message::parse(&tx.payload).unwrap().token().to_vec();
            assert!(tokens.insert(t));
        }
        assert_eq!(ep.open_requests(), 600);
    }

    #[test]
    fn message_ids_unique_per_peer_within_lifetime() {
        let mut ep = Endpoint::<u8>::new(Config::default(), 11);
        let mut seen = std::collections::HashSet::new();
        let mut cfg_ok = 0;
        for i in 0..2000u32 {
            let mut m = OwnedMessage::request(Code::GET);
            m.set_mtype(MessageType::NonConfirmable);
            let _ = i;
            ep.request(Time::from_millis(u64::from(i)), 1, m).unwrap();
            while let Some(tx) = ep.poll_transmit() {
                let mid = Message::parse(&tx.payload).unwrap().message_id();
                assert!(seen.insert(mid));
                cfg_ok += 1;
            }
            // Finish the NON request by timing it out, freeing NSTART.
            ep.handle_timeout(Time::from_millis(u64::from(i) + 61_000));
            while ep.poll_event().is_some() {}
        }
        assert_eq!(cfg_ok, 2000);
    }

    #[test]
    fn block2_transfer_is_reassembled() {
        let body: Vec<u8> = (0..5000u32)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let mut net = Net::new(Config::default(), Config::default());
        let h = net
            .client
            .request(net.now, SERVER, OwnedMessage::request(Code::GET))
            .unwrap();
        let b2 = body.clone();
        net.run_until_quiet(move |srv, now, ev| {
            if let Event::Request {
                handle, request, ..
            } = ev
            {
                let split = BlockSplitter::new(Bytes::from(b2.clone()), 4);
                let (num, szx) = match request.block2() {
                    Some(Ok(b)) => (b.num(), b.szx()),
                    _ => (0, 6),
                };
                let (bv, chunk) = split.block(num, szx).unwrap();
                let mut r = OwnedMessage::response(Code::CONTENT);
                r.set_option(OptionNumber::BLOCK2, bv.to_bytes());
                r.set_option(OptionNumber::ETAG, &b"v1"[..]);
                r.set_payload(chunk);
                srv.respond(now, handle, r).unwrap();
            }
        });
        let resp = net.client_response(h).unwrap();
        assert_eq!(resp.payload().as_ref(), body.as_slice());
        assert!(resp.block2().is_none());
        assert_eq!(net.sent_by_client, 5000usize.div_ceil(256));
    }

    #[test]
    fn block1_upload_with_late_negotiation() {
        // RFC 7959 §2.5: the client sends 1024-byte blocks; the server's first 2.31 Continue
        // asks for 256-byte blocks, and the client continues at the same byte offset.
        let body: Vec<u8> = (0..3000u32)
            .map(|i| u8::try_from(i % 253).unwrap())
            .collect();
        let mut net = Net::new(Config::default(), Config::default());
        let mut req = OwnedMessage::request(Code::POST);
        req.set_path("/up").unwrap();
        req.set_payload(body.clone());
        let h = net.client.request(net.now, SERVER, req).unwrap();
        let got = std::rc::Rc::new(std::cell::RefCell::new((
            BlockReassembler::new(10_000),
            None,
            vec![],
        )));
        let g = got.clone();
        net.run_until_quiet(move |srv, now, ev| {
            if let Event::Request {
                handle, request, ..
            } = ev
            {
                let b1 = request.block1().unwrap().unwrap();
                let mut st = g.borrow_mut();
                st.2.push((b1.num(), b1.szx(), request.uint_option(OptionNumber::SIZE1)));
                let progress = st.0.push(b1, request.payload()).unwrap();
                let mut r = OwnedMessage::response(Code::CONTINUE);
                let echo = if b1.num() == 0 {
                    BlockValue::new(0, true, 4).unwrap()
                } else {
                    b1
                };
                if progress == Progress::Complete {
                    st.1 = st.0.take();
                    r.set_code(Code::CHANGED);
                }
                r.set_option(OptionNumber::BLOCK1, echo.to_bytes());
                srv.respond(now, handle, r).unwrap();
            }
        });
        let resp = net.client_response(h).unwrap();
        assert_eq!(resp.code(), Code::CHANGED);
        let st = got.borrow();
        assert_eq!(st.1.as_deref(), Some(body.as_slice()));
        // Block 0 at SZX 6 with Size1, then blocks 4.. at SZX 4 (offset 1024 = 4 x 256).
        assert_eq!(st.2[0], (0, 6, Some(3000)));
        assert_eq!(st.2[1], (4, 4, None));
        assert_eq!(st.2.len(), 1 + (3000usize - 1024).div_ceil(256));
    }

    #[test]
    fn block2_too_large_fails() {
        let mut cfg = Config::default();
        cfg.set_max_body(1000);
        let mut net = Net::new(cfg, Config::default());
        let h = net
            .client
            .request(net.now, SERVER, OwnedMessage::request(Code::GET))
            .unwrap();
        net.run_until_quiet(move |srv, now, ev| {
            if let Event::Request {
                handle, request, ..
            } = ev
            {
                let split = BlockSplitter::new(Bytes::from(vec![1u8; 4096]), 6);
                let num = request.block2().map_or(0, |b| b.unwrap().num());
                let (bv, chunk) = split.block(num, 6).unwrap();
                let mut r = OwnedMessage::response(Code::CONTENT);
                r.set_option(OptionNumber::BLOCK2, bv.to_bytes());
                r.set_payload(chunk);
                srv.respond(now, handle, r).unwrap();
            }
        });
        assert!(matches!(
            net.client_events
                .iter()
                .find(|e| matches!(e, Event::RequestFailed { handle, .. } if *handle == h)),
            Some(Event::RequestFailed {
                error: ExchangeError::Block(BlockError::TooLarge { .. }),
                ..
            })
        ));
    }

    #[test]
    fn observe_with_block2_delivers_every_block_and_drops_stale() {
        // libcoap #459: only the first two blocks of a large notification arrived.
        let mut net = Net::new(Config::default(), Config::default());
        let mut req = OwnedMessage::request(Code::GET);
        req.set_path("/obs").unwrap();
        req.set_uint_option(OptionNumber::OBSERVE, 0);
        let h = net.client.request(net.now, SERVER, req).unwrap();
        let state = std::rc::Rc::new(std::cell::RefCell::new((None, 0u8)));
        let st = state.clone();
        let body = |v: u8| vec![v; 1500];
        net.run_until_quiet(move |srv, now, ev| {
            if let Event::Request {
                handle, request, ..
            } = ev
            {
                let ver = st.borrow().1;
                let split = BlockSplitter::new(Bytes::from(body(ver)), 6);
                let num = request.block2().map_or(0, |b| b.unwrap().num());
                let (bv, chunk) = split.block(num, 6).unwrap();
                let mut r = OwnedMessage::response(Code::CONTENT);
                if request.observe() == Some(0) {
                    r.set_uint_option(OptionNumber::OBSERVE, 0);
                }
                r.set_option(OptionNumber::ETAG, vec![ver]);
                r.set_option(OptionNumber::BLOCK2, bv.to_bytes());
                r.set_payload(chunk);
                if let Some(o) = srv.respond(now, handle, r).unwrap() {
                    st.borrow_mut().0 = Some(o);
                }
            }
        });
        let first = net.client_notifications(h);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].payload().as_ref(), vec![0u8; 1500].as_slice());
        let obs = state.borrow().0.unwrap();
        for ver in 1..=3u8 {
            state.borrow_mut().1 = ver;
            let split = BlockSplitter::new(Bytes::from(vec![ver; 1500]), 6);
            let (bv, chunk) = split.block(0, 6).unwrap();
            let mut n = OwnedMessage::response(Code::CONTENT);
            n.set_option(OptionNumber::ETAG, vec![ver]);
            n.set_option(OptionNumber::BLOCK2, bv.to_bytes());
            n.set_payload(chunk);
            let now = net.now;
            net.server.notify(now, obs, n, ver % 2 == 1).unwrap();
            net.pump_with_handler();
        }
        let all = net.client_notifications(h);
        assert_eq!(all.len(), 4);
        for (i, n) in all.iter().enumerate() {
            assert_eq!(n.payload().len(), 1500);
            assert!(n.payload().iter().all(|b| usize::from(*b) == i));
        }
        // A reordered (stale) notification is dropped (RFC 7641 §3.4): replay the first one's
        // Observe value with a fresh MID and token of the observation.
        net.client.cancel(net.now, h).unwrap();
        net.pump_with_handler();
        assert!(net.client_response(h).is_some());
        assert_eq!(net.server.observers(), 0);
    }

    #[test]
    fn con_notification_unacknowledged_removes_observer() {
        let mut server = Endpoint::<u8>::new(Config::default(), 3);
        // GET /obs Observe 0, token 0x4a
        let mut req = OwnedMessage::new(MessageType::Confirmable, Code::GET, 0x1633);
        req.set_token(Token::new(&[0x4a]).unwrap());
        req.set_uint_option(OptionNumber::OBSERVE, 0);
        server.handle_datagram(Time::ZERO, CLIENT, &req.to_vec().unwrap());
        let Some(Event::Request { handle, .. }) = server.poll_event() else {
            panic!()
        };
        let mut r = OwnedMessage::response(Code::CONTENT);
        r.set_uint_option(OptionNumber::OBSERVE, 0);
        let obs = server.respond(Time::ZERO, handle, r).unwrap().unwrap();
        let ack = server.poll_transmit().unwrap();
        let seq0 = Message::parse(&ack.payload).unwrap().observe().unwrap();
        server
            .notify(Time::ZERO, obs, OwnedMessage::response(Code::CONTENT), true)
            .unwrap();
        let n = server.poll_transmit().unwrap();
        let seq1 = Message::parse(&n.payload).unwrap().observe().unwrap();
        assert!(observe::is_fresh(seq0, Time::ZERO, seq1, Time::ZERO));
        let mut now = Time::ZERO;
        let mut gone = false;
        for _ in 0..10 {
            let Some(t) = server.poll_timeout() else {
                break;
            };
            now = t;
            server.handle_timeout(now);
            while server.poll_transmit().is_some() {}
            if let Some(Event::ObserverGone { handle, .. }) = server.poll_event() {
                assert_eq!(handle, obs);
                gone = true;
            }
        }
        assert!(gone);
        assert_eq!(server.observers(), 0);
        assert_eq!(
            server.notify(now, obs, OwnedMessage::response(Code::CONTENT), false),
            Err(ExchangeError::UnknownHandle)
        );
    }

    #[test]
    fn rst_to_non_notification_removes_observer() {
        let mut server = Endpoint::<u8>::new(Config::default(), 3);
        let mut req = OwnedMessage::new(MessageType::NonConfirmable, Code::GET, 0x10);
        req.set_token(Token::new(&[1, 2]).unwrap());
        req.set_uint_option(OptionNumber::OBSERVE, 0);
        server.handle_datagram(Time::ZERO, CLIENT, &req.to_vec().unwrap());
        let Some(Event::Request { handle, .. }) = server.poll_event() else {
            panic!()
        };
        let mut r = OwnedMessage::response(Code::CONTENT);
        r.set_uint_option(OptionNumber::OBSERVE, 0);
        let obs = server.respond(Time::ZERO, handle, r).unwrap().unwrap();
        assert_eq!(
            Message::parse(&server.poll_transmit().unwrap().payload)
                .unwrap()
                .mtype(),
            MessageType::NonConfirmable
        );
        server
            .notify(
                Time::ZERO,
                obs,
                OwnedMessage::response(Code::CONTENT),
                false,
            )
            .unwrap();
        let n = server.poll_transmit().unwrap();
        let mid = Message::parse(&n.payload).unwrap().message_id();
        server.handle_datagram(
            Time::ZERO,
            CLIENT,
            &OwnedMessage::reset(mid).to_vec().unwrap(),
        );
        assert!(matches!(
            server.poll_event(),
            Some(Event::ObserverGone { .. })
        ));
    }

    #[test]
    fn client_drops_reordered_notifications() {
        let mut ep = Endpoint::<u8>::new(Config::default(), 9);
        let mut req = OwnedMessage::request(Code::GET);
        req.set_uint_option(OptionNumber::OBSERVE, 0);
        let h = ep.request(Time::ZERO, 1, req).unwrap();
        let tx = ep.poll_transmit().unwrap();
        let sent = Message::parse(&tx.payload).unwrap();
        let token = Token::new(sent.token()).unwrap();
        let notif = |mid: u16, seq: u32, t: MessageType| {
            let mut n = OwnedMessage::new(t, Code::CONTENT, mid);
            n.set_token(token);
            n.set_uint_option(OptionNumber::OBSERVE, seq);
            n.set_payload(seq.to_string().into_bytes());
            n.to_vec().unwrap()
        };
        let mut ack = notif(sent.message_id(), 10, MessageType::Acknowledgement);
        ep.handle_datagram(Time::ZERO, 1, &ack);
        ep.handle_datagram(Time::ZERO, 1, &notif(100, 12, MessageType::NonConfirmable));
        ep.handle_datagram(Time::ZERO, 1, &notif(101, 11, MessageType::NonConfirmable));
        ep.handle_datagram(Time::ZERO, 1, &notif(102, 13, MessageType::Confirmable));
        let mut seqs = vec![];
        while let Some(e) = ep.poll_event() {
            if let Event::Notification { handle, response } = e {
                assert_eq!(handle, h);
                seqs.push(response.observe().unwrap());
            }
        }
        assert_eq!(seqs, [10, 12, 13]);
        // The CON notification was acknowledged.
        let mut acks = 0;
        while let Some(t) = ep.poll_transmit() {
            let m = Message::parse(&t.payload).unwrap();
            if m.mtype() == MessageType::Acknowledgement && m.message_id() == 102 {
                acks += 1;
            }
        }
        assert_eq!(acks, 1);
        ack.clear();
    }
}
