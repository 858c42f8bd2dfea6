//! Parts of a page that need permissions the session's macaroon may not have: instead of a
//! form lnd would refuse, a card that says what is missing and what to do.

use leptos::prelude::*;

use crate::state::Session;

/// Whether the connected macaroon grants `perms` (a macaroon the app cannot read is given
/// the benefit of the doubt: lnd decides).
pub fn allowed(perms: &[(&str, &str)]) -> bool {
    Session::get().lnd.with(|l| l.as_ref().and_then(|l| l.access()).is_none_or(|a| a.allows(perms)))
}

fn missing_words(perms: &[(&str, &str)]) -> String {
    perms.iter().map(|(e, a)| format!("{e}:{a}")).collect::<Vec<_>>().join(" and ")
}

/// Nothing when the macaroon allows `perms`; otherwise a line saying it cannot `what`.
#[component]
pub fn Lacks(perms: &'static [(&'static str, &'static str)], what: &'static str) -> impl IntoView {
    (!allowed(perms)).then(|| {
        view! {
            <p class="small muted needs" data-needs=missing_words(perms)>
                {format!("This macaroon cannot {what} (it lacks {}).", missing_words(perms))}
            </p>
        }
    })
}

/// `children` when the macaroon allows `perms`; otherwise a card titled `title` saying that
/// this macaroon cannot `what`.
#[component]
pub fn Needs(perms: &'static [(&'static str, &'static str)], title: &'static str, what: &'static str, children: ChildrenFn) -> impl IntoView {
    move || {
        if allowed(perms) {
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
