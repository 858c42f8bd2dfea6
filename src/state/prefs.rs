use leptos::prelude::*;

use super::browser::storage;
use crate::input::amount::Unit;

const UNIT_KEY: &str = "lightdeck.unit";

/// Display preferences, kept in localStorage (nothing secret).
#[derive(Clone, Copy)]
pub struct Prefs {
    pub unit: RwSignal<Unit>,
}

impl Prefs {
    pub fn provide() -> Self {
        let saved = storage().and_then(|s| s.get_item(UNIT_KEY).ok().flatten());
        let unit = RwSignal::new(if saved.as_deref() == Some("BTC") { Unit::Btc } else { Unit::Sat });
        Effect::new(move |_| {
            let label = unit.get().label();
            if let Some(s) = storage() {
                let _ = s.set_item(UNIT_KEY, label);
            }
        });
        let prefs = Prefs { unit };
        provide_context(prefs);
        prefs
    }

    pub fn get() -> Self {
        expect_context::<Prefs>()
    }
}
