//! The store's API keys, which the platform reports events with: list,
//! create (the token is shown once: only its hash is kept), revoke.

use leptos::prelude::*;

use crate::{
    api::{CreateApiKey, RevokeApiKey, store_api_keys},
    error::AppError,
    model::ApiKeyView,
};

/// The panel's actions and the list they refresh.
#[derive(Clone, Copy)]
pub struct Keys {
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    list: Resource<Result<Vec<ApiKeyView>, AppError>>,
}

impl Keys {
    pub fn new(store_id: i64) -> Keys {
        let create = ServerAction::<CreateApiKey>::new();
        let revoke = ServerAction::<RevokeApiKey>::new();
        let list = Resource::new(
            move || (create.version().get(), revoke.version().get()),
            move |_| store_api_keys(store_id),
        );
        Keys {
            create,
            revoke,
            list,
        }
    }
}

#[component]
pub fn KeysPanel(store_id: i64, keys: Keys) -> impl IntoView {
    let Keys {
        create,
        revoke,
        list,
    } = keys;
    let created = move || {
        create.value().get().map(|result| match result {
            Ok(created) => view! {
                <p class="notice" role="status" data-testid="key-created">
                    {format!("Key \"{}\" created. Its token, shown only now: ", created.key.name)}
                    <code data-testid="key-token">{created.token}</code>
                </p>
            }
            .into_any(),
            Err(error) => {
                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
            }
        })
    };
    view! {
        <section class="api-keys" data-testid="api-keys">
            <h2>"API keys"</h2>
            <p class="muted">
                "The platform sends this store's events with a key: "
                <code>{format!("POST /api/v1/stores/{store_id}/events")}</code>
                ". A revoked key stops working at once."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    list.get()
                        .map(|result| match result {
                            Ok(keys) => view! { <KeyTable store_id keys revoke /> }.into_any(),
                            Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                        })
                }}
            </Transition>
            <ActionForm action=create attr:class="inline-form">
                <input type="hidden" name="store_id" value=store_id.to_string() />
                <input
                    name="name"
                    required
                    maxlength="200"
                    placeholder="What the key is for"
                    aria-label="New key's name"
                    data-testid="key-name"
                />
                <button type="submit" class="button" data-testid="key-create">"Create key"</button>
            </ActionForm>
            {created}
        </section>
    }
}

#[component]
fn KeyTable(
    store_id: i64,
    keys: Vec<ApiKeyView>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="muted" data-testid="keys-none">"No keys yet."</p> }.into_any();
    }
    let rows = keys
        .into_iter()
        .map(|key| {
            let state = match key.revoked_on.clone() {
                Some(on) => view! { <span class="muted">{format!("revoked {on}")}</span> }.into_any(),
                None => view! {
                    <ActionForm action=revoke attr:class="inline-form">
                        <input type="hidden" name="store_id" value=store_id.to_string() />
                        <input type="hidden" name="key_id" value=key.id.to_string() />
                        <button type="submit" class="button danger" data-testid="key-revoke">"Revoke"</button>
                    </ActionForm>
                }
                .into_any(),
            };
            view! {
                <tr data-testid="key-row">
                    <td>{key.name.clone()}</td>
                    <td><code>{format!("{}…", key.prefix)}</code></td>
                    <td>{key.created_on.clone()}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="keys-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Token"</th>
                    <th>"Created"</th>
                    <th><span class="visually-hidden">"State"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
