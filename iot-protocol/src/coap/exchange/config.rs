//! Tunables of the exchange layer (RFC 7252 §4.8) and its resource limits.

use core::time::Duration;

use crate::coap::option::OptionNumber;
use alloc::vec::Vec;

/// The transmission parameters of RFC 7252 §4.8 and the times derived from them (§4.8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransmissionParameters {
    ack_timeout: Duration,
    ack_random_factor_permille: u32,
    max_retransmit: u8,
    nstart: usize,
    max_latency: Duration,
    processing_delay: Duration,
}

impl Default for TransmissionParameters {
    /// The RFC's defaults: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT 4, NSTART 1,
    /// MAX_LATENCY 100 s, PROCESSING_DELAY = ACK_TIMEOUT.
    fn default() -> Self {
        TransmissionParameters {
            ack_timeout: Duration::from_secs(2),
            ack_random_factor_permille: 1500,
            max_retransmit: 4,
            nstart: 1,
            max_latency: Duration::from_secs(100),
            processing_delay: Duration::from_secs(2),
        }
    }
}

impl TransmissionParameters {
    /// ACK_TIMEOUT.
    pub fn ack_timeout(&self) -> Duration {
        self.ack_timeout
    }
    /// Sets ACK_TIMEOUT (RFC 7252 §4.8.1: do not go below 1 s on the Internet).
    pub fn set_ack_timeout(&mut self, d: Duration) -> &mut Self {
        self.ack_timeout = d;
        self
    }
    /// ACK_RANDOM_FACTOR in thousandths (1500 = 1.5).
    pub fn ack_random_factor_permille(&self) -> u32 {
        self.ack_random_factor_permille
    }
    /// Sets ACK_RANDOM_FACTOR in thousandths; values below 1000 are raised to 1000 (the RFC
    /// requires at least 1.0).
    pub fn set_ack_random_factor_permille(&mut self, f: u32) -> &mut Self {
        self.ack_random_factor_permille = f.max(1000);
        self
    }
    /// MAX_RETRANSMIT.
    pub fn max_retransmit(&self) -> u8 {
        self.max_retransmit
    }
    /// Sets MAX_RETRANSMIT.
    pub fn set_max_retransmit(&mut self, n: u8) -> &mut Self {
        self.max_retransmit = n;
        self
    }
    /// NSTART: outstanding interactions per peer.
    pub fn nstart(&self) -> usize {
        self.nstart
    }
    /// Sets NSTART (at least 1).
    pub fn set_nstart(&mut self, n: usize) -> &mut Self {
        self.nstart = n.max(1);
        self
    }
    /// Sets MAX_LATENCY.
    pub fn set_max_latency(&mut self, d: Duration) -> &mut Self {
        self.max_latency = d;
        self
    }
    /// Sets PROCESSING_DELAY.
    pub fn set_processing_delay(&mut self, d: Duration) -> &mut Self {
        self.processing_delay = d;
        self
    }

    /// MAX_TRANSMIT_SPAN = ACK_TIMEOUT × (2^MAX_RETRANSMIT − 1) × ACK_RANDOM_FACTOR.
    pub fn max_transmit_span(&self) -> Duration {
        let mult = (1u64 << self.max_retransmit.min(20)) - 1;
        let ms = u64::try_from(self.ack_timeout.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(
            ms.saturating_mul(mult)
                .saturating_mul(u64::from(self.ack_random_factor_permille))
                / 1000,
        )
    }

    /// MAX_TRANSMIT_WAIT = ACK_TIMEOUT × (2^(MAX_RETRANSMIT + 1) − 1) × ACK_RANDOM_FACTOR.
    pub fn max_transmit_wait(&self) -> Duration {
        let mult = (1u64 << (self.max_retransmit.min(20) + 1)) - 1;
        let ms = u64::try_from(self.ack_timeout.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(
            ms.saturating_mul(mult)
                .saturating_mul(u64::from(self.ack_random_factor_permille))
                / 1000,
        )
    }

    /// EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 × MAX_LATENCY + PROCESSING_DELAY (247 s with
    /// the defaults).
    pub fn exchange_lifetime(&self) -> Duration {
        self.max_transmit_span() + self.max_latency * 2 + self.processing_delay
    }

    /// NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY (145 s with the defaults).
    pub fn non_lifetime(&self) -> Duration {
        self.max_transmit_span() + self.max_latency
    }
}

/// Configuration of an [`Endpoint`](super::Endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub(crate) params: TransmissionParameters,
    pub(crate) token_len: usize,
    pub(crate) max_dedup_entries: usize,
    pub(crate) max_queued_requests: usize,
    pub(crate) separate_ack_delay: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) max_body: usize,
    pub(crate) auto_block2: bool,
    pub(crate) request_block2_szx: Option<u8>,
    pub(crate) block1_szx: u8,
    pub(crate) known_options: Vec<OptionNumber>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            params: TransmissionParameters::default(),
            token_len: 4,
            max_dedup_entries: 4096,
            max_queued_requests: 256,
            separate_ack_delay: Duration::from_millis(1000),
            response_timeout: Duration::from_secs(60),
            max_body: 1 << 20,
            auto_block2: true,
            request_block2_szx: None,
            block1_szx: 6,
            known_options: Vec::new(),
        }
    }
}

