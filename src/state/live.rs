use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use leptos::prelude::*;

use crate::lnd::{Lnd, LndStream};
use crate::state::Session;

/// Runs `task` until the current reactive owner is cleaned up (the component unmounts or
/// the effect re-runs); dropping it cancels any request it has open.
pub fn spawn_scoped(task: impl std::future::Future<Output = ()> + 'static) {
    let (abort, reg) = AbortHandle::new_pair();
    leptos::task::spawn_local(async move {
        let _ = Abortable::new(task, reg).await;
    });
    on_cleanup(move || abort.abort());
}

/// Follows one of lnd's streams, re-opening it with a growing pause whenever it breaks or
/// ends (a proxy's idle timeout, a network change, a node restart), until `open` gives no
/// stream. `open` runs before each (re)opening, so it can resume from what was seen.
pub async fn reopening<T>(mut open: impl FnMut() -> Option<LndStream<T>>, mut on_item: impl FnMut(T)) {
    let mut pause = std::time::Duration::from_millis(500);
    while let Some(mut items) = open() {
        while let Some(Ok(item)) = items.next().await {
            on_item(item);
            pause = std::time::Duration::from_millis(500);
        }
        drop(items);
        gloo_timers::future::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_secs(8));
    }
}

/// How long a stream must be quiet before a burst of its events reloads what follows it, and
/// the longest a steady flow of events can hold a reload back.
const QUIET: std::time::Duration = std::time::Duration::from_millis(200);
const AT_MOST_EVERY_MS: f64 = 1_000.0;

/// A counter that goes up with the messages of one of lnd's event streams, for as long as
/// the calling component lives (the stream is cancelled on unmount or reconnect). Resources
/// that track it reload whenever the node reports a change, and after the stream was
/// re-opened or the connection came back, since a break may have hidden changes. A burst
/// (a block confirming many wallet transactions, a payment's many HTLC events) counts once,
/// when it has ended: each reload asks the node again, so one per event would cost a page
/// one request per message.
pub fn refresh_on<T: 'static>(open: impl Fn(&Lnd) -> LndStream<T> + Clone + 'static) -> ReadSignal<u32> {
    let session = Session::get();
    let (count, set_count) = signal(0u32);
    Effect::new(move |seen: Option<u32>| {
        let now = session.reconnects.get();
        if seen.is_some_and(|s| s != now) {
            set_count.update(|c| *c += 1);
        }
        now
    });
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        let open = open.clone();
        let mut first = true;
        let (events, mut bursts) = futures::channel::mpsc::unbounded::<()>();
        spawn_scoped(reopening(
            move || {
                if !std::mem::take(&mut first) {
                    set_count.update(|c| *c += 1);
                }
                Some(open(&lnd))
            },
            move |_| {
                let _ = events.unbounded_send(());
            },
        ));
        spawn_scoped(async move {
            while bursts.next().await.is_some() {
                let started = js_sys::Date::now();
                loop {
                    let more = futures::future::select(bursts.next(), Box::pin(gloo_timers::future::sleep(QUIET))).await;
                    match more {
                        futures::future::Either::Left((Some(()), _)) if js_sys::Date::now() - started < AT_MOST_EVERY_MS => continue,
                        _ => break,
                    }
                }
                set_count.update(|c| *c += 1);
            }
        });
    });
    count
}
