//! Vendor message vectors: Alibaba, AWS, Azure, TUF key ids.

use crate::common::{hex, str_of, vectors};
use iot_ota::adapters::alibaba::{FirmwareGet, Inform, Progress, ProgressStep, UpgradePush};
use iot_ota::adapters::aws::{AfrOtaDocument, JobExecutionStatus, UpdateJobExecution};
use iot_ota::adapters::azure::ImportManifest;
use iot_ota::adapters::{DEFAULT_MAX_MESSAGE_LEN, alibaba};
use iot_ota::{AdapterError, DigestAlgorithm, ImageVerifier, PublicKey, Source, key_id_of};

const MAX: usize = DEFAULT_MAX_MESSAGE_LEN;

fn variant(e: &AdapterError) -> String {
    format!("{e:?}")
        .split(['(', ' ', '{'])
        .next()
        .unwrap()
        .to_owned()
}

fn int(v: &toml::Table, k: &str) -> i64 {
    v[k].as_integer().unwrap()
}

fn check_error<T: std::fmt::Debug>(v: &toml::Table, r: Result<T, AdapterError>) -> Option<T> {
    let name = str_of(v, "name");
    match v.get("error").and_then(|e| e.as_str()) {
        Some(expected) => {
            let e = r.expect_err(name);
            assert_eq!(variant(&e), expected, "{name}: {e:?}");
            None
        }
        None => Some(r.unwrap_or_else(|e| panic!("{name}: {e:?}"))),
    }
}

