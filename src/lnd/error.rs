//! Every way a call to lnd can fail, in words a node operator can act on. lnd returns most
//! failures as gRPC code 2 (HTTP 500) plain errors, so they are told apart by message.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum LndError {
    /// The browser could not reach the address at all: the node is down, the address or port
    /// is wrong, or (over HTTPS) the browser does not trust the node's certificate.
    Unreachable {
        url: String,
        https: bool,
        /// The address was given as a gRPC-web proxy's (whose port differs from REST's).
        grpc_web: bool,
    },
    /// An open stream was cut: the node stopped or the network dropped.
    Disconnected,
    /// The node answered, but its CORS settings do not let this page read the answer.
    Cors {
        url: String,
        origin: String,
    },
    WalletNotCreated,
    WalletLocked,
    /// lnd is unlocked but its subsystems are still starting.
    Starting,
    WalletAlreadyUnlocked,
    MacaroonMissing,
    /// The macaroon is malformed, or was not baked by this node (or its root key changed).
    MacaroonInvalid(String),
    MacaroonExpired,
    PermissionDenied,
    WrongPassword,
    /// The node does not offer this call at this address (an older or newer lnd, or a
    /// REST address given for gRPC-web or the other way round).
    Unsupported {
        what: String,
    },
    /// Something answered that is not lnd.
    NotLnd(String),
    /// The node refused the call with its own message.
    Node {
        code: i32,
        message: String,
    },
    /// Input rejected before anything was sent.
    Input(String),
    /// A request that moves money was sent, its answer was lost, and the node could not be
    /// asked whether it acted (`what` names it: "payment", "channel").
    Unconfirmed {
        what: String,
    },
    /// The node at a saved address holds another identity key than the one saved with it.
    IdentityChanged {
        expected: String,
        found: String,
    },
}

/// The most of a node's own words shown: lnd's messages are a line, so anything longer is
/// cut rather than allowed to fill the screen.
const SHOWN_CHARS: usize = 500;

fn shown(message: &str) -> String {
    match message.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}… ({} more characters)", &message[..cut], message[cut..].chars().count()),
        None => message.to_string(),
    }
}

/// gRPC status codes used below.
const CODE_NOT_FOUND: i32 = 5;
const CODE_ALREADY_EXISTS: i32 = 6;
const CODE_UNIMPLEMENTED: i32 = 12;
const CODE_INTERNAL: i32 = 13;
const CODE_UNAVAILABLE: i32 = 14;

impl LndError {
    /// Maps lnd's (code, message) onto a kind. lnd's own strings are matched, since its
    /// state and macaroon errors all share code 2.
    pub fn from_node(code: i32, message: &str) -> Self {
        let m = message;
        let has = |s: &str| m.contains(s);
        if has("wallet not created") {
            LndError::WalletNotCreated
        } else if has("wallet locked") {
            LndError::WalletLocked
        } else if has("in the process of starting up") || has("waiting to start") {
            LndError::Starting
        } else if has("WalletUnlocker service is no longer available") {
            LndError::WalletAlreadyUnlocked
        } else if has("expected 1 macaroon, got 0") || has("no macaroon") {
            LndError::MacaroonMissing
        } else if has("macaroon has expired") {
            LndError::MacaroonExpired
        } else if has("permission denied") {
            LndError::PermissionDenied
        } else if has("invalid passphrase for master") {
            LndError::WrongPassword
        } else if has("signature mismatch")
            || has("root key with id")
            || has("unmarshal macaroon")
            || has("decode macaroon")
            || has("expected 1 macaroon")
            || has("encoding/hex")
            || has("macaroon")
        {
            LndError::MacaroonInvalid(m.to_string())
        } else if m == "EOF" {
            // lnd's ConnectPeer when the node at the address hangs up in the Noise handshake:
            // it holds another key (or restarted mid-way).
            LndError::Input("The node at that address hung up during the encrypted handshake: its public key is not the one given. Check the key (and that the address is that node's).".into())
        } else if has("failed to decode signature") {
            LndError::Input("That is not a signature lnd can read: it should be the zbase32 text SignMessage produced (letters and digits only).".into())
        } else if has("transaction output is dust") {
            LndError::Input(
                "lnd refused: the amount is too small to be worth spending at this fee rate (\"dust\"). Send more, or choose a lower fee rate.".into(),
            )
        } else if has("Number of pending channels exceed maximum") {
            // lnd's funding error when the peer already has `maxpendingchannels` (1 by
            // default) channels with us waiting for confirmations.
            LndError::Input(
                "That node accepts one channel at a time from you, and one with it is still waiting for its funding \
                 confirmations. Open the next one when that channel is open (the Channels page shows how many blocks to go)."
                    .into(),
            )
        } else if code == CODE_UNIMPLEMENTED || (code == CODE_NOT_FOUND && m == "Not Found") {
            LndError::Unsupported { what: m.to_string() }
        } else {
            LndError::Node { code, message: m.to_string() }
        }
    }

