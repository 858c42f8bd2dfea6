//! An event stream as lnd keeps one for each of its clients: every event, in order, however
//! slowly the client reads (lnd's invoice registry queues each subscriber's events in an
//! unbounded `queue.ConcurrentQueue`). A tokio broadcast channel would drop what a slow
//! reader has not taken once its capacity is passed, which lnd never does.

use std::sync::Mutex;

use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

pub struct Feed<T>(Mutex<Vec<mpsc::UnboundedSender<T>>>);

impl<T: Clone> Feed<T> {
    pub fn new() -> Self {
        Feed(Mutex::new(Vec::new()))
    }

    /// Every event sent from now on.
    pub fn subscribe(&self) -> UnboundedReceiverStream<T> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        UnboundedReceiverStream::new(rx)
    }

    /// To every subscriber still reading; those that went away are forgotten.
    pub fn send(&self, event: T) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).retain(|tx| tx.send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[tokio::test]
    async fn a_slow_subscriber_gets_every_event_in_order_and_a_gone_one_is_forgotten() {
        let feed = Feed::new();
        let slow = feed.subscribe();
        drop(feed.subscribe());
        for i in 0..10_000u32 {
            feed.send(i);
        }
        assert_eq!(feed.0.lock().unwrap().len(), 1, "the dropped subscriber is forgotten");
        drop(feed);
        assert_eq!(slow.collect::<Vec<_>>().await, (0..10_000).collect::<Vec<_>>());
    }
}
