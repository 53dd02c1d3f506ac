//! The encoder: a size-and-validation pass, then one write into a buffer reserved once.

use alloc::vec::Vec;
use bytes::{BufMut, BytesMut};

use super::{
    Connect, EncodeError, Packet, PacketType, ProtocolVersion, Publish, QoS, RetainHandling,
    Subscribe,
    decode::{DEFAULT_MAX_PACKET_SIZE, PROTOCOL_MAX_PACKET_SIZE},
    properties::{Properties, PropertyContext},
    reason::{DisconnectReasonCode, UnsubAckReasonCode},
    wire::{self, VBI_MAX},
};
use crate::topic::TopicError;

/// Encodes `packet` for a connection of `version` with the default maximum packet size.
///
/// A CONNECT is always encoded with its own [`Connect::protocol_version`].
pub fn encode(
    packet: &Packet,
    version: ProtocolVersion,
    dst: &mut BytesMut,
) -> Result<(), EncodeError> {
    Encoder::new(version).encode(packet, dst)
}

/// Encodes packets for one connection (see the [module documentation](super)).
///
/// Every packet is validated before a byte is written: on error `dst` is unchanged.
#[derive(Debug, Clone)]
pub struct Encoder {
    version: ProtocolVersion,
    max_packet_size: u32,
}

/// Sizes computed by the validation pass.
#[derive(Debug, Clone, Copy)]
struct Plan {
    remaining: usize,
    props: usize,
    will_props: usize,
}