    /// One line saying what happened.
    pub fn title(&self) -> String {
        match self {
            LndError::Unreachable { url, .. } => format!("Could not reach the node at {url}"),
            LndError::Cors { url, .. } => format!("The node at {url} does not allow this app to connect (CORS)"),
            LndError::Disconnected => "The connection to the node was lost".into(),
            LndError::WalletNotCreated => "This node has no wallet yet".into(),
            LndError::WalletLocked => "The node's wallet is locked".into(),
            LndError::Starting => "The node is still starting up".into(),
            LndError::WalletAlreadyUnlocked => "The wallet is already unlocked".into(),
            LndError::MacaroonMissing => "This node needs a macaroon".into(),
            LndError::MacaroonInvalid(_) => "The node rejected the macaroon".into(),
            LndError::MacaroonExpired => "The macaroon has expired".into(),
            LndError::PermissionDenied => "The macaroon does not allow this".into(),
            LndError::WrongPassword => "Wrong wallet password".into(),
            LndError::Unsupported { .. } => "The node does not offer this call here".into(),
            LndError::NotLnd(_) => "The address did not answer like lnd".into(),
            LndError::Node { message, .. } => format!("The node refused: {}", shown(message)),
            LndError::Input(m) => m.clone(),
            LndError::Unconfirmed { .. } => "We could not confirm whether this went through".into(),
            LndError::IdentityChanged { .. } => "Another node answers at this address".into(),
        }
    }

    /// What to do about it.
    pub fn advice(&self) -> String {
        match self {
            LndError::Unreachable { url, https, grpc_web } => {
                let port = if *grpc_web {
                    "the port of your gRPC-web proxy (Lightning Terminal serves it on 8443), not lnd's gRPC port 10009, which browsers cannot use"
                } else {
                    "lnd's REST port, 8080 by default"
                };
                let check = format!("Check that the node is running and the address and port are right: {port}.");
                if !*https {
                    return check;
                }
                let page = if *grpc_web { format!("{url}/") } else { format!("{url}/v1/state") };
                format!(
                    "{check} If the node uses its own self-signed certificate, your browser must trust it first: open {page} \
                     in a new tab and accept the certificate, or install tls.cert as trusted, then try again."
                )
            }
            LndError::Cors { origin, .. } => format!(
                "Add this app's address to lnd's allowed origins: put restcors={origin} in lnd.conf (or start lnd with \
                 --restcors={origin}) and restart lnd. For gRPC-web, allow the origin in your proxy's CORS settings."
            ),
            LndError::Disconnected => "Lightdeck reconnects by itself as soon as the node is back.".into(),
            LndError::WalletNotCreated => "Create or restore a wallet to start using the node.".into(),
            LndError::WalletLocked => "Unlock the wallet with its password.".into(),
            LndError::Starting => "Wait a few seconds; this clears by itself.".into(),
            LndError::WalletAlreadyUnlocked => "Nothing to do: the node is already running.".into(),
            LndError::MacaroonMissing => "Paste or choose a macaroon file, such as admin.macaroon from the node's data/chain/bitcoin/<network>/ folder.".into(),
            LndError::MacaroonInvalid(detail) => format!(
                "Use a macaroon from this node's data folder (admin.macaroon for full access). If the node's macaroons were \
                 regenerated, the old ones no longer work. Node said: {}",
                shown(detail)
            ),
            LndError::MacaroonExpired => "Its time limit has passed, so lnd refuses it. Connect again with a macaroon from the \
                 node (admin.macaroon) and remember it: the saved copy is replaced."
                .into(),
            LndError::PermissionDenied => "Connect with a macaroon that grants this: admin.macaroon allows everything, readonly.macaroon only reading.".into(),
            LndError::WrongPassword => "Type the password set when the wallet was created.".into(),
            LndError::Unsupported { what } => format!(
                "Check that the address points at lnd's REST port for REST, or at a gRPC-web proxy for gRPC-web, \
                 and that lnd is recent enough. Node said: {}",
                shown(what)
            ),
            LndError::NotLnd(detail) => format!("Check the address and port. ({})", shown(detail)),
            LndError::Node { .. } | LndError::Input(_) => String::new(),
            LndError::Unconfirmed { what } => format!(
                "The connection to the node was lost after the {what} was sent, and the node could not be asked whether it \
                 acted. Nothing more was sent. When the node is reachable again, press the same button: Lightdeck first \
                 asks the node for this {what}, and sends only if it does not exist."
            ),
            LndError::IdentityChanged { expected, found } => format!(
                "This address was saved for the node {expected}, but {found} answered, so Lightdeck showed and sent it \
                 nothing. Check the address: the name may now point elsewhere. Accept the new identity only if you \
                 moved your node to new keys yourself."
            ),
        }
    }

    /// lnd's payment control refused a second payment of the same hash: it was paid
    /// already, or is still in flight (routerrpc's AlreadyExists; SendPaymentSync's
    /// payment_error carries the same words).
    pub fn is_already_sent(&self) -> bool {
        matches!(self, LndError::Node { code: CODE_ALREADY_EXISTS, .. })
    }

