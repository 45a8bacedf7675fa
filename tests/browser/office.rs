//! The office's journeys through the real pages, in Chinese at phone width, from the menu,
//! each form first sent with one bad input (refused beside the field, what was typed kept):
//! a supplier asks for a new price, the procurement officer approves it and the auditor finds
//! who did from the audit log's filters and verifies the chain; the admin adds a user,
//! deactivates it (who then cannot sign in) and changes a setting.

use thirtyfour::prelude::*;

use crate::helpers::TestApp;
use crate::stock::{click, expect_flash, select_value, sign_in_role, type_into, value_of};
use crate::{
    LANG, expect_refused, follow_link, in_browser, open_menu, sign_in, sign_out, wait_for_element,
    wait_for_path, wait_until,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const NEW_PRICE: &str = "4100.50";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_is_requested_approved_and_found_in_the_audit_log_through_the_pages() {
    in_browser("price_and_audit_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();

        // The supplier asks for a new price of its first listing, first a negative one.
        sign_in_role(&driver, &address, "supplier").await?;
        open_menu(&driver, "/my/listings").await?;
        let row = wait_for_element(&driver, "tr[data-listing]").await?;
        let listing = row.attr("data-listing").await?.unwrap_or_default();
        let form = format!("tr[data-listing=\"{listing}\"] details.change-price");
        click(&driver, &format!("{form} > summary")).await?;
        let price = format!("p{listing}-new_price");
        type_into(&driver, &format!("#{price}"), "-4100").await?;
        type_into(&driver, &format!("#p{listing}-reason"), "钢价上涨").await?;
        click(&driver, &format!("{form} button.price-submit")).await?;
        expect_refused(&driver, &price, "-4100").await?;
        assert_eq!(
            value_of(&driver, &format!("#p{listing}-reason")).await?,
            "钢价上涨",
            "the reason is kept"
        );
        type_into(&driver, &format!("#{price}"), NEW_PRICE).await?;
        crate::resubmit(&driver, &format!("{form} button.price-submit")).await?;
        expect_flash(&driver, "flash-price-requested").await?;
        sign_out(&driver).await?;

        // The officer approves it from the prices page.
        sign_in_role(&driver, &address, "procurement_officer").await?;
        open_menu(&driver, "/price-changes").await?;
        click(
            &driver,
            "form[action^=\"/price-changes/\"] button[name=decision][value=approve]",
        )
        .await?;
        expect_flash(&driver, "flash-saved").await?;
        sign_out(&driver).await?;
        // The log names each actor by the account's email.
        let officer = "procurement_officer@demo.test";
        // The auditor finds who approved it, by the action's name in the filter.
        sign_in_role(&driver, &address, "auditor").await?;
        open_menu(&driver, "/audit").await?;
        select_value(&driver, "#audit-filter-action", "price_change.approve").await?;
        click(&driver, "form.filters button[type=submit]").await?;
        let actors = wait_until(&driver, "the audit rows of approved prices", async || {
            let url = driver.current_url().await?;
            if !url
                .query()
                .is_some_and(|q| q.contains("price_change.approve"))
            {
                return Ok(None);
            }
            let mut actors = Vec::new();
            for cell in driver.find_all(By::Css("tbody td.audit-actor")).await? {
                actors.push(cell.text().await?);
            }
            Ok(Some(actors))
        })
        .await?;
        assert!(
            actors.iter().any(|a| a.contains(officer)),
            "the officer {officer:?} among the actors {actors:?}"
        );
        click(&driver, "#audit-verify").await?;
        wait_for_element(&driver, "#audit-verification.flash-success").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_adds_a_user_deactivates_it_and_changes_a_setting_through_the_pages() {
    in_browser("admin_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();
        const EMAIL: &str = "keeper2@demo.test";
        const PASSWORD: &str = "keeper2-password";

        sign_in_role(&driver, &address, "admin").await?;
        open_menu(&driver, "/admin/users").await?;
        follow_link(&driver, "/admin/users/new").await?;
        // A name of blanks first (the browser lets it through, the portal does not).
        type_into(&driver, "#email", EMAIL).await?;
        type_into(&driver, "#display_name", "   ").await?;
        select_value(&driver, "#role", "warehouse_keeper").await?;
        type_into(&driver, "#password", PASSWORD).await?;
        click(&driver, "main form button[type=submit]").await?;
        expect_refused(&driver, "display_name", "   ").await?;
        assert_eq!(
            value_of(&driver, "#email").await?,
            EMAIL,
            "the email is kept"
        );
        assert_eq!(value_of(&driver, "#role").await?, "warehouse_keeper");
        type_into(&driver, "#display_name", "李仓管").await?;
        type_into(&driver, "#password", PASSWORD).await?;
        crate::resubmit(&driver, "main form button[type=submit]").await?;
        expect_flash(&driver, "flash-user-created").await?;

        // Deactivated from its own page, linked from the list by its email.
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(EMAIL))
            .one(&app.state.db.read)
            .await?
            .ok_or("the new user is not in the database")?;
        follow_link(&driver, &format!("/admin/users/{}", user.id)).await?;
        let active = wait_for_element(&driver, "#active").await?;
        assert!(active.is_selected().await?, "a new user is active");
        active.click().await?;
        click(&driver, "main form button[type=submit]").await?;
        expect_flash(&driver, "flash-user-updated").await?;

        // A setting, first a threshold below zero.
        open_menu(&driver, "/admin/settings").await?;
        let before = value_of(&driver, "#tender_threshold").await?;
        type_into(&driver, "#tender_threshold", "-1").await?;
        click(&driver, "#settings-submit").await?;
        expect_refused(&driver, "tender_threshold", "-1").await?;
        type_into(&driver, "#tender_threshold", "250000").await?;
        crate::resubmit(&driver, "#settings-submit").await?;
        expect_flash(&driver, "flash-saved").await?;
        assert_ne!(before, "250000");
        assert_eq!(value_of(&driver, "#tender_threshold").await?, "250000");
        sign_out(&driver).await?;

        // The deactivated user cannot sign in.
        sign_in(&driver, &address, LANG, "keeper2", PASSWORD).await?;
        wait_until(&driver, "the sign-in page's error", async || {
            crate::form_error(&driver).await
        })
        .await?;
        wait_for_path(&driver, "/login").await?;
        Ok(())
    })
    .await;
}
