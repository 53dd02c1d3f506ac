//! The Alink topic catalogue: build the topic for a device and a message kind (or an Alink
//! method), and parse a topic back into product key, device name, kind and identifier.
//!
//! Parsing borrows from the topic string and does not allocate. A trailing `_reply` on the
//! last level marks the reply topic of kinds that have one; a service whose identifier itself
//! ends in `_reply` therefore cannot be told apart from a reply, so the parser always reads it
//! as one.

use core::fmt;

use crate::error::TopicError;

/// A message kind of the catalogue, with the identifier it carries (if any).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind<'a> {
    /// `/sys/{pk}/{dn}/thing/event/property/post`
    PropertyPost,
    /// `/sys/{pk}/{dn}/thing/event/{event}/post`
    EventPost {
        /// Event identifier.
        event: &'a str,
    },
    /// `/sys/{pk}/{dn}/thing/service/property/set` (cloud to device)
    PropertySet,
    /// `/sys/{pk}/{dn}/thing/service/{service}` (asynchronous invoke, cloud to device)
    ServiceInvoke {
        /// Service identifier.
        service: &'a str,
    },
    /// `/ext/rrpc/{rrpc_id}/sys/{pk}/{dn}/thing/service/{service}` (synchronous invoke over
    /// RRPC; the device answers on the same topic)
    ServiceInvokeSync {
        /// RRPC message id.
        rrpc_id: &'a str,
        /// Service identifier.
        service: &'a str,
    },
    /// `/sys/{pk}/{dn}/thing/model/up_raw`
    RawUp,
    /// `/sys/{pk}/{dn}/thing/model/down_raw`
    RawDown,
    /// `/sys/{pk}/{dn}/thing/event/property/pack/post` (gateway)
    PackPost,
    /// `/sys/{pk}/{dn}/thing/event/property/batch/post`
    BatchPost,
    /// `/sys/{pk}/{dn}/thing/event/property/history/post`
    HistoryPost,
    /// `/sys/{pk}/{dn}/thing/property/desired/get`
    DesiredGet,
    /// `/sys/{pk}/{dn}/thing/property/desired/delete`
    DesiredDelete,
    /// `/sys/{pk}/{dn}/thing/deviceinfo/update`
    DeviceInfoUpdate,
    /// `/sys/{pk}/{dn}/thing/deviceinfo/delete`
    DeviceInfoDelete,
    /// `/sys/{pk}/{dn}/thing/config/get`
    ConfigGet,
    /// `/sys/{pk}/{dn}/thing/config/push`
    ConfigPush,
    /// `/sys/{pk}/{dn}/thing/dsltemplate/get`
    DslTemplateGet,
    /// `/sys/{pk}/{dn}/thing/topo/add`
    TopoAdd,
    /// `/sys/{pk}/{dn}/thing/topo/delete`
    TopoDelete,
    /// `/sys/{pk}/{dn}/thing/topo/get`
    TopoGet,
    /// `/sys/{pk}/{dn}/thing/list/found`
    ListFound,
    /// `/ext/session/{pk}/{dn}/combine/login`
    CombineLogin,
    /// `/ext/session/{pk}/{dn}/combine/logout`
    CombineLogout,
    /// `/ext/session/{pk}/{dn}/combine/batch_login`
    CombineBatchLogin,
    /// `/ext/session/{pk}/{dn}/combine/batch_logout`
    CombineBatchLogout,
    /// `/ext/error/{pk}/{dn}` (errors sent to a gateway)
    Error,
    /// `/ext/ntp/{pk}/{dn}/request`
    NtpRequest,
    /// `/ext/ntp/{pk}/{dn}/response`
    NtpResponse,
    /// `/sys/{pk}/{dn}/rrpc/request/{message_id}`
    RrpcRequest {
        /// RRPC message id.
        message_id: &'a str,
    },
    /// `/sys/{pk}/{dn}/rrpc/response/{message_id}`
    RrpcResponse {
        /// RRPC message id.
        message_id: &'a str,
    },
    /// `/ota/device/inform/{pk}/{dn}` (device reports its version)
    OtaInform,
    /// `/ota/device/upgrade/{pk}/{dn}` (cloud pushes a package)
    OtaUpgrade,
    /// `/ota/device/progress/{pk}/{dn}`
    OtaProgress,
    /// `/ota/device/request/{pk}/{dn}` (legacy SDK 3.x request)
    OtaRequest,
    /// `/sys/{pk}/{dn}/thing/ota/firmware/get`
    OtaFirmwareGet,
    /// `/shadow/update/{pk}/{dn}`
    ShadowUpdate,
    /// `/shadow/get/{pk}/{dn}`
    ShadowGet,
}

