use leptos::prelude::*;
use qrcode::QrCode;
use qrcode::render::svg;

/// A QR code of `data`, drawn as SVG by the qrcode crate (the markup is ours; `data` only
/// decides the modules, so it is safe to insert).
#[component]
pub fn Qr(#[prop(into)] data: Signal<String>, #[prop(into)] label: String) -> impl IntoView {
    let svg = move || {
        QrCode::new(data.get().as_bytes())
            .map(|c| c.render::<svg::Color>().min_dimensions(220, 220).dark_color(svg::Color("#000")).light_color(svg::Color("#fff")).build())
            .unwrap_or_default()
    };
    view! { <div class="qr" role="img" aria-label=label inner_html=svg></div> }
}
