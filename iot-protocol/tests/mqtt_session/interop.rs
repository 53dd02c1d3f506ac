//! Interop with mosquitto (placeholder, filled below).
