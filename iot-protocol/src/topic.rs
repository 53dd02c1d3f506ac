//! MQTT topic names, topic filters, matching and the subscription trie.
