//! Topic ACL policies: templates with `${productKey}`, `${deviceName}` and `${clientId}`,
//! allow and deny rules for publish and subscribe, compiled per device and evaluated with
//! [`iot_protocol::topic`] (the workspace's single implementation of MQTT topic semantics).
//!
//! Semantics:
//!
//! - **Publish** to a topic name is allowed when no deny rule matches it and some allow rule
//!   does. Rules are kept in a [`TopicTree`], so a check costs a trie walk, not a scan.
//! - **Subscribe** to a filter is allowed when *every* topic it could match is allowed: no deny
//!   rule overlaps it ([`filters_overlap`]) and one allow rule covers it ([`filter_covers`]).
//!   `/sys/+/+/thing/#` is therefore denied to a device even though its own topics match it.
//!   A filter covered only by the union of several allow rules is denied (conservative).
//! - A shared subscription `$share/{group}/{filter}` is judged by its inner filter.
//! - Placeholder values may not contain `/`, `+`, `#` or U+0000 and may not be empty, so that a
//!   device's name can never widen its own rules.
//! - Anything not allowed is denied.

use alloc::string::String;
use alloc::vec::Vec;

use iot_protocol::topic::{
    TopicTree, filter_covers, filters_overlap, parse_shared, validate_topic_filter,
    validate_topic_name,
};

use crate::error::{AclDenied, AclError};

/// What a client does with a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// PUBLISH to a topic name.
    Publish,
    /// SUBSCRIBE to a topic filter.
    Subscribe,
}

/// The actions a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actions {
    /// Publish only.
    Publish,
    /// Subscribe only.
    Subscribe,
    /// Both.
    Both,
}

impl Actions {
    fn includes(self, a: Action) -> bool {
        matches!(
            (self, a),
            (Self::Both, _)
                | (Self::Publish, Action::Publish)
                | (Self::Subscribe, Action::Subscribe)
        )
    }
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants the actions on the filter.
    Allow,
    /// Forbids the actions on the filter; deny wins over allow.
    Deny,
}

/// One rule of a template: effect, actions, and a topic filter with placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTemplate {
    /// Allow or deny.
    pub effect: Effect,
    /// Which actions.
    pub actions: Actions,
    /// The topic filter, with `${productKey}`, `${deviceName}`, `${clientId}` placeholders.
    pub filter: String,
}

/// A device's values for the placeholders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyVars<'a> {
    /// `${productKey}`
    pub product_key: Option<&'a str>,
    /// `${deviceName}` (the AWS thing name in [`aws_thing_template`]).
    pub device_name: Option<&'a str>,
    /// `${clientId}`
    pub client_id: Option<&'a str>,
}

/// A policy template, compiled per device with [`PolicyTemplate::compile`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyTemplate {
    rules: Vec<RuleTemplate>,
}

impl PolicyTemplate {
    /// An empty template (denies everything).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an allow rule.
    pub fn allow(&mut self, actions: Actions, filter: &str) -> &mut Self {
        self.rules.push(RuleTemplate {
            effect: Effect::Allow,
            actions,
            filter: filter.into(),
        });
        self
    }

    /// Adds a deny rule.
    pub fn deny(&mut self, actions: Actions, filter: &str) -> &mut Self {
        self.rules.push(RuleTemplate {
            effect: Effect::Deny,
            actions,
            filter: filter.into(),
        });
        self
    }

    /// Appends another template's rules.
    pub fn extend(&mut self, other: &PolicyTemplate) -> &mut Self {
        self.rules.extend(other.rules.iter().cloned());
        self
    }

    /// The rules.
    pub fn rules(&self) -> &[RuleTemplate] {
        &self.rules
    }

    /// Substitutes the placeholders and validates every resulting filter.
    pub fn compile(&self, vars: &PolicyVars<'_>) -> Result<Policy, AclError> {
        let mut policy = Policy::default();
        for (i, r) in self.rules.iter().enumerate() {
            let filter = substitute(i, &r.filter, vars)?;
            validate_topic_filter(&filter)
                .map_err(|error| AclError::InvalidFilter { rule: i, error })?;
            if parse_shared(&filter).ok().flatten().is_some() {
                return Err(AclError::InvalidFilter {
                    rule: i,
                    error: iot_protocol::topic::TopicError::InvalidShareName,
                });
            }
            policy.push(r.effect, r.actions, filter)?;
        }
        Ok(policy)
    }
}

fn substitute(rule: usize, template: &str, vars: &PolicyVars<'_>) -> Result<String, AclError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or(AclError::UnknownPlaceholder {
            rule,
            at: offset + start,
        })?;
        let value = match &after[..end] {
            "productKey" => vars.product_key,
            "deviceName" => vars.device_name,
            "clientId" => vars.client_id,
            _ => {
                return Err(AclError::UnknownPlaceholder {
                    rule,
                    at: offset + start,
                });
            }
        }
        .ok_or(AclError::MissingValue { rule })?;
        if value.is_empty() || value.contains(['/', '+', '#', '\0']) {
            return Err(AclError::UnsafeValue { rule });
        }
        out.push_str(value);
        let consumed = start + 2 + end + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    effect: Effect,
    actions: Actions,
    filter: String,
}

