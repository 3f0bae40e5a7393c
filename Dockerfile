# crmbot in a container: a static binary on distroless, running as non-root, the
# database on the /data volume. Build: docker build -t crmbot --build-arg VERSION=$(git describe --always) .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO_ENABLED=0: a static binary, which needs no libc in the final image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/crmbot ./cmd/crmbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crmbot /crmbot
# The volume's mount point, owned by the nonroot user (65532) so a new named volume
# is writable; the database and its admin socket live there.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
ENV CRMBOT_DB=/data/crmbot.db \
    CRMBOT_HTTP_ADDR=:8080 \
    CRMBOT_LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
# The image has no shell or curl: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/crmbot", "healthcheck"]
# serve stops gracefully on SIGTERM, within CRMBOT_SHUTDOWN_TIMEOUT.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/crmbot"]
CMD ["serve"]
