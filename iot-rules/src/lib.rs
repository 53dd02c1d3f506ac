//! SQL rules (Alibaba, AWS IoT, EMQX dialects) compiled once and evaluated per message, with scene linkage.
//!
//! This crate is being built; see the workspace README for the plan.
