//! device tests.
