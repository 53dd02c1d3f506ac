//! Interop with real third-party CoAP peers (../shared/spec/peers.md): libcoap's
//! `coap-server-notls` / `coap-client-notls` (Debian `libcoap3-bin`) and `aiocoap` (PyPI).
//!
//! Every peer runs on a loopback port of its own and is killed at the end; every step has a
//! timeout. A missing peer fails the test with an install hint, unless `IOT_SKIP_INTEROP=1`.
//!
//! `cargo test -p iot-protocol --features tokio --test coap_interop`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use iot_protocol::coap::driver::{self, Client, ServerEvent};
use iot_protocol::coap::{
    BlockReassembler, BlockSplitter, BlockValue, Code, Config, ObserveHandle, OptionNumber,
    OwnedMessage, Progress,
};
use tokio::time::timeout;

const STEP: Duration = Duration::from_secs(30);

/// The path of a peer program, or `None` when skipping is explicitly allowed.
fn peer(name: &str, hint: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Some(p),
        None if std::env::var("IOT_SKIP_INTEROP").as_deref() == Ok("1") => {
            eprintln!("skipping: {name} not installed and IOT_SKIP_INTEROP=1");
            None
        }
        None => panic!(
            "{name} is not installed; install it with `{hint}` (or set IOT_SKIP_INTEROP=1 to skip)"
        ),
    }
}

