//! IETF SUIT envelopes (draft-ietf-suit-manifest, RFC 9124): parsing and COSE verification.
//!
//! [`SuitEnvelope::parse`] reads a `SUIT_Envelope` (tag 107 optional), keeps the exact bytes of
//! the bstr-wrapped manifest, and extracts what an updater needs: manifest version, sequence
//! number, components and, per component, the parameters set by `directive-override-parameters`
//! or `directive-set-parameters` in the shared sequence (vendor id, class id, image digest, image
//! size, URI).
//!
//! [`SuitEnvelope::verify`] checks, in this order (the draft requires the digest check before the
//! signature to avoid a time-of-check/time-of-use gap):
//!
//! 1. the `SUIT_Digest` of the authentication wrapper equals the digest over the **bstr-wrapped**
//!    manifest, header included (TV-09);
//! 2. at least one `COSE_Sign1` block verifies with a trusted key, where the detached payload is
//!    the *encoded* `SUIT_Digest` (the content of its bstr, without the bstr header, TV-10).
//!
//! Not supported: COSE_Sign (multi-signer), COSE_Mac/Mac0, encrypted payloads, dependencies, and
//! the command interpreter itself (`try-each` bodies are skipped, not evaluated). Severable
//! members and integrated payloads are accepted and left uninterpreted.

pub(crate) mod cbor;

use crate::digest::{Digest, DigestAlgorithm};
use crate::encoding::hex_encode;
use crate::error::SuitError;
use crate::keys::{PublicKey, SigningKey};
use crate::manifest::{Manifest, Source};
use crate::version::VersionScheme;
use cbor::Reader;

/// Default limit on the envelope size (256 KiB).
pub const DEFAULT_MAX_ENVELOPE_LEN: usize = 256 * 1024;

/// COSE algorithm ES256 (ECDSA P-256 with SHA-256).
pub const COSE_ALG_ES256: i64 = -7;
/// COSE algorithm EdDSA.
pub const COSE_ALG_EDDSA: i64 = -8;

const TAG_ENVELOPE: u64 = 107;
const TAG_MANIFEST: u64 = 1070;
const TAG_COSE_SIGN1: u64 = 18;

/// One component with the parameters the shared sequence sets for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuitComponent {
    /// The component identifier: a list of byte strings.
    pub id: Vec<Vec<u8>>,
    /// `vendor-identifier` (usually a UUIDv5, 16 bytes).
    pub vendor_id: Option<Vec<u8>>,
    /// `class-identifier` (usually a UUIDv5, 16 bytes).
    pub class_id: Option<Vec<u8>>,
    /// `image-digest`.
    pub image_digest: Option<Digest>,
    /// `image-size`.
    pub image_size: Option<u64>,
    /// `uri`.
    pub uri: Option<String>,
}

/// The fields of a `SUIT_Manifest` this crate interprets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuitManifest {
    /// `suit-manifest-version` (always 1 when parsing succeeded).
    pub version: u64,
    /// `suit-manifest-sequence-number`.
    pub sequence_number: u64,
    /// `suit-reference-uri`.
    pub reference_uri: Option<String>,
    /// Components in index order.
    pub components: Vec<SuitComponent>,
}

/// A parsed COSE_Sign1 authentication block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CoseSign1<'a> {
    protected: &'a [u8],
    alg: i64,
    signature: &'a [u8],
}

/// A parsed SUIT envelope borrowing the input bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuitEnvelope<'a> {
    /// The manifest's bstr including its header: what the SUIT_Digest covers.
    wrapped_manifest: &'a [u8],
    /// The encoded SUIT_Digest of the authentication wrapper (content of its bstr).
    encoded_digest: &'a [u8],
    digest: Digest,
    auth_blocks: Vec<CoseSign1<'a>>,
    manifest: SuitManifest,
}

