//! Issue 13: every mail to users also lands in their inbox in the portal, links to its item,
//! is seen only by its user, and each user chooses per topic whether it also comes by email.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_demo_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo supplier asks for a new price on one of its listings and procurement decides it;
/// the supplier's users are told (kind `price_approved` or `price_refused`).
async fn decided_price(app: &TestApp, approve: bool) {
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/listings", &token).await;
    let listing = mine
        .as_array()
        .and_then(|a| a.iter().find(|l| l["active"] == true))
        .cloned()
        .expect("an active listing of the demo supplier");
    let (status, change) = app
        .post_json(
            &format!("/api/listings/{}/price-changes", listing["id"]),
            &token,
            &json!({"new_price": "3999.50", "effective_on": app.state.today().to_string(), "reason": "steel up"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", change["id"]),
            &officer,
            &json!({ "approve": approve }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

fn of_kind(inbox: &Value, kind: &str) -> Vec<Value> {
    inbox["items"]
        .as_array()
        .map(|a| a.iter().filter(|n| n["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_decided_price_reaches_only_the_suppliers_inbox_and_its_mail_links_to_the_item() {
    let app = spawn_demo_app().await;
    decided_price(&app, true).await;

    let supplier = app.token_for("supplier").await;
    let (status, inbox) = app.get_json("/api/notices", &supplier).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let mine = of_kind(&inbox, "price_approved");
    assert_eq!(mine.len(), 1, "{inbox}");
    let notice = &mine[0];
    assert_eq!(notice["link"], "/my/listings");
    assert_eq!(notice["read"], false);
    assert_eq!(notice["topic"], "prices");
    assert!(
        notice["body"]
            .as_str()
            .is_some_and(|b| b.contains("3999.5")),
        "{notice}"
    );
    assert_eq!(
        inbox["items"][0]["id"], notice["id"],
        "newest first: the price decision is the latest notice"
    );

    let mail = app
        .count(
            "outbox WHERE kind = 'price_approved' AND to_addr = 'supplier@demo.test' \
             AND body_text LIKE '%/my/listings%'",
        )
        .await;
    assert_eq!(mail, 1, "one mail, ending with the item's address");
    let row = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("price_approved"))
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap()
    };
    let item = format!("{}/my/listings", app.state.config.base_url());
    assert!(row.body_text.contains(&item), "{}", row.body_text);

    // Nobody else has it, nor can open or mark it.
    for role in ["site_user", "procurement_officer", "admin"] {
        let other = app.token_for(role).await;
        let (_, theirs) = app.get_json("/api/notices", &other).await;
        assert!(
            of_kind(&theirs, "price_approved").is_empty(),
            "{role}: {theirs}"
        );
        let path = format!("/api/notices/{}", notice["id"]);
        let (status, _) = app.get_json(&path, &other).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{role} reads another's notice"
        );
        let (status, _) = app
            .post_json(&format!("{path}/read"), &other, &json!({}))
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{role} marks another's notice"
        );
    }
    let (_, again) = app
        .get_json(&format!("/api/notices/{}", notice["id"]), &supplier)
        .await;
    assert_eq!(again["read"], false, "still unread for its owner");
}

#[tokio::test]
async fn reading_a_notice_lowers_the_unread_count_and_mark_all_read_clears_it() {
    let app = spawn_demo_app().await;
    decided_price(&app, true).await;
    decided_price(&app, false).await;
    let supplier = app.token_for("supplier").await;
    let (_, before) = app.get_json("/api/notices/unread", &supplier).await;
    let unread = before["unread"].as_u64().unwrap();
    assert!(unread >= 2, "{before}");

    let (_, inbox) = app.get_json("/api/notices", &supplier).await;
    let id = &of_kind(&inbox, "price_refused")[0]["id"];
    let (status, read) = app
        .post_json(&format!("/api/notices/{id}/read"), &supplier, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["read"], true);
    let (_, after) = app.get_json("/api/notices/unread", &supplier).await;
    assert_eq!(after["unread"].as_u64(), Some(unread - 1));
    // Reading it again changes nothing.
    app.post_json(&format!("/api/notices/{id}/read"), &supplier, &json!({}))
        .await;
    let (_, same) = app.get_json("/api/notices/unread", &supplier).await;
    assert_eq!(same["unread"].as_u64(), Some(unread - 1));

    let (status, _) = app
        .post_json("/api/notices/read-all", &supplier, &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, none) = app.get_json("/api/notices", &supplier).await;
    assert_eq!(none["unread"], 0, "{none}");
    assert!(
        none["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == true)
    );
}

#[tokio::test]
async fn with_email_off_for_a_topic_the_notice_still_lands_but_no_mail_is_queued() {
    let app = spawn_demo_app().await;
    let supplier = app.token_for("supplier").await;
    let (status, prefs) = app
        .send_json(
            Method::PUT,
            "/api/notices/preferences",
            &supplier,
            &json!([{"topic": "prices", "email": false}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    let by_topic = |v: &Value, t: &str| {
        v.as_array()
            .and_then(|a| a.iter().find(|p| p["topic"] == t))
            .map(|p| p["email"].clone())
    };
    assert_eq!(by_topic(&prefs, "prices"), Some(json!(false)));
    assert_eq!(by_topic(&prefs, "settlement"), Some(json!(true)));
    let (_, read_back) = app.get_json("/api/notices/preferences", &supplier).await;
    assert_eq!(read_back, prefs);

    let mails = app.count("outbox").await;
    decided_price(&app, false).await;
    assert_eq!(
        app.count("outbox").await,
        mails,
        "no mail for a muted topic"
    );
    let (_, inbox) = app.get_json("/api/notices", &supplier).await;
    assert_eq!(of_kind(&inbox, "price_refused").len(), 1, "{inbox}");

    // An unknown topic changes nothing.
    let (status, v) = app
        .send_json(
            Method::PUT,
            "/api/notices/preferences",
            &supplier,
            &json!([{"topic": "prices", "email": true}, {"topic": "gossip", "email": false}]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, unchanged) = app.get_json("/api/notices/preferences", &supplier).await;
    assert_eq!(by_topic(&unchanged, "prices"), Some(json!(false)));

    // Turned on again, the mail comes again.
    app.send_json(
        Method::PUT,
        "/api/notices/preferences",
        &supplier,
        &json!([{"topic": "prices", "email": true}]),
    )
    .await;
    decided_price(&app, true).await;
    assert_eq!(
        app.count("outbox WHERE kind = 'price_approved' AND to_addr = 'supplier@demo.test'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_inbox_page_shows_unread_in_bold_and_opening_a_notice_goes_to_its_item() {
    let app = spawn_demo_app().await;
    decided_price(&app, true).await;
    let client = app.new_client();
    let r = app
        .page_login(&client, "supplier@demo.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("href=\"/notices\""),
        "the top bar links the inbox"
    );
    // The top bar says how many are unread, as text a screen reader reads too.
    let supplier = app.token_for("supplier").await;
    let (_, unread) = app.get_json("/api/notices/unread", &supplier).await;
    let n = unread["unread"].as_u64().unwrap();
    assert!(n > 0, "{unread}");
    assert!(
        home.contains(&format!("<span aria-hidden=\"true\">{n}</span>"))
            && home.contains("id=\"notice-unread-badge\""),
        "the top bar shows {n} unread: {home}"
    );

    let page = client
        .get(app.url("/notices"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, inbox) = app.get_json("/api/notices", &supplier).await;
    let notice = of_kind(&inbox, "price_approved")[0].clone();
    let id = notice["id"].as_i64().unwrap();
    assert!(
        page.contains(&format!("id=\"notice-{id}\"")) && page.contains("<strong>"),
        "{page}"
    );

    let r = client
        .get(app.url(&format!("/notices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/my/listings");
    let (_, read) = app.get_json(&format!("/api/notices/{id}"), &supplier).await;
    assert_eq!(read["read"], true, "opened is read");
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let left = n - 1;
    if left == 0 {
        assert!(
            !home.contains("notice-unread-badge"),
            "nothing unread, no figure"
        );
    } else {
        assert!(home.contains(&format!("<span aria-hidden=\"true\">{left}</span>")));
    }

    // Another user's notice is not there for this one.
    let other = app.new_client();
    app.page_login(&other, "site_user@demo.test", DEMO_PASSWORD)
        .await;
    let r = other
        .get(app.url(&format!("/notices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_account_page_turns_email_off_per_topic() {
    let app = spawn_demo_app().await;
    let client = app.new_client();
    app.page_login(&client, "finance@demo.test", DEMO_PASSWORD)
        .await;
    let account = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains("name=\"email_settlement\""), "{account}");
    let csrf = crate::helpers::extract_csrf(&account);
    // Only "stock" stays checked: every other topic's email is turned off.
    let r = client
        .post(app.url("/notices/preferences"))
        .form(&[("csrf_token", csrf.as_str()), ("email_stock", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = app.token_for("finance").await;
    let (_, prefs) = app.get_json("/api/notices/preferences", &token).await;
    for p in prefs.as_array().unwrap() {
        assert_eq!(p["email"] == true, p["topic"] == "stock", "{p}");
    }
    assert_eq!(
        app.count("audit_log WHERE action = 'user.notice_preferences'")
            .await,
        1
    );
}

#[tokio::test]
async fn signing_in_from_a_mails_link_lands_on_the_item() {
    let app = spawn_demo_app().await;
    let client = app.new_client();
    let r = client.get(app.url("/my/listings")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = r.headers()["location"].to_str().unwrap().to_string();
    assert!(login.starts_with("/login?next="), "{login}");
    let csrf = app.csrf_from(&client, &login).await;
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "supplier@demo.test"),
            ("password", DEMO_PASSWORD),
            ("next", "/my/listings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/my/listings");
}

#[tokio::test]
async fn many_users_told_at_once_each_get_the_notice_and_only_the_unmuted_the_mail() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
    let app = spawn_demo_app().await;
    let supplier = app.token_for("supplier").await;
    let (status, v) = app
        .send_json(
            Method::PUT,
            "/api/notices/preferences",
            &supplier,
            &json!([{"topic": "stock", "email": false}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let user = |email: &str| {
        let db = app.state.db.read.clone();
        let email = email.to_string();
        async move {
            entity::user::Entity::find()
                .filter(entity::user::Column::Email.eq(email))
                .one(&db)
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no demo user"))
        }
    };
    let muted = user("supplier@demo.test").await;
    let keeper = user("warehouse_keeper@demo.test").await;
    // 300 of each, one after the other: past one statement's batch of 500 rows.
    let each: Vec<_> = (0..300)
        .flat_map(|i| {
            [
                (
                    &muted,
                    vec![("company", "A".to_string()), ("count", i.to_string())],
                ),
                (
                    &keeper,
                    vec![("company", "B".to_string()), ("count", i.to_string())],
                ),
            ]
        })
        .collect();
    let (mails, notices) = (app.count("outbox").await, app.count("notices").await);
    let txn = app.state.db.write.begin().await.unwrap();
    portal::mail::enqueue_each_linked(
        &txn,
        "http://portal.test",
        app.state.now(),
        "stock_stale",
        "/my/lots",
        each,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(app.count("notices").await, notices + 600);
    assert_eq!(
        app.count(&format!(
            "notices WHERE user_id = {} AND kind = 'stock_stale'",
            muted.id
        ))
        .await,
        300
    );
    assert_eq!(app.count("outbox").await, mails + 300, "only the keeper's");
    assert_eq!(
        app.count("outbox WHERE kind = 'stock_stale' AND to_addr = 'warehouse_keeper@demo.test'")
            .await,
        300
    );
    // Each mail carries its own arguments and the item's whole address.
    let last: String = {
        use sea_orm::QueryOrder;
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("stock_stale"))
            .order_by_desc(entity::outbox::Column::Id)
            .one(&app.state.db.read)
            .await
            .ok()
            .flatten()
            .map(|m| m.body_text)
            .unwrap_or_default()
    };
    assert!(last.contains("299"), "{last}");
    assert!(last.contains("http://portal.test/my/lots"), "{last}");
}
