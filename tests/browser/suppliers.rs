//! The supplier admission journey through the real pages, in Chinese at phone width: a company
//! finds "apply" on the sign-in page, applies (its credit code pasted with spaces), confirms its
//! email, uploads its business licence and submits; the procurement officer recommends it, the
//! procurement head admits it, and the supplier then sees its consignment agreement. Each form
//! is first sent with one bad input, refused beside the field with what was typed kept.

use portal::i18n::Locale;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tempfile::TempDir;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::helpers::{self, TestApp};
use crate::stock::{click, type_into, value_of};
use crate::{
    LANG, TestResult, expect_refused, expect_summary_links, follow_link, in_browser, open_menu,
    sign_in, sign_out, wait_for_element, wait_for_home, wait_for_path, wait_until,
};

const LEGAL_NAME: &str = "杭州永固建材有限公司";
/// As pasted from a licence scan: in groups, with spaces.
const CREDIT_CODE: &str = "9133 0110 MA27 Y0B7 X2";
/// The same with its last character (the check character) wrong.
const WRONG_CREDIT_CODE: &str = "9133 0110 MA27 Y0B7 X3";
const EMAIL: &str = "journey@example.test";
const PASSWORD: &str = "supplier-password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_applies_and_is_admitted_through_the_pages() {
    in_browser("supplier_admission", async |driver, app: &TestApp| {
        let address = app.address.clone();

        // 1. From the sign-in page to the public application form.
        driver
            .goto(format!("{address}/lang/{}?next=/login", LANG.tag()))
            .await?;
        wait_for_path(&driver, "/login").await?;
        click(&driver, "#apply-link").await?;
        wait_for_path(&driver, "/apply").await?;
        wait_for_element(&driver, "form[action=\"/apply\"]").await?;
        for (name, value) in [
            ("legal_name", LEGAL_NAME),
            ("credit_code", WRONG_CREDIT_CODE),
            ("legal_representative", "王永固"),
            ("contact_name", "李明"),
            ("contact_phone", "13912345678"),
            ("contact_email", EMAIL),
            ("address", "浙江省杭州市西湖区文三路 100 号"),
            ("bank_name", "中国工商银行杭州西湖支行"),
            ("bank_account", "12020212090012345"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ] {
            type_into(
                &driver,
                &format!("form[action=\"/apply\"] [name={name}]"),
                value,
            )
            .await?;
        }
        let category = driver
            .find(By::Css("form[action=\"/apply\"] input[name^=\"cat_\"]"))
            .await?;
        category.click().await?;
        if !category.is_selected().await? {
            return Err("the first category checkbox is not ticked after a click".into());
        }
        click(&driver, "#apply-submit").await?;
        let credit_code = wait_for_element(&driver, "form[action=\"/apply\"] [name=credit_code]")
            .await?
            .attr("id")
            .await?
            .unwrap_or_default();
        expect_refused(&driver, &credit_code, WRONG_CREDIT_CODE).await?;
        assert_eq!(
            value_of(&driver, "form[action=\"/apply\"] [name=legal_name]").await?,
            LEGAL_NAME,
            "the company's name is kept"
        );
        // The passwords are not sent back; typed again with the right code.
        type_into(&driver, &format!("#{credit_code}"), CREDIT_CODE).await?;
        for name in ["password", "confirm_password"] {
            type_into(
                &driver,
                &format!("form[action=\"/apply\"] [name={name}]"),
                PASSWORD,
            )
            .await?;
        }
        let category = driver
            .find(By::Css("form[action=\"/apply\"] input[name^=\"cat_\"]"))
            .await?;
        if !category.is_selected().await? {
            category.click().await?;
        }
        crate::resubmit(&driver, "#apply-submit").await?;
        wait_for_path_or_errors(&driver, "/login").await?;
        let flash = wait_for_element(&driver, ".flash-success").await?;
        eprintln!("after applying: {:?}", flash.text().await?);

        // 2. The emailed link, read from the outbox, opens a page with a button.
        let token = verification_token(app, EMAIL).await?;
        driver
            .goto(format!("{address}/verify-email?token={token}"))
            .await?;
        wait_for_path(&driver, "/verify-email").await?;
        wait_for_element(
            &driver,
            "form[action=\"/verify-email\"] button[type=submit]",
        )
        .await?
        .click()
        .await?;
        wait_for_path_or_errors(&driver, "/login").await?;
        let flash = wait_for_element(&driver, ".flash-success").await?;
        eprintln!("after confirming the email: {:?}", flash.text().await?);

        // 3. The supplier adds its business licence and submits the application.
        sign_in_as(&driver, EMAIL, PASSWORD).await?;
        open_menu(&driver, "/my/supplier").await?;
        expect_status(&driver, "draft").await?;

        let pdf_dir = TempDir::new()?;
        let pdf = pdf_dir.path().join("business-licence.pdf");
        std::fs::write(
            &pdf,
            b"%PDF-1.4\n% a business licence for a browser test\n%%EOF\n",
        )?;
        let today = app.state.today();
        let issued_on = today - chrono::Duration::days(30);
        let expires_on = today + chrono::Duration::days(3 * 365);

        wait_for_element(
            &driver,
            "section:has(form[action=\"/my/documents\"]) details > summary",
        )
        .await?
        .click()
        .await?;
        let form = "form[action=\"/my/documents\"]";
        let kind = wait_for_element(&driver, &format!("{form} select[name=kind]")).await?;
        SelectElement::new(&kind)
            .await?
            .select_by_value("business_licence")
            .await?;
        type_into(&driver, &format!("{form} input[name=title]"), "营业执照").await?;
        set_value(
            &driver,
            &format!("{form} input[name=issued_on]"),
            &issued_on.to_string(),
        )
        .await?;
        // First with an expiry before the issue date: refused, the rest kept (but the file,
        // which a browser never sends back).
        let expired = (issued_on - chrono::Duration::days(1)).to_string();
        set_value(&driver, &format!("{form} input[name=expires_on]"), &expired).await?;
        driver
            .find(By::Css(format!("{form} input[name=file]")))
            .await?
            .send_keys(pdf.display().to_string())
            .await?;
        click(&driver, &format!("{form} button[type=submit]")).await?;
        expect_refused(&driver, "doc-expires_on", &expired).await?;
        assert_eq!(value_of(&driver, "#doc-title").await?, "营业执照");
        set_value(
            &driver,
            &format!("{form} input[name=expires_on]"),
            &expires_on.to_string(),
        )
        .await?;
        driver
            .find(By::Css(format!("{form} input[name=file]")))
            .await?
            .send_keys(pdf.display().to_string())
            .await?;
        crate::resubmit(&driver, &format!("{form} button[type=submit]")).await?;
        wait_until(
            &driver,
            "the uploaded licence in the documents table",
            async || {
                if let Some(errors) = page_errors(&driver).await? {
                    return Ok(Some(Err(errors)));
                }
                let links = driver
                    .find_all(By::Css("table a[href^=\"/files/\"]"))
                    .await?;
                for link in links {
                    if link.text().await? == "营业执照" {
                        return Ok(Some(Ok(())));
                    }
                }
                Ok(None)
            },
        )
        .await?
        .map_err(|errors| format!("adding the business licence failed: {errors}"))?;

        wait_for_element(&driver, "#submit-application")
            .await?
            .click()
            .await?;
        expect_status(&driver, "submitted").await?;
        sign_out(&driver).await?;

        // 4. The procurement officer recommends it, from the directory.
        sign_in(
            &driver,
            &address,
            LANG,
            "procurement_officer",
            helpers::DEMO_PASSWORD,
        )
        .await?;
        wait_for_home(&driver).await?;
        open_menu(&driver, "/suppliers").await?;
        let link = wait_for_element_by(&driver, By::LinkText(LEGAL_NAME), "the new company's link")
            .await?;
        let href = link.attr("href").await?.unwrap_or_default();
        let supplier_id = supplier_id(app).await?;
        assert_eq!(
            href,
            format!("/suppliers/{supplier_id}"),
            "the directory's link"
        );
        link.click().await?;
        wait_for_path(&driver, &href).await?;
        expect_status(&driver, "submitted").await?;
        // A recommendation with one item of the checklist not ticked is refused.
        for item in ["licence_valid", "certificates"] {
            let check =
                wait_for_element(&driver, &format!("#review-form input[name={item}]")).await?;
            check.click().await?;
            if !check.is_selected().await? {
                return Err(format!("the checkbox {item} is not ticked after a click").into());
            }
        }
        click(&driver, RECOMMEND).await?;
        let missing = expect_summary_links(&driver, "rv-quality_system").await?;
        assert!(!missing.is_selected().await?, "the box stays as it was");
        for item in ["licence_valid", "certificates"] {
            let kept = driver
                .find(By::Css(format!("#review-form input[name={item}]")))
                .await?;
            assert!(kept.is_selected().await?, "{item} stays ticked");
        }
        missing.click().await?;
        crate::resubmit(&driver, RECOMMEND).await?;
        expect_status(&driver, "recommended").await?;
        sign_out(&driver).await?;

        // 5. The procurement head admits it with the proposed terms.
        sign_in(
            &driver,
            &address,
            LANG,
            "procurement_head",
            helpers::DEMO_PASSWORD,
        )
        .await?;
        wait_for_home(&driver).await?;
        open_menu(&driver, "/suppliers").await?;
        follow_link(&driver, &href).await?;
        expect_status(&driver, "recommended").await?;
        // A VAT rate of 130 % first: refused beside the field, kept.
        type_into(&driver, "#adm-tax_rate", "130").await?;
        click(&driver, ADMIT).await?;
        expect_refused(&driver, "adm-tax_rate", "130").await?;
        type_into(&driver, "#adm-tax_rate", "13").await?;
        crate::resubmit(&driver, ADMIT).await?;
        expect_status(&driver, "admitted").await?;
        sign_out(&driver).await?;

        // 6. The supplier sees that it is admitted, and its agreement.
        sign_in_as(&driver, EMAIL, PASSWORD).await?;
        open_menu(&driver, "/my/supplier").await?;
        expect_status(&driver, "admitted").await?;
        let agreement_title = message(LANG, "agreement-title");
        let headings = driver.find_all(By::Css("section h2")).await?;
        let mut texts = Vec::new();
        for heading in headings {
            texts.push(heading.text().await?);
        }
        assert!(
            texts.contains(&agreement_title),
            "the supplier's page has no section {agreement_title:?}; its headings: {texts:?}"
        );
        Ok(())
    })
    .await;
}

