//! The reports component: history, transcripts, exports and the supervisors' figures.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::reports;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/reports/dashboard", reports::dashboard)
        .doc::<reports::__path_dashboard>(&[])
        .get("/api/reports/history", reports::history)
        .doc::<reports::__path_history>(&[(422, &["validation_failed"])])
        .get("/api/reports/history.csv", reports::history_csv)
        .doc::<reports::__path_history_csv>(&[(422, &["validation_failed"])])
        .get("/api/reports/history.xlsx", reports::history_xlsx)
        .doc::<reports::__path_history_xlsx>(&[(422, &["validation_failed"])])
        .get("/api/reports/conversations/{id}", reports::transcript)
        .doc::<reports::__path_transcript>(&[])
        .get(
            "/api/reports/conversations/{id}/transcript.pdf",
            reports::transcript_pdf,
        )
        .doc::<reports::__path_transcript_pdf>(&[])
        .get("/api/reports/service-level", reports::service_level)
        .doc::<reports::__path_service_level>(&[(422, &["validation_failed"])])
        .get("/api/reports/productivity", reports::productivity)
        .doc::<reports::__path_productivity>(&[(422, &["validation_failed"])])
        .get("/api/reports/surveys", reports::surveys)
        .doc::<reports::__path_surveys>(&[(422, &["validation_failed"])])
        .get("/api/reports/occurrences", reports::occurrences)
        .doc::<reports::__path_occurrences>(&[(422, &["validation_failed"])])
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
