//! Device shadow documents with Alibaba, AWS and Azure dialects, reconciliation and a versioned store.
//!
//! This crate is being built; see the workspace README for the plan.
