//! Interop with libcoap and aiocoap: written next.
