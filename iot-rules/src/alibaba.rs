//! Alibaba-specific views: the rule engine's transformed form of TSL property posts, and the
//! device status payload of `/as/mqtt/status/{productKey}/{deviceName}`.

use crate::functions::object;
use crate::message::Message;
use crate::time::{self, FixedOffset, UnixMillis};
use crate::value::{Map, Value};

/// The TSL property-post topic filter the transformed view applies to.
pub const PROPERTY_POST_FILTER: &str = "/sys/+/+/thing/event/property/post";

/// Alibaba's rule-engine view of a TSL property post (wire-formats §6.1): `params` becomes
/// `items.X = {value, time}`, with `productKey`, `deviceName` (from the topic) and `gmtCreate`
/// (the receive time). A parameter given as `{"value": v, "time": t}` keeps its own time.
/// `None` when the topic is not a property post or the payload has no `params` object.
pub(crate) fn tsl_view(msg: &Message<'_>, payload: &Value) -> Option<Value> {
    if !iot_protocol::topic::matches(PROPERTY_POST_FILTER, msg.topic) {
        return None;
    }
    let Some(Value::Object(params)) = payload.get("params") else {
        return None;
    };
    let mut segs = msg.topic.split('/').skip(2);
    let pk = segs.next().unwrap_or_default();
    let dn = segs.next().unwrap_or_default();
    let now = Value::Int(msg.timestamp.0);
    let mut items = Map::with_capacity(params.len());
    for (k, v) in params.iter() {
        let (value, t) = match v {
            Value::Object(o) if o.contains_key("value") => (
                o.get("value").cloned().unwrap_or(Value::Null),
                o.get("time").cloned().unwrap_or_else(|| now.clone()),
            ),
            other => (other.clone(), now.clone()),
        };
        items.insert(k.to_owned(), object([("value", value), ("time", t)]));
    }
    Some(object([
        ("productKey", Value::from(pk)),
        ("deviceName", Value::from(dn)),
        ("gmtCreate", now),
        ("items", Value::Object(items)),
    ]))
}

/// Online or offline, for [`device_status_payload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// The device connected.
    Online,
    /// The device disconnected.
    Offline,
}

/// Builds the device status message Alibaba publishes on `/as/mqtt/status/{pk}/{dn}`
/// (wire-formats §6.1): `time`/`lastTime` in China Standard Time (`yyyy-MM-dd HH:mm:ss.SSS`),
/// `utcTime`/`utcLastTime` in UTC ISO 8601. Rules on that topic read its fields by name.
pub fn device_status_payload(
    status: DeviceStatus,
    product_key: &str,
    device_name: &str,
    time: UnixMillis,
    last_time: UnixMillis,
    client_ip: &str,
) -> Value {
    let cst = FixedOffset::from_minutes(480).unwrap_or_default();
    let local = |t| time::format("yyyy-MM-dd HH:mm:ss.SSS", t, cst).unwrap_or_default();
    let utc =
        |t| time::format("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", t, FixedOffset::UTC).unwrap_or_default();
    object([
        (
            "status",
            Value::from(match status {
                DeviceStatus::Online => "online",
                DeviceStatus::Offline => "offline",
            }),
        ),
        ("productKey", Value::from(product_key)),
        ("deviceName", Value::from(device_name)),
        ("time", Value::String(local(time))),
        ("utcTime", Value::String(utc(time))),
        ("lastTime", Value::String(local(last_time))),
        ("utcLastTime", Value::String(utc(last_time))),
        ("clientIp", Value::from(client_ip)),
    ])
}
