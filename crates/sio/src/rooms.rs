//! [`IntoRooms`]: what `join`, `leave`, `to` and `except` accept.

use sio_adapter::{Room, SocketId};

/// One room name or several: `"a"`, `String`, [`Room`], a socket's id,
/// `["a", "b"]`, `vec![..]`, `&[..]`.
pub trait IntoRooms {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

impl IntoRooms for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl IntoRooms for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl IntoRooms for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl IntoRooms for Room {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}

impl IntoRooms for &SocketId {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl<T: Into<Room>> IntoRooms for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<Room>, const N: usize> IntoRooms for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<Room> + Clone> IntoRooms for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().cloned().map(Into::into).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_or_many() {
        assert_eq!("a".into_rooms(), vec![Room::from("a")]);
        assert_eq!(["a", "b"].into_rooms().len(), 2);
        assert_eq!(vec!["x".to_owned()].into_rooms(), vec![Room::from("x")]);
    }
}
