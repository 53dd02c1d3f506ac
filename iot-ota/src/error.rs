//! Error types, one enum per layer, with `From` conversions into the crate-wide [`Error`].
//!
//! Every rejection the crate makes has its own variant, so that a caller (and a conformance vector)
//! can tell a tampered image from a truncated one, a bad signature from a missing one, and a
//! replayed manifest from an operator-approved downgrade.

use crate::digest::DigestAlgorithm;
use crate::keys::KeyId;
use thiserror::Error;

/// A malformed CBOR item (used by the SUIT reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside an item.
    #[error("CBOR input ended inside an item at offset {offset}")]
    UnexpectedEnd {
        /// Byte offset where more bytes were needed.
        offset: usize,
    },
    /// Additional-information values 28..=30 are reserved (RFC 8949 §3).
    #[error("reserved CBOR additional information {info} at offset {offset}")]
    ReservedAdditionalInfo {
        /// The 5-bit additional information value.
        info: u8,
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// Indefinite lengths are not allowed in SUIT (deterministic encoding is required).
    #[error("indefinite-length CBOR item at offset {offset}")]
    IndefiniteLength {
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// The item has another major type than the structure requires.
    #[error("expected CBOR {expected} at offset {offset}, found major type {found}")]
    UnexpectedType {
        /// What the structure requires.
        expected: &'static str,
        /// The major type found (0..=7).
        found: u8,
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// A declared length runs past the end of the input.
    #[error("CBOR length {length} at offset {offset} runs past the end of the input")]
    LengthOverflow {
        /// The declared length.
        length: u64,
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// Nesting deeper than the reader allows.
    #[error("CBOR nesting deeper than {limit}")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// A text string is not valid UTF-8.
    #[error("CBOR text string at offset {offset} is not UTF-8")]
    InvalidUtf8 {
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// An integer does not fit the range the structure allows.
    #[error("CBOR integer at offset {offset} out of range")]
    IntegerOutOfRange {
        /// Byte offset of the initial byte.
        offset: usize,
    },
    /// Bytes follow the top-level item.
    #[error("{count} trailing bytes after the CBOR item")]
    TrailingBytes {
        /// How many bytes follow.
        count: usize,
    },
}

/// A SUIT envelope that cannot be parsed or does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SuitError {
    /// The CBOR itself is malformed.
    #[error("malformed CBOR: {0}")]
    Cbor(#[from] CborError),
    /// The envelope is larger than the configured limit.
    #[error("SUIT envelope of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Envelope size.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// A required member is absent (the name is the CDDL rule name).
    #[error("SUIT element `{0}` is missing")]
    Missing(&'static str),
    /// A member occurs twice in one map.
    #[error("SUIT map key {0} occurs twice")]
    DuplicateKey(i64),
    /// `suit-manifest-version` is not 1.
    #[error("unsupported SUIT manifest version {0}")]
    UnsupportedManifestVersion(u64),
    /// A digest algorithm other than SHA-256/SHA-512 (COSE -16 / -44).
    #[error("unsupported SUIT digest algorithm {0}")]
    UnsupportedDigestAlgorithm(i64),
    /// The COSE algorithm is neither ES256 (-7) nor EdDSA (-8).
    #[error("unsupported COSE algorithm {0}")]
    UnsupportedCoseAlgorithm(i64),
    /// The authentication block is not a COSE_Sign1 (tag 18).
    #[error("unsupported SUIT authentication block (only COSE_Sign1 is verified)")]
    UnsupportedAuthenticationBlock,
    /// A COSE_Sign1 carries an attached payload; SUIT requires a detached one.
    #[error("COSE_Sign1 payload must be detached (nil)")]
    AttachedPayload,
    /// The SUIT_Digest in the authentication wrapper does not match the manifest bytes.
    #[error("SUIT manifest digest mismatch")]
    ManifestDigestMismatch,
    /// No authentication block verified with any trusted key.
    #[error("no SUIT authentication block verifies with a trusted key")]
    BadSignature,
    /// The envelope carries no authentication block at all.
    #[error("SUIT envelope is not signed")]
    Unsigned,
    /// A structural rule of the CDDL is broken (the text names the rule).
    #[error("invalid SUIT structure: {0}")]
    Invalid(&'static str),
}

/// A key that cannot be decoded or used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Ed25519 keys are 32 bytes.
    #[error("Ed25519 public key must be 32 bytes, got {0}")]
    Ed25519Length(usize),
    /// The bytes are not a valid curve point or scalar.
    #[error("invalid {0} key material")]
    InvalidKey(&'static str),
    /// A hex or PEM encoding is malformed.
    #[error("malformed key encoding: {0}")]
    Encoding(&'static str),
}

/// A signed manifest that is rejected by [`crate::ManifestVerifier`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A signature made by a trusted key does not verify, and the valid ones do not reach the
    /// threshold.
    #[error("signature by key {key_id} does not verify")]
    BadSignature {
        /// The key whose signature failed.
        key_id: KeyId,
    },
    /// Fewer distinct trusted keys signed than the threshold requires.
    #[error("{valid} valid signatures from distinct trusted keys, threshold is {threshold}")]
    ThresholdNotMet {
        /// Distinct trusted keys with a valid signature.
        valid: usize,
        /// Required number.
        threshold: usize,
    },
    /// The manifest expired before `now`.
    #[error("manifest expired at {expires} ms, now is {now} ms")]
    Expired {
        /// Expiry (Unix ms).
        expires: u64,
        /// The injected clock (Unix ms).
        now: u64,
    },
    /// The sequence number is not greater than the installed one (replay or rollback attack).
    #[error("manifest sequence {sequence} is not greater than the installed {installed}")]
    Rollback {
        /// Sequence of the offered manifest.
        sequence: u64,
        /// Sequence of the installed manifest.
        installed: u64,
    },
    /// The version is lower than the installed one and the operator did not allow downgrades.
    #[error(
        "version {offered} is older than the installed {installed} and downgrades are not allowed"
    )]
    Downgrade {
        /// Offered version.
        offered: String,
        /// Installed version.
        installed: String,
    },
    /// The two versions cannot be ordered under the manifest's version scheme.
    #[error("version error: {0}")]
    Version(#[from] VersionError),
    /// A differential package built against another version than the installed one.
    #[error("differential package needs version {required}, installed is {installed}")]
    DifferentialBaseMismatch {
        /// The version the delta applies to.
        required: String,
        /// The installed version.
        installed: String,
    },
    /// The manifest is for another component/module than the one being updated.
    #[error("manifest is for component {offered}, expected {expected}")]
    WrongComponent {
        /// Component named by the manifest.
        offered: String,
        /// Component the verifier was asked about.
        expected: String,
    },
    /// The manifest could not be canonicalised (for example it holds a floating-point number).
    #[error("manifest error: {0}")]
    Manifest(#[from] ManifestError),
}

/// A manifest that is structurally invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The JSON text is malformed or has the wrong shape.
    #[error("malformed manifest JSON: {0}")]
    Json(String),
    /// The input is larger than the configured limit.
    #[error("manifest of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Input size.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// A field breaks a rule of the model (the text names the field and the rule).
    #[error("invalid manifest field `{field}`: {reason}")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Canonical JSON has no floating-point numbers.
    #[error("canonical JSON cannot encode the non-integer number {0}")]
    NonCanonicalNumber(String),
    /// A date-time string is not RFC 3339 in UTC.
    #[error("invalid RFC 3339 UTC date-time `{0}`")]
    InvalidDateTime(String),
    /// Two signatures carry the same key id.
    #[error("key id {0} signs twice")]
    DuplicateSignature(KeyId),
}

/// A version string that does not follow its scheme, or two versions that cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The string is not valid under the scheme.
    #[error("`{version}` is not a valid {scheme} version")]
    Invalid {
        /// The offending string.
        version: String,
        /// The scheme's name.
        scheme: &'static str,
    },
    /// The `Opaque` scheme only knows equality.
    #[error("opaque versions `{0}` and `{1}` have no order")]
    Unordered(String, String),
}

/// The image fed to a streaming [`crate::ImageVerifier`] does not match its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A chunk would run past the declared size; the chunk was not hashed.
    #[error("chunk ends at byte {end}, past the declared image size {size}")]
    TooLong {
        /// End offset of the refused chunk.
        end: u64,
        /// Declared image size.
        size: u64,
    },
    /// `finish` was called before the declared size was reached.
    #[error("image truncated: {received} of {size} bytes received")]
    Truncated {
        /// Bytes received.
        received: u64,
        /// Declared image size.
        size: u64,
    },
    /// The computed digest differs from the manifest.
    #[error("{algorithm} digest mismatch")]
    DigestMismatch {
        /// The algorithm whose digest differs.
        algorithm: DigestAlgorithm,
    },
    /// A digest value has the wrong length for its algorithm.
    #[error("{algorithm} digest must be {expected} bytes, got {actual}")]
    DigestLength {
        /// The algorithm.
        algorithm: DigestAlgorithm,
        /// Its output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The image signature (ECDSA over the image's SHA-256) does not verify.
    #[error("image signature does not verify")]
    BadImageSignature,
    /// The manifest names no digest the verifier may rely on.
    #[error("no usable digest: {0}")]
    NoDigest(&'static str),
    /// A saved state is corrupt or belongs to another image.
    #[error("resume state rejected: {0}")]
    BadResumeState(&'static str),
}

/// A vendor OTA message (Alibaba, AWS, Azure) that cannot be parsed or converted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The JSON text is malformed.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// The input is larger than the configured limit.
    #[error("message of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Input size.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// A required field is absent.
    #[error("required field `{0}` is missing")]
    MissingField(&'static str),
    /// A field has the wrong type or an invalid value.
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField {
        /// The field name as the vendor spells it.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A field the vendor schema does not allow.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// An Alibaba push whose `code` is not "1000".
    #[error("Alibaba OTA message code {0} is not an upgrade push")]
    AlibabaCode(String),
    /// A progress step outside 1..=100 and the error codes -1..=-4.
    #[error("Alibaba progress step {0} is not defined")]
    AlibabaStep(i64),
    /// An AWS job execution status string that is not defined.
    #[error("unknown AWS job execution status `{0}`")]
    AwsStatus(String),
}

/// A campaign specification or operation that is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The specification breaks a rule (the text names it).
    #[error("invalid campaign: {0}")]
    InvalidSpec(&'static str),
    /// The device is not part of the campaign.
    #[error("device `{0}` is not part of this campaign")]
    UnknownDevice(String),
    /// The operation is not allowed in the campaign's current phase.
    #[error("cannot {operation} a campaign that is {phase}")]
    InvalidPhase {
        /// What was attempted.
        operation: &'static str,
        /// The current phase.
        phase: &'static str,
    },
}

/// The device upgrade agent refused an input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The input is not expected in the current state (the state is named).
    #[error("{input} is not expected while {state}")]
    UnexpectedInput {
        /// The input.
        input: &'static str,
        /// The agent's state.
        state: &'static str,
    },
    /// A chunk does not start where the download stands.
    #[error("chunk at offset {got}, download is at {expected}")]
    OutOfOrderChunk {
        /// Offset the agent expects.
        expected: u64,
        /// Offset given.
        got: u64,
    },
    /// A saved agent state is inconsistent.
    #[error("agent state rejected: {0}")]
    BadState(&'static str),
}

/// Every error of the crate, for callers that do not need to tell the layers apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// See [`CborError`].
    #[error(transparent)]
    Cbor(#[from] CborError),
    /// See [`SuitError`].
    #[error(transparent)]
    Suit(#[from] SuitError),
    /// See [`KeyError`].
    #[error(transparent)]
    Key(#[from] KeyError),
    /// See [`VerifyError`].
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// See [`ManifestError`].
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// See [`VersionError`].
    #[error(transparent)]
    Version(#[from] VersionError),
    /// See [`ImageError`].
    #[error(transparent)]
    Image(#[from] ImageError),
    /// See [`AdapterError`].
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// See [`CampaignError`].
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    /// See [`AgentError`].
    #[error(transparent)]
    Agent(#[from] AgentError),
}
