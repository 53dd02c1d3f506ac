//! A mosquitto 2 broker started by a test on a loopback port of its own, with a temporary
//! config; killed (by its own PID) and its directory removed on drop.
//!
//! mosquitto must be installed (`apt-get install -y --no-install-recommends mosquitto`;
//! `.ci/run` does it). When it is missing, [`start`] fails the test with that hint; only the
//! environment variable `IOT_SKIP_INTEROP=1`, which CI never sets, turns that into a skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the broker may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// How many ports to try when a broker cannot bind the one it was given.
const START_ATTEMPTS: usize = 5;

/// A running broker.
pub(crate) struct Broker {
    child: Child,
    /// The loopback port it listens on.
    pub(crate) port: u16,
    dir: PathBuf,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Broker {
    /// What the broker logged so far (errors, warnings, notices and information).
    #[allow(dead_code)]
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }
}

fn find_mosquitto() -> Option<PathBuf> {
    let mut candidates = vec![
        PathBuf::from("/usr/sbin/mosquitto"),
        PathBuf::from("/usr/bin/mosquitto"),
        PathBuf::from("/usr/local/sbin/mosquitto"),
    ];
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("mosquitto")));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// Starts mosquitto with `extra_conf` appended to a minimal loopback config, or returns `None`
/// when it is missing and `IOT_SKIP_INTEROP=1`. `name` tells the temporary directories apart.
pub(crate) fn start(name: &str, extra_conf: &str) -> Option<Broker> {
    let Some(bin) = find_mosquitto() else {
        if std::env::var("IOT_SKIP_INTEROP").as_deref() == Ok("1") {
            eprintln!("mosquitto not found; test skipped because IOT_SKIP_INTEROP=1");
            return None;
        }
        panic!(
            "mosquitto 2 is required for the MQTT interop tests but was not found.\n\
             Install it with `apt-get install -y --no-install-recommends mosquitto` \
             (.ci/run does this), or set IOT_SKIP_INTEROP=1 to skip these tests locally."
        );
    };
    // A port of our own: ask the OS for a free one. Between asking and mosquitto's bind the port
    // is free for anyone, so a parallel test may be handed the same one; the broker that loses
    // the race exits, and we try again with another port. The broker counts as ours only once
    // its own log says it is running (a probe alone could reach another test's broker).
    let mut last_log = String::new();
    for attempt in 0..START_ATTEMPTS {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!(
            "iot-{name}-{}-{port}-{attempt}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
                 log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n\
                 log_type information\n{extra_conf}"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("mosquitto.log")).unwrap();
        let child = Command::new(&bin)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut broker = Broker { child, port, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = broker.child.try_wait() {
                // Most likely the port was taken meanwhile: try another one.
                last_log = format!(
                    "mosquitto exited ({status}) on port {port}: {}",
                    broker.log()
                );
                break;
            }
            if broker.log().contains(" running") && TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                return Some(broker);
            }
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {port}: {}",
                broker.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("mosquitto did not start in {START_ATTEMPTS} attempts; last: {last_log}");
}