impl<'a> SuitEnvelope<'a> {
    /// Parses an envelope of at most [`DEFAULT_MAX_ENVELOPE_LEN`] bytes.
    ///
    /// # Errors
    /// [`SuitError`] naming the broken rule.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SuitError> {
        Self::parse_with_limit(bytes, DEFAULT_MAX_ENVELOPE_LEN)
    }

    /// Parses an envelope of at most `max_len` bytes.
    ///
    /// # Errors
    /// [`SuitError`] naming the broken rule.
    pub fn parse_with_limit(bytes: &'a [u8], max_len: usize) -> Result<Self, SuitError> {
        if bytes.len() > max_len {
            return Err(SuitError::TooLarge {
                size: bytes.len(),
                limit: max_len,
            });
        }
        let mut r = Reader::new(bytes);
        r.optional_tag(TAG_ENVELOPE)?;
        let n = r.map()?;
        let mut auth: Option<&'a [u8]> = None;
        let mut wrapped: Option<(&'a [u8], &'a [u8])> = None;
        let mut seen: Vec<i64> = Vec::new();
        for _ in 0..n {
            if r.peek_major() == Some(cbor::MAJOR_TSTR) {
                // Integrated payload: tstr => bstr.
                r.tstr()?;
                r.bstr()?;
                continue;
            }
            let key = r.int()?;
            if seen.contains(&key) {
                return Err(SuitError::DuplicateKey(key));
            }
            seen.push(key);
            match key {
                2 => auth = Some(r.bstr()?),
                3 => {
                    let start = r.position();
                    let inner = r.bstr()?;
                    wrapped = Some((r.slice(start, r.position()), inner));
                }
                _ => {
                    r.skip()?;
                }
            }
        }
        r.finish()?;
        let auth = auth.ok_or(SuitError::Missing("suit-authentication-wrapper"))?;
        let (wrapped_manifest, manifest_bytes) =
            wrapped.ok_or(SuitError::Missing("suit-manifest"))?;

        let mut a = Reader::new(auth);
        let count = a.array()?;
        if count == 0 {
            return Err(SuitError::Missing("SUIT_Digest"));
        }
        let encoded_digest = a.bstr()?;
        let digest = parse_digest(encoded_digest)?;
        let mut auth_blocks = Vec::with_capacity(count - 1);
        for _ in 1..count {
            auth_blocks.push(parse_cose_sign1(a.bstr()?)?);
        }
        a.finish()?;

        let manifest = parse_manifest(manifest_bytes)?;
        Ok(Self {
            wrapped_manifest,
            encoded_digest,
            digest,
            auth_blocks,
            manifest,
        })
    }

    /// The interpreted manifest (not yet authenticated unless [`verify`](Self::verify) passed).
    #[must_use]
    pub const fn manifest(&self) -> &SuitManifest {
        &self.manifest
    }

    /// The SUIT_Digest from the authentication wrapper.
    #[must_use]
    pub const fn manifest_digest(&self) -> &Digest {
        &self.digest
    }

    /// The bytes the SUIT_Digest covers: the manifest bstr, header included.
    #[must_use]
    pub const fn wrapped_manifest(&self) -> &'a [u8] {
        self.wrapped_manifest
    }

    /// Number of authentication blocks (signatures).
    #[must_use]
    pub fn signature_count(&self) -> usize {
        self.auth_blocks.len()
    }

    /// Checks the manifest digest, then the signatures (see the module docs).
    ///
    /// # Errors
    /// [`SuitError::ManifestDigestMismatch`], [`SuitError::Unsigned`],
    /// [`SuitError::UnsupportedCoseAlgorithm`] or [`SuitError::BadSignature`].
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<&SuitManifest, SuitError> {
        let actual = self.digest.algorithm.digest(self.wrapped_manifest);
        if actual != self.digest.value {
            return Err(SuitError::ManifestDigestMismatch);
        }
        if self.auth_blocks.is_empty() {
            return Err(SuitError::Unsigned);
        }
        for block in &self.auth_blocks {
            let to_be_signed = sig_structure(block.protected, self.encoded_digest);
            for key in trusted {
                let matches = matches!(
                    (block.alg, key),
                    (COSE_ALG_ES256, PublicKey::EcdsaP256(_))
                        | (COSE_ALG_EDDSA, PublicKey::Ed25519(_))
                );
                if matches && key.verify(&to_be_signed, block.signature) {
                    return Ok(&self.manifest);
                }
            }
        }
        Err(SuitError::BadSignature)
    }

    /// Converts component `index` into the crate's [`Manifest`].
    ///
    /// The component name is the hex of its identifier parts joined by `/`; the version is the
    /// sequence number (SUIT carries no version string outside the severable text); the image
    /// size and digest are required.
    ///
    /// # Errors
    /// [`SuitError::Missing`] when the component, its size or its digest is absent.
    pub fn to_manifest(&self, index: usize) -> Result<Manifest, SuitError> {
        let c = self
            .manifest
            .components
            .get(index)
            .ok_or(SuitError::Missing("component"))?;
        let size = c.image_size.ok_or(SuitError::Missing("image-size"))?;
        let digest = c
            .image_digest
            .clone()
            .ok_or(SuitError::Missing("image-digest"))?;
        let name =
            c.id.iter()
                .map(|p| hex_encode(p))
                .collect::<Vec<_>>()
                .join("/");
        let seq = self.manifest.sequence_number;
        let mut m = Manifest::new(name, seq.to_string(), seq, size).with_digest(digest);
        m.version_scheme = VersionScheme::Dotted;
        if let Some(uri) = &c.uri {
            m.sources.push(if uri.starts_with("coap") {
                Source::CoapBlockwise { uri: uri.clone() }
            } else {
                Source::Https { url: uri.clone() }
            });
        }
        Ok(m)
    }
}

fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    // Sig_structure = ["Signature1", body_protected, external_aad, payload] (RFC 9052 §4.4).
    let mut out = Vec::with_capacity(32 + protected.len() + payload.len());
    cbor::write_head(&mut out, cbor::MAJOR_ARRAY, 4);
    cbor::write_tstr(&mut out, "Signature1");
    cbor::write_bstr(&mut out, protected);
    cbor::write_bstr(&mut out, &[]);
    cbor::write_bstr(&mut out, payload);
    out
}

fn parse_digest(bytes: &[u8]) -> Result<Digest, SuitError> {
    let mut r = Reader::new(bytes);
    if r.array()? != 2 {
        return Err(SuitError::Invalid("SUIT_Digest is a two-element array"));
    }
    let alg = r.int()?;
    let value = r.bstr()?;
    r.finish()?;
    let algorithm = match alg {
        -16 => DigestAlgorithm::Sha256,
        -44 => DigestAlgorithm::Sha512,
        other => return Err(SuitError::UnsupportedDigestAlgorithm(other)),
    };
    Digest::new(algorithm, value.to_vec())
        .map_err(|_| SuitError::Invalid("digest length does not match its algorithm"))
}

fn parse_cose_sign1(bytes: &[u8]) -> Result<CoseSign1<'_>, SuitError> {
    let mut r = Reader::new(bytes);
    if r.peek_major() == Some(cbor::MAJOR_TAG) && !r.optional_tag(TAG_COSE_SIGN1)? {
        return Err(SuitError::UnsupportedAuthenticationBlock);
    }
    if r.array()? != 4 {
        return Err(SuitError::Invalid("COSE_Sign1 is a four-element array"));
    }
    let protected = r.bstr()?;
    let unprotected = r.skip()?;
    if unprotected.first().map(|b| b >> 5) != Some(cbor::MAJOR_MAP) {
        return Err(SuitError::Invalid("COSE unprotected header is a map"));
    }
    if !r.null() {
        r.bstr()?;
        return Err(SuitError::AttachedPayload);
    }
    let signature = r.bstr()?;
    r.finish()?;
    // Protected header: a map in a bstr; alg is label 1.
    let mut alg = None;
    if !protected.is_empty() {
        let mut p = Reader::new(protected);
        let n = p.map()?;
        for _ in 0..n {
            let label = p.int()?;
            if label == 1 {
                if alg.is_some() {
                    return Err(SuitError::DuplicateKey(1));
                }
                alg = Some(p.int()?);
            } else {
                p.skip()?;
            }
        }
        p.finish()?;
    }
    let alg = alg.ok_or(SuitError::Missing("COSE alg"))?;
    if alg != COSE_ALG_ES256 && alg != COSE_ALG_EDDSA {
        return Err(SuitError::UnsupportedCoseAlgorithm(alg));
    }
    Ok(CoseSign1 {
        protected,
        alg,
        signature,
    })
}

