//! The streaming decoder: framing from the fixed header, then one parser per packet type.

use alloc::{boxed::Box, vec::Vec};
use bytes::{Buf, Bytes, BytesMut};

use super::{
    Auth, ConnAck, Connect, DecodeError, Disconnect, MqttString, Packet, PacketType, PingReq,
    PingResp, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, QoS, RetainHandling,
    SubAck, Subscribe, Subscription, SubscriptionOptions, TopicFilter, TopicName, UnsubAck,
    Unsubscribe, Will,
    properties::{Properties, PropertyContext},
    reason::{
        AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, PubAckReasonCode,
        PubCompReasonCode, PubRecReasonCode, PubRelReasonCode, SubAckReasonCode,
        UnsubAckReasonCode,
    },
    wire::{self, Reader, Vbi},
};
use crate::topic::TopicError;

/// The default maximum packet size of [`Decoder`] and [`Encoder`](super::Encoder): 1 MiB.
pub const DEFAULT_MAX_PACKET_SIZE: u32 = 1 << 20;

/// The largest packet MQTT can express: a 5-byte fixed header and a Remaining Length of
/// 268 435 455 (3.1.1 §2.2.3, 5.0 §1.5.5), about 256 MiB.
pub const PROTOCOL_MAX_PACKET_SIZE: u32 = wire::VBI_MAX + 5;

/// A parsed fixed header (3.1.1 §2.2, 5.0 §2.1.1).
#[derive(Debug, Clone, Copy)]
struct FixedHeader {
    packet_type: PacketType,
    flags: u8,
    /// Bytes of the fixed header: 1 + the length of the Remaining Length.
    header_len: usize,
    remaining_length: u32,
}

impl FixedHeader {
    fn total(&self) -> usize {
        self.header_len + self.remaining_length as usize
    }
}

/// Where the parts of a checked PUBLISH are in its frame, and its header fields: what is left
/// to do is to make the packet, which both PUBLISH paths do here.
struct PublishAt {
    /// Length of the whole frame.
    total: usize,
    /// The fixed header's flags (checked).
    flags: u8,
    packet_id: u16,
    topic_at: usize,
    topic_len: usize,
    payload_at: usize,
}

impl PublishAt {
    /// The packet, for a topic name whose bytes were all found below 0x80 (and to hold none of
    /// U+0000, `+` and `#`, or to be the empty name allowed with a Topic Alias).
    ///
    /// # Safety
    /// Every byte of `frame[topic_at..topic_at + topic_len]` must be below 0x80.
    #[allow(unsafe_code)]
    #[inline(always)]
    unsafe fn build(&self, frame: Bytes, properties: Properties) -> Packet {
        // SAFETY: the caller guarantees these bytes are ASCII, which is what
        // `from_ascii_unchecked` requires.
        let topic = unsafe {
            MqttString::from_ascii_unchecked(
                frame.slice(self.topic_at..self.topic_at + self.topic_len),
            )
        };
        self.build_with(topic, frame, properties)
    }

    /// The packet, with its topic name already made.
    #[inline(always)]
    fn build_with(&self, topic: MqttString, frame: Bytes, properties: Properties) -> Packet {
        let flags = self.flags;
        let mut payload = frame;
        payload.advance(self.payload_at);
        Packet::Publish(Publish {
            dup: flags & 0b1000 != 0,
            // QoS 3 was refused with the fixed header.
            qos: match (flags >> 1) & 0b11 {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            },
            retain: flags & 0b0001 != 0,
            // The name rules were checked (or it is the empty name of a PUBLISH with a Topic
            // Alias, which the general path allows only then).
            topic: TopicName::from_checked(topic),
            packet_id: self.packet_id,
            properties,
            payload,
        })
    }
}

/// A streaming MQTT decoder (see the [module documentation](super) for the entry points).
///
/// The decoder holds two settings and no buffer: the protocol version (learnt from a decoded
/// CONNECT or set by the caller) and the maximum packet size.
#[derive(Debug, Clone)]
pub struct Decoder {
    version: Option<ProtocolVersion>,
    max_packet_size: u32,
    topic_alias_maximum: Option<u16>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder that does not know the protocol version yet: it accepts only a CONNECT, and
    /// takes the version from it (what a server needs).
    pub const fn new() -> Self {
        Self {
            version: None,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            topic_alias_maximum: None,
        }
    }

