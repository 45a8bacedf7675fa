//! The monthly settlement journey through the real pages, in Chinese at phone width, from the
//! menu: finance opens the demo's draft statement of the last period, reads its total in
//! capitals and issues it, the supplier disputes a line, finance answers it (first with an
//! adjustment that is not a number, refused beside it and kept), records the invoice (first
//! with a number of blanks) and the payment. The statement's totals are also looked at in
//! English at desktop width, where a long label once cut the amounts in two.

use thirtyfour::prelude::*;

use crate::helpers::TestApp;
use crate::stock::{click, expect_flash, sign_in_role, type_into, value_of};

const DISPUTE: &str = "实收 3.8 吨，少 0.2 吨";
const RESOLUTION: &str = "按实收 3.8 吨结算";
use crate::{in_browser, sign_out, wait_for_element, wait_for_path};

/// Opens the first statement on `/statements` and answers its id.
async fn open_first_statement(driver: &WebDriver) -> crate::TestResult<String> {
    crate::open_menu(driver, "/statements").await?;
    let link = wait_for_element(driver, "#statements a[href^='/statements/']").await?;
    let href = link.attr("href").await?.unwrap_or_default();
    link.click().await?;
    wait_for_path(driver, &href).await?;
    Ok(href)
}

/// Fails when a figure of the statement's totals takes more than one line.
async fn amounts_whole(driver: &WebDriver, context: &str) -> crate::TestResult {
    wait_for_element(driver, "#statement-totals").await?;
    let wrapped: Vec<String> = driver
        .execute(
            "return [...document.querySelectorAll('#statement-totals dd.num')]\
             .filter(d => d.getBoundingClientRect().height > \
               1.8 * parseFloat(getComputedStyle(d).fontSize))\
             .map(d => d.id);",
            vec![],
        )
        .await?
        .convert()?;
    assert!(
        wrapped.is_empty(),
        "{context}: amounts cut in two: {wrapped:?}"
    );
    Ok(())
}

async fn status(driver: &WebDriver) -> crate::TestResult<String> {
    Ok(wait_for_element(driver, "#statement-status")
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_issues_the_supplier_disputes_finance_resolves_and_records_invoice_and_payment() {
    in_browser("settlement_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();

        sign_in_role(&driver, &address, "finance").await?;
        let page = open_first_statement(&driver).await?;
        assert_eq!(status(&driver).await?, "draft");
        let gross = wait_for_element(&driver, "#total-gross").await?.text().await?;
        assert!(gross.starts_with('¥'), "{gross}");
        // Each figure of the totals on one line, at phone width in Chinese and at desktop
        // width in English, where the long label once squeezed them until an amount broke in
        // two ("¥13,309" over ".73").
        amounts_whole(&driver, "zh-CN at phone width").await?;
        driver.set_window_rect(0, 0, 1280, 900).await?;
        driver
            .find(By::Css(r#"a.lang-switch[data-lang="en"]"#))
            .await?
            .click()
            .await?;
        wait_for_element(&driver, r#"body[data-lang="en"]"#).await?;
        amounts_whole(&driver, "en at desktop width").await?;
        driver
            .find(By::Css(r#"a.lang-switch[data-lang="zh-CN"]"#))
            .await?
            .click()
            .await?;
        wait_for_element(&driver, r#"body[data-lang="zh-CN"]"#).await?;
        driver.set_window_rect(0, 0, 390, 844).await?;
        // The printed statement carries the total in capitals (shown on paper only).
        let capitals = wait_for_element(&driver, "#total-gross-capitals")
            .await?
            .prop("textContent")
            .await?
            .unwrap_or_default();
        assert!(
            capitals.ends_with('整') || capitals.ends_with('分'),
            "the total in capitals: {capitals:?}"
        );
        wait_for_element(&driver, "#issue-submit").await?.click().await?;
        expect_flash(&driver, "flash-statement-issue").await?;
        assert_eq!(status(&driver).await?, "issued");
        sign_out(&driver).await?;

        sign_in_role(&driver, &address, "supplier").await?;
        let seen = open_first_statement(&driver).await?;
        assert_eq!(seen, page, "the supplier sees the statement it was sent");
        let supplier_gross = wait_for_element(&driver, "#total-gross").await?.text().await?;
        assert_eq!(supplier_gross, gross);
        // The supplier disputes the first line's quantity.
        let line = wait_for_element(&driver, "#statement-lines tr[data-line]")
            .await?
            .attr("data-line")
            .await?
            .unwrap_or_default();
        type_into(&driver, &format!("#reason_{line}"), DISPUTE).await?;
        click(&driver, "#dispute-submit").await?;
        expect_flash(&driver, "flash-statement-dispute").await?;
        assert_eq!(status(&driver).await?, "disputed");
        sign_out(&driver).await?;

        // Finance answers it, first with an adjustment that is not a number.
        sign_in_role(&driver, &address, "finance").await?;
        crate::open_menu(&driver, "/statements").await?;
        crate::follow_link(&driver, &page).await?;
        let amount = format!("amount_{line}");
        type_into(&driver, &format!("#{amount}"), "减752").await?;
        type_into(&driver, &format!("#note_{line}"), RESOLUTION).await?;
        click(&driver, "#resolve-submit").await?;
        crate::expect_refused(&driver, &amount, "减752").await?;
        assert_eq!(value_of(&driver, &format!("#note_{line}")).await?, RESOLUTION);
        type_into(&driver, &format!("#{amount}"), "-752.00").await?;
        crate::resubmit(&driver, "#resolve-submit").await?;
        expect_flash(&driver, "flash-statement-resolve").await?;
        assert_eq!(status(&driver).await?, "resolved");
        let date = app.state.today().to_string();
        let set_invoice_date = async || {
            driver
                .execute(
                    "document.querySelector('#invoice-form input[name=invoice_date]').value = arguments[0];",
                    vec![serde_json::Value::String(date.clone())],
                )
                .await
        };
        set_invoice_date().await?;
        type_into(&driver, "#invoice-form input[name=invoice_number]", "   ").await?;
        wait_for_element(&driver, "#invoice-submit").await?.click().await?;
        crate::expect_refused(&driver, "invoice_number", "   ").await?;
        type_into(&driver, "#invoice-form input[name=invoice_number]", "FP-2026-0001").await?;
        set_invoice_date().await?;
        crate::resubmit(&driver, "#invoice-submit").await?;
        expect_flash(&driver, "flash-statement-invoice").await?;
        assert_eq!(status(&driver).await?, "invoiced");
        driver
            .execute(
                "document.querySelector('#pay-form input[name=paid_on]').value = arguments[0];",
                vec![serde_json::Value::String(date)],
            )
            .await?;
        type_into(&driver, "#pay-form input[name=reference]", "YH-20261201").await?;
        wait_for_element(&driver, "#pay-submit").await?.click().await?;
        expect_flash(&driver, "flash-statement-pay").await?;
        assert_eq!(status(&driver).await?, "paid");
        Ok(())
    })
    .await;
}
