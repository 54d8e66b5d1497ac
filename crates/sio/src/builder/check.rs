//! The checks of [`SocketIoBuilder::try_build`]: every state type a
//! connection handler or middleware extracts was registered, and no type
//! was registered twice. They run once, before any client connects.

use std::sync::Arc;

use super::SocketIoBuilder;
use crate::handler::ErasedMiddleware;
use crate::state::{StateMap, StateType};

/// Why [`SocketIoBuilder::try_build`] refused its settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A handler or middleware extracts `State<T>` of a type never given to
    /// [`with_state`](SocketIoBuilder::with_state): register it.
    #[error(
        "{handler} extracts State<{state}>, but no value of that type was given to SocketIoBuilder::with_state"
    )]
    MissingState {
        /// Which handler, e.g. "the connection handler of namespace `/chat`".
        handler: String,
        /// The state's Rust type.
        state: &'static str,
    },
    /// Two values of one type were given to
    /// [`with_state`](SocketIoBuilder::with_state): a handler could only
    /// get one of them. Wrap them in distinct types (`struct Db(Pool)`), or
    /// put them in one struct.
    #[error(
        "SocketIoBuilder::with_state was given two values of type {0}: there is one value per type"
    )]
    DuplicateState(&'static str),
}

impl SocketIoBuilder {
    /// Runs the checks of `try_build` on the settings as they are.
    pub(super) fn check(&self) -> Result<(), BuildError> {
        if let Some(name) = self.duplicate_states.first() {
            return Err(BuildError::DuplicateState(name));
        }
        let state = &self.state;
        middlewares(state, &self.middlewares, "global middleware", "")?;
        let exact = self
            .exact
            .iter()
            .map(|(name, _)| format!("namespace `{name}`"));
        let dynamic = (1..).map(|i| format!("dynamic namespace family #{i}"));
        let namespaces = exact.zip(&self.exact).map(|(n, (_, ns))| (n, ns));
        let families = dynamic.zip(&self.dynamic).map(|(n, (_, ns))| (n, ns));
        for (name, ns) in namespaces.chain(families) {
            let handlers = &ns.handlers;
            let what = format!("the connection handler of {name}");
            missing(state, handlers.connect.state_types(), what)?;
            middlewares(state, &handlers.middlewares, "middleware", &name)?;
        }
        Ok(())
    }
}

fn middlewares(
    state: &StateMap,
    list: &[Arc<dyn ErasedMiddleware>],
    kind: &str,
    ns: &str,
) -> Result<(), BuildError> {
    for (i, middleware) in list.iter().enumerate() {
        let of = if ns.is_empty() {
            String::new()
        } else {
            format!(" of {ns}")
        };
        let what = format!("{kind} #{}{of}", i + 1);
        missing(state, middleware.state_types(), what)?;
    }
    Ok(())
}

fn missing(state: &StateMap, types: Vec<StateType>, handler: String) -> Result<(), BuildError> {
    match types.into_iter().find(|ty| !state.has(ty)) {
        Some(ty) => Err(BuildError::MissingState {
            handler,
            state: ty.name(),
        }),
        None => Ok(()),
    }
}
