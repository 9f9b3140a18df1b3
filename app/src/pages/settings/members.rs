//! The store's accounts: list, add a member by email (a new account gets a
//! one-time password, shown once), remove a member.

use leptos::prelude::*;

use crate::{
    api::{AddStoreMember, RemoveStoreMember, store_members},
    auth::Role,
    error::AppError,
    model::MemberView,
};

/// The panel's actions and the list they refresh.
#[derive(Clone, Copy)]
pub struct Members {
    add: ServerAction<AddStoreMember>,
    remove: ServerAction<RemoveStoreMember>,
    list: Resource<Result<Vec<MemberView>, AppError>>,
}

impl Members {
    pub fn new(store_id: i64) -> Members {
        let add = ServerAction::<AddStoreMember>::new();
        let remove = ServerAction::<RemoveStoreMember>::new();
        let list = Resource::new(
            move || (add.version().get(), remove.version().get()),
            move |_| store_members(store_id),
        );
        Members { add, remove, list }
    }
}

#[component]
pub fn MembersPanel(store_id: i64, members: Members) -> impl IntoView {
    let Members { add, remove, list } = members;
    let added = move || {
        add.value().get().map(|result| match result {
            Ok(added) => view! {
                <p class="notice" role="status" data-testid="member-added">
                    {format!("{} can now open this store.", added.email)}
                    {added
                        .one_time_password
                        .map(|password| {
                            view! {
                                " A new account: give them this password, shown only now: "
                                <code data-testid="member-password">{password}</code>
                            }
                        })}
                </p>
            }
            .into_any(),
            Err(error) => {
                view! { <p class="error" role="alert" data-testid="member-refused">{error.to_string()}</p> }
                    .into_any()
            }
        })
    };
    let removed_error = move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })
    };
    view! {
        <section class="members" data-testid="members">
            <h2>"Members"</h2>
            <p class="muted">
                "Members read customers, export them and write notes and tags. Only the owner \
                 imports, erases, tags in bulk and changes these settings."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    list.get()
                        .map(|result| match result {
                            Ok(members) => view! { <MemberTable store_id members remove /> }.into_any(),
                            Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                        })
                }}
            </Transition>
            {removed_error}
            <ActionForm action=add attr:class="inline-form">
                <input type="hidden" name="store_id" value=store_id.to_string() />
                <input
                    type="email"
                    name="email"
                    required
                    maxlength="254"
                    placeholder="name@example.com"
                    aria-label="New member's email"
                    data-testid="member-email"
                />
                <button type="submit" class="button" data-testid="member-add">"Add member"</button>
            </ActionForm>
            {added}
        </section>
    }
}

#[component]
fn MemberTable(
    store_id: i64,
    members: Vec<MemberView>,
    remove: ServerAction<RemoveStoreMember>,
) -> impl IntoView {
    let rows = members
        .into_iter()
        .map(|member| {
            let label = format!("Remove {}", member.email);
            let action = (member.role != Role::Owner).then(|| {
                view! {
                    <ActionForm action=remove attr:class="inline-form">
                        <input type="hidden" name="store_id" value=store_id.to_string() />
                        <input type="hidden" name="account_id" value=member.account_id.to_string() />
                        <button
                            type="submit"
                            class="button danger"
                            data-testid="member-remove"
                            aria-label=label
                        >
                            "Remove"
                        </button>
                    </ActionForm>
                }
            });
            view! {
                <tr data-testid="member-row">
                    <td data-testid="member-row-email">{member.email.clone()}</td>
                    <td>{member.role.as_str()}</td>
                    <td>{member.added_on.clone()}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="members-table">
            <thead>
                <tr>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Added"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
