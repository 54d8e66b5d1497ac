//! The query connection: NOTIFY, the attachments table (insert, select,
//! cleanup). One connection per server, shared by every namespace (the
//! client pipelines concurrent queries, and one sender's messages keep
//! their order); it is opened on first use and opened again on the next
//! use after it failed. After a failed attempt, uses fail at once with its
//! error until a backoff has passed (100 ms, doubling up to 5 s), so that
//! a database that does not answer does not hold every broadcast for a
//! connection timeout.

use std::sync::Arc;
use std::time::Duration;

use sio_adapter::AdapterError;
use tokio_postgres::{Client, NoTls, Statement};

use crate::PostgresAdapterConfig;
use crate::sql;

/// An open connection and its prepared statements.
struct Conn {
    client: Client,
    notify: Statement,
    insert: Statement,
    select: Statement,
    cleanup: Statement,
}

/// The shared query connection.
pub(crate) struct Publisher {
    pg: tokio_postgres::Config,
    config: PostgresAdapterConfig,
    /// Held while (re)connecting, so that concurrent callers wait for one
    /// attempt instead of each opening a connection.
    conn: tokio::sync::Mutex<Slot>,
}

/// The connection, or why the last attempt failed and when to try again.
#[derive(Default)]
struct Slot {
    conn: Option<Arc<Conn>>,
    failed: Option<Failure>,
}

struct Failure {
    error: AdapterError,
    retry_at: tokio::time::Instant,
    backoff: Duration,
}

/// First pause after a failed connection attempt.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub(crate) fn transport(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transport(format!("postgres: {e}"))
}

/// `fut`, failing with a transport error after `deadline`.
pub(crate) async fn within<T, E: std::fmt::Display>(
    deadline: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, AdapterError> {
    match tokio::time::timeout(deadline, fut).await {
        Ok(result) => result.map_err(transport),
        Err(_) => Err(transport(format_args!("no answer within {deadline:?}"))),
    }
}

impl Publisher {
    pub(crate) fn new(pg: tokio_postgres::Config, config: PostgresAdapterConfig) -> Self {
        Self {
            pg,
            config,
            conn: tokio::sync::Mutex::default(),
        }
    }

    async fn conn(&self) -> Result<Arc<Conn>, AdapterError> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.conn.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(conn.clone());
        }
        slot.conn = None;
        if let Some(failed) = &slot.failed
            && tokio::time::Instant::now() < failed.retry_at
        {
            return Err(failed.error.clone());
        }
        match self.open().await {
            Ok(conn) => {
                let conn = Arc::new(conn);
                slot.conn = Some(conn.clone());
                slot.failed = None;
                Ok(conn)
            }
            Err(error) => {
                let backoff = slot
                    .failed
                    .as_ref()
                    .map_or(MIN_BACKOFF, |f| (f.backoff * 2).min(MAX_BACKOFF));
                slot.failed = Some(Failure {
                    error: error.clone(),
                    retry_at: tokio::time::Instant::now() + backoff,
                    backoff,
                });
                Err(error)
            }
        }
    }

    /// Opens a connection, creates the table if missing, prepares the
    /// statements.
    async fn open(&self) -> Result<Conn, AdapterError> {
        let deadline = self.config.requests_timeout;
        let (client, connection) = within(deadline, self.pg.connect(NoTls)).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("postgres adapter: query connection ended: {e}");
            }
        });
        let table = &self.config.table_name;
        if let Err(e) = within(deadline, client.batch_execute(&sql::create_table(table))).await {
            // Another server may be creating it at the same moment, or this
            // role may not create tables: the statements below tell.
            tracing::debug!("postgres adapter: creating table {table}: {e}");
        }
        let conn = Conn {
            notify: within(deadline, client.prepare(sql::NOTIFY)).await?,
            insert: within(deadline, client.prepare(&sql::insert(table))).await?,
            select: within(deadline, client.prepare(&sql::select(table))).await?,
            cleanup: within(deadline, client.prepare(&sql::cleanup(table))).await?,
            client,
        };
        Ok(conn)
    }

    /// Sends `payload` on `channel`.
    pub(crate) async fn notify(&self, channel: &str, payload: &str) -> Result<(), AdapterError> {
        let conn = self.conn().await?;
        within(
            self.config.requests_timeout,
            conn.client.execute(&conn.notify, &[&channel, &payload]),
        )
        .await
        .map(drop)
    }

    /// Stores `payload` in the attachments table, then sends the header
    /// made from its row id on `channel`.
    pub(crate) async fn notify_with_attachment(
        &self,
        channel: &str,
        payload: &[u8],
        header: impl FnOnce(i64) -> String,
    ) -> Result<(), AdapterError> {
        let conn = self.conn().await?;
        let deadline = self.config.requests_timeout;
        let row = within(deadline, conn.client.query_one(&conn.insert, &[&payload])).await?;
        let id: i64 = row.try_get(0).map_err(transport)?;
        let header = header(id);
        let header = header.as_str();
        within(
            deadline,
            conn.client.execute(&conn.notify, &[&channel, &header]),
        )
        .await
        .map(drop)
    }

    /// Reads attachment `id`; `Ok(None)` when there is no such row or it is
    /// larger than the configured limit.
    pub(crate) async fn attachment(&self, id: i64) -> Result<Option<Vec<u8>>, AdapterError> {
        let conn = self.conn().await?;
        let limit = i32::try_from(self.config.max_attachment_size).unwrap_or(i32::MAX);
        let row = within(
            self.config.requests_timeout,
            conn.client.query_opt(&conn.select, &[&id, &limit]),
        )
        .await?;
        match row {
            Some(row) => Ok(row.try_get::<_, Option<Vec<u8>>>(0).map_err(transport)?),
            None => Ok(None),
        }
    }

    /// Deletes the rows older than the cleanup interval; returns how many.
    pub(crate) async fn cleanup(&self) -> Result<u64, AdapterError> {
        let conn = self.conn().await?;
        let age = self.config.cleanup_interval.as_secs_f64();
        within(
            self.config.requests_timeout,
            conn.client.execute(&conn.cleanup, &[&age]),
        )
        .await
    }
}
