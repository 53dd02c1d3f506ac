//! A compact binary form of [`SessionState`] for storage: [`SessionState::to_bytes`] and
//! [`SessionState::from_bytes`].
//!
//! Layout (all integers big-endian, strings as a 2-byte length then UTF-8):
//!
//! ```text
//! "IOTS" 0x01                      magic and format version
//! client_id: string
//! next_packet_id: u16
//! subscriptions: u16 count, each: filter string, options u8, identifier u32 (0 = none)
//! incoming_qos2: u16 count, each u16
//! outgoing: u16 count, each: released u8, then one MQTT 5 PUBLISH packet
//! queued: u32 count, each: one MQTT 5 PUBLISH packet
//! ```
//!
//! Messages are stored as MQTT 5 PUBLISH packets written and read by this crate's codec, so
//! every property survives and a stored message is validated like a received one on the way
//! back in. Options byte: bits 0–1 QoS, bit 2 No Local, bit 3 Retain As Published, bits 4–5
//! Retain Handling (the MQTT 5 Subscription Options layout, 5.0 §3.8.3.1).

use alloc::{string::String, vec::Vec};
use bytes::{BufMut, Bytes, BytesMut};
use core::num::NonZeroU32;

use super::{
    PersistError,
    state::{Message, OutgoingMessage, SessionState, StoredSubscription},
};
use crate::mqtt::{
    Decoder, Encoder, PROTOCOL_MAX_PACKET_SIZE, Packet, ProtocolVersion, QoS, RetainHandling,
    SubscriptionOptions,
};

const MAGIC: &[u8; 4] = b"IOTS";
const FORMAT: u8 = 1;

impl SessionState {
    /// Encodes the state for storage. Fails only for a message that cannot be a legal MQTT 5
    /// PUBLISH, or for more than 65 535 entries of a kind.
    ///
    /// Layout (integers big-endian, strings as a 2-byte length then UTF-8): `"IOTS"`, format
    /// 1, client id, next packet id (u16); subscriptions (u16 count; filter, options byte in the
    /// MQTT 5 Subscription Options layout, identifier u32 with 0 for none); QoS 2 identifiers
    /// awaiting PUBREL (u16 count, u16 each); messages in flight (u16 count; released flag
    /// byte, then the message as an MQTT 5 PUBLISH packet carrying its packet identifier);
    /// queued messages (u32 count, each an MQTT 5 PUBLISH packet). Messages go through this
    /// crate's codec, so every property survives and a stored message is validated like a
    /// received one on the way back in.
    ///
    /// ```
    /// use iot_protocol::mqtt::{QoS, TopicName};
    /// use iot_protocol::mqtt::session::{Message, SessionState};
    ///
    /// let mut state = SessionState::new("device-7");
    /// let topic = TopicName::from_static("t/1");
    /// state.queued.push(Message::new(topic, &b"hi"[..], QoS::AtLeastOnce).with_expiry_interval(60));
    /// let stored = state.to_bytes()?;
    /// assert_eq!(SessionState::from_bytes(&stored)?, state);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Bytes, PersistError> {
        let mut out = BytesMut::new();
        out.put_slice(MAGIC);
        out.put_u8(FORMAT);
        put_str(&mut out, &self.client_id)?;
        out.put_u16(self.next_packet_id);
        out.put_u16(count16(self.subscriptions.len())?);
        for s in &self.subscriptions {
            put_str(&mut out, &s.filter)?;
            out.put_u8(options_byte(s.options));
            out.put_u32(s.identifier.map_or(0, NonZeroU32::get));
        }
        out.put_u16(count16(self.incoming_qos2.len())?);
        for id in &self.incoming_qos2 {
            out.put_u16(*id);
        }
        let mut enc = Encoder::new(ProtocolVersion::V5);
        enc.set_max_packet_size(PROTOCOL_MAX_PACKET_SIZE);
        out.put_u16(count16(self.outgoing.len())?);
        for o in &self.outgoing {
            out.put_u8(u8::from(o.released));
            put_message(&enc, &mut out, &o.message, o.packet_id)?;
        }
        out.put_u32(u32::try_from(self.queued.len()).map_err(|_| PersistError::TooMany)?);
        for m in &self.queued {
            put_message(&enc, &mut out, m, 1)?;
        }
        Ok(out.freeze())
    }

    /// Decodes a state written by [`SessionState::to_bytes`]. Every field is checked; nothing is
    /// allocated beyond what the input itself holds.
    pub fn from_bytes(bytes: &Bytes) -> Result<Self, PersistError> {
        let mut r = Reader { buf: bytes.clone() };
        if r.take(4)?.as_ref() != MAGIC {
            return Err(PersistError::BadMagic);
        }
        let format = r.u8()?;
        if format != FORMAT {
            return Err(PersistError::UnsupportedFormat(format));
        }
        let client_id = r.string()?;
        let next_packet_id = r.u16()?;
        let n = r.u16()?;
        let mut subscriptions = Vec::with_capacity(usize::from(n).min(r.buf.len() / 7));
        for _ in 0..n {
            let filter = r.string()?.into_boxed_str();
            crate::topic::validate_topic_filter(&filter).map_err(|_| PersistError::Invalid)?;
            let options = options_from(r.u8()?)?;
            let identifier = NonZeroU32::new(r.u32()?);
            subscriptions.push(StoredSubscription {
                filter,
                options,
                identifier,
            });
        }
        let n = r.u16()?;
        let mut incoming_qos2 = Vec::with_capacity(usize::from(n).min(r.buf.len() / 2));
        for _ in 0..n {
            incoming_qos2.push(r.u16()?);
        }
        let mut dec = Decoder::with_version(ProtocolVersion::V5);
        dec.set_max_packet_size(PROTOCOL_MAX_PACKET_SIZE);
        let n = r.u16()?;
        let mut outgoing = Vec::with_capacity(usize::from(n).min(r.buf.len() / 8));
        for _ in 0..n {
            let released = match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(PersistError::Invalid),
            };
            let (message, packet_id) = r.message(&mut dec)?;
            outgoing.push(OutgoingMessage {
                packet_id,
                released,
                message,
            });
        }
        let n = r.u32()?;
        let cap = usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(r.buf.len() / 8);
        let mut queued = Vec::with_capacity(cap);
        for _ in 0..n {
            queued.push(r.message(&mut dec)?.0);
        }
        if !r.buf.is_empty() {
            return Err(PersistError::TrailingBytes);
        }
        Ok(Self {
            client_id,
            subscriptions,
            outgoing,
            incoming_qos2,
            queued,
            next_packet_id,
        })
    }
}

