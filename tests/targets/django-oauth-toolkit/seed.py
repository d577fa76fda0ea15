"""Creates the user and the registered clients the target file names."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "target_site.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

user, _ = User.objects.get_or_create(username="alice")
user.set_password("wonderland")
user.save()

CLIENTS = [
    ("my-client", "my-client-secret+0123/4567:89", "https://app.example.test/callback", Application.GRANT_AUTHORIZATION_CODE),
    ("other-client", "other-client-secret-0123456789", "https://other.example.test/cb", Application.GRANT_AUTHORIZATION_CODE),
    ("cc-client", "cc-client-secret-0123456789", "", Application.GRANT_CLIENT_CREDENTIALS),
]
for client_id, secret, redirect, grant in CLIENTS:
    Application.objects.filter(client_id=client_id).delete()
    Application.objects.create(
        client_id=client_id,
        client_secret=secret,
        name=client_id,
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant,
        redirect_uris=redirect,
        skip_authorization=False,
        algorithm="",
    )
# A native app (RFC 8252): public, no secret, a loopback redirect URI registered without a port.
Application.objects.filter(client_id="public-app").delete()
Application.objects.create(
    client_id="public-app",
    client_secret="",
    name="public-app",
    user=user,
    client_type=Application.CLIENT_PUBLIC,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris="http://127.0.0.1/cb",
    skip_authorization=False,
    algorithm="",
)
print("seeded")