/// A compiled policy for one device.
#[derive(Debug, Default)]
pub struct Policy {
    rules: Vec<Rule>,
    publish_allow: TopicTree<usize>,
    publish_deny: TopicTree<usize>,
}

impl Clone for Policy {
    fn clone(&self) -> Self {
        let mut p = Policy::default();
        for r in &self.rules {
            // Rules were valid when first pushed.
            let _ = p.push(r.effect, r.actions, r.filter.clone());
        }
        p
    }
}

impl Policy {
    fn push(&mut self, effect: Effect, actions: Actions, filter: String) -> Result<(), AclError> {
        let idx = self.rules.len();
        if actions.includes(Action::Publish) {
            let tree = match effect {
                Effect::Allow => &mut self.publish_allow,
                Effect::Deny => &mut self.publish_deny,
            };
            tree.insert(&filter, idx)
                .map_err(|error| AclError::InvalidFilter { rule: idx, error })?;
        }
        self.rules.push(Rule {
            effect,
            actions,
            filter,
        });
        Ok(())
    }

    /// Adds every rule of `other` (for combining several policies into one).
    pub fn extend(&mut self, other: &Policy) -> Result<(), AclError> {
        for r in &other.rules {
            self.push(r.effect, r.actions, r.filter.clone())?;
        }
        Ok(())
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the policy has no rules (and so denies everything).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The compiled filters with their effect and actions, in rule order.
    pub fn rules(&self) -> impl Iterator<Item = (Effect, Actions, &str)> {
        self.rules
            .iter()
            .map(|r| (r.effect, r.actions, r.filter.as_str()))
    }

    /// Checks an action: [`Policy::check_publish`] or [`Policy::check_subscribe`].
    pub fn check(&self, action: Action, topic: &str) -> Result<(), AclDenied> {
        match action {
            Action::Publish => self.check_publish(topic),
            Action::Subscribe => self.check_subscribe(topic),
        }
    }

    /// Whether the device may PUBLISH to `topic` (a topic name).
    pub fn check_publish(&self, topic: &str) -> Result<(), AclDenied> {
        validate_topic_name(topic).map_err(AclDenied::InvalidTopic)?;
        if let Some(i) = self.publish_deny.matches(topic).copied().min() {
            return Err(AclDenied::DeniedByRule(i));
        }
        if self.publish_allow.has_match(topic) {
            Ok(())
        } else {
            Err(AclDenied::NotAllowed)
        }
    }

    /// Whether the device may SUBSCRIBE to `filter` (shared subscriptions judged by their
    /// inner filter): allowed only if every topic the filter could match is allowed.
    pub fn check_subscribe(&self, filter: &str) -> Result<(), AclDenied> {
        let inner = match parse_shared(filter).map_err(AclDenied::InvalidTopic)? {
            Some(shared) => shared.filter,
            None => filter,
        };
        let mut allowed = false;
        for (i, r) in self.rules.iter().enumerate() {
            if !r.actions.includes(Action::Subscribe) {
                continue;
            }
            match r.effect {
                Effect::Deny if filters_overlap(&r.filter, inner) => {
                    return Err(AclDenied::DeniedByRule(i));
                }
                Effect::Allow if !allowed => allowed = filter_covers(&r.filter, inner),
                _ => {}
            }
        }
        if allowed {
            Ok(())
        } else {
            Err(AclDenied::NotAllowed)
        }
    }
}

/// First-level names of Alibaba system topics. A product key equal to one of them would let a
/// device's custom topics `/{pk}/{dn}/user/…` alias another product's system topics, so
/// [`alibaba_device_policy`] refuses it.
pub const ALIBABA_RESERVED_LEVELS: [&str; 5] = ["sys", "ext", "shadow", "ota", "broadcast"];

/// The built-in template for an Alibaba device's own topics:
///
/// | filter | actions |
/// |---|---|
/// | `/sys/{pk}/{dn}/#` (Alink: properties, events, services, OTA, config, sub-devices) | both |
/// | `/{pk}/{dn}/user/#` (custom topics) | both |
/// | `/shadow/update/{pk}/{dn}` | publish |
/// | `/shadow/get/{pk}/{dn}` | subscribe |
/// | `/ota/device/inform|progress|request/{pk}/{dn}` | publish |
/// | `/ota/device/upgrade/{pk}/{dn}` | subscribe |
/// | `/ext/session/{pk}/{dn}/#` (gateway sub-device login) | both |
/// | `/ext/ntp/{pk}/{dn}/request` / `…/response` | publish / subscribe |
/// | `/ext/error/{pk}/{dn}` | subscribe |
/// | `/ext/rrpc/+/{pk}/{dn}/#` (RRPC over custom topics) | both |
/// | `/broadcast/{pk}/#` (product broadcast) | subscribe |
pub fn alibaba_device_template() -> PolicyTemplate {
    let mut t = PolicyTemplate::new();
    t.allow(Actions::Both, "/sys/${productKey}/${deviceName}/#")
        .allow(Actions::Both, "/${productKey}/${deviceName}/user/#")
        .allow(
            Actions::Publish,
            "/shadow/update/${productKey}/${deviceName}",
        )
        .allow(
            Actions::Subscribe,
            "/shadow/get/${productKey}/${deviceName}",
        )
        .allow(
            Actions::Publish,
            "/ota/device/inform/${productKey}/${deviceName}",
        )
        .allow(
            Actions::Publish,
            "/ota/device/progress/${productKey}/${deviceName}",
        )
        .allow(
            Actions::Publish,
            "/ota/device/request/${productKey}/${deviceName}",
        )
        .allow(
            Actions::Subscribe,
            "/ota/device/upgrade/${productKey}/${deviceName}",
        )
        .allow(Actions::Both, "/ext/session/${productKey}/${deviceName}/#")
        .allow(
            Actions::Publish,
            "/ext/ntp/${productKey}/${deviceName}/request",
        )
        .allow(
            Actions::Subscribe,
            "/ext/ntp/${productKey}/${deviceName}/response",
        )
        .allow(Actions::Subscribe, "/ext/error/${productKey}/${deviceName}")
        .allow(Actions::Both, "/ext/rrpc/+/${productKey}/${deviceName}/#")
        .allow(Actions::Subscribe, "/broadcast/${productKey}/#");
    t
}

/// Compiles [`alibaba_device_template`] for one device.
pub fn alibaba_device_policy(product_key: &str, device_name: &str) -> Result<Policy, AclError> {
    if ALIBABA_RESERVED_LEVELS.contains(&product_key) {
        return Err(AclError::UnsafeValue { rule: 1 });
    }
    alibaba_device_template().compile(&PolicyVars {
        product_key: Some(product_key),
        device_name: Some(device_name),
        client_id: None,
    })
}

/// The built-in AWS-style template: a thing (`${deviceName}` = thing name) may publish and
/// subscribe under `$aws/things/{thing}/` (shadow, jobs, tunnels, defender, …).
pub fn aws_thing_template() -> PolicyTemplate {
    let mut t = PolicyTemplate::new();
    t.allow(Actions::Both, "$aws/things/${deviceName}/#");
    t
}

/// Compiles [`aws_thing_template`] for one thing.
pub fn aws_thing_policy(thing_name: &str) -> Result<Policy, AclError> {
    aws_thing_template().compile(&PolicyVars {
        product_key: None,
        device_name: Some(thing_name),
        client_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_needs_full_cover() {
        let p = alibaba_device_policy("pk1", "dev1").unwrap();
        assert!(p.check_subscribe("/sys/pk1/dev1/thing/#").is_ok());
        assert_eq!(
            p.check_subscribe("/sys/+/+/thing/#"),
            Err(AclDenied::NotAllowed)
        );
        assert!(
            p.check_publish("/sys/pk1/dev1/thing/event/property/post")
                .is_ok()
        );
        assert!(p.check_publish("/shadow/get/pk1/dev1").is_err());
        assert!(p.check_subscribe("/shadow/get/pk1/dev1").is_ok());
        assert!(matches!(
            p.check_publish("/sys/#"),
            Err(AclDenied::InvalidTopic(_))
        ));
    }

    #[test]
    fn deny_wins_and_placeholders_are_safe() {
        let mut t = PolicyTemplate::new();
        t.allow(Actions::Both, "d/${clientId}/#")
            .deny(Actions::Both, "d/${clientId}/secret/#");
        let p = t
            .compile(&PolicyVars {
                client_id: Some("c1"),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            p.check_publish("d/c1/secret/x"),
            Err(AclDenied::DeniedByRule(1))
        );
        assert_eq!(p.check_subscribe("d/c1/#"), Err(AclDenied::DeniedByRule(1)));
        assert!(p.check_subscribe("d/c1/open/+").is_ok());
        for bad in ["+", "#", "a/b", ""] {
            assert!(matches!(
                t.compile(&PolicyVars {
                    client_id: Some(bad),
                    ..Default::default()
                }),
                Err(AclError::UnsafeValue { rule: 0 })
            ));
        }
        let mut u = PolicyTemplate::new();
        u.allow(Actions::Both, "x/${nope}");
        assert!(matches!(
            u.compile(&PolicyVars::default()),
            Err(AclError::UnknownPlaceholder { rule: 0, at: 2 })
        ));
        assert!(alibaba_device_policy("sys", "dev1").is_err());
    }
}
