from django.contrib.auth.views import LoginView
from django.http import JsonResponse
from django.urls import include, path
from oauth2_provider.oauth2_backends import get_oauthlib_core


def me(request):
    """A protected resource for the suite's probe (this test site's, not DOT's): 200 for a live
    bearer token, 401 otherwise, with RFC 6750 §3's challenge (an error code only when a token
    was sent)."""
    valid, r = get_oauthlib_core().verify_request(request, scopes=[])
    if valid:
        return JsonResponse({"client_id": r.client.client_id})
    if "HTTP_AUTHORIZATION" not in request.META:
        resp = JsonResponse({}, status=401)
        resp["WWW-Authenticate"] = 'Bearer realm="api"'
        return resp
    resp = JsonResponse({"error": "invalid_token"}, status=401)
    resp["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
    return resp


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("api/me/", me),
]
