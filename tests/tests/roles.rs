//! The rights table (`domain::access`) as the server enforces it: for every
//! registered server function and every route under a store, a member's
//! attempt at an owner's right is refused with 403 and changes nothing, an
//! owner's is allowed, and a platform admin's is allowed everywhere. The
//! test walks the server's own lists (the registered server functions,
//! `server::routes::store_route_rights`), so one added without a line here
//! fails it.

use std::sync::atomic::{AtomicUsize, Ordering};

use app::auth::{Right, Role};
use tests::{Session, TestApp, events as ev, lookup};

/// What a server function needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Signing in and out: anyone.
    Anyone,
    /// Any signed-in account, about itself.
    Account,
    /// A right in the store named by `store_id`.
    Store(Right),
    /// A right outside any one store.
    Platform(Right),
}

/// The right each server function exercises. A new server function fails
/// the test until it is added here (and so to the rights table).
fn scope_of(path: &str) -> Scope {
    use Right::*;
    match path {
        "/api/sign_in" | "/api/sign_out" => Scope::Anyone,
        "/api/who_am_i" | "/api/stores" | "/api/account/password" => Scope::Account,
        "/api/store"
        | "/api/customer/page"
        | "/api/customer/data"
        | "/api/customers/search"
        | "/api/customers/overview"
        | "/api/customers/details_html"
        | "/api/customers/details"
        | "/api/segments"
        | "/api/segments/builder"
        | "/api/segments/count"
        | "/api/campaigns"
        | "/api/campaigns/page"
        | "/api/campaigns/report"
        | "/api/campaigns/preview" => Scope::Store(ReadCustomers),
        "/api/customer/note/add"
        | "/api/customer/note/edit"
        | "/api/customer/note/delete"
        | "/api/customer/tag/add"
        | "/api/customer/tag/remove" => Scope::Store(EditCustomer),
        "/api/customers/tag"
        | "/api/customer/erase"
        | "/api/customers/import/preview"
        | "/api/customers/import"
        | "/api/segments/save"
        | "/api/segments/delete"
        | "/api/campaigns/save"
        | "/api/campaigns/test"
        | "/api/campaigns/send"
        | "/api/campaigns/control" => Scope::Store(ManageCustomers),
        "/api/start_backfill"
        | "/api/backfill_runs"
        | "/api/settings/members"
        | "/api/settings/members/add"
        | "/api/settings/members/remove"
        | "/api/settings/keys"
        | "/api/settings/keys/create"
        | "/api/settings/keys/revoke"
        | "/api/settings/sender"
        | "/api/settings/sender/save" => Scope::Store(ManageStore),
        "/api/admin/stores/create" => Scope::Platform(AllStores),
        other => panic!("server function {other} is not in the rights table of this test"),
    }
}

/// The right each store route exercises, as this test expects it.
fn route_right(path: &str) -> Right {
    match path {
        "/store/{store_id}/customers.csv"
        | "/store/{store_id}/customers/{customer_id}/export.json"
        | "/store/{store_id}/campaigns/{campaign_id}/messages/{message_id}" => Right::ReadCustomers,
        "/store/{store_id}/import" | "/store/{store_id}/import/preview" => Right::ManageCustomers,
        other => panic!("route {other} is not in the rights table of this test"),
    }
}

/// A segment definition: the store's leads.
const LEADS: &str = r#"{"match":"all","rules":[{"condition":{"field":"type","is":"lead"}}]}"#;

struct World {
    app: TestApp,
    store: i64,
    /// The store's segment of leads (everyone `fresh_customer` makes).
    segment: i64,
    /// A sent campaign and one of its messages (a file of the outbox).
    sent: (i64, i64),
    sessions: Vec<(Role, Session)>,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (store, _) = app
        .create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    lookup::add_member(app.db(), store, "mia@example.com").await;
    app.create_account("root@example.com", true).await;
    fresh_customer(&app, store).await;
    let definition = serde_json::from_str(LEADS).unwrap();
    let now = db::time::now_ms();
    let segment = db::segments::save(app.db(), store, None, "Leads", &definition, None, now)
        .await
        .unwrap();
    let campaign = draft(&app, store, segment).await;
    db::campaigns::start(app.db(), store, campaign, None, now)
        .await
        .unwrap();
    let worker = app.mail_worker().await;
    for _ in 0..10 {
        worker.round().await.unwrap();
    }
    let message = lookup::scalar(
        app.db(),
        "SELECT MIN(id) FROM campaign_messages WHERE campaign_id = $1 AND status = 'sent'",
        &[campaign],
    )
    .await;
    let sessions = vec![
        (Role::Member, app.sign_in("mia@example.com").await),
        (Role::Owner, app.sign_in("ann@example.com").await),
        (Role::PlatformAdmin, app.sign_in("root@example.com").await),
    ];
    World {
        app,
        store,
        segment,
        sent: (campaign, message),
        sessions,
    }
}

