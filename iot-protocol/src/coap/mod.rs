//! CoAP (RFC 7252) with block-wise transfer (RFC 7959) and observe (RFC 7641).
//!
//! # Layers
//!
//! - **Codec.** [`Message`] parses a datagram without copying or allocating: the token, every
//!   option value and the payload borrow the input, and [`Message::options`] iterates options in
//!   wire order. [`OwnedMessage`] is the owned form with [`bytes::Bytes`] values (zero-copy from a
//!   `Bytes` datagram); its encoder sorts options, computes deltas and refuses what RFC 7252
//!   forbids. [`OptionNumber`] knows every registered option's format, bounds and
//!   critical/unsafe/no-cache-key bits; unknown options stay opaque, and
//!   [`Message::check_critical_options`] finds the unknown critical ones that call for 4.02.
//! - **Block-wise** ([`BlockValue`], [`BlockReassembler`], [`BlockSplitter`]) and **observe**
//!   ([`observe`]) as plain values and bounded state.
//! - **Exchanges.** [`Endpoint`] is a sans-IO message and request/response layer for client
//!   and server roles: CON retransmission with randomised exponential back-off, deduplication,
//!   piggy-backed and separate responses, token matching, NSTART, automatic Block2 retrieval and
//!   observe with freshness ordering. It takes the current [`Time`] and a random seed from the
//!   caller and never touches a socket or a clock.
//! - **Driver** (feature `tokio`): `driver` runs an [`Endpoint`] on a `tokio::net::UdpSocket`.
//!
//! # What this module does not do
//!
//! No DTLS (`coaps`), no OSCORE, no CoAP over TCP framing, no multicast group handling, no
//! proxying or caching. It does not decide how to answer a malformed datagram on its own at the
//! codec level: [`DecodeError`] documents the RFC's rule and [`Header::peek`] gives the Message ID
//! for a Reset. (The [`Endpoint`] applies that rule for you.)
//!
//! # Example
//!
//! ```
//! use iot_protocol::coap::{Code, ContentFormat, Message, MessageType, OptionNumber, OwnedMessage, Token};
//!
//! // An Alibaba-style device request: POST /topic/sys/pk/dn/thing/event/property/post
//! let mut req = OwnedMessage::new(MessageType::Confirmable, Code::POST, 0x1234);
//! req.set_token(Token::new(&[0xbe, 0xef]).unwrap());
//! req.set_path("/topic/sys/pk/dn/thing/event/property/post").unwrap();
//! req.set_content_format(ContentFormat::JSON);
//! req.add_option(OptionNumber::ALIBABA_AUTH_TOKEN, &b"token-from-auth"[..]);
//! req.set_payload(&br#"{"id":"1","params":{"t":21.5}}"#[..]);
//! let bytes = req.to_vec().unwrap();
//!
//! let m = Message::parse(&bytes).unwrap();
//! assert_eq!(m.code(), Code::POST);
//! assert_eq!(m.uri_path().count(), 8);
//! assert_eq!(m.content_format(), Some(ContentFormat::JSON));
//! assert_eq!(m.option(OptionNumber::ALIBABA_AUTH_TOKEN).unwrap().value, b"token-from-auth");
//! // Option 2088 is elective: an endpoint that does not know it may ignore it.
//! assert!(m.check_critical_options(&[]).is_ok());
//! ```

mod block;
#[cfg(feature = "tokio")]
pub mod driver;
mod error;
mod exchange;
mod message;
pub mod observe;
mod option;
mod owned;
mod time;
pub mod uri;

pub use block::{BlockReassembler, BlockSplitter, BlockValue, Progress, szx_for_size};
pub use error::{
    BlockError, BlockValueError, DecodeError, EncodeError, ExchangeError, OptionError, UriError,
};
pub use exchange::{
    Config, Endpoint, Event, IncomingHandle, ObserveHandle, RequestHandle, TransmissionParameters,
    Transmit,
};
pub use message::{CoapOption, Code, CodeKind, Header, Message, MessageType, Options, Token};
pub use option::{
    ContentFormat, DEFINITIONS, OptionDef, OptionFormat, OptionNumber, decode_uint, encode_uint,
};
pub use owned::{OwnedMessage, encode_message};
pub use time::Time;
