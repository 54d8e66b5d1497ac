//! sio: a Socket.IO server that mounts as tower middleware on any axum
//! router.

#![forbid(unsafe_code)]
