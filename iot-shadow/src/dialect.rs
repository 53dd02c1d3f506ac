//! Dialects as data: the version rule and the limits each vendor applies to the one core.
//!
//! A [`Dialect`] holds no code paths of its own. [`Dialect::aws`], [`Dialect::alibaba`] and
//! [`Dialect::azure`] are preset values of the same fields; integrators can start from a preset
//! and change a limit with the `&mut self` setters.

use crate::json::SizeRule;

/// Which vendor's messages a dialect speaks. Used by the message adapters, not by the core.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// AWS IoT Device Shadow.
    Aws,
    /// Alibaba Cloud IoT device shadow (设备影子).
    Alibaba,
    /// Azure IoT Hub device twin.
    Azure,
}

/// How the request `version` is checked and what the stored version becomes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionRule {
    /// AWS: an optional request version must equal the current one (else 409 Version conflict);
    /// every accepted update adds one.
    MustEqual,
    /// Alibaba: the request version is required and must be greater than the current one; the
    /// stored version becomes the requested one; `-1` clears the shadow and resets the version
    /// to 0.
    MustBeGreater,
    /// Azure: unconditional unless an `If-Match` ETag (a version) is given, which must match
    /// (else 412); every accepted update adds one to the twin version and to the `$version` of
    /// each section it changes.
    IfMatch,
}

/// How the state size limit is applied.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeScope {
    /// One limit for `desired` and `reported` together (AWS: 8 KB).
    Total,
    /// The limit applies to each section alone (Azure: 32 KB each).
    PerSection,
}

/// Rules and limits of one vendor's shadow service, applied by the shared core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    vendor: Vendor,
    version_rule: VersionRule,
    size_rule: SizeRule,
    size_scope: SizeScope,
    max_state_size: Option<usize>,
    max_depth: usize,
    max_client_token: usize,
    max_reported_attributes: Option<usize>,
    max_payload: usize,
    allow_arrays: bool,
    azure_keys: bool,
    version_retention_ms: Option<u64>,
}

impl Dialect {
    /// AWS IoT Device Shadow: version must match, 8 KB of desired + reported in JSON bytes
    /// (metadata excluded), nesting depth 6, `clientToken` up to 64 bytes, null rejected inside
    /// arrays, and a deleted shadow's version kept for 48 hours.
    #[must_use]
    pub const fn aws() -> Self {
        Self {
            vendor: Vendor::Aws,
            version_rule: VersionRule::MustEqual,
            size_rule: SizeRule::JsonBytes,
            size_scope: SizeScope::Total,
            max_state_size: Some(8 * 1024),
            max_depth: 6,
            max_client_token: 64,
            max_reported_attributes: None,
            // AWS IoT Core's MQTT message size limit.
            max_payload: 128 * 1024,
            allow_arrays: true,
            azure_keys: false,
            version_retention_ms: Some(48 * 3600 * 1000),
        }
    }

    /// Alibaba device shadow: version must be greater (`-1` resets), at most 128 reported
    /// attributes. Alibaba documents no byte or depth limit for shadows; the presets use the AWS
    /// values (8 KB, depth 6) so that a stored document stays bounded; change them with the
    /// setters if your platform allows more.
    #[must_use]
    pub const fn alibaba() -> Self {
        Self {
            vendor: Vendor::Alibaba,
            version_rule: VersionRule::MustBeGreater,
            size_rule: SizeRule::JsonBytes,
            size_scope: SizeScope::Total,
            max_state_size: Some(8 * 1024),
            max_depth: 6,
            max_client_token: 64,
            max_reported_attributes: Some(128),
            // Alibaba's MQTT message size limit (256 KB).
            max_payload: 256 * 1024,
            allow_arrays: true,
            azure_keys: false,
            version_retention_ms: None,
        }
    }

