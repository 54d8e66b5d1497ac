//! A `redis-server` of one test's own, on a free port, so that a test can
//! stop, restart or disturb it without touching the shared Redis.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::WAIT;

/// A `redis-server` child process, killed when dropped.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one on `port` (no persistence); `None` when there is no
    /// `redis-server` binary.
    pub fn start(port: u16) -> Option<Self> {
        Self::start_with(port, &[], None)
    }

    /// Starts one on `port` with `extra` arguments, in directory `dir`
    /// (where a cluster node writes its config file).
    pub fn start_with(port: u16, extra: &[&str], dir: Option<&std::path::Path>) -> Option<Self> {
        let mut command = Command::new("redis-server");
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let child = command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { child, port })
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Waits until it answers PING.
    pub async fn ping(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(client) = redis::Client::open(self.url())
                && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not answer PING"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
