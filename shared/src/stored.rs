//! Documents stored in `config_items` (groups, channels, webhooks ...) decoded loudly. One that
//! no longer decodes — an old shape, a hand edit — is reported with its kind, id and serde's
//! reason: as a JSON log line where the caller goes on without it (the tick over every group),
//! as an unexpected error saying which item where a request needs it.

use crate::errors::AppError;
use crate::ids::TenantId;
use serde::de::DeserializeOwned;

/// For work over many items: the document, or `None` after reporting why not.
pub fn decode_or_report<T: DeserializeOwned>(
    kind: &str,
    tenant: TenantId,
    id: i64,
    data: &str,
) -> Option<T> {
    match serde_json::from_str(data) {
        Ok(doc) => Some(doc),
        Err(e) => {
            report(kind, tenant, id, &e);
            None
        }
    }
}

/// For a request that cannot go on without it: the document, or an error naming the item.
pub fn decode<T: DeserializeOwned>(
    kind: &str,
    tenant: TenantId,
    id: i64,
    data: &str,
) -> Result<T, AppError> {
    serde_json::from_str(data).map_err(|e| {
        report(kind, tenant, id, &e);
        AppError::Unexpected(anyhow::anyhow!(
            "the stored {kind} {id} no longer decodes: {e}"
        ))
    })
}

/// The JSON error line for a document that does not decode.
pub fn report(kind: &str, tenant: TenantId, id: i64, e: &serde_json::Error) {
    crate::log::event(
        "stored_document_undecodable",
        &serde_json::json!({"level": "error", "kind": kind, "tenant": tenant.0, "id": id, "reason": e.to_string()}),
    );
}
