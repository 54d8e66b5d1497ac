//! The room index of one namespace on this server, both ways (room →
//! sockets, socket → rooms), and the resolution of broadcast targets.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::{Room, SocketId};

/// Below this capacity a non-empty table is never shrunk: not worth the
/// reallocation.
const SHRINK_MIN_CAPACITY: usize = 64;

/// Rooms and their sockets. Plain data: the adapter puts it behind a lock.
///
/// A socket stays known (and reached by broadcasts to every socket) from
/// its first [`RoomIndex::add_all`] until [`RoomIndex::del_all`], even when
/// it has left every room, as in Node. A room exists while it has a socket.
#[derive(Debug, Default)]
pub(crate) struct RoomIndex {
    rooms: HashMap<Room, HashSet<SocketId>>,
    sids: HashMap<SocketId, HashSet<Room>>,
}

impl RoomIndex {
    /// Adds `sid` to `rooms`, creating the rooms as needed.
    pub(crate) fn add_all(&mut self, sid: &SocketId, rooms: &[Room]) {
        let own = self.sids.entry(sid.clone()).or_default();
        for room in rooms {
            own.insert(room.clone());
            self.rooms
                .entry(room.clone())
                .or_default()
                .insert(sid.clone());
        }
    }

    /// Removes `sid` from `room`; the room goes when empty.
    pub(crate) fn del(&mut self, sid: &SocketId, room: &Room) {
        if let Some(own) = self.sids.get_mut(sid) {
            own.remove(room);
            shrink_set(own);
        }
        self.leave(sid, room);
    }

    /// Forgets `sid`: it leaves every room.
    pub(crate) fn del_all(&mut self, sid: &SocketId) {
        let Some(own) = self.sids.remove(sid) else {
            return;
        };
        for room in &own {
            self.leave(sid, room);
        }
        shrink_map(&mut self.sids);
    }

    fn leave(&mut self, sid: &SocketId, room: &Room) {
        let Some(members) = self.rooms.get_mut(room) else {
            return;
        };
        members.remove(sid);
        if members.is_empty() {
            self.rooms.remove(room);
            shrink_map(&mut self.rooms);
        } else {
            shrink_set(members);
        }
    }

