//! The listening socket and the connections on it, with bounds no client can stretch: a request's
//! head must arrive within `header_timeout`, which is also how long a kept-alive connection may sit
//! idle between requests (then it is closed); a head over `max_header_bytes` is refused with 431;
//! the kernel queues up to `listen_backlog` connections. On shutdown the listener closes, idle
//! connections close at once, and the others after the request they carry.

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::{Router, extract::Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::{TcpListener, TcpSocket};
use tower::{Service, ServiceExt};

use crate::config::Config;

/// How long shutdown waits for requests in flight before closing their connections.
const DRAIN: Duration = Duration::from_secs(30);

/// A listener on `addr` with the configured backlog.
pub fn listen(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Started at once, in a task of its own: a signal that comes while connections are being
    // accepted must already have its handler.
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    // HTTP/1.1 (what browsers and proxies speak to an upstream without TLS): its header timer
    // starts as soon as the connection waits for a request, the first or the next.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_buf_size(config.max_header_bytes);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = async { drop(stopped.wait_for(|stop| *stop).await) } => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was taken: go on.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let tower_service = make_service
            .call(peer)
            .await
            .unwrap_or_else(|never| match never {});
        let service = TowerToHyperService::new(
            tower_service
                .map_request(|request: Request<Incoming>| request.map(axum::body::Body::new)),
        );
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {DRAIN:?}; closing their connections");
    }
    Ok(())
}
