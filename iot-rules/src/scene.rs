//! Scene linkage.