/// The officer's button that recommends an application.
const RECOMMEND: &str = "#review-form button[name=decision][value=recommend]";
/// The head's button that admits a recommended supplier.
const ADMIT: &str = "#admission-form button[name=decision][value=admit]";

/// Signs in with any account (`crate::sign_in` knows only the demo ones) from the sign-in
/// page, where signing out or confirming the email left the browser, and waits for the home
/// page; the language chosen earlier stays.
async fn sign_in_as(driver: &WebDriver, email: &str, password: &str) -> TestResult {
    wait_for_path(driver, "/login").await?;
    type_into(driver, "input[name=email]", email).await?;
    type_into(driver, "input[name=password]", password).await?;
    driver.find(By::Css("#login-submit")).await?.click().await?;
    wait_for_home(driver)
        .await
        .map_err(|e| format!("signing in as {email}: {e}"))?;
    Ok(())
}

/// Sets an input's value with JavaScript: typing into a date input depends on the browser's
/// locale.
async fn set_value(driver: &WebDriver, css: &str, value: &str) -> TestResult {
    let input = wait_for_element(driver, css).await?;
    driver
        .execute(
            "arguments[0].value = arguments[1];",
            vec![
                input.to_json()?,
                serde_json::Value::String(value.to_string()),
            ],
        )
        .await?;
    let now = input.prop("value").await?.unwrap_or_default();
    if now != value {
        return Err(format!("{css} holds {now:?} after setting it to {value:?}").into());
    }
    Ok(())
}

