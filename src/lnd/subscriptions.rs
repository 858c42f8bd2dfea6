//! The streams that only follow the node (subscriptions), and what the browser asks of them.
//!
//! **Room.** Over `http:` a browser speaks HTTP/1.1, with at most six connections per host,
//! and a stream (REST's NDJSON or gRPC-web: a fetch whose body never ends) holds one for as
//! long as it is open. A page following more streams than that (the Receive page opens one
//! per held payment) would leave no connection for the calls themselves, and every button
//! would hang. So at most [`PER_HOST`] subscriptions run at once per plain-HTTP host; the
//! next waits until one closes. Over `https:` the connection is usually HTTP/2, which
//! multiplexes, and nothing is limited.
//!
//! **Leaving the page.** A page the user leaves may be kept whole in the browser's
//! back/forward cache, frozen, with its fetches still open: Chromium keeps their
//! connections, so the next page of the app (a link that opens it, a new visit) found the
//! host's six connections taken and hung on its first call. On `pagehide` every
//! subscription is closed at once, which aborts its fetch; the page's own loops re-open
//! them when it is shown again (and reload what they follow, since events were missed).
//!
//! Streams that carry an action (open, close, pay, track) take no part: see `Lnd::followed`.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures::{Stream, StreamExt};

use super::{LndError, LndStream};

/// Two of the six connections stay free for unary calls.
pub const PER_HOST: usize = 4;

#[derive(Default)]
struct Host {
    open: Cell<usize>,
    waiting: RefCell<VecDeque<Waker>>,
}

/// One stream's place; dropping it (the stream ended or was dropped) lets the next in.
struct Slot(Rc<Host>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.set(self.0.open.get().saturating_sub(1));
        // Every waiter looks again: one woken alone might have been dropped meanwhile (its
        // page closed), and the room would go unused.
        let waiting: Vec<Waker> = self.0.waiting.borrow_mut().drain(..).collect();
        waiting.into_iter().for_each(Waker::wake);
    }
}

/// An open subscription as the page-leaving hook sees it: the stream itself (taken out and
/// dropped to close it) and the task polling it (woken to see that it ended).
struct Open<T> {
    stream: Option<LndStream<T>>,
    slot: Option<Slot>,
    waker: Option<Waker>,
}

trait Closable {
    fn close(&self);
}

impl<T> Closable for RefCell<Open<T>> {
    fn close(&self) {
        let (stream, slot, waker) = {
            let mut open = self.borrow_mut();
            (open.stream.take(), open.slot.take(), open.waker.take())
        };
        // Dropped outside the borrow: a dropped fetch or slot may wake other tasks.
        drop(stream);
        drop(slot);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

thread_local! {
    static HOSTS: RefCell<HashMap<String, Rc<Host>>> = RefCell::new(HashMap::new());
    static OPEN: RefCell<Vec<Weak<dyn Closable>>> = const { RefCell::new(Vec::new()) };
}

/// Waits for room for one more stream to `base`, if it is plain HTTP; `None` when no limit
/// applies.
async fn room(base: &str) -> Option<Slot> {
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

/// `raw` as a subscription to `base`: it opens (`raw` is polled, so its fetch starts) once
/// there is room, and ends early if the page is left.
pub fn follow<T: 'static>(base: String, raw: LndStream<T>) -> LndStream<T> {
    let opened = async move {
        let slot = room(&base).await;
        let open = Rc::new(RefCell::new(Open { stream: Some(raw), slot, waker: None }));
        OPEN.with(|all| {
            let mut all = all.borrow_mut();
            all.retain(|o| o.strong_count() > 0);
            let weak: Weak<dyn Closable> = Rc::downgrade(&open) as Weak<dyn Closable>;
            all.push(weak);
        });
        #[cfg(target_arch = "wasm32")]
        close_on_pagehide();
        Following(open)
    };
    Box::pin(futures::stream::once(opened).flatten())
}

struct Following<T>(Rc<RefCell<Open<T>>>);

impl<T> Stream for Following<T> {
    type Item = Result<T, LndError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut open = self.0.borrow_mut();
        let Some(stream) = open.stream.as_mut() else { return Poll::Ready(None) };
        let next = stream.poll_next_unpin(cx);
        open.waker = Some(cx.waker().clone());
        next
    }
}

impl<T> Drop for Following<T> {
    fn drop(&mut self) {
        // The stream and its slot go with it; its entry in OPEN is left to expire.
        self.0.close();
    }
}

/// Closes every open subscription now (the page is being left).
pub fn close_all() {
    let all: Vec<Rc<dyn Closable>> = OPEN.with(|all| all.borrow_mut().drain(..).filter_map(|o| o.upgrade()).collect());
    all.iter().for_each(|o| o.close());
}

/// Installs the `pagehide` hook once per page.
#[cfg(target_arch = "wasm32")]
fn close_on_pagehide() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    thread_local! {
        static INSTALLED: Cell<bool> = const { Cell::new(false) };
    }
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let hook = Closure::<dyn Fn()>::new(close_all);
    let _ = window.add_event_listener_with_callback("pagehide", hook.as_ref().unchecked_ref());
    // The hook lives as long as the page does.
    hook.forget();
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use futures::channel::mpsc;