fn parse_manifest(bytes: &[u8]) -> Result<SuitManifest, SuitError> {
    let mut r = Reader::new(bytes);
    r.optional_tag(TAG_MANIFEST)?;
    let n = r.map()?;
    let mut m = SuitManifest::default();
    let (mut version, mut seq, mut common) = (None, None, None);
    let mut seen: Vec<i64> = Vec::new();
    for _ in 0..n {
        let key = r.int()?;
        if seen.contains(&key) {
            return Err(SuitError::DuplicateKey(key));
        }
        seen.push(key);
        match key {
            1 => version = Some(r.uint()?),
            2 => seq = Some(r.uint()?),
            3 => common = Some(r.bstr()?),
            4 => m.reference_uri = Some(r.tstr()?.to_owned()),
            _ => {
                r.skip()?;
            }
        }
    }
    r.finish()?;
    m.version = version.ok_or(SuitError::Missing("suit-manifest-version"))?;
    if m.version != 1 {
        return Err(SuitError::UnsupportedManifestVersion(m.version));
    }
    m.sequence_number = seq.ok_or(SuitError::Missing("suit-manifest-sequence-number"))?;
    let common = common.ok_or(SuitError::Missing("suit-common"))?;

    let mut c = Reader::new(common);
    let n = c.map()?;
    let mut shared: Option<&[u8]> = None;
    let mut seen: Vec<i64> = Vec::new();
    for _ in 0..n {
        let key = c.int()?;
        if seen.contains(&key) {
            return Err(SuitError::DuplicateKey(key));
        }
        seen.push(key);
        match key {
            2 => {
                let count = c.array()?;
                if count == 0 {
                    return Err(SuitError::Invalid(
                        "suit-components has at least one component",
                    ));
                }
                for _ in 0..count {
                    let parts = c.array()?;
                    let mut id = Vec::with_capacity(parts);
                    for _ in 0..parts {
                        id.push(c.bstr()?.to_vec());
                    }
                    m.components.push(SuitComponent {
                        id,
                        ..SuitComponent::default()
                    });
                }
            }
            4 => shared = Some(c.bstr()?),
            _ => {
                c.skip()?;
            }
        }
    }
    c.finish()?;
    if let Some(seq_bytes) = shared {
        apply_shared_sequence(seq_bytes, &mut m.components)?;
    }
    Ok(m)
}

/// Walks a command sequence, applying parameter directives to the selected components.
fn apply_shared_sequence(bytes: &[u8], components: &mut [SuitComponent]) -> Result<(), SuitError> {
    let mut r = Reader::new(bytes);
    let n = r.array()?;
    if n % 2 != 0 {
        return Err(SuitError::Invalid(
            "a command sequence holds command/argument pairs",
        ));
    }
    // Component index 0 is selected at the start of every sequence.
    let mut selected: Vec<usize> = if components.is_empty() {
        Vec::new()
    } else {
        vec![0]
    };
    for _ in 0..n / 2 {
        let command = r.int()?;
        match command {
            // directive-set-component-index: uint / true / [+uint].
            12 => {
                selected = match r.peek_major() {
                    Some(cbor::MAJOR_UINT) => vec![index(r.uint()?, components.len())?],
                    Some(cbor::MAJOR_ARRAY) => {
                        let k = r.array()?;
                        (0..k)
                            .map(|_| index(r.uint()?, components.len()))
                            .collect::<Result<_, _>>()?
                    }
                    _ => {
                        if !r.boolean()? {
                            return Err(SuitError::Invalid("set-component-index false"));
                        }
                        (0..components.len()).collect()
                    }
                };
            }
            // directive-set-parameters (19) / directive-override-parameters (20).
            19 | 20 => {
                let k = r.map()?;
                for _ in 0..k {
                    let label = r.int()?;
                    let mut apply = |f: &dyn Fn(&mut SuitComponent)| {
                        selected.iter().for_each(|&i| f(&mut components[i]))
                    };
                    match label {
                        1 => {
                            r.optional_tag(112)?;
                            let v = r.bstr()?.to_vec();
                            apply(&|c| c.vendor_id = Some(v.clone()));
                        }
                        2 => {
                            let v = r.bstr()?.to_vec();
                            apply(&|c| c.class_id = Some(v.clone()));
                        }
                        3 => {
                            let d = parse_digest(r.bstr()?)?;
                            apply(&|c| c.image_digest = Some(d.clone()));
                        }
                        14 => {
                            let v = r.uint()?;
                            apply(&|c| c.image_size = Some(v));
                        }
                        21 => {
                            let v = r.tstr()?.to_owned();
                            apply(&|c| c.uri = Some(v.clone()));
                        }
                        _ => {
                            r.skip()?;
                        }
                    }
                }
            }
            _ => {
                r.skip()?;
            }
        }
    }
    r.finish()?;
    Ok(())
}

