//! `/admin/stores`, a platform admin's page (`Right::AllStores`; the page
//! gate answers 404 to anyone else): onboard a creator with a new store, its
//! currency, its time zone and its owner. An owner without an account gets
//! one, with a one-time password shown once.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::CreateStore;

#[component]
pub fn AdminStoresPage() -> impl IntoView {
    let create = ServerAction::<CreateStore>::new();
    let created = move || {
        create.value().get().map(|result| match result {
            Ok(created) => view! {
                <div class="notice" role="status" data-testid="store-created">
                    <p>
                        {format!(
                            "Created {} ({}, {}), owned by {}. ",
                            created.store.name,
                            created.store.currency,
                            created.store.time_zone,
                            created.owner.email,
                        )}
                        <a href=format!("/store/{}", created.store.id) data-testid="store-created-link">"Open it"</a>
                    </p>
                    {created
                        .owner
                        .one_time_password
                        .map(|password| {
                            view! {
                                <p>
                                    "A new account: give the owner this password, shown only now: "
                                    <code data-testid="owner-password">{password}</code>
                                </p>
                            }
                        })}
                </div>
            }
            .into_any(),
            Err(error) => {
                view! { <p class="error" role="alert" data-testid="store-refused">{error.to_string()}</p> }
                    .into_any()
            }
        })
    };
    view! {
        <Title text="New store" />
        <div class="page-head">
            <h1>"New store"</h1>
            <a class="button" href="/">"All stores"</a>
        </div>
        <ActionForm action=create attr:class="stacked-form">
            <label>
                "Name" <input name="name" required maxlength="200" data-testid="store-name-input" />
            </label>
            <label>
                "Currency"
                <input
                    name="currency"
                    required
                    minlength="3"
                    maxlength="3"
                    pattern="[A-Za-z]{3}"
                    placeholder="USD"
                    data-testid="store-currency-input"
                />
            </label>
            <label>
                "Time zone (dates on its pages are shown in it)"
                <input
                    name="time_zone"
                    required
                    value="UTC"
                    maxlength="64"
                    placeholder="Europe/Berlin"
                    data-testid="store-time-zone-input"
                />
            </label>
            <label>
                "Owner's email"
                <input type="email" name="owner_email" required maxlength="254" data-testid="store-owner-input" />
            </label>
            <button type="submit" class="button primary" data-testid="store-create">"Create store"</button>
        </ActionForm>
        {created}
    }
}
