//! MQTT 3.1.1 and 5.0: the codec and the sans-IO sessions.
