//! Thing models (Alibaba TSL, W3C WoT Thing Model), compiled payload validators, JSON Schema export, Alink envelopes and topics.
//!
//! This crate is being built; see the workspace README for the plan.