/// A new draft campaign of the store to `segment`.
async fn draft(app: &TestApp, store: i64, segment: i64) -> i64 {
    let input = db::campaigns::CampaignInput {
        name: format!("Campaign {}", unique()),
        subject: "Hello {{ first_name }}".into(),
        sender_name: "Ann".into(),
        body: "Hi {{ name }}".into(),
        segment_id: Some(segment),
    };
    db::campaigns::create(app.db(), store, &input, db::time::now_ms())
        .await
        .unwrap()
}

fn unique() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A new customer of the store (each destructive call gets its own), a
/// lead subscribed to the store's emails.
async fn fresh_customer(app: &TestApp, store: i64) -> i64 {
    let n = unique();
    let external = format!("u{n}");
    let email = format!("customer{n}@example.com");
    let user = ev::user(&external, Some(&email), Some("A Customer"));
    ev::apply(
        app.db(),
        store,
        &ev::lead_with_consent(
            &format!("lead-{n}"),
            db::time::now_ms() - 1000,
            user,
            "test",
            "subscribed",
        ),
    )
    .await;
    lookup::customer_id(app.db(), store, &external).await
}

/// Valid arguments for one call of `path` in `store`, making whatever the
/// call acts on (a customer, a note, a member, a key) so every call has its
/// own.
async fn arguments(world: &World, path: &str) -> Vec<(String, String)> {
    let (app, store) = (&world.app, world.store);
    let db = app.db();
    let n = unique();
    let now = db::time::now_ms();
    let store_arg = ("store_id", store.to_string());
    let mut args: Vec<(&str, String)> = vec![store_arg];
    match path {
        "/api/store"
        | "/api/start_backfill"
        | "/api/backfill_runs"
        | "/api/customers/search"
        | "/api/customers/overview"
        | "/api/segments"
        | "/api/segments/builder"
        | "/api/settings/members"
        | "/api/settings/keys"
        | "/api/settings/sender" => {}
        "/api/segments/count" => args.push(("definition", LEADS.into())),
        "/api/campaigns" => {}
        "/api/campaigns/page"
        | "/api/campaigns/report"
        | "/api/campaigns/preview"
        | "/api/campaigns/send" => {
            args.push((
                "campaign_id",
                draft(app, store, world.segment).await.to_string(),
            ));
        }
        "/api/campaigns/save" => {
            args.push(("name", format!("Campaign {n}")));
            args.push(("subject", "Hello".into()));
            args.push(("sender_name", "Ann".into()));
            args.push(("body", "Hi {{ first_name }}".into()));
            args.push(("segment_id", world.segment.to_string()));
        }
        "/api/campaigns/test" => {
            args.push((
                "campaign_id",
                draft(app, store, world.segment).await.to_string(),
            ));
            args.push(("to", format!("tester{n}@example.com")));
        }
        "/api/campaigns/control" => {
            args.push((
                "campaign_id",
                draft(app, store, world.segment).await.to_string(),
            ));
            args.push(("action", "delete".into()));
        }
        "/api/segments/save" => {
            args.push(("name", format!("Segment {n}")));
            args.push(("definition", LEADS.into()));
        }
        "/api/segments/delete" => {
            let definition = serde_json::from_str(LEADS).unwrap();
            let segment = db::segments::save(
                db,
                store,
                None,
                &format!("To delete {n}"),
                &definition,
                None,
                now,
            )
            .await
            .unwrap();
            args.push(("segment_id", segment.to_string()));
        }
        "/api/customer/page"
        | "/api/customer/data"
        | "/api/customers/details_html"
        | "/api/customers/details" => {
            args.push(("customer_id", fresh_customer(app, store).await.to_string()));
        }
        "/api/customer/note/add" => {
            args.push(("customer_id", fresh_customer(app, store).await.to_string()));
            args.push(("body", "A note".into()));
        }
        "/api/customer/note/edit" | "/api/customer/note/delete" => {
            let customer = fresh_customer(app, store).await;
            let owner = account_id(app, "ann@example.com").await;
            let note = db::customers::notes::add_note(db, store, customer, owner, "first", now)
                .await
                .unwrap();
            args.push(("customer_id", customer.to_string()));
            args.push(("note_id", note.id.to_string()));
            if path.ends_with("edit") {
                args.push(("body", "edited".into()));
            }
        }
        "/api/customer/tag/add" | "/api/customer/tag/remove" => {
            let customer = fresh_customer(app, store).await;
            if path.ends_with("remove") {
                db::customers::tags::add_tag(db, store, customer, None, "VIP", now)
                    .await
                    .unwrap();
            }
            args.push(("customer_id", customer.to_string()));
            args.push(("tag", "VIP".into()));
        }
        "/api/customers/tag" => {
            args.push(("tag", format!("Bulk {n}")));
            args.push(("confirm", "yes".into()));
        }
        "/api/customer/erase" => {
            args.push(("customer_id", fresh_customer(app, store).await.to_string()));
            args.push(("confirm", "erase".into()));
        }
        "/api/customers/import/preview" | "/api/customers/import" => {
            args.push(("file_name", "contacts.csv".into()));
            args.push((
                "csv",
                format!("email,name\nimported{n}@example.com,Imported\n"),
            ));
        }
        "/api/settings/members/add" => {
            args.push(("email", format!("new{n}@example.com")));
        }
        "/api/settings/members/remove" => {
            let member = lookup::add_member(db, store, &format!("leaving{n}@example.com")).await;
            args.push(("account_id", member.to_string()));
        }
        "/api/settings/keys/create" => args.push(("name", format!("key {n}"))),
        "/api/settings/sender/save" => args.push(("address", format!("news{n}@shop.test"))),
        "/api/settings/keys/revoke" => {
            let key = db::api_keys::create(db, store, "to revoke").await.unwrap();
            args.push(("key_id", key.key.id.to_string()));
        }
        "/api/admin/stores/create" => {
            args = vec![
                ("name", format!("Store {n}")),
                ("currency", "EUR".into()),
                ("time_zone", "Europe/Paris".into()),
                ("owner_email", format!("creator{n}@example.com")),
            ];
        }
        other => panic!("no arguments for {other}"),
    }
    args.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Everything a call could change, as one value to compare.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut values = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM stores",
        "SELECT COUNT(*) FROM accounts",
        "SELECT COUNT(*) FROM store_members",
        "SELECT COUNT(*) FROM customers",
        "SELECT COUNT(*) FROM identities",
        "SELECT COUNT(*) FROM customer_notes",
        "SELECT COALESCE(SUM(length(body)), 0) FROM customer_notes",
        "SELECT COUNT(*) FROM customer_tags",
        "SELECT COUNT(*) FROM tags",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(revoked_at) FROM api_keys",
        "SELECT COUNT(*) FROM backfill_runs",
        "SELECT COUNT(*) FROM events",
        "SELECT COUNT(*) FROM segments",
        "SELECT COUNT(*) FROM campaigns",
        "SELECT COUNT(*) FROM campaigns WHERE status <> 'draft'",
        "SELECT COUNT(*) FROM campaign_messages",
        "SELECT COUNT(mail_from) FROM stores",
    ] {
        values.push(lookup::scalar(app.db(), sql, &[]).await);
    }
    // Test messages are files only.
    values.push(files_under(&app.outbox));
    values
}

