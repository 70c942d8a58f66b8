# The hazwatch platform (and, with another command, the simulated gateways) as one image.
# Sources run as in development (the server bundles them with esbuild at start, the other commands use
# tsx): no separate build output to drift from the code.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Manifests first, so dependency layers are reused while only sources change.
COPY package.json package-lock.json ./
COPY protocols/package.json protocols/
COPY server/package.json server/
COPY edge-agent/package.json edge-agent/
COPY simulators/package.json simulators/
COPY dashboard/package.json dashboard/
# devDependencies too: the dashboard is built below and the edge agent and simulator run through tsx.
RUN npm ci --include=dev --no-audit --no-fund

COPY . .
RUN npm run build

ENV HAZWATCH_DATA_DIR=/data \
    HAZWATCH_SITE=examples/demo-site.yaml
VOLUME ["/data"]
EXPOSE 8080 1883
CMD ["server/bin/hazwatch", "serve"]
