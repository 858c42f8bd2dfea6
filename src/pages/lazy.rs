//! Pages fetched on their first visit. With the `split` feature (the release build; see
//! `xtask/src/split.rs`) each is compiled into a part of the build of its own, which the
//! browser downloads when the page is first opened, so the first screen costs only the
//! shell, the connect, unlock, vault and node pages and the node client (a node whose lnd
//! wallet is locked adds the wallet page's part). Without it
//! (`trunk serve`, the in-browser tests) they are ordinary routes behind the same types.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// A page's part could not be fetched: the connection failed before the service worker had
/// it, or the app was updated since this tab opened and the host no longer has the old
/// part. The page says so (the app goes on) instead of the splitter's default, a panic.
struct PartMissing;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for PartMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartMissing
    }
}

fn part_missing() -> AnyView {
    view! {
        <div class="card error" role="alert">
            <strong class="error-title">"This page could not be downloaded."</strong>
            <p class="error-advice">
                "Check your connection, then reload. If Lightdeck was updated since this tab opened, the reload brings the new version."
            </p>
            <a class="button primary" href="">"Reload"</a>
        </div>
    }
    .into_any()
}

/// `Route: Page as part`: a route type for the router, and the function whose code (with
/// everything only it reaches) the splitter moves into the part named `part`.
macro_rules! fetched_on_first_visit {
    ($($route:ident: $page:ident as $part:ident),* $(,)?) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                #[cfg(feature = "split")]
                let page = $part().await;
                #[cfg(not(feature = "split"))]
                let page = $part();
                page.unwrap_or_else(|PartMissing| part_missing())
            }
        }

        #[cfg_attr(feature = "split", leptos::wasm_split::wasm_split($part, wasm_split_path = ::leptos::wasm_split, fallible))]
        fn $part() -> Result<AnyView, PartMissing> {
            Ok(view! { <super::$page/> }.into_any())
        }
    )*};
}

fetched_on_first_visit! {
    WalletRoute: WalletPage as wallet,
    OnchainRoute: OnchainPage as onchain,
    PeersRoute: PeersPage as peers,
    ChannelsRoute: ChannelsPage as channels,
    ReceiveRoute: ReceivePage as receive,
    SendRoute: SendPage as send,
    RoutesRoute: RoutesPage as routes,
    FeesRoute: FeesPage as fees,
    BackupsRoute: BackupsPage as backups,
}
