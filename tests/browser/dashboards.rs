//! The month at a glance in the browser: the procurement head's home shows its chart in both
//! languages at phone width, the dashboard opens from it, and each chart's figures unfold
//! beneath it (screenshots of each step kept with the journeys).

use portal::i18n::Locale;
use thirtyfour::prelude::*;

use crate::helpers::{DEMO_PASSWORD, TestApp};
use crate::stock::click;
use crate::{follow_link, in_browser, sign_in, sign_out, wait_for_element, wait_for_home};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heads_home_draws_its_chart_and_the_dashboard_unfolds_its_figures() {
    in_browser("dashboard_journey", async |driver, app: &TestApp| {
        let address = app.address.clone();
        for (locale, title) in [
            (Locale::ZhCn, "各项目每月领用"),
            (Locale::En, "What each site drew, by month"),
        ] {
            sign_in(&driver, &address, locale, "procurement_head", DEMO_PASSWORD).await?;
            wait_for_home(&driver).await?;
            let chart = wait_for_element(&driver, "#home-charts figure.chart svg[role=img]").await?;
            let label = chart.attr("aria-labelledby").await?.unwrap_or_default();
            assert_eq!(label, "draws-by-site-title draws-by-site-desc");
            let heading = wait_for_element(&driver, "#home-chart-title").await?;
            assert_eq!(heading.text().await?, title);
            // It fits the phone's width.
            let width: i64 = driver
                .execute("return document.querySelector('#home-charts svg').getBoundingClientRect().width", vec![])
                .await?
                .convert()?;
            let viewport: i64 = driver
                .execute("return document.documentElement.clientWidth", vec![])
                .await?
                .convert()?;
            assert!(width > 0 && width <= viewport, "{width} in {viewport}");

            follow_link(&driver, "/dashboards/procurement").await?;
            // Seven charts, each drawn or saying it has nothing to show.
            let charts = driver.find_all(By::Css("figure.chart")).await?;
            assert_eq!(charts.len(), 7);
            let drawn = driver.find_all(By::Css("figure.chart svg[role=img]")).await?;
            let empty = driver.find_all(By::Css("figure.chart .chart-empty")).await?;
            assert_eq!(drawn.len() + empty.len(), 7);
            click(&driver, "#draws-by-site details.chart-table > summary").await?;
            let rows = driver
                .find_all(By::Css("#draws-by-site details.chart-table tbody tr"))
                .await?;
            assert_eq!(rows.len(), 6, "six months");
            assert!(rows[0].is_displayed().await?);
            crate::keep_step(&driver, &format!("dashboard figures {}", locale.tag())).await;
            sign_out(&driver).await?;
            // Every other role with an area: its home shows the area's first chart, named in
            // the page's language, within the phone's width.
            for (role, id) in [
                ("warehouse_keeper", "receipts-and-issues"),
                ("finance", "to-pay"),
                ("site_manager", "drawn-against-plan"),
                ("supplier", "stock-by-age"),
            ] {
                sign_in(&driver, &address, locale, role, DEMO_PASSWORD).await?;
                wait_for_home(&driver).await?;
                let heading = wait_for_element(&driver, "#home-chart-title").await?;
                let expected = locale.t(&format!("dash-{}", home_title_key(id)));
                assert_eq!(heading.text().await?, expected, "{role}");
                let width: i64 = driver
                    .execute("return document.querySelector('#home-charts figure.chart').getBoundingClientRect().width", vec![])
                    .await?
                    .convert()?;
                let viewport: i64 = driver
                    .execute("return document.documentElement.clientWidth", vec![])
                    .await?
                    .convert()?;
                assert!(width > 0 && width <= viewport, "{role}: {width} in {viewport}");
                crate::keep_step(&driver, &format!("home chart {role} {}", locale.tag())).await;
                sign_out(&driver).await?;
            }
        }
        Ok(())
    })
    .await;
}

/// The message key (after `dash-`) of the title of the chart `id` on a home page.
fn home_title_key(id: &str) -> &'static str {
    match id {
        "receipts-and-issues" => "flow-title",
        "to-pay" => "to-pay-title",
        "drawn-against-plan" => "plan-title",
        _ => "ages-title",
    }
}