impl Encoder {
    /// An encoder for `version` with a maximum packet size of 1 MiB.
    pub const fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
        }
    }

    /// The protocol version packets are encoded for.
    pub const fn protocol_version(&self) -> ProtocolVersion {
        self.version
    }

    /// Sets the protocol version (a CONNECT carries its own).
    pub fn set_protocol_version(&mut self, version: ProtocolVersion) -> &mut Self {
        self.version = version;
        self
    }

    /// The largest packet (fixed header included) this encoder produces.
    pub const fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// Sets the maximum packet size, clamped to 2 ..= [`PROTOCOL_MAX_PACKET_SIZE`]; set it to
    /// the peer's Maximum Packet Size (5.0 §3.1.2.11.4, §3.2.2.3.6).
    pub fn set_max_packet_size(&mut self, max: u32) -> &mut Self {
        self.max_packet_size = max.clamp(2, PROTOCOL_MAX_PACKET_SIZE);
        self
    }

    /// The size `packet` takes on the wire, after checking that it can be encoded.
    pub fn encoded_len(&self, packet: &Packet) -> Result<usize, EncodeError> {
        let plan = self.plan(packet)?;
        self.total(plan.remaining)
    }

    /// Validates `packet` and appends its encoding to `dst`.
    #[inline]
    pub fn encode(&self, packet: &Packet, dst: &mut BytesMut) -> Result<(), EncodeError> {
        if let Packet::Publish(p) = packet {
            return self.encode_publish(p, dst);
        }
        match packet {
            Packet::Subscribe(s) => return self.encode_subscribe(s, dst),
            Packet::Connect(c) => return self.encode_connect(c, dst),
            _ => {}
        }
        let plan = self.plan(packet)?;
        self.emit(packet.packet_type(), plan, dst, |dst| {
            self.write_body(packet, plan, dst);
        })
    }

    /// Checks the size in `plan`, reserves it, writes the fixed header of a `packet_type`
    /// packet (every type but PUBLISH, whose flags carry its header fields) and then `body`.
    #[inline(always)]
    fn emit(
        &self,
        packet_type: PacketType,
        plan: Plan,
        dst: &mut BytesMut,
        body: impl FnOnce(&mut BytesMut),
    ) -> Result<(), EncodeError> {
        let total = self.total(plan.remaining)?;
        dst.reserve(total);
        // 3.1.1 §2.2.2, 5.0 §2.1.3: PUBREL, SUBSCRIBE and UNSUBSCRIBE have the flags 0b0010,
        // every other packet but PUBLISH 0.
        let flags = match packet_type {
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => 0b0010,
            _ => 0,
        };
        dst.put_u8((packet_type as u8) << 4 | flags);
        wire::put_vbi(dst, plan.remaining);
        body(dst);
        Ok(())
    }

    /// Validates `packet` and returns its encoding in a new `Vec` (for callers that do not use
    /// [`BytesMut`]).
    pub fn encode_to_vec(&self, packet: &Packet) -> Result<Vec<u8>, EncodeError> {
        let mut dst = BytesMut::new();
        self.encode(packet, &mut dst)?;
        Ok(dst.into())
    }

    /// Validates a PUBLISH and appends its encoding to `dst` (the fast path of
    /// [`Encoder::encode`], usable without building a [`Packet`]).
    #[inline]
    pub fn encode_publish(&self, p: &Publish, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let plan = self.plan_publish(p)?;
        let total = self.total(plan.remaining)?;
        dst.reserve(total);
        self.write_publish(p, plan, dst);
        Ok(())
    }

    #[inline]
    fn total(&self, remaining: usize) -> Result<usize, EncodeError> {
        let total = 1 + wire::vbi_len(remaining) + remaining;
        // 3.1.1 §2.2.3, 5.0 §1.5.5: the Remaining Length is at most 268 435 455.
        if remaining > VBI_MAX as usize || total > self.max_packet_size as usize {
            return Err(EncodeError::PacketTooLarge {
                size: u32::try_from(total).unwrap_or(u32::MAX),
                max: self.max_packet_size,
            });
        }
        Ok(total)
    }

    fn v5(&self) -> bool {
        self.version == ProtocolVersion::V5
    }

    /// Size of a property list with its length prefix, or an error if the version has none.
    #[inline]
    fn props_len(
        &self,
        props: &Properties,
        context: PropertyContext,
        v5: bool,
    ) -> Result<usize, EncodeError> {
        if v5 {
            props.encoded_len(context)
        } else if props.is_empty() {
            Ok(0)
        } else {
            Err(EncodeError::PropertiesNotInVersion)
        }
    }

    #[inline]
    fn plan_publish(&self, p: &Publish) -> Result<Plan, EncodeError> {
        let v5 = self.v5();
        // MQTT 3.1.1 has no properties: a PUBLISH sent on a 3.1.1 connection leaves them out,
        // which is what a broker must do when it forwards a 5.0 message to a 3.1.1 subscriber.
        let props = if v5 && !p.properties.is_bare() {
            p.properties
                .encoded_len_inline_first(PropertyContext::Packet(PacketType::Publish))?
        } else {
            0
        };
        // `TopicName` has been checked against the rules of 5.0 §3.3.2.1 and §4.7 (no
        // wildcards, no U+0000, at most 65 535 bytes) when it was made; only its one exception,
        // the empty name, is left: 5.0 §3.3.2.3.4 allows it with a Topic Alias, 3.1.1 §4.7.3
        // never.
        let topic = p.topic.as_bytes();
        if topic.is_empty() && (!v5 || p.properties.topic_alias().is_none()) {
            return Err(EncodeError::InvalidTopicName(TopicError::Empty));
        }
        let id_len = if p.qos == QoS::AtMostOnce {
            // 5.0 §2.2.1: a QoS 0 PUBLISH MUST NOT contain a packet identifier; §3.3.1.1: DUP 0.
            if p.packet_id != 0 {
                return Err(EncodeError::PacketIdentifierWithQoS0);
            }
            if p.dup {
                return Err(EncodeError::DupWithQoS0);
            }
            0
        } else {
            if p.packet_id == 0 {
                return Err(EncodeError::PacketIdentifierZero);
            }
            2
        };
        let props_total = if v5 { wire::vbi_len(props) + props } else { 0 };
        Ok(Plan {
            remaining: wire::field_len(topic.len())? + id_len + props_total + p.payload.len(),
            props,
            will_props: 0,
        })
    }

    #[inline]
    fn write_publish(&self, p: &Publish, plan: Plan, dst: &mut BytesMut) {
        let byte1 = (PacketType::Publish as u8) << 4
            | u8::from(p.dup) << 3
            | (p.qos as u8) << 1
            | u8::from(p.retain);
        let topic = p.topic.as_bytes();
        if let (Ok(rl), Ok(tl)) = (u8::try_from(plan.remaining), u16::try_from(topic.len()))
            && rl < 128
        {
            // Short packets (the common case): fixed header and topic length in one write.
            let [hi, lo] = tl.to_be_bytes();
            dst.put_u32(u32::from_be_bytes([byte1, rl, hi, lo]));
            dst.put_slice(topic);
        } else {
            dst.put_u8(byte1);
            wire::put_vbi(dst, plan.remaining);
            wire::put_field(dst, topic);
        }
        if p.qos != QoS::AtMostOnce {
            dst.put_u16(p.packet_id);
        }
        if self.v5() {
            if plan.props == 0 {
                // An empty property list is its one-byte length.
                dst.put_u8(0);
            } else {
                p.properties.write_inline_first(plan.props, dst);
            }
        }
        dst.put_slice(&p.payload);
    }

    /// Validates a SUBSCRIBE and appends its encoding (a path of its own, like PUBLISH's: a
    /// broker's bridge or a device re-subscribing after a reconnect sends many).
    #[inline]
    fn encode_subscribe(&self, s: &Subscribe, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let plan = self.plan_subscribe(s)?;
        self.emit(PacketType::Subscribe, plan, dst, |dst| {
            self.write_subscribe_body(s, plan, dst);
        })
    }

    #[inline(always)]
    fn plan_subscribe(&self, s: &Subscribe) -> Result<Plan, EncodeError> {
        let v5 = self.v5();
        check_id(s.packet_id)?;
        let props = self.props_len(
            &s.properties,
            PropertyContext::Packet(PacketType::Subscribe),
            v5,
        )?;
        if s.subscriptions.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        let mut n = 2 + if v5 { wire::vbi_len(props) + props } else { 0 };
        // Each `TopicFilter` was checked against the filter rules (3.1.1 §4.7, 5.0 §4.7,
        // §4.8.2) when it was made.
        for sub in &s.subscriptions {
            let o = &sub.options;
            if !v5
                && (o.no_local
                    || o.retain_as_published
                    || o.retain_handling != RetainHandling::SendAtSubscribe)
            {
                return Err(EncodeError::SubscriptionOptionsNotInVersion);
            }
            // 5.0 §3.8.3.1: No Local on a shared subscription is a Protocol Error.
            if o.no_local && sub.filter.is_shared() {
                return Err(EncodeError::NoLocalOnSharedSubscription);
            }
            n += wire::field_len(sub.filter.len())? + 1;
        }
        Ok(Plan {
            remaining: n,
            props,
            will_props: 0,
        })
    }

    /// A SUBSCRIBE after its fixed header.
    #[inline(always)]
    fn write_subscribe_body(&self, s: &Subscribe, plan: Plan, dst: &mut BytesMut) {
        dst.put_u16(s.packet_id);
        if self.v5() {
            s.properties.write(plan.props, dst);
            for sub in &s.subscriptions {
                wire::put_field(dst, sub.filter.as_bytes());
                let o = &sub.options;
                dst.put_u8(
                    (o.retain_handling as u8) << 4
                        | u8::from(o.retain_as_published) << 3
                        | u8::from(o.no_local) << 2
                        | o.qos as u8,
                );
            }
        } else {
            // In 3.1.1 the options byte is the QoS alone: the size pass refused the 5.0
            // options.
            for sub in &s.subscriptions {
                wire::put_field(dst, sub.filter.as_bytes());
                dst.put_u8(sub.options.qos as u8);
            }
        }
    }

    /// Validates a CONNECT and appends its encoding (with its own protocol version).
    #[inline]
    fn encode_connect(&self, c: &Connect, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let plan = plan_connect(c)?;
        self.emit(PacketType::Connect, plan, dst, |dst| {
            write_connect(c, plan, dst)
        })
    }

    fn plan(&self, packet: &Packet) -> Result<Plan, EncodeError> {
        let v5 = self.v5();
        let ctx = PropertyContext::Packet(packet.packet_type());
        let mut plan = Plan {
            remaining: 0,
            props: 0,
            will_props: 0,
        };
        let with_props = |props: usize| if v5 { wire::vbi_len(props) + props } else { 0 };
        plan.remaining = match packet {
            Packet::Connect(c) => return plan_connect(c),
            Packet::Publish(p) => return self.plan_publish(p),
            Packet::ConnAck(c) => {
                plan.props = self.props_len(&c.properties, ctx, v5)?;
                if !v5 && c.reason_code.to_v311().is_none() {
                    return Err(EncodeError::ReasonCodeNotInVersion(c.reason_code.as_u8()));
                }
                if c.session_present && c.reason_code.is_error() {
                    return Err(EncodeError::SessionPresentWithError);
                }
                2 + with_props(plan.props)
            }
            Packet::PubAck(a) => self.ack_len(
                &mut plan,
                a.packet_id,
                a.reason_code.as_u8(),
                &a.properties,
                ctx,
            )?,
            Packet::PubRec(a) => self.ack_len(
                &mut plan,
                a.packet_id,
                a.reason_code.as_u8(),
                &a.properties,
                ctx,
            )?,
            Packet::PubRel(a) => self.ack_len(
                &mut plan,
                a.packet_id,
                a.reason_code.as_u8(),
                &a.properties,
                ctx,
            )?,
            Packet::PubComp(a) => self.ack_len(
                &mut plan,
                a.packet_id,
                a.reason_code.as_u8(),
                &a.properties,
                ctx,
            )?,
            Packet::Subscribe(s) => return self.plan_subscribe(s),
            Packet::SubAck(s) => {
                check_id(s.packet_id)?;
                plan.props = self.props_len(&s.properties, ctx, v5)?;
                if s.reason_codes.is_empty() {
                    return Err(EncodeError::EmptyPayload);
                }
                if let Some(c) = s.reason_codes.iter().find(|c| !v5 && !c.is_v311()) {
                    return Err(EncodeError::ReasonCodeNotInVersion(c.as_u8()));
                }
                2 + with_props(plan.props) + s.reason_codes.len()
            }
            Packet::Unsubscribe(u) => {
                check_id(u.packet_id)?;
                plan.props = self.props_len(&u.properties, ctx, v5)?;
                if u.filters.is_empty() {
                    return Err(EncodeError::EmptyPayload);
                }
                let mut n = 2 + with_props(plan.props);
                for f in &u.filters {
                    n += wire::field_len(f.len())?;
                }
                n
            }
            Packet::UnsubAck(u) => {
                check_id(u.packet_id)?;
                plan.props = self.props_len(&u.properties, ctx, v5)?;
                if v5 {
                    if u.reason_codes.is_empty() {
                        return Err(EncodeError::EmptyPayload);
                    }
                    2 + with_props(plan.props) + u.reason_codes.len()
                } else {
                    // 3.1.1 §3.11.3: no payload; only success can be expressed.
                    if let Some(c) = u
                        .reason_codes
                        .iter()
                        .find(|&&c| c != UnsubAckReasonCode::Success)
                    {
                        return Err(EncodeError::ReasonCodeNotInVersion(c.as_u8()));
                    }
                    2
                }
            }
            Packet::PingReq(_) | Packet::PingResp(_) => 0,
            Packet::Disconnect(d) => {
                plan.props = self.props_len(&d.properties, ctx, v5)?;
                let normal = d.reason_code == DisconnectReasonCode::NormalDisconnection;
                if !v5 {
                    if !normal {
                        return Err(EncodeError::ReasonCodeNotInVersion(d.reason_code.as_u8()));
                    }
                    0
                } else if plan.props == 0 {
                    // 5.0 §3.14.2.1: reason code and properties may be omitted.
                    usize::from(!normal)
                } else {
                    1 + wire::vbi_len(plan.props) + plan.props
                }
            }
            Packet::Auth(a) => {
                if !v5 {
                    return Err(EncodeError::PacketNotInVersion);
                }
                plan.props = a.properties.encoded_len(ctx)?;
                if plan.props == 0 && a.reason_code == super::AuthReasonCode::Success {
                    0
                } else {
                    1 + wire::vbi_len(plan.props) + plan.props
                }
            }
        };
        Ok(plan)
    }

    /// PUBACK, PUBREC, PUBREL, PUBCOMP (5.0 §3.4.2.1: reason code and properties omitted when
    /// they are Success and empty; property length omitted when empty).
    fn ack_len(
        &self,
        plan: &mut Plan,
        packet_id: u16,
        code: u8,
        props: &Properties,
        ctx: PropertyContext,
    ) -> Result<usize, EncodeError> {
        check_id(packet_id)?;
        let v5 = self.v5();
        plan.props = self.props_len(props, ctx, v5)?;
        if !v5 {
            if code != 0 {
                return Err(EncodeError::ReasonCodeNotInVersion(code));
            }
            return Ok(2);
        }
        Ok(if plan.props > 0 {
            3 + wire::vbi_len(plan.props) + plan.props
        } else if code != 0 {
            3
        } else {
            2
        })
    }

    /// Everything of `packet` after its fixed header. PUBLISH, SUBSCRIBE and CONNECT have
    /// paths of their own in [`Encoder::encode`] and never come here (a PUBLISH writes its own
    /// fixed header, whose flags are its DUP, QoS and RETAIN).
    fn write_body(&self, packet: &Packet, plan: Plan, dst: &mut BytesMut) {
        debug_assert!(!matches!(
            packet,
            Packet::Publish(_) | Packet::Subscribe(_) | Packet::Connect(_)
        ));
        let v5 = self.v5();
        let ack = |dst: &mut BytesMut, id: u16, code: u8, props: &Properties| {
            dst.put_u16(id);
            if plan.remaining > 2 {
                dst.put_u8(code);
            }
            if plan.remaining > 3 {
                props.write(plan.props, dst);
            }
        };
        match packet {
            Packet::Connect(_) | Packet::Publish(_) | Packet::Subscribe(_) => {}
            Packet::ConnAck(c) => {
                dst.put_u8(u8::from(c.session_present));
                let code = if v5 {
                    c.reason_code.as_u8()
                } else {
                    c.reason_code.to_v311().unwrap_or(0)
                };
                dst.put_u8(code);
                if v5 {
                    c.properties.write(plan.props, dst);
                }
            }
            Packet::PubAck(a) => ack(dst, a.packet_id, a.reason_code.as_u8(), &a.properties),
            Packet::PubRec(a) => ack(dst, a.packet_id, a.reason_code.as_u8(), &a.properties),
            Packet::PubRel(a) => ack(dst, a.packet_id, a.reason_code.as_u8(), &a.properties),
            Packet::PubComp(a) => ack(dst, a.packet_id, a.reason_code.as_u8(), &a.properties),
            Packet::SubAck(s) => {
                dst.put_u16(s.packet_id);
                if v5 {
                    s.properties.write(plan.props, dst);
                }
                for c in &s.reason_codes {
                    dst.put_u8(c.as_u8());
                }
            }
            Packet::Unsubscribe(u) => {
                dst.put_u16(u.packet_id);
                if v5 {
                    u.properties.write(plan.props, dst);
                }
                for f in &u.filters {
                    wire::put_field(dst, f.as_bytes());
                }
            }
            Packet::UnsubAck(u) => {
                dst.put_u16(u.packet_id);
                if v5 {
                    u.properties.write(plan.props, dst);
                    for c in &u.reason_codes {
                        dst.put_u8(c.as_u8());
                    }
                }
            }
            Packet::PingReq(_) | Packet::PingResp(_) => {}
            Packet::Disconnect(d) => {
                if plan.remaining > 0 {
                    dst.put_u8(d.reason_code.as_u8());
                }
                if plan.remaining > 1 {
                    d.properties.write(plan.props, dst);
                }
            }
            Packet::Auth(a) => {
                if plan.remaining > 0 {
                    dst.put_u8(a.reason_code.as_u8());
                    a.properties.write(plan.props, dst);
                }
            }
        }
    }
}

