use leptos::prelude::*;

use super::CopyButton;
use crate::format::{middle_ellipsis, shown_text};
use crate::state::{Aliases, Session};

/// A peer as every list shows it: its alias (neutralised, isolated) where lnd gave one or the
/// graph knows one, else its shortened key; the whole key in the tooltip and on "Copy key".
/// Only an empty `alias` asks the graph, once per key for the page load (`Aliases`).
#[component]
pub fn PeerName(key: String, #[prop(optional)] alias: String) -> impl IntoView {
    let name: Signal<Option<String>> = if alias.is_empty() {
        let (session, aliases, key) = (Session::get(), Aliases::get(), key.clone());
        let found = LocalResource::new(move || {
            let (lnd, key) = (session.lnd.get(), key.clone());
            async move {
                match lnd {
                    Some(lnd) => aliases.of(&lnd, &key).await,
                    None => None,
                }
            }
        });
        Signal::derive(move || found.get().flatten())
    } else {
        Signal::stored(Some(alias))
    };
    let (short, title) = (middle_ellipsis(&key, 10), key.clone());
    view! {
        <span class="small peer-name" title=title>
            {move || match name.get() {
                Some(a) => view! { <bdi class="peer-alias">{shown_text(&a)}</bdi> }.into_any(),
                None => view! { <span class="mono">{short.clone()}</span> }.into_any(),
            }}
            " " <CopyButton text=key label="Copy key"/>
        </span>
    }
}
