//! CoAP (RFC 7252) with block-wise transfer (RFC 7959) and observe (RFC 7641).
