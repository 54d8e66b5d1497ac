//! Serving the admin UI's static files from a directory installed with
//! npm (`npm i @socket.io/admin-ui`: `node_modules/@socket.io/admin-ui/ui/dist`).

use std::path::PathBuf;

use tower_http::services::ServeDir;

/// A tower service serving the admin UI's built files from `dir` (the
/// `ui/dist` directory of the npm package `@socket.io/admin-ui`), to mount
/// under any prefix: the UI's links are relative and its router uses the
/// URL's fragment, so no fallback is needed.
///
/// ```no_run
/// let dir = "node_modules/@socket.io/admin-ui/ui/dist";
/// let app: axum::Router = axum::Router::new().nest_service("/admin-ui", sio::admin::ui_files(dir));
/// # let _ = app;
/// ```
///
/// Opt-in: sio ships no copy of the UI. Serve it from the instrumented
/// server (same origin, no CORS), or use the hosted UI (see
/// `docs/guide.md`, which needs CORS with credentials). A missing
/// directory is logged at warn level, and its requests get 404.
pub fn ui_files(dir: impl Into<PathBuf>) -> ServeDir {
    let dir = dir.into();
    if !dir.join("index.html").is_file() {
        tracing::warn!(dir = %dir.display(), "admin UI: no index.html in this directory");
    }
    ServeDir::new(dir).append_index_html_on_directories(true)
}
