//! Tests: two adapters on an in-process bus, and golden vectors captured
//! from Node.

mod bus;
mod flow;
mod golden;
mod heartbeat;
