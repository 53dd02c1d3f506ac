//! Alibaba CoAP device authentication: the JSON payload of `POST /auth`, its response, and the
//! PSK-mode session key.
//!
//! Content rule: `clientId{…}deviceName{…}productKey{…}` plus `seq{…}` in PSK mode, signed with
//! HMAC-MD5 and sent as lowercase hex (the C SDK's `iotx_coap_api.c`). Verification accepts
//! either hex case.

use alloc::string::String;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use zeroize::Zeroizing;

use crate::alibaba::mqtt::{check_hex, itoa_buf};
use crate::error::{AuthError, BodyError};
use crate::ident::{
    ClientId, DeviceName, DeviceSecret, ProductKey, validate_client_id, validate_device_name,
    validate_product_key,
};
use crate::sign::{HexCase, SignMethod, Tag, sign_params};

/// Largest payload accepted (bytes).
pub const MAX_PAYLOAD_LEN: usize = 8192;

/// The sign method CoAP `/auth` uses.
pub const COAP_SIGN_METHOD: SignMethod = SignMethod::HmacMd5;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "productKey")]
    product_key: String,
    #[serde(rename = "deviceName")]
    device_name: String,
    #[serde(rename = "clientId")]
    client_id: String,
    sign: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<String>,
}

/// A CoAP `/auth` request payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoapAuthRequest {
    /// Product key.
    pub product_key: String,
    /// Device name.
    pub device_name: String,
    /// Signed client id.
    pub client_id: String,
    /// `sign`, hex.
    pub sign: String,
    /// PSK mode sequence number (decimal text).
    pub seq: Option<String>,
}

fn content_tag(secret: &DeviceSecret, cid: &str, dn: &str, pk: &str, seq: Option<&str>) -> Tag {
    let key = secret.expose().as_bytes();
    match seq {
        Some(seq) => sign_params(
            COAP_SIGN_METHOD,
            key,
            &[
                ("clientId", cid),
                ("deviceName", dn),
                ("productKey", pk),
                ("seq", seq),
            ],
        ),
        None => sign_params(
            COAP_SIGN_METHOD,
            key,
            &[("clientId", cid), ("deviceName", dn), ("productKey", pk)],
        ),
    }
}

impl CoapAuthRequest {
    /// Signs a request (device side); `seq` only in PSK mode.
    pub fn sign(
        product_key: &ProductKey,
        device_name: &DeviceName,
        client_id: &ClientId,
        secret: &DeviceSecret,
        seq: Option<u32>,
    ) -> Self {
        let seq = seq.map(|s| itoa_buf(u64::from(s)));
        let seq_text = seq.as_ref().map(|s| s.as_str());
        let tag = content_tag(
            secret,
            client_id.as_str(),
            device_name.as_str(),
            product_key.as_str(),
            seq_text,
        );
        Self {
            product_key: product_key.as_str().into(),
            device_name: device_name.as_str().into(),
            client_id: client_id.as_str().into(),
            sign: tag.to_hex(HexCase::Lower).as_str().into(),
            seq: seq_text.map(String::from),
        }
    }

    /// The JSON payload.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&Wire {
            product_key: self.product_key.clone(),
            device_name: self.device_name.clone(),
            client_id: self.client_id.clone(),
            sign: self.sign.clone(),
            seq: self.seq.clone(),
        })
        .unwrap_or_default()
    }

    /// Parses a payload (platform side).
    pub fn parse(payload: &[u8]) -> Result<Self, BodyError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(BodyError::TooLarge(payload.len()));
        }
        let w: Wire = serde_json::from_slice(payload).map_err(|_| BodyError::InvalidJson)?;
        validate_client_id(&w.client_id).map_err(|_| BodyError::InvalidField("clientId"))?;
        validate_product_key(&w.product_key).map_err(|_| BodyError::InvalidField("productKey"))?;
        validate_device_name(&w.device_name).map_err(|_| BodyError::InvalidField("deviceName"))?;
        if let Some(s) = &w.seq
            && (s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(BodyError::InvalidField("seq"));
        }
        Ok(Self {
            product_key: w.product_key,
            device_name: w.device_name,
            client_id: w.client_id,
            sign: w.sign,
            seq: w.seq,
        })
    }

    /// Verifies `sign` with the device secret.
    pub fn verify(&self, secret: &DeviceSecret) -> Result<(), AuthError> {
        let tag = content_tag(
            secret,
            &self.client_id,
            &self.device_name,
            &self.product_key,
            self.seq.as_deref(),
        );
        check_hex(&tag, self.sign.as_bytes(), COAP_SIGN_METHOD)
    }
}

/// A CoAP `/auth` response: the token, and in PSK mode `seqOffset` and `random`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoapAuthResponse {
    /// The token the device sends in option 61 afterwards.
    pub token: String,
    /// PSK mode: the sequence offset.
    #[serde(rename = "seqOffset", default, skip_serializing_if = "Option::is_none")]
    pub seq_offset: Option<u32>,
    /// PSK mode: the random value the session key derives from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<String>,
}

impl CoapAuthResponse {
    /// The JSON payload.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a response payload.
    pub fn parse(payload: &[u8]) -> Result<Self, BodyError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(BodyError::TooLarge(payload.len()));
        }
        let r: Self = serde_json::from_slice(payload).map_err(|_| BodyError::InvalidJson)?;
        if r.token.is_empty() {
            return Err(BodyError::MissingField("token"));
        }
        Ok(r)
    }
}

/// The PSK-mode AES-128 session key: bytes 8..24 of SHA-256(`deviceSecret` + `","` + `random`).
pub fn psk_session_key(secret: &DeviceSecret, random: &str) -> Zeroizing<[u8; 16]> {
    let mut h = sha2::Sha256::new();
    h.update(secret.expose().as_bytes());
    h.update(b",");
    h.update(random.as_bytes());
    let digest = h.finalize();
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&digest[8..24]);
    key
}
