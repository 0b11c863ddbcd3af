# The Berth agent as a container image: the one-file bundle on a stock Node base, run as the
# unprivileged `node` user, reading the host through read-only mounts. Build from the repo root
# after `npm run build` (BuildKit sends only the bundle, see agent.Dockerfile.dockerignore):
#   docker build -f packaging/agent.Dockerfile -t berth-agent .
# Run (the host's /proc, /sys and / read-only; the Docker socket for container stats):
#   docker run -d --name berth-agent --restart unless-stopped --uts host \
#     --read-only --cap-drop ALL --security-opt no-new-privileges \
#     -e BERTH_SERVER=http://berth.example:8787 -e BERTH_TOKEN=… \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /:/host/root:ro,rslave \
#     -v berth-agent-spool:/var/lib/berth-agent \
#     berth-agent
# --uts host: the host's hostname is the agent's default host name (or set BERTH_HOST).
# Not built in CI: the machines there reach no image registry to pull the base from.
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}

COPY dist/berth-agent.mjs /opt/berth/berth-agent.mjs

# The host's file systems as mounted above. With procfs elsewhere than /proc the agent reads
# the network counters of the host's pid 1, so the host's interfaces are counted even though
# the container has a network namespace of its own.
ENV BERTH_PROC=/host/proc \
    BERTH_SYS=/host/sys \
    BERTH_ROOTFS=/host/root \
    BERTH_SPOOL=/var/lib/berth-agent/spool

# The spool outlives the container in a volume; owned by `node` (uid 1000 in the Node images).
RUN mkdir -p /var/lib/berth-agent/spool && chown -R node:node /var/lib/berth-agent
VOLUME /var/lib/berth-agent

USER node
# Node as pid 1 is fine here: the agent handles SIGTERM itself (flushes, then exits).
ENTRYPOINT ["node", "/opt/berth/berth-agent.mjs"]
