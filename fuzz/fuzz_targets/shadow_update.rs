//! Shadow requests from arbitrary bytes: every dialect's parser, the core update with its
//! limits, the response builders, and the device-side machine must never panic.
//!
//! `cd fuzz && cargo fuzz run -s none shadow_update`
#![no_main]

use iot_shadow::{
    DeviceSync, Dialect, Endpoint, EpochMillis, ShadowDocument, UpdateRequest, alibaba, aws, azure,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let now = EpochMillis(1_700_000_000_000);
    // A shadow with both sections, nested objects and arrays to merge into.
    let mut doc = ShadowDocument::new();
    let seed = br#"{"state":{"desired":{"color":"RED","nested":{"a":[1,2],"b":{"c":true}}},"reported":{"color":"GREEN","nested":{"a":[1]}}}}"#;
    if let Ok(request) = aws::parse_update(seed, &Dialect::aws()) {
        let _ = doc.apply_update(&request, &Dialect::aws(), now);
    }
    match selector % 4 {
        0 => {
            let d = Dialect::aws();
            if let Ok(request) = aws::parse_update(payload, &d) {
                if let Ok(outcome) = doc.apply_update(&request, &d, now) {
                    let _ = aws::update_accepted(&request, &outcome);
                    let _ = aws::update_delta(&doc, &outcome.delta, now, None);
                    let _ = aws::get_accepted(&doc, now, None);
                }
            }
            let _ = aws::peek_client_token(payload, &d);
        }
        1 => {
            let d = Dialect::alibaba();
            if let Ok(alibaba::Request::Update(r) | alibaba::Request::Delete(r)) =
                alibaba::parse_request(payload, &d)
            {
                if doc.apply_update(&r, &d, now).is_ok() {
                    let _ = alibaba::control(&doc, now);
                }
            }
        }
        2 => {
            let d = Dialect::azure();
            if let Ok(patch) = azure::parse_patch(payload, &d) {
                if doc
                    .apply_update(&UpdateRequest::reported(patch), &d, now)
                    .is_ok()
                {
                    let _ = azure::twin_document(&doc, true);
                }
            }
        }
        _ => {
            let mut device = DeviceSync::new(Endpoint::Aws {
                thing: "t".into(),
                shadow: None,
            });
            device.handle_connected(now);
            for topic in [
                "$aws/things/t/shadow/get/accepted",
                "$aws/things/t/shadow/update/delta",
                "$aws/things/t/shadow/update/rejected",
            ] {
                let _ = device.handle_message(now, topic, payload, |d| Ok(d.clone()));
            }
            while device.poll_transmit().is_some() {}
        }
    }
});