fn libcoap(bin: &str) -> Option<PathBuf> {
    peer(
        bin,
        "apt-get install -y --no-install-recommends libcoap3-bin",
    )
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a peer server on a free UDP port: `command` builds it for a port. Between asking the
/// OS for a free port and the peer's bind, a test running in parallel may be handed the same
/// one; the peer that loses exits at once, so a server still running after `settle` holds its
/// port, and one that exited is started again on another port.
async fn spawn_server(command: impl Fn(u16) -> Command, settle: Duration) -> (Guard, u16) {
    for _ in 0..5 {
        let port = free_udp_port();
        let mut server = Guard(
            command(port)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        tokio::time::sleep(settle).await;
        if server.0.try_wait().unwrap().is_none() {
            return (server, port);
        }
    }
    panic!("the peer server exited at start five times (ports taken?)");
}

/// Kills the child (by its own handle) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iot-coap-interop-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a peer command with a timeout and returns its stdout.
async fn run(cmd: &mut tokio::process::Command) -> String {
    let out = timeout(STEP, cmd.kill_on_drop(true).stderr(Stdio::piped()).output())
        .await
        .expect("peer command timed out")
        .unwrap();
    assert!(
        out.status.success(),
        "peer failed: {:?}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn body(n: usize) -> Vec<u8> {
    // Printable, so that command-line peers print it unchanged.
    (0..n)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36])
        .collect()
}

// ------------------------------------------------------------------ our client, their server

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_libcoap_server() {
    let (Some(server_bin), Some(client_bin)) =
        (libcoap("coap-server-notls"), libcoap("coap-client-notls"))
    else {
        return;
    };
    let (_server, port) = spawn_server(
        |port| {
            let mut c = Command::new(&server_bin);
            c.args(["-A", "127.0.0.1", "-p", &port.to_string(), "-d", "10"]);
            c
        },
        Duration::from_millis(300),
    )
    .await;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    // Put a 12 KB body on the server with libcoap's own client (Block1 between libcoap peers).
    let big = body(12 * 1024);
    let dir = scratch("libcoap-server");
    let file = dir.join("big.txt");
    std::fs::write(&file, &big).unwrap();
    run(tokio::process::Command::new(client_bin).args([
        "-m",
        "put",
        "-b",
        "1024",
        "-f",
        file.to_str().unwrap(),
        &format!("coap://127.0.0.1:{port}/big"),
    ]))
    .await;

    let (client, _incoming) = driver::bind("127.0.0.1:0".parse().unwrap(), Config::default())
        .await
        .unwrap();

    // A plain GET of the index.
    let mut req = OwnedMessage::request(Code::GET);
    req.set_path("/").unwrap();
    let resp = timeout(STEP, client.request(addr, req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.code(), Code::CONTENT);
    assert!(String::from_utf8_lossy(resp.payload()).contains("libcoap"));

    // Block2: the whole 12 KB body comes back, reassembled from blocks.
    let mut req = OwnedMessage::request(Code::GET);
    req.set_path("/big").unwrap();
    let resp = timeout(STEP, client.request(addr, req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.code(), Code::CONTENT);
    assert_eq!(resp.payload().len(), big.len());
    assert_eq!(resp.payload().as_ref(), big.as_slice());

    // Block1: our client uploads 6000 bytes (1024-byte blocks by default) to a dynamic resource,
    // then reads them back with Block2.
    let up = body(6000);
    let mut req = OwnedMessage::request(Code::PUT);
    req.set_path("/upload").unwrap();
    req.set_payload(up.clone());
    let resp = timeout(STEP, client.request(addr, req))
        .await
        .unwrap()
        .unwrap();
    assert!(resp.code().is_success(), "{resp:?}");
    let mut req = OwnedMessage::request(Code::GET);
    req.set_path("/upload").unwrap();
    let resp = timeout(STEP, client.request(addr, req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.payload().as_ref(), up.as_slice());

    // Observe /time: the registration response plus three notifications, each fresh.
    let mut req = OwnedMessage::request(Code::GET);
    req.set_path("/time").unwrap();
    let mut obs = timeout(STEP, client.observe(addr, req))
        .await
        .unwrap()
        .unwrap();
    let mut seqs = Vec::new();
    for _ in 0..4 {
        let n = timeout(STEP, obs.next()).await.unwrap().unwrap().unwrap();
        assert_eq!(n.code(), Code::CONTENT);
        assert!(!n.payload().is_empty());
        seqs.push(n.observe().unwrap());
    }
    for w in seqs.windows(2) {
        assert!(
            iot_protocol::coap::observe::is_fresh(
                w[0],
                iot_protocol::coap::Time::ZERO,
                w[1],
                iot_protocol::coap::Time::ZERO
            ),
            "{seqs:?}"
        );
    }
    obs.cancel().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_aiocoap_fileserver() {
    let Some(fileserver) = peer(
        "aiocoap-fileserver",
        "python3 -m pip install 'aiocoap>=0.4.17'",
    ) else {
        return;
    };
    let dir = scratch("aiocoap-fs");
    let big = body(20_000);
    std::fs::write(dir.join("big.txt"), &big).unwrap();
    // Python takes a moment to import; a lost port race shows as an exit within that time.
    let (_server, port) = spawn_server(
        |port| {
            let mut c = Command::new(&fileserver);
            c.args([
                "--bind",
                &format!("127.0.0.1:{port}"),
                dir.to_str().unwrap(),
            ]);
            c
        },
        Duration::from_millis(1500),
    )
    .await;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (client, _incoming) = driver::bind("127.0.0.1:0".parse().unwrap(), Config::default())
        .await
        .unwrap();
    // aiocoap takes a moment to start (Python imports): retry until it answers.
    let mut got = None;
    for _ in 0..40 {
        let mut req = OwnedMessage::request(Code::GET);
        req.set_path("/big.txt").unwrap();
        let mut cfg_req = req.clone();
        cfg_req.set_mtype(iot_protocol::coap::MessageType::Confirmable);
        match timeout(Duration::from_secs(5), client.request(addr, cfg_req)).await {
            Ok(Ok(r)) => {
                got = Some(r);
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    let resp = got.expect("aiocoap-fileserver never answered");
    assert_eq!(resp.code(), Code::CONTENT);
    assert_eq!(resp.payload().as_ref(), big.as_slice());
    let _ = std::fs::remove_dir_all(dir);
}

// ------------------------------------------------------------------ their client, our server

/// The test server: `/hello`, `/store` (PUT with Block1, GET with Block2) and `/obs`
/// (observable, a notification every 300 ms).
async fn serve(client: Client, mut incoming: driver::Incoming) {
    let mut store: HashMap<String, Bytes> = HashMap::new();
    let mut uploads: HashMap<(SocketAddr, String), BlockReassembler> = HashMap::new();
    let mut notifier: Option<tokio::task::JoinHandle<()>> = None;
    while let Some(ev) = incoming.next().await {
        let ServerEvent::Request {
            handle,
            peer,
            request,
        } = ev
        else {
            continue;
        };
        let path = request.path();
        let mut resp = OwnedMessage::response(Code::CONTENT);
        match (request.code(), path.as_str()) {
            (Code::GET, "/hello") => {
                resp.set_payload(&b"world"[..]);
            }
            (Code::PUT, "/store") => {
                let block1 = request.block1().transpose();
                match block1 {
                    Err(_) => {
                        resp.set_code(Code::BAD_REQUEST);
                    }
                    Ok(None) => {
                        store.insert(path.clone(), request.payload().clone());
                        resp.set_code(Code::CHANGED);
                    }
                    Ok(Some(b)) => {
                        // RFC 7959 §2.3: acknowledge each block with 2.31 Continue, the last one
                        // with the final response code, echoing Block1.
                        let r = uploads
                            .entry((peer, path.clone()))
                            .or_insert_with(|| BlockReassembler::new(1 << 20));
                        match r.push(b, request.payload()) {
                            Ok(Progress::Complete) => {
                                let body = r.take().unwrap();
                                uploads.remove(&(peer, path.clone()));
                                store.insert(path.clone(), Bytes::from(body));
                                resp.set_code(Code::CHANGED);
                            }
                            Ok(Progress::Incomplete { .. }) => {
                                resp.set_code(Code::CONTINUE);
                            }
                            Err(_) => {
                                uploads.remove(&(peer, path.clone()));
                                resp.set_code(Code::REQUEST_ENTITY_INCOMPLETE);
                            }
                        }
                        resp.set_option(OptionNumber::BLOCK1, b.to_bytes());
                    }
                }
            }
            (Code::GET, "/store") => match store.get("/store") {
                None => {
                    resp.set_code(Code::NOT_FOUND);
                }
                Some(body) => {
                    let (num, szx) = match request.block2() {
                        Some(Ok(b)) => (b.num(), b.szx()),
                        _ => (0, 6),
                    };
                    if body.len() <= 1024 && request.block2().is_none() {
                        resp.set_payload(body.clone());
                    } else {
                        let split = BlockSplitter::new(body.clone(), 6);
                        match split.block(num, szx) {
                            Ok((bv, chunk)) => {
                                resp.set_option(OptionNumber::BLOCK2, bv.to_bytes());
                                if num == 0 {
                                    resp.set_uint_option(
                                        OptionNumber::SIZE2,
                                        u32::try_from(body.len()).unwrap(),
                                    );
                                }
                                resp.set_payload(chunk);
                            }
                            Err(_) => {
                                resp.set_code(Code::BAD_OPTION);
                            }
                        }
                    }
                }
            },
            (Code::GET, "/obs") => {
                resp.set_payload(&b"n0"[..]);
                if request.observe() == Some(0) {
                    resp.set_uint_option(OptionNumber::OBSERVE, 0);
                }
            }
            _ => {
                resp.set_code(Code::NOT_FOUND);
            }
        }
        let is_obs = path == "/obs";
        let relation = client.respond(handle, resp).await.unwrap();
        if let (true, Some(h)) = (is_obs, relation) {
            if let Some(t) = notifier.take() {
                t.abort();
            }
            notifier = Some(tokio::spawn(notify_loop(client.clone(), h)));
        }
    }
}

async fn notify_loop(client: Client, h: ObserveHandle) {
    for i in 1..=20u32 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut n = OwnedMessage::response(Code::CONTENT);
        n.set_payload(format!("n{i}").into_bytes());
        // Mix CON and NON notifications (RFC 7641 §4.5).
        if client.notify(h, n, i % 2 == 0).await.is_err() {
            return;
        }
    }
}

async fn start_our_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let (client, incoming) = driver::bind("127.0.0.1:0".parse().unwrap(), Config::default())
        .await
        .unwrap();
    let addr = client.local_addr();
    let task = tokio::spawn(serve(client, incoming));
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libcoap_client_against_our_server() {
    let Some(client_bin) = libcoap("coap-client-notls") else {
        return;
    };
    let (addr, task) = start_our_server().await;
    let base = format!("coap://{addr}");

    let out = run(tokio::process::Command::new(&client_bin).args([
        "-m",
        "get",
        &format!("{base}/hello"),
    ]))
    .await;
    assert_eq!(out.trim_end(), "world");

    // PUT 5000 bytes with Block1 in 64-byte blocks, then GET it back (Block2, fetched by
    // libcoap block by block).
    let dir = scratch("libcoap-client");
    let file = dir.join("up.txt");
    let up = body(5000);
    std::fs::write(&file, &up).unwrap();
    run(tokio::process::Command::new(&client_bin).args([
        "-m",
        "put",
        "-b",
        "64",
        "-f",
        file.to_str().unwrap(),
        &format!("{base}/store"),
    ]))
    .await;
    let out = run(tokio::process::Command::new(&client_bin).args([
        "-m",
        "get",
        "-b",
        "256",
        &format!("{base}/store"),
    ]))
    .await;
    assert_eq!(out.trim_end().as_bytes(), up.as_slice());

    // Observe for 3 seconds: the registration response and at least three notifications.
    let out =
        run(tokio::process::Command::new(&client_bin).args(["-s", "3", &format!("{base}/obs")]))
            .await;
    for n in ["n0", "n1", "n2", "n3"] {
        assert!(out.contains(n), "missing {n} in {out:?}");
    }
    task.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aiocoap_client_against_our_server() {
    let Some(aiocoap_client) = peer("aiocoap-client", "python3 -m pip install 'aiocoap>=0.4.17'")
    else {
        return;
    };
    let (addr, task) = start_our_server().await;
    let out =
        run(tokio::process::Command::new(&aiocoap_client).args([&format!("coap://{addr}/hello")]))
            .await;
    assert_eq!(out.trim_end(), "world");
    // aiocoap sends its own Block1 PUT (a body larger than its default block size).
    let up = body(3000);
    let dir = scratch("aiocoap-client");
    let file = dir.join("up.txt");
    std::fs::write(&file, &up).unwrap();
    run(tokio::process::Command::new(&aiocoap_client).args([
        "-m",
        "PUT",
        "--payload",
        &format!("@{}", file.to_str().unwrap()),
        &format!("coap://{addr}/store"),
    ]))
    .await;
    let out =
        run(tokio::process::Command::new(&aiocoap_client).args([&format!("coap://{addr}/store")]))
            .await;
    assert_eq!(out.trim_end().as_bytes(), up.as_slice());
    task.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn block_value_helpers_used_by_the_server() {
    // The server above echoes Block1 values; make sure the echo keeps NUM/M/SZX.
    let b = BlockValue::new(77, true, 2).unwrap();
    assert_eq!(BlockValue::from_option_value(&b.to_bytes()).unwrap(), b);
}
