//! The engine's hooks on [`SocketIoBuilder`]: allow-request, the session-id
//! generator, the response-header hooks and the connection-error hook,
//! each forwarding to the [`EngineConfig`](crate::EngineConfig) setter of
//! the same name.

use std::future::Future;

use http::HeaderMap;
use http::request::Parts;

use super::SocketIoBuilder;
use crate::ConnectionError;

impl SocketIoBuilder {
    /// Node's `allowRequest`: an async check run on every handshake with
    /// the request's head; `false` answers 403 `{"code":4,"message":"Forbidden"}`
    /// (a panicking hook counts as `false`). Default: none. See
    /// [`EngineConfig::allow_request`](crate::EngineConfig::allow_request).
    pub fn allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.engine = self.engine.allow_request(hook);
        self
    }

    /// Node's `generateId(req)`: an async generator of Engine.IO session
    /// ids, given the head of the handshake request (1 to 128 characters
    /// of `A-Z a-z 0-9 - _ . ~`, unique; otherwise the handshake gets
    /// 500). Default: 20 random bytes, base64url. See
    /// [`EngineConfig::id_generator`](crate::EngineConfig::id_generator).
    pub fn id_generator<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = String> + Send + 'static,
    {
        self.engine = self.engine.id_generator(hook);
        self
    }

    /// Node's `initial_headers` event: edits the headers of each
    /// handshake response (e.g. to set a cookie). Default: none. See
    /// [`EngineConfig::initial_headers`](crate::EngineConfig::initial_headers).
    pub fn initial_headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    {
        self.engine = self.engine.initial_headers(hook);
        self
    }

    /// Node's `headers` event: edits the headers of every successful engine
    /// response. Default: none. See
    /// [`EngineConfig::headers`](crate::EngineConfig::headers).
    pub fn headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    {
        self.engine = self.engine.headers(hook);
        self
    }

    /// Node's `connection_error` event: hears every refused request with
    /// Node's code (0–5), message and the request head. Default: none. See
    /// [`EngineConfig::on_connection_error`](crate::EngineConfig::on_connection_error).
    pub fn on_connection_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(&ConnectionError<'_>) + Send + Sync + 'static,
    {
        self.engine = self.engine.on_connection_error(hook);
        self
    }
}
