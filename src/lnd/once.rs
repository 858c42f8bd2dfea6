//! Actions that move money, sent at most once even when the node's answer is lost.
//!
//! Each attempt carries a tag that lnd keeps with what it makes (an on-chain transaction's
//! `label`, a channel's `memo`). When the answer does not arrive (the connection dropped
//! after the request left), the node is asked whether something with that tag exists before
//! anything is sent again; the same request sent again keeps its tag, so a retry first looks
//! for the earlier attempt's result.

use std::future::Future;

use super::LndError;

/// The tags of one form's attempts: sending the same request again (after an error, or
/// after editing it back to what it was) reuses the tag of the attempt that did not end
/// well, so the node can be asked about that attempt first.
#[derive(Debug)]
pub struct Attempts<K> {
    last: Option<(K, String)>,
}

impl<K> Default for Attempts<K> {
    fn default() -> Self {
        Attempts { last: None }
    }
}

impl<K: PartialEq + Clone> Attempts<K> {
    /// The tag for sending `request`, and whether an earlier attempt at it may have acted.
    pub fn tag_for(&mut self, request: &K, fresh: impl FnOnce() -> String) -> (String, bool) {
        match &self.last {
            Some((k, tag)) if k == request => (tag.clone(), true),
            _ => {
                let tag = fresh();
                self.last = Some((request.clone(), tag.clone()));
                (tag, false)
            }
        }
    }

    /// How the attempt ended. A known outcome (made, or refused in lnd's words) settles
    /// it: the same request again is a new one. A lost or unconfirmed answer keeps the tag
    /// for the retry.
    pub fn record<T>(&mut self, outcome: &Result<T, LndError>) {
        let known = match outcome {
            Ok(_) => true,
            Err(e) => !e.may_have_acted() && !matches!(e, LndError::Unconfirmed { .. }),
        };
        if known {
            self.last = None;
        }
    }
}

/// Sends once. `find` asks the node for what carries this attempt's tag; `send` makes the
/// request. A retry looks first; a lost answer is looked up before it is reported. When
/// the node cannot be asked either, the answer is `Unconfirmed` (never a silent retry).
pub async fn send_once<T, Find, Found, Send>(retry: bool, what: &str, find: Find, send: Send) -> Result<T, LndError>
where
    Find: Fn() -> Found,
    Found: Future<Output = Result<Option<T>, LndError>>,
    Send: Future<Output = Result<T, LndError>>,
{
    if retry {
        match find().await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => {}
            Err(_) => return Err(LndError::Unconfirmed { what: what.to_string() }),
        }
    }
    match send.await {
        Err(e) if e.may_have_acted() => match find().await {
            Ok(Some(found)) => Ok(found),
            // The node answered and has nothing with this tag: nothing was made.
            Ok(None) => Err(e),
            Err(_) => Err(LndError::Unconfirmed { what: what.to_string() }),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures::executor::block_on;

    use super::*;

    fn lost() -> LndError {
        LndError::Unreachable { url: "https://node:8080".into(), https: true, grpc_web: false }
    }

    #[test]
    fn the_same_request_again_keeps_its_tag_until_it_settles() {
        let mut attempts = Attempts::default();
        let mut n = 0;
        let mut fresh = || {
            n += 1;
            format!("tag{n}")
        };
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag1".into(), false));
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag1".into(), true));
        assert_eq!(attempts.tag_for(&("addr", 2000), &mut fresh), ("tag2".into(), false), "another request, another tag");
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag3".into(), false));
        attempts.record(&Err::<(), _>(lost()));
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag3".into(), true), "a lost answer keeps the tag");
        attempts.record(&Err::<(), _>(LndError::Unconfirmed { what: "payment".into() }));
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag3".into(), true));
        attempts.record(&Ok(()));
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag4".into(), false), "sent: the same again is new");
        attempts.record(&Err::<(), _>(LndError::Node { code: 2, message: "insufficient funds".into() }));
        assert_eq!(attempts.tag_for(&("addr", 1000), &mut fresh), ("tag5".into(), false), "refused: nothing was made");
    }

    #[test]
    fn a_lost_answer_is_what_the_node_made() {
        let sent = Cell::new(0);
        let send = async {
            sent.set(sent.get() + 1);
            Err::<String, _>(lost())
        };
        let got = block_on(send_once(false, "payment", || async { Ok(Some("txid".to_string())) }, send));
        assert_eq!(got, Ok("txid".into()));
        assert_eq!(sent.get(), 1);
    }

    #[test]
    fn a_lost_answer_the_node_cannot_be_asked_about_is_unconfirmed() {
        let got = block_on(send_once(false, "payment", || async { Err::<Option<String>, _>(lost()) }, async { Err(lost()) }));
        assert_eq!(got, Err(LndError::Unconfirmed { what: "payment".into() }));
        assert!(LndError::Unconfirmed { what: "payment".into() }.to_string().contains("could not confirm whether this went through"));
    }

    #[test]
    fn a_lost_answer_for_which_the_node_has_nothing_is_the_failure_itself() {
        let got = block_on(send_once(false, "payment", || async { Ok(None::<String>) }, async { Err(lost()) }));
        assert_eq!(got, Err(lost()));
    }

    #[test]
    fn a_refusal_is_not_looked_up() {
        let asked = Cell::new(false);
        let refusal = LndError::Node { code: 2, message: "insufficient funds available to construct transaction".into() };
        let find = || {
            asked.set(true);
            async { Ok(Some("txid".to_string())) }
        };
        let got = block_on(send_once(false, "payment", find, async { Err(refusal.clone()) }));
        assert_eq!(got, Err(refusal));
        assert!(!asked.get());
        // A cut gRPC-web frame (Internal) or a proxy's Unavailable may follow the node acting.
        assert!(LndError::Node { code: 13, message: "protocol error".into() }.may_have_acted());
        assert!(LndError::Node { code: 14, message: "upstream connect error".into() }.may_have_acted());
        assert!(!LndError::Input("Enter an amount".into()).may_have_acted());
    }

    #[test]
    fn a_retry_finds_the_earlier_attempt_and_sends_nothing() {
        let sent = Cell::new(false);
        let send = async {
            sent.set(true);
            Ok("second".to_string())
        };
        let got = block_on(send_once(true, "payment", || async { Ok(Some("first".to_string())) }, send));
        assert_eq!(got, Ok("first".into()));
        assert!(!sent.get(), "nothing is sent again");
    }

    #[test]
    fn a_retry_that_cannot_look_first_sends_nothing() {
        let sent = Cell::new(false);
        let send = async {
            sent.set(true);
            Ok("second".to_string())
        };
        let got = block_on(send_once(true, "channel", || async { Err::<Option<String>, _>(lost()) }, send));
        assert_eq!(got, Err(LndError::Unconfirmed { what: "channel".into() }));
        assert!(!sent.get());
    }
}
