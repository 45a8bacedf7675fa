//! The consigned-stock journey through the real pages: a supplier sends a delivery, the
//! warehouse keeper inspects it, a site user gathers lines from two catalogue searches in one
//! requisition and submits it from the cart, the site manager
//! approves, the keeper issues, and the supplier sees its stock fall.

use std::str::FromStr;

use portal::i18n::Locale;
use rust_decimal::Decimal;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::helpers::{self, TestApp};
use crate::{
    TestResult, in_browser, sign_in, sign_out, wait_for_element, wait_for_home, wait_for_path,
    wait_until,
};

const NOTE_NUMBER: &str = "DN-BROWSER-0001";
const BATCH: &str = "B-BROWSER-01";
const PURPOSE: &str = "Browser test: slab rebar, block 5";
const DELIVERED: &str = "3";
const ORDERED: &str = "2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_inspected_ordered_approved_and_issued_through_the_pages() {
    in_browser("stock_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();

        // 1. The supplier notes its first listing's stock and sends a delivery of it.
        sign_in_role(&driver, &address, "supplier").await?;
        driver.goto(format!("{address}/my/listings")).await?;
        wait_for_path(&driver, "/my/listings").await?;
        let first_row = wait_for_element(&driver, "tr[data-listing]").await?;
        let listing_id = first_row
            .attr("data-listing")
            .await?
            .ok_or("the first listing row has no data-listing")?;
        let on_hand_before = on_hand(&driver, &listing_id).await?;
        eprintln!("listing {listing_id}: on hand {on_hand_before} before the delivery");

        let form = "#delivery-form";
        select_value(&driver, &format!("{form} select[name=arrival]"), "local").await?;
        let warehouse = driver
            .find(By::Css(format!("{form} select[name=warehouse_id]")))
            .await?;
        let chosen_warehouse = SelectElement::new(&warehouse)
            .await?
            .first_selected_option()
            .await?
            .value()
            .await?;
        if chosen_warehouse.as_deref().unwrap_or_default().is_empty() {
            return Err("the delivery form offers no warehouse".into());
        }
        type_into(
            &driver,
            &format!("{form} input[name=note_number]"),
            NOTE_NUMBER,
        )
        .await?;
        let delivered_on = driver
            .find(By::Css(format!("{form} input[name=delivered_on]")))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(
            delivered_on,
            app.state.today().to_string(),
            "the delivery date's default"
        );
        select_value(
            &driver,
            &format!("{form} select[name=listing_0]"),
            &listing_id,
        )
        .await?;
        type_into(&driver, &format!("{form} input[name=qty_0]"), DELIVERED).await?;
        type_into(&driver, &format!("{form} input[name=batch_0]"), BATCH).await?;
        driver
            .find(By::Css("#send-delivery"))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "flash-delivery-sent").await?;
        wait_for_path(&driver, "/my/listings").await?;
        sign_out(&driver).await?;

        // 2. The keeper inspects it: every check passes, all of it accepted.
        sign_in_role(&driver, &address, "warehouse_keeper").await?;
        driver.goto(format!("{address}/deliveries")).await?;
        wait_for_path(&driver, "/deliveries").await?;
        let delivery = wait_until(
            &driver,
            &format!("an article.delivery headed {NOTE_NUMBER}"),
            async || {
                for article in driver.find_all(By::Css("article.delivery")).await? {
                    let heading = article.find(By::Css("h2")).await?.text().await?;
                    if heading.starts_with(NOTE_NUMBER) {
                        return Ok(Some(article.attr("data-delivery").await?));
                    }
                }
                Ok(None)
            },
        )
        .await?
        .ok_or("the delivery's article has no data-delivery")?;
        let article = format!("article.delivery[data-delivery=\"{delivery}\"]");
        let accepted_inputs = driver
            .find_all(By::Css(format!("{article} input[name^=\"accepted_\"]")))
            .await?;
        assert_eq!(
            accepted_inputs.len(),
            1,
            "the delivery's inspection form has one line"
        );
        let accepted = &accepted_inputs[0];
        let line = accepted
            .attr("name")
            .await?
            .unwrap_or_default()
            .trim_start_matches("accepted_")
            .to_string();
        assert_eq!(
            decimal(&accepted.prop("value").await?.unwrap_or_default())?,
            decimal(DELIVERED)?,
            "accepted_{line} is pre-filled with the delivered quantity"
        );
        let rejected = driver
            .find(By::Css(format!(
                "{article} input[name=\"rejected_{line}\"]"
            )))
            .await?;
        assert_eq!(
            decimal(&rejected.prop("value").await?.unwrap_or_default())?,
            Decimal::ZERO,
            "rejected_{line} is pre-filled with 0"
        );
        for check in ["name", "specification", "model", "quantity", "certificate"] {
            let css = format!("{article} input[type=checkbox][name=\"{check}_{line}\"]");
            let checkbox = wait_for_element(&driver, &css).await?;
            checkbox.click().await?;
            if !checkbox.is_selected().await? {
                return Err(
                    format!("the checkbox {check}_{line} is not ticked after a click").into(),
                );
            }
        }
        driver
            .find(By::Css(format!("{article} button.inspect-button")))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "flash-delivery-inspected").await?;
        let inspected = message(Locale::En, "delivery-status-inspected");
        let status_line = wait_for_element(&driver, &format!("{article} > p")).await?;
        let status_text = status_line.text().await?;
        assert!(
            status_text.contains(&inspected),
            "the delivery reads {status_text:?}, not {inspected:?}"
        );
        sign_out(&driver).await?;

        // 3. The site user gathers lines from two searches of the catalogue in one
        //    requisition (the cart) and submits it from the cart.
        sign_in_role(&driver, &address, "site_user").await?;
        driver.goto(format!("{address}/catalogue")).await?;
        wait_for_path(&driver, "/catalogue").await?;
        type_into(
            &driver,
            &format!("input[name=\"qty_{listing_id}\"]"),
            ORDERED,
        )
        .await?;
        driver
            .find(By::Css(format!(
                "tr[data-listing=\"{listing_id}\"] button.add-to-cart"
            )))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "req-flash-added").await?;
        // The second search: cement in stock, another listing than the first.
        driver
            .goto(format!(
                "{address}/catalogue?q=%E6%B0%B4%E6%B3%A5&in_stock=true"
            ))
            .await?;
        wait_for_path(&driver, "/catalogue").await?;
        let rows = driver.find_all(By::Css("tr[data-listing]")).await?;
        let mut second = None;
        for row in rows {
            let id = row.attr("data-listing").await?.unwrap_or_default();
            if id != listing_id {
                second = Some(id);
                break;
            }
        }
        let second = second.ok_or("the second search found no other listing")?;
        type_into(&driver, &format!("input[name=\"qty_{second}\"]"), "1").await?;
        driver
            .find(By::Css(format!(
                "tr[data-listing=\"{second}\"] button.add-to-cart"
            )))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "req-flash-added").await?;
        let count = wait_for_element(&driver, "#cart-count").await?;
        assert_eq!(
            count.attr("data-lines").await?.as_deref(),
            Some("2"),
            "the cart holds the lines of both searches"
        );
        driver.goto(format!("{address}/requisition-cart")).await?;
        wait_for_path(&driver, "/requisition-cart").await?;
        let lines = driver.find_all(By::Css("#cart-lines tbody tr")).await?;
        assert_eq!(lines.len(), 2, "the cart page lists both lines");
        type_into(&driver, "#purpose", PURPOSE).await?;
        let need_by = driver
            .find(By::Css("#need_by"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(
            need_by,
            app.state.today().to_string(),
            "the need-by date's default"
        );
        driver
            .find(By::Css("#submit-requisition"))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "flash-requisition-submitted").await?;
        let newest = wait_for_element(&driver, "article.requisition").await?;
        let requisition = newest
            .attr("data-requisition")
            .await?
            .ok_or("the newest article.requisition has no data-requisition")?;
        let heading = newest.find(By::Css("h2")).await?.text().await?;
        assert!(
            heading.contains(PURPOSE),
            "the newest requisition is headed {heading:?}, not with the purpose {PURPOSE:?}"
        );
        let article = format!("article.requisition[data-requisition=\"{requisition}\"]");
        expect_requisition_status(&driver, &article, "submitted").await?;
        sign_out(&driver).await?;

        // 4. The site manager approves it.
        sign_in_role(&driver, &address, "site_manager").await?;
        driver.goto(format!("{address}/requisitions")).await?;
        wait_for_path(&driver, "/requisitions").await?;
        wait_for_element(&driver, &format!("{article} button.approve-button"))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "flash-requisition-approved").await?;
        expect_requisition_status(&driver, &article, "approved").await?;
        sign_out(&driver).await?;

        // 5. The keeper issues what is open.
        sign_in_role(&driver, &address, "warehouse_keeper").await?;
        driver.goto(format!("{address}/requisitions")).await?;
        wait_for_path(&driver, "/requisitions").await?;
        expect_requisition_status(&driver, &article, "approved").await?;
        let issue_inputs = driver
            .find_all(By::Css(format!("{article} input[name^=\"issue_\"]")))
            .await?;
        assert_eq!(issue_inputs.len(), 2, "the requisition's issue inputs");
        let open = issue_inputs[0].prop("value").await?.unwrap_or_default();
        assert_eq!(
            decimal(&open)?,
            decimal(ORDERED)?,
            "the issue input is pre-filled with the open quantity"
        );
        driver
            .find(By::Css(format!("{article} button.issue-button")))
            .await?
            .click()
            .await?;
        expect_flash(&driver, "flash-requisition-issued").await?;
        expect_requisition_status(&driver, &article, "issued").await?;
        sign_out(&driver).await?;

        // 6. The supplier sees its stock: what it had, plus the delivery, less the issue.
        sign_in_role(&driver, &address, "supplier").await?;
        driver.goto(format!("{address}/my/listings")).await?;
        wait_for_path(&driver, "/my/listings").await?;
        let on_hand_after = on_hand(&driver, &listing_id).await?;
        let expected = on_hand_before + decimal(DELIVERED)? - decimal(ORDERED)?;
        eprintln!("listing {listing_id}: on hand {on_hand_after} at the end");
        assert_eq!(
            on_hand_after, expected,
            "listing {listing_id}'s on-hand: {on_hand_before} + {DELIVERED} - {ORDERED}"
        );

        // The books agree with the stock.
        let check = portal::stock::store::ledger_check(&app.state.db.read)
            .await
            .map_err(|e| format!("the ledger check failed: {e}"))?;
        assert!(check.ok, "the ledger check: {check:?}");
        Ok(())
    })
    .await;
}

