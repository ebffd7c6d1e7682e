"""Sign-in through the load balancer (SignIn oidc or cognito; README, "Sign-in"). dmlflow_auth.py
calls install() once mlflow.server.auth has loaded. A request without an Authorization header but
with the load balancer's x-amzn-oidc-data token is the person its email claim names, when the token
is ES256, signed by the key its kid names, from this load balancer and not expired; else MLflow's
401. Wrapped: authenticate_request_basic_auth (Flask) and _authenticate_fastapi_request (FastAPI),
the same in MLflow 3.12 and 3.17 (mlflow/server/auth/__init__.py); the ini keeps MLflow's default
authorization_function, as a custom one costs the UI its logout and 3.12's FastAPI routes a 500.
"""
import base64
import html
import json
import math
import os
import re
import secrets
import sys
import threading
import time
import urllib.request

HEADER = "x-amzn-oidc-data"
TOKEN_PAGE = "/dmlflow/token"
_KID = re.compile(r"[A-Za-z0-9-]{1,64}")
# ASCII only: MySQL's default collation (utf8mb4_0900_ai_ci) equates look-alikes (accents, full-width
# letters), so boss@exämple.com would find boss@example.com's row.
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")
_KNOWN_USERS_SECONDS = 60
_MISSING_KEY_SECONDS = 60


class Refused(Exception):
    """A token not accepted: the reason goes to the log, the client gets a 401."""


def _b64url(segment):
    # The load balancer pads its segments with '=' (ELB guide), which strict JWT libraries refuse.
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class Verifier:
    """Checks the load balancer's tokens; keeps the public keys it fetched, by kid."""

    def __init__(self, signer, keys_url=None, fetch=None, client=None):
        if not signer:
            raise ValueError("DMLFLOW_SIGNIN_SIGNER (the load balancer's ARN) is not set")
        self.signer = signer
        self.client = client
        region = signer.split(":")[3] if signer.count(":") >= 5 else ""
        self.keys_url = (keys_url or "https://public-keys.auth.elb.%s.amazonaws.com" % region).rstrip("/")
        self._fetch = fetch or self._download
        self._keys = {}
        self._missing = {}
        self._lock = threading.Lock()

    def claims(self, token, now=None):
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils

        parts = token.strip().split(".")
        if len(parts) != 3:
            raise Refused("not a JWT (%d parts)" % len(parts))
        try:
            header = json.loads(_b64url(parts[0]))
            payload = json.loads(_b64url(parts[1]))
            signature = _b64url(parts[2])
        except (ValueError, TypeError) as error:
            raise Refused("not a well-formed JWT (%s)" % type(error).__name__)
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise Refused("not a well-formed JWT")
        if header.get("alg") != "ES256":
            raise Refused("algorithm %r, not ES256" % header.get("alg"))
        if header.get("signer") != self.signer:
            raise Refused("signed by another load balancer (%r)" % header.get("signer"))
        if self.client and header.get("client") != self.client:
            raise Refused("for another client (%r)" % header.get("client"))
        # signer, iss, client and exp are the header's (ELB User Guide); the payload is the IdP's.
        exp = header.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, (int, float)) or not math.isfinite(exp) \
                or exp <= (time.time() if now is None else now):
            raise Refused("expired or without an expiry")
        if len(signature) != 64:
            raise Refused("an ES256 signature is 64 bytes, not %d" % len(signature))
        key = self.key(header.get("kid"))
        der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            key.verify(der, (parts[0] + "." + parts[1]).encode("ascii"), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Refused("the signature does not match the key %s" % header.get("kid"))
        return payload

    def key(self, kid):
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        if not isinstance(kid, str) or not _KID.fullmatch(kid):
            raise Refused("no usable kid")
        with self._lock:
            found = self._keys.get(kid)
            if found is None and self._missing.get(kid, 0) > time.monotonic():
                raise Refused("key %s was not found a moment ago" % kid)
        if found is None:
            try:
                found = load_pem_public_key(self._fetch(self.keys_url + "/" + kid))
            except Refused:
                raise
            except Exception as error:
                with self._lock:
                    self._missing[kid] = time.monotonic() + _MISSING_KEY_SECONDS
                raise Refused("key %s could not be read from %s (%s)" % (kid, self.keys_url, type(error).__name__))
            if not isinstance(found, ec.EllipticCurvePublicKey) or found.curve.name != "secp256r1":
                raise Refused("key %s is not a P-256 key" % kid)
            with self._lock:
                self._keys[kid] = found
        return found

    @staticmethod
    def _download(url):
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read(16384)


def email_of(claims, unverified_ok=False):
    """The claims' e-mail as the user's name: ASCII, and verified by the identity provider when it
    says (email_verified); one that does not say (Microsoft Entra ID) only with unverified_ok."""
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) else ""
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise Refused("no usable e-mail claim (ASCII only; the identity provider must release the email scope)")
    verified = claims.get("email_verified")
    if verified is None and not unverified_ok:
        raise Refused("no email_verified claim (DMLFLOW_SIGNIN_UNVERIFIED_EMAILS=accept trusts the provider's e-mails)")
    if verified is not None and verified not in (True, "true"):
        raise Refused("e-mail %s is not verified by the identity provider" % email)
    return email