impl<'a> TopicKind<'a> {
    /// Whether the kind has a `_reply` topic.
    #[must_use]
    pub fn has_reply(&self) -> bool {
        !matches!(
            self,
            TopicKind::ServiceInvokeSync { .. }
                | TopicKind::Error
                | TopicKind::NtpRequest
                | TopicKind::NtpResponse
                | TopicKind::RrpcRequest { .. }
                | TopicKind::RrpcResponse { .. }
                | TopicKind::OtaInform
                | TopicKind::OtaUpgrade
                | TopicKind::OtaProgress
                | TopicKind::OtaRequest
                | TopicKind::ShadowUpdate
                | TopicKind::ShadowGet
        )
    }

    /// The event, service or message identifier the kind carries.
    #[must_use]
    pub fn identifier(&self) -> Option<&'a str> {
        match *self {
            TopicKind::EventPost { event } => Some(event),
            TopicKind::ServiceInvoke { service } | TopicKind::ServiceInvokeSync { service, .. } => {
                Some(service)
            }
            TopicKind::RrpcRequest { message_id } | TopicKind::RrpcResponse { message_id } => {
                Some(message_id)
            }
            _ => None,
        }
    }

    /// The Alink `method` of requests on this topic, where there is one.
    #[must_use]
    pub fn method(&self) -> Option<String> {
        let fixed = match self {
            TopicKind::PropertyPost => "thing.event.property.post",
            TopicKind::EventPost { event } => return Some(format!("thing.event.{event}.post")),
            TopicKind::PropertySet => "thing.service.property.set",
            TopicKind::ServiceInvoke { service } | TopicKind::ServiceInvokeSync { service, .. } => {
                return Some(format!("thing.service.{service}"));
            }
            TopicKind::PackPost => "thing.event.property.pack.post",
            TopicKind::BatchPost => "thing.event.property.batch.post",
            TopicKind::HistoryPost => "thing.event.property.history.post",
            TopicKind::DesiredGet => "thing.property.desired.get",
            TopicKind::DesiredDelete => "thing.property.desired.delete",
            TopicKind::DeviceInfoUpdate => "thing.deviceinfo.update",
            TopicKind::DeviceInfoDelete => "thing.deviceinfo.delete",
            TopicKind::ConfigGet => "thing.config.get",
            TopicKind::ConfigPush => "thing.config.push",
            TopicKind::DslTemplateGet => "thing.dsltemplate.get",
            TopicKind::TopoAdd => "thing.topo.add",
            TopicKind::TopoDelete => "thing.topo.delete",
            TopicKind::TopoGet => "thing.topo.get",
            TopicKind::ListFound => "thing.list.found",
            TopicKind::CombineLogin => "combine.login",
            TopicKind::CombineLogout => "combine.logout",
            TopicKind::CombineBatchLogin => "combine.batch.login",
            TopicKind::CombineBatchLogout => "combine.batch.logout",
            TopicKind::OtaFirmwareGet => "thing.ota.firmware.get",
            _ => return None,
        };
        Some(fixed.to_owned())
    }

    /// The kind for an Alink `method` (the inverse of [`TopicKind::method`]; sync invokes map
    /// to [`TopicKind::ServiceInvoke`]).
    ///
    /// # Errors
    /// [`TopicError::UnknownMethod`] when the method is not in the catalogue.
    pub fn from_method(method: &'a str) -> Result<TopicKind<'a>, TopicError> {
        Ok(match method {
            "thing.event.property.post" => TopicKind::PropertyPost,
            "thing.service.property.set" => TopicKind::PropertySet,
            "thing.event.property.pack.post" => TopicKind::PackPost,
            "thing.event.property.batch.post" => TopicKind::BatchPost,
            "thing.event.property.history.post" => TopicKind::HistoryPost,
            "thing.property.desired.get" => TopicKind::DesiredGet,
            "thing.property.desired.delete" => TopicKind::DesiredDelete,
            "thing.deviceinfo.update" => TopicKind::DeviceInfoUpdate,
            "thing.deviceinfo.delete" => TopicKind::DeviceInfoDelete,
            "thing.config.get" => TopicKind::ConfigGet,
            "thing.config.push" => TopicKind::ConfigPush,
            "thing.dsltemplate.get" => TopicKind::DslTemplateGet,
            "thing.topo.add" => TopicKind::TopoAdd,
            "thing.topo.delete" => TopicKind::TopoDelete,
            "thing.topo.get" => TopicKind::TopoGet,
            "thing.list.found" => TopicKind::ListFound,
            "combine.login" => TopicKind::CombineLogin,
            "combine.logout" => TopicKind::CombineLogout,
            "combine.batch.login" => TopicKind::CombineBatchLogin,
            "combine.batch.logout" => TopicKind::CombineBatchLogout,
            "thing.ota.firmware.get" => TopicKind::OtaFirmwareGet,
            m => {
                if let Some(event) = m
                    .strip_prefix("thing.event.")
                    .and_then(|r| r.strip_suffix(".post"))
                    .filter(|e| is_level(e) && !e.contains('.'))
                {
                    TopicKind::EventPost { event }
                } else if let Some(service) = m
                    .strip_prefix("thing.service.")
                    .filter(|s| is_level(s) && !s.contains('.'))
                {
                    TopicKind::ServiceInvoke { service }
                } else {
                    return Err(TopicError::UnknownMethod);
                }
            }
        })
    }
}

