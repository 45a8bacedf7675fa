//! The consigned-stock journey through the real pages, in Chinese at phone width, each page
//! reached from the menu or a link: a supplier sends a delivery, the warehouse keeper inspects
//! it and rejects part of it with a reason, a site user gathers lines from two catalogue
//! searches in one requisition and submits it from the cart, the site manager returns it with
//! a reason, the site user resubmits it, the manager approves, the keeper issues and opens the
//! issue slip, and the supplier sees its stock. Each form is first sent with one bad input:
//! the page must refuse it beside the field and keep what was typed.

use std::str::FromStr;

use portal::i18n::Locale;
use rust_decimal::Decimal;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::helpers::{self, TestApp};
use crate::{
    LANG, TestResult, expect_refused, follow_link, in_browser, open_menu, sign_in, sign_out,
    wait_for_element, wait_for_home, wait_for_path, wait_until,
};

const NOTE_NUMBER: &str = "DN-BROWSER-0001";
const BATCH: &str = "B-BROWSER-01";
const PURPOSE: &str = "Browser test: slab rebar, block 5";
const DELIVERED: &str = "3";
const REJECTED: &str = "1";
const ORDERED: &str = "2";
const RETURN_REASON: &str = "数量请按楼层拆分";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_inspected_ordered_approved_and_issued_through_the_pages() {
    in_browser("stock_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();

        // 1. The supplier notes its first listing's stock and sends a delivery of it.
        sign_in_role(&driver, &address, "supplier").await?;
        open_menu(&driver, "/my/listings").await?;
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
        type_into(&driver, &format!("{form} input[name=batch_0]"), BATCH).await?;
        // A negative quantity first: refused beside the field, the rest of the form kept.
        type_into(&driver, &format!("{form} input[name=qty_0]"), "-3").await?;
        click(&driver, "#send-delivery").await?;
        expect_refused(&driver, "d-qty_0", "-3").await?;
        assert_eq!(
            value_of(&driver, "#d-note_number").await?,
            NOTE_NUMBER,
            "the note number is kept"
        );
        assert_eq!(value_of(&driver, "#d-batch_0").await?, BATCH, "the batch is kept");
        assert_eq!(
            value_of(&driver, "#d-listing_0").await?,
            listing_id,
            "the chosen listing is kept"
        );
        type_into(&driver, &format!("{form} input[name=qty_0]"), DELIVERED).await?;
        crate::resubmit(&driver, "#send-delivery").await?;
        expect_flash(&driver, "flash-delivery-sent").await?;
        wait_for_path(&driver, "/my/listings").await?;
        sign_out(&driver).await?;

        // 2. The keeper inspects it: every check passes, all of it accepted.
        sign_in_role(&driver, &address, "warehouse_keeper").await?;
        open_menu(&driver, "/deliveries").await?;
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
        // Part of it rejected, first without a reason: refused, what was entered kept.
        let accepted_now = (decimal(DELIVERED)? - decimal(REJECTED)?).to_string();
        type_into(&driver, &format!("#accepted_{line}"), &accepted_now).await?;
        type_into(&driver, &format!("#rejected_{line}"), REJECTED).await?;
        click(&driver, &format!("{article} button.inspect-button")).await?;
        expect_refused(&driver, &format!("reason_{line}"), "").await?;
        assert_eq!(value_of(&driver, &format!("#rejected_{line}")).await?, REJECTED);
        assert_eq!(value_of(&driver, &format!("#accepted_{line}")).await?, accepted_now);
        type_into(&driver, &format!("#reason_{line}"), "包装破损").await?;
        crate::resubmit(&driver, &format!("{article} button.inspect-button")).await?;
        expect_flash(&driver, "flash-delivery-inspected").await?;
        let inspected = message(LANG, "delivery-status-inspected");
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
        open_menu(&driver, "/catalogue").await?;
        // A negative quantity first: refused beside that row's field, what was typed kept.
        let qty_field = format!("qty_{listing_id}");
        type_into(&driver, &format!("input[name=\"{qty_field}\"]"), "-2").await?;
        click(
            &driver,
            &format!("tr[data-listing=\"{listing_id}\"] button.add-to-cart"),
        )
        .await?;
        expect_refused(&driver, &qty_field, "-2").await?;
        type_into(&driver, &format!("input[name=\"{qty_field}\"]"), ORDERED).await?;
        crate::resubmit(&driver,
            &format!("tr[data-listing=\"{listing_id}\"] button.add-to-cart"),
        )
        .await?;
        expect_flash(&driver, "req-flash-added").await?;
        // The second search, from the search box: cement in stock, another listing.
        type_into(&driver, "form.filters input[name=q]", "水泥").await?;
        let in_stock = wait_for_element(&driver, "form.filters input[name=in_stock]").await?;
        if !in_stock.is_selected().await? {
            in_stock.click().await?;
        }
        click(&driver, "form.filters button[type=submit]").await?;
        wait_until(&driver, "the results for 水泥", async || {
            let url = driver.current_url().await?;
            Ok(url.query().is_some_and(|q| q.contains("q=")).then_some(()))
        })
        .await?;
        let rows = driver.find_all(By::Css("tr[data-listing]")).await?;
        let mut second = None;
        for row in rows {
            let id = row.attr("data-listing").await?.unwrap_or_default();
            if id != listing_id {
                second = Some(id);
                break;
            }
        }
        let second = second.ok_or("the search for 水泥 found no other listing")?;
        type_into(&driver, &format!("input[name=\"qty_{second}\"]"), "1").await?;
        click(
            &driver,
            &format!("tr[data-listing=\"{second}\"] button.add-to-cart"),
        )
        .await?;
        expect_flash(&driver, "req-flash-added").await?;
        let count = wait_for_element(&driver, "#cart-count").await?;
        assert_eq!(
            count.attr("data-lines").await?.as_deref(),
            Some("2"),
            "the cart holds the lines of both searches"
        );
        follow_link(&driver, "/requisition-cart").await?;
        let lines = driver.find_all(By::Css("#cart-lines tbody tr")).await?;
        assert_eq!(lines.len(), 2, "the cart page lists both lines");
        let need_by = value_of(&driver, "#need_by").await?;
        assert_eq!(
            need_by,
            app.state.today().to_string(),
            "the need-by date's default"
        );
        // A purpose of spaces first (the browser lets it through; the portal does not).
        type_into(&driver, "#purpose", "   ").await?;
        click(&driver, "#submit-requisition").await?;
        expect_refused(&driver, "purpose", "   ").await?;
        type_into(&driver, "#purpose", PURPOSE).await?;
        crate::resubmit(&driver, "#submit-requisition").await?;
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

        // 4. The site manager returns it, first without the reason a return needs.
        sign_in_role(&driver, &address, "site_manager").await?;
        open_menu(&driver, "/requisitions").await?;
        let reason_field = format!("r{requisition}-reason");
        click(&driver, &format!("{article} button.return-button")).await?;
        expect_refused(&driver, &reason_field, "").await?;
        type_into(&driver, &format!("#{reason_field}"), RETURN_REASON).await?;
        crate::resubmit(&driver, &format!("{article} button.return-button")).await?;
        expect_flash(&driver, "req-flash-returned").await?;
        expect_requisition_status(&driver, &article, "returned").await?;
        sign_out(&driver).await?;

        // The site user reads the reason on the requisition and sends it again.
        sign_in_role(&driver, &address, "site_user").await?;
        open_menu(&driver, "/requisitions").await?;
        follow_link(&driver, &format!("/requisitions/{requisition}")).await?;
        let history = wait_for_element(&driver, "#history").await?.text().await?;
        assert!(
            history.contains(RETURN_REASON),
            "the history shows the reason: {history:?}"
        );
        click(&driver, &format!("{article} button.resubmit-button")).await?;
        expect_flash(&driver, "req-flash-resubmitted").await?;
        expect_requisition_status(&driver, &article, "submitted").await?;
        sign_out(&driver).await?;

        // The manager approves it this time.
        sign_in_role(&driver, &address, "site_manager").await?;
        open_menu(&driver, "/requisitions").await?;
        click(&driver, &format!("{article} button.approve-button")).await?;
        expect_flash(&driver, "flash-requisition-approved").await?;
        expect_requisition_status(&driver, &article, "approved").await?;
        sign_out(&driver).await?;

        // 5. The keeper issues what is open, first more than was reserved.
        sign_in_role(&driver, &address, "warehouse_keeper").await?;
        open_menu(&driver, "/requisitions").await?;
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
        let issue_id = issue_inputs[0].attr("id").await?.unwrap_or_default();
        type_into(&driver, &format!("#{issue_id}"), "999").await?;
        click(&driver, &format!("{article} button.issue-button")).await?;
        expect_refused(&driver, &issue_id, "999").await?;
        type_into(&driver, &format!("#{issue_id}"), &open).await?;
        crate::resubmit(&driver, &format!("{article} button.issue-button")).await?;
        expect_flash(&driver, "flash-requisition-issued").await?;
        expect_requisition_status(&driver, &article, "issued").await?;
        // The issue slip, to print.
        follow_link(&driver, &format!("/requisitions/{requisition}")).await?;
        let slip = wait_for_element(&driver, "a.issue-slip-link").await?;
        let slip_number = slip.text().await?;
        assert!(slip_number.starts_with("CK-"), "the slip's number {slip_number:?}");
        let slip_href = slip.attr("href").await?.unwrap_or_default();
        slip.click().await?;
        wait_for_path(&driver, &slip_href).await?;
        let slip_page = driver.find(By::Tag("body")).await?.text().await?;
        assert!(slip_page.contains(&slip_number), "the slip shows its number");
        driver.back().await?;
        // A stock count, first a negative one (it waits for the office's approval, so the
        // stock below does not change).
        open_menu(&driver, "/stock-counts").await?;
        type_into(&driver, "#counted", "-5").await?;
        type_into(&driver, "#reason", "月末盘点").await?;
        click(&driver, "#count-submit").await?;
        expect_refused(&driver, "counted", "-5").await?;
        assert_eq!(value_of(&driver, "#reason").await?, "月末盘点");
        type_into(&driver, "#counted", "9999").await?;
        crate::resubmit(&driver, "#count-submit").await?;
        expect_flash(&driver, "flash-count-pending").await?;
        sign_out(&driver).await?;

        // 6. The supplier sees its stock: what it had, plus the delivery, less the issue.
        sign_in_role(&driver, &address, "supplier").await?;
        open_menu(&driver, "/my/listings").await?;
        let on_hand_after = on_hand(&driver, &listing_id).await?;
        let expected =
            on_hand_before + decimal(DELIVERED)? - decimal(REJECTED)? - decimal(ORDERED)?;
        eprintln!("listing {listing_id}: on hand {on_hand_after} at the end");
        assert_eq!(
            on_hand_after, expected,
            "listing {listing_id}'s on-hand: {on_hand_before} + {DELIVERED} - {REJECTED} - {ORDERED}"
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

/// Signs in as the demo account of `role`, in the journeys' language, and waits for the home
/// page.
pub(crate) async fn sign_in_role(driver: &WebDriver, address: &str, role: &str) -> TestResult {
    sign_in(driver, address, LANG, role, helpers::DEMO_PASSWORD).await?;
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

/// Waits for a `.flash-success` reading the message `key`; fails at once when the page shows
/// a form or field error instead.
pub(crate) async fn expect_flash(driver: &WebDriver, key: &str) -> TestResult {
    let text = message(LANG, key);
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

/// Waits until the `.req-status` of the requisition `article` shows the label of
/// `status`; fails at once when the page shows a form or field error instead.
async fn expect_requisition_status(driver: &WebDriver, article: &str, status: &str) -> TestResult {
    let label = message(LANG, &format!("req-status-{status}"));
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

/// Scrolls to the element `css` and clicks it.
pub(crate) async fn click(driver: &WebDriver, css: &str) -> TestResult {
    let e = wait_for_element(driver, css).await?;
    e.scroll_into_view().await?;
    e.click().await?;
    Ok(())
}

/// What the field `css` holds.
pub(crate) async fn value_of(driver: &WebDriver, css: &str) -> TestResult<String> {
    Ok(wait_for_element(driver, css)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}
