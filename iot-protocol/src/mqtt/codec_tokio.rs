//! tokio-util [`Decoder`](tokio_util::codec::Decoder) and [`Encoder`](tokio_util::codec::Encoder)
//! over the sans-IO codec (feature `tokio`).

use bytes::BytesMut;

use super::{DecodeError, Decoder, EncodeError, Encoder, Packet, ProtocolVersion};

/// A tokio-util codec for one MQTT connection, to use with `Framed`.
///
/// It shares the protocol version between its two halves: decoding a CONNECT (a server) or
/// encoding one (a client) sets the version for everything that follows.
///
/// ```
/// use iot_protocol::mqtt::{MqttCodec, ProtocolVersion};
/// let mut codec = MqttCodec::client(ProtocolVersion::V5);
/// codec.set_max_packet_size(64 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct MqttCodec {
    decoder: Decoder,
    encoder: Encoder,
}

impl MqttCodec {
    /// A codec for a server: the version comes from the client's CONNECT.
    pub fn server() -> Self {
        Self {
            decoder: Decoder::new(),
            encoder: Encoder::new(ProtocolVersion::V311),
        }
    }

    /// A codec for a client of `version`.
    pub fn client(version: ProtocolVersion) -> Self {
        Self {
            decoder: Decoder::with_version(version),
            encoder: Encoder::new(version),
        }
    }

    /// Sets the maximum packet size in both directions.
    pub fn set_max_packet_size(&mut self, max: u32) -> &mut Self {
        self.decoder.set_max_packet_size(max);
        self.encoder.set_max_packet_size(max);
        self
    }

    /// The decoding half.
    pub fn decoder_mut(&mut self) -> &mut Decoder {
        &mut self.decoder
    }

    /// The encoding half (set the peer's Maximum Packet Size here).
    pub fn encoder_mut(&mut self) -> &mut Encoder {
        &mut self.encoder
    }
}

/// An error of [`MqttCodec`]: the transport failed, or a packet could not be decoded or
/// encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The underlying I/O failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A received packet is malformed.
    #[error("decode error: {0}")]
    Decode(#[from] DecodeError),
    /// A packet could not be encoded.
    #[error("encode error: {0}")]
    Encode(#[from] EncodeError),
}

impl tokio_util::codec::Decoder for MqttCodec {
    type Item = Packet;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, CodecError> {
        // The size limit is checked from the fixed header, so reserving the announced length
        // is bounded by it.
        if let Some(len) = self.decoder.frame_len(src)?
            && src.len() < len
        {
            src.reserve(len - src.len());
            return Ok(None);
        }
        let packet = self.decoder.decode(src)?;
        if let Some(Packet::Connect(c)) = &packet {
            self.encoder.set_protocol_version(c.protocol_version);
        }
        Ok(packet)
    }
}

impl tokio_util::codec::Encoder<Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        <Self as tokio_util::codec::Encoder<&Packet>>::encode(self, &packet, dst)
    }
}

impl tokio_util::codec::Encoder<&Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: &Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        if let Packet::Connect(c) = packet {
            self.decoder.set_protocol_version(c.protocol_version);
            self.encoder.set_protocol_version(c.protocol_version);
        }
        self.encoder.encode(packet, dst)?;
        Ok(())
    }
}
