//! The end-to-end server that the protocol suites, real clients and load
//! tests run against (its behaviour is fixed by `e2e-server.md`):
//! `GET /health`, a bare Engine.IO echo endpoint on `/engine.io/`, and
//! the Socket.IO server on `/socket.io/`.
//!
//! ```text
//! cargo run --release --example e2e_server -- [--port 3000] [--host 127.0.0.1]
//!     [--recovery] [--redis redis://127.0.0.1:6379/] [--node-name NAME]
//!     [--deflate] [--flood-limit] [--admin-ui] [--redis-sharded redis://127.0.0.1:6379/]
//!     [--redis-streams redis://127.0.0.1:6379/]
//!     [--postgres postgres://postgres@127.0.0.1:5432/test]
//! ```

#[path = "e2e_server_api.rs"]
mod api;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use serde::Deserialize;
use serde_json::json;
use sio::{
    AckSender, Args, BroadcastError, BroadcastOperators, CloseReason, ConnHandler, ConnectError,
    ConnectionLimit, ConnectionStateRecovery, Data, EmitError, EngineConfig, EngineHandler,
    EngineIoLayer, EngineSocket, EventRateLimit, Message, Ns, OverLimit, PerMessageDeflate,
    SocketIo, SocketRef, State, Value,
};

/// Command-line options.
#[derive(Debug)]
struct Cli {
    host: String,
    port: u16,
    /// Connection-state recovery (used by the Socket.IO part).
    recovery: bool,
    /// Redis adapter URL (used by the Socket.IO part).
    redis: Option<String>,
    /// Sharded Redis adapter URL (a single Redis or a node of a Redis
    /// Cluster).
    redis_sharded: Option<String>,
    /// Redis Streams adapter URL.
    redis_streams: Option<String>,
    /// Postgres adapter URL.
    postgres: Option<String>,
    /// This server's name in a cluster (default `node-PORT`).
    node_name: Option<String>,
    /// WebSocket per-message deflate on both endpoints.
    deflate: bool,
    /// Flood protection on the Socket.IO part.
    flood_limit: bool,
    /// The Admin UI on `/monitor` (admin / secret).
    admin_ui: bool,
}

