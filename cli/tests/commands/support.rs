//! A scripted HTTP server for the commands that talk to one: loopback, one request per connection, a JSON answer
//! chosen by the test for each request.

use std::io::{BufRead, BufReader, Read, Write};

use serde_json::Value;

/// One request the server read.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with its query.
    pub path: String,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

/// Serves on a loopback port on its own thread, answering each request with `answer`'s status and JSON body;
/// returns the base URL.
pub fn serve(answer: impl Fn(&Request) -> (u16, Value) + Send + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header == "\r\n" || header.is_empty() {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).ok();
            let mut parts = request_line.split_whitespace();
            let request = Request {
                method: parts.next().unwrap_or("").to_owned(),
                path: parts.next().unwrap_or("").to_owned(),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            };
            let (status, json) = answer(&request);
            let reason = match status {
                200 => "OK",
                401 => "Unauthorized",
                404 => "Not Found",
                429 => "Too Many Requests",
                _ => "Status",
            };
            let text = json.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    url
}