/// A topic of the catalogue, borrowed from the topic string or the caller's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic<'a> {
    /// Product key.
    pub product_key: &'a str,
    /// Device name.
    pub device_name: &'a str,
    /// Message kind and identifier.
    pub kind: TopicKind<'a>,
    /// Whether this is the `_reply` topic.
    pub reply: bool,
}

fn is_level(s: &str) -> bool {
    !s.is_empty() && !s.contains(['/', '+', '#', '\0'])
}

impl<'a> Topic<'a> {
    /// A request topic.
    ///
    /// # Errors
    /// [`TopicError::EmptyLevel`] or [`TopicError::InvalidLevel`] when a level (product key,
    /// device name, identifier) is empty or contains `/`, `+`, `#` or NUL.
    pub fn new(
        product_key: &'a str,
        device_name: &'a str,
        kind: TopicKind<'a>,
    ) -> Result<Topic<'a>, TopicError> {
        let mut levels = [product_key, device_name, "x", "x"];
        if let Some(id) = kind.identifier() {
            levels[2] = id;
        }
        if let TopicKind::ServiceInvokeSync { rrpc_id, .. } = kind {
            levels[3] = rrpc_id;
        }
        for l in levels {
            if l.is_empty() {
                return Err(TopicError::EmptyLevel);
            }
            if !is_level(l) {
                return Err(TopicError::InvalidLevel);
            }
        }
        let ambiguous = match kind {
            TopicKind::EventPost { event } => event == "property",
            TopicKind::ServiceInvoke { service } | TopicKind::ServiceInvokeSync { service, .. } => {
                service.ends_with("_reply") || service == "property"
            }
            TopicKind::RrpcRequest { message_id } | TopicKind::RrpcResponse { message_id } => {
                message_id.ends_with("_reply")
            }
            _ => false,
        };
        // A last level ending in `_reply` would parse back as a reply, and `property` in the
        // identifier slot as a property topic.
        let ambiguous = ambiguous
            || matches!(
                kind,
                TopicKind::Error
                    | TopicKind::OtaInform
                    | TopicKind::OtaUpgrade
                    | TopicKind::OtaProgress
                    | TopicKind::OtaRequest
                    | TopicKind::ShadowGet
                    | TopicKind::ShadowUpdate
            ) && device_name.ends_with("_reply");
        if ambiguous {
            return Err(TopicError::InvalidLevel);
        }
        Ok(Topic {
            product_key,
            device_name,
            kind,
            reply: false,
        })
    }

    /// The request topic for an Alink method.
    ///
    /// # Errors
    /// [`TopicError::UnknownMethod`], or a level error as for [`Topic::new`].
    pub fn for_method(
        product_key: &'a str,
        device_name: &'a str,
        method: &'a str,
    ) -> Result<Topic<'a>, TopicError> {
        Topic::new(product_key, device_name, TopicKind::from_method(method)?)
    }

    /// The matching `_reply` topic, if the kind has one.
    #[must_use]
    pub fn reply_topic(&self) -> Option<Topic<'a>> {
        self.kind.has_reply().then_some(Topic {
            reply: true,
            ..*self
        })
    }

    /// The request topic a reply answers (itself when it is a request).
    #[must_use]
    pub fn request_topic(&self) -> Topic<'a> {
        Topic {
            reply: false,
            ..*self
        }
    }

    /// Parses a topic of the catalogue.
    ///
    /// # Errors
    /// [`TopicError::UnknownPrefix`] when the first level is not `sys`, `ext`, `ota` or
    /// `shadow`; [`TopicError::UnknownShape`] when no entry matches (including `_reply` on a
    /// kind without replies); [`TopicError::EmptyLevel`] for an empty product key, device name
    /// or identifier.
    pub fn parse(topic: &'a str) -> Result<Topic<'a>, TopicError> {
        let rest = topic.strip_prefix('/').ok_or(TopicError::UnknownPrefix)?;
        let mut levels = [""; 10];
        let mut n = 0;
        for l in rest.split('/') {
            if n == levels.len() {
                return Err(TopicError::UnknownShape);
            }
            levels[n] = l;
            n += 1;
        }
        let levels = &mut levels[..n];
        if !matches!(levels[0], "sys" | "ext" | "ota" | "shadow") {
            return Err(TopicError::UnknownPrefix);
        }
        let mut reply = false;
        if let Some(last) = levels.last_mut()
            && let Some(base) = last.strip_suffix("_reply")
        {
            *last = base;
            reply = true;
        }
        let (pk, dn, kind) = match &*levels {
            ["sys", pk, dn, "thing", rest @ ..] => (*pk, *dn, thing_kind(rest)?),
            ["sys", pk, dn, "rrpc", "request", id] => {
                (*pk, *dn, TopicKind::RrpcRequest { message_id: id })
            }
            ["sys", pk, dn, "rrpc", "response", id] => {
                (*pk, *dn, TopicKind::RrpcResponse { message_id: id })
            }
            [
                "ext",
                "rrpc",
                rrpc_id,
                "sys",
                pk,
                dn,
                "thing",
                "service",
                service,
            ] => (*pk, *dn, TopicKind::ServiceInvokeSync { rrpc_id, service }),
            ["ext", "session", pk, dn, "combine", op] => (
                *pk,
                *dn,
                match *op {
                    "login" => TopicKind::CombineLogin,
                    "logout" => TopicKind::CombineLogout,
                    "batch_login" => TopicKind::CombineBatchLogin,
                    "batch_logout" => TopicKind::CombineBatchLogout,
                    _ => return Err(TopicError::UnknownShape),
                },
            ),
            ["ext", "error", pk, dn] => (*pk, *dn, TopicKind::Error),
            ["ext", "ntp", pk, dn, "request"] => (*pk, *dn, TopicKind::NtpRequest),
            ["ext", "ntp", pk, dn, "response"] => (*pk, *dn, TopicKind::NtpResponse),
            ["ota", "device", op, pk, dn] => (
                *pk,
                *dn,
                match *op {
                    "inform" => TopicKind::OtaInform,
                    "upgrade" => TopicKind::OtaUpgrade,
                    "progress" => TopicKind::OtaProgress,
                    "request" => TopicKind::OtaRequest,
                    _ => return Err(TopicError::UnknownShape),
                },
            ),
            ["shadow", "update", pk, dn] => (*pk, *dn, TopicKind::ShadowUpdate),
            ["shadow", "get", pk, dn] => (*pk, *dn, TopicKind::ShadowGet),
            _ => return Err(TopicError::UnknownShape),
        };
        if reply && !kind.has_reply() {
            return Err(TopicError::UnknownShape);
        }
        let t = Topic::new(pk, dn, kind)?;
        Ok(Topic { reply, ..t })
    }
}