    /// A decoder for a connection of a known version (what a client needs).
    pub const fn with_version(version: ProtocolVersion) -> Self {
        Self {
            version: Some(version),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            topic_alias_maximum: None,
        }
    }

    /// The protocol version packets are decoded with, if known.
    pub const fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// Sets the protocol version. Decoding a CONNECT sets it too.
    pub fn set_protocol_version(&mut self, version: ProtocolVersion) -> &mut Self {
        self.version = Some(version);
        self
    }

    /// The maximum size of a whole packet (fixed header included) that is accepted.
    pub const fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// Sets the maximum packet size, clamped to 2 ..= [`PROTOCOL_MAX_PACKET_SIZE`]. A larger
    /// packet fails with [`DecodeError::PacketTooLarge`] as soon as its fixed header is read.
    pub fn set_max_packet_size(&mut self, max: u32) -> &mut Self {
        self.max_packet_size = max.clamp(2, PROTOCOL_MAX_PACKET_SIZE);
        self
    }

    /// The Topic Alias Maximum that incoming PUBLISH packets are checked against, if any.
    pub const fn topic_alias_maximum(&self) -> Option<u16> {
        self.topic_alias_maximum
    }

    /// Checks incoming Topic Alias values against the Topic Alias Maximum this side announced
    /// (5.0 §3.3.2.3.4: "A Topic Alias value of 0 or greater than the Topic Alias Maximum is a
    /// Protocol Error"). `Some(0)` is the value to use when none was announced: then any alias
    /// is refused. `None` (the default) checks only the value 0.
    pub fn set_topic_alias_maximum(&mut self, max: Option<u16>) -> &mut Self {
        self.topic_alias_maximum = max;
        self
    }

    /// Checks the fixed header at the start of `buf` and returns the length of the whole packet
    /// once the header is complete (`Ok(None)` before that). The packet itself is complete when
    /// `buf.len()` reaches that length. Nothing is consumed.
    ///
    /// Type, flags and size are checked here, so a bad or oversized packet is refused before
    /// its body is received.
    pub fn frame_len(&self, buf: &[u8]) -> Result<Option<usize>, DecodeError> {
        Ok(self.header(buf)?.map(|h| h.total()))
    }

