use leptos::prelude::*;

use super::browser::storage;
use crate::input::amount::Unit;

const UNIT_KEY: &str = "lightdeck.unit";
const THEME_KEY: &str = "lightdeck.theme";

/// Light or dark: the system's choice unless the user picks one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The stored word, also the value of the `data-theme` attribute the style sheet reads.
    pub fn word(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_word(word: &str) -> Theme {
        Theme::ALL.into_iter().find(|t| t.word() == word).unwrap_or(Theme::System)
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "As the system",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

/// Display preferences, kept in localStorage (nothing secret).
#[derive(Clone, Copy)]
pub struct Prefs {
    pub unit: RwSignal<Unit>,
    pub theme: RwSignal<Theme>,
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
        let saved = storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten());
        let theme = RwSignal::new(saved.as_deref().map_or(Theme::System, Theme::from_word));
        Effect::new(move |_| {
            let theme = theme.get();
            show_theme(theme);
            if let Some(s) = storage() {
                let _ = s.set_item(THEME_KEY, theme.word());
            }
        });
        let prefs = Prefs { unit, theme };
        provide_context(prefs);
        prefs
    }

    pub fn get() -> Self {
        expect_context::<Prefs>()
    }
}

/// Puts the choice on the document, where the style sheet's colours and the browser's
/// own widgets (`color-scheme`) follow it, and tints the phone's status bar to match.
fn show_theme(theme: Theme) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(root) = document.document_element() {
        let _ = match theme {
            Theme::System => root.remove_attribute("data-theme"),
            chosen => root.set_attribute("data-theme", chosen.word()),
        };
    }
    // index.html has one status-bar colour per system scheme; a chosen theme sets both.
    let Ok(bars) = document.query_selector_all("meta[name=theme-color]") else { return };
    for i in 0..bars.length() {
        let Some(bar) = bars.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok()) else { continue };
        let system = if bar.get_attribute("media").is_some_and(|m| m.contains("light")) { LIGHT_BAR } else { DARK_BAR };
        let colour = match theme {
            Theme::System => system,
            Theme::Light => LIGHT_BAR,
            Theme::Dark => DARK_BAR,
        };
        let _ = bar.set_attribute("content", colour);
    }
}

/// The top bar's colour in each theme (style/main.css's `--panel`).
const LIGHT_BAR: &str = "#ffffff";
const DARK_BAR: &str = "#1d2029";
