//! Parts of a page that call an RPC the session's macaroon may not allow: instead of a form
//! lnd would refuse, a card that says what is missing and what to do. Pages name the RPC;
//! what it needs is lnd's own table (`lnrpc::permissions`), as devnode checks it.

use leptos::prelude::*;

use crate::state::Session;

/// lnd's permissions for `method` (`/package.Service/Method`); a test keeps every method
/// the app calls in the table.
fn required(method: &str) -> &'static [(&'static str, &'static str)] {
    lnrpc::permissions::required(method).unwrap_or(&[])
}

/// Whether the connected macaroon may call `method` (a macaroon the app cannot read is
/// given the benefit of the doubt: lnd decides).
pub fn allowed(method: &str) -> bool {
    let perms = required(method);
    Session::get().lnd.with(|l| l.as_ref().and_then(|l| l.access()).is_none_or(|a| a.allows(perms)))
}

fn missing_words(perms: &[(&str, &str)]) -> String {
    perms.iter().map(|(e, a)| format!("{e}:{a}")).collect::<Vec<_>>().join(" and ")
}

/// Nothing when the macaroon may call `rpc`; otherwise a line saying it cannot `what`.
#[component]
pub fn Lacks(rpc: &'static str, what: &'static str) -> impl IntoView {
    let perms = required(rpc);
    (!allowed(rpc)).then(|| {
        view! {
            <p class="small muted needs" data-needs=missing_words(perms)>
                {format!("This macaroon cannot {what} (it lacks {}).", missing_words(perms))}
            </p>
        }
    })
}

/// `children` when the macaroon may call `rpc`; otherwise a card titled `title` saying that
/// this macaroon cannot `what`.
#[component]
pub fn Needs(rpc: &'static str, title: &'static str, what: &'static str, children: ChildrenFn) -> impl IntoView {
    let perms = required(rpc);
    move || {
        if allowed(rpc) {
            children().into_any()
        } else {
            view! {
                <section class="card needs" data-needs=missing_words(perms)>
                    <h2>{title}</h2>
                    <p>{format!("The macaroon you connected with cannot {what}: it lacks the {} permission.", missing_words(perms))}</p>
                    <p class="small muted">"Connect with admin.macaroon, or bake one that includes it (lncli bakemacaroon)."</p>
                </section>
            }
            .into_any()
        }
    }
}
