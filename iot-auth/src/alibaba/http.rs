//! Alibaba HTTP device authentication: the JSON body of `POST /auth` and its response.
//!
//! Content rule: every submitted parameter except `version`, `sign` and `signmethod`, sorted by
//! name: `clientId{…}deviceName{…}productKey{…}[timestamp{…}]`. The C SDK 3.x signs with
//! `hmacmd5`/`hmacsha1` and a 13-digit timestamp; the Link SDK 4.x with `hmacsha256` and no
//! timestamp. Both verify here. Token issuance is left to a [`crate::TokenIssuer`].

use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::alibaba::mqtt::{VerifyPolicy, check_hex, itoa_buf, mqtt_password};
use crate::error::{AuthError, BodyError, HttpAuthCode};
use crate::ident::{
    ClientId, DeviceName, DeviceSecret, ProductKey, validate_client_id, validate_device_name,
    validate_product_key,
};
use crate::sign::{HexCase, SignMethod};
use crate::time::UnixMillis;

/// Largest body accepted by the parsers of this module.
pub const MAX_BODY_LEN: usize = 8192;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(rename = "clientId")]
    client_id: String,
    signmethod: Option<String>,
    sign: String,
    #[serde(rename = "productKey")]
    product_key: String,
    #[serde(rename = "deviceName")]
    device_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
}

/// A parsed (or to-be-sent) HTTP `/auth` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAuthRequest {
    /// `version` (the C SDK sends `default`).
    pub version: Option<String>,
    /// The signed client id.
    pub client_id: String,
    /// `signmethod` as sent (absent: `hmacmd5`, the documented default).
    pub sign_method: Option<String>,
    /// `sign`, hex.
    pub sign: String,
    /// Product key.
    pub product_key: String,
    /// Device name.
    pub device_name: String,
    /// `timestamp` (Unix ms as decimal text), optional.
    pub timestamp: Option<String>,
}

impl HttpAuthRequest {
    /// Signs a request (device side). `timestamp: None` gives the Link SDK 4.x form.
    pub fn sign(
        product_key: &ProductKey,
        device_name: &DeviceName,
        client_id: &ClientId,
        secret: &DeviceSecret,
        method: SignMethod,
        timestamp: Option<UnixMillis>,
    ) -> Self {
        let ts = timestamp.map(|t| itoa_buf(t.0));
        let tag = mqtt_password(
            secret,
            method,
            client_id.as_str(),
            device_name.as_str(),
            product_key.as_str(),
            ts.as_ref().map(|t| t.as_str()),
        );
        Self {
            version: Some("default".into()),
            client_id: client_id.as_str().into(),
            sign_method: Some(method.as_str().into()),
            sign: tag.to_hex(HexCase::Lower).as_str().into(),
            product_key: product_key.as_str().into(),
            device_name: device_name.as_str().into(),
            timestamp: ts.map(|t| t.as_str().into()),
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        let wire = Wire {
            version: self.version.clone(),
            client_id: self.client_id.clone(),
            signmethod: self.sign_method.clone(),
            sign: self.sign.clone(),
            product_key: self.product_key.clone(),
            device_name: self.device_name.clone(),
            timestamp: self.timestamp.clone(),
        };
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Parses a JSON body (platform side); identifiers are validated, unknown fields rejected.
    pub fn parse(body: &[u8]) -> Result<Self, BodyError> {
        if body.len() > MAX_BODY_LEN {
            return Err(BodyError::TooLarge(body.len()));
        }
        let w: Wire = serde_json::from_slice(body).map_err(|_| BodyError::InvalidJson)?;
        validate_client_id(&w.client_id).map_err(|_| BodyError::InvalidField("clientId"))?;
        validate_product_key(&w.product_key).map_err(|_| BodyError::InvalidField("productKey"))?;
        validate_device_name(&w.device_name).map_err(|_| BodyError::InvalidField("deviceName"))?;
        if let Some(ts) = &w.timestamp
            && (ts.is_empty() || ts.len() > 20 || !ts.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(BodyError::InvalidField("timestamp"));
        }
        Ok(Self {
            version: w.version,
            client_id: w.client_id,
            sign_method: w.signmethod,
            sign: w.sign,
            product_key: w.product_key,
            device_name: w.device_name,
            timestamp: w.timestamp,
        })
    }

    /// The resolved sign method.
    pub fn method(&self) -> Result<SignMethod, AuthError> {
        match &self.sign_method {
            None => Ok(SignMethod::HmacMd5),
            Some(m) => SignMethod::from_name(m).ok_or(AuthError::UnsupportedSignMethod),
        }
    }

    /// Verifies `sign` with the device secret under `policy` at `now`.
    pub fn verify(
        &self,
        secret: &DeviceSecret,
        policy: &VerifyPolicy,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        let method = self.method()?;
        policy.check_method(method)?;
        let ts = match &self.timestamp {
            Some(t) => Some(UnixMillis(t.parse().map_err(|_| {
                AuthError::MalformedBody(BodyError::InvalidField("timestamp"))
            })?)),
            None => None,
        };
        policy.check_timestamp(ts, now)?;
        let expected = mqtt_password(
            secret,
            method,
            &self.client_id,
            &self.device_name,
            &self.product_key,
            self.timestamp.as_deref(),
        );
        check_hex(&expected, self.sign.as_bytes(), method)
    }
}

#[derive(Serialize, Deserialize)]
struct RespInfo {
    token: String,
}

#[derive(Serialize, Deserialize)]
struct Resp {
    code: u32,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    info: Option<RespInfo>,
}

/// The success response body: `{"code":0,"message":"success","info":{"token":"…"}}`.
pub fn auth_success_body(token: &str) -> String {
    serde_json::to_string(&Resp {
        code: 0,
        message: "success".into(),
        info: Some(RespInfo {
            token: token.into(),
        }),
    })
    .unwrap_or_default()
}

/// An error response body: `{"code":…,"message":"…"}`.
pub fn auth_error_body(code: HttpAuthCode, message: &str) -> String {
    serde_json::to_string(&Resp {
        code: code.code(),
        message: message.into(),
        info: None,
    })
    .unwrap_or_default()
}

/// Parses a response body (device side): the token, or the typed code of a failure.
pub fn parse_auth_response(body: &[u8]) -> Result<Result<String, HttpAuthCode>, BodyError> {
    if body.len() > MAX_BODY_LEN {
        return Err(BodyError::TooLarge(body.len()));
    }
    let r: Resp = serde_json::from_slice(body).map_err(|_| BodyError::InvalidJson)?;
    Ok(match (HttpAuthCode::from_code(r.code), r.info) {
        (HttpAuthCode::Success, Some(info)) if !info.token.is_empty() => Ok(info.token),
        (HttpAuthCode::Success, _) => return Err(BodyError::MissingField("info.token")),
        (code, _) => Err(code),
    })
}
