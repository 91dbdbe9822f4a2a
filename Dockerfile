# attnrec on Debian 12, built from this checkout with the project's own scripts.
FROM debian:12
WORKDIR /src
COPY . .
RUN scripts/deps.sh && scripts/build.sh default
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/src/build/attnrec"]
CMD ["serve", "--data-dir", "/data", "--listen", "0.0.0.0:8080"]
