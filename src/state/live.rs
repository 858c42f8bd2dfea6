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

/// A counter that goes up on every message of one of lnd's event streams, for as long as
/// the calling component lives (the stream is cancelled on unmount or reconnect). Resources
/// that track it reload whenever the node reports a change.
pub fn refresh_on<T: 'static>(open: impl Fn(&Lnd) -> LndStream<T> + 'static) -> ReadSignal<u32> {
    let session = Session::get();
    let (count, set_count) = signal(0u32);
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        let mut events = open(&lnd);
        spawn_scoped(async move {
            while let Some(Ok(_)) = events.next().await {
                set_count.update(|c| *c += 1);
            }
        });
    });
    count
}
