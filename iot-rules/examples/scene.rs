//! Scene linkage: turn on a light when someone is home, between 06:00 and 22:00 Shanghai time.
//!
//! `cargo run -p iot-rules --example scene`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use iot_rules::UnixMillis;
use iot_rules::Value;
use iot_rules::scene::{DeviceId, Scene, SceneSet};

const RULE: &str = r#"{
  "type": "IFTTT",
  "trigger": {"uri": "trigger/device/property",
              "params": {"productKey": "pkS", "deviceName": "hall-sensor", "propertyName": "someone_exist",
                         "compareType": "==", "compareValue": 1}},
  "condition": {"uri": "logical/and", "items": [
      {"uri": "condition/timeRange", "params": {"cron": "0-0 6-22 * * *", "cronType": "linux", "timezoneID": "Asia/Shanghai"}}]},
  "action": [{"uri": "action/device/setProperty",
              "params": {"productKey": "pkL", "deviceName": "hall-light", "propertyItems": {"onOff": "on"}}}]
}"#;

fn main() {
    let mut scenes = SceneSet::new();
    let now = UnixMillis(1_763_964_000_000); // 2025-11-24 14:00 in Shanghai
    scenes
        .insert(Scene::from_json("hall", RULE).expect("valid scene"), now)
        .unwrap();
    let sensor = DeviceId {
        product_key: "pkS",
        device_name: "hall-sensor",
        iot_id: None,
    };
    let params = Value::from_json_slice(br#"{"someone_exist": 1}"#).unwrap();
    for t in [now, UnixMillis(now.0 + 9 * 3_600_000)] {
        let fired = scenes.handle_property_post(t, sensor, &params);
        println!("at {}: {} scene(s) fired", t.0, fired.len());
        for f in fired {
            for a in f.actions {
                println!("  {}", a.to_json());
            }
        }
    }
}
