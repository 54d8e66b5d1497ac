//! The SQL this adapter sends, and the checks on the names put into it.
//!
//! Node puts the table name into SQL text and the channel name into
//! `LISTEN "…"`; here the table name must be a plain identifier (checked
//! once, when the factory is made) and channel names are quoted with their
//! `"` doubled, so no name can change a statement.

/// PostgreSQL's longest identifier, in bytes (`NAMEDATALEN - 1`).
pub(crate) const MAX_IDENTIFIER: usize = 63;

/// Whether `name` is `ident` or `schema.ident`, each part
/// `[A-Za-z_][A-Za-z0-9_]*` of at most 63 bytes.
pub(crate) fn valid_table_name(name: &str) -> bool {
    let mut parts = 0;
    for part in name.split('.') {
        parts += 1;
        let mut chars = part.chars();
        let head_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !head_ok
            || part.len() > MAX_IDENTIFIER
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return false;
        }
    }
    parts <= 2
}

/// `name` as a quoted SQL identifier.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `LISTEN` on `channel`.
pub(crate) fn listen(channel: &str) -> String {
    format!("LISTEN {}", quote_identifier(channel))
}

/// `UNLISTEN` on `channel`.
pub(crate) fn unlisten(channel: &str) -> String {
    format!("UNLISTEN {}", quote_identifier(channel))
}

/// Creates the attachments table as Node's README does.
pub(crate) fn create_table(table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (id bigserial UNIQUE, \
         created_at timestamptz DEFAULT NOW(), payload bytea)"
    )
}

/// Sends one notification: `$1` channel, `$2` payload.
pub(crate) const NOTIFY: &str = "SELECT pg_notify($1, $2)";

/// Stores one attachment (`$1` bytea) and returns its id.
pub(crate) fn insert(table: &str) -> String {
    format!("INSERT INTO {table} (payload) VALUES ($1) RETURNING id")
}

/// Reads attachment `$1` (int8) if it is at most `$2` (int4) bytes long.
pub(crate) fn select(table: &str) -> String {
    format!("SELECT payload FROM {table} WHERE id = $1 AND octet_length(payload) <= $2")
}

/// Deletes the attachments older than `$1` (float8) seconds.
pub(crate) fn cleanup(table: &str) -> String {
    format!("DELETE FROM {table} WHERE created_at < now() - make_interval(secs => $1)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        for ok in ["socket_io_attachments", "app.attachments", "_t1", "T"] {
            assert!(valid_table_name(ok), "{ok}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "1t",
            "a.b.c",
            "t; DROP TABLE x",
            "t\"",
            "a.",
            ".a",
            "tä",
            long.as_str(),
        ] {
            assert!(!valid_table_name(bad), "{bad}");
        }
    }

    #[test]
    fn channels_are_quoted() {
        assert_eq!(listen("socket.io#/"), "LISTEN \"socket.io#/\"");
        assert_eq!(listen("a\"b"), "LISTEN \"a\"\"b\"");
        assert_eq!(unlisten("x"), "UNLISTEN \"x\"");
    }
}
