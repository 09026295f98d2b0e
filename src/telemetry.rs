//! Structured logs to stderr, as text or JSON; the level from `RUST_LOG` (default `info`). With the
//! standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, request
//! spans are also exported as OpenTelemetry traces over OTLP/HTTP; off by default, and off when
//! `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Layer, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Keeps the trace export running; dropping it sends what is still buffered.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("could not send the last traces: {e}");
        }
    }
}

pub fn init(format: LogFormat) -> Telemetry {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::stderr().is_terminal();
    let logs = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .boxed(),
    };
    let provider = if otel_requested() {
        match tracer_provider(None) {
            Ok(provider) => Some(provider),
            Err(e) => {
                eprintln!("OpenTelemetry export is configured but cannot start: {e}");
                None
            }
        }
    } else {
        None
    };
    let traces = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("deskd")));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    Telemetry { provider }
}

/// Whether the standard variables ask for trace export.
fn otel_requested() -> bool {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim().eq_ignore_ascii_case("none"))
    {
        return false;
    }
    var("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
        || var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
}

/// Batches spans and sends them over OTLP/HTTP (protobuf) to `endpoint`, or where the `OTEL_*`
/// variables say. The service is `deskd` unless `OTEL_SERVICE_NAME` names another.
pub fn tracer_provider(endpoint: Option<&str>) -> anyhow::Result<SdkTracerProvider> {
    let mut exporter = SpanExporter::builder().with_http();
    if let Some(endpoint) = endpoint {
        exporter = exporter.with_endpoint(endpoint);
    }
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("deskd");
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter.build()?)
        .with_resource(resource.build())
        .build())
}

#[cfg(test)]
mod tests {
    use std::{
        io::{Read, Write},
        net::TcpListener,
        sync::mpsc,
    };

    use super::*;

    #[test]
    fn request_spans_reach_an_otlp_collector() {
        // A collector stand-in: takes one POST and answers 200.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (sent, received) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 65536];
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            sent.send(request).unwrap();
        });
        let provider = tracer_provider(Some(&format!("http://{addr}/v1/traces"))).unwrap();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("deskd")));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                route = "/api/v2/tech/me",
                tenant = "acme",
                principal = "member"
            );
            span.in_scope(|| tracing::info!("handled"));
        });
        provider.force_flush().unwrap();
        let request = received
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let text = String::from_utf8_lossy(&request);
        assert!(text.starts_with("POST /v1/traces "), "{text}");
        assert!(
            text.to_ascii_lowercase()
                .contains("content-type: application/x-protobuf")
        );
        for expected in ["/api/v2/tech/me", "acme", "member", "deskd"] {
            assert!(text.contains(expected), "{expected} missing");
        }
        provider.shutdown().unwrap();
    }
}