#[test]
fn alibaba_vectors() {
    for v in vectors("alibaba.toml") {
        let name = str_of(&v, "name");
        let json = str_of(&v, "json").as_bytes();
        match str_of(&v, "kind") {
            "upgrade_push" => {
                let Some(push) = check_error(&v, UpgradePush::parse(json, MAX)) else {
                    continue;
                };
                assert_eq!(
                    push.id,
                    alibaba::MessageId::Number(int(&v, "id") as u64),
                    "{name}"
                );
                let p = &push.package;
                assert_eq!(p.size, int(&v, "size") as u64);
                assert_eq!(p.version, str_of(&v, "version"));
                assert_eq!(p.is_diff, v["is_diff"].as_bool().unwrap(), "{name}");
                assert_eq!(p.module_name(), str_of(&v, "module"));
                assert_eq!(p.sign_method.as_deref(), Some(str_of(&v, "sign_method")));
                if let Some(prefix) = v.get("url_prefix") {
                    let alibaba::Download::Https { url } = &p.download else {
                        panic!("{name}: not https")
                    };
                    assert!(url.starts_with(prefix.as_str().unwrap()), "{name}");
                }
                if let Some(id) = v.get("stream_id") {
                    assert_eq!(
                        p.download,
                        alibaba::Download::Mqtt {
                            stream_id: id.as_integer().unwrap() as u64,
                            stream_file_id: int(&v, "stream_file_id") as u64
                        }
                    );
                }
                if let Some(keys) = v.get("ext_keys") {
                    let want: Vec<&str> = keys
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|k| k.as_str().unwrap())
                        .collect();
                    let have: Vec<&str> = p
                        .ext_data
                        .as_ref()
                        .unwrap()
                        .keys()
                        .map(String::as_str)
                        .collect();
                    assert_eq!(have, want, "{name}");
                }
                if let Some(ds) = v.get("digest_sign") {
                    assert_eq!(p.digest_sign.as_deref(), ds.as_str());
                }
                let reported = v.get("reported_version").and_then(|r| r.as_str());
                let converted = p.to_manifest(7, reported.or(Some("1.0.0")));
                if let Some(expected) = v.get("manifest_error") {
                    assert_eq!(
                        variant(&converted.unwrap_err()),
                        expected.as_str().unwrap(),
                        "{name}"
                    );
                    continue;
                }
                let m = converted.unwrap();
                assert_eq!(m.sequence, 7);
                assert_eq!(m.component, str_of(&v, "module"));
                if let Some(sha) = v.get("manifest_sha256") {
                    assert_eq!(
                        m.digest(DigestAlgorithm::Sha256).unwrap().value,
                        hex(sha.as_str().unwrap())
                    );
                }
                if let Some(md5) = v.get("manifest_md5") {
                    assert_eq!(
                        m.digest(DigestAlgorithm::Md5).unwrap().value,
                        hex(md5.as_str().unwrap())
                    );
                }
                // The digests really are of the image: stream it through a verifier sized to it.
                let image = str_of(&v, "image_text").as_bytes();
                let digests = m.digests.clone();
                let mut iv = ImageVerifier::allow_md5_only(image.len() as u64, &digests).unwrap();
                iv.update(image).unwrap();
                iv.finish().unwrap();
                // Round trip through the platform-side builder.
                let back = alibaba::Package::from_manifest(&m).unwrap();
                let again = back.to_manifest(7, reported.or(Some("1.0.0"))).unwrap();
                assert_eq!(again.digests.len(), m.digests.len(), "{name}");
                assert_eq!(again.size, m.size);
                let mut rebuilt = push.clone();
                rebuilt.package = back;
                assert_eq!(
                    UpgradePush::parse(&rebuilt.to_json(), MAX).unwrap(),
                    rebuilt,
                    "{name}"
                );
            }
            "inform" => {
                let Some(i) = check_error(&v, Inform::parse(json, MAX)) else {
                    continue;
                };
                assert_eq!(i.id, alibaba::MessageId::Text(str_of(&v, "id").into()));
                assert_eq!(i.version, str_of(&v, "version"));
                assert_eq!(
                    i.module.as_deref(),
                    v.get("module").and_then(|m| m.as_str())
                );
                assert_eq!(Inform::parse(&i.to_json(), MAX).unwrap(), i);
            }
            "progress" => {
                let Some(p) = check_error(&v, Progress::parse(json, MAX)) else {
                    continue;
                };
                assert_eq!(p.step.code(), int(&v, "step"), "{name}");
                assert_eq!(p.step.is_failure(), int(&v, "step") < 0);
                assert_eq!(
                    p.module.as_deref(),
                    v.get("module").and_then(|m| m.as_str())
                );
                let back = Progress::parse(&p.to_json(), MAX).unwrap();
                assert_eq!(back, p);
                // The SDK sends the step as a string.
                assert!(
                    String::from_utf8(p.to_json())
                        .unwrap()
                        .contains(&format!("\"step\":\"{}\"", p.step.code()))
                );
            }
            "firmware_get" => {
                let Some(g) = check_error(&v, FirmwareGet::parse(json, MAX)) else {
                    continue;
                };
                assert_eq!(g.id, alibaba::MessageId::Text(str_of(&v, "id").into()));
                assert_eq!(
                    g.module.as_deref(),
                    v.get("module").and_then(|m| m.as_str())
                );
                assert_eq!(FirmwareGet::parse(&g.to_json(), MAX).unwrap(), g);
            }
            "firmware_get_reply" => {
                let Some(p) = check_error(&v, FirmwareGet::parse_reply(json, MAX)) else {
                    continue;
                };
                assert_eq!(p.is_some(), v["has_package"].as_bool().unwrap(), "{name}");
                if let Some(p) = p {
                    assert_eq!(p.size, int(&v, "size") as u64);
                    assert_eq!(p.version, str_of(&v, "version"));
                }
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

#[test]
fn alibaba_topics_and_steps() {
    assert_eq!(
        alibaba::upgrade_topic("a1X2bEnP82z", "example1"),
        "/ota/device/upgrade/a1X2bEnP82z/example1"
    );
    assert_eq!(
        alibaba::inform_topic("pk", "dn"),
        "/ota/device/inform/pk/dn"
    );
    assert_eq!(
        alibaba::progress_topic("pk", "dn"),
        "/ota/device/progress/pk/dn"
    );
    assert_eq!(
        alibaba::firmware_get_topic("pk", "dn"),
        "/sys/pk/dn/thing/ota/firmware/get"
    );
    for code in -4..=100 {
        assert_eq!(ProgressStep::from_code(code).unwrap().code(), code);
    }
    assert!(ProgressStep::from_code(-5).is_err());
    assert!(
        UpgradePush::parse(&[b' '; 70_000], MAX)
            .is_err_and(|e| matches!(e, AdapterError::TooLarge { .. }))
    );
}

#[test]
fn aws_vectors() {
    let statuses = crate::common::testdata("aws.toml")["statuses"]
        .as_table()
        .unwrap()
        .clone();
    for (name, flags) in &statuses {
        if name == "source" {
            continue;
        }
        let s = JobExecutionStatus::parse(name).unwrap();
        assert_eq!(s.as_str(), name);
        let f = flags.as_array().unwrap();
        assert_eq!(s.is_terminal(), f[0].as_bool().unwrap(), "{name}");
        assert_eq!(s.settable_by_device(), f[1].as_bool().unwrap(), "{name}");
    }
    for v in vectors("aws.toml") {
        let name = str_of(&v, "name");
        let json = str_of(&v, "json").as_bytes();
        match str_of(&v, "kind") {
            "afr_ota" => {
                let Some(doc) = check_error(&v, AfrOtaDocument::parse(json, MAX)) else {
                    continue;
                };
                let want: Vec<String> = v["protocols"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(doc.protocols, want);
                assert_eq!(
                    doc.stream_name.as_deref(),
                    v.get("streamname").and_then(|s| s.as_str())
                );
                let f = &doc.files[0];
                assert_eq!(f.path, str_of(&v, "filepath"));
                assert_eq!(f.size, int(&v, "filesize") as u64);
                assert_eq!(f.file_id, int(&v, "fileid") as u64);
                assert_eq!(f.signature.as_ref().unwrap().0, str_of(&v, "signature_key"));
                assert_eq!(
                    f.ecdsa_signature().is_ok(),
                    v["signature_is_base64"].as_bool().unwrap(),
                    "{name}"
                );
                let m = f.to_manifest(&doc, "1.2.3", 9);
                assert_eq!(m.size, f.size);
                match v.get("url") {
                    Some(url) => assert_eq!(
                        m.sources,
                        vec![Source::Https {
                            url: url.as_str().unwrap().into()
                        }]
                    ),
                    None => assert_eq!(
                        m.sources,
                        vec![Source::MqttStream {
                            stream: doc.stream_name.clone().unwrap(),
                            file_id: 0
                        }]
                    ),
                }
                assert_eq!(
                    AfrOtaDocument::parse(&doc.to_json(), MAX).unwrap(),
                    doc,
                    "{name}"
                );
            }
            "job_update" => {
                let Some(u) = check_error(&v, UpdateJobExecution::parse(json, MAX)) else {
                    continue;
                };
                assert_eq!(u.status.as_str(), str_of(&v, "status"));
                assert_eq!(
                    u.expected_version,
                    v.get("expected_version")
                        .map(|x| x.as_integer().unwrap() as u64)
                );
                assert_eq!(
                    u.execution_number,
                    v.get("execution_number")
                        .map(|x| x.as_integer().unwrap() as u64)
                );
                assert_eq!(
                    u.client_token.as_deref(),
                    v.get("client_token").and_then(|x| x.as_str())
                );
                assert_eq!(
                    UpdateJobExecution::parse(&u.to_json(), MAX).unwrap(),
                    u,
                    "{name}"
                );
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

#[test]
fn azure_vectors() {
    for v in vectors("azure.toml") {
        let name = str_of(&v, "name");
        let Some(m) = check_error(
            &v,
            ImportManifest::parse(str_of(&v, "json").as_bytes(), MAX),
        ) else {
            continue;
        };
        assert_eq!(m.update_id.provider, str_of(&v, "provider"));
        assert_eq!(m.update_id.name, str_of(&v, "update_name"));
        assert_eq!(m.update_id.version, str_of(&v, "version"));
        assert_eq!(m.is_deployable, v["is_deployable"].as_bool().unwrap());
        assert_eq!(m.created.0, int(&v, "created_ms") as u64);
        let f = &m.files[0];
        assert_eq!(f.filename, str_of(&v, "filename"));
        assert_eq!(f.size, int(&v, "size") as u64);
        let manifests = m.to_manifests(3);
        assert_eq!(
            manifests[0].digest(DigestAlgorithm::Sha256).unwrap().value,
            hex(str_of(&v, "sha256_hex")),
            "{name}"
        );
        assert_eq!(manifests[0].component, "Contoso/Toaster");
        // Serialising and parsing again gives the same manifest.
        assert_eq!(
            ImportManifest::parse(&m.to_json(), MAX).unwrap(),
            m,
            "{name}"
        );
    }
}

#[test]
fn tuf_key_ids_tv11() {
    for v in vectors("tuf.toml") {
        let name = str_of(&v, "name");
        let key: serde_json::Value = serde_json::from_str(str_of(&v, "key_json")).unwrap();
        assert_eq!(
            key_id_of(&key).unwrap().to_string(),
            str_of(&v, "keyid"),
            "{name}"
        );
        let parsed = PublicKey::from_tuf_json(&key).unwrap();
        assert_eq!(parsed.key_id().to_string(), str_of(&v, "keyid"), "{name}");
    }
}