class SignIn:
    """The person behind a request, as MLflow's auth module should see them."""

    def __init__(self, module, verifier, admins, unverified_ok=False):
        self.module = module
        self.verifier = verifier
        self.admins = admins
        self.unverified_ok = unverified_ok
        self._known = {}
        self._lock = threading.Lock()

    def person(self, headers):
        """The signed-in user's name; None without a token."""
        tokens = headers.getlist(HEADER) if hasattr(headers, "getlist") else [headers.get(HEADER)]
        tokens = [t for t in tokens if t is not None]
        if not tokens:
            return None
        if len(tokens) != 1 or not tokens[0].strip():
            raise Refused("%d %s headers" % (len(tokens), HEADER) if len(tokens) != 1 else "an empty token")
        email = email_of(self.verifier.claims(tokens[0]), self.unverified_ok)
        self.provision(email)
        return email

    def provision(self, email):
        """Made on first sign-in (a random password nobody sees: DefaultPermission applies), admin when listed."""
        now = time.monotonic()
        with self._lock:
            if self._known.get(email, 0) > now:
                return
        store = self.module.store
        admin = email in self.admins
        if not store.has_user(email):
            try:
                store.create_user(email, secrets.token_urlsafe(32), is_admin=admin)
                print("dmlflow: signed-in user %s made%s" % (email, " (admin)" if admin else ""), file=sys.stderr)
            except Exception:
                if not store.has_user(email):  # another worker made it meanwhile: fine
                    raise
        else:
            user = store.get_user(email)
            if user.username != email:  # found through the collation, not the very name
                raise Refused("%s matches another user's name, %s" % (email, user.username))
            if admin and not user.is_admin:
                store.update_user(email, is_admin=True)
        with self._lock:
            self._known[email] = now + _KNOWN_USERS_SECONDS


def install(module, environ=None):
    environ = os.environ if environ is None else environ
    if environ.get("DMLFLOW_SIGNIN") not in ("oidc", "cognito") or getattr(module, "_dmlflow_signin", None):
        return False
    admins = {e.strip().lower() for e in environ.get("DMLFLOW_ADMIN_EMAILS", "").split(",") if e.strip()}
    verifier = Verifier(environ.get("DMLFLOW_SIGNIN_SIGNER", ""), environ.get("DMLFLOW_SIGNIN_KEYS_URL") or None,
                        client=environ.get("DMLFLOW_SIGNIN_CLIENT") or None)
    signin = SignIn(module, verifier, admins, environ.get("DMLFLOW_SIGNIN_UNVERIFIED_EMAILS") == "accept")
    module._dmlflow_signin = signin
    _wrap_flask(module, signin)
    _wrap_fastapi(module, signin)
    _wrap_create_app(module, signin)
    return True


def _wrap_flask(module, signin):
    from flask import g, request
    from werkzeug.datastructures import Authorization

    basic = module.authenticate_request_basic_auth

    def authenticate_request_basic_auth():
        if "Authorization" in request.headers or HEADER not in request.headers:
            return basic()
        known = getattr(g, "_dmlflow_person", None)
        if known is None:
            try:
                known = signin.person(request.headers)
            except Refused as refused:
                print("dmlflow: sign-in refused: %s" % refused, file=sys.stderr)
                return module.make_basic_auth_response()
            g._dmlflow_person = known
        return Authorization("basic", {"username": known})

    module.authenticate_request_basic_auth = authenticate_request_basic_auth