fn count16(n: usize) -> Result<u16, PersistError> {
    u16::try_from(n).map_err(|_| PersistError::TooMany)
}

fn put_str(out: &mut BytesMut, s: &str) -> Result<(), PersistError> {
    out.put_u16(u16::try_from(s.len()).map_err(|_| PersistError::TooMany)?);
    out.put_slice(s.as_bytes());
    Ok(())
}

fn put_message(
    enc: &Encoder,
    out: &mut BytesMut,
    m: &Message,
    packet_id: u16,
) -> Result<(), PersistError> {
    let mut p = m.to_publish();
    if p.qos != QoS::AtMostOnce {
        p.packet_id = packet_id.max(1);
    }
    enc.encode(&Packet::Publish(p), out)
        .map_err(PersistError::Encode)
}

fn options_byte(o: SubscriptionOptions) -> u8 {
    (o.qos as u8)
        | (u8::from(o.no_local) << 2)
        | (u8::from(o.retain_as_published) << 3)
        | ((o.retain_handling as u8) << 4)
}

fn options_from(b: u8) -> Result<SubscriptionOptions, PersistError> {
    let qos = QoS::from_u8(b & 0x03).ok_or(PersistError::Invalid)?;
    let retain_handling = match (b >> 4) & 0x03 {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendAtSubscribeIfNew,
        2 => RetainHandling::DoNotSend,
        _ => return Err(PersistError::Invalid),
    };
    if b & 0xC0 != 0 {
        return Err(PersistError::Invalid);
    }
    Ok(SubscriptionOptions {
        qos,
        no_local: b & 0x04 != 0,
        retain_as_published: b & 0x08 != 0,
        retain_handling,
    })
}

struct Reader {
    buf: Bytes,
}

impl Reader {
    fn take(&mut self, n: usize) -> Result<Bytes, PersistError> {
        if self.buf.len() < n {
            return Err(PersistError::Truncated);
        }
        Ok(self.buf.split_to(n))
    }

    fn u8(&mut self) -> Result<u8, PersistError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, PersistError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, PersistError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, PersistError> {
        let n = self.u16()?;
        let b = self.take(usize::from(n))?;
        core::str::from_utf8(&b)
            .map(String::from)
            .map_err(|_| PersistError::Invalid)
    }

    fn message(&mut self, dec: &mut Decoder) -> Result<(Message, u16), PersistError> {
        match dec.decode_bytes(&mut self.buf) {
            Ok(Some(Packet::Publish(p))) => {
                let id = p.packet_id;
                Ok((Message::from_publish(p), id))
            }
            Ok(Some(_)) => Err(PersistError::Invalid),
            Ok(None) => Err(PersistError::Truncated),
            Err(e) => Err(PersistError::Packet(e)),
        }
    }
}
