//! The channel names of one namespace, built as Node's adapter builds them.

/// The channels of one namespace's adapter (`key`, namespace and uid are
/// concatenated verbatim, as in Node; in the pattern, glob characters are
/// escaped, so that a namespace named `/*` catches only its own traffic).
#[derive(Debug, Clone)]
pub(crate) struct Channels {
    /// `{key}#{nsp}#`: broadcasts to every socket, to no room or several.
    pub(crate) broadcast: String,
    /// `{key}#{nsp}#*`: the pattern that catches every broadcast (with
    /// `*`, `?`, `[`, `]` and `\` of the key and name escaped).
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
            pattern: format!("{}*", glob_escape(&broadcast)),
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

/// `text` as a Redis glob pattern that matches only itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Channels;

    #[test]
    fn glob_characters_are_escaped_in_the_pattern_only() {
        let c = Channels::new("k", "/a*?[b]\\", "u");
        assert_eq!(c.pattern, "k#/a\\*\\?\\[b\\]\\\\#*");
        assert_eq!(c.broadcast, "k#/a*?[b]\\#");
        assert_eq!(c.request, "k-request#/a*?[b]\\#");
    }

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
