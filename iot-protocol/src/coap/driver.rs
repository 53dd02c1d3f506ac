//! A UDP driver (feature `tokio`): runs an [`Endpoint`] on a `tokio::net::UdpSocket` in a task.
//!
//! The driver is thin glue: it reads datagrams into [`Endpoint::handle_datagram`], sleeps until
//! [`Endpoint::poll_timeout`], sends what [`Endpoint::poll_transmit`] returns and routes
//! [`Event`]s to the callers. All protocol behaviour lives in the sans-IO endpoint.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use iot_protocol::coap::{driver, Code, Config, OwnedMessage};
//!
//! let (client, _incoming) = driver::bind("127.0.0.1:0".parse().unwrap(), Config::default()).await?;
//! let mut req = OwnedMessage::request(Code::GET);
//! req.set_path("/time").unwrap();
//! let resp = client.request("127.0.0.1:5683".parse().unwrap(), req).await;
//! # let _ = resp; Ok(()) }
//! ```

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hasher};
use core::net::SocketAddr;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::exchange::{Endpoint, Event, IncomingHandle, ObserveHandle, RequestHandle};
use super::{Config, ExchangeError, OwnedMessage, Time};

/// Why a driver call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The exchange layer refused the call.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// No acknowledgement or response in time.
    #[error("request timed out")]
    TimedOut,
    /// The peer answered with a Reset.
    #[error("peer answered with a Reset")]
    Reset,
    /// The driver task has stopped (socket error or all handles dropped).
    #[error("the CoAP driver has stopped")]
    Closed,
}

/// What the server side of the driver hands to the application.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A request to answer with [`Client::respond`].
    Request {
        /// Handle for `respond`.
        handle: IncomingHandle,
        /// Who sent it.
        peer: SocketAddr,
        /// The request.
        request: OwnedMessage,
    },
    /// An observer went away (RFC 7641 §3.6, §4.5).
    ObserverGone {
        /// The relation.
        handle: ObserveHandle,
        /// The observer.
        peer: SocketAddr,
    },
}

enum Command {
    Request {
        peer: SocketAddr,
        msg: OwnedMessage,
        sink: Sink,
        reply: oneshot::Sender<Result<RequestHandle, ExchangeError>>,
    },
    Cancel {
        handle: RequestHandle,
    },
    Respond {
        handle: IncomingHandle,
        msg: OwnedMessage,
        reply: oneshot::Sender<Result<Option<ObserveHandle>, ExchangeError>>,
    },
    Notify {
        handle: ObserveHandle,
        msg: OwnedMessage,
        confirmable: bool,
        reply: oneshot::Sender<Result<(), ExchangeError>>,
    },
}

enum Sink {
    Once(oneshot::Sender<Result<OwnedMessage, DriverError>>),
    Stream(mpsc::Sender<Result<OwnedMessage, DriverError>>),
}

/// The application's handle on a running driver: client calls and server answers. Cheap to
/// clone; the driver task stops when every handle and the [`Incoming`] receiver are dropped.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::Sender<Command>,
    local: SocketAddr,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Command")
    }
}

/// Server-side events of a running driver.
#[derive(Debug)]
pub struct Incoming {
    rx: mpsc::Receiver<ServerEvent>,
}

impl Incoming {
    /// The next request or observer event; `None` once the driver stopped.
    pub async fn next(&mut self) -> Option<ServerEvent> {
        self.rx.recv().await
    }
}

/// A running observation (RFC 7641) started with [`Client::observe`].
#[derive(Debug)]
pub struct Observation {
    handle: RequestHandle,
    rx: mpsc::Receiver<Result<OwnedMessage, DriverError>>,
    tx: mpsc::Sender<Command>,
}

impl Observation {
    /// The next notification (the first one is the response to the registration). `None` when
    /// the observation ended. When the application falls behind by more than 64 notifications,
    /// newer ones are dropped: observe promises eventual consistency, not every state.
    pub async fn next(&mut self) -> Option<Result<OwnedMessage, DriverError>> {
        self.rx.recv().await
    }

    /// Deregisters (RFC 7641 §3.6: a GET with Observe 1) and returns.
    pub async fn cancel(self) -> Result<(), DriverError> {
        self.tx
            .send(Command::Cancel {
                handle: self.handle,
            })
            .await
            .map_err(|_| DriverError::Closed)
    }
}

