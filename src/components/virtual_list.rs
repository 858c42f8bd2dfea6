use leptos::prelude::*;

/// Rows rendered beyond the visible window on each side, so fast scrolling shows no gaps.
const OVERSCAN: usize = 8;

/// A list that renders only the rows in view (plus a margin): thousands of items stay as
/// cheap as a screenful. Every row has the same height, `row_px`. `scrolled` outlives the
/// list: when the items change and the list is drawn anew (a new transaction arrived), it
/// opens where the reader had scrolled to, not back at the top.
#[component]
pub fn VirtualList<T, F, V>(
    items: Vec<T>,
    row_px: f64,
    height_px: f64,
    id: &'static str,
    #[prop(into)] class: String,
    scrolled: StoredValue<f64>,
    row: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let total = items.len();
    // The window is drawn by one function for every kind of row: only this closure is
    // made per list type, which keeps each list's share of the bundle small.
    let draw: Draw = std::sync::Arc::new(move |i| items.get(i).cloned().map(|item| row(item).into_any()));
    window(Window { total, row_px, height_px, id, class, scrolled }, draw)
}

type Draw = std::sync::Arc<dyn Fn(usize) -> Option<AnyView> + Send + Sync>;

struct Window {
    total: usize,
    row_px: f64,
    height_px: f64,
    id: &'static str,
    class: String,
    scrolled: StoredValue<f64>,
}

fn window(w: Window, draw: Draw) -> AnyView {
    let Window { total, row_px, height_px, id, class, scrolled } = w;
    let (scroll_top, set_scroll_top) = signal(scrolled.get_value());
    let viewport = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = viewport.get() {
            el.set_scroll_top(scrolled.get_value() as i32);
        }
    });
    let window = move || {
        // The remembered offset may be past the end of a list that came back shorter.
        let first = ((scroll_top.get() / row_px) as usize).saturating_sub(OVERSCAN).min(total);
        let count = (height_px / row_px).ceil() as usize + 2 * OVERSCAN;
        (first, first.saturating_add(count).min(total))
    };
    view! {
        // Focusable, so the list scrolls from the keyboard too.
        <div class="virtual" tabindex="0" node_ref=viewport style:max-height=format!("{height_px}px") data-rows=total
            on:scroll=move |ev| {
                let top = event_target::<web_sys::Element>(&ev).scroll_top() as f64;
                scrolled.set_value(top);
                set_scroll_top.set(top);
            }>
            <div style:height=format!("{}px", total as f64 * row_px) style:position="relative">
                {move || {
                    let (first, last) = window();
                    let visible: Vec<AnyView> = (first..last).filter_map(|i| draw(i)).collect();
                    view! {
                        <ul class=class.clone() id=id style:position="absolute" style:top=format!("{}px", first as f64 * row_px) style:width="100%">
                            {visible}
                        </ul>
                    }
                }}
            </div>
        </div>
    }
    .into_any()
}
