//! The reports component: history, transcripts, exports and the supervisors' figures.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::reports;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/reports/dashboard", reports::dashboard)
        .get("/api/reports/history", reports::history)
        .get("/api/reports/history.csv", reports::history_csv)
        .get("/api/reports/history.xlsx", reports::history_xlsx)
        .get("/api/reports/conversations/{id}", reports::transcript)
        .get(
            "/api/reports/conversations/{id}/transcript.pdf",
            reports::transcript_pdf,
        )
        .get("/api/reports/service-level", reports::service_level)
        .get("/api/reports/productivity", reports::productivity)
        .get("/api/reports/surveys", reports::surveys)
        .get("/api/reports/occurrences", reports::occurrences)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