/// Binds a UDP socket and starts the driver task on the current tokio runtime.
pub async fn bind(addr: SocketAddr, config: Config) -> std::io::Result<(Client, Incoming)> {
    let socket = UdpSocket::bind(addr).await?;
    Ok(spawn(socket, config))
}

/// Starts the driver task on an already bound socket.
pub fn spawn(socket: UdpSocket, config: Config) -> (Client, Incoming) {
    let local = socket
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let (tx, rx) = mpsc::channel(64);
    let (srv_tx, srv_rx) = mpsc::channel(256);
    let seed = std::hash::RandomState::new().build_hasher().finish();
    let endpoint = Endpoint::new(config, seed);
    tokio::spawn(run(Arc::new(socket), endpoint, rx, srv_tx));
    (Client { tx, local }, Incoming { rx: srv_rx })
}

impl Client {
    /// The local socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends a request and waits for its final response (Block2 bodies reassembled).
    pub async fn request(
        &self,
        peer: SocketAddr,
        msg: OwnedMessage,
    ) -> Result<OwnedMessage, DriverError> {
        let (otx, orx) = oneshot::channel();
        let (rtx, rrx) = oneshot::channel();
        self.tx
            .send(Command::Request {
                peer,
                msg,
                sink: Sink::Once(otx),
                reply: rtx,
            })
            .await
            .map_err(|_| DriverError::Closed)?;
        rrx.await.map_err(|_| DriverError::Closed)??;
        orx.await.map_err(|_| DriverError::Closed)?
    }

    /// Registers an observation: `msg` should be a GET; Observe 0 is set here.
    pub async fn observe(
        &self,
        peer: SocketAddr,
        mut msg: OwnedMessage,
    ) -> Result<Observation, DriverError> {
        msg.set_uint_option(super::OptionNumber::OBSERVE, super::observe::REGISTER);
        let (stx, srx) = mpsc::channel(64);
        let (rtx, rrx) = oneshot::channel();
        self.tx
            .send(Command::Request {
                peer,
                msg,
                sink: Sink::Stream(stx),
                reply: rtx,
            })
            .await
            .map_err(|_| DriverError::Closed)?;
        let handle = rrx.await.map_err(|_| DriverError::Closed)??;
        Ok(Observation {
            handle,
            rx: srx,
            tx: self.tx.clone(),
        })
    }

    /// Answers a request received as [`ServerEvent::Request`] (see [`Endpoint::respond`]).
    pub async fn respond(
        &self,
        handle: IncomingHandle,
        msg: OwnedMessage,
    ) -> Result<Option<ObserveHandle>, DriverError> {
        let (rtx, rrx) = oneshot::channel();
        self.tx
            .send(Command::Respond {
                handle,
                msg,
                reply: rtx,
            })
            .await
            .map_err(|_| DriverError::Closed)?;
        Ok(rrx.await.map_err(|_| DriverError::Closed)??)
    }

    /// Sends a notification to an observer (see [`Endpoint::notify`]).
    pub async fn notify(
        &self,
        handle: ObserveHandle,
        msg: OwnedMessage,
        confirmable: bool,
    ) -> Result<(), DriverError> {
        let (rtx, rrx) = oneshot::channel();
        self.tx
            .send(Command::Notify {
                handle,
                msg,
                confirmable,
                reply: rtx,
            })
            .await
            .map_err(|_| DriverError::Closed)?;
        Ok(rrx.await.map_err(|_| DriverError::Closed)??)
    }
}