fn index(i: u64, len: usize) -> Result<usize, SuitError> {
    usize::try_from(i)
        .ok()
        .filter(|&i| i < len)
        .ok_or(SuitError::Invalid("component index out of range"))
}

/// What [`encode_manifest`] puts into a SUIT manifest besides the [`Manifest`] itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuitEncodeOptions {
    /// `vendor-identifier` (UUIDv5 of the vendor's domain); adds `condition-vendor-identifier`.
    pub vendor_id: Option<[u8; 16]>,
    /// `class-identifier`; adds `condition-class-identifier`.
    pub class_id: Option<[u8; 16]>,
    /// Add an `invoke` sequence (boot the component after validation).
    pub invoke: bool,
}

/// Encodes a [`Manifest`] as a `SUIT_Manifest` (deterministic CBOR): version 1, its sequence
/// number, one component, a shared sequence that sets vendor/class id, image digest, size and
/// URI (the first HTTPS or CoAP source) and checks the identifiers, a `validate` sequence with
/// `condition-image-match`, and optionally `invoke`. Reporting policy 15 (all records).
///
/// The component id is the manifest's component split at `/`, each part hex-decoded when it is
/// hex (the form [`SuitEnvelope::to_manifest`] produces), its UTF-8 bytes otherwise.
///
/// # Errors
/// [`SuitError::Missing`] when the manifest has no SHA-256 or SHA-512 digest.
pub fn encode_manifest(m: &Manifest, options: &SuitEncodeOptions) -> Result<Vec<u8>, SuitError> {
    use cbor::{MAJOR_ARRAY, MAJOR_MAP, MAJOR_UINT, write_bstr, write_head, write_int, write_tstr};
    let digest = m
        .digest(DigestAlgorithm::Sha256)
        .or_else(|| m.digest(DigestAlgorithm::Sha512))
        .ok_or(SuitError::Missing("image-digest"))?;
    let mut encoded_digest = Vec::with_capacity(digest.value.len() + 4);
    write_head(&mut encoded_digest, MAJOR_ARRAY, 2);
    write_int(
        &mut encoded_digest,
        if digest.algorithm == DigestAlgorithm::Sha256 {
            -16
        } else {
            -44
        },
    );
    write_bstr(&mut encoded_digest, &digest.value);
    let uri = m.sources.iter().find_map(|s| match s {
        Source::Https { url } => Some(url.as_str()),
        Source::CoapBlockwise { uri } => Some(uri.as_str()),
        Source::MqttStream { .. } => None,
    });

    let mut params = Vec::new();
    let count = 2
        + u64::from(options.vendor_id.is_some())
        + u64::from(options.class_id.is_some())
        + u64::from(uri.is_some());
    write_head(&mut params, MAJOR_MAP, count);
    if let Some(v) = &options.vendor_id {
        write_int(&mut params, 1);
        write_bstr(&mut params, v);
    }
    if let Some(c) = &options.class_id {
        write_int(&mut params, 2);
        write_bstr(&mut params, c);
    }
    write_int(&mut params, 3);
    write_bstr(&mut params, &encoded_digest);
    write_int(&mut params, 14);
    write_head(&mut params, MAJOR_UINT, m.size);
    if let Some(u) = uri {
        write_int(&mut params, 21);
        write_tstr(&mut params, u);
    }
    let conditions = u64::from(options.vendor_id.is_some()) + u64::from(options.class_id.is_some());
    let mut shared = Vec::new();
    write_head(&mut shared, MAJOR_ARRAY, 2 + 2 * conditions);
    write_int(&mut shared, 20);
    shared.extend_from_slice(&params);
    if options.vendor_id.is_some() {
        shared.extend_from_slice(&[0x01, 0x0f]);
    }
    if options.class_id.is_some() {
        shared.extend_from_slice(&[0x02, 0x0f]);
    }

    let parts: Vec<Vec<u8>> = m
        .component
        .split('/')
        .map(|p| {
            crate::encoding::hex_decode(p)
                .filter(|_| !p.is_empty())
                .unwrap_or_else(|| p.as_bytes().to_vec())
        })
        .collect();
    let mut common = Vec::new();
    write_head(&mut common, MAJOR_MAP, 2);
    write_int(&mut common, 2);
    write_head(&mut common, MAJOR_ARRAY, 1);
    write_head(&mut common, MAJOR_ARRAY, parts.len() as u64);
    for p in &parts {
        write_bstr(&mut common, p);
    }
    write_int(&mut common, 4);
    write_bstr(&mut common, &shared);

    let mut out = Vec::new();
    write_head(&mut out, MAJOR_MAP, if options.invoke { 5 } else { 4 });
    write_int(&mut out, 1);
    write_int(&mut out, 1);
    write_int(&mut out, 2);
    write_head(&mut out, MAJOR_UINT, m.sequence);
    write_int(&mut out, 3);
    write_bstr(&mut out, &common);
    // validate: condition-image-match with reporting policy 15.
    write_int(&mut out, 7);
    write_bstr(&mut out, &[0x82, 0x03, 0x0f]);
    if options.invoke {
        // invoke: directive-invoke with reporting policy 2.
        write_int(&mut out, 9);
        write_bstr(&mut out, &[0x82, 0x17, 0x02]);
    }
    Ok(out)
}

