//! X.509: a CA, an intermediate and a leaf generated at test time (rcgen) for each key type,
//! then every error of the chain verifier, identity mapping and the fingerprint registry.

use iot_auth::error::X509Error;
use iot_auth::time::UnixMillis;
use iot_auth::x509::{Certificate, ChainVerifier, FingerprintRegistry, IdentityRule, SanEntry};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
    date_time_ymd,
};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

const KINDS: [Kind; 4] = [Kind::Rsa, Kind::P256, Kind::P384, Kind::Ed25519];

/// 2026-06-01T00:00:00Z.
const NOW: UnixMillis = UnixMillis(1_780_272_000_000);

fn key(kind: Kind, n: usize) -> KeyPair {
    match kind {
        Kind::Rsa => {
            let pem = std::fs::read_to_string(format!(
                "{}/tests/data/rsa-{}.pem",
                env!("CARGO_MANIFEST_DIR"),
                n % 3 + 1
            ))
            .unwrap();
            KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256).unwrap()
        }
        Kind::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
        Kind::P384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap(),
        Kind::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
    }
}

fn ca_params(cn: &str, constraint: BasicConstraints) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(constraint);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    p
}

fn leaf_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(vec!["dev1.devices.example.com".to_string()]).unwrap();
    p.subject_alt_names
        .push(SanType::URI("urn:device:pk1/dev1".try_into().unwrap()));
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.not_before = date_time_ymd(2025, 1, 1);
    p.not_after = date_time_ymd(2030, 1, 1);
    p
}

struct Pki {
    root: Certificate,
    int: Certificate,
    leaf: Certificate,
    root_key: KeyPair,
    root_params: CertificateParams,
    int_key: KeyPair,
    int_params: CertificateParams,
}

fn cert(c: &rcgen::Certificate) -> Certificate {
    Certificate::from_der(c.der()).unwrap()
}

fn pki(kind: Kind) -> Pki {
    let root_key = key(kind, 0);
    let root_params = ca_params("Test Root CA", BasicConstraints::Unconstrained);
    let root = root_params.self_signed(&root_key).unwrap();
    let int_key = key(kind, 1);
    let int_params = ca_params("Test Intermediate CA", BasicConstraints::Constrained(0));
    let int = int_params
        .signed_by(&int_key, &Issuer::from_params(&root_params, &root_key))
        .unwrap();
    let leaf_key = key(kind, 2);
    let leaf = leaf_params("pk1.dev1")
        .signed_by(&leaf_key, &Issuer::from_params(&int_params, &int_key))
        .unwrap();
    Pki {
        root: cert(&root),
        int: cert(&int),
        leaf: cert(&leaf),
        root_key,
        root_params,
        int_key,
        int_params,
    }
}

/// A leaf signed by the intermediate with `params` changed.
fn leaf_with(p: &Pki, kind: Kind, params: CertificateParams) -> Certificate {
    cert(
        &params
            .signed_by(
                &key(kind, 2),
                &Issuer::from_params(&p.int_params, &p.int_key),
            )
            .unwrap(),
    )
}

/// An intermediate signed by the root with `params`, and a fresh leaf under it.
fn int_with(p: &Pki, kind: Kind, params: CertificateParams) -> (Certificate, Certificate) {
    let k = key(kind, 1);
    let int = params
        .signed_by(&k, &Issuer::from_params(&p.root_params, &p.root_key))
        .unwrap();
    let leaf = leaf_params("pk1.dev1")
        .signed_by(&key(kind, 2), &Issuer::from_params(&params, &k))
        .unwrap();
    (cert(&int), cert(&leaf))
}

#[test]
fn chain_ok_for_each_key_type() {
    for kind in KINDS {
        let p = pki(kind);
        let v = ChainVerifier::new(vec![p.root.clone()]);
        let chain = v
            .verify(&p.leaf, std::slice::from_ref(&p.int), NOW)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(chain.intermediates, vec![0]);
        assert_eq!(chain.root, 0);
        // Intermediates in any order, with unrelated extra ones.
        let other = pki(kind);
        v.verify(&p.leaf, &[other.int.clone(), p.int.clone()], NOW)
            .unwrap();
    }
}

