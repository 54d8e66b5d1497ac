//! The query connection: NOTIFY, the attachments table (insert, select,
//! cleanup). One connection per server, shared by every namespace (the
//! client pipelines concurrent queries); it is opened on first use and
//! opened again on the next use after it failed.

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
    conn: tokio::sync::Mutex<Option<Arc<Conn>>>,
}

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
            conn: tokio::sync::Mutex::new(None),
        }
    }

    async fn conn(&self) -> Result<Arc<Conn>, AdapterError> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(conn.clone());
        }
        *slot = None;
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
        let conn = Arc::new(conn);
        *slot = Some(conn.clone());
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
