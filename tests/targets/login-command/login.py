#!/usr/bin/env python3
"""A login script for the command driver, written for the reference server's JavaScript-built
login and consent pages (`serve --login-style script`) as a team would write a Playwright script
for its own pages: it knows where the page keeps its form (the JSON the page's script renders).

Protocol (see src/login/command.rs): the authorization URL is the last argument; the username,
password, choice (approve / deny / first_page), the redirect URIs to stop at and, for a device
flow's verification page, the user code to type come in the environment. Prints the URL where it stopped on the first line and, when that is a page of the
server, the page's HTML as a browser would render it after.
Standard library only."""
import html
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

start = sys.argv[-1]
choice = os.environ["OAUTH_LOGIN_CHOICE"]
stops = os.environ.get("OAUTH_LOGIN_STOP_AT", "").split()
origin = urllib.parse.urlsplit(start)[:2]


class Stop(urllib.request.HTTPRedirectHandler):
    """Follows redirects on the server; never loads the client's redirect URI."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl)[:2] != origin or any(newurl.split("?")[0] == s.split("?")[0] for s in stops):
            raise Arrived(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Arrived(Exception):
    def __init__(self, url):
        self.url = url


opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), Stop)


def fetch(url, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.geturl(), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.geturl(), e.read().decode("utf-8", "replace")


def scripted_form(page):
    """The form the page's script would build, from the JSON it renders."""
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1)) if m else None


def rendered(d):
    """The page as the browser shows it once the script ran."""
    fields = "".join(f'<label>{html.escape(l)} <input type="{t}" name="{n}" value="{html.escape(v)}"></label>' for n, t, v, l in d["fields"])
    buttons = "".join(f'<button type="submit" name="{n}" value="{v}">{html.escape(l)}</button>' for n, v, l in d["buttons"])
    return f'<html><head><title>{html.escape(d["heading"])}</title></head><body><h1>{html.escape(d["heading"])}</h1><form method="post" action="{d["action"]}">{fields}{buttons}</form></body></html>'


def stop_on_page(url, page):
    d = scripted_form(page)
    print(url)
    print(rendered(d) if d else page)
    sys.exit(0)


try:
    url, page = fetch(start)
    if choice == "first_page":
        stop_on_page(url, page)
    for _ in range(4):
        d = scripted_form(page)
        code = os.environ.get("OAUTH_LOGIN_USER_CODE")
        typed = re.search(r'<form method="get" action="([^"]+)">.*?name="user_code"', page, re.S)
        if not d and code and typed:
            # A device flow's verification page: type the code the device shows (RFC 8628 §3.3).
            url, page = fetch(urllib.parse.urljoin(url, typed.group(1)) + "?" + urllib.parse.urlencode({"user_code": code}))
            continue
        if not d:
            stop_on_page(url, page)  # an error page: the server refused the request
        names = [f[0] for f in d["fields"]]
        form = {n: v for n, _, v, _ in d["fields"]}
        if "password" in names:
            form.update(username=os.environ["OAUTH_LOGIN_USERNAME"], password=os.environ["OAUTH_LOGIN_PASSWORD"])
        else:
            wanted = "allow" if choice == "approve" else "deny"
            form.update({n: v for n, v, _ in d["buttons"] if v == wanted})
        url, page = fetch(urllib.parse.urljoin(url, d["action"]), form)
    print(url)
    print(page)
except Arrived as a:
    print(a.url)
