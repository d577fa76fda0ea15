#!/usr/bin/env bash
# Starts Keycloak on 127.0.0.1:PORT (plain HTTP; HTTPS too on KEYCLOAK_HTTPS_PORT when set) with the realm "conformance" of realm.json, prints
# the line `ready` on standard output once the realm's discovery document answers, and runs until
# killed. Usage: KEYCLOAK_HOME=DIR [KEYCLOAK_WORK=DIR] run.sh PORT
#
#   KEYCLOAK_HOME  the distribution install.sh unpacked (required)
#   KEYCLOAK_WORK  this run's own folder: its database, its log (keycloak.log); default a new
#                  temporary folder. Two runs with different KEYCLOAK_WORK share nothing but
#                  KEYCLOAK_HOME, which they only read once it is prepared (below)
#   KEYCLOAK_HTTPS_PORT  also serve HTTPS there, asking clients for certificates (mutual TLS)
#   KEYCLOAK_JAVA_HOME  a JDK 21 or later; default: JAVA_HOME if it is one, else the newest in
#                  /usr/lib/jvm
#
# Production mode (`start --optimized`, as a deployment runs it) with the H2 file database and a
# local (unclustered) cache. Two slow steps are done once per KEYCLOAK_HOME, under a lock, and kept
# there: `kc.sh build` (Quarkus augmentation for these build options) and a seed database made by
# `kc.sh import --file realm.json` (schema creation and the realm import), kept per hash of
# realm.json. Each run then copies the seed database into KEYCLOAK_WORK and starts.
#
# Keycloak's own output goes to KEYCLOAK_WORK/keycloak.log, never to standard output; if it stops
# before it is ready, the log's tail goes to standard error. Killing this script (TERM or KILL)
# stops Java too: the script becomes kc.sh (exec), which forwards TERM, and Java runs under
# `setpriv --pdeathsig KILL`, so it dies with kc.sh even on SIGKILL.
set -euo pipefail

port="${1:?usage: run.sh PORT}"
here="$(cd "$(dirname "$0")" && pwd)"
kc_home="$(cd "${KEYCLOAK_HOME:?KEYCLOAK_HOME: the folder install.sh unpacked Keycloak into}" && pwd)"
[[ -x "$kc_home/bin/kc.sh" ]] || { echo "run.sh: no Keycloak in $kc_home (run install.sh)" >&2; exit 1; }
work="${KEYCLOAK_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/keycloak-work.XXXXXX")}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
log="$work/keycloak.log"

# A JDK whose release file says 21 or later.
java_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null; }
pick_java() {
  local c m
  for c in "${KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    c="${c%/}"
    [[ -n "$c" && -x "$c/bin/java" ]] || continue
    m="$(java_major "$c")"
    if [[ -n "$m" && "$m" -ge 21 ]]; then echo "$c"; return; fi
  done
  echo "run.sh: Keycloak needs Java 21 or later; set KEYCLOAK_JAVA_HOME" >&2
  exit 1
}
export JAVA_HOME="$(pick_java)"
unset JAVA_OPTS JAVA_OPTS_APPEND JAVA_ADD_OPENS JAVA_LOCALE
export JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m"
# Nothing from the environment reaches Keycloak's configuration but what is set here.
for name in $(compgen -e); do
  if [[ "$name" == KC_* || "$name" == KEYCLOAK_ADMIN* ]]; then unset "$name"; fi
done

# Java dies with its parent (kc.sh), and kc.sh here with this script: nothing outlives a kill.
cat >"$work/java" <<EOF
#!/bin/sh
exec setpriv --pdeathsig KILL -- "$JAVA_HOME/bin/java" "\$@"
EOF
chmod +x "$work/java"
export JAVA="$work/java"
orphan_proof() { setpriv --pdeathsig KILL -- "$@"; }

