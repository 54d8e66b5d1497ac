//! Shared application state handed to handlers through [`State`](crate::State),
//! and the check, at `build()`, that every state a handler extracts was
//! registered.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;

/// Values registered with
/// [`SocketIoBuilder::with_state`](crate::SocketIoBuilder::with_state), one
/// per type. Frozen once the server is built.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl StateMap {
    /// Stores `value`; false when a value of its type was already there
    /// (it is then replaced, and `build()` refuses the builder).
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> bool {
        self.0.insert(TypeId::of::<T>(), Box::new(value)).is_none()
    }

    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref())
    }

    /// Whether a value of the type `ty` names is registered.
    pub(crate) fn has(&self, ty: &StateType) -> bool {
        self.0.contains_key(&ty.id)
    }
}

impl fmt::Debug for StateMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateMap")
            .field("len", &self.0.len())
            .finish()
    }
}

/// A state type an extractor reads: what `build()` checks was registered.
/// Not part of the API (it appears in the hidden methods of the extractor
/// and handler traits).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateType {
    id: TypeId,
    name: &'static str,
}

impl StateType {
    /// The state type `T`.
    pub fn of<T: 'static>() -> Self {
        Self {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }

    /// Its Rust name (for the server's logs and build errors, never sent
    /// to a client).
    pub fn name(&self) -> &'static str {
        self.name
    }
}