    /// Decodes the next packet from `src`. Returns `Ok(None)` and consumes nothing while the
    /// packet is incomplete; on success the packet's bytes are split off `src` and the packet
    /// borrows them (no copy). After an error the connection should be closed: the bytes of a
    /// complete malformed packet have been consumed, those of a bad fixed header have not.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        if let Some(at) = self.plain_publish(src) {
            let frame = src.split_to(at.total).freeze();
            // SAFETY: `plain_publish` accepts only a topic name whose bytes it found ASCII.
            #[allow(unsafe_code)]
            return Ok(Some(unsafe { at.build(frame, Properties::new()) }));
        }
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        if src.len() < h.total() {
            return Ok(None);
        }
        let frame = src.split_to(h.total()).freeze();
        if h.packet_type == PacketType::Publish {
            return self.publish(&h, frame);
        }
        self.parse(&h, &frame).map(Some)
    }

    /// As [`Decoder::decode`], for input already held in [`Bytes`].
    pub fn decode_bytes(&mut self, src: &mut Bytes) -> Result<Option<Packet>, DecodeError> {
        if let Some(at) = self.plain_publish(src) {
            let frame = src.split_to(at.total);
            // SAFETY: `plain_publish` accepts only a topic name whose bytes it found ASCII.
            #[allow(unsafe_code)]
            return Ok(Some(unsafe { at.build(frame, Properties::new()) }));
        }
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        if src.len() < h.total() {
            return Ok(None);
        }
        let frame = src.split_to(h.total());
        if h.packet_type == PacketType::Publish {
            return self.publish(&h, frame);
        }
        self.parse(&h, &frame).map(Some)
    }

    /// Decodes from a borrowed slice, copying the packet's bytes once into a new [`Bytes`].
    /// Returns the packet and the number of bytes it took, or `Ok(None)` if `buf` holds no
    /// complete packet.
    pub fn decode_slice(&mut self, buf: &[u8]) -> Result<Option<(Packet, usize)>, DecodeError> {
        if let Some(at) = self.plain_publish(buf) {
            let frame = Bytes::copy_from_slice(&buf[..at.total]);
            // SAFETY: `plain_publish` accepts only a topic name whose bytes it found ASCII, and
            // `frame` holds the same bytes at the same offsets.
            #[allow(unsafe_code)]
            return Ok(Some((
                unsafe { at.build(frame, Properties::new()) },
                at.total,
            )));
        }
        let Some(h) = self.header(buf)? else {
            return Ok(None);
        };
        let total = h.total();
        if buf.len() < total {
            return Ok(None);
        }
        let frame = Bytes::copy_from_slice(&buf[..total]);
        self.parse(&h, &frame).map(|p| Some((p, total)))
    }

    /// Decodes `frame`, which must hold exactly one packet.
    pub fn decode_frame(&mut self, frame: &Bytes) -> Result<Packet, DecodeError> {
        let Some(h) = self.header(frame)? else {
            return Err(DecodeError::UnexpectedEndOfPacket);
        };
        if frame.len() < h.total() {
            return Err(DecodeError::UnexpectedEndOfPacket);
        }
        if frame.len() > h.total() {
            return Err(DecodeError::TrailingBytes {
                packet_type: h.packet_type,
            });
        }
        self.parse(&h, frame)
    }

    /// PUBLISH (3.1.1 §3.3, 5.0 §3.3), the hot path of every broker and client.
    ///
    /// The frame is taken by value and becomes the payload (advanced past the variable
    /// header), which saves a reference-count update on the shared buffer per packet.
    #[inline]
    fn publish(&self, h: &FixedHeader, frame: Bytes) -> Result<Option<Packet>, DecodeError> {
        let v5 = self.version()? == ProtocolVersion::V5;
        let mut r = Reader::new(&frame, h.header_len);
        let flags = h.flags;
        // QoS 3 and DUP on QoS 0 were refused with the fixed header.
        let qos = match (flags >> 1) & 0b11 {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        };
        // 3.1.1 §3.3.2.1, 5.0 §3.3.2.1: "The Topic Name in the PUBLISH packet MUST NOT contain
        // wildcard characters"; U+0000 and ill-formed UTF-8 are refused as in every string.
        let (topic_at, topic_len, topic_ascii) = r.topic_name()?;
        // 3.1.1 §2.3.1, 5.0 §2.2.1: QoS 1 and 2 PUBLISH carry a non-zero packet identifier.
        let packet_id = if qos == QoS::AtMostOnce {
            0
        } else {
            packet_id(&mut r)?
        };
        let mut properties = Properties::new();
        // Most PUBLISH carry no properties: a Property Length of 0 is one byte.
        if v5 && !r.skip_zero_byte() {
            properties.decode_into(&mut r, PropertyContext::Packet(PacketType::Publish))?;
            // 5.0 §3.3.2.3.4: "A Topic Alias value of 0 or greater than the Topic Alias Maximum
            // is a Protocol Error" (0 was refused by the property decoder).
            if let (Some(alias), Some(max)) = (properties.topic_alias(), self.topic_alias_maximum)
                && alias > max
            {
                return Err(DecodeError::TopicAliasInvalid { alias, max });
            }
        }
        // 3.1.1 §4.7.3: topic names are at least one character long. 5.0 §3.3.2.3.4: a
        // zero-length Topic Name is allowed only with a Topic Alias.
        if topic_len == 0 && properties.topic_alias().is_none() {
            return Err(DecodeError::InvalidTopicName(TopicError::Empty));
        }
        let at = PublishAt {
            total: frame.len(),
            flags,
            packet_id,
            topic_at,
            topic_len,
            payload_at: r.position(),
        };
        if topic_ascii {
            // SAFETY: `topic_name` reports `true` only when its scan of exactly these bytes
            // found every one of them below 0x80.
            #[allow(unsafe_code)]
            return Ok(Some(unsafe { at.build(frame, properties) }));
        }
        // A name with non-ASCII bytes: the full UTF-8 check (rare, so not on the path above).
        let topic = r.utf8_string_at(topic_at, topic_len)?;
        Ok(Some(at.build_with(topic, frame, properties)))
    }

    /// The common PUBLISH, recognised from the first bytes of `src` without consuming them: a
    /// complete packet with a one- or two-byte Remaining Length within the size limit, a
    /// non-empty plain ASCII topic name (no U+0000, `+` or `#`), a non-zero packet identifier
    /// when QoS > 0 and, in 5.0, an empty property list. `None` for anything else, which the
    /// general path then decodes or refuses with its specific error; what this path accepts,
    /// the general path accepts too, with the same result (a property test checks that).
    #[inline(always)]
    fn plain_publish(&self, src: &[u8]) -> Option<PublishAt> {
        let version = self.version?;
        let (&b0, rest) = src.split_first()?;
        // Type 3; QoS 3 and DUP with QoS 0 are left to the general path's errors.
        let qos = (b0 >> 1) & 0b11;
        if b0 >> 4 != PacketType::Publish as u8 || qos == 3 || (qos == 0 && b0 & 0b1000 != 0) {
            return None;
        }
        let (rl, header_len) = match *rest {
            [b1, ..] if b1 < 0x80 => (usize::from(b1), 2),
            [b1, b2, ..] if b2 < 0x80 => (usize::from(b1 & 0x7F) | usize::from(b2) << 7, 3),
            _ => return None,
        };
        let total = header_len + rl;
        // At most 3 + 16 383 bytes, so the conversion cannot fail.
        if total > src.len() || u32::try_from(total).ok()? > self.max_packet_size {
            return None;
        }
        let body = &src[header_len..total];
        let [hi, lo, ref rest @ ..] = *body else {
            return None;
        };
        let topic_len = usize::from(u16::from_be_bytes([hi, lo]));
        if topic_len == 0 || topic_len > rest.len() {
            return None;
        }
        let (topic, rest) = rest.split_at(topic_len);
        if !crate::topic::scan::is_plain_ascii_name(topic) {
            return None;
        }
        let (packet_id, rest) = if qos == 0 {
            (0, rest)
        } else {
            let [hi, lo, ref rest @ ..] = *rest else {
                return None;
            };
            let id = u16::from_be_bytes([hi, lo]);
            if id == 0 {
                return None;
            }
            (id, rest)
        };
        let rest = match (version, rest) {
            (ProtocolVersion::V311, rest) => rest,
            (ProtocolVersion::V5, [0, rest @ ..]) => rest,
            (ProtocolVersion::V5, _) => return None,
        };
        Some(PublishAt {
            total,
            flags: b0 & 0x0F,
            packet_id,
            topic_at: header_len + 2,
            topic_len,
            payload_at: total - rest.len(),
        })
    }

    fn version(&self) -> Result<ProtocolVersion, DecodeError> {
        self.version.ok_or(DecodeError::ProtocolVersionUnknown)
    }

    #[inline]
    fn header(&self, buf: &[u8]) -> Result<Option<FixedHeader>, DecodeError> {
        let Some(&byte1) = buf.first() else {
            return Ok(None);
        };
        let type_bits = byte1 >> 4;
        let flags = byte1 & 0x0F;
        // 3.1.1 §2.2.1, 5.0 §2.1.2: type 0 is reserved ("Forbidden"); 15 is reserved in 3.1.1.
        let packet_type =
            PacketType::from_u8(type_bits).ok_or(DecodeError::ReservedPacketType(type_bits))?;
        if packet_type != PacketType::Connect {
            let version = self.version()?;
            if packet_type == PacketType::Auth && version == ProtocolVersion::V311 {
                return Err(DecodeError::ReservedPacketType(type_bits));
            }
        }
        match packet_type {
            PacketType::Publish => {
                // 3.1.1 §3.3.1.2, 5.0 §3.3.1.2: "A PUBLISH Packet MUST NOT have both QoS bits
                // set to 1."
                let qos = (flags >> 1) & 0b11;
                if qos == 3 {
                    return Err(DecodeError::InvalidQoS);
                }
                // 3.1.1 §3.3.1.1, 5.0 §3.3.1.1: "The DUP flag MUST be set to 0 for all QoS 0
                // messages."
                if qos == 0 && flags & 0b1000 != 0 {
                    return Err(DecodeError::DupWithQoS0);
                }
            }
            // 3.1.1 §3.6.1, §3.8.1, §3.10.1; 5.0 §3.6.1, §3.8.1, §3.10.1: bits 3..0 MUST be
            // 0,0,1,0; any other value is malformed.
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => {
                if flags != 0b0010 {
                    return Err(DecodeError::InvalidFixedHeaderFlags { packet_type, flags });
                }
            }
            // 3.1.1 §2.2.2, 5.0 §2.1.3: the flags of every other packet are reserved and 0.
            _ => {
                if flags != 0 {
                    return Err(DecodeError::InvalidFixedHeaderFlags { packet_type, flags });
                }
            }
        }
        // 3.1.1 §2.2.3, 5.0 §2.1.4: the Remaining Length is a Variable Byte Integer of at most
        // four bytes.
        let (remaining_length, vbi_len) = match wire::read_vbi(&buf[1..])? {
            Vbi::Value(v, n) => (v, n),
            Vbi::Incomplete => return Ok(None),
        };
        let header = FixedHeader {
            packet_type,
            flags,
            header_len: 1 + vbi_len,
            remaining_length,
        };
        // The size limit is enforced here, before the body is buffered (5.0 §3.1.2.11.4:
        // Maximum Packet Size counts the whole packet).
        let size = u32::try_from(header.total()).unwrap_or(u32::MAX);
        if size > self.max_packet_size {
            return Err(DecodeError::PacketTooLarge {
                size,
                max: self.max_packet_size,
            });
        }
        Ok(Some(header))
    }

    fn parse(&mut self, h: &FixedHeader, frame: &Bytes) -> Result<Packet, DecodeError> {
        let mut r = Reader::new(frame, h.header_len);
        let rl = h.remaining_length;
        let bad_length = || DecodeError::InvalidRemainingLength {
            packet_type: h.packet_type,
            remaining_length: rl,
        };
        if h.packet_type == PacketType::Connect {
            return self.connect(&mut r);
        }
        let v5 = self.version()? == ProtocolVersion::V5;
        let packet = match h.packet_type {
            PacketType::Connect => return self.connect(&mut r),
            PacketType::ConnAck => {
                // 3.1.1 §3.2.1: Remaining Length 2. 5.0 §3.2.2: flags, reason code and a
                // property length at least.
                if (!v5 && rl != 2) || (v5 && rl < 3) {
                    return Err(bad_length());
                }
                Packet::ConnAck(conn_ack(&mut r, v5)?)
            }
            PacketType::Publish => {
                return self
                    .publish(h, frame.clone())?
                    .ok_or(DecodeError::UnexpectedEndOfPacket);
            }
            PacketType::PubAck => {
                let (packet_id, code, properties) = ack(&mut r, h, v5)?;
                Packet::PubAck(PubAck {
                    packet_id,
                    reason_code: reason(PubAckReasonCode::from_u8(code), h, code)?,
                    properties,
                })
            }
            PacketType::PubRec => {
                let (packet_id, code, properties) = ack(&mut r, h, v5)?;
                Packet::PubRec(PubRec {
                    packet_id,
                    reason_code: reason(PubRecReasonCode::from_u8(code), h, code)?,
                    properties,
                })
            }
            PacketType::PubRel => {
                let (packet_id, code, properties) = ack(&mut r, h, v5)?;
                Packet::PubRel(PubRel {
                    packet_id,
                    reason_code: reason(PubRelReasonCode::from_u8(code), h, code)?,
                    properties,
                })
            }
            PacketType::PubComp => {
                let (packet_id, code, properties) = ack(&mut r, h, v5)?;
                Packet::PubComp(PubComp {
                    packet_id,
                    reason_code: reason(PubCompReasonCode::from_u8(code), h, code)?,
                    properties,
                })
            }
            PacketType::Subscribe => Packet::Subscribe(subscribe(&mut r, v5)?),
            PacketType::SubAck => Packet::SubAck(sub_ack(&mut r, h, v5)?),
            PacketType::Unsubscribe => Packet::Unsubscribe(unsubscribe(&mut r, v5)?),
            PacketType::UnsubAck => {
                // 3.1.1 §3.11.1: Remaining Length 2 (wolfMQTT #587 accepted 3).
                if !v5 && rl != 2 {
                    return Err(bad_length());
                }
                Packet::UnsubAck(unsub_ack(&mut r, h, v5)?)
            }
            // 3.1.1 §3.12.1, §3.13.1; 5.0 §3.12.1, §3.13.1: no variable header, no payload. A
            // PINGREQ with Remaining Length 2 is malformed, not a PINGREQ and two more bytes
            // (netty #16851).
            PacketType::PingReq => {
                if rl != 0 {
                    return Err(bad_length());
                }
                Packet::PingReq(PingReq)
            }
            PacketType::PingResp => {
                if rl != 0 {
                    return Err(bad_length());
                }
                Packet::PingResp(PingResp)
            }
            PacketType::Disconnect => {
                // 3.1.1 §3.14.1: Remaining Length 0.
                if !v5 && rl != 0 {
                    return Err(bad_length());
                }
                // 5.0 §3.14.2.1: "If the Remaining Length is less than 1 the value of 0x00
                // (Normal disconnection) is used"; §3.14.2.2.1: below 2, no properties.
                let mut reason_code = DisconnectReasonCode::NormalDisconnection;
                let mut properties = Properties::new();
                if !r.is_empty() {
                    let code = r.u8()?;
                    reason_code = reason(DisconnectReasonCode::from_u8(code), h, code)?;
                    if !r.is_empty() {
                        properties = Properties::decode(
                            &mut r,
                            PropertyContext::Packet(PacketType::Disconnect),
                        )?;
                    }
                }
                Packet::Disconnect(Disconnect {
                    reason_code,
                    properties,
                })
            }
            PacketType::Auth => {
                // 5.0 §3.15.2.1: a Remaining Length of 0 means Success without properties.
                let mut reason_code = AuthReasonCode::Success;
                let mut properties = Properties::new();
                if !r.is_empty() {
                    let code = r.u8()?;
                    reason_code = reason(AuthReasonCode::from_u8(code), h, code)?;
                    properties =
                        Properties::decode(&mut r, PropertyContext::Packet(PacketType::Auth))?;
                }
                Packet::Auth(Auth {
                    reason_code,
                    properties,
                })
            }
        };
        end(&r, h.packet_type)?;
        Ok(packet)
    }

    /// CONNECT (3.1.1 §3.1, 5.0 §3.1).
    fn connect(&mut self, r: &mut Reader<'_>) -> Result<Packet, DecodeError> {
        let name = r.raw_field()?;
        let level = r.u8()?;
        // 3.1.1 §3.1.2.1, 5.0 §3.1.2.1: the protocol name is the UTF-8 string "MQTT". The
        // MQTT 3.1 name "MQIsdp" is recognised to report its level as unsupported.
        if name != b"MQTT" {
            return Err(if name == b"MQIsdp" {
                DecodeError::UnsupportedProtocolVersion(level)
            } else {
                DecodeError::InvalidProtocolName
            });
        }
        let version = match level {
            4 => ProtocolVersion::V311,
            5 => ProtocolVersion::V5,
            other => return Err(DecodeError::UnsupportedProtocolVersion(other)),
        };
        let v5 = version == ProtocolVersion::V5;
        let flags = r.u8()?;
        // 3.1.1 §3.1.2.3, 5.0 §3.1.2.3: "The Server MUST validate that the reserved flag in the
        // CONNECT packet is set to 0".
        if flags & 0x01 != 0 {
            return Err(DecodeError::ConnectReservedFlagSet);
        }
        let will_flag = flags & 0x04 != 0;
        let will_qos = (flags >> 3) & 0b11;
        let will_retain = flags & 0x20 != 0;
        let password_flag = flags & 0x40 != 0;
        let username_flag = flags & 0x80 != 0;
        // 3.1.1 §3.1.2.6–7, 5.0 §3.1.2.6–7: without the Will Flag, Will QoS and Will Retain
        // MUST be 0; Will QoS 3 is malformed.
        if !will_flag && (will_qos != 0 || will_retain) {
            return Err(DecodeError::WillFlagsWithoutWill);
        }
        let will_qos = QoS::from_u8(will_qos).ok_or(DecodeError::InvalidQoS)?;
        // 3.1.1 §3.1.2.9: "If the User Name Flag is set to 0, the Password Flag MUST be set to
        // 0." (5.0 §3.1.2.9 lifts this rule.)
        if !v5 && password_flag && !username_flag {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let keep_alive = r.u16()?;
        let properties = if v5 {
            Properties::decode(r, PropertyContext::Packet(PacketType::Connect))?
        } else {
            Properties::new()
        };
        // 3.1.1 §3.1.3.1, 5.0 §3.1.3.1: the Client Identifier MUST be present and first.
        let client_id = r.string()?;
        let will = if will_flag {
            let properties = if v5 {
                Properties::decode(r, PropertyContext::Will)?
            } else {
                Properties::new()
            };
            let topic = r.string()?;
            let topic = TopicName::new(topic).map_err(DecodeError::InvalidTopicName)?;
            let payload = r.binary()?;
            Some(Will {
                topic,
                payload,
                qos: will_qos,
                retain: will_retain,
                properties,
            })
        } else {
            None
        };
        let username = if username_flag {
            Some(r.string()?)
        } else {
            None
        };
        let password = if password_flag {
            Some(r.binary()?)
        } else {
            None
        };
        end(r, PacketType::Connect)?;
        self.version = Some(version);
        Ok(Packet::Connect(Box::new(Connect {
            protocol_version: version,
            clean_start: flags & 0x02 != 0,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })))
    }
}

