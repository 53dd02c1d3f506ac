//! Gateway sub-device login (`combine.login` on `/ext/session/{gwPk}/{gwDn}/combine/login`):
//! the sub-device's signature, computed by the gateway with the sub-device's secret.
//!
//! Content: `clientId{…}deviceName{…}productKey{…}timestamp{…}`. The C SDK signs with
//! `hmacSha1` and uses the client id `{pk}.{dn}|_v=sdk-c-3.0.1|` verbatim, so the client id here
//! is any printable ASCII (up to 128 bytes), not the MQTT client id grammar.

use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::alibaba::mqtt::{VerifyPolicy, check_hex, itoa_buf};
use crate::error::{AuthError, BodyError};
use crate::ident::{
    DeviceName, DeviceSecret, ProductKey, validate_device_name, validate_product_key,
};
use crate::sign::{HexCase, SignMethod, Tag, sign_params};
use crate::time::UnixMillis;

/// Largest params document accepted (bytes).
pub const MAX_LEN: usize = 4096;

/// The `params` of a `combine.login` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombineLogin {
    /// Sub-device product key.
    #[serde(rename = "productKey")]
    pub product_key: String,
    /// Sub-device name.
    #[serde(rename = "deviceName")]
    pub device_name: String,
    /// The signed client id.
    #[serde(rename = "clientId")]
    pub client_id: String,
    /// Unix ms, decimal text.
    pub timestamp: String,
    /// Sign method name as sent (`hmacSha1` in the C SDK; compared case-insensitively).
    #[serde(rename = "signMethod")]
    pub sign_method: String,
    /// Hex signature.
    pub sign: String,
    /// `"true"` / `"false"`.
    #[serde(rename = "cleanSession")]
    pub clean_session: String,
}

fn tag(secret: &DeviceSecret, method: SignMethod, cid: &str, dn: &str, pk: &str, ts: &str) -> Tag {
    sign_params(
        method,
        secret.expose().as_bytes(),
        &[
            ("clientId", cid),
            ("deviceName", dn),
            ("productKey", pk),
            ("timestamp", ts),
        ],
    )
}

fn valid_cid(c: &str) -> bool {
    !c.is_empty() && c.len() <= 128 && c.bytes().all(|b| b.is_ascii_graphic())
}

impl CombineLogin {
    /// Signs a login for a sub-device (gateway side).
    pub fn sign(
        product_key: &ProductKey,
        device_name: &DeviceName,
        client_id: &str,
        secret: &DeviceSecret,
        method: SignMethod,
        timestamp: UnixMillis,
        clean_session: bool,
    ) -> Result<Self, BodyError> {
        if !valid_cid(client_id) {
            return Err(BodyError::InvalidField("clientId"));
        }
        let ts = itoa_buf(timestamp.0);
        let t = tag(
            secret,
            method,
            client_id,
            device_name.as_str(),
            product_key.as_str(),
            ts.as_str(),
        );
        Ok(Self {
            product_key: product_key.as_str().into(),
            device_name: device_name.as_str().into(),
            client_id: client_id.into(),
            timestamp: ts.as_str().into(),
            sign_method: method.as_str().into(),
            sign: t.to_hex(HexCase::Lower).as_str().into(),
            clean_session: if clean_session { "true" } else { "false" }.into(),
        })
    }

    /// The whole Alink request: `{"id":…,"params":{…},"method":"combine.login"}`.
    pub fn to_request_json(&self, id: &str) -> String {
        #[derive(Serialize)]
        struct Req<'a> {
            id: &'a str,
            params: &'a CombineLogin,
            method: &'static str,
        }
        serde_json::to_string(&Req {
            id,
            params: self,
            method: "combine.login",
        })
        .unwrap_or_default()
    }

    /// Parses the `params` object (platform side).
    pub fn parse_params(json: &[u8]) -> Result<Self, BodyError> {
        if json.len() > MAX_LEN {
            return Err(BodyError::TooLarge(json.len()));
        }
        let p: Self = serde_json::from_slice(json).map_err(|_| BodyError::InvalidJson)?;
        validate_product_key(&p.product_key).map_err(|_| BodyError::InvalidField("productKey"))?;
        validate_device_name(&p.device_name).map_err(|_| BodyError::InvalidField("deviceName"))?;
        if !valid_cid(&p.client_id) {
            return Err(BodyError::InvalidField("clientId"));
        }
        if p.timestamp.is_empty()
            || p.timestamp.len() > 20
            || !p.timestamp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(BodyError::InvalidField("timestamp"));
        }
        if p.clean_session != "true" && p.clean_session != "false" {
            return Err(BodyError::InvalidField("cleanSession"));
        }
        Ok(p)
    }

    /// Verifies the signature with the sub-device's secret, under `policy` at `now`.
    pub fn verify(
        &self,
        secret: &DeviceSecret,
        policy: &VerifyPolicy,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        let method =
            SignMethod::from_name(&self.sign_method).ok_or(AuthError::UnsupportedSignMethod)?;
        policy.check_method(method)?;
        let ts: u64 = self
            .timestamp
            .parse()
            .map_err(|_| AuthError::MalformedBody(BodyError::InvalidField("timestamp")))?;
        policy.check_timestamp(Some(UnixMillis(ts)), now)?;
        let t = tag(
            secret,
            method,
            &self.client_id,
            &self.device_name,
            &self.product_key,
            &self.timestamp,
        );
        check_hex(&t, self.sign.as_bytes(), method)
    }
}
