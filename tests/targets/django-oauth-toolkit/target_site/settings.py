# django-oauth-toolkit on loopback, as a real third-party target for the suite's tests.
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    # In every project `django-admin startproject` makes: Referrer-Policy: same-origin (and the
    # other SECURE_* defaults, none of which redirects on plain http).
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In every project `django-admin startproject` makes: X-Frame-Options: DENY.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "target_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request", "django.contrib.auth.context_processors.auth"]},
    }
]
# SQLite set up for concurrent requests (WAL, write transactions that take the lock up front, a
# generous busy timeout): without it, overlapping writes fail with "database is locked" (500s).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TARGET_DB", str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }
}
LOGIN_URL = "/accounts/login/"
USE_TZ = True
OAUTH2_PROVIDER = {
    "SCOPES": {"accounts": "Your accounts"},
    "DEFAULT_SCOPES": ["accounts"],
    # PKCE optional, so the suite can check the downgrade rule (RFC 9700 §2.1.1).
    "PKCE_REQUIRED": False,
}
# A fast hasher for user passwords and client secrets: this server is a loopback test target, and
# PBKDF2's deliberate slowness would dominate the run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