# Build-time options (kept by `kc.sh build`) and run-time options of every run.
# https-client-auth is a build-time option: "request" asks for a client certificate on HTTPS only.
build_opts=(--db=dev-file --health-enabled=false --metrics-enabled=false --https-client-auth=request)
# No fixed hostname: each URL Keycloak states (the issuer, the endpoints) follows the request's,
# so the same realm is http://127.0.0.1:PORT over HTTP and https://127.0.0.1:HTTPS_PORT over HTTPS.
run_opts=(--cache=local --http-enabled=true --http-host=127.0.0.1 --http-port="$port"
  --hostname-strict=false)
# KEYCLOAK_HTTPS_PORT: HTTPS too, with tls/'s certificate for 127.0.0.1, asking every client for
# a certificate and checking the one it presents against tls/ca.pem (RFC 8705: tls_client_auth
# and certificate-bound tokens, the realm's client fapi-mtls-client).
if [[ -n "${KEYCLOAK_HTTPS_PORT:-}" ]]; then
  run_opts+=(--https-port="$KEYCLOAK_HTTPS_PORT" --https-certificate-file="$here/tls/server.pem"
    --https-certificate-key-file="$here/tls/server.key" --truststore-paths="$here/tls/ca.pem")
fi

# A home of this run's own: kc.sh copied (it finds its home from its own path), the
# distribution's read-only folders linked, data/ (the database, temporary files) its own.
make_home() {
  mkdir -p "$1/bin" "$1/data/h2"
  cp "$kc_home/bin/kc.sh" "$1/bin/kc.sh"
  local d
  for d in lib themes providers conf; do ln -sfn "$kc_home/$d" "$1/$d"; done
}

seed_id="$( { cat "$here/realm.json"; echo "${build_opts[*]}"; } | sha1sum | cut -c1-16)"
seed="$kc_home/conformance-seed/$seed_id/keycloakdb.mv.db"
stamp="$kc_home/lib/quarkus/conformance-build-options"
if [[ ! -f "$seed" || "$(cat "$stamp" 2>/dev/null)" != "${build_opts[*]}" ]]; then
  exec 9>"$kc_home/.conformance.lock"
  flock -w 900 9
  if [[ "$(cat "$stamp" 2>/dev/null)" != "${build_opts[*]}" ]]; then
    echo "run.sh: building Keycloak (once per KEYCLOAK_HOME)" >&2
    rm -f "$stamp"
    orphan_proof "$kc_home/bin/kc.sh" build "${build_opts[@]}" >>"$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
    echo "${build_opts[*]}" >"$stamp"
  fi
  if [[ ! -f "$seed" ]]; then
    echo "run.sh: making the seed database from realm.json (once per realm.json)" >&2
    rm -rf "$kc_home"/.seed.* # left by a run killed while it made one
    tmp="$(mktemp -d "$kc_home/.seed.XXXXXX")"
    make_home "$tmp/home"
    orphan_proof "$tmp/home/bin/kc.sh" import --optimized --cache=local --file "$here/realm.json" >>"$log" 2>&1 \
      || { tail -40 "$log" >&2; rm -rf "$tmp"; exit 1; }
    mkdir -p "$(dirname "$seed")"
    mv "$tmp/home/data/h2/keycloakdb.mv.db" "$seed.tmp"
    mv "$seed.tmp" "$seed"
    rm -rf "$tmp"
  fi
  exec 9>&-
fi

home="$work/home"
rm -rf "$home"
make_home "$home"
cp "$seed" "$home/data/h2/keycloakdb.mv.db"

# The watcher: `ready` once the realm's discovery document answers; it gives up when the server
# (this process, kc.sh after the exec) is gone.
server_pid=$$
discovery="http://127.0.0.1:$port/realms/conformance/.well-known/openid-configuration"
(
  while kill -0 "$server_pid" 2>/dev/null; do
    if curl -sf -o /dev/null --max-time 2 "$discovery"; then
      echo ready
      exit 0
    fi
    sleep 0.2
  done
  echo "run.sh: Keycloak stopped before it was ready; the end of $log:" >&2
  tail -40 "$log" >&2
  exit 1
) &

exec "$home/bin/kc.sh" start --optimized "${run_opts[@]}" >>"$log" 2>&1 </dev/null
