//! Pages fetched on their first visit. With the `split` feature (the release build; see
//! `xtask/src/split.rs`) each is compiled into a part of the build of its own, which the
//! browser downloads when the page is first opened, so the first screen costs only the
//! shell, the connect, unlock, vault and node pages and the node client. Without it
//! (`trunk serve`, the in-browser tests) they are ordinary routes behind the same types.

use leptos::prelude::*;
use leptos_router::LazyRoute;

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
                $part().await
            }
        }

        #[cfg_attr(feature = "split", leptos::lazy($part))]
        async fn $part() -> AnyView {
            view! { <super::$page/> }.into_any()
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