fn parse_args() -> Result<Cli, String> {
    let port = std::env::var("PORT").ok();
    let mut args = Cli {
        host: "127.0.0.1".to_owned(),
        port: port
            .as_deref()
            .unwrap_or("3000")
            .parse()
            .map_err(|_| "invalid PORT")?,
        recovery: false,
        redis: None,
        redis_sharded: None,
        redis_streams: None,
        postgres: None,
        node_name: None,
        deflate: false,
        flood_limit: false,
        admin_ui: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value()?.parse().map_err(|_| "invalid --port")?,
            "--host" => args.host = value()?,
            "--recovery" => args.recovery = true,
            "--redis" => args.redis = Some(value()?),
            "--redis-sharded" => args.redis_sharded = Some(value()?),
            "--redis-streams" => args.redis_streams = Some(value()?),
            "--postgres" => args.postgres = Some(value()?),
            "--node-name" => args.node_name = Some(value()?),
            "--deflate" => args.deflate = true,
            "--flood-limit" => args.flood_limit = true,
            "--admin-ui" => args.admin_ui = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let adapters = [
        &args.redis,
        &args.redis_sharded,
        &args.redis_streams,
        &args.postgres,
    ];
    if adapters.iter().filter(|a| a.is_some()).count() > 1 {
        return Err("at most one adapter flag".into());
    }
    Ok(args)
}

/// The `/engine.io/` endpoint: echoes every message on its session, text
/// as text and binary as binary.
struct Echo;

struct EchoConn(EngineSocket);

impl EngineHandler for Echo {
    type Conn = EchoConn;

    fn on_open(&self, socket: EngineSocket) -> EchoConn {
        EchoConn(socket)
    }
}

impl ConnHandler for EchoConn {
    fn on_message(&mut self, msg: Message) {
        let _ = self.0.send(msg);
    }

    fn on_close(&mut self, _reason: CloseReason) {}
}

/// Settings shared by both endpoints; `deflate`: per-message deflate on,
/// with Node's threshold (1024 bytes).
fn engine_config(deflate: bool) -> EngineConfig {
    EngineConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_payload(1_000_000)
        .allow_eio3(true)
        .per_message_deflate(deflate.then(PerMessageDeflate::default))
}

/// Waits at most this long for acknowledgements (`ask`, `emit-all-ack`,
/// `servers`).
const ACK_TIMEOUT: Duration = Duration::from_millis(1000);

/// The cluster adapter of `--redis`, `--redis-sharded`, `--redis-streams` or
/// `--postgres`.
enum Cluster {
    Redis(sio_redis::RedisAdapterFactory),
    Sharded(sio_redis::ShardedAdapterFactory),
    Streams(sio_redis::streams::RedisStreamsAdapterFactory),
    Postgres(sio_postgres::PostgresAdapterFactory),
}

/// Connects the adapter the flags ask for.
async fn cluster(args: &Cli) -> Result<Option<Cluster>, String> {
    if let Some(url) = &args.redis {
        let factory = sio_redis::RedisAdapterFactory::connect(url).await;
        return factory
            .map(|f| Some(Cluster::Redis(f)))
            .map_err(|e| format!("redis at {url}: {e}"));
    }
    if let Some(url) = &args.redis_sharded {
        let config = sio_redis::ShardedConfig::default();
        let factory = sio_redis::ShardedAdapterFactory::connect(url, config).await;
        return factory
            .map(|f| Some(Cluster::Sharded(f)))
            .map_err(|e| format!("sharded redis at {url}: {e}"));
    }
    if let Some(url) = &args.redis_streams {
        let factory = sio_redis::streams::RedisStreamsAdapterFactory::connect(url).await;
        return factory
            .map(|f| Some(Cluster::Streams(f)))
            .map_err(|e| format!("redis streams at {url}: {e}"));
    }
    if let Some(url) = &args.postgres {
        return postgres_adapter(url)
            .await
            .map(|f| Some(Cluster::Postgres(f)))
            .map_err(|e| format!("postgres at {url}: {e}"));
    }
    Ok(None)
}

/// The Postgres adapter at `url`. When PostgreSQL does not answer within
/// 5 s the server starts anyway, alone, and the adapter keeps retrying.
async fn postgres_adapter(url: &str) -> Result<sio_postgres::PostgresAdapterFactory, String> {
    let config = sio_postgres::PostgresAdapterConfig::default();
    let factory =
        sio_postgres::PostgresAdapterFactory::new(url, config).map_err(|e| e.to_string())?;
    if let Err(e) = factory.connected(Duration::from_secs(5)).await {
        eprintln!("e2e_server: postgres at {url}: {e}; serving alone, retrying in the background");
    }
    Ok(factory)
}

/// The `/socket.io/` server of the contract.
fn socket_io(node_name: String, args: &Cli, cluster: Option<Cluster>) -> SocketIo {
    let every = Ns::new(on_connect);
    let whoami = Value::from(node_name.as_str());
    let main = MainIo::default();
    let mut builder = SocketIo::builder();
    match cluster {
        Some(Cluster::Redis(redis)) => builder = builder.adapter(redis),
        Some(Cluster::Sharded(sharded)) => builder = builder.adapter(sharded),
        Some(Cluster::Streams(streams)) => builder = builder.adapter(streams),
        Some(Cluster::Postgres(postgres)) => builder = builder.adapter(postgres),
        None => {}
    }
    if args.recovery {
        builder = builder.connection_state_recovery(
            ConnectionStateRecovery::default()
                .max_disconnection_duration(Duration::from_millis(2000)),
        );
    }
    if args.flood_limit {
        // 100 events a second, burst 100, acks of the rest answered with
        // `{"message":"rate limited"}`; 50 sessions per address, 429 past it
        // (the handshake rate is left wide open: the contract has none).
        // Not in the contract: SIO_E2E_FLOOD_RATE=N (events a second,
        // burst, and sessions per address) lets the bench measure the
        // checks' cost at limits that never trigger.
        let bench = std::env::var("SIO_E2E_FLOOD_RATE")
            .ok()
            .and_then(|v| v.parse::<u32>().ok());
        let (events, sessions) = match bench {
            Some(n) => (EventRateLimit::new(n, n), n),
            None => (EventRateLimit::default(), 50),
        };
        builder = builder.event_rate_limit(events).connection_limit(
            ConnectionLimit::default()
                .sessions(sessions)
                .handshakes(10_000, 10_000),
        );
    }
    if args.admin_ui {
        // The bcrypt hash (cost 10) of the password `secret`.
        let hash = "$2a$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga";
        match sio::admin::AdminUi::basic_auth("admin", hash) {
            Ok(ui) => {
                builder = builder.instrument(ui.namespace("/monitor").server_id(node_name.clone()))
            }
            Err(e) => tracing::error!("admin UI not instrumented: {e}"),
        }
    }
    // Not in the contract: `/api` serves tests/js/socketio/api.test.mjs
    // (listener API), and only when tests/run-e2e.sh sets SIO_E2E_API=1.
    if std::env::var_os("SIO_E2E_API").is_some_and(|v| v == "1") {
        builder = builder.namespace("/api", api::ns());
        // tests/js/flood: the other policies, on namespaces of their own.
        if args.flood_limit {
            for (name, policy) in [
                ("/flood-drop", OverLimit::Drop),
                ("/flood-warn", OverLimit::warn()),
                ("/flood-disconnect", OverLimit::Disconnect),
            ] {
                let limit = EventRateLimit::default().policy(policy);
                builder = builder.namespace(name, every.clone().event_rate_limit(limit));
            }
        }
    }
    let io = builder
        .engine(engine_config(args.deflate).path("/socket.io/"))
        .max_buffer(1024)
        .connect_timeout(Duration::from_millis(1000))
        .on_server_side("whoami", move |_| {
            let name = whoami.clone();
            async move { vec![name] }
        })
        .namespace("/", every.clone())
        .namespace("/custom", every.clone())
        .namespace("/admin", every.clone().middleware(admin_only))
        .dyn_namespace_pattern(r"^/dyn-[A-Za-z0-9_-]+$", every)
        .with_state(NodeName(node_name))
        .with_state(main.clone())
        .build();
    let _ = main.0.set(io.clone());
    io
}

/// This server's name in a cluster.
#[derive(Debug, Clone)]
struct NodeName(String);

/// The server itself, for handlers that act on the main namespace (set
/// once it is built; it lives as long as the process).
#[derive(Debug, Clone, Default)]
struct MainIo(Arc<OnceLock<SocketIo>>);

/// `/admin` admits only `{"token": "secret"}`.
async fn admin_only(Data(auth): Data<serde_json::Value>) -> Result<(), ConnectError> {
    if auth.get("token") == Some(&json!("secret")) {
        Ok(())
    } else {
        Err(ConnectError::new("unauthorized").with_data(json!({ "code": 401 })))
    }
}

/// A room or a list of rooms.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Rooms {
    One(String),
    Many(Vec<String>),
}