/// How many files there are under `dir`, at any depth.
fn files_under(dir: &std::path::Path) -> i64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

async fn call(
    session: &Session,
    method: &http::Method,
    path: &str,
    args: &[(String, String)],
) -> (u16, String) {
    let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if method == http::Method::GET {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        session.get(&format!("{path}?{query}")).await
    } else {
        session.post_form(path, &form).await
    }
}

fn allowed(status: u16) -> bool {
    // Allowed: whatever the answer, it is not a refusal (a backfill already
    // running answers 400, an import without a file 400).
    !matches!(status, 401 | 403 | 404) && status < 500
}

#[tokio::test]
async fn every_server_function_and_store_route_enforces_the_rights_table() {
    let world = world().await;
    let mut functions: Vec<(&str, http::Method)> =
        leptos::server_fn::axum::server_fn_paths().collect();
    functions.sort_by_key(|(path, _)| *path);
    // The registry is filled (by `inventory`) with every server function
    // linked into the server.
    assert!(
        functions
            .iter()
            .any(|(path, _)| *path == "/api/customer/erase"),
        "{functions:?}"
    );
    let mut checked = Vec::new();
    for (path, method) in &functions {
        let (right, in_store) = match scope_of(path) {
            Scope::Anyone | Scope::Account => continue,
            Scope::Store(right) => (right, true),
            Scope::Platform(right) => (right, false),
        };
        for (role, session) in &world.sessions {
            // Outside a store, a non-admin has no role at all: a member's.
            let role = if in_store || *role == Role::PlatformAdmin {
                *role
            } else {
                Role::Member
            };
            let args = arguments(&world, path).await;
            let before = fingerprint(&world.app).await;
            let (status, body) = call(session, method, path, &args).await;
            if role.may(right) {
                assert!(allowed(status), "{role:?} {path}: {status} {body}");
            } else {
                assert_eq!(status, 403, "{role:?} {path}: {body}");
                assert!(body.contains("Forbidden"), "{role:?} {path}: {body}");
                assert_eq!(
                    fingerprint(&world.app).await,
                    before,
                    "{role:?} {path} changed something"
                );
            }
            checked.push((*path, role));
        }
    }
    eprintln!("checked {} server function calls", checked.len());

    let routes = server::routes::store_route_rights();
    assert!(!routes.is_empty());
    for (template, right) in routes {
        assert_eq!(right, route_right(template), "{template}");
        for (role, session) in &world.sessions {
            let customer = fresh_customer(&world.app, world.store).await;
            let path = template
                .replace("{store_id}", &world.store.to_string())
                .replace("{customer_id}", &customer.to_string())
                .replace("{campaign_id}", &world.sent.0.to_string())
                .replace("{message_id}", &world.sent.1.to_string());
            for method in [http::Method::GET, http::Method::POST] {
                let before = fingerprint(&world.app).await;
                let (status, body) = call(session, &method, &path, &[]).await;
                if status == 405 {
                    continue; // the route does not answer this method
                }
                if role.may(right) {
                    assert!(allowed(status), "{role:?} {method} {path}: {status} {body}");
                } else {
                    assert_eq!(status, 403, "{role:?} {method} {path}: {body}");
                    assert_eq!(
                        fingerprint(&world.app).await,
                        before,
                        "{role:?} {method} {path}"
                    );
                }
            }
        }
    }
}

