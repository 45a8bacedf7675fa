//! The tender journey through the real pages, in Chinese at phone width, from the menu:
//! procurement drafts an invitational tender (first with a negative quantity) and publishes
//! it with its committee of three ticked on the form, three suppliers bid (the first with a
//! price that is not a number), the deadline passes, two committee members open it, the head
//! and the other members score apart, the officer closes the evaluation and the head approves
//! the award, and the winner sees it.

use entity::{BidId, SupplierId, TenderId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use thirtyfour::prelude::*;

use crate::helpers::{self, TestApp};
use crate::stock::{click, expect_flash, select_value, sign_in_role, type_into};
use crate::{
    LANG, TestResult, expect_refused, follow_link, in_browser, open_menu, sign_in, sign_out,
    wait_for_element, wait_for_home, wait_for_path,
};

const BIDDER_PASSWORD: &str = "bidder-password";
const TITLE: &str = "Browser test: slab rebar, block 7";

/// A new steel supplier admitted through the real path ([`TestApp::admitted_supplier`]),
/// signing in as `<name>@demo.test`.
async fn admitted_supplier(
    app: &TestApp,
    n: u32,
    name: &str,
    steel: i64,
) -> TestResult<SupplierId> {
    let email = format!("{name}@demo.test");
    let legal_name = format!("浏览器投标供应商{n}有限公司");
    let body = format!("9144030000000{n:04}");
    let a = app
        .admitted_supplier(crate::helpers::NewSupplier {
            email: &email,
            password: BIDDER_PASSWORD,
            legal_name: &legal_name,
            credit_code_body: &body,
            categories: &[steel],
        })
        .await;
    Ok(SupplierId(a.id))
}

/// Opens the tender `id` from the tenders list of the menu.
async fn open_tender(driver: &WebDriver, id: TenderId) -> TestResult {
    open_menu(driver, "/tenders").await?;
    follow_link(driver, &format!("/tenders/{id}")).await
}

/// The scores typed into the rows of the bids table, as the API's `scores`.
async fn rows_scores(driver: &WebDriver) -> TestResult<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for row in driver
        .find_all(By::Css("#tender-bids tr[data-bid]"))
        .await?
    {
        let bid: i64 = row
            .attr("data-bid")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or_default();
        let mut score = [0i64; 2];
        for (slot, css) in score
            .iter_mut()
            .zip(["input.score-quality", "input.score-delivery"])
        {
            let v = row.find(By::Css(css)).await?.value().await?;
            *slot = v.unwrap_or_default().parse().unwrap_or_default();
        }
        out.push(serde_json::json!({
            "bid_id": bid,
            "quality": score[0],
            "delivery": score[1],
        }));
    }
    Ok(out)
}

