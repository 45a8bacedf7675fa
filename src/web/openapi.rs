//! The OpenAPI document at `/api/openapi.json`, and its docs page at `/api/docs/`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// The error answers any operation can give, documented on every operation so that the document
/// tells the truth about them: an unreadable request (400), no or an expired sign-in (401), a
/// role that may not (403), a missing record (404, for paths with an id), a conflicting change
/// (409) or a refused one (422, for operations that take input), the database away (503).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            let ops = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (op, writes) in ops {
                let Some(op) = op.as_mut() else { continue };
                let takes_input = writes || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, what: &str| {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(what));
                };
                add("400", "The request could not be read.");
                add("401", "Not signed in, or the sign-in expired.");
                add("403", "The role may not do this.");
                if has_id {
                    add("404", "No such record, or not one this user may see.");
                }
                if writes {
                    add("409", "A conflicting change; nothing was saved.");
                }
                if takes_input {
                    add("422", "Refused: fields and reasons in `error.fields`.");
                }
                add("503", "The database is unavailable; try again.");
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Materials supermarket portal", description = "Consignment stock, supplier vetting and tenders. Errors answer `{\"error\": {\"code\", \"message\", \"fields\"}}` in the caller's language (Accept-Language)."),
    paths(
        crate::auth::api::login,
        crate::auth::api::logout,
        crate::auth::api::me,
        crate::auth::api::put_password,
        crate::auth::api::put_locale,
        crate::users::api::list,
        crate::users::api::get,
        crate::users::api::create,
        crate::users::api::update,
        crate::org::list_sites,
        crate::org::create_site,
        crate::org::list_warehouses,
        crate::org::create_warehouse,
        crate::materials::api_list,
        crate::materials::api_categories,
        crate::materials::api_units,
        crate::materials::api_create,
        crate::materials::api_update,
        crate::materials::api_propose,
        crate::materials::api_proposals,
        crate::materials::api_decide,
        crate::materials::api_create_category,
        crate::audit::search,
        crate::audit::verify,
        crate::mail::pages::api_list,
        crate::jobs::pages::api_list,
        crate::jobs::pages::api_run,
        crate::files::api_upload,
        crate::files::api_download,
        crate::suppliers::api::apply,
        crate::suppliers::api::verify_email,
        crate::suppliers::api::my_supplier,
        crate::suppliers::api::update_application,
        crate::suppliers::api::submit,
        crate::suppliers::api::add_document,
        crate::suppliers::api::respond,
        crate::suppliers::api::directory,
        crate::suppliers::api::get_supplier,
        crate::suppliers::api::review,
        crate::suppliers::api::admission,
        crate::suppliers::api::record_failure,
        crate::suppliers::api::decide_failure,
        crate::suppliers::api::suspend,
        crate::suppliers::api::reinstate,
        crate::suppliers::api::re_review,
        crate::stock::api::create_listing,
        crate::stock::api::my_listings,
        crate::stock::api::request_price,
        crate::stock::api::pending_prices,
        crate::stock::api::decide_price,
        crate::stock::api::search,
        crate::stock::api::create_delivery,
        crate::stock::api::deliveries,
        crate::stock::api::inspect,
        crate::stock::api::submit,
        crate::stock::api::requisitions,
        crate::stock::api::approve,
        crate::stock::api::issue,
        crate::stock::api::cancel,
        crate::stock::api::ledger_check,
        crate::stock::api::no_movement,
        crate::stock::returns::my_lots,
        crate::stock::returns::list_lots,
        crate::stock::returns::answer_lot,
        crate::stock::returns::return_lot,
        crate::stock::returns::exchange_lot,
        crate::stock::counts::create,
        crate::stock::counts::list,
        crate::stock::counts::decide,
        crate::stock::import::api_import,
        crate::settings::api_get,
        crate::settings::api_put,
        crate::settlement::api::list,
        crate::settlement::api::close,
        crate::settlement::api::get,
        crate::settlement::api::step,
        crate::settlement::api::export,
        crate::tenders::api::api_list,
        crate::tenders::api::api_create,
        crate::tenders::api::api_get,
        crate::tenders::api::api_update,
        crate::tenders::api::api_add_document,
        crate::tenders::api::api_document,
        crate::tenders::api::api_publish,
        crate::tenders::api::api_my_bid,
        crate::tenders::api::api_submit_bid,
        crate::tenders::api::api_withdraw_bid,
        crate::tenders::api::api_open,
        crate::tenders::api::api_score,
        crate::tenders::api::api_evaluate,
        crate::tenders::api::api_decide,
        crate::tenders::api::api_reissue,
        crate::price_watch::api::list_surveys,
        crate::price_watch::api::create_survey,
        crate::price_watch::api::latest_surveys,
        crate::price_watch::api::due_surveys,
        crate::price_watch::api::export_surveys,
        crate::price_watch::api::material_history,
        crate::price_watch::api::list_candidates,
        crate::price_watch::api::list_decisions,
        crate::price_watch::api::decide_candidate,
        crate::procurement::api::list_plans,
        crate::procurement::api::open_plan,
        crate::procurement::api::get_plan,
        crate::procurement::api::add_line,
        crate::procurement::api::update_line,
        crate::procurement::api::remove_line,
        crate::procurement::api::submit_plan,
        crate::procurement::api::decide_plan,
        crate::procurement::api::line_quotes,
        crate::procurement::api::record_quote,
        crate::procurement::api::choose,
        crate::procurement::api::list_contracts,
        crate::procurement::api::get_contract,
        crate::procurement::api::update_contract,
        crate::procurement::api::submit_contract,
        crate::procurement::api::sign_off,
        crate::procurement::api::adopt_price,
        crate::procurement::api::export,
        crate::settlement::reports::api_usage,
        crate::settlement::reports::api_stock,
        crate::stock::site_returns::api_record,
        crate::stock::site_returns::api_list,
    ),
    modifiers(&Bearer, &CommonErrors)
)]
pub struct ApiDoc;

pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    /// utoipa names a schema after its type and keeps the last of two with one name, so two
    /// modules' `LineView`s would silently document one of them wrongly. Names must be unique
    /// across `src/` (or renamed with `#[schema(as = …)]`).
    #[test]
    fn no_two_api_types_share_a_schema_name() {
        let mut seen: std::collections::BTreeMap<String, String> = Default::default();
        let mut clashes = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut derives = false;
                let mut renamed = false;
                for line in text.lines().map(str::trim) {
                    if line.starts_with("#[derive(") && line.contains("ToSchema") {
                        derives = true;
                        renamed = false;
                    } else if line.starts_with("#[schema(as") {
                        renamed = true;
                    } else if derives
                        && let Some(rest) = line
                            .strip_prefix("pub struct ")
                            .or_else(|| line.strip_prefix("pub enum "))
                    {
                        derives = false;
                        if renamed {
                            continue;
                        }
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        let here = path.display().to_string();
                        if let Some(first) = seen.insert(name.clone(), here.clone()) {
                            clashes.push(format!("{name}: {first} and {here}"));
                        }
                    }
                }
            }
        }
        assert!(clashes.is_empty(), "schema names used twice: {clashes:#?}");
    }
}
