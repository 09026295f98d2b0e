# deskd's image: built in the Rust image, run on a slim Debian as a non-root user.
#   docker build -t deskd .
#   docker run -e DATABASE_URL=postgres://… -e DESKD_BASE_DOMAIN=helpdesk.example -p 8080:8080 deskd
# Every setting is an environment variable (see the README's configuration table).

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Dependencies first, so a change to deskd's own code reuses their layer.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked --bin deskd \
    && rm -rf src
COPY src src
COPY migrations migrations
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin deskd

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/deskd --create-home deskd
COPY --from=build /src/target/release/deskd /usr/local/bin/deskd
USER deskd
WORKDIR /var/lib/deskd
ENV DESKD_BIND=0.0.0.0:8080 \
    DESKD_DATA_DIR=/var/lib/deskd \
    DESKD_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/deskd"]
# Ready means the database answers; /ready is served on any host name.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/ready >/dev/null || exit 1
ENTRYPOINT ["deskd"]
CMD ["serve"]