#[inline]
fn check_id(packet_id: u16) -> Result<(), EncodeError> {
    // 5.0 §2.2.1: packet identifiers are non-zero.
    if packet_id == 0 {
        Err(EncodeError::PacketIdentifierZero)
    } else {
        Ok(())
    }
}

#[inline(always)]
fn plan_connect(c: &Connect) -> Result<Plan, EncodeError> {
    let v5 = c.protocol_version == ProtocolVersion::V5;
    let props = if v5 {
        c.properties
            .encoded_len(PropertyContext::Packet(PacketType::Connect))?
    } else if c.properties.is_empty() {
        0
    } else {
        return Err(EncodeError::PropertiesNotInVersion);
    };
    // Protocol Name (6), Protocol Level (1), Connect Flags (1), Keep Alive (2).
    let mut n = 10 + if v5 { wire::vbi_len(props) + props } else { 0 };
    n += wire::string_len(&c.client_id)?;
    let mut will_props = 0;
    if let Some(w) = &c.will {
        if v5 {
            will_props = w
                .properties
                .encoded_len_inline_first(PropertyContext::Will)?;
            n += wire::vbi_len(will_props) + will_props;
        } else if !w.properties.is_empty() {
            return Err(EncodeError::PropertiesNotInVersion);
        }
        // A Will Topic is a topic name (3.1.1 §3.1.3.3, 5.0 §3.1.3.3), checked when the
        // `TopicName` was made; it has no Topic Alias to stand in for it, so it is never empty.
        if w.topic.is_empty() {
            return Err(EncodeError::InvalidTopicName(TopicError::Empty));
        }
        n += wire::field_len(w.topic.len())? + wire::field_len(w.payload.len())?;
    }
    if let Some(u) = &c.username {
        n += wire::string_len(u)?;
    } else if !v5 && c.password.is_some() {
        // 3.1.1 §3.1.2.9: no password without a user name.
        return Err(EncodeError::PasswordWithoutUsername);
    }
    if let Some(p) = &c.password {
        n += wire::field_len(p.len())?;
    }
    Ok(Plan {
        remaining: n,
        props,
        will_props,
    })
}