/// 3.1.1 §2.2.3, 5.0 §2.1.4: the Remaining Length covers exactly the fields of the packet.
#[inline]
fn end(r: &Reader<'_>, packet_type: PacketType) -> Result<(), DecodeError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(DecodeError::TrailingBytes { packet_type })
    }
}

#[inline]
fn reason<T>(code: Option<T>, h: &FixedHeader, raw: u8) -> Result<T, DecodeError> {
    code.ok_or(DecodeError::InvalidReasonCode {
        packet_type: h.packet_type,
        code: raw,
    })
}

/// 3.1.1 §2.3.1, 5.0 §2.2.1: a packet identifier is a non-zero 16-bit integer.
#[inline]
fn packet_id(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    match r.u16()? {
        0 => Err(DecodeError::PacketIdentifierZero),
        id => Ok(id),
    }
}

fn conn_ack(r: &mut Reader<'_>, v5: bool) -> Result<ConnAck, DecodeError> {
    let flags = r.u8()?;
    // 3.1.1 §3.2.2.1, 5.0 §3.2.2.1: bits 7–1 are reserved and MUST be 0.
    if flags & 0xFE != 0 {
        return Err(DecodeError::InvalidConnAckFlags);
    }
    let session_present = flags & 0x01 != 0;
    let code = r.u8()?;
    let reason_code = if v5 {
        ConnectReasonCode::from_u8(code)
    } else {
        ConnectReasonCode::from_v311(code)
    }
    .ok_or(DecodeError::InvalidReasonCode {
        packet_type: PacketType::ConnAck,
        code,
    })?;
    // 3.1.1 §3.2.2.2 [MQTT-3.2.2-4], 5.0 §3.2.2.1.1 [MQTT-3.2.2-6]: with a non-zero code,
    // Session Present MUST be 0.
    if session_present && reason_code != ConnectReasonCode::Success {
        return Err(DecodeError::InvalidConnAckFlags);
    }
    let properties = if v5 {
        Properties::decode(r, PropertyContext::Packet(PacketType::ConnAck))?
    } else {
        Properties::new()
    };
    Ok(ConnAck {
        session_present,
        reason_code,
        properties,
    })
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP: packet identifier, then in MQTT 5 an optional reason
/// code and optional properties (5.0 §3.4.2.1: "The Reason Code and Property Length can be
/// omitted if the Reason Code is 0x00 (Success) and there are no Properties").
fn ack(
    r: &mut Reader<'_>,
    h: &FixedHeader,
    v5: bool,
) -> Result<(u16, u8, Properties), DecodeError> {
    let rl = h.remaining_length;
    // 3.1.1 §3.4.1 (and §3.5.1–§3.7.1): Remaining Length 2. 5.0: at least 2 (contiki-ng #3230
    // misread the 2-byte v5 form).
    if (!v5 && rl != 2) || (v5 && rl < 2) {
        return Err(DecodeError::InvalidRemainingLength {
            packet_type: h.packet_type,
            remaining_length: rl,
        });
    }
    let id = packet_id(r)?;
    if r.is_empty() {
        return Ok((id, 0, Properties::new()));
    }
    let code = r.u8()?;
    // 5.0 §3.4.2.2.1: "If the Remaining Length is less than 4 there is no Property Length".
    let properties = if r.is_empty() {
        Properties::new()
    } else {
        Properties::decode(r, PropertyContext::Packet(h.packet_type))?
    };
    Ok((id, code, properties))
}

fn subscribe(r: &mut Reader<'_>, v5: bool) -> Result<Subscribe, DecodeError> {
    let packet_id = packet_id(r)?;
    let properties = if v5 {
        Properties::decode(r, PropertyContext::Packet(PacketType::Subscribe))?
    } else {
        Properties::new()
    };
    // 3.1.1 §3.8.3, 5.0 §3.8.3: "The Payload MUST contain at least one Topic Filter and
    // Subscription Options pair."
    if r.is_empty() {
        return Err(DecodeError::NoTopicFilters);
    }
    // One allocation of the right size: the entries are counted by their length prefixes
    // first (never more than the payload holds, as each takes at least three bytes).
    let mut subscriptions = Vec::with_capacity(r.count_fields(1));
    while !r.is_empty() {
        let (filter, checked) = r.topic_filter()?;
        let options = r.u8()?;
        let reserved = if v5 { 0xC0 } else { 0xFC };
        // 3.1.1 §3.8.3.1: bits 7–2 reserved; 5.0 §3.8.3.1: bits 7–6 reserved; "The Server MUST
        // treat a SUBSCRIBE packet as malformed if any of Reserved bits in the Payload are
        // non-zero".
        if options & reserved != 0 {
            return Err(DecodeError::InvalidSubscriptionOptions);
        }
        let qos = QoS::from_u8(options & 0b11).ok_or(DecodeError::InvalidQoS)?;
        // 5.0 §3.8.3.1: "It is a Protocol Error to send a Retain Handling value of 3."
        let retain_handling = match (options >> 4) & 0b11 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendAtSubscribeIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(DecodeError::InvalidRetainHandling),
        };
        let no_local = options & 0b0100 != 0;
        let filter = checked_filter(filter, checked)?;
        // 5.0 §3.8.3.1: "It is a Protocol Error to set the No Local bit to 1 on a Shared
        // Subscription."
        if no_local && filter.is_shared() {
            return Err(DecodeError::NoLocalOnSharedSubscription);
        }
        subscriptions.push(Subscription {
            filter,
            options: SubscriptionOptions {
                qos,
                no_local,
                retain_as_published: options & 0b1000 != 0,
                retain_handling,
            },
        });
    }
    Ok(Subscribe {
        packet_id,
        subscriptions,
        properties,
    })
}