impl Config {
    /// The transmission parameters.
    pub fn params(&self) -> &TransmissionParameters {
        &self.params
    }
    /// Mutable transmission parameters.
    pub fn params_mut(&mut self) -> &mut TransmissionParameters {
        &mut self.params
    }
    /// Token length for our requests, 1-8 (default 4: RFC 7252 §5.3.1 asks for enough randomness
    /// to resist spoofing when the path is not protected). Empty tokens are not used because the
    /// endpoint may have several requests open towards one peer.
    pub fn set_token_len(&mut self, n: usize) -> &mut Self {
        self.token_len = n.clamp(1, 8);
        self
    }
    /// Most remembered incoming Message IDs (default 4096). When full, the oldest is forgotten
    /// early, which could let a very late duplicate through; size it to the traffic.
    pub fn set_max_dedup_entries(&mut self, n: usize) -> &mut Self {
        self.max_dedup_entries = n.max(1);
        self
    }
    /// Most requests waiting for NSTART across all peers (default 256).
    pub fn set_max_queued_requests(&mut self, n: usize) -> &mut Self {
        self.max_queued_requests = n;
        self
    }
    /// How long a server waits for the application's response before sending an Empty ACK and
    /// switching to a separate response (RFC 7252 §5.2.2; default 1 s, below ACK_TIMEOUT).
    pub fn set_separate_ack_delay(&mut self, d: Duration) -> &mut Self {
        self.separate_ack_delay = d;
        self
    }
    /// How long a client waits for a response after the request was acknowledged, or after a NON
    /// request was sent (default 60 s).
    pub fn set_response_timeout(&mut self, d: Duration) -> &mut Self {
        self.response_timeout = d;
        self
    }
    /// Largest body the client reassembles from Block2 (default 1 MiB).
    pub fn set_max_body(&mut self, n: usize) -> &mut Self {
        self.max_body = n;
        self
    }
    /// Whether the client fetches the remaining Block2 blocks itself and delivers whole bodies
    /// (default true).
    pub fn set_auto_block2(&mut self, on: bool) -> &mut Self {
        self.auto_block2 = on;
        self
    }
    /// Ask servers for this block size up front (early negotiation, RFC 7959 §2.4).
    pub fn set_request_block2_szx(&mut self, szx: Option<u8>) -> &mut Self {
        self.request_block2_szx = szx.map(|s| s.min(6));
        self
    }
    /// Block size (SZX) for request bodies: a larger body is sent with Block1 in blocks of
    /// 2^(SZX+4) bytes, following the server's 2.31 Continue (RFC 7959 §2.5; default 6 = 1024).
    pub fn set_block1_szx(&mut self, szx: u8) -> &mut Self {
        self.block1_szx = szx.min(6);
        self
    }

    /// Critical options the application understands beyond the registry (so they do not trigger
    /// 4.02 Bad Option).
    pub fn set_known_options(&mut self, known: Vec<OptionNumber>) -> &mut Self {
        self.known_options = known;
        self
    }
}