fn sorted_rooms(socket: &SocketRef) -> Vec<String> {
    let mut rooms: Vec<String> = socket.rooms().iter().map(ToString::to_string).collect();
    rooms.sort();
    rooms
}

/// Splits `[name, ...rest]` off an argument list.
fn split_event(args: Vec<Value>) -> Option<(String, Vec<Value>)> {
    let mut args = args.into_iter();
    let name = args.next()?.as_str()?.to_owned();
    Some((name, args.collect()))
}

async fn on_connect(socket: SocketRef) -> Result<(), EmitError> {
    socket.on(
        "message",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            socket.emit_args("message-back", &args)
        },
    );
    socket.on(
        "message-with-ack",
        |Args(args): Args<Vec<Value>>, ack: AckSender| async move { ack.send_args(&args) },
    );
    socket.on(
        "join",
        |socket: SocketRef, Data(rooms): Data<Rooms>, ack: AckSender| async move {
            match rooms {
                Rooms::One(room) => socket.join(room),
                Rooms::Many(rooms) => socket.join(rooms),
            }
            ack.send(&sorted_rooms(&socket))
        },
    );
    socket.on(
        "leave",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            socket.leave(room);
            ack.send(&sorted_rooms(&socket))
        },
    );
    socket.on("rooms", |socket: SocketRef, ack: AckSender| async move {
        ack.send(&sorted_rooms(&socket))
    });
    socket.on(
        "to",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            let Some((room, rest)) = split_event(args) else {
                return Ok(());
            };
            if let Some((event, rest)) = split_event(rest) {
                socket.within_ns().to(room).emit_args(&event, &rest).await?;
            }
            Ok::<_, BroadcastError>(())
        },
    );
    socket.on(
        "broadcast",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            if let Some((event, rest)) = split_event(args) {
                socket.broadcast().emit_args(&event, &rest).await?;
            }
            Ok::<_, BroadcastError>(())
        },
    );
    socket.on(
        "emit-all",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            if let Some((event, rest)) = split_event(args) {
                socket.within_ns().emit_args(&event, &rest).await?;
            }
            Ok::<_, BroadcastError>(())
        },
    );
    socket.on(
        "ask",
        |socket: SocketRef, Args(args): Args<Vec<Value>>, ack: AckSender| async move {
            let Some((event, rest)) = split_event(args) else {
                return Ok(());
            };
            let reply = socket
                .timeout(ACK_TIMEOUT)
                .emit_args_with_ack::<_, Args<Vec<Value>>>(&event, &rest);
            match reply.await {
                Ok(Args(reply)) => ack.send_args(
                    &std::iter::once(Value::Null)
                        .chain(reply)
                        .collect::<Vec<_>>(),
                ),
                Err(_) => ack.send(&"timeout"),
            }
        },
    );
    socket.on("count", |socket: SocketRef, ack: AckSender| async move {
        let count = socket
            .within_ns()
            .socket_ids()
            .await
            .map_or(0, |ids| ids.len());
        ack.send(&count)
    });
    socket.on(
        "disconnect-me",
        |socket: SocketRef, Data(close): Data<Option<bool>>| async move {
            socket.disconnect(close.unwrap_or(false));
        },
    );
    socket.on(
        "sockets",
        |socket: SocketRef, Data(room): Data<Option<String>>, ack: AckSender| async move {
            let mut ids: Vec<String> = in_room(&socket, room)
                .socket_ids()
                .await
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect();
            ids.sort();
            ack.send(&ids)
        },
    );
    socket.on("sockets-join", |socket: SocketRef, Args((room, target)): Args<(String, String)>, ack: AckSender| async move {
        socket.within_ns().to(room).join(target).await?;
        ack.send(&())?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });
    socket.on("sockets-leave", |socket: SocketRef, Args((room, target)): Args<(String, String)>, ack: AckSender| async move {
        socket.within_ns().to(room).leave(target).await?;
        ack.send(&())?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });
    socket.on(
        "disconnect-sockets",
        |socket: SocketRef, Args((room, close)): Args<(String, Option<bool>)>, ack: AckSender| async move {
            socket.within_ns().to(room).disconnect(close.unwrap_or(false)).await?;
            ack.send(&())?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        },
    );
    socket.on(
        "emit-all-ack",
        |socket: SocketRef, Args(args): Args<Vec<Value>>, ack: AckSender| async move {
            let Some((event, rest)) = split_event(args) else {
                return Ok(());
            };
            let Ok(collected) = socket
                .within_ns()
                .timeout(ACK_TIMEOUT)
                .emit_args_with_ack::<_, Args<Vec<Value>>>(&event, &rest)
                .await
            else {
                return Ok(());
            };
            let complete = collected.complete;
            let mut replies: Vec<(String, Value)> = collected
                .values()
                .into_iter()
                .filter_map(|Args(args)| args.into_iter().next())
                .map(|v| (serde_json::to_string(&v).unwrap_or_default(), v))
                .collect();
            replies.sort_by(|a, b| a.0.cmp(&b.0));
            let replies: Vec<Value> = replies.into_iter().map(|(_, v)| v).collect();
            let status = if complete {
                Value::Null
            } else {
                Value::from("timeout")
            };
            ack.send_args(&(status, replies))
        },
    );
    socket.on(
        "servers",
        |State(NodeName(me)): State<NodeName>, State(main): State<MainIo>, ack: AckSender| async move {
            // On the main namespace whatever this socket's (Node's
            // `io.serverSideEmitWithAck`): a Node server of the cluster
            // answers there only.
            let whoami = vec![Value::from("whoami")];
            let answers = match main.0.get() {
                Some(io) => io.server_side_emit_with_ack(whoami, ACK_TIMEOUT).await.ok(),
                None => None,
            };
            let mut names: Vec<String> = answers
                .map(|c| c.responses)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| r.args.first().and_then(Value::as_str).map(str::to_owned))
                .collect();
            names.push(me);
            names.sort();
            ack.send(&names)
        },
    );
    socket.emit("auth", &socket.handshake().auth)
}

