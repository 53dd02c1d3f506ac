//! X.509 device certificates (feature `x509`): PEM/DER loading, device identity from the
//! certificate, chain verification to configured CAs, and a fingerprint registry.
//!
//! PEM goes through `rustls-pki-types`' [`PemObject`] (`rustls-pemfile` is archived and flagged
//! unmaintained, RUSTSEC-2025-0134); certificates are parsed with `x509-parser` and signatures
//! checked with its `verify` feature (ring): RSA PKCS#1 v1.5 and PSS with SHA-256/384/512,
//! ECDSA P-256/P-384, Ed25519. SHA-1 signatures are refused.
//!
//! What this module does **not** do: TLS itself, revocation (CRL/OCSP), name constraints,
//! policy constraints or EKU checks. Run it on the client certificate chain your TLS stack
//! received, after the handshake proved possession of the leaf's key.

use alloc::string::String;
use alloc::vec::Vec;
use std::collections::HashMap;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{
    OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;

use crate::error::X509Error;
use crate::time::UnixMillis;

/// Largest certificate accepted (bytes of DER).
pub const MAX_CERT_LEN: usize = 16 * 1024;

/// Every certificate in PEM text (`-----BEGIN CERTIFICATE-----` sections; other sections are
/// skipped). Fails on malformed PEM or when there is no certificate.
pub fn certs_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, X509Error> {
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        out.push(item.map_err(|_| X509Error::InvalidPem)?);
    }
    if out.is_empty() {
        return Err(X509Error::InvalidPem);
    }
    Ok(out)
}

/// A subject alternative name entry this crate maps identities from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SanEntry {
    /// dNSName.
    Dns(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// rfc822Name.
    Email(String),
    /// iPAddress (4 or 16 bytes).
    Ip(Vec<u8>),
}

/// A parsed certificate: its DER and the facts this crate uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    fingerprint: [u8; 32],
    subject_cn: Option<String>,
    sans: Vec<SanEntry>,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
    can_sign_certs: bool,
    path_len: Option<u32>,
}

fn parse(der: &[u8]) -> Option<X509Certificate<'_>> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Some(cert),
        _ => None,
    }
}

impl Certificate {
    /// Parses DER. `index` is only used in the error (position in a chain, 0 = leaf).
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        Self::from_der_at(der, 0)
    }

    fn from_der_at(der: &[u8], index: usize) -> Result<Self, X509Error> {
        if der.len() > MAX_CERT_LEN {
            return Err(X509Error::Malformed(index));
        }
        let cert = parse(der).ok_or(X509Error::Malformed(index))?;
        let subject_cn = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(String::from);
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(s) => sans.push(SanEntry::Dns((*s).into())),
                    GeneralName::URI(s) => sans.push(SanEntry::Uri((*s).into())),
                    GeneralName::RFC822Name(s) => sans.push(SanEntry::Email((*s).into())),
                    GeneralName::IPAddress(b) => sans.push(SanEntry::Ip(b.to_vec())),
                    _ => {}
                }
            }
        }
        let bc = cert
            .basic_constraints()
            .map_err(|_| X509Error::Malformed(index))?;
        let (is_ca, path_len) = match bc {
            Some(bc) => (bc.value.ca, bc.value.path_len_constraint),
            None => (false, None),
        };
        let can_sign_certs = match cert.key_usage().map_err(|_| X509Error::Malformed(index))? {
            Some(ku) => ku.value.key_cert_sign(),
            None => true,
        };
        Ok(Self {
            der: der.to_vec(),
            fingerprint: Sha256::digest(der).into(),
            subject_cn,
            sans,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            is_ca,
            can_sign_certs,
            path_len,
        })
    }

    /// Parses the first certificate of PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, X509Error> {
        let first = certs_from_pem(pem)?
            .into_iter()
            .next()
            .ok_or(X509Error::InvalidPem)?;
        Self::from_der(first.as_ref())
    }

    /// Every certificate of PEM text, parsed (a chain file: leaf first).
    pub fn chain_from_pem(pem: &[u8]) -> Result<Vec<Self>, X509Error> {
        certs_from_pem(pem)?
            .iter()
            .enumerate()
            .map(|(i, d)| Self::from_der_at(d.as_ref(), i))
            .collect()
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the DER (the "fingerprint").
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The fingerprint as lowercase hex.
    pub fn fingerprint_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.fingerprint {
            let _ = core::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
        }
        s
    }

    /// The subject's first common name.
    pub fn subject_cn(&self) -> Option<&str> {
        self.subject_cn.as_deref()
    }

    /// The subject alternative names of the kinds in [`SanEntry`].
    pub fn san_entries(&self) -> &[SanEntry] {
        &self.sans
    }

    /// `notBefore` and `notAfter` in Unix seconds.
    pub fn validity_secs(&self) -> (i64, i64) {
        (self.not_before, self.not_after)
    }

    /// basicConstraints cA.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    fn check_time(&self, now: UnixMillis, index: usize) -> Result<(), X509Error> {
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        if now < self.not_before {
            return Err(X509Error::NotYetValid(index));
        }
        if now > self.not_after {
            return Err(X509Error::Expired(index));
        }
        Ok(())
    }
}

