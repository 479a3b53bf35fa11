# Multi-stage build of the single `hitch` binary. cargo-chef caches the dependency build in
# its own layer, so editing Hitch's code does not rebuild every crate.
FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json -p hitch
COPY . .
RUN cargo build --release --locked -p hitch

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/hitch --create-home hitch
COPY --from=builder /src/target/release/hitch /usr/local/bin/hitch
USER hitch
WORKDIR /var/lib/hitch
# SQLite database and (when HITCH_MASTER_KEY is unset) the generated key live here.
VOLUME ["/var/lib/hitch"]
ENV HITCH_DATA_DIR=/var/lib/hitch \
    HITCH_BIND=0.0.0.0:3000 \
    HITCH_LOG_FORMAT=json
EXPOSE 3000
ENTRYPOINT ["hitch"]
CMD ["serve"]
