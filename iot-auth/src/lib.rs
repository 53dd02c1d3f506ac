//! Device credentials and signing (Alibaba, Azure SAS, X.509) and topic ACL policies for IoT
//! platforms.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod acl;
pub mod alibaba;
pub mod azure;
pub mod error;
pub mod ident;
pub mod random;
pub mod sign;
#[cfg(feature = "std")]
pub mod store;
pub mod time;
pub mod token;
#[cfg(feature = "x509")]
pub mod x509;

pub use token::TokenIssuer;
