//! Uploaded files: checked by content and size ([`rules`]), stored on disk under their
//! SHA-256 checksum in `<data dir>/uploads/`, recorded in `files`, and served only to
//! those allowed to see them.

pub mod rules;

use crate::auth::{Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use entity::{SupplierId, file};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use sha2::Digest;

/// Largest upload accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most a multipart form may hold in all: three files (a delivery note's certificates) and
/// its text fields. Reading stops past it, so a form of twenty 10 MB parts is never held.
pub const MAX_FORM_BYTES: usize = 3 * MAX_BYTES + 1024 * 1024;
/// The most parts a multipart form may have (the delivery note's is the largest, about 20).
pub const MAX_PARTS: usize = 40;

/// An upload that passed the checks, not yet recorded.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Checks `upload` (field errors name `field`), writes it to disk and records it on `conn`.
pub async fn store(
    conn: &impl ConnectionTrait,
    state: &AppState,
    field: &str,
    upload: &Upload,
    supplier_id: Option<SupplierId>,
    purpose: &str,
    by: Option<i64>,
) -> AppResult<file::Model> {
    let kind = rules::check(&upload.file_name, &upload.bytes, MAX_BYTES)
        .map_err(|e| AppError::field(field, e.code()))?;
    let sha = hex::encode(sha2::Sha256::digest(&upload.bytes));
    let stored_as = format!("{}/{}", &sha[..2], sha);
    let path = state.config.data_dir.join("uploads").join(&stored_as);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| AppError::Internal(format!("uploads: {e}")))?;
        }
        // Write beside, then rename: a crash never leaves a half file under the checksum name.
        let tmp = path.with_extension(format!("tmp-{}", state.instance));
        tokio::fs::write(&tmp, &upload.bytes)
            .await
            .map_err(|e| AppError::Internal(format!("uploads: {e}")))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| AppError::Internal(format!("uploads: {e}")))?;
    }
    let model = file::ActiveModel {
        supplier_id: Set(supplier_id),
        purpose: Set(purpose.to_string()),
        file_name: Set(rules::clean_name(&upload.file_name)),
        content_type: Set(kind.content_type().to_string()),
        size: Set(upload.bytes.len() as i64),
        sha256: Set(sha),
        stored_as: Set(stored_as),
        uploaded_by: Set(by),
        uploaded_at: Set(state.now()),
        ..Default::default()
    };
    let r = file::Entity::insert(model).exec(conn).await?;
    file::Entity::find_by_id(r.last_insert_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whose files `user` may read: a supplier its own only, not even another supplier's; the
/// others a handler lets read files (`ReadFiles`: the procurement office, the head, the
/// auditor, the admin and the warehouse keeper, who checks certificates on delivery) any.
pub fn may_read(user: &CurrentUser, f: &file::Model) -> bool {
    match user.role {
        Role::Supplier => f.supplier_id.is_some() && f.supplier_id == user.supplier_id,
        _ => true,
    }
}

/// Downloads a file, as an attachment.
#[utoipa::path(get, path = "/api/files/{id}", tag = "files", security(("bearer" = ["read_files"])),
    responses((status = 200, description = "the file's bytes"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/files/{id}")]
pub async fn api_download(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFiles)?;
    download(&state, &user, *id).await
}

#[get("/files/{id}")]
pub async fn page_download(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFiles)?;
    download(&state, &user, *id).await
}

async fn download(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<HttpResponse> {
    let f = file::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(user, &f) {
        return Err(AppError::Forbidden);
    }
    let bytes = tokio::fs::read(state.config.data_dir.join("uploads").join(&f.stored_as))
        .await
        .map_err(|e| AppError::Internal(format!("file {id}: {e}")))?;
    // An attachment, never shown inline under the portal's origin; the name cleaned again
    // (files recorded before bidirectional controls were stripped), the type the one the
    // upload's content was checked as.
    let disposition = crate::export::content_disposition(&rules::clean_name(&f.file_name));
    Ok(HttpResponse::Ok()
        .content_type(f.content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// The request body of an API upload, as [`read_multipart`] reads it: one file in the part
/// `file`. Documented in the OpenAPI document so that generated clients can send it.
#[derive(utoipa::ToSchema)]
pub struct FileUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The request body of `POST /api/files`: the file, and for procurement staff uploading
/// evidence, the supplier it belongs to (a supplier's upload is its own).
#[derive(utoipa::ToSchema)]
pub struct EvidenceUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    pub supplier_id: Option<SupplierId>,
}

/// The text fields and the one file of a multipart form. Reading stops with `file_too_large`
/// as soon as the file passes the limit, so a huge upload is never held in memory.
pub async fn read_multipart(
    payload: actix_multipart::Multipart,
) -> AppResult<(std::collections::HashMap<String, String>, Option<Upload>)> {
    let (fields, mut uploads) = read_multipart_files(payload).await?;
    Ok((fields, uploads.remove("file")))
}

/// The text fields and every file of a multipart form, files by field name. A file field
/// left empty by the browser (no file chosen) is not included. At most [`MAX_PARTS`] parts
/// and [`MAX_FORM_BYTES`] in all (handlers check the role before they call this). Text
/// fields with a NUL are refused, as the edge (`web::input_guard`) refuses them elsewhere.
pub async fn read_multipart_files(
    mut payload: actix_multipart::Multipart,
) -> AppResult<(
    std::collections::HashMap<String, String>,
    std::collections::HashMap<String, Upload>,
)> {
    use futures_util::TryStreamExt;
    let mut fields = std::collections::HashMap::new();
    let mut uploads = std::collections::HashMap::new();
    let mut parts = 0;
    let mut total = 0;
    while let Some(mut field) = payload
        .try_next()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest(format!(
                "a form has at most {MAX_PARTS} parts"
            )));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if file_name.is_some() {
            MAX_BYTES
        } else {
            64 * 1024
        };
        let mut buf = Vec::new();
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?
        {
            total += chunk.len();
            if buf.len() + chunk.len() > limit || total > MAX_FORM_BYTES {
                return Err(AppError::field(
                    &name,
                    if file_name.is_some() {
                        RuleCode::FileTooLarge
                    } else {
                        RuleCode::TooLong
                    },
                ));
            }
            buf.extend_from_slice(&chunk);
        }
        match file_name {
            Some(f) if !f.is_empty() || !buf.is_empty() => {
                uploads.insert(
                    name,
                    Upload {
                        file_name: f,
                        bytes: buf,
                    },
                );
            }
            Some(_) => {}
            None => {
                let text = String::from_utf8_lossy(&buf).to_string();
                if text.contains('\0') {
                    return Err(AppError::field(&name, RuleCode::NulCharacter));
                }
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, uploads))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl From<file::Model> for FileView {
    fn from(f: file::Model) -> Self {
        Self {
            id: f.id,
            file_name: f.file_name,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
        }
    }
}

/// Uploads a PDF, JPEG or PNG (at most 10 MB), checked by content. Multipart fields: `file`,
/// and for procurement staff uploading evidence, `supplier_id`. A supplier's upload is its own.
#[utoipa::path(post, path = "/api/files", tag = "files", security(("bearer" = ["upload_files"])),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data", description = "fields: file, supplier_id (procurement only)"),
    responses((status = 201, body = FileView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
#[post("/api/files")]
pub async fn api_upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::UploadFiles)?;
    let (fields, upload) = read_multipart(payload).await?;
    let (supplier_id, purpose) =
        upload_owner(&state, &user, fields.get("supplier_id").map(String::as_str)).await?;
    let upload = upload.ok_or_else(|| AppError::field("file", RuleCode::Required))?;
    let f = store(
        &state.db.write,
        &state,
        "file",
        &upload,
        Some(supplier_id),
        purpose,
        Some(user.id),
    )
    .await?;
    Ok(HttpResponse::Created().json(FileView::from(f)))
}

/// Whose file an upload becomes: a supplier uploads for itself; procurement uploads evidence
/// for the supplier it names.
pub async fn upload_owner(
    state: &AppState,
    user: &CurrentUser,
    supplier_field: Option<&str>,
) -> AppResult<(SupplierId, &'static str)> {
    match user.role {
        Role::Supplier => Ok((user.supplier_id.ok_or(AppError::Forbidden)?, "document")),
        Role::ProcurementOfficer | Role::ProcurementHead => {
            let id: SupplierId = supplier_field
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::field("supplier_id", RuleCode::Required))?
                .parse()
                .map_err(|_| AppError::field("supplier_id", RuleCode::NotANumber))?;
            entity::supplier::Entity::find_by_id(id)
                .one(&state.db.read)
                .await?
                .ok_or_else(|| AppError::field("supplier_id", RuleCode::NotFound))?;
            Ok((id, "evidence"))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api_upload)
        .service(api_download)
        .map(|c| c.service(page_download));
}
