//! The monthly settlement journey through the real pages: finance opens the demo's draft
//! statement of the last period and issues it, the supplier confirms it, finance records the
//! invoice and the payment.

use thirtyfour::prelude::*;

use crate::helpers::TestApp;
use crate::stock::{expect_flash, sign_in_role, type_into};
use crate::{in_browser, sign_out, wait_for_element, wait_for_path};

/// Opens the first statement on `/statements` and answers its id.
async fn open_first_statement(driver: &WebDriver, address: &str) -> crate::TestResult<String> {
    driver.goto(format!("{address}/statements")).await?;
    wait_for_path(driver, "/statements").await?;
    let link = wait_for_element(driver, "#statements a[href^='/statements/']").await?;
    let href = link.attr("href").await?.unwrap_or_default();
    link.click().await?;
    wait_for_path(driver, &href).await?;
    Ok(href)
}

async fn status(driver: &WebDriver) -> crate::TestResult<String> {
    Ok(wait_for_element(driver, "#statement-status")
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_issues_the_supplier_confirms_and_finance_records_invoice_and_payment() {
    in_browser("settlement_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();

        sign_in_role(&driver, &address, "finance").await?;
        let page = open_first_statement(&driver, &address).await?;
        assert_eq!(status(&driver).await?, "draft");
        let gross = wait_for_element(&driver, "#total-gross").await?.text().await?;
        assert!(gross.starts_with('¥'), "{gross}");
        wait_for_element(&driver, "#issue-submit").await?.click().await?;
        expect_flash(&driver, "flash-statement-issue").await?;
        assert_eq!(status(&driver).await?, "issued");
        sign_out(&driver).await?;

        sign_in_role(&driver, &address, "supplier").await?;
        let seen = open_first_statement(&driver, &address).await?;
        assert_eq!(seen, page, "the supplier sees the statement it was sent");
        let supplier_gross = wait_for_element(&driver, "#total-gross").await?.text().await?;
        assert_eq!(supplier_gross, gross);
        wait_for_element(&driver, "#confirm-submit").await?.click().await?;
        expect_flash(&driver, "flash-statement-confirm").await?;
        assert_eq!(status(&driver).await?, "confirmed");
        sign_out(&driver).await?;

        sign_in_role(&driver, &address, "finance").await?;
        driver.goto(format!("{address}{page}")).await?;
        type_into(&driver, "#invoice-form input[name=invoice_number]", "FP-2026-0001").await?;
        let date = app.state.today().to_string();
        driver
            .execute(
                "document.querySelector('#invoice-form input[name=invoice_date]').value = arguments[0];",
                vec![serde_json::Value::String(date.clone())],
            )
            .await?;
        wait_for_element(&driver, "#invoice-submit").await?.click().await?;
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
