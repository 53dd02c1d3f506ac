//! Fuzz the iot-model parsers and validators: arbitrary bytes as a TSL document, as a WoT
//! document, as an Alink topic, and as a payload for every validator of a fixed model.
//!
//! `cd fuzz && cargo fuzz run -s none model_validate`
#![no_main]

use std::sync::OnceLock;

use iot_model::{CompiledModel, ModelSet, Topic, Tsl, Validator};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const MODEL: &str = r#"{"profile":{"productKey":"a1FuzzPK"},"properties":[
 {"identifier":"i","accessMode":"rw","dataType":{"type":"int","specs":{"min":"-5","max":"100","step":"5"}}},
 {"identifier":"f","accessMode":"r","dataType":{"type":"float","specs":{"min":"0","max":"1"}}},
 {"identifier":"t","accessMode":"rw","dataType":{"type":"text","specs":{"length":"4"}}},
 {"identifier":"d","accessMode":"rw","dataType":{"type":"date","specs":{}}},
 {"identifier":"b","accessMode":"rw","dataType":{"type":"bool","specs":{"0":"off","1":"on"}}},
 {"identifier":"e","accessMode":"rw","dataType":{"type":"enum","specs":{"0":"a","7":"b"}}},
 {"identifier":"s","accessMode":"rw","dataType":{"type":"struct","specs":[{"identifier":"x","dataType":{"type":"int","specs":{}}}]}},
 {"identifier":"a","accessMode":"rw","dataType":{"type":"array","specs":{"size":"3","item":{"type":"struct","specs":[{"identifier":"y","dataType":{"type":"double","specs":{}}}]}}}}],
 "events":[{"identifier":"ev","type":"alert","outputData":[{"identifier":"i","dataType":{"type":"int","specs":{}}}]}],
 "services":[{"identifier":"get","inputData":["i","f"],"outputData":[]},
             {"identifier":"svc","callType":"sync","inputData":[{"identifier":"i","dataType":{"type":"int","specs":{}}}],"outputData":[]}]}"#;

fn validators() -> &'static [Validator] {
    static V: OnceLock<Vec<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let tsl = Tsl::from_json(MODEL).expect("fuzz model parses");
        let m = CompiledModel::compile(&tsl).expect("fuzz model compiles");
        let mut set = ModelSet::new();
        set.insert(&m);
        vec![
            m.property_post(),
            m.property_set(),
            m.event_post("ev").expect("event"),
            m.service_input("get").expect("get"),
            m.service_input("svc").expect("svc"),
            m.service_output("svc").expect("svc"),
            set.pack_post("a1FuzzPK").expect("pack"),
            set.history_post(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Topic::parse(text);
        if let Ok(tsl) = Tsl::from_json(text) {
            let _ = tsl.check();
            let _ = iot_model::wot::to_thing_model(&tsl);
            let _ = CompiledModel::compile(&tsl);
        }
    }
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        let _ = iot_model::wot::from_thing_model(&value);
        for v in validators() {
            let ok = v.is_valid(&value);
            let first = v.validate(&value);
            let all: Vec<_> = v.iter_errors(&value).collect();
            assert_eq!(ok, first.is_ok());
            assert_eq!(ok, all.is_empty());
            let _ = v.filter(&value);
        }
    }
});