fn thing_kind<'a>(rest: &[&'a str]) -> Result<TopicKind<'a>, TopicError> {
    Ok(match rest {
        ["event", "property", "post"] => TopicKind::PropertyPost,
        ["event", "property", "pack", "post"] => TopicKind::PackPost,
        ["event", "property", "batch", "post"] => TopicKind::BatchPost,
        ["event", "property", "history", "post"] => TopicKind::HistoryPost,
        ["event", event, "post"] => TopicKind::EventPost { event },
        ["service", "property", "set"] => TopicKind::PropertySet,
        ["service", service] => TopicKind::ServiceInvoke { service },
        ["model", "up_raw"] => TopicKind::RawUp,
        ["model", "down_raw"] => TopicKind::RawDown,
        ["property", "desired", "get"] => TopicKind::DesiredGet,
        ["property", "desired", "delete"] => TopicKind::DesiredDelete,
        ["deviceinfo", "update"] => TopicKind::DeviceInfoUpdate,
        ["deviceinfo", "delete"] => TopicKind::DeviceInfoDelete,
        ["config", "get"] => TopicKind::ConfigGet,
        ["config", "push"] => TopicKind::ConfigPush,
        ["dsltemplate", "get"] => TopicKind::DslTemplateGet,
        ["topo", "add"] => TopicKind::TopoAdd,
        ["topo", "delete"] => TopicKind::TopoDelete,
        ["topo", "get"] => TopicKind::TopoGet,
        ["list", "found"] => TopicKind::ListFound,
        ["ota", "firmware", "get"] => TopicKind::OtaFirmwareGet,
        _ => return Err(TopicError::UnknownShape),
    })
}

