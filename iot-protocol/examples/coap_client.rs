//! A CoAP client over the tokio UDP driver: GET a resource (Block2 bodies come back whole) and
//! optionally observe it.
//!
//! `cargo run -p iot-protocol --features tokio --example coap_client -- coap://127.0.0.1:5683/time [observe-count]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::net::{IpAddr, SocketAddr};

use iot_protocol::coap::{Code, Config, OwnedMessage, driver, uri};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "coap://127.0.0.1:5683/.well-known/core".to_string());
    let observe: usize = std::env::args().nth(2).map_or(0, |s| s.parse().unwrap());
    let u = uri::CoapUri::parse(&arg).expect("a coap:// URI");
    let ip: IpAddr = match u.host {
        uri::Host::Ipv4(a) => a.into(),
        uri::Host::Ipv6(s) => s.parse().unwrap(),
        uri::Host::Name("localhost") => [127, 0, 0, 1].into(),
        uri::Host::Name(n) => {
            println!("this example does not resolve names: {n}");
            return;
        }
    };
    let peer = SocketAddr::new(ip, u.port);
    let mut req = OwnedMessage::request(Code::GET);
    req.set_path(u.path).unwrap();
    if let Some(q) = u.query {
        req.set_query(q).unwrap();
    }
    let (client, _incoming) = driver::bind("0.0.0.0:0".parse().unwrap(), Config::default())
        .await
        .unwrap();
    if observe == 0 {
        let resp = client.request(peer, req).await.unwrap();
        println!("{} ({} bytes)", resp.code(), resp.payload().len());
        println!("{}", String::from_utf8_lossy(resp.payload()));
        return;
    }
    let mut obs = client.observe(peer, req).await.unwrap();
    for _ in 0..observe {
        match obs.next().await {
            Some(Ok(n)) => println!(
                "{} observe={:?}: {}",
                n.code(),
                n.observe(),
                String::from_utf8_lossy(n.payload())
            ),
            other => {
                println!("observation ended: {other:?}");
                return;
            }
        }
    }
    obs.cancel().await.unwrap();
}
