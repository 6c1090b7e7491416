//! A stand-in for a provider's API on this machine's loopback (the WhatsApp Cloud API's
//! `POST /{phone_number_id}/messages` as far as Atende's outbox uses it): it keeps every request
//! it receives and answers each with a message id, so a scenario can read what a customer
//! would have been sent. Bodies may come with a `content-length` (the local host) or chunked
//! (Spin's outbound HTTP).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as the provider received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: String,
    /// The `content-length` header, absent when the body came chunked.
    pub content_length: Option<usize>,
    /// `x-atende-signature-256`, on Atende's webhooks.
    pub signature: String,
    /// The body as it came (how many bytes, what a signature covers).
    pub raw: Vec<u8>,
    pub body: Value,
    /// The message id the stand-in answered with (what Meta's status webhooks then name).
    pub answered_id: String,
}

pub struct MockProvider {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl MockProvider {
    /// Listens on a free port of 127.0.0.1 until the process ends.
    pub fn start() -> Result<MockProvider, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("mock: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("mock: {e}"))?
            .port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let sink = sink.clone();
                std::thread::spawn(move || {
                    if let Some(r) = serve(stream, n) {
                        if let Ok(mut all) = sink.lock() {
                            all.push(r);
                        }
                    }
                });
            }
        });
        Ok(MockProvider {
            base_url: format!("http://127.0.0.1:{port}"),
            received,
        })
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn serve(stream: TcpStream, n: usize) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let (mut length, mut chunked) = (None, false);
    let (mut authorization, mut signature) = (String::new(), String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = Some(value.parse().ok()?),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "authorization" => authorization = value.to_owned(),
            "x-atende-signature-256" => signature = value.to_owned(),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            chunk.truncate(size);
            body.extend(chunk);
        }
    } else {
        body.resize(length.unwrap_or(0), 0);
        reader.read_exact(&mut body).ok()?;
    }
    let answered_id = format!("wamid.mock{n}");
    let answer =
        json!({"messaging_product": "whatsapp", "messages": [{"id": answered_id}]}).to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    )
    .ok()?;
    Some(Received {
        path,
        authorization,
        content_length: length,
        signature,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body,
        answered_id,
    })
}