    type Sender = mpsc::UnboundedSender<Result<u32, LndError>>;

    /// A stream that stays open until its sender goes, and tells when it is dropped.
    fn endless() -> (Sender, LndStream<u32>, Rc<Cell<bool>>) {
        let (tx, rx) = mpsc::unbounded();
        let dropped = Rc::new(Cell::new(false));
        struct Tell(Rc<Cell<bool>>);
        impl Drop for Tell {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let tell = Tell(Rc::clone(&dropped));
        let stream = rx.map(move |item| {
            let _ = &tell;
            item
        });
        (tx, Box::pin(stream), dropped)
    }

    fn open_now(base: &str) -> (LndStream<u32>, Rc<Cell<bool>>) {
        let (tx, raw, dropped) = endless();
        std::mem::forget(tx);
        let mut stream = follow(base.to_string(), raw);
        assert!(stream.next().now_or_never().is_none(), "open, nothing sent yet");
        (stream, dropped)
    }

    #[test]
    fn plain_http_hosts_get_four_streams_and_the_fifth_waits_for_a_free_one() {
        let host = "http://10.0.0.5:8080";
        let mut open: Vec<LndStream<u32>> = (0..PER_HOST).map(|_| open_now(host).0).collect();
        let (tx, raw, dropped) = endless();
        let mut fifth = follow(format!("{host}/"), raw);
        assert!(fifth.next().now_or_never().is_none(), "a fifth stream waits");
        tx.unbounded_send(Ok(7)).expect("send");
        assert!(fifth.next().now_or_never().is_none(), "still waiting: it was not opened");
        assert!(!dropped.get());
        // Another host, and any https endpoint, are not held up.
        let (_other, _) = open_now("http://10.0.0.6:8080");
        let (_tls, _) = open_now("https://10.0.0.5:8080");
        open.pop();
        assert!(matches!(fifth.next().now_or_never(), Some(Some(Ok(7)))), "a closed stream makes room");
    }

    #[test]
    fn leaving_the_page_closes_every_subscription_and_frees_its_room() {
        let host = "http://10.0.0.7:8080";
        let mut open: Vec<(LndStream<u32>, Rc<Cell<bool>>)> = (0..PER_HOST).map(|_| open_now(host)).collect();
        let (_tls, tls_dropped) = open_now("https://10.0.0.7:8080");
        close_all();
        assert!(tls_dropped.get(), "closed whatever the transport");
        for (stream, dropped) in &mut open {
            assert!(dropped.get(), "the fetch behind it was dropped (aborted)");
            assert!(matches!(stream.next().now_or_never(), Some(None)), "its reader sees it end, so it re-opens it later");
        }
        // The page, shown again, re-opens them: there is room for as many as before.
        let again: Vec<_> = (0..PER_HOST).map(|_| open_now(host)).collect();
        assert!(again.iter().all(|(_, dropped)| !dropped.get()));
    }
}
