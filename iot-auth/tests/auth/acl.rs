//! ACL: of two devices in one product, neither can publish or subscribe to the other's topics
//! through any filter (`+`, `#`, `$share/…` included).

use iot_auth::acl::{Policy, alibaba_device_policy, aws_thing_policy};
use iot_auth::error::AclDenied;
use proptest::prelude::*;

const PK: &str = "a1X2bEnP82z";

/// Concrete topic names that belong to `dn` under the built-in Alibaba set.
fn own_topics(dn: &str) -> Vec<String> {
    vec![
        format!("/sys/{PK}/{dn}/thing/event/property/post"),
        format!("/sys/{PK}/{dn}/thing/service/property/set"),
        format!("/sys/{PK}/{dn}/rrpc/request/123"),
        format!("/{PK}/{dn}/user/update"),
        format!("/shadow/update/{PK}/{dn}"),
        format!("/shadow/get/{PK}/{dn}"),
        format!("/ota/device/inform/{PK}/{dn}"),
        format!("/ota/device/upgrade/{PK}/{dn}"),
        format!("/ext/session/{PK}/{dn}/combine/login"),
        format!("/ext/ntp/{PK}/{dn}/request"),
        format!("/ext/ntp/{PK}/{dn}/response"),
        format!("/ext/error/{PK}/{dn}"),
        format!("/ext/rrpc/99/{PK}/{dn}/user/get"),
    ]
}

fn attack_filters(victim: &str) -> Vec<String> {
    let mut f = vec![
        "#".to_string(),
        "+/#".into(),
        "/#".into(),
        "/+/#".into(),
        "/sys/#".into(),
        "/sys/+/+/thing/#".into(),
        format!("/sys/{PK}/#"),
        format!("/sys/{PK}/+/thing/#"),
        format!("/sys/{PK}/+/+/+/+/+"),
        format!("/+/{PK}/#"),
        format!("/{PK}/+/user/#"),
        "/+/+/user/#".into(),
        format!("/shadow/+/{PK}/+"),
        format!("/shadow/get/{PK}/+"),
        format!("/ota/device/+/{PK}/#"),
        format!("/ext/+/{PK}/+/#"),
        "/ext/rrpc/#".into(),
        format!("/ext/rrpc/+/{PK}/+/#"),
    ];
    for t in own_topics(victim) {
        f.push(t.clone());
        f.push(format!("$share/g/{t}"));
        let cut = t.rfind('/').unwrap();
        f.push(format!("{}/#", &t[..cut]));
        f.push(format!("{}/+", &t[..cut]));
        f.push(format!("$share/group1/{}/#", &t[..cut]));
    }
    f
}

#[test]
fn two_devices_are_isolated() {
    let a = alibaba_device_policy(PK, "deviceA").unwrap();
    let b = alibaba_device_policy(PK, "deviceB").unwrap();
    for (me, other, my_name, other_name) in [
        (&a, &b, "deviceA", "deviceB"),
        (&b, &a, "deviceB", "deviceA"),
    ] {
        for t in own_topics(other_name) {
            assert!(me.check_publish(&t).is_err(), "{my_name} may publish {t}");
            assert!(
                me.check_subscribe(&t).is_err(),
                "{my_name} may subscribe {t}"
            );
        }
        for f in attack_filters(other_name) {
            assert!(
                me.check_subscribe(&f).is_err(),
                "{my_name} may subscribe {f}"
            );
        }
        // Its own topics stay usable, shared subscriptions included.
        assert!(
            me.check_publish(&format!("/sys/{PK}/{my_name}/thing/event/property/post"))
                .is_ok()
        );
        assert!(
            me.check_subscribe(&format!("/sys/{PK}/{my_name}/thing/#"))
                .is_ok()
        );
        assert!(
            me.check_subscribe(&format!("$share/g//sys/{PK}/{my_name}/thing/service/+"))
                .is_ok()
        );
        assert!(
            me.check_subscribe(&format!("/ext/rrpc/+/{PK}/{my_name}/user/#"))
                .is_ok()
        );
        let _ = other;
    }
}

#[test]
fn aws_things_are_isolated() {
    let a = aws_thing_policy("thingA").unwrap();
    assert!(a.check_publish("$aws/things/thingA/shadow/update").is_ok());
    assert!(a.check_subscribe("$aws/things/thingA/shadow/#").is_ok());
    for f in [
        "$aws/things/+/shadow/#",
        "$aws/#",
        "#",
        "+/things/thingA/#",
        "$aws/things/thingB/#",
    ] {
        assert!(a.check_subscribe(f).is_err(), "{f}");
    }
    assert_eq!(
        a.check_publish("$aws/things/thingB/shadow/update"),
        Err(AclDenied::NotAllowed)
    );
}

fn level() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("sys".to_string()),
        Just("ext".to_string()),
        Just("shadow".to_string()),
        Just("user".to_string()),
        Just(PK.to_string()),
        Just("deviceA".to_string()),
        Just("deviceB".to_string()),
        Just("thing".to_string()),
        Just("+".to_string()),
        Just("#".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever filter deviceA is allowed to subscribe to matches none of deviceB's topics,
    /// and every topic name deviceA may publish to is none of deviceB's.
    #[test]
    fn allowed_filters_never_reach_the_other_device(levels in proptest::collection::vec(level(), 1..8), shared in any::<bool>()) {
        let a: Policy = alibaba_device_policy(PK, "deviceA").unwrap();
        let filter = levels.join("/");
        let sub = if shared { format!("$share/g/{filter}") } else { filter.clone() };
        if a.check_subscribe(&sub).is_ok() {
            for t in own_topics("deviceB") {
                prop_assert!(!iot_protocol_matches(&filter, &t), "{} reaches {}", sub, t);
            }
        }
        if a.check_publish(&filter).is_ok() {
            prop_assert!(!own_topics("deviceB").contains(&filter));
            prop_assert!(!filter.contains("deviceB"));
        }
    }
}

fn iot_protocol_matches(filter: &str, name: &str) -> bool {
    iot_protocol::topic::matches(filter, name)
}
