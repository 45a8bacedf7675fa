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

/// Responses a handler documents without a description (OpenAPI requires one on every response)
/// get the common one for their status, so that validators and client generators accept the
/// document; a handler's own description always wins.
struct Descriptions;

impl Descriptions {
    fn for_status(status: &str) -> &'static str {
        match status {
            "200" => "OK: the answer is in the body.",
            "201" => "Created: the new record is in the body.",
            "202" => "Accepted: the work was queued.",
            "204" => "Done; there is no body.",
            "400" => "The request could not be read.",
            "401" => "Not signed in, or the sign-in expired.",
            "403" => "The role may not do this.",
            "404" => "No such record, or not one this user may see.",
            "409" => "A conflicting change; nothing was saved.",
            "413" => "The upload is too large.",
            "422" => "Refused: fields and reasons in `error.fields`.",
            "429" => "Too many attempts; wait and try again.",
            "503" => "The database is unavailable; try again.",
            s if s.starts_with('2') => "Success.",
            _ => "An error; the reason is in `error.code` and `error.message`.",
        }
    }
}

impl Modify for Descriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in ops.into_iter().flatten() {
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = response
                        && r.description.trim().is_empty()
                    {
                        r.description = Self::for_status(status).to_string();
                    }
                }
            }
        }
    }
}

/// Operation ids name the generated client's functions, so they must be unique (validators
/// reject the document otherwise) and stable. A handler's name repeats across capabilities
/// (`search`, `api_list`, `list`), so each id is the method and the path instead, unique by
/// construction and unchanged when a handler is renamed: `GET /api/statements/{id}/export` is
/// `get_statements_id_export`.
struct OperationIds;

impl OperationIds {
    fn id(method: &str, path: &str) -> String {
        let mut id = method.to_string();
        let words = path
            .trim_start_matches("/api/")
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty());
        for word in words {
            id.push('_');
            id.push_str(word);
        }
        id
    }
}

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
                ("options", &mut item.options),
                ("trace", &mut item.trace),
            ];
            for (method, op) in ops {
                if let Some(op) = op.as_mut() {
                    op.operation_id = Some(Self::id(method, path));
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(info(
    title = "Materials supermarket portal",
    description = "Consignment stock, supplier vetting and tenders. Errors answer `{\"error\": {\"code\", \"message\", \"fields\"}}` in the caller's language (Accept-Language)."
))]
struct ApiDoc;

/// The document's heading, before the capabilities' operations are added.
pub(super) fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The finished document: the bearer scheme, the common error answers, a description on every
/// response and unique operation ids, over the operations the capabilities registered.
pub(super) fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    openapi
        .components
        .get_or_insert_with(utoipa::openapi::Components::new);
    Bearer.modify(&mut openapi);
    CommonErrors.modify(&mut openapi);
    Descriptions.modify(&mut openapi);
    OperationIds.modify(&mut openapi);
    openapi
}

/// Serves the document at `/api/openapi.json` and the docs page at `/api/docs/`.
pub(super) fn docs(openapi: utoipa::openapi::OpenApi) -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_operation_id_is_the_method_and_the_words_of_the_path() {
        assert_eq!(
            super::OperationIds::id("get", "/api/statements/{id}/export"),
            "get_statements_id_export"
        );
        assert_eq!(
            super::OperationIds::id("post", "/api/auth/login"),
            "post_auth_login"
        );
        assert_eq!(
            super::OperationIds::id("get", "/api/price-surveys/latest"),
            "get_price_surveys_latest"
        );
    }

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