/// The sockets of `room`, or of the whole namespace.
fn in_room(socket: &SocketRef, room: Option<String>) -> BroadcastOperators {
    match room {
        Some(room) => socket.within_ns().to(room),
        None => socket.within_ns(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("e2e_server: {e}");
            return ExitCode::from(2);
        }
    };
    let node_name = args
        .node_name
        .clone()
        .unwrap_or_else(|| format!("node-{}", args.port));
    tracing::info!(
        %node_name,
        recovery = args.recovery,
        deflate = args.deflate,
        flood_limit = args.flood_limit,
        redis = ?args.redis,
        redis_sharded = ?args.redis_sharded,
        redis_streams = ?args.redis_streams,
        postgres = ?args.postgres,
        "starting"
    );

    let engine = EngineIoLayer::new(engine_config(args.deflate), Echo);
    let cluster = match cluster(&args).await {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("e2e_server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let io = socket_io(node_name, &args, cluster);
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(engine.clone())
        .layer(io.layer());

    let listener = match tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "e2e_server: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("listening on http://{}:{port}", args.host);
    let _ = std::io::stdout().flush();

    let shutdown = async move {
        shutdown_signal().await;
        tokio::join!(io.close(), engine.shutdown());
    };
    // The peer address reaches the handshake (`--flood-limit` counts
    // sessions per address).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e_server: {e}");
            ExitCode::FAILURE
        }
    }
}