/// How a device identity is read from its certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityRule {
    /// The subject's common name.
    SubjectCn,
    /// The first dNSName SAN.
    SanDns,
    /// The first URI SAN starting with `prefix`, with the prefix removed
    /// (e.g. `urn:device:` → the rest).
    SanUri {
        /// Required prefix, removed from the identity.
        prefix: String,
    },
    /// The SHA-256 fingerprint as lowercase hex (with a [`FingerprintRegistry`] for AWS-style
    /// registration of each device certificate).
    Fingerprint,
}

impl IdentityRule {
    /// The identity of `cert` under this rule, or [`X509Error::NoIdentity`].
    pub fn identity(&self, cert: &Certificate) -> Result<String, X509Error> {
        let found = match self {
            Self::SubjectCn => cert.subject_cn().map(String::from),
            Self::SanDns => cert.sans.iter().find_map(|s| match s {
                SanEntry::Dns(d) => Some(d.clone()),
                _ => None,
            }),
            Self::SanUri { prefix } => cert.sans.iter().find_map(|s| match s {
                SanEntry::Uri(u) => u.strip_prefix(prefix.as_str()).map(String::from),
                _ => None,
            }),
            Self::Fingerprint => Some(cert.fingerprint_hex()),
        };
        match found {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(X509Error::NoIdentity),
        }
    }
}

/// A verified path: indexes of the intermediates used (in the order given) and the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// Indexes into the `intermediates` slice, leaf-side first.
    pub intermediates: Vec<usize>,
    /// Index of the trust anchor in the verifier's roots.
    pub root: usize,
}

/// Verifies device certificate chains to configured CA certificates.
#[derive(Debug, Clone, Default)]
pub struct ChainVerifier {
    roots: Vec<Certificate>,
    max_intermediates: usize,
}

fn allowed_algorithm(cert: &X509Certificate<'_>) -> bool {
    let oid = &cert.signature_algorithm.algorithm;
    [
        OID_PKCS1_SHA256WITHRSA,
        OID_PKCS1_SHA384WITHRSA,
        OID_PKCS1_SHA512WITHRSA,
        OID_PKCS1_RSASSAPSS,
        OID_SIG_ECDSA_WITH_SHA256,
        OID_SIG_ECDSA_WITH_SHA384,
        OID_SIG_ED25519,
    ]
    .iter()
    .any(|o| o == oid)
}

/// Checks that `child` (position `index`) was signed by `issuer`.
fn check_signature(
    child: &Certificate,
    issuer: &Certificate,
    index: usize,
) -> Result<(), X509Error> {
    let c = parse(&child.der).ok_or(X509Error::Malformed(index))?;
    let i = parse(&issuer.der).ok_or(X509Error::Malformed(index + 1))?;
    if !allowed_algorithm(&c) {
        return Err(X509Error::UnsupportedAlgorithm(index));
    }
    match c.verify_signature(Some(i.public_key())) {
        Ok(()) => Ok(()),
        Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
            Err(X509Error::UnsupportedAlgorithm(index))
        }
        Err(_) => Err(X509Error::BadSignature(index)),
    }
}

fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    match (parse(&child.der), parse(&issuer.der)) {
        (Some(c), Some(i)) => c.issuer().as_raw() == i.subject().as_raw(),
        _ => false,
    }
}

impl ChainVerifier {
    /// A verifier with these trust anchors, allowing up to 4 intermediates.
    pub fn new(roots: Vec<Certificate>) -> Self {
        Self {
            roots,
            max_intermediates: 4,
        }
    }