/// Builds a signed envelope around an encoded `SUIT_Manifest` (SHA-256 digest, one COSE_Sign1
/// with ES256 or EdDSA according to the key), as a build server would.
#[must_use]
pub fn sign_envelope(encoded_manifest: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut wrapped = Vec::with_capacity(encoded_manifest.len() + 9);
    cbor::write_bstr(&mut wrapped, encoded_manifest);
    let mut digest = Vec::with_capacity(36);
    cbor::write_head(&mut digest, cbor::MAJOR_ARRAY, 2);
    cbor::write_int(&mut digest, -16);
    cbor::write_bstr(&mut digest, &DigestAlgorithm::Sha256.digest(&wrapped));
    let alg = match key {
        SigningKey::Ed25519(_) => COSE_ALG_EDDSA,
        SigningKey::EcdsaP256(_) => COSE_ALG_ES256,
    };
    let mut protected = Vec::new();
    cbor::write_head(&mut protected, cbor::MAJOR_MAP, 1);
    cbor::write_int(&mut protected, 1);
    cbor::write_int(&mut protected, alg);
    let signature = key.sign(&sig_structure(&protected, &digest));
    let mut sign1 = Vec::new();
    cbor::write_head(&mut sign1, cbor::MAJOR_TAG, TAG_COSE_SIGN1);
    cbor::write_head(&mut sign1, cbor::MAJOR_ARRAY, 4);
    cbor::write_bstr(&mut sign1, &protected);
    cbor::write_head(&mut sign1, cbor::MAJOR_MAP, 0);
    sign1.push(0xf6);
    cbor::write_bstr(&mut sign1, &signature);
    let mut auth = Vec::new();
    cbor::write_head(&mut auth, cbor::MAJOR_ARRAY, 2);
    cbor::write_bstr(&mut auth, &digest);
    cbor::write_bstr(&mut auth, &sign1);
    let mut out = Vec::new();
    cbor::write_head(&mut out, cbor::MAJOR_TAG, TAG_ENVELOPE);
    cbor::write_head(&mut out, cbor::MAJOR_MAP, 2);
    cbor::write_int(&mut out, 2);
    cbor::write_bstr(&mut out, &auth);
    cbor::write_int(&mut out, 3);
    out.extend_from_slice(&wrapped);
    out
}
