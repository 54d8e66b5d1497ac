//! The channel names of one namespace, built as Node's adapter builds them.

/// The channels of one namespace's adapter (`key`, namespace and uid are
/// concatenated verbatim, as in Node).
#[derive(Debug, Clone)]
pub(crate) struct Channels {
    /// `{key}#{nsp}#`: broadcasts to every socket, to no room or several.
    pub(crate) broadcast: String,
    /// `{key}#{nsp}#*`: the pattern that catches every broadcast.
    pub(crate) pattern: String,
    /// `{key}-request#{nsp}#`: requests to every server.
    pub(crate) request: String,
    /// `{key}-response#{nsp}#`: the shared response channel.
    pub(crate) response: String,
    /// `{key}-response#{nsp}#{uid}#`: this server's own response channel.
    pub(crate) own_response: String,
}

impl Channels {
    pub(crate) fn new(key: &str, nsp: &str, uid: &str) -> Self {
        let broadcast = format!("{key}#{nsp}#");
        Self {
            pattern: format!("{broadcast}*"),
            broadcast,
            request: format!("{key}-request#{nsp}#"),
            response: format!("{key}-response#{nsp}#"),
            own_response: format!("{key}-response#{nsp}#{uid}#"),
        }
    }

    /// The channel of a broadcast to exactly one room.
    pub(crate) fn room(&self, room: &str) -> String {
        format!("{}{room}#", self.broadcast)
    }

    /// Where to answer a request of server `uid`.
    pub(crate) fn response_to(&self, uid: Option<&str>, specific: bool) -> String {
        match uid {
            Some(uid) if specific => format!("{}{uid}#", self.response),
            _ => self.response.clone(),
        }
    }

    /// The room a broadcast channel names: `None` for the base channel,
    /// `Some(room)` for `{base}{room}#`, `Err` for a channel of another shape.
    pub(crate) fn room_of<'a>(&self, channel: &'a str) -> Result<Option<&'a str>, ()> {
        let rest = channel.strip_prefix(self.broadcast.as_str()).ok_or(())?;
        if rest.is_empty() {
            return Ok(None);
        }
        rest.strip_suffix('#').map(Some).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::Channels;

    #[test]
    fn names_match_the_node_adapter() {
        let c = Channels::new("socket.io", "/", "IFuzzs");
        assert_eq!(c.pattern, "socket.io#/#*");
        assert_eq!(c.request, "socket.io-request#/#");
        assert_eq!(c.response, "socket.io-response#/#");
        assert_eq!(c.own_response, "socket.io-response#/#IFuzzs#");
        assert_eq!(c.room("room1"), "socket.io#/#room1#");
        assert_eq!(
            c.response_to(Some("wHwnD7"), true),
            "socket.io-response#/#wHwnD7#"
        );
        assert_eq!(
            c.response_to(Some("wHwnD7"), false),
            "socket.io-response#/#"
        );
        assert_eq!(c.room_of("socket.io#/#"), Ok(None));
        assert_eq!(c.room_of("socket.io#/#42#"), Ok(Some("42")));
        assert_eq!(c.room_of("socket.io#/#42"), Err(()));
        let admin = Channels::new("myapp", "/admin", "x");
        assert_eq!(admin.broadcast, "myapp#/admin#");
    }
}
