//! lnd's REST server streams: newline-delimited `{"result":…}` / `{"error":…}` objects
//! that may be split across network chunks at any byte.

use serde::de::DeserializeOwned;

use crate::lnd::LndError;

/// The longest line accepted: lnd's largest gRPC message (`lnrpc.MaxGrpcMsgSize`, 200 MiB),
/// which its REST proxy writes as one line. Anything longer is not lnd.
pub const MAX_LINE: usize = 200 * 1024 * 1024;

/// Collects chunks and hands out complete lines. Each byte is looked at once: a chunk is
/// searched for line ends from where the last search stopped.
pub struct LineBuffer {
    buf: Vec<u8>,
    limit: usize,
}

impl Default for LineBuffer {
    fn default() -> Self {
        LineBuffer::with_limit(MAX_LINE)
    }
}

impl LineBuffer {
    pub fn with_limit(limit: usize) -> Self {
        LineBuffer { buf: Vec::new(), limit }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Vec<u8>>, LndError> {
        // Everything already held was searched: it has no line end.
        let mut from = self.buf.len();
        self.buf.extend_from_slice(chunk);
        let mut start = 0;
        let mut lines = Vec::new();
        while let Some(i) = self.buf[from..].iter().position(|&b| b == b'\n') {
            let end = from + i;
            let line = &self.buf[start..=end];
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                lines.push(line.to_vec());
            }
            start = end + 1;
            from = start;
        }
        self.buf.drain(..start);
        if self.buf.len() > self.limit {
            self.buf = Vec::new();
            return Err(LndError::NotLnd(format!("a stream message longer than {} MiB, more than lnd ever sends", self.limit >> 20)));
        }
        Ok(lines)
    }
}

#[derive(serde::Deserialize)]
struct StatusBody {
    #[serde(default)]
    code: i32,
    #[serde(default)]
    message: String,
}

/// An error body in either of grpc-gateway's shapes: a bare Status, or one wrapped as
/// `{"error": …}` (a stream that failed before its first message).
pub fn error_body(bytes: &[u8]) -> Option<LndError> {
    #[derive(serde::Deserialize)]
    struct Wrapped {
        error: StatusBody,
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    let status = serde_json::from_slice::<Wrapped>(first_line).map(|w| w.error).or_else(|_| serde_json::from_slice::<StatusBody>(first_line)).ok()?;
    (!status.message.is_empty() || status.code != 0).then(|| LndError::from_node(status.code, &status.message))
}

/// One stream line: the message, or the node's error.
pub fn parse_line<T: DeserializeOwned>(line: &[u8]) -> Result<T, LndError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Line<T> {
        Result(T),
        Error(StatusBody),
    }
    match serde_json::from_slice::<Line<T>>(line) {
        Ok(Line::Result(msg)) => Ok(msg),
        Ok(Line::Error(s)) => Err(LndError::from_node(s.code, &s.message)),
        Err(e) => Err(LndError::NotLnd(format!("unexpected stream data: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lnrpc::lnrpc::{SubscribeStateResponse, WalletState};

    #[test]
    fn lines_split_anywhere_are_reassembled() {
        let data = b"{\"result\":{\"state\":\"LOCKED\"}}\n{\"result\":{\"state\":\"SERVER_ACTIVE\"}}\n";
        for cut in 0..data.len() {
            let mut buf = LineBuffer::default();
            let mut lines = buf.push(&data[..cut]).unwrap();
            lines.extend(buf.push(&data[cut..]).unwrap());
            let states: Vec<i32> = lines.iter().map(|l| parse_line::<SubscribeStateResponse>(l).unwrap().state).collect();
            assert_eq!(states, vec![WalletState::Locked as i32, WalletState::ServerActive as i32], "cut at {cut}");
        }
    }

    #[test]
    fn a_line_longer_than_lnd_sends_ends_the_stream() {
        let mut buf = LineBuffer::with_limit(16);
        assert_eq!(buf.push(b"{\"result\":{}}\n{\"res").unwrap().len(), 1);
        assert!(buf.push(b"ult\":{}}").unwrap().is_empty(), "12 bytes held, under the limit");
        assert!(matches!(buf.push(b"xxxxxxxxxx"), Err(LndError::NotLnd(_))));
        // A long stream of short lines is fine, however it is cut.
        let mut buf = LineBuffer::with_limit(16);
        let many = b"{\"result\":{}}\n".repeat(1000);
        let n: usize = many.chunks(7).map(|c| buf.push(c).unwrap().len()).sum();
        assert_eq!(n, 1000);
    }

    #[test]
    fn error_lines_and_bodies_become_lnd_errors() {
        let line = br#"{"error":{"code":2,"message":"wallet locked, unlock it to enable full RPC access","details":[]}}"#;
        assert_eq!(parse_line::<SubscribeStateResponse>(line).unwrap_err(), LndError::WalletLocked);
        assert_eq!(error_body(&[line.as_slice(), b"\n"].concat()), Some(LndError::WalletLocked));
        assert_eq!(error_body(br#"{"code":2,"message":"permission denied","details":[]}"#), Some(LndError::PermissionDenied));
        assert_eq!(error_body(b"<html>nginx</html>"), None);
    }

    #[test]
    fn newer_fields_are_ignored_only_by_the_client_build() {
        // Strict decoding (devnode's) rejects unknown fields as lnd does; the app's wasm
        // build enables lnrpc's `client-json` to accept fields newer lnd versions add.
        let line = br#"{"result":{"state":"LOCKED","future_field":1}}"#;
        assert_eq!(parse_line::<SubscribeStateResponse>(line).is_ok(), cfg!(target_arch = "wasm32"));
    }
}
