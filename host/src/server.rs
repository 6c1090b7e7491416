//! HTTP/1.1 on a TCP listener, each request handed to [`App::handle_streaming`] on a blocking
//! thread; a streamed body (large exports) goes out with chunked transfer encoding as it is made.
//! Ctrl-C stops accepting, lets requests in flight finish, then returns.

use crate::{App, MAX_BODY};
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Requests doing database work at once. SQLite has one writer; more threads than a few per
/// core only add context switches and lock hand-offs, so the rest wait here, cheaply, as
/// futures rather than threads.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 2)
        .max(4)
}

/// A response body: whole, or the chunks a streamed response's producer sends from its
/// blocking thread (chunked transfer encoding).
type Reply = Either<Full<Bytes>, Chunks>;

/// Chunks a streamed body may have made and not yet sent: the producer waits past this,
/// so a slow client slows the export rather than filling memory.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The body of a streamed response, as the producer's chunks arrive.
struct Chunks(mpsc::Receiver<std::io::Result<Bytes>>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| c.map(Frame::data)))
    }
}

/// The producer's side of [`Chunks`]: each write is one chunk, handed over once the
/// connection has room for it; a closed connection stops the producer.
struct ChunkWriter(mpsc::Sender<std::io::Result<Bytes>>);

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(bytes)))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Breaks a streamed body off when dropped armed: a producer that fails (or panics) after the
/// head must not end the body as if the file were complete, so the client sees a failed
/// download, not a short file.
struct BreakOff(Option<mpsc::Sender<std::io::Result<Bytes>>>);

impl Drop for BreakOff {
    fn drop(&mut self) {
        if let Some(chunks) = self.0.take() {
            let _ = chunks.blocking_send(Err(std::io::Error::other("the body failed part way")));
        }
    }
}

fn whole(response: http::Response<Vec<u8>>) -> hyper::Response<Reply> {
    let (parts, body) = response.into_parts();
    hyper::Response::from_parts(parts, Either::Left(Full::new(Bytes::from(body))))
}

async fn serve_one(
    app: Arc<App>,
    permits: Arc<Semaphore>,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Reply>, Infallible> {
    let (parts, body) = request.into_parts();
    let language = atende_shared::web::accept_language(&parts.headers)
        .unwrap_or(atende_shared::enums::Language::PtBr);
    let collected = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected,
        Err(_) => {
            return Ok(whole(atende_shared::errors::into_response(
                &atende_shared::web::payload_too_large(MAX_BODY),
                language,
            )))
        }
    };
    let request = http::Request::from_parts(parts, collected.to_bytes().to_vec());
    let permit = permits.acquire_owned().await;
    let (head_tx, head_rx) = oneshot::channel();
    let (chunk_tx, chunk_rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    // The request keeps its worker slot (and database connection) until its body is sent.
    let worker = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut break_off = BreakOff(Some(chunk_tx.clone()));
        let sent = app.handle_streaming(request, Some(peer), move |response, streamed| {
            // A dropped receiver means the client went away; the producer then stops.
            let _ = head_tx.send((response, streamed));
            ChunkWriter(chunk_tx)
        });
        match sent {
            Ok(()) => break_off.0 = None,
            Err(e) => atende_shared::log::event(
                "stream_failed",
                &serde_json::json!({"error": e.to_string()}),
            ),
        }
    });
    let response = match head_rx.await {
        Ok((response, false)) => whole(response),
        Ok((response, true)) => {
            let (parts, _) = response.into_parts();
            hyper::Response::from_parts(parts, Either::Right(Chunks(chunk_rx)))
        }
        // The worker ended without a head: it panicked.
        Err(_) => {
            let error = match worker.await {
                Err(e) => anyhow::Error::from(e),
                Ok(()) => anyhow::anyhow!("the request ended without a response"),
            };
            whole(atende_shared::errors::into_response(
                &atende_shared::errors::AppError::Unexpected(error),
                language,
            ))
        }
    };
    Ok(response)
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
