//! The server's own bounds, over real sockets: a client that sends no request, or sends its head
//! too slowly, or idles on a kept-alive connection, is disconnected after the header timeout; a
//! head over the limit is refused with 431; shutdown closes the listener.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::support::TestApp;

/// Reads until the server closes the connection (or 5 s pass); answers what was read and when
/// the close came.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for 5 s"),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn slow_idle_and_oversized_clients_are_cut_off() {
    let app = TestApp::with_config(|c| {
        c.header_timeout = Duration::from_secs(1);
        c.max_header_bytes = 16 * 1024;
    })
    .await;
    let listener = deskd::http::server::listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = app.state.config.clone();
    let router = app.router.clone();
    let server = tokio::spawn(async move {
        deskd::http::server::serve(listener, router, &config, async move {
            let _ = stopped.await;
        })
        .await
    });

    // A connection that sends nothing is closed after the header timeout.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (_, after) = until_closed(&mut silent).await;
    assert!(
        after < Duration::from_millis(2500),
        "closed after {after:?}"
    );

    // A head trickling in is cut off too.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = slow.write_all(b"X-Slow: 1\r\n").await;
    let (got, after) = until_closed(&mut slow).await;
    assert!(
        after < Duration::from_millis(2500),
        "closed after {after:?}"
    );
    assert!(!got.contains("200 OK"), "{got}");

    // A kept-alive connection is answered, then closed once it idles past the timeout.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (got, after) = until_closed(&mut kept).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        after < Duration::from_millis(2500),
        "closed after {after:?}"
    );

    // A head over the limit: 431, nothing served.
    let mut big = TcpStream::connect(addr).await.unwrap();
    let header = format!(
        "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(32 * 1024)
    );
    let _ = big.write_all(header.as_bytes()).await;
    let (got, _) = until_closed(&mut big).await;
    assert!(got.starts_with("HTTP/1.1 431"), "{got}");

    // Shutdown closes the listener.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}