#[inline(always)]
fn write_connect(c: &Connect, plan: Plan, dst: &mut BytesMut) {
    let v5 = c.protocol_version == ProtocolVersion::V5;
    let mut flags = u8::from(c.clean_start) << 1;
    if let Some(w) = &c.will {
        flags |= 0x04 | (w.qos as u8) << 3 | u8::from(w.retain) << 5;
    }
    if c.password.is_some() {
        flags |= 0x40;
    }
    if c.username.is_some() {
        flags |= 0x80;
    }
    // Protocol Name (the string "MQTT"), Protocol Level, Connect Flags (3.1.1 §3.1.2, 5.0
    // §3.1.2) in one write, then Keep Alive.
    let [m, q, t, _] = *b"MQTT";
    dst.put_u64(u64::from_be_bytes([
        0,
        4,
        m,
        q,
        t,
        t,
        c.protocol_version.level(),
        flags,
    ]));
    dst.put_u16(c.keep_alive);
    if v5 {
        c.properties.write(plan.props, dst);
    }
    wire::put_field(dst, c.client_id.as_bytes());
    if let Some(w) = &c.will {
        if v5 {
            w.properties.write_inline_first(plan.will_props, dst);
        }
        wire::put_field(dst, w.topic.as_bytes());
        wire::put_field(dst, &w.payload);
    }
    if let Some(u) = &c.username {
        wire::put_field(dst, u.as_bytes());
    }
    if let Some(p) = &c.password {
        wire::put_field(dst, p);
    }
}
