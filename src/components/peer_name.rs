use leptos::prelude::*;

use super::CopyButton;
use crate::format::{middle_ellipsis, shown_text};
use crate::state::{Aliases, Session};

/// A peer as every list shows it: its alias (neutralised, isolated) where lnd gave one or the
/// graph knows one, else its shortened key; the whole key in the tooltip and on "Copy key".
/// Only an empty `alias` asks the graph, once per key for the page load (`Aliases`).
#[component]
pub fn PeerName(key: String, #[prop(optional)] alias: String) -> impl IntoView {
    let session = Session::get();
    let aliases = Aliases::get();
    let known = (!alias.is_empty()).then_some(alias);
    let found = LocalResource::new({
        let (key, known) = (key.clone(), known.clone());
        move || {
            let (lnd, key, known) = (session.lnd.get(), key.clone(), known.clone());
            async move {
                match (known, lnd) {
                    (Some(a), _) => Some(a),
                    (None, Some(lnd)) => aliases.of(&lnd, &key).await,
                    (None, None) => None,
                }
            }
        }
    });
    let (short, title) = (middle_ellipsis(&key, 10), key.clone());
    view! {
        <span class="small peer-name" title=title>
            {move || match found.get().flatten().or_else(|| known.clone()) {
                Some(a) => view! { <bdi class="peer-alias">{shown_text(&a)}</bdi> }.into_any(),
                None => view! { <span class="mono">{short.clone()}</span> }.into_any(),
            }}
            " " <CopyButton text=key label="Copy key"/>
        </span>
    }
}