def _wrap_fastapi(module, signin):
    basic = getattr(module, "_authenticate_fastapi_request", None)
    if basic is None:
        return

    def _authenticate_fastapi_request(request):
        if "Authorization" in request.headers or HEADER not in request.headers:
            return basic(request)
        try:
            return module.store.get_user(signin.person(request.headers))
        except Refused as refused:
            print("dmlflow: sign-in refused: %s" % refused, file=sys.stderr)
        except Exception as error:  # a store error is a refusal here, as MLflow's own function does
            print("dmlflow: sign-in failed: %s" % type(error).__name__, file=sys.stderr)
        return None

    module._authenticate_fastapi_request = _authenticate_fastapi_request


def _wrap_create_app(module, signin):
    create = module.create_app

    def create_app(*args, **kwargs):
        made = create(*args, **kwargs)
        flask_app = module.app
        # First, ahead of MLflow's checks, which refuse a route without a rule (fail-closed, 3.16.1+).
        flask_app.before_request_funcs.setdefault(None, []).insert(0, lambda: token_page(module, signin))
        return made

    module.create_app = create_app


def token_page(module, signin):
    """/dmlflow/token: a new random password for the signed-in person's own user, shown once, or none."""
    from flask import request

    if request.path != TOKEN_PAGE:
        return None
    if "Authorization" in request.headers:
        return _page(403, "Open this page in the browser you signed in with; it does not take a password.")
    try:
        email = signin.person(request.headers)
    except Refused as refused:
        print("dmlflow: sign-in refused: %s" % refused, file=sys.stderr)
        email = None
    if email is None:
        return module.make_basic_auth_response()
    if request.method == "GET":
        return _page(200, _form(email))
    if request.method != "POST":
        return _page(405, "Use the buttons on this page.")
    # Another site's form would carry the load balancer's cookie: only this page may post.
    # Behind the load balancer (HTTPS, which its sign-in needs) uvicorn sees http: X-Forwarded-Proto tells.
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme)
    origin = request.headers.get("Origin", "")
    if origin != scheme + "://" + request.host:
        return _page(403, "This change must come from this page (the request's Origin is %s)." % html.escape(origin))
    action = request.form.get("action")
    ttl = getattr(getattr(module, "auth_config", None), "auth_cache_ttl_seconds", 0) or 0
    if action == "new":
        password = secrets.token_urlsafe(24)
        _set_password(module, email, password)
        uri = scheme + "://" + request.host
        lines = "\n".join(["export MLFLOW_TRACKING_URI=" + uri, "export MLFLOW_TRACKING_USERNAME=" + email,
                           "export MLFLOW_TRACKING_PASSWORD=" + password])
        answer = _page(200, "<p>Shown once; for your scripts' shell. A new one replaces it%s.</p><pre>%s</pre>%s"
                       % (_delay(ttl), html.escape(lines), _form(email)))
    elif action == "revoke":
        _set_password(module, email, secrets.token_urlsafe(32))
        answer = _page(200, "<p>Your token is revoked%s.</p>%s" % (_delay(ttl), _form(email)))
    else:
        return _page(400, "Unknown action.")
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _set_password(module, email, password):
    module.store.update_user(email, password=password)
    # As MLflow's own password change does: this worker forgets the old one at once.
    forget = getattr(module, "_invalidate_user_auth_cache", None)
    if callable(forget):
        forget(email)


def _delay(ttl):
    return " (the old one may work %d s more on other servers)" % ttl if ttl else ""


def _form(email):
    return ('<p>Signed in as <b>%s</b>.</p><form method="post"><button name="action" value="new">New token'
            '</button> <button name="action" value="revoke">Revoke my token</button></form>' % html.escape(email))


def _page(status, body):
    from flask import make_response

    page = make_response("<!doctype html><meta charset=utf-8><title>MLflow token</title><h1>Your MLflow token</h1>"
                         + (body if body.startswith("<") else "<p>%s</p>" % body), status)
    page.headers["Content-Type"] = "text/html; charset=utf-8"
    page.headers["Cache-Control"] = "no-store"
    return page
