//! lnd's REST server streams: newline-delimited `{"result":…}` / `{"error":…}` objects
//! that may be split across network chunks at any byte.

use serde::de::DeserializeOwned;

use crate::lnd::LndError;

/// Collects chunks and hands out complete lines.
#[derive(Default)]
pub struct LineBuffer {
    buf: Vec<u8>,
}

impl LineBuffer {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.buf.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                lines.push(line);
            }
        }
        lines
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
    let status = serde_json::from_slice::<Wrapped>(first_line)
        .map(|w| w.error)
        .or_else(|_| serde_json::from_slice::<StatusBody>(first_line))
        .ok()?;
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
            let mut lines = buf.push(&data[..cut]);
            lines.extend(buf.push(&data[cut..]));
            let states: Vec<i32> = lines.iter().map(|l| parse_line::<SubscribeStateResponse>(l).unwrap().state).collect();
            assert_eq!(states, vec![WalletState::Locked as i32, WalletState::ServerActive as i32], "cut at {cut}");
        }
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