    /// The rooms of `sid` (empty when unknown).
    pub(crate) fn socket_rooms(&self, sid: &SocketId) -> Vec<Room> {
        self.sids
            .get(sid)
            .map(|rooms| rooms.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every room.
    pub(crate) fn rooms(&self) -> Vec<Room> {
        self.rooms.keys().cloned().collect()
    }

    /// True when `room` exists (has a socket).
    pub(crate) fn has_room(&self, room: &str) -> bool {
        self.rooms.contains_key(room)
    }

    /// Number of rooms.
    pub(crate) fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Number of known sockets.
    pub(crate) fn socket_count(&self) -> usize {
        self.sids.len()
    }

    /// The sockets in any of `rooms` (every known socket when `rooms` is
    /// empty), each once, minus every socket in any of `except`.
    pub(crate) fn targets(&self, rooms: &[Room], except: &[Room]) -> Vec<SocketId> {
        let excluded: HashSet<&SocketId> = except
            .iter()
            .filter_map(|room| self.rooms.get(room))
            .flatten()
            .collect();
        let keep = |sid: &&SocketId| !excluded.contains(*sid);
        match rooms {
            [] => self.sids.keys().filter(keep).cloned().collect(),
            [room] => self
                .rooms
                .get(room)
                .map(|members| members.iter().filter(keep).cloned().collect())
                .unwrap_or_default(),
            _ => {
                let mut seen = HashSet::new();
                rooms
                    .iter()
                    .filter_map(|room| self.rooms.get(room))
                    .flatten()
                    .filter(keep)
                    .filter(|sid| seen.insert(*sid))
                    .cloned()
                    .collect()
            }
        }
    }

    /// Allocated slots of both tables and of every set in them (for tests of
    /// memory release).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        let sets: usize = self.rooms.values().map(HashSet::capacity).sum::<usize>()
            + self.sids.values().map(HashSet::capacity).sum::<usize>();
        self.rooms.capacity() + self.sids.capacity() + sets
    }
}

/// Gives memory back once a table is empty or mostly empty, so that the
/// index returns to nothing when the sockets leave.
fn shrink_map<K: Eq + Hash, V>(map: &mut HashMap<K, V>) {
    if map.is_empty() {
        map.shrink_to_fit();
    } else if map.capacity() > SHRINK_MIN_CAPACITY && map.len() * 4 <= map.capacity() {
        map.shrink_to(map.len() * 2);
    }
}

/// [`shrink_map`] for a set.
fn shrink_set<T: Eq + Hash>(set: &mut HashSet<T>) {
    if set.is_empty() {
        set.shrink_to_fit();
    } else if set.capacity() > SHRINK_MIN_CAPACITY && set.len() * 4 <= set.capacity() {
        set.shrink_to(set.len() * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(s: &str) -> SocketId {
        SocketId::from(s)
    }

    fn rooms(names: &[&str]) -> Vec<Room> {
        names.iter().map(|n| Room::from(*n)).collect()
    }

    fn sorted(mut ids: Vec<SocketId>) -> Vec<String> {
        ids.sort();
        ids.iter().map(|id| id.to_string()).collect()
    }

    /// a: {a, r1, r2}; b: {b, r1}; c: {c, r2}; d: {d}.
    fn index() -> RoomIndex {
        let mut index = RoomIndex::default();
        index.add_all(&sid("a"), &rooms(&["a", "r1", "r2"]));
        index.add_all(&sid("b"), &rooms(&["b", "r1"]));
        index.add_all(&sid("c"), &rooms(&["c", "r2"]));
        index.add_all(&sid("d"), &rooms(&["d"]));
        index
    }

    #[test]
    fn both_directions_agree() {
        let index = index();
        let mut a = index.socket_rooms(&sid("a"));
        a.sort();
        assert_eq!(a, rooms(&["a", "r1", "r2"]));
        assert_eq!(sorted(index.targets(&rooms(&["r1"]), &[])), ["a", "b"]);
        assert_eq!(index.room_count(), 6);
        assert_eq!(index.socket_count(), 4);
        assert!(index.socket_rooms(&sid("nobody")).is_empty());
    }

    #[test]
    fn a_room_goes_when_its_last_socket_leaves() {
        let mut index = index();
        index.del(&sid("a"), &Room::from("r1"));
        assert!(index.rooms().contains(&Room::from("r1")));
        index.del(&sid("b"), &Room::from("r1"));
        assert!(!index.rooms().contains(&Room::from("r1")));
        assert_eq!(index.room_count(), 5);
        // Leaving a room one is not in, or an unknown room, changes nothing.
        index.del(&sid("d"), &Room::from("r2"));
        index.del(&sid("d"), &Room::from("nowhere"));
        assert_eq!(sorted(index.targets(&rooms(&["r2"]), &[])), ["a", "c"]);
    }

    #[test]
    fn has_room_follows_the_rooms_that_exist() {
        let mut index = index();
        assert!(index.has_room("r1"));
        assert!(!index.has_room("nowhere"));
        index.del(&sid("a"), &Room::from("r1"));
        index.del(&sid("b"), &Room::from("r1"));
        assert!(!index.has_room("r1"));
    }

    #[test]
    fn a_socket_without_rooms_is_still_reached_by_a_broadcast_to_all() {
        let mut index = index();
        index.del(&sid("d"), &Room::from("d"));
        assert!(index.socket_rooms(&sid("d")).is_empty());
        assert_eq!(sorted(index.targets(&[], &[])), ["a", "b", "c", "d"]);
        index.del_all(&sid("d"));
        assert_eq!(sorted(index.targets(&[], &[])), ["a", "b", "c"]);
    }

    #[test]
    fn targets_follow_rooms_and_except() {
        let index = index();
        assert_eq!(sorted(index.targets(&[], &[])), ["a", "b", "c", "d"]);
        assert_eq!(sorted(index.targets(&[], &rooms(&["r1"]))), ["c", "d"]);
        // A socket in two targeted rooms appears once.
        let both = index.targets(&rooms(&["r1", "r2", "r1"]), &[]);
        assert_eq!(sorted(both), ["a", "b", "c"]);
        assert_eq!(
            sorted(index.targets(&rooms(&["r1", "r2"]), &rooms(&["a"]))),
            ["b", "c"]
        );
        assert_eq!(
            sorted(index.targets(&rooms(&["r1", "d"]), &rooms(&["r2"]))),
            ["b", "d"]
        );
        assert!(index.targets(&rooms(&["nowhere"]), &[]).is_empty());
        assert!(index.targets(&rooms(&["r1"]), &rooms(&["r1"])).is_empty());
        // An unknown except room excludes nobody.
        assert_eq!(index.targets(&[], &rooms(&["nowhere"])).len(), 4);
    }

    #[test]
    fn memory_returns_to_nothing_when_every_socket_leaves() {
        let mut index = RoomIndex::default();
        let shared = rooms(&["lobby", "news"]);
        for i in 0..1000 {
            let id = sid(&format!("s{i}"));
            index.add_all(&id, &[Room::from(&id)]);
            index.add_all(&id, &shared);
        }
        assert_eq!(index.room_count(), 1002);
        assert!(index.capacity() > 2000);
        for i in 0..1000 {
            index.del_all(&sid(&format!("s{i}")));
        }
        assert_eq!((index.room_count(), index.socket_count()), (0, 0));
        assert_eq!(index.capacity(), 0);
    }

    #[test]
    fn a_room_shrinks_as_its_sockets_leave() {
        let mut index = RoomIndex::default();
        let lobby = rooms(&["lobby"]);
        for i in 0..1000 {
            index.add_all(&sid(&format!("s{i}")), &lobby);
        }
        for i in 0..990 {
            index.del(&sid(&format!("s{i}")), &lobby[0]);
        }
        let members = index.rooms.get(&lobby[0]).map(HashSet::capacity);
        assert!(members.is_some_and(|cap| cap < 100), "capacity {members:?}");
    }
}
