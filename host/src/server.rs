//! HTTP/1.1 on a TCP listener, each request handed to [`App::handle`] on a blocking thread.
//! Ctrl-C stops accepting, lets requests in flight finish, then returns.

use crate::{App, MAX_BODY};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Requests doing database work at once. SQLite has one writer; more threads than a few per
/// core only add context switches and lock hand-offs, so the rest wait here, cheaply, as
/// futures rather than threads.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 2)
        .max(4)
}

async fn serve_one(
    app: Arc<App>,
    permits: Arc<Semaphore>,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let language = atende_shared::web::accept_language(&parts.headers)
        .unwrap_or(atende_shared::enums::Language::PtBr);
    let response = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            let request = http::Request::from_parts(parts, collected.to_bytes().to_vec());
            let permit = permits.acquire_owned().await;
            match tokio::task::spawn_blocking(move || {
                let _permit = permit;
                app.handle(request, Some(peer))
            })
            .await
            {
                Ok(response) => response,
                Err(e) => atende_shared::errors::into_response(
                    &atende_shared::errors::AppError::Unexpected(e.into()),
                    language,
                ),
            }
        }
        Err(_) => atende_shared::errors::into_response(
            &atende_shared::web::payload_too_large(MAX_BODY),
            language,
        ),
    };
    let (parts, body) = response.into_parts();
    Ok(hyper::Response::from_parts(
        parts,
        Full::new(Bytes::from(body)),
    ))
}

/// Serves until `shutdown` resolves, then waits for open connections to finish.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(workers()));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => { eprintln!("accept failed: {e}"); continue; }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let permits = permits.clone();
                let service = service_fn(move |req| serve_one(app.clone(), permits.clone(), peer, req));
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        if !e.is_incomplete_message() {
                            eprintln!("connection error: {e}");
                        }
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(std::time::Duration::from_secs(10)) => {
            eprintln!("some connections did not finish within 10 s");
        }
    }
    Ok(())
}
