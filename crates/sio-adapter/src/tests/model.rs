//! The room index against a plain model, under random sequences of joins,
//! leaves and disconnects.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use crate::room_index::RoomIndex;
use crate::{Room, SocketId};

#[derive(Debug, Clone)]
enum Op {
    Join(u8, Vec<u8>),
    Leave(u8, u8),
    LeaveAll(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6u8, prop::collection::vec(0..6u8, 0..4)).prop_map(|(s, r)| Op::Join(s, r)),
        (0..6u8, 0..6u8).prop_map(|(s, r)| Op::Leave(s, r)),
        (0..6u8).prop_map(Op::LeaveAll),
    ]
}

fn sid(n: u8) -> SocketId {
    SocketId::from(format!("s{n}"))
}

fn room(n: u8) -> Room {
    Room::from(format!("r{n}"))
}

/// Socket → rooms; a socket stays until it leaves all.
type Model = BTreeMap<u8, BTreeSet<u8>>;

fn expected(model: &Model, rooms: &[u8], except: &[u8]) -> Vec<SocketId> {
    model
        .iter()
        .filter(|(_, own)| rooms.is_empty() || rooms.iter().any(|r| own.contains(r)))
        .filter(|(_, own)| !except.iter().any(|r| own.contains(r)))
        .map(|(s, _)| sid(*s))
        .collect()
}

proptest! {
    #[test]
    fn targets_match_the_model(
        ops in prop::collection::vec(op(), 0..40),
        rooms in prop::collection::vec(0..6u8, 0..3),
        except in prop::collection::vec(0..6u8, 0..2),
    ) {
        let mut index = RoomIndex::default();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Join(s, rs) => {
                    index.add_all(&sid(s), &rs.iter().map(|r| room(*r)).collect::<Vec<_>>());
                    model.entry(s).or_default().extend(rs);
                }
                Op::Leave(s, r) => {
                    index.del(&sid(s), &room(r));
                    if let Some(own) = model.get_mut(&s) {
                        own.remove(&r);
                    }
                }
                Op::LeaveAll(s) => {
                    index.del_all(&sid(s));
                    model.remove(&s);
                }
            }
            let room_names: Vec<Room> = rooms.iter().map(|r| room(*r)).collect();
            let except_names: Vec<Room> = except.iter().map(|r| room(*r)).collect();
            let mut got = index.targets(&room_names, &except_names);
            got.sort();
            let unique: BTreeSet<_> = got.iter().cloned().collect();
            prop_assert_eq!(unique.len(), got.len(), "duplicates in {:?}", got);
            prop_assert_eq!(got, expected(&model, &rooms, &except));

            let live: BTreeSet<u8> = model.values().flatten().copied().collect();
            prop_assert_eq!(index.room_count(), live.len());
            prop_assert_eq!(index.socket_count(), model.len());
            for (s, own) in &model {
                let mut got = index.socket_rooms(&sid(*s));
                got.sort();
                prop_assert_eq!(got, own.iter().map(|r| room(*r)).collect::<Vec<_>>());
            }
        }
        for s in 0..6 {
            index.del_all(&sid(s));
        }
        prop_assert_eq!(index.capacity(), 0);
    }
}
