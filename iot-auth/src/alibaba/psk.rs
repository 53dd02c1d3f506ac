//! Alibaba TLS-PSK identity and key (Link SDK `core_auth.c`).
//!
//! Identity `devicename|hmacsha256|{pk}&{dn}|{timestamp}`; key = uppercase hex of
//! HMAC-SHA256(deviceSecret, `id{pk}&{dn}timestamp{timestamp}`), used as the PSK bytes.

use alloc::string::String;

use zeroize::Zeroizing;

use crate::alibaba::mqtt::itoa_buf;
use crate::error::{ClientIdError, KnownParam};
use crate::ident::{
    DeviceName, DeviceSecret, ProductKey, validate_device_name, validate_product_key,
};
use crate::sign::{HexCase, SignMethod, Tag, hmac};
use crate::time::UnixMillis;

/// The Link SDK's fixed timestamp (2050-01-01T00:00:00Z in ms).
pub const SDK_FIXED_TIMESTAMP: UnixMillis = UnixMillis(2_524_608_000_000);

/// A TLS-PSK identity and its key.
#[derive(Debug, Clone)]
pub struct TlsPsk {
    /// The PSK identity.
    pub identity: String,
    /// The PSK: uppercase hex text of the HMAC (64 ASCII bytes). Zeroized on drop.
    pub key: Zeroizing<String>,
}

fn psk_tag(secret: &DeviceSecret, pk: &str, dn: &str, ts: &str) -> Tag {
    hmac(
        SignMethod::HmacSha256,
        secret.expose().as_bytes(),
        &[
            b"id",
            pk.as_bytes(),
            b"&",
            dn.as_bytes(),
            b"timestamp",
            ts.as_bytes(),
        ],
    )
}

/// Derives the identity and key (device side).
pub fn tls_psk(
    product_key: &ProductKey,
    device_name: &DeviceName,
    secret: &DeviceSecret,
    timestamp: UnixMillis,
) -> TlsPsk {
    let ts = itoa_buf(timestamp.0);
    let (pk, dn) = (product_key.as_str(), device_name.as_str());
    TlsPsk {
        identity: alloc::format!("devicename|hmacsha256|{pk}&{dn}|{}", ts.as_str()),
        key: Zeroizing::new(
            psk_tag(secret, pk, dn, ts.as_str())
                .to_hex(HexCase::Upper)
                .as_str()
                .into(),
        ),
    }
}

/// A parsed PSK identity (platform side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PskIdentity<'a> {
    /// Product key.
    pub product_key: &'a str,
    /// Device name.
    pub device_name: &'a str,
    /// Timestamp text as sent.
    pub timestamp: &'a str,
}

impl<'a> PskIdentity<'a> {
    /// Parses `devicename|hmacsha256|{pk}&{dn}|{timestamp}`.
    pub fn parse(identity: &'a str) -> Result<Self, ClientIdError> {
        let mut parts = identity.split('|');
        let (Some("devicename"), Some(method), Some(triple), Some(ts), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(ClientIdError::BadDelimiters);
        };
        if !method.eq_ignore_ascii_case("hmacsha256") {
            return Err(ClientIdError::InvalidValue(KnownParam::SignMethod));
        }
        let (pk, dn) = triple
            .split_once('&')
            .ok_or(ClientIdError::MalformedUsername)?;
        validate_product_key(pk).map_err(ClientIdError::Username)?;
        validate_device_name(dn).map_err(ClientIdError::Username)?;
        if ts.is_empty() || ts.len() > 20 || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientIdError::InvalidValue(KnownParam::Timestamp));
        }
        Ok(Self {
            product_key: pk,
            device_name: dn,
            timestamp: ts,
        })
    }

    /// The PSK the platform must use for this identity.
    pub fn key(&self, secret: &DeviceSecret) -> Zeroizing<String> {
        Zeroizing::new(
            psk_tag(secret, self.product_key, self.device_name, self.timestamp)
                .to_hex(HexCase::Upper)
                .as_str()
                .into(),
        )
    }
}