#[test]
fn every_error_for_each_key_type() {
    for kind in KINDS {
        let p = pki(kind);
        let ints = std::slice::from_ref(&p.int);
        let v = ChainVerifier::new(vec![p.root.clone()]);

        // Expired / not yet valid leaf.
        let mut expired = leaf_params("pk1.dev1");
        expired.not_before = date_time_ymd(2020, 1, 1);
        expired.not_after = date_time_ymd(2021, 1, 1);
        let leaf = leaf_with(&p, kind, expired);
        assert_eq!(
            v.verify(&leaf, ints, NOW),
            Err(X509Error::Expired(0)),
            "{kind:?}"
        );
        let mut future = leaf_params("pk1.dev1");
        future.not_before = date_time_ymd(2030, 1, 1);
        future.not_after = date_time_ymd(2031, 1, 1);
        let leaf = leaf_with(&p, kind, future);
        assert_eq!(
            v.verify(&leaf, ints, NOW),
            Err(X509Error::NotYetValid(0)),
            "{kind:?}"
        );

        // Expired intermediate.
        let mut old_int = ca_params("Test Intermediate CA", BasicConstraints::Constrained(0));
        old_int.not_after = date_time_ymd(2021, 1, 1);
        let (int, leaf) = int_with(&p, kind, old_int);
        assert_eq!(
            v.verify(&leaf, &[int], NOW),
            Err(X509Error::Expired(1)),
            "{kind:?}"
        );

        // Unknown issuer: intermediate missing, or a verifier trusting another root.
        assert_eq!(
            v.verify(&p.leaf, &[], NOW),
            Err(X509Error::UnknownIssuer(0)),
            "{kind:?}"
        );
        let mut foreign_root = ca_params("Another Root", BasicConstraints::Unconstrained);
        foreign_root.not_before = date_time_ymd(2020, 1, 1);
        let foreign = cert(&foreign_root.self_signed(&key(kind, 0)).unwrap());
        let v2 = ChainVerifier::new(vec![foreign]);
        assert_eq!(
            v2.verify(&p.leaf, ints, NOW),
            Err(X509Error::UnknownIssuer(1)),
            "{kind:?}"
        );

        // Bad signature: same issuer name, different key.
        let impostor_key = match kind {
            Kind::Rsa => key(kind, 0),
            _ => key(kind, 9),
        };
        let forged = leaf_params("pk1.dev1")
            .signed_by(
                &key(kind, 2),
                &Issuer::from_params(&p.int_params, &impostor_key),
            )
            .unwrap();
        assert_eq!(
            v.verify(&cert(&forged), ints, NOW),
            Err(X509Error::BadSignature(0)),
            "{kind:?}"
        );

        // Issuer not a CA.
        let mut not_ca = ca_params("Test Intermediate CA", BasicConstraints::Unconstrained);
        not_ca.is_ca = IsCa::ExplicitNoCa;
        let (int, leaf) = int_with(&p, kind, not_ca);
        assert_eq!(
            v.verify(&leaf, &[int], NOW),
            Err(X509Error::IssuerNotCa(1)),
            "{kind:?}"
        );
        // A CA without keyCertSign in its key usage is not an issuer either.
        let mut no_sign = ca_params("Test Intermediate CA", BasicConstraints::Unconstrained);
        no_sign.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let (int, leaf) = int_with(&p, kind, no_sign);
        assert_eq!(
            v.verify(&leaf, &[int], NOW),
            Err(X509Error::IssuerNotCa(1)),
            "{kind:?}"
        );

        // Path too long: the verifier's limit, and a root with pathLenConstraint 0.
        let mut strict = ChainVerifier::new(vec![p.root.clone()]);
        strict.max_intermediates(0);
        assert_eq!(
            strict.verify(&p.leaf, ints, NOW),
            Err(X509Error::PathTooLong),
            "{kind:?}"
        );
        let root_params = ca_params("Test Root CA", BasicConstraints::Constrained(0));
        let short_root = cert(&root_params.self_signed(&p.root_key).unwrap());
        let v3 = ChainVerifier::new(vec![short_root]);
        assert_eq!(
            v3.verify(&p.leaf, ints, NOW),
            Err(X509Error::PathTooLong),
            "{kind:?}"
        );
        // The leaf issued directly by that root is fine.
        let direct = leaf_params("pk1.dev1")
            .signed_by(
                &key(kind, 2),
                &Issuer::from_params(&root_params, &p.root_key),
            )
            .unwrap();
        v3.verify(&cert(&direct), &[], NOW).unwrap();
    }
}