    /// Sets the largest number of intermediates between leaf and root.
    pub fn max_intermediates(&mut self, n: usize) -> &mut Self {
        self.max_intermediates = n;
        self
    }

    /// Adds a trust anchor.
    pub fn add_root(&mut self, root: Certificate) -> &mut Self {
        self.roots.push(root);
        self
    }

    /// Verifies `leaf` up to a root through `intermediates` (any order) at `now`.
    ///
    /// The path is built greedily: at each step the first candidate (trust anchors first)
    /// whose subject is the certificate's issuer and whose key verifies its signature is taken;
    /// there is no backtracking to other candidates further up.
    ///
    /// Every certificate on the path must be within its validity window; every issuer must be
    /// a CA (basicConstraints cA, and keyCertSign when keyUsage is present) whose
    /// pathLenConstraint admits the intermediates below it; every signature must verify. Errors
    /// name the position on the path (0 = leaf, 1 = its issuer, …).
    pub fn verify(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        now: UnixMillis,
    ) -> Result<VerifiedChain, X509Error> {
        leaf.check_time(now, 0)?;
        let mut used: Vec<usize> = Vec::new();
        let mut current = leaf;
        loop {
            let depth = used.len();
            // Candidates by name, trust anchors first; the first whose key verifies the
            // signature is the issuer (several may share a name across key rollovers).
            let mut failure = None;
            let mut found = None;
            for (ri, root) in self.roots.iter().enumerate() {
                if issued_by(current, root) {
                    match check_signature(current, root, depth) {
                        Ok(()) => {
                            found = Some((true, ri, root));
                            break;
                        }
                        Err(e) => failure = failure.or(Some(e)),
                    }
                }
            }
            if found.is_none() {
                for (ii, c) in intermediates.iter().enumerate() {
                    if !used.contains(&ii) && issued_by(current, c) {
                        match check_signature(current, c, depth) {
                            Ok(()) => {
                                found = Some((false, ii, c));
                                break;
                            }
                            Err(e) => failure = failure.or(Some(e)),
                        }
                    }
                }
            }
            let Some((is_root, index, issuer)) = found else {
                return Err(failure.unwrap_or(X509Error::UnknownIssuer(depth)));
            };
            if !is_root && depth + 1 > self.max_intermediates {
                return Err(X509Error::PathTooLong);
            }
            Self::check_issuer(issuer, depth, now)?;
            if is_root {
                return Ok(VerifiedChain {
                    intermediates: used,
                    root: index,
                });
            }
            used.push(index);
            current = issuer;
        }
    }

    /// Checks the issuer at position `depth + 1`, which has `depth` intermediates below it.
    fn check_issuer(issuer: &Certificate, depth: usize, now: UnixMillis) -> Result<(), X509Error> {
        issuer.check_time(now, depth + 1)?;
        if !issuer.is_ca || !issuer.can_sign_certs {
            return Err(X509Error::IssuerNotCa(depth + 1));
        }
        if let Some(max) = issuer.path_len {
            // Intermediates below this issuer, not counting the leaf.
            let below = u32::try_from(depth).unwrap_or(u32::MAX);
            if below > max {
                return Err(X509Error::PathTooLong);
            }
        }
        Ok(())
    }
}

/// A registry of per-device certificate fingerprints (the AWS IoT model: each device
/// certificate is registered and bound to a thing).
#[derive(Debug, Clone, Default)]
pub struct FingerprintRegistry {
    map: HashMap<[u8; 32], String>,
}

impl FingerprintRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds a certificate to a device identity (replacing an earlier binding).
    pub fn register(&mut self, cert: &Certificate, device: &str) {
        self.map.insert(cert.fingerprint, device.into());
    }

    /// Removes a certificate (revocation by deregistration); whether it was present.
    pub fn deregister(&mut self, cert: &Certificate) -> bool {
        self.map.remove(&cert.fingerprint).is_some()
    }

    /// The device a certificate is bound to, if its validity window holds at `now`.
    pub fn lookup(&self, cert: &Certificate, now: UnixMillis) -> Result<&str, X509Error> {
        let device = self
            .map
            .get(&cert.fingerprint)
            .ok_or(X509Error::UnknownFingerprint)?;
        cert.check_time(now, 0)?;
        Ok(device)
    }

    /// Number of registered certificates.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no certificate is registered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
