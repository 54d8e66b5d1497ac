//! Sans-IO Socket.IO packets (protocols 5 and 4): encoding, decoding and
//! binary attachments.

#![forbid(unsafe_code)]
