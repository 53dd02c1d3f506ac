//! Token issuance for HTTP and CoAP `/auth`, left to the caller.
//!
//! Alibaba answers a verified `/auth` request with an opaque token (a JWT-like string) that the
//! device sends with every later request (HTTP header `password`, CoAP option 61). How tokens
//! are made, stored and expired is the platform's business: implement [`TokenIssuer`].

use alloc::string::String;

use crate::error::AuthError;
use crate::ident::DeviceId;
use crate::time::UnixMillis;

/// A token handed to a device.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The opaque token text.
    pub token: String,
    /// When it stops being accepted.
    pub expires: UnixMillis,
}

impl core::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

/// Issues and checks device tokens for HTTP/CoAP `/auth`.
pub trait TokenIssuer {
    /// Issues a token for an authenticated device at `now`.
    fn issue(&self, device: &DeviceId, now: UnixMillis) -> Result<IssuedToken, AuthError>;

    /// Checks a token presented at `now`: the device it was issued to, or
    /// [`AuthError::InvalidToken`] (unknown, forged or expired).
    fn validate(&self, token: &str, now: UnixMillis) -> Result<DeviceId, AuthError>;
}