/// Signs in as the demo account of `role`, in English, and waits for the home page.
pub(crate) async fn sign_in_role(driver: &WebDriver, address: &str, role: &str) -> TestResult {
    sign_in(driver, address, Locale::En, role, helpers::DEMO_PASSWORD).await?;
    wait_for_home(driver)
        .await
        .map_err(|e| format!("signing in as {role}: {e}"))?;
    Ok(())
}

/// The on-hand quantity that `/my/listings` shows for `listing_id`.
async fn on_hand(driver: &WebDriver, listing_id: &str) -> TestResult<Decimal> {
    let css = format!("tr[data-listing=\"{listing_id}\"] td.listing-on-hand");
    let text = wait_for_element(driver, &css).await?.text().await?;
    decimal(&text).map_err(|e| format!("{css}: {e}").into())
}

fn decimal(text: &str) -> TestResult<Decimal> {
    Decimal::from_str(text.trim()).map_err(|e| format!("{text:?} is not a decimal: {e}").into())
}

/// Types `text` into the field `css`, and checks that the field then holds it.
pub(crate) async fn type_into(driver: &WebDriver, css: &str, text: &str) -> TestResult {
    let input = wait_for_element(driver, css).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    let value = input.prop("value").await?.unwrap_or_default();
    if value != text {
        return Err(format!("{css} holds {value:?} after typing {text:?}").into());
    }
    Ok(())
}

