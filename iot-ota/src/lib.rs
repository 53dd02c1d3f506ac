//! Firmware manifests, signatures, streaming verification, the device upgrade state machine and staged rollouts.
//!
//! This crate is being built; see the workspace README for the plan.
