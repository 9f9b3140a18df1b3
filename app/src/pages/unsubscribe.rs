//! The page a recipient reaches from a message's unsubscribe link: no
//! sign-in, the signed token is the authority (server/src/mail_links.rs).
//! It asks first (a mail scanner following links must not unsubscribe
//! anyone); the button posts the same address a mail provider's one-click
//! POST uses (RFC 8058).

use leptos::prelude::*;
use leptos_meta::Title;

/// Where the recipient is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsubscribeStage {
    Ask,
    Done,
    /// The link is not one of ours (or was altered).
    Invalid,
}

#[component]
pub fn UnsubscribePage(
    token: String,
    store: String,
    email: String,
    stage: UnsubscribeStage,
) -> impl IntoView {
    let content = match stage {
        UnsubscribeStage::Ask => view! {
            <h1>{format!("Unsubscribe from {store}")}</h1>
            <p>{format!("{email} will get no more emails from {store}.")}</p>
            <form method="post" action=format!("/unsubscribe/{token}")>
                <button type="submit" class="button primary" data-testid="unsubscribe">
                    "Unsubscribe"
                </button>
            </form>
        }
        .into_any(),
        UnsubscribeStage::Done => view! {
            <h1 data-testid="unsubscribed">"You are unsubscribed"</h1>
            <p>{format!("{email} will get no more emails from {store}.")}</p>
        }
        .into_any(),
        UnsubscribeStage::Invalid => {
            super::not_found::set_status(404);
            view! {
                <h1>"This link does not work"</h1>
                <p>"It may have been cut short by your email program. Try the link from the email again."</p>
            }
            .into_any()
        }
    };
    view! {
        <Title text="Unsubscribe" />
        <section class="empty unsubscribe-page">{content}</section>
    }
}
