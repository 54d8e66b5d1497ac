//! The reader task of one stream: `XREAD COUNT … BLOCK … STREAMS {stream}
//! {last id}` on a connection of its own, handing each entry to the
//! namespace it names. It starts at the stream's last entry (the id Node's
//! `$` stands for, taken once), then always reads from the last id it saw,
//! reconnecting (100 ms, doubling to 5 s) after a failure.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::{oneshot, watch};

use super::RedisStreamsConfig;
use super::driver::{FIRST_BACKOFF, MAX_BACKOFF, Shared};
use super::entry;

/// What a reader task starts with.
pub(crate) struct Reader {
    pub(crate) client: redis::Client,
    pub(crate) stream: String,
    pub(crate) shared: Arc<Shared>,
    pub(crate) config: RedisStreamsConfig,
    pub(crate) stop: watch::Receiver<()>,
    pub(crate) ready: Option<oneshot::Sender<Result<(), String>>>,
}

/// Reads one stream until the driver is dropped.
pub(crate) async fn read_stream(mut r: Reader) {
    let mut last: Option<String> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut stop = r.stop.clone();
    loop {
        let failure = tokio::select! {
            failure = read_until_failure(&mut r, &mut last, &mut backoff) => failure,
            _ = stop.changed() => return,
        };
        if let Some(ready) = r.ready.take() {
            let _ = ready.send(Err(failure));
            return;
        }
        tracing::warn!(
            stream = r.stream,
            "redis streams adapter: reader: {failure}; reconnecting in {backoff:?}"
        );
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn read_until_failure(
    r: &mut Reader,
    last: &mut Option<String>,
    backoff: &mut Duration,
) -> String {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(r.config.requests_timeout))
        .set_response_timeout(Some(r.config.block_time + r.config.requests_timeout));
    let mut conn: MultiplexedConnection = match r
        .client
        .get_multiplexed_async_connection_with_config(&config)
        .await
    {
        Ok(conn) => conn,
        Err(e) => return e.to_string(),
    };
    if last.is_none() {
        // Node reads from `$`; the id it stands for, taken once, so that
        // entries written while this reader reconnects are read too.
        let reply: redis::RedisResult<redis::Value> = redis::cmd("XREVRANGE")
            .arg(&r.stream)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await;
        match reply {
            Ok(reply) => {
                let id = entry::parse_range(&reply, usize::MAX)
                    .into_iter()
                    .next()
                    .map_or_else(|| "0-0".to_owned(), |(id, _)| id);
                *last = Some(id);
            }
            Err(e) => return e.to_string(),
        }
    }
    if let Some(ready) = r.ready.take() {
        let _ = ready.send(Ok(()));
    }
    let block = u64::try_from(r.config.block_time.as_millis()).unwrap_or(u64::MAX);
    loop {
        let from = last.clone().unwrap_or_else(|| "$".to_owned());
        let reply: redis::RedisResult<redis::Value> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(r.config.read_count)
            .arg("BLOCK")
            .arg(block)
            .arg("STREAMS")
            .arg(&r.stream)
            .arg(&from)
            .query_async(&mut conn)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => return e.to_string(),
        };
        *backoff = FIRST_BACKOFF;
        for (id, entry) in entry::parse_read(&reply, r.shared.max_message_size) {
            *last = Some(id);
            if let Some(entry) = entry {
                let sink = r.shared.namespaces.lock().get(&entry.nsp).cloned();
                if let Some(sink) = sink.and_then(|s| s.upgrade()) {
                    sink.stream_entry(entry);
                }
            }
        }
    }
}
