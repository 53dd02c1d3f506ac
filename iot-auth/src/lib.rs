//! Device credentials and signing (Alibaba, Azure SAS, X.509) and topic ACL policies for IoT platforms.
//!
//! This crate is being built; see the workspace README for the plan.
