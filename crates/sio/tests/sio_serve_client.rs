//! `serve_client`: the client bundle is served under the server's path with
//! Node's headers (ETag from the client version, `Cache-Control`, content
//! types, 304 on a matching `If-None-Match`), gzip when accepted, 404 for a
//! known name that is missing, and every other path left to the inner
//! router.

use std::io::Read as _;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::SocketIo;
use tower::ServiceExt as _;

/// A fake `socket.io-client` package: `package.json` and `dist/` with two
/// of the files.
fn fake_package(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("sio-serve-client-{tag}-{}", std::process::id()));
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        root.join("package.json"),
        r#"{"name":"socket.io-client","version":"4.8.1"}"#,
    )
    .unwrap();
    std::fs::write(
        dist.join("socket.io.js"),
        "/* client */ var io = 1;\n".repeat(200),
    )
    .unwrap();
    std::fs::write(dist.join("socket.io.min.js.map"), r#"{"version":3}"#).unwrap();
    std::fs::write(root.join("secret.txt"), "secret").unwrap();
    dist
}

fn app(dist: PathBuf) -> Router {
    let io = SocketIo::builder().serve_client(dist).build();
    Router::new()
        .fallback(|| async { (StatusCode::IM_A_TEAPOT, "inner") })
        .layer(io.layer())
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, body)
}

#[tokio::test]
async fn serves_the_bundle_with_node_headers() {
    let dist = fake_package("ok");
    let app = app(dist.clone());
    let (status, headers, body) = call(&app, Method::GET, "/socket.io/socket.io.js?v=1", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, std::fs::read(dist.join("socket.io.js")).unwrap());
    assert_eq!(
        headers["content-type"],
        "application/javascript; charset=utf-8"
    );
    assert_eq!(headers["cache-control"], "public, max-age=0");
    assert_eq!(headers["etag"], "\"4.8.1\"");
    assert!(headers.get("content-encoding").is_none());

    let (status, headers, body) =
        call(&app, Method::GET, "/socket.io/socket.io.min.js.map", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(body, br#"{"version":3}"#);
}

#[tokio::test]
async fn matching_if_none_match_gets_304() {
    let app = app(fake_package("etag"));
    for tag in ["\"4.8.1\"", "W/\"4.8.1\""] {
        let (status, _, body) = call(
            &app,
            Method::GET,
            "/socket.io/socket.io.js",
            &[("if-none-match", tag)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{tag}");
        assert!(body.is_empty());
    }
    let (status, _, _) = call(
        &app,
        Method::GET,
        "/socket.io/socket.io.js",
        &[("if-none-match", "\"4.7.0\"")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn gzip_when_accepted_and_head_has_no_body() {
    let dist = fake_package("gzip");
    let app = app(dist.clone());
    let (status, headers, body) = call(
        &app,
        Method::GET,
        "/socket.io/socket.io.js",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, std::fs::read(dist.join("socket.io.js")).unwrap());

    let (status, headers, body) = call(&app, Method::HEAD, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["etag"], "\"4.8.1\"");
    assert!(body.is_empty());
}

#[tokio::test]
async fn missing_file_is_404_and_other_paths_go_to_the_inner_router() {
    let app = app(fake_package("paths"));
    let (status, _, _) = call(&app, Method::GET, "/socket.io/socket.io.min.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for uri in [
        "/socket.io/../secret.txt",
        "/socket.io/%2e%2e/secret.txt",
        "/socket.io/dist/socket.io.js",
        "/socket.io/package.json",
        "/socket.iosocket.io.js",
        "/other/socket.io.js",
    ] {
        let (status, _, body) = call(&app, Method::GET, uri, &[]).await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT, "{uri}");
        assert_eq!(body, b"inner");
    }
    let (status, _, _) = call(&app, Method::POST, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);
}

#[tokio::test]
async fn without_the_option_nothing_is_served() {
    let io = SocketIo::builder().build();
    let app = Router::new()
        .fallback(|| async { (StatusCode::IM_A_TEAPOT, "inner") })
        .layer(io.layer());
    let (status, _, _) = call(&app, Method::GET, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);
}

#[tokio::test]
async fn without_a_version_the_etag_is_a_content_hash() {
    let dist = fake_package("hash");
    std::fs::remove_file(dist.parent().unwrap().join("package.json")).unwrap();
    let app = app(dist);
    let (status, headers, _) = call(&app, Method::GET, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 18,
        "{etag}"
    );
    let (status, _, _) = call(
        &app,
        Method::GET,
        "/socket.io/socket.io.js",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}