/// Waits until `#supplier-status` shows the label of `status`; fails at once when
/// the page shows a form or field error instead.
async fn expect_status(driver: &WebDriver, status: &str) -> TestResult {
    let label = message(LANG, &format!("supplier-status-{status}"));
    let what = format!("#supplier-status reading {label:?}");
    let outcome = wait_until(driver, &what, async || {
        if let Some(errors) = page_errors(driver).await? {
            return Ok(Some(Err(errors)));
        }
        let shown = driver
            .find(By::Css("#supplier-status"))
            .await?
            .text()
            .await?;
        Ok((shown == label).then_some(Ok(())))
    })
    .await?;
    outcome.map_err(|errors| format!("waiting for {what}, the page shows: {errors}").into())
}

/// Waits for `path`; fails at once when the page shows a form or field error instead.
async fn wait_for_path_or_errors(driver: &WebDriver, path: &str) -> TestResult {
    let outcome = wait_until(driver, &format!("the path {path}"), async || {
        if let Some(errors) = page_errors(driver).await? {
            return Ok(Some(Err(errors)));
        }
        Ok((driver.current_url().await?.path() == path).then_some(Ok(())))
    })
    .await?;
    outcome.map_err(|errors| format!("waiting for {path}, the page shows: {errors}").into())
}

async fn wait_for_element_by(driver: &WebDriver, by: By, what: &str) -> TestResult<WebElement> {
    wait_until(driver, what, async || {
        Ok(Some(driver.find(by.clone()).await?))
    })
    .await
}

/// The texts of the page's form and field errors, if it shows any.
async fn page_errors(driver: &WebDriver) -> WebDriverResult<Option<String>> {
    let mut texts = Vec::new();
    for error in driver
        .find_all(By::Css(".form-error, .field-error"))
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

/// The token in the newest verification email to `to`.
async fn verification_token(app: &TestApp, to: &str) -> TestResult<String> {
    let mail = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(to))
        .filter(entity::outbox::Column::Kind.eq("verify_email"))
        .order_by_desc(entity::outbox::Column::Id)
        .one(&app.state.db.read)
        .await?
        .ok_or_else(|| format!("no verify_email mail to {to} in the outbox"))?;
    let marker = "/verify-email?token=";
    let start = mail
        .body_text
        .find(marker)
        .ok_or_else(|| format!("no {marker} in the mail: {:?}", mail.body_text))?
        + marker.len();
    let token: String = mail.body_text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    if token.is_empty() {
        return Err(format!("an empty token in the mail: {:?}", mail.body_text).into());
    }
    Ok(token)
}

/// The new company's id, by its legal name.
async fn supplier_id(app: &TestApp) -> TestResult<entity::SupplierId> {
    let supplier = entity::supplier::Entity::find()
        .filter(entity::supplier::Column::LegalName.eq(LEGAL_NAME))
        .one(&app.state.db.read)
        .await?
        .ok_or_else(|| format!("no supplier named {LEGAL_NAME} in the database"))?;
    Ok(supplier.id)
}