async fn tender_status(driver: &WebDriver) -> TestResult<String> {
    Ok(wait_for_element(driver, "#tender-status")
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitational_tender_is_bid_opened_by_two_scored_and_awarded_through_the_pages() {
    in_browser("tender_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();
        let db = &app.state.db.read;
        let steel = entity::category::Entity::find()
            .filter(entity::category::Column::NameZh.eq("钢材"))
            .one(db)
            .await?
            .ok_or("no steel category")?
            .id;
        let materials: Vec<i64> = entity::material::Entity::find()
            .filter(entity::material::Column::CategoryId.eq(steel))
            .order_by_asc(entity::material::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .take(2)
            .map(|m| m.id)
            .collect();
        let demo_supplier = entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq("supplier@demo.test"))
            .one(db)
            .await?
            .and_then(|u| u.supplier_id)
            .ok_or("no demo supplier")?;
        let second = admitted_supplier(app, 71, "tenderbidder1", steel).await?;
        let third = admitted_supplier(app, 72, "tenderbidder2", steel).await?;

        // 1. The officer drafts the tender: two steel items, three invitees.
        sign_in_role(&driver, &address, "procurement_officer").await?;
        open_menu(&driver, "/tenders").await?;
        click(&driver, "#new-tender").await?;
        wait_for_path(&driver, "/tenders/new").await?;
        type_into(&driver, "#title", TITLE).await?;
        select_value(&driver, "#kind", "invitational").await?;
        select_value(&driver, "#category_id", &steel.to_string()).await?;
        select_value(
            &driver,
            "select[name=material_0]",
            &materials[0].to_string(),
        )
        .await?;
        type_into(&driver, "input[name=qty_0]", "50").await?;
        type_into(&driver, "input[name=spec_0]", "GB/T 1499.2").await?;
        select_value(
            &driver,
            "select[name=material_1]",
            &materials[1].to_string(),
        )
        .await?;
        type_into(&driver, "input[name=qty_1]", "20").await?;
        for sid in [demo_supplier, second, third] {
            click(&driver, &format!("input[name=invite_{sid}]")).await?;
        }
        // The committee of three (rule 14): the officer, the head and the second officer.
        let committee = app.committee_ids().await;
        for uid in &committee {
            click(&driver, &format!("input[name=member_{uid}]")).await?;
        }
        // The second item's quantity negative first: refused beside it, the rest kept.
        type_into(&driver, "input[name=qty_1]", "-20").await?;
        click(&driver, "#tender-save").await?;
        expect_refused(&driver, "qty_1", "-20").await?;
        assert_eq!(crate::stock::value_of(&driver, "#title").await?, TITLE);
        for sid in [demo_supplier, second, third] {
            let invited = wait_for_element(&driver, &format!("input[name=invite_{sid}]")).await?;
            assert!(invited.is_selected().await?, "invitee {sid} stays ticked");
        }
        type_into(&driver, "input[name=qty_1]", "20").await?;
        crate::resubmit(&driver, "#tender-save").await?;
        expect_flash(&driver, "tender-flash-created").await?;
        let path = driver.current_url().await?.path().to_string();
        let id: TenderId = path
            .trim_start_matches("/tenders/")
            .parse()
            .map_err(|_| format!("after saving, the page is {path}"))?;
        assert_eq!(tender_status(&driver).await?, "draft");

        // A document for the bidders, then publishing.
        let pdf = std::env::temp_dir().join(format!("tender-{id}-spec.pdf"));
        std::fs::write(&pdf, b"%PDF-1.4\n% tender specification\n%%EOF\n")?;
        let file_input = wait_for_element(&driver, "#document-form input[type=file]").await?;
        file_input.send_keys(pdf.display().to_string()).await?;
        click(&driver, "#document-submit").await?;
        expect_flash(&driver, "tender-flash-document-added").await?;
        click(&driver, "#publish-submit").await?;
        expect_flash(&driver, "tender-flash-published").await?;
        assert_eq!(tender_status(&driver).await?, "published");
        sign_out(&driver).await?;

        // 2. Three suppliers bid: the second is cheapest, the first best on quality.
        let bidders = [
            ("supplier", helpers::DEMO_PASSWORD, ["3850", "3800"]),
            ("tenderbidder1", BIDDER_PASSWORD, ["3700.5", "3650"]),
            ("tenderbidder2", BIDDER_PASSWORD, ["3990", "3950.25"]),
        ];
        for (n, (role, password, prices)) in bidders.iter().enumerate() {
            sign_in(&driver, &address, LANG, role, password).await?;
            wait_for_home(&driver).await?;
            open_tender(&driver, id).await?;
            wait_for_element(&driver, "a.tender-document").await?;
            click(&driver, "#my-bid-link").await?;
            wait_for_path(&driver, &format!("/tenders/{id}/bid")).await?;
            let price_inputs = driver.find_all(By::Css("input.bid-price")).await?;
            let day_inputs = driver.find_all(By::Css("input.bid-days")).await?;
            assert_eq!(price_inputs.len(), 2, "{role}: a price input per item");
            for (input, price) in price_inputs.iter().zip(prices) {
                input.clear().await?;
                input.send_keys(*price).await?;
            }
            for input in &day_inputs {
                input.clear().await?;
                input.send_keys("7").await?;
            }
            type_into(
                &driver,
                "#technical_note",
                "HRB400E, mill certificates with each load",
            )
            .await?;
            if n == 0 {
                // A price written as words first: refused beside it, the other fields kept.
                let first = price_inputs[0].attr("id").await?.unwrap_or_default();
                type_into(&driver, &format!("#{first}"), "约3850").await?;
                click(&driver, "#bid-submit").await?;
                expect_refused(&driver, &first, "约3850").await?;
                let days = driver.find_all(By::Css("input.bid-days")).await?;
                assert_eq!(days[0].prop("value").await?.as_deref(), Some("7"));
                type_into(&driver, &format!("#{first}"), prices[0]).await?;
                crate::resubmit(&driver, "#bid-submit").await?;
            } else {
                click(&driver, "#bid-submit").await?;
            }
            expect_flash(&driver, "tender-flash-bid-submitted").await?;
            let total = wait_for_element(&driver, "#my-bid-total")
                .await?
                .text()
                .await?;
            assert!(!total.is_empty(), "{role}: its own total");
            sign_out(&driver).await?;
        }

        // Before opening, the office sees no bid at all (rule 14), nor any price.
        sign_in_role(&driver, &address, "procurement_head").await?;
        open_tender(&driver, id).await?;
        wait_for_element(&driver, "#bids-sealed").await?;
        assert_eq!(
            driver
                .find_all(By::Css("#tender-bids tr[data-bid]"))
                .await?
                .len(),
            0
        );
        let text = driver.find(By::Tag("body")).await?.text().await?;
        for (_, _, prices) in &bidders {
            for p in prices {
                assert!(!text.contains(p), "the head sees {p} before opening");
            }
        }
        sign_out(&driver).await?;

        // 3. The deadline passes by the app's clock.
        let deadline = entity::tender::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or("tender")?
            .bid_deadline;
        app.clock.set(deadline + chrono::Duration::minutes(5));

        // 4. Two committee members open it: the officer first, then the head.
        sign_in_role(&driver, &address, "procurement_officer").await?;
        open_tender(&driver, id).await?;
        click(&driver, "#open-submit").await?;
        expect_flash(&driver, "tender-flash-open-confirmed").await?;
        assert_eq!(tender_status(&driver).await?, "published");
        assert!(
            driver.find_all(By::Css("#open-submit")).await?.is_empty(),
            "the same member cannot confirm twice"
        );
        sign_out(&driver).await?;
        sign_in_role(&driver, &address, "procurement_head").await?;
        open_tender(&driver, id).await?;
        click(&driver, "#open-submit").await?;
        expect_flash(&driver, "tender-flash-opened").await?;
        assert_eq!(tender_status(&driver).await?, "opened");
        wait_for_element(&driver, "#opened-by").await?;

        // 5. The head scores every bid (the other members' scores are not shown), the other
        // two members score, the officer closes the evaluation and the head approves the award.
        let rows = driver
            .find_all(By::Css("#tender-bids tr[data-bid]"))
            .await?;
        assert_eq!(rows.len(), 3);
        for (row, (quality, delivery)) in
            rows.iter().zip([("95", "90"), ("70", "85"), ("80", "80")])
        {
            let q = row.find(By::Css("input.score-quality")).await?;
            q.clear().await?;
            q.send_keys(quality).await?;
            let d = row.find(By::Css("input.score-delivery")).await?;
            d.clear().await?;
            d.send_keys(delivery).await?;
        }
        click(&driver, "#scores-submit").await?;
        expect_flash(&driver, "tender-flash-scored").await?;
        assert!(
            driver
                .find_all(By::Css("#tender-ranking tr[data-bid]"))
                .await?
                .is_empty(),
            "no ranking before the evaluation"
        );
        let progress = wait_for_element(&driver, "#scoring-progress").await?;
        assert_eq!(progress.attr("data-scored").await?.as_deref(), Some("1"));
        // The second officer scores through the API (the same scores as the head).
        let scores: Vec<serde_json::Value> = rows_scores(&driver).await?;
        let second_officer = app
            .token(portal::demo::SECOND_OFFICER, helpers::DEMO_PASSWORD)
            .await;
        let (status, v) = app
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/tenders/{id}/scores"),
                &second_officer,
                &serde_json::json!({ "scores": scores }),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{v}");
        sign_out(&driver).await?;
        // The officer scores on the page and closes the evaluation.
        sign_in_role(&driver, &address, "procurement_officer").await?;
        open_tender(&driver, id).await?;
        for row in driver
            .find_all(By::Css("#tender-bids tr[data-bid]"))
            .await?
        {
            for (css, v) in [
                ("input.score-quality", "80"),
                ("input.score-delivery", "80"),
            ] {
                let input = row.find(By::Css(css)).await?;
                input.clear().await?;
                input.send_keys(v).await?;
            }
        }
        click(&driver, "#scores-submit").await?;
        expect_flash(&driver, "tender-flash-scored").await?;
        click(&driver, "#evaluate-submit").await?;
        expect_flash(&driver, "tender-flash-evaluated").await?;
        assert_eq!(tender_status(&driver).await?, "evaluated");
        let recommended = wait_for_element(&driver, "#tender-ranking tr.recommended")
            .await?
            .attr("data-bid")
            .await?
            .unwrap_or_default();
        assert!(
            driver.find_all(By::Css("#award-submit")).await?.is_empty(),
            "the officer does not award"
        );
        sign_out(&driver).await?;
        sign_in_role(&driver, &address, "procurement_head").await?;
        open_tender(&driver, id).await?;
        click(&driver, "#award-submit").await?;
        expect_flash(&driver, "tender-flash-awarded").await?;
        assert_eq!(tender_status(&driver).await?, "awarded");
        sign_out(&driver).await?;

        // The award is what a contract is made from.
        let award = portal::tenders::store::award_of(db, id)
            .await?
            .ok_or("no award after approval")?;
        let winner = entity::bid::Entity::find_by_id(recommended.parse::<BidId>()?)
            .one(db)
            .await?
            .ok_or("recommended bid")?;
        assert_eq!(award.supplier_id, winner.supplier_id);
        assert_eq!(award.items.len(), 2);

        // 6. The winner reads its outcome.
        let (role, password, _) = bidders
            .iter()
            .zip([demo_supplier, second, third])
            .find(|(_, sid)| *sid == winner.supplier_id)
            .map(|(b, _)| b)
            .ok_or("the winner is one of the bidders")?;
        sign_in(&driver, &address, LANG, role, password).await?;
        wait_for_home(&driver).await?;
        open_tender(&driver, id).await?;
        let outcome = wait_for_element(&driver, "#tender-outcome")
            .await?
            .attr("data-outcome")
            .await?;
        assert_eq!(outcome.as_deref(), Some("awarded"));
        let _ = std::fs::remove_file(&pdf);
        Ok(())
    })
    .await;
}