fn sub_ack(r: &mut Reader<'_>, h: &FixedHeader, v5: bool) -> Result<SubAck, DecodeError> {
    let packet_id = packet_id(r)?;
    let properties = if v5 {
        Properties::decode(r, PropertyContext::Packet(PacketType::SubAck))?
    } else {
        Properties::new()
    };
    // 3.1.1 §3.9.3, 5.0 §3.9.3: one return/reason code per topic filter of the SUBSCRIBE,
    // which has at least one.
    if r.is_empty() {
        return Err(DecodeError::NoReasonCodes);
    }
    let mut reason_codes = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        let code = r.u8()?;
        let parsed = SubAckReasonCode::from_u8(code).filter(|c| v5 || c.is_v311());
        reason_codes.push(reason(parsed, h, code)?);
    }
    Ok(SubAck {
        packet_id,
        reason_codes,
        properties,
    })
}

/// A filter from [`Reader::topic_filter`] as a [`TopicFilter`], checked against the filter rules
/// (3.1.1 §4.7, 5.0 §4.7, §4.8.2) unless the reader's scan has already proved them.
#[inline]
fn checked_filter(filter: MqttString, checked: bool) -> Result<TopicFilter, DecodeError> {
    if checked {
        Ok(TopicFilter::from_checked(filter))
    } else {
        TopicFilter::new(filter).map_err(DecodeError::InvalidTopicFilter)
    }
}

