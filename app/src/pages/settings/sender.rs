//! The address the store's campaigns come from: the store's own (a domain
//! its mail provider lets this server send for), or the server's
//! `MAIL_FROM` when none is set.

use leptos::prelude::*;

use crate::{
    api::{SetStoreSender, store_sender},
    error::AppError,
    model::SenderView,
};

/// The panel's action and the value it refreshes.
#[derive(Clone, Copy)]
pub struct Sender {
    save: ServerAction<SetStoreSender>,
    current: Resource<Result<SenderView, AppError>>,
}

impl Sender {
    pub fn new(store_id: i64) -> Sender {
        let save = ServerAction::<SetStoreSender>::new();
        let current = Resource::new(
            move || save.version().get(),
            move |_| store_sender(store_id),
        );
        Sender { save, current }
    }
}

#[component]
pub fn SenderPanel(store_id: i64, sender: Sender) -> impl IntoView {
    let Sender { save, current } = sender;
    let outcome = move || {
        save.value().get().map(|result| match result {
            Ok(()) => {
                view! { <p class="notice" role="status" data-testid="sender-saved">"Saved."</p> }
                    .into_any()
            }
            Err(error) => {
                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
            }
        })
    };
    view! {
        <section class="sender" data-testid="sender">
            <h2>"Campaign sender"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    current
                        .get()
                        .map(|result| match result {
                            Ok(view) => {
                                let fallback = if view.server_default.is_empty() {
                                    "this server's MAIL_FROM".to_string()
                                } else {
                                    view.server_default.clone()
                                };
                                view! {
                                    <p class="muted">
                                        "Campaigns are sent from "
                                        <strong data-testid="sender-current">
                                            {view.address.clone().unwrap_or_else(|| fallback.clone())}
                                        </strong>
                                        ". Leave the address empty to use " {fallback} "."
                                    </p>
                                    <ActionForm action=save attr:class="inline-form">
                                        <input type="hidden" name="store_id" value=store_id.to_string() />
                                        <label>
                                            "Sender address "
                                            <input
                                                type="email"
                                                name="address"
                                                maxlength="254"
                                                data-testid="sender-address"
                                                value=view.address.unwrap_or_default()
                                            />
                                        </label>
                                        <button type="submit" class="button">"Save"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                        })
                }}
            </Transition>
            {outcome}
        </section>
    }
}
