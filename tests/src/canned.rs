//! A stand-in for an AWS endpoint the emulators do not emulate (or cannot make fail):
//! a loopback HTTP server answering every request with one fixed response, in the
//! service's wire format, and keeping the requests it received. The real SDK client or
//! HTTP client under test sends to it and parses what it answers.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The fixed response and the requests received so far.
#[derive(Debug, Clone)]
pub struct Canned {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Canned {
    /// Serves `status` with `headers` and `body` to every request, until the process ends.
    pub async fn serve(status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        let (listener, address) = loopback().await;
        let mut response = format!("HTTP/1.1 {status} Canned\r\n");
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let received = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (response, received) = (response.clone(), Arc::clone(&received));
                tokio::spawn(async move {
                    let request = read_request(&mut socket).await;
                    received
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(request);
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self {
            url: format!("http://{address}"),
            requests,
        }
    }

    /// Every request received so far, head and body, as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A loopback URL nothing listens on: connections to it are refused.
pub async fn refused_url() -> String {
    let (listener, address) = loopback().await;
    drop(listener);
    format!("http://{address}")
}

/// A listener on a free loopback port, and its address.
async fn loopback() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("address: {e}"));
    (listener, address)
}

/// Reads one request: its head, then as many body bytes as `Content-Length` says.
async fn read_request(socket: &mut TcpStream) -> String {
    let mut request = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        request.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}