/// A member sees the store and none of an owner's controls; the server
/// pages say the same.
#[tokio::test]
async fn a_member_is_shown_no_owner_controls() {
    let world = world().await;
    let store = world.store;
    let customer = fresh_customer(&world.app, store).await;
    for (role, session) in &world.sessions {
        let owner_like = *role != Role::Member;
        let (status, home) = session.get(&format!("/store/{store}")).await;
        assert_eq!(status, 200, "{role:?}");
        assert_eq!(
            home.contains("settings-link"),
            owner_like,
            "{role:?}: {home}"
        );
        let (status, list) = session.get(&format!("/store/{store}/customers")).await;
        assert_eq!(status, 200);
        assert!(
            list.contains("campaigns-link"),
            "{role:?}: everyone reads campaigns"
        );
        assert_eq!(list.contains("import-link"), owner_like, "{role:?}");
        let (status, campaigns) = session.get(&format!("/store/{store}/campaigns")).await;
        assert_eq!(status, 200);
        assert_eq!(campaigns.contains("new-campaign"), owner_like, "{role:?}");
        assert_eq!(list.contains("bulk-tag-open"), owner_like, "{role:?}");
        let (status, page) = session
            .get(&format!("/store/{store}/customers/{customer}"))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("note-add"), "{role:?}: everyone writes notes");
        assert_eq!(
            page.contains("data-testid=\"erase\""),
            owner_like,
            "{role:?}"
        );
        let (status, settings) = session.get(&format!("/store/{store}/settings")).await;
        assert_eq!(status, 200);
        assert_eq!(
            settings.contains("settings-owner-only"),
            !owner_like,
            "{role:?}"
        );
        assert_eq!(settings.contains("member-add"), owner_like, "{role:?}");
        assert_eq!(settings.contains("backfill-start"), owner_like, "{role:?}");
        // The platform's pages exist for admins only.
        let (status, _) = session.get("/admin/stores").await;
        assert_eq!(
            status,
            if *role == Role::PlatformAdmin {
                200
            } else {
                404
            },
            "{role:?}"
        );
    }
}

