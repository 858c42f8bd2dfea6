//! The node's invoices as the app holds them: in order of add index, loaded a page at a
//! time, and patched by SubscribeInvoices, resumed after any break from the last add and
//! settle indexes seen. A burst of events is applied in one update, so a
//! node that takes thousands of payments a second redraws its list a few times a second,
//! not once per invoice, and none is lost.

use std::sync::Arc;

use leptos::prelude::*;

use crate::lnd::{Lnd, LndError, pb};
use crate::state::reopening;

/// One invoice, shared between the store and the rows drawn from it.
pub type Row = Arc<pb::Invoice>;

/// How long events gather before they are applied together.
const GATHER: std::time::Duration = std::time::Duration::from_millis(50);
/// How long a new subscription is given to reach the node before a node that had no
/// invoices is asked again.
const SETTLE_IN: std::time::Duration = std::time::Duration::from_secs(1);
/// lnd's page of ListInvoices as this app asks for it.
pub const PAGE: u64 = 100;

/// Newest first (by add index, which lnd gives in order of creation).
#[derive(Default)]
struct Held(Vec<Row>);

impl Held {
    fn insert(&mut self, inv: pb::Invoice) {
        // Newest first: the list is ordered by add index, descending.
        match self.0.binary_search_by(|held| inv.add_index.cmp(&held.add_index)) {
            // A page read before a settlement arrived must not undo it.
            Ok(at) if self.0[at].settle_index > inv.settle_index => {}
            Ok(at) => self.0[at] = Arc::new(inv),
            Err(at) => self.0.insert(at, Arc::new(inv)),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Invoices {
    held: RwSignal<Held>,
    pub error: RwSignal<Option<LndError>>,
    /// The oldest add index loaded, for paging back.
    pub oldest: RwSignal<u64>,
    /// Events not yet applied, and whether their update is on its way.
    arriving: StoredValue<(Vec<pb::Invoice>, bool)>,
}

impl Default for Invoices {
    fn default() -> Self {
        Self::new()
    }
}

impl Invoices {
    pub fn new() -> Self {
        Invoices { held: RwSignal::new(Held::default()), error: RwSignal::new(None), oldest: RwSignal::new(0), arriving: StoredValue::new((Vec::new(), false)) }
    }

    pub fn clear(&self) {
        self.held.set(Held::default());
    }

    /// Puts invoices in (a newer copy replaces the one held) in one update.
    pub fn merge(&self, invoices: impl IntoIterator<Item = pb::Invoice>) {
        let _ = self.held.try_update(|held| invoices.into_iter().for_each(|inv| held.insert(inv)));
    }

    /// An event from the node: applied with those arriving beside it.
    fn arrived(self, inv: pb::Invoice) {
        let first = self.arriving.try_update_value(|(queue, scheduled)| {
            queue.push(inv);
            !std::mem::replace(scheduled, true)
        });
        if first != Some(true) {
            return;
        }
        leptos::task::spawn_local(async move {
            gloo_timers::future::sleep(GATHER).await;
            // The page may have gone meanwhile; then there is nothing to update.
            if let Some(batch) = self.arriving.try_update_value(|(queue, scheduled)| {
                *scheduled = false;
                std::mem::take(queue)
            }) {
                self.merge(batch);
            }
        });
    }

    /// Newest first, those `keep` accepts.
    pub fn newest_first(&self, keep: impl Fn(&pb::Invoice) -> bool) -> Vec<Row> {
        self.held.with(|h| h.0.iter().filter(|i| keep(i)).cloned().collect())
    }

    pub fn len(&self) -> usize {
        self.held.with(|h| h.0.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The page of lnd's ListInvoices before `offset` (0: the newest), newest first.
    async fn page_before(self, lnd: &Lnd, offset: u64) -> Result<(), LndError> {
        let page = lnd.list_invoices(pb::ListInvoiceRequest { index_offset: offset, num_max_invoices: PAGE, reversed: true, ..Default::default() }).await?;
        // An empty page keeps the place reached (a page before the first is empty).
        if !page.invoices.is_empty() {
            let _ = self.oldest.try_set(page.first_index_offset);
        }
        self.merge(page.invoices);
        Ok(())
    }

    pub fn find(&self, hash: &[u8]) -> Option<Row> {
        self.held.with(|h| h.0.iter().find(|i| i.r_hash == hash).cloned())
    }

    /// Loads the newest page, then follows SubscribeInvoices; after a break, resumes from
    /// the highest add and settle indexes seen, so the node replays what was missed.
    pub async fn follow(self, lnd: Lnd) {
        self.error.set(self.page_before(&lnd, 0).await.err());
        // lnd replays what a subscription missed only after a known add index, so for a
        // node with no invoice yet one made before the stream reached the node would be
        // missed (a plain-HTTP stream may wait for a free connection): once the stream has
        // had time to start, the list is read once more.
        let is_empty = move || self.held.try_with_untracked(|h| h.0.is_empty()) == Some(true);
        if is_empty() {
            let lnd = lnd.clone();
            leptos::task::spawn_local(async move {
                gloo_timers::future::sleep(SETTLE_IN).await;
                if is_empty() {
                    let _ = self.page_before(&lnd, 0).await;
                }
            });
        }
        let resume = move || {
            let (add, settle) = self.held.with_untracked(|h| (h.0.first().map_or(0, |i| i.add_index), h.0.iter().map(|i| i.settle_index).max().unwrap_or(0)));
            Some(lnd.subscribe_invoices(add, settle))
        };
        reopening(resume, move |inv| self.arrived(inv)).await;
    }

    /// The page of invoices before the oldest loaded.
    pub async fn load_older(self, lnd: Lnd) -> Result<(), LndError> {
        self.page_before(&lnd, self.oldest.get_untracked()).await
    }
}
