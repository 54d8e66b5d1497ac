//! Just enough RESP2 for a subscriber connection to a single Redis:
//! commands out (arrays of bulk strings), replies and messages in, with
//! bounds on every length the server claims. (The `redis` crate's
//! multiplexed connections cannot send SUNSUBSCRIBE outside cluster mode;
//! this connection is only used for that.)

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncReadExt as _};

/// Elements of an array accepted (replies and messages have 3).
const MAX_ARRAY: usize = 64;
/// Longest header line (`$123\r\n`, an error text).
const MAX_LINE: usize = 4096;

/// A reply or message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`.
    Error(String),
    /// `:n`.
    Int(i64),
    /// `$n`: bytes, or `None` for a nil and for a bulk over the size limit
    /// (read and dropped).
    Bulk(Option<Vec<u8>>),
    /// `*n` (or a nil array).
    Array(Vec<Frame>),
}

impl Frame {
    /// The text of a bulk or simple string.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Self::Bulk(Some(b)) => std::str::from_utf8(b).ok(),
            Self::Simple(s) => Some(s),
            _ => None,
        }
    }
}

/// One command as RESP.
pub(crate) fn command<'a>(args: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let args: Vec<&[u8]> = args.into_iter().collect();
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Why the connection must be dropped.
#[derive(Debug)]
pub(crate) enum RespError {
    Io(std::io::Error),
    Protocol(&'static str),
}

impl std::fmt::Display for RespError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Protocol(what) => write!(f, "protocol error: {what}"),
        }
    }
}

impl From<std::io::Error> for RespError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

async fn line<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Vec<u8>, RespError> {
    let mut buf = Vec::new();
    let n = (&mut *r)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Err(RespError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    if !buf.ends_with(b"\r\n") {
        return Err(RespError::Protocol("line too long or not CRLF"));
    }
    buf.truncate(buf.len() - 2);
    Ok(buf)
}

fn number(bytes: &[u8]) -> Result<i64, RespError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(RespError::Protocol("bad number"))
}

/// Reads one frame; bulks longer than `max_bulk` are read and dropped
/// (they come back as `Bulk(None)`). Arrays hold scalars only (pub/sub
/// replies never nest).
pub(crate) async fn read<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max_bulk: usize,
) -> Result<Frame, RespError> {
    let head = line(r).await?;
    if let Some(rest) = head.strip_prefix(b"*") {
        let n = number(rest)?;
        let Ok(n) = usize::try_from(n) else {
            return Ok(Frame::Array(Vec::new()));
        };
        if n > MAX_ARRAY {
            return Err(RespError::Protocol("array too long"));
        }
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            let head = line(r).await?;
            if head.first() == Some(&b'*') {
                return Err(RespError::Protocol("nested array"));
            }
            items.push(scalar(r, &head, max_bulk).await?);
        }
        return Ok(Frame::Array(items));
    }
    scalar(r, &head, max_bulk).await
}

async fn scalar<R: AsyncBufRead + Unpin>(
    r: &mut R,
    head: &[u8],
    max_bulk: usize,
) -> Result<Frame, RespError> {
    let (kind, rest) = head
        .split_first()
        .ok_or(RespError::Protocol("empty line"))?;
    let text = || String::from_utf8_lossy(rest).into_owned();
    Ok(match kind {
        b'+' => Frame::Simple(text()),
        b'-' => Frame::Error(text()),
        b':' => Frame::Int(number(rest)?),
        b'$' => {
            let Ok(n) = usize::try_from(number(rest)?) else {
                return Ok(Frame::Bulk(None));
            };
            if n > max_bulk {
                let skip = n as u64 + 2;
                let copied =
                    tokio::io::copy(&mut (&mut *r).take(skip), &mut tokio::io::sink()).await?;
                if copied != skip {
                    return Err(RespError::Io(std::io::ErrorKind::UnexpectedEof.into()));
                }
                return Ok(Frame::Bulk(None));
            }
            let mut buf = vec![0; n + 2];
            r.read_exact(&mut buf).await?;
            if !buf.ends_with(b"\r\n") {
                return Err(RespError::Protocol("bulk not CRLF-terminated"));
            }
            buf.truncate(n);
            Frame::Bulk(Some(buf))
        }
        _ => return Err(RespError::Protocol("unknown frame type")),
    })
}

#[cfg(test)]
mod tests {
    use super::{Frame, command, read};

    #[tokio::test]
    async fn reads_messages_and_drops_oversized_bulks() {
        let input = b"*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$10\r\n0123456789\r\n:7\r\n";
        let mut r = &input[..];
        let first = read(&mut r, 8).await.unwrap();
        assert_eq!(
            first,
            Frame::Array(vec![
                Frame::Bulk(Some(b"smessage".to_vec())),
                Frame::Bulk(Some(b"ch".to_vec())),
                Frame::Bulk(Some(b"hello".to_vec())),
            ])
        );
        let second = read(&mut r, 8).await.unwrap();
        assert!(matches!(&second, Frame::Array(items) if items[2] == Frame::Bulk(None)));
        assert_eq!(read(&mut r, 8).await.unwrap(), Frame::Int(7));
        assert!(read(&mut r, 8).await.is_err(), "end of input");
    }

    #[tokio::test]
    async fn garbage_is_an_error() {
        for input in [
            &b"?x\r\n"[..],
            b"*100000\r\n",
            b"$3\r\nabcd\r\n",
            b":x\r\n",
            b"+no-crlf",
        ] {
            let mut r = input;
            assert!(read(&mut r, 64).await.is_err(), "{input:?}");
        }
    }

    #[test]
    fn commands_are_arrays_of_bulks() {
        assert_eq!(
            command([&b"SSUBSCRIBE"[..], b"a#"]),
            b"*2\r\n$10\r\nSSUBSCRIBE\r\n$2\r\na#\r\n"
        );
    }
}
