//! Tests of the in-memory adapter against a fake namespace that records
//! what it is asked to do.

mod ack;
mod broadcast;
mod fake;
mod model;
mod operations;
mod rooms_watch;
mod session;
