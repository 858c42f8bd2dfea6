//! Room for streams on a plain-HTTP endpoint.
//!
//! Over `http:` a browser speaks HTTP/1.1, with at most six connections per host, and a
//! stream (REST's NDJSON or gRPC-web: a fetch whose body never ends) holds one for as long
//! as it is open. A
//! page following more streams than that (the Receive page opens one per held payment)
//! would leave no connection for the calls themselves, and every button would hang. So at
//! most [`PER_HOST`] subscriptions run at once per plain-HTTP host; the next waits until
//! one closes (streams that carry an action do not take a slot: see `Lnd::followed`). Over `https:` the connection is usually HTTP/2, which multiplexes, and nothing
//! is limited.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::task::{Poll, Waker};

/// Two of the six connections stay free for unary calls.
pub const PER_HOST: usize = 4;

#[derive(Default)]
struct Host {
    open: Cell<usize>,
    waiting: RefCell<VecDeque<Waker>>,
}

/// One stream's place; dropping it (the stream ended or was dropped) lets the next in.
pub struct Slot(Rc<Host>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.set(self.0.open.get().saturating_sub(1));
        // Every waiter looks again: one woken alone might have been dropped meanwhile (its
        // page closed), and the room would go unused.
        let waiting: Vec<Waker> = self.0.waiting.borrow_mut().drain(..).collect();
        waiting.into_iter().for_each(Waker::wake);
    }
}

thread_local! {
    static HOSTS: RefCell<HashMap<String, Rc<Host>>> = RefCell::new(HashMap::new());
}

/// Waits for room for one more stream to `base`, if it is plain HTTP; `None` when no limit
/// applies.
pub async fn take(base: &str) -> Option<Slot> {
    let rest = base.strip_prefix("http://")?;
    let host = rest.split('/').next().unwrap_or(rest).to_ascii_lowercase();
    let host = HOSTS.with(|h| Rc::clone(h.borrow_mut().entry(host).or_default()));
    std::future::poll_fn(|cx| {
        if host.open.get() < PER_HOST {
            host.open.set(host.open.get() + 1);
            Poll::Ready(Slot(Rc::clone(&host)))
        } else {
            host.waiting.borrow_mut().push_back(cx.waker().clone());
            Poll::Pending
        }
    })
    .await
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn plain_http_hosts_get_four_streams_and_the_fifth_waits_for_a_free_one() {
        let slots: Vec<Slot> = (0..PER_HOST).map(|_| take("http://10.0.0.5:8080").now_or_never().flatten().expect("room")).collect();
        let mut fifth = Box::pin(take("http://10.0.0.5:8080/"));
        assert!((&mut fifth).now_or_never().is_none(), "a fifth stream waits");
        // Another host, and any https endpoint, are not held up.
        assert!(take("http://10.0.0.6:8080").now_or_never().flatten().is_some());
        assert!(take("https://10.0.0.5:8080").now_or_never().expect("ready").is_none());
        drop(slots);
        assert!(fifth.now_or_never().flatten().is_some(), "a closed stream makes room");
    }
}
