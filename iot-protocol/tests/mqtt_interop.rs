//! Interop with mosquitto 2 (written next).