fn unsubscribe(r: &mut Reader<'_>, v5: bool) -> Result<Unsubscribe, DecodeError> {
    let packet_id = packet_id(r)?;
    let properties = if v5 {
        Properties::decode(r, PropertyContext::Packet(PacketType::Unsubscribe))?
    } else {
        Properties::new()
    };
    // 3.1.1 §3.10.3, 5.0 §3.10.3: "The Payload of an UNSUBSCRIBE packet MUST contain at least
    // one Topic Filter."
    if r.is_empty() {
        return Err(DecodeError::NoTopicFilters);
    }
    let mut filters = Vec::with_capacity(r.count_fields(0));
    while !r.is_empty() {
        let (filter, checked) = r.topic_filter()?;
        filters.push(checked_filter(filter, checked)?);
    }
    Ok(Unsubscribe {
        packet_id,
        filters,
        properties,
    })
}

fn unsub_ack(r: &mut Reader<'_>, h: &FixedHeader, v5: bool) -> Result<UnsubAck, DecodeError> {
    let packet_id = packet_id(r)?;
    if !v5 {
        return Ok(UnsubAck {
            packet_id,
            reason_codes: Vec::new(),
            properties: Properties::new(),
        });
    }
    let properties = Properties::decode(r, PropertyContext::Packet(PacketType::UnsubAck))?;
    // 5.0 §3.11.3: one reason code per topic filter of the UNSUBSCRIBE.
    if r.is_empty() {
        return Err(DecodeError::NoReasonCodes);
    }
    let mut reason_codes = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        let code = r.u8()?;
        reason_codes.push(reason(UnsubAckReasonCode::from_u8(code), h, code)?);
    }
    Ok(UnsubAck {
        packet_id,
        reason_codes,
        properties,
    })
}
