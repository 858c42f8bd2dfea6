use leptos::prelude::*;

use super::{ErrorView, VirtualList};
use crate::lnd::LndError;

/// Longer lists than this render only the rows in view.
const VIRTUAL_AFTER: usize = 200;
/// A virtual list's row height (single-line rows) and viewport.
const ROW_PX: f64 = 44.0;
const VIEWPORT_PX: f64 = 560.0;

/// A card listing what a resource loaded from the node: a loading line, the rows (only those
/// in view when there are many), a line for an empty list, or the error in words.
#[component]
pub fn ListCard<T, F, V>(
    title: &'static str,
    empty: &'static str,
    id: &'static str,
    #[prop(default = "rows")] class: &'static str,
    items: LocalResource<Result<Vec<T>, LndError>>,
    row: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let scrolled = StoredValue::new(0.0);
    view! {
        <section class="card">
            <h2>{title}</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || items.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
                    Ok(list) => view! { <Rows items=list id=id class=class scrolled=scrolled row=row.clone()/> }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Rows of a list: all of them when there are few, only those in view (single-line, in a
/// scrolling box that keeps its place in `scrolled`) when there are many.
#[component]
pub fn Rows<T, F, V>(items: Vec<T>, id: &'static str, class: &'static str, scrolled: StoredValue<f64>, row: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    if items.len() > VIRTUAL_AFTER {
        view! { <VirtualList items=items row_px=ROW_PX height_px=VIEWPORT_PX id=id class=format!("{class} single-line") scrolled=scrolled row=row/> }.into_any()
    } else {
        view! { <ul class=class id=id>{items.into_iter().map(row).collect_view()}</ul> }.into_any()
    }
}