/// Removing a member ends their access to that store at once (their next
/// request answers as for a store that does not exist) and nowhere else.
/// The id of the account with `email`.
async fn account_id(app: &TestApp, email: &str) -> i64 {
    db::accounts::find_by_email(app.db(), email)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no account {email}"))
        .id
}

/// `owner` removes `account` from `store` on the settings page.
async fn remove_member(owner: &Session, store: i64, account: i64) -> (u16, String) {
    owner
        .post_form(
            "/api/settings/members/remove",
            &[
                ("store_id", &store.to_string()),
                ("account_id", &account.to_string()),
            ],
        )
        .await
}

#[tokio::test]
async fn a_removed_member_loses_that_store_at_once_and_keeps_the_others() {
    let world = world().await;
    let (other, _) = world
        .app
        .create_owned_store("Bob's Books", "bob@example.com")
        .await;
    let mia = account_id(&world.app, "mia@example.com").await;
    db::accounts::add_member(world.app.db(), other, mia, Role::Member)
        .await
        .unwrap();
    let (_, member) = &world.sessions[0];
    let (_, owner) = &world.sessions[1];
    assert_eq!(member.get(&format!("/store/{}", world.store)).await.0, 200);

    let (status, body) = remove_member(owner, world.store, mia).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = member.get(&format!("/store/{}", world.store)).await;
    assert_eq!(status, 404);
    let (status, _) = member
        .get(&format!("/api/store?store_id={}", world.store))
        .await;
    assert_eq!(status, 404);
    let (status, _) = member
        .get(&format!("/store/{}/customers.csv", world.store))
        .await;
    assert_eq!(status, 404);
    let (status, _) = member.get(&format!("/store/{other}")).await;
    assert_eq!(status, 200, "the other store still opens");

    // The owner cannot be removed from the page, and another store's
    // member is not found.
    let ann = account_id(&world.app, "ann@example.com").await;
    let (status, _) = remove_member(owner, world.store, ann).await;
    assert_eq!(status, 400);
    let bob = account_id(&world.app, "bob@example.com").await;
    let (status, _) = remove_member(owner, world.store, bob).await;
    assert_eq!(status, 404);
    let still: i64 = lookup::scalar(
        world.app.db(),
        "SELECT COUNT(*) FROM store_members WHERE store_id = $1 AND account_id = $2",
        &[other, bob],
    )
    .await;
    assert_eq!(still, 1);
}

