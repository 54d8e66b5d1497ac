//! The Socket.IO adapter trait and the in-memory adapter.

#![forbid(unsafe_code)]