    /// Azure IoT Hub device twin: 32 KB per section counted Azure's way, depth 10, property
    /// names without `$`, `.`, space or control characters (at most 1 KB), integers within
    /// ±2^52, ETag-style `If-Match`.
    ///
    /// Arrays are accepted (the 2020 documentation forbade them, later service versions accept
    /// them); call [`Dialect::set_allow_arrays`] with `false` for the strict 2020 rule.
    #[must_use]
    pub const fn azure() -> Self {
        Self {
            vendor: Vendor::Azure,
            version_rule: VersionRule::IfMatch,
            size_rule: SizeRule::AzureTwin,
            size_scope: SizeScope::PerSection,
            max_state_size: Some(32 * 1024),
            max_depth: 10,
            max_client_token: 64,
            max_reported_attributes: None,
            // IoT Hub's device-to-cloud message size limit.
            max_payload: 256 * 1024,
            allow_arrays: true,
            azure_keys: true,
            version_retention_ms: None,
        }
    }

    /// The vendor whose messages this dialect speaks.
    #[must_use]
    pub const fn vendor(&self) -> Vendor {
        self.vendor
    }
    /// The version rule.
    #[must_use]
    pub const fn version_rule(&self) -> VersionRule {
        self.version_rule
    }
    /// How state size is counted.
    #[must_use]
    pub const fn size_rule(&self) -> SizeRule {
        self.size_rule
    }
    /// Whether the size limit is for both sections together or each alone.
    #[must_use]
    pub const fn size_scope(&self) -> SizeScope {
        self.size_scope
    }
    /// The state size limit, if any.
    #[must_use]
    pub const fn max_state_size(&self) -> Option<usize> {
        self.max_state_size
    }
    /// The nesting limit below a section object.
    #[must_use]
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }
    /// The `clientToken` limit in bytes.
    #[must_use]
    pub const fn max_client_token(&self) -> usize {
        self.max_client_token
    }
    /// The limit on top-level reported attributes, if any.
    #[must_use]
    pub const fn max_reported_attributes(&self) -> Option<usize> {
        self.max_reported_attributes
    }
    /// The largest request payload the adapters parse, in bytes.
    #[must_use]
    pub const fn max_payload(&self) -> usize {
        self.max_payload
    }
    /// Whether arrays are allowed in the state.
    #[must_use]
    pub const fn allow_arrays(&self) -> bool {
        self.allow_arrays
    }
    /// Whether Azure's property-name rules and integer range apply.
    #[must_use]
    pub const fn azure_keys(&self) -> bool {
        self.azure_keys
    }
    /// How long a deleted shadow's version is remembered (AWS: 48 h); `None` keeps it forever.
    #[must_use]
    pub const fn version_retention_ms(&self) -> Option<u64> {
        self.version_retention_ms
    }

    /// Sets the state size limit (`None` removes it).
    pub fn set_max_state_size(&mut self, max: Option<usize>) -> &mut Self {
        self.max_state_size = max;
        self
    }
    /// Sets the nesting limit.
    pub fn set_max_depth(&mut self, max: usize) -> &mut Self {
        self.max_depth = max;
        self
    }
    /// Sets the `clientToken` limit in bytes.
    pub fn set_max_client_token(&mut self, max: usize) -> &mut Self {
        self.max_client_token = max;
        self
    }
    /// Sets the limit on top-level reported attributes.
    pub fn set_max_reported_attributes(&mut self, max: Option<usize>) -> &mut Self {
        self.max_reported_attributes = max;
        self
    }
    /// Sets the largest request payload the adapters parse.
    pub fn set_max_payload(&mut self, max: usize) -> &mut Self {
        self.max_payload = max;
        self
    }
    /// Allows or forbids arrays in the state.
    pub fn set_allow_arrays(&mut self, allow: bool) -> &mut Self {
        self.allow_arrays = allow;
        self
    }
    /// Sets how long a deleted shadow's version is remembered.
    pub fn set_version_retention_ms(&mut self, retention: Option<u64>) -> &mut Self {
        self.version_retention_ms = retention;
        self
    }
}