/// Keys are managed from the settings page: the token is answered once and
/// works; a revoked key stops at once; another store's key id is not found.
#[tokio::test]
async fn owners_create_and_revoke_api_keys_scoped_to_their_store() {
    let world = world().await;
    let (other, _) = world
        .app
        .create_owned_store("Bob's Books", "bob@example.com")
        .await;
    let foreign = db::api_keys::create(world.app.db(), other, "bob's")
        .await
        .unwrap();
    let (_, owner) = &world.sessions[1];
    let store = world.store.to_string();
    let (status, body) = owner
        .post_form(
            "/api/settings/keys/create",
            &[("store_id", &store), ("name", "platform")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!(
        db::api_keys::verify(world.app.db(), world.store, &token)
            .await
            .unwrap(),
        db::api_keys::KeyCheck::Valid
    );
    let (_, listed) = owner
        .get(&format!("/api/settings/keys?store_id={store}"))
        .await;
    assert!(
        !listed.contains(&token),
        "the list never shows a token: {listed}"
    );

    let (status, _) = owner
        .post_form(
            "/api/settings/keys/revoke",
            &[
                ("store_id", &store),
                ("key_id", &foreign.key.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 404, "another store's key");
    assert_eq!(
        db::api_keys::verify(world.app.db(), other, &foreign.token)
            .await
            .unwrap(),
        db::api_keys::KeyCheck::Valid
    );
    let id = created["key"]["id"].as_i64().unwrap().to_string();
    let (status, _) = owner
        .post_form(
            "/api/settings/keys/revoke",
            &[("store_id", &store), ("key_id", &id)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        db::api_keys::verify(world.app.db(), world.store, &token)
            .await
            .unwrap(),
        db::api_keys::KeyCheck::Unknown
    );
}

/// Onboarding: a platform admin creates a store and its owner, on the admin
/// page's server function and with `server store create`; the new owner
/// signs in with the one-time password and opens that store only.
#[tokio::test]
async fn admins_onboard_a_creator_with_a_store_and_its_owner() {
    let world = world().await;
    let (_, admin) = &world.sessions[2];
    let (status, body) = admin
        .post_form(
            "/api/admin/stores/create",
            &[
                ("name", "Cleo's Ceramics"),
                ("currency", "eur"),
                ("time_zone", "Europe/Berlin"),
                ("owner_email", "cleo@example.com"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["store"]["currency"], "EUR");
    let password = created["owner"]["one_time_password"]
        .as_str()
        .unwrap()
        .to_string();
    let store = created["store"]["id"].as_i64().unwrap();

    let cleo = Session {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        address: world.app.address.clone(),
    };
    let (status, _) = cleo.try_sign_in("cleo@example.com", &password).await;
    assert!((200..400).contains(&status), "{status}");
    let (_, home) = cleo.get(&format!("/store/{store}")).await;
    assert!(home.contains("Cleo"), "{home}");
    assert!(home.contains("Times in Europe/Berlin"), "{home}");
    assert!(home.contains("settings-link"), "the owner runs it");
    assert_eq!(cleo.get(&format!("/store/{}", world.store)).await.0, 404);

    // An existing account becomes the owner without a new password; the
    // CLI does the same.
    use clap::Parser;
    let argv = [
        "server",
        "--database-url",
        &world.app.database.url,
        "store",
        "create",
        "--name",
        "Mia's Music",
        "--currency",
        "GBP",
        "--owner",
        "mia@example.com",
    ];
    server::cli::run(server::config::Cli::try_parse_from(argv).unwrap())
        .await
        .unwrap();
    let (_, member) = &world.sessions[0];
    let (_, stores) = member.get("/api/stores?filter=Music").await;
    let stores: Vec<serde_json::Value> = serde_json::from_str(&stores).unwrap();
    assert_eq!(stores.len(), 1);
    let mias = stores[0]["id"].as_i64().unwrap();
    let (_, home) = member.get(&format!("/api/store?store_id={mias}")).await;
    assert!(home.contains("\"role\":\"Owner\""), "{home}");

    // `server member remove` takes her out of Ann's store.
    let argv = [
        "server",
        "--database-url",
        &world.app.database.url,
        "member",
        "remove",
        "--store",
        &world.store.to_string(),
        "--email",
        "mia@example.com",
    ];
    server::cli::run(server::config::Cli::try_parse_from(argv).unwrap())
        .await
        .unwrap();
    assert_eq!(member.get(&format!("/store/{}", world.store)).await.0, 404);
    assert_eq!(member.get(&format!("/store/{mias}")).await.0, 200);

    // Refused with the field named.
    let (status, body) = admin
        .post_form(
            "/api/admin/stores/create",
            &[
                ("name", "X"),
                ("currency", "dollars"),
                ("time_zone", "UTC"),
                ("owner_email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("currency"), "{body}");
    let (status, body) = admin
        .post_form(
            "/api/admin/stores/create",
            &[
                ("name", "X"),
                ("currency", "USD"),
                ("time_zone", "Mars/Olympus"),
                ("owner_email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("time_zone"), "{body}");
}