    /// SendPaymentSync's payment_error when the payment control refused: the words lnd
    /// uses for AlreadyExists, as that error.
    pub fn from_payment_error(words: &str) -> Option<Self> {
        ["invoice is already paid", "payment is in transition"]
            .contains(&words)
            .then(|| LndError::Node { code: CODE_ALREADY_EXISTS, message: words.to_string() })
    }

    /// Whether the request may have reached the node and been acted on although no answer
    /// came back: the connection failed or was cut, or something other than lnd answered
    /// (a proxy's gateway error), or the gRPC layer reports a broken transport (Internal for
    /// a cut frame, Unavailable from a proxy; lnd's own refusals are Unknown and the like).
    /// A refusal in lnd's words means it did not act.
    pub fn may_have_acted(&self) -> bool {
        matches!(
            self,
            LndError::Unreachable { .. }
                | LndError::Disconnected
                | LndError::Cors { .. }
                | LndError::NotLnd(_)
                | LndError::Node { code: CODE_INTERNAL | CODE_UNAVAILABLE, .. }
        )
    }

    /// Whether the failure is about reaching the node (worth retrying on its own).
    pub fn is_connection(&self) -> bool {
        matches!(self, LndError::Unreachable { .. } | LndError::Cors { .. } | LndError::Disconnected)
    }
}

impl fmt::Display for LndError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let advice = self.advice();
        if advice.is_empty() { f.write_str(&self.title()) } else { write!(f, "{}. {}", self.title(), advice) }
    }
}

impl std::error::Error for LndError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lnd_messages_are_recognised() {
        let cases = [
            ("wallet locked, unlock it to enable full RPC access", LndError::WalletLocked),
            ("wallet not created, create one to enable full RPC access", LndError::WalletNotCreated),
            ("the RPC server is in the process of starting up, but not yet ready to accept calls", LndError::Starting),
            ("expected 1 macaroon, got 0", LndError::MacaroonMissing),
            ("permission denied", LndError::PermissionDenied),
            ("invalid passphrase for master public key", LndError::WrongPassword),
            ("wallet already unlocked, WalletUnlocker service is no longer available", LndError::WalletAlreadyUnlocked),
        ];
        assert!(matches!(LndError::from_node(2, "transaction output is dust"), LndError::Input(m) if m.contains("too small")));
        assert!(matches!(LndError::from_node(2, "EOF"), LndError::Input(m) if m.contains("public key is not the one given")));
        let pending = "received funding error from 02aa: chan_id=3c5e, err=Number of pending channels exceed maximum";
        assert!(matches!(LndError::from_node(2, pending), LndError::Input(m) if m.contains("accepts one channel at a time")));
        let bad_signature = LndError::from_node(2, "failed to decode signature: illegal z-base-32 data at input byte 3");
        assert!(matches!(bad_signature, LndError::Input(m) if m.contains("not a signature lnd can read")));
        for (msg, want) in cases {
            assert_eq!(LndError::from_node(2, msg), want, "{msg}");
        }
        assert!(matches!(LndError::from_node(2, "verification failed: signature mismatch after caveat verification"), LndError::MacaroonInvalid(_)));
        assert!(matches!(LndError::from_node(12, "Method Not Allowed"), LndError::Unsupported { .. }));
        assert_eq!(LndError::from_node(2, "insufficient funds"), LndError::Node { code: 2, message: "insufficient funds".into() });
    }

    #[test]
    fn a_long_message_is_cut_at_a_character() {
        let long = format!("{}{}", "é".repeat(SHOWN_CHARS), "x".repeat(99_000));
        let title = LndError::from_node(2, &long).title();
        assert_eq!(title, format!("The node refused: {}… (99000 more characters)", "é".repeat(SHOWN_CHARS)));
        let short = "é".repeat(SHOWN_CHARS);
        assert_eq!(LndError::from_node(2, &short).title(), format!("The node refused: {short}"), "a message at the limit is whole");
    }

    #[test]
    fn messages_say_what_to_do() {
        let cors = LndError::Cors { url: "https://node:8080".into(), origin: "https://app.example".into() };
        assert!(cors.to_string().contains("restcors=https://app.example"));
        let tls = LndError::Unreachable { url: "https://node:8080".into(), https: true, grpc_web: false };
        assert!(tls.to_string().contains("certificate") && tls.to_string().contains("https://node:8080/v1/state"));
        let plain = LndError::Unreachable { url: "http://node:8080".into(), https: false, grpc_web: false };
        assert!(!plain.to_string().contains("certificate"));
        assert!(plain.to_string().contains("REST port, 8080"));
        // A gRPC-web address is told about the proxy's port, not REST's.
        let proxy = LndError::Unreachable { url: "https://node:8443".into(), https: true, grpc_web: true };
        assert!(proxy.to_string().contains("gRPC-web proxy") && !proxy.to_string().contains("REST port"), "{proxy}");
        assert!(proxy.to_string().contains("open https://node:8443/ in a new tab"), "{proxy}");
    }
}