impl fmt::Display for Topic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (pk, dn) = (self.product_key, self.device_name);
        let sys = |f: &mut fmt::Formatter<'_>, tail: &str| write!(f, "/sys/{pk}/{dn}/thing/{tail}");
        match self.kind {
            TopicKind::PropertyPost => sys(f, "event/property/post"),
            TopicKind::EventPost { event } => write!(f, "/sys/{pk}/{dn}/thing/event/{event}/post"),
            TopicKind::PropertySet => sys(f, "service/property/set"),
            TopicKind::ServiceInvoke { service } => {
                write!(f, "/sys/{pk}/{dn}/thing/service/{service}")
            }
            TopicKind::ServiceInvokeSync { rrpc_id, service } => {
                write!(
                    f,
                    "/ext/rrpc/{rrpc_id}/sys/{pk}/{dn}/thing/service/{service}"
                )
            }
            TopicKind::RawUp => sys(f, "model/up_raw"),
            TopicKind::RawDown => sys(f, "model/down_raw"),
            TopicKind::PackPost => sys(f, "event/property/pack/post"),
            TopicKind::BatchPost => sys(f, "event/property/batch/post"),
            TopicKind::HistoryPost => sys(f, "event/property/history/post"),
            TopicKind::DesiredGet => sys(f, "property/desired/get"),
            TopicKind::DesiredDelete => sys(f, "property/desired/delete"),
            TopicKind::DeviceInfoUpdate => sys(f, "deviceinfo/update"),
            TopicKind::DeviceInfoDelete => sys(f, "deviceinfo/delete"),
            TopicKind::ConfigGet => sys(f, "config/get"),
            TopicKind::ConfigPush => sys(f, "config/push"),
            TopicKind::DslTemplateGet => sys(f, "dsltemplate/get"),
            TopicKind::TopoAdd => sys(f, "topo/add"),
            TopicKind::TopoDelete => sys(f, "topo/delete"),
            TopicKind::TopoGet => sys(f, "topo/get"),
            TopicKind::ListFound => sys(f, "list/found"),
            TopicKind::CombineLogin => write!(f, "/ext/session/{pk}/{dn}/combine/login"),
            TopicKind::CombineLogout => write!(f, "/ext/session/{pk}/{dn}/combine/logout"),
            TopicKind::CombineBatchLogin => {
                write!(f, "/ext/session/{pk}/{dn}/combine/batch_login")
            }
            TopicKind::CombineBatchLogout => {
                write!(f, "/ext/session/{pk}/{dn}/combine/batch_logout")
            }
            TopicKind::Error => write!(f, "/ext/error/{pk}/{dn}"),
            TopicKind::NtpRequest => write!(f, "/ext/ntp/{pk}/{dn}/request"),
            TopicKind::NtpResponse => write!(f, "/ext/ntp/{pk}/{dn}/response"),
            TopicKind::RrpcRequest { message_id } => {
                write!(f, "/sys/{pk}/{dn}/rrpc/request/{message_id}")
            }
            TopicKind::RrpcResponse { message_id } => {
                write!(f, "/sys/{pk}/{dn}/rrpc/response/{message_id}")
            }
            TopicKind::OtaInform => write!(f, "/ota/device/inform/{pk}/{dn}"),
            TopicKind::OtaUpgrade => write!(f, "/ota/device/upgrade/{pk}/{dn}"),
            TopicKind::OtaProgress => write!(f, "/ota/device/progress/{pk}/{dn}"),
            TopicKind::OtaRequest => write!(f, "/ota/device/request/{pk}/{dn}"),
            TopicKind::OtaFirmwareGet => sys(f, "ota/firmware/get"),
            TopicKind::ShadowUpdate => write!(f, "/shadow/update/{pk}/{dn}"),
            TopicKind::ShadowGet => write!(f, "/shadow/get/{pk}/{dn}"),
        }?;
        if self.reply {
            f.write_str("_reply")?;
        }
        Ok(())
    }
}