async fn run(
    socket: Arc<UdpSocket>,
    mut ep: Endpoint<SocketAddr>,
    mut rx: mpsc::Receiver<Command>,
    srv: mpsc::Sender<ServerEvent>,
) {
    let start = Instant::now();
    let now = || Time::from_millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
    let mut sinks: BTreeMap<RequestHandle, Sink> = BTreeMap::new();
    // Large enough for any UDP datagram.
    let mut buf = std::vec![0u8; 65_536];
    let mut commands_open = true;
    loop {
        let deadline = ep
            .poll_timeout()
            .map(|t| start + core::time::Duration::from_millis(t.as_millis()));
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                // Receive errors (ICMP port unreachable on some systems) are ignored:
                // retransmission and timeouts handle a silent peer.
                if let Ok((n, from)) = r {
                    ep.handle_datagram(now(), from, &buf[..n]);
                }
            }
            cmd = rx.recv(), if commands_open => {
                match cmd {
                    None => commands_open = false,
                    Some(c) => handle_command(&mut ep, now(), c, &mut sinks),
                }
            }
            () = sleep_until(deadline) => ep.handle_timeout(now()),
        }
        while let Some(t) = ep.poll_transmit() {
            let _ = socket.send_to(&t.payload, t.destination).await;
        }
        let mut closed = Vec::new();
        while let Some(e) = ep.poll_event() {
            dispatch(e, &mut sinks, &srv, &mut closed);
        }
        // An Observation dropped without `cancel`: deregister for it.
        for h in closed {
            sinks.remove(&h);
            let _ = ep.cancel(now(), h);
        }
        sinks.retain(|h, _| ep.is_open(*h));
        while let Some(t) = ep.poll_transmit() {
            let _ = socket.send_to(&t.payload, t.destination).await;
        }
        if !commands_open && srv.is_closed() && sinks.is_empty() {
            return;
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => core::future::pending().await,
    }
}

fn handle_command(
    ep: &mut Endpoint<SocketAddr>,
    now: Time,
    c: Command,
    sinks: &mut BTreeMap<RequestHandle, Sink>,
) {
    match c {
        Command::Request {
            peer,
            msg,
            sink,
            reply,
        } => match ep.request(now, peer, msg) {
            Ok(h) => {
                sinks.insert(h, sink);
                let _ = reply.send(Ok(h));
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        },
        Command::Cancel { handle } => {
            let _ = ep.cancel(now, handle);
        }
        Command::Respond { handle, msg, reply } => {
            let _ = reply.send(ep.respond(now, handle, msg));
        }
        Command::Notify {
            handle,
            msg,
            confirmable,
            reply,
        } => {
            let _ = reply.send(ep.notify(now, handle, msg, confirmable));
        }
    }
}

fn finish(
    sinks: &mut BTreeMap<RequestHandle, Sink>,
    h: RequestHandle,
    r: Result<OwnedMessage, DriverError>,
) {
    match sinks.remove(&h) {
        Some(Sink::Once(tx)) => {
            let _ = tx.send(r);
        }
        Some(Sink::Stream(tx)) => {
            let _ = tx.try_send(r);
        }
        None => {}
    }
}

fn dispatch(
    e: Event<SocketAddr>,
    sinks: &mut BTreeMap<RequestHandle, Sink>,
    srv: &mpsc::Sender<ServerEvent>,
    closed: &mut Vec<RequestHandle>,
) {
    match e {
        Event::Request {
            handle,
            peer,
            request,
        } => {
            // A full queue drops the request: the client retransmits (CON) or gives up (NON).
            let _ = srv.try_send(ServerEvent::Request {
                handle,
                peer,
                request,
            });
        }
        Event::ObserverGone { handle, peer } => {
            let _ = srv.try_send(ServerEvent::ObserverGone { handle, peer });
        }
        Event::Response { handle, response } => finish(sinks, handle, Ok(response)),
        Event::Notification { handle, response } => {
            if let Some(Sink::Stream(tx)) = sinks.get(&handle) {
                if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(Ok(response)) {
                    closed.push(handle);
                }
            } else if let Some(Sink::Once(_)) = sinks.get(&handle) {
                finish(sinks, handle, Ok(response));
            }
        }
        Event::RequestTimedOut { handle } => finish(sinks, handle, Err(DriverError::TimedOut)),
        Event::RequestReset { handle } => finish(sinks, handle, Err(DriverError::Reset)),
        Event::RequestFailed { handle, error } => match sinks.get(&handle) {
            // An observation survives a failed notification transfer; `retain` below drops the
            // sink if the endpoint ended the request.
            Some(Sink::Stream(tx)) => {
                let _ = tx.try_send(Err(DriverError::Exchange(error)));
            }
            _ => finish(sinks, handle, Err(DriverError::Exchange(error))),
        },
        _ => {}
    }
}