/// Chooses the option `value` of the select `css`.
pub(crate) async fn select_value(driver: &WebDriver, css: &str, value: &str) -> TestResult {
    let select = wait_for_element(driver, css).await?;
    SelectElement::new(&select)
        .await?
        .select_by_value(value)
        .await
        .map_err(|e| format!("{css}: no option {value:?}: {e}"))?;
    Ok(())
}

/// Waits for a `.flash-success` reading the English message `key`; fails at once when the
/// page shows a form or field error instead.
pub(crate) async fn expect_flash(driver: &WebDriver, key: &str) -> TestResult {
    let text = message(Locale::En, key);
    let what = format!(".flash-success reading {text:?}");
    let outcome = wait_until(driver, &what, async || {
        if let Some(errors) = page_errors(driver).await? {
            return Ok(Some(Err(errors)));
        }
        for flash in driver.find_all(By::Css(".flash-success")).await? {
            if flash.text().await?.trim() == text {
                return Ok(Some(Ok(())));
            }
        }
        Ok(None)
    })
    .await?;
    outcome.map_err(|errors| format!("waiting for {what}, the page shows: {errors}").into())
}

/// Waits until the `.req-status` of the requisition `article` shows the English label of
/// `status`; fails at once when the page shows a form or field error instead.
async fn expect_requisition_status(driver: &WebDriver, article: &str, status: &str) -> TestResult {
    let label = message(Locale::En, &format!("req-status-{status}"));
    let what = format!("{article} .req-status reading {label:?}");
    let outcome = wait_until(driver, &what, async || {
        if let Some(errors) = page_errors(driver).await? {
            return Ok(Some(Err(errors)));
        }
        let shown = driver
            .find(By::Css(format!("{article} .req-status")))
            .await?
            .text()
            .await?;
        Ok((shown.trim() == label).then_some(Ok(())))
    })
    .await?;
    outcome.map_err(|errors| format!("waiting for {what}, the page shows: {errors}").into())
}

/// The texts of the page's form and field errors, if it shows any. (A `strong.field-error`
/// marks an overdue delivery or requisition, not an error of a form.)
async fn page_errors(driver: &WebDriver) -> WebDriverResult<Option<String>> {
    let mut texts = Vec::new();
    for error in driver
        .find_all(By::Css(".form-error, p.field-error"))
        .await?
    {
        let text = error.text().await?;
        if !text.trim().is_empty() {
            texts.push(text);
        }
    }
    Ok((!texts.is_empty()).then(|| texts.join(" | ")))
}

/// `portal`'s message `key`, which must exist (`t` falls back to the key itself).
fn message(locale: Locale, key: &str) -> String {
    let text = locale.t(key);
    assert_ne!(text, key, "no message {key} for {}", locale.tag());
    text
}
