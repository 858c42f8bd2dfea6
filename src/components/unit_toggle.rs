use leptos::prelude::*;

use crate::input::amount::Unit;
use crate::state::Prefs;

/// Switches every amount on screen between sat and BTC (the choice is remembered).
#[component]
pub fn UnitToggle() -> impl IntoView {
    let unit = Prefs::get().unit;
    view! {
        <button type="button" class="copy" name="unit" title="Show amounts in sat or BTC"
            on:click=move |_| unit.update(|u| *u = if *u == Unit::Sat { Unit::Btc } else { Unit::Sat })>
            {move || if unit.get() == Unit::Sat { "Show BTC" } else { "Show sat" }}
        </button>
    }
}
