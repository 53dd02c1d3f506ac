//! Device identities and secrets with the vendors' character rules.
//!
//! Identifiers ([`ProductKey`], [`DeviceName`], [`ClientId`]) are validated once, at
//! construction, so that signing and ACL code can rely on them. Secrets ([`DeviceSecret`],
//! [`ProductSecret`]) are zeroized on drop and print as `<redacted>` in `Debug`.

use alloc::string::String;
use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{IdentityError, IdentityKind};

fn check_len(kind: IdentityKind, s: &str, min: usize, max: usize) -> Result<(), IdentityError> {
    let len = s.len();
    if len < min {
        return Err(IdentityError::TooShort { kind, len, min });
    }
    if len > max {
        return Err(IdentityError::TooLong { kind, len, max });
    }
    Ok(())
}

fn check_chars(
    kind: IdentityKind,
    s: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), IdentityError> {
    match s.char_indices().find(|&(_, c)| !allowed(c)) {
        Some((at, ch)) => Err(IdentityError::InvalidChar { kind, ch, at }),
        None => Ok(()),
    }
}

/// Validates an Alibaba `ProductKey`: 1 to 32 ASCII letters or digits.
///
/// The platform issues 11-character keys (`a1X2bEnP82z`); shorter ones appear in the vendor's
/// documentation examples (`pk`), so only the character set and an upper bound are enforced.
pub fn validate_product_key(s: &str) -> Result<(), IdentityError> {
    check_len(IdentityKind::ProductKey, s, 1, 32)?;
    check_chars(IdentityKind::ProductKey, s, |c| c.is_ascii_alphanumeric())
}

/// Validates an Alibaba `DeviceName`: 4 to 32 characters from `A-Z a-z 0-9 - _ @ . :`
/// (the vendor's rule for device names).
pub fn validate_device_name(s: &str) -> Result<(), IdentityError> {
    check_len(IdentityKind::DeviceName, s, 4, 32)?;
    check_chars(IdentityKind::DeviceName, s, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@' | '.' | ':')
    })
}

/// Validates the client id signed inside an Alibaba MQTT client id: at most 64 bytes of
/// printable ASCII without `|`, `,`, `=` or `&` (they delimit the surrounding formats). It may
/// be empty (the Link SDK's "assigned client id" mode signs an empty value).
pub fn validate_client_id(s: &str) -> Result<(), IdentityError> {
    check_len(IdentityKind::ClientId, s, 0, 64)?;
    check_chars(IdentityKind::ClientId, s, |c| {
        c.is_ascii_graphic() && !matches!(c, '|' | ',' | '=' | '&')
    })
}

fn validate_secret(kind: IdentityKind, s: &str) -> Result<(), IdentityError> {
    check_len(kind, s, 1, 128)?;
    check_chars(kind, s, |c| c.is_ascii_graphic())
}

macro_rules! ident_type {
    ($(#[$doc:meta])* $name:ident, $validate:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the value.
            pub fn new(value: impl Into<String>) -> Result<Self, IdentityError> {
                let value = value.into();
                $validate(&value)?;
                Ok(Self(value))
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl core::str::FromStr for $name {
            type Err = IdentityError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdentityError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }
    };
}

ident_type!(
    /// An Alibaba `ProductKey` (see [`validate_product_key`]).
    ProductKey,
    validate_product_key
);
ident_type!(
    /// An Alibaba `DeviceName` (see [`validate_device_name`]).
    DeviceName,
    validate_device_name
);
ident_type!(
    /// The client id signed inside an Alibaba MQTT client id (see [`validate_client_id`]).
    ClientId,
    validate_client_id
);

impl ClientId {
    /// The official SDKs' default client id: `{productKey}.{deviceName}`.
    ///
    /// Fails only when the result exceeds 64 bytes (both parts at their maximum).
    pub fn from_device(pk: &ProductKey, dn: &DeviceName) -> Result<Self, IdentityError> {
        let mut s = String::with_capacity(pk.0.len() + dn.0.len() + 1);
        s.push_str(&pk.0);
        s.push('.');
        s.push_str(&dn.0);
        Self::new(s)
    }
}

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Validates (1 to 128 printable ASCII characters) and wraps the secret.
            pub fn new(value: impl Into<String>) -> Result<Self, IdentityError> {
                let mut value = value.into();
                if let Err(e) = validate_secret($kind, &value) {
                    value.zeroize();
                    return Err(e);
                }
                Ok(Self(value))
            }

            /// The HMAC key schedule of this secret, done once for repeated signing.
            pub fn prepare(&self) -> crate::sign::PreparedKey {
                crate::sign::PreparedKey::new(self.0.as_bytes())
            }

            /// The secret's bytes: the HMAC key, used as is (not decoded).
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(<redacted>)", stringify!($name))
            }
        }
    };
}

secret_type!(
    /// An Alibaba `DeviceSecret` (one-device-one-secret). Zeroized on drop, never shown by `Debug`.
    DeviceSecret,
    IdentityKind::DeviceSecret
);
secret_type!(
    /// An Alibaba `ProductSecret` (one-product-one-secret). Zeroized on drop, never shown by `Debug`.
    ProductSecret,
    IdentityKind::ProductSecret
);

/// A device's identity triple without its secret: what the platform learns from a successful
/// authentication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceId {
    /// The product key.
    pub product_key: ProductKey,
    /// The device name.
    pub device_name: DeviceName,
}

impl DeviceId {
    /// Pairs a product key and a device name.
    pub fn new(product_key: ProductKey, device_name: DeviceName) -> Self {
        Self {
            product_key,
            device_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(ProductKey::new("a1X2bEnP82z").is_ok());
        assert!(matches!(
            ProductKey::new("a1-2"),
            Err(IdentityError::InvalidChar { ch: '-', at: 2, .. })
        ));
        assert!(DeviceName::new("dev").is_err());
        assert!(DeviceName::new("light_1@home.x:y-z").is_ok());
        assert!(DeviceName::new("a/bcd").is_err());
        assert!(DeviceName::new("a+bcd").is_err());
        assert!(ClientId::new("").is_ok());
        assert!(ClientId::new("a|b").is_err());
        let s = DeviceSecret::new("topsecret").unwrap();
        assert_eq!(alloc::format!("{s:?}"), "DeviceSecret(<redacted>)");
        assert!(DeviceSecret::new("").is_err());
    }
}
