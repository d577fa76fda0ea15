#!/usr/bin/env python3
"""Starts Debian's glewlwyd (2.7.5, package `glewlwyd`) on 127.0.0.1:PORT with a fresh SQLite
database, its JavaScript login app, and the OpenID Connect plugin (RS256, a key made at start with
`openssl genrsa`), then registers what target.toml names through glewlwyd's own admin API. Prints
"ready" once it is set up; glewlwyd dies with this script. Usage: run.py PORT  (standard library
and the openssl command only)."""
import ctypes
import gzip
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

DOC = "/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz"
WEBAPP = "/usr/share/glewlwyd/webapp"
# The webapp's config.json is a symlink to this file (Debian keeps it under /etc).
WEBAPP_CONFIG = "/etc/glewlwyd/config-2.7.json/config.json"
MODULES = "/usr/lib/glewlwyd"
MIME = [(".html", "text/html"), (".css", "text/css"), (".js", "application/javascript"), (".json", "application/json"),
        (".png", "image/png"), (".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".ttf", "font/ttf"), (".woff", "font/woff"),
        (".woff2", "font/woff2"), (".otf", "font/otf"), (".eot", "application/vnd.ms-fontobject"), (".map", "application/octet-stream"),
        (".ico", "image/x-icon")]


def config(port, work):
    # compress = 1 on every type: glewlwyd 2.7.5 leaks a file descriptor for each static file it
    # streams uncompressed to a client that accepts gzip (a browser does), and stops accepting
    # connections at 1024 (FD_SETSIZE); compressed files are read whole, closed and cached.
    mime = ",\n".join(f'  {{ extension = "{e}"\n    mime_type = "{m}"\n    compress = 1 }}' for e, m in MIME)
    return f"""port={port}
external_url="http://127.0.0.1:{port}"
login_url="login.html"
api_prefix="api"
static_files_path="{work}/webapp/"
allow_origin="*"
log_mode="file"
log_level="WARNING"
log_file="{work}/glewlwyd.log"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="{MODULES}/user"
client_module_path="{MODULES}/client"
user_auth_scheme_module_path="{MODULES}/scheme"
plugin_module_path="{MODULES}/plugin"
use_secure_connection=false
# Unused (no TLS) but read at start: without them glewlwyd refuses to start.
secure_connection_key_file="/etc/glewlwyd/cert.key"
secure_connection_pem_file="/etc/glewlwyd/cert.pem"
hash_algorithm = "SHA512"
database = {{ type = "sqlite3" path = "{work}/glewlwyd.db" }}
static_files_mime_types = (
{mime}
)
"""


def die_with_parent():
    # PR_SET_PDEATHSIG: glewlwyd gets SIGTERM when this script dies (the test kills it).
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def main():
    port = int(sys.argv[1])
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "glewlwyd"], capture_output=True, text=True).stdout
    if not version.startswith("2.7.5"):
        sys.exit(f"glewlwyd {version or '(not installed)'}: baseline.toml was taken with Debian's 2.7.5")
    # GLEWLWYD_WORK: an empty folder the caller removes; else a temporary one.
    work = os.environ.get("GLEWLWYD_WORK") or tempfile.mkdtemp(prefix="glewlwyd-")
    db = sqlite3.connect(f"{work}/glewlwyd.db")
    db.executescript(gzip.open(DOC).read().decode())
    # WAL: readers no longer wait on a writer. Without it glewlwyd's SQLite backend fails
    # requests ("Error executing sql query") when the suite's cases come at once.
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    # A copy (2.5 MB): glewlwyd serves no file through a symlink.
    shutil.copytree(WEBAPP, f"{work}/webapp", ignore=lambda _d, names: [n for n in names if n == "config.json"])
    shutil.copy(WEBAPP_CONFIG, f"{work}/webapp/config.json")
    with open(f"{work}/glewlwyd.conf", "w") as f:
        f.write(config(port, work))
    server = subprocess.Popen(["glewlwyd", f"--config-file={work}/glewlwyd.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
    signal.signal(signal.SIGTERM, lambda *_: (server.terminate(), sys.exit(0)))
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                sys.exit(f"glewlwyd did not start (see {work}/glewlwyd.log)")
            time.sleep(0.1)

    base = f"http://127.0.0.1:{port}/api"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
        opener.open(req, timeout=10).read()

    # The administrator the seed creates (admin / password), then what target.toml names.
    call("/auth/", {"username": "admin", "password": "password"})
    # The OpenID Connect plugin ("oidc"): it serves OpenID Connect and, with allow-non-oidc, the
    # plain OAuth 2 grants the OAuth 2 plugin served (code without openid, client credentials,
    # refresh), plus discovery, a JWK Set, userinfo, introspection and revocation, all under
    # /api/oidc/. Its ID Tokens and access tokens are RS256 JWTs signed by a key made here at
    # each start (test-only, never kept).
    key = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, text=True, check=True).stdout
    public = subprocess.run(["openssl", "rsa", "-pubout"], input=key, capture_output=True, text=True, check=True).stdout
    call("/mod/plugin/", {
        "module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": True,
        "parameters": {
            # The issuer is the prefix of /.well-known/openid-configuration (Discovery §4.3).
            "iss": f"http://127.0.0.1:{port}/api/oidc",
            "jwt-type": "rsa", "jwt-key-size": "256", "key": key, "cert": public, "jwks-show": True, "jwks-x5c": [],
            "subject-type": "public", "allowed-scope": ["openid", "accounts"],
            "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
            "refresh-token-rolling": True, "refresh-token-one-use": "never", "allow-non-oidc": True,
            "auth-type-code-enabled": True, "auth-type-code-revoke-replayed": True,
            "auth-type-token-enabled": False, "auth-type-id-token-enabled": True, "auth-type-none-enabled": False,
            "auth-type-password-enabled": False, "auth-type-client-enabled": True, "auth-type-refresh-enabled": True,
            "auth-type-device-enabled": False, "pkce-allowed": True, "pkce-method-plain-allowed": False,
            "introspection-revocation-allowed": True, "introspection-revocation-allow-target-client": True,
            "introspection-revocation-auth-scope": [],
            # No request objects, client registration, session management, DPoP, PAR, RAR or CIBA:
            # nothing in target.toml uses them, and off they stay out of the metadata.
            "request-parameter-allow": False, "request-parameter-allow-encrypted": False, "encrypt-out-token-allow": False,
            "register-client-allowed": False, "session-management-allowed": False, "oauth-dpop-allowed": False,
            "oauth-par-allowed": False, "oauth-rar-allowed": False, "oauth-ciba-allowed": False,
            "name-claim": "on-demand", "email-claim": "no", "scope-claim": "no", "address-claim": {"type": "no"},
            "scope": [], "additional-parameters": [], "claims": [],
        },
    })
    call("/scope/", {"name": "accounts", "display_name": "Accounts", "description": "Read the accounts", "password_required": False, "scheme": {}})
    call("/user/", {"username": "alice", "name": "Alice", "password": "wonderland-0123", "scope": ["openid", "accounts", "g_profile"], "enabled": True})
    call("/client/", {
        "client_id": "my-client", "name": "My client", "confidential": True, "client_secret": "my-client-secret-0123456789",
        "redirect_uri": ["https://app.example.test/callback"], "authorization_type": ["code", "refresh_token", "client_credentials"],
        # The OIDC plugin refuses a confidential client that names no token_endpoint_auth_method.
        "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
        "scope": ["openid", "accounts"], "enabled": True,
    })
    call("/client/", {
        "client_id": "other-client", "name": "Other client", "confidential": True, "client_secret": "other-client-secret-0123456789",
        "redirect_uri": ["https://other.example.test/cb"], "authorization_type": ["code", "refresh_token", "client_credentials"],
        # The OIDC plugin refuses a confidential client that names no token_endpoint_auth_method.
        "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
        "scope": ["openid", "accounts"], "enabled": True,
    })
    print("ready", flush=True)
    sys.exit(server.wait())


if __name__ == "__main__":
    main()
