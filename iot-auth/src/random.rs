//! Device secrets, registration nonces and tokens from an injected random source.
//!
//! Every generator takes any [`rand_core::TryCryptoRng`]; with the `std` feature,
//! [`OsRng`] (the operating system's source, through `getrandom`) is available.

use alloc::string::String;

use rand_core::TryCryptoRng;

use crate::error::RandomError;
use crate::ident::{DeviceSecret, ProductSecret};

/// The operating system's random source (`getrandom::SysRng`).
#[cfg(feature = "std")]
pub use getrandom::SysRng as OsRng;

const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters drawn uniformly from `A-Z a-z 0-9` (rejection sampling, no modulo bias).
pub fn alphanumeric<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    len: usize,
) -> Result<String, RandomError> {
    if len == 0 || len > 256 {
        return Err(RandomError::InvalidLength(len));
    }
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.try_fill_bytes(&mut buf)
            .map_err(|_| RandomError::SourceFailed)?;
        for &b in &buf {
            // 62 * 4 = 248: values 248..=255 are rejected so every character is equally likely.
            if b < 248 && out.len() < len {
                out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            }
        }
    }
    zeroize::Zeroize::zeroize(&mut buf);
    Ok(out)
}

/// A new 32-character device secret (the platform's format).
pub fn device_secret<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<DeviceSecret, RandomError> {
    let s = alphanumeric(rng, 32)?;
    DeviceSecret::new(s).map_err(|_| RandomError::InvalidLength(32))
}

/// A new 32-character product secret.
pub fn product_secret<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<ProductSecret, RandomError> {
    let s = alphanumeric(rng, 32)?;
    ProductSecret::new(s).map_err(|_| RandomError::InvalidLength(32))
}

/// A registration nonce (`random`) of 16 alphanumeric characters. Every registration must use a
/// fresh one: the C SDK's hard-coded `8Ygb7ULYh53B6OA` is a test value only.
pub fn registration_nonce<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<String, RandomError> {
    alphanumeric(rng, 16)
}

/// An opaque device token of 32 alphanumeric characters (≈190 bits), for `regnwl` registration
/// and token issuers.
pub fn device_token<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<String, RandomError> {
    alphanumeric(rng, 32)
}