#[test]
fn identity_rules_and_registry() {
    let p = pki(Kind::P256);
    assert_eq!(
        IdentityRule::SubjectCn.identity(&p.leaf).unwrap(),
        "pk1.dev1"
    );
    assert_eq!(
        IdentityRule::SanDns.identity(&p.leaf).unwrap(),
        "dev1.devices.example.com"
    );
    assert_eq!(
        IdentityRule::SanUri {
            prefix: "urn:device:".into()
        }
        .identity(&p.leaf)
        .unwrap(),
        "pk1/dev1"
    );
    assert_eq!(
        IdentityRule::SanUri {
            prefix: "spiffe://".into()
        }
        .identity(&p.leaf),
        Err(X509Error::NoIdentity)
    );
    assert_eq!(
        IdentityRule::SanDns.identity(&p.root),
        Err(X509Error::NoIdentity)
    );
    let fp = IdentityRule::Fingerprint.identity(&p.leaf).unwrap();
    assert_eq!(fp.len(), 64);
    assert!(
        p.leaf
            .san_entries()
            .contains(&SanEntry::Dns("dev1.devices.example.com".into()))
    );

    let mut reg = FingerprintRegistry::new();
    reg.register(&p.leaf, "pk1/dev1");
    assert_eq!(reg.lookup(&p.leaf, NOW).unwrap(), "pk1/dev1");
    assert_eq!(reg.lookup(&p.int, NOW), Err(X509Error::UnknownFingerprint));
    assert_eq!(
        reg.lookup(&p.leaf, UnixMillis::from_secs(2_000_000_000)),
        Err(X509Error::Expired(0))
    );
    assert!(reg.deregister(&p.leaf));
    assert_eq!(reg.lookup(&p.leaf, NOW), Err(X509Error::UnknownFingerprint));
}

#[test]
fn pem_and_der_loading() {
    let root_key = key(Kind::P256, 0);
    let root_params = ca_params("Test Root CA", BasicConstraints::Unconstrained);
    let root = root_params.self_signed(&root_key).unwrap();
    let leaf_key = key(Kind::P256, 2);
    let leaf = leaf_params("pk1.dev1")
        .signed_by(&leaf_key, &Issuer::from_params(&root_params, &root_key))
        .unwrap();
    let bundle = format!("{}\n{}", leaf.pem(), root.pem());
    let chain = Certificate::chain_from_pem(bundle.as_bytes()).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].subject_cn(), Some("pk1.dev1"));
    assert_eq!(
        Certificate::from_pem(leaf.pem().as_bytes()).unwrap(),
        chain[0]
    );
    let v = ChainVerifier::new(vec![chain[1].clone()]);
    v.verify(&chain[0], &[], NOW).unwrap();

    assert_eq!(
        Certificate::from_pem(b"no pem here"),
        Err(X509Error::InvalidPem)
    );
    let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert_eq!(
        Certificate::from_pem(broken.as_bytes()),
        Err(X509Error::InvalidPem)
    );
    assert_eq!(
        Certificate::from_der(b"\x30\x03\x02\x01\x01"),
        Err(X509Error::Malformed(0))
    );
    let mut der = leaf.der().to_vec();
    der.push(0);
    assert_eq!(Certificate::from_der(&der), Err(X509Error::Malformed(0)));
    // A leaf key PEM (not a certificate) holds no certificate.
    assert_eq!(
        Certificate::from_pem(leaf_key.serialize_pem().as_bytes()),
        Err(X509Error::InvalidPem)
    );
}
