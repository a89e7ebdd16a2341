"""Who may use the Voice API: HTTP Basic credentials, OAuth2 client-credentials tokens, the
account id (voice-api.md §1).

:class:`Credentials` is what a front door fixes (``bxmlsim serve --username/--password``; a
scenario's ``api:`` key); a field left None accepts anything. :class:`Authority` checks every
request against them and issues the OAuth2 tokens of ``POST /api/v1/oauth2/token`` (the
request the SDK sends to ``api.bandwidth.com`` before its first Voice API call when it is
configured with ``client_id``/``client_secret``).

Rules (choices where the spec is silent, docs/hermetic.md):

* Nothing fixed: every request is accepted, with any credentials or none, and the token
  endpoint gives a token to any client.
* ``username``/``password`` fixed: a request needs ``Authorization: Basic`` with exactly them,
  or ``Authorization: Bearer`` with a token this authority issued; else **401**
  ``authentication-error``. The token endpoint takes the same pair as its client id and secret
  (Bandwidth's OAuth2 clients are the API credentials), else 401 ``invalid_client``.
* ``account_id`` fixed: a path under another account is **401** (the credentials have no
  access to it, §1.1).

Tokens are valid for the authority's life (``expires_in`` says an hour: the SDK renews one a
minute before that, in wall-clock time).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from urllib.parse import parse_qsl

import attrs

from simulator.voice_api.http import ApiError, ApiRequest, ApiResponse

TOKEN_PATH = "/api/v1/oauth2/token"
TOKEN_LIFE = 3600  # seconds, as ``expires_in``


@attrs.frozen
class Credentials:
    """What a front door requires; None: anything goes. ``where`` names where they were set,
    for the 401's description (``the emulator's --username/--password``)."""

    username: str | None = None
    password: str | None = None
    account_id: str | None = None
    where: str = "the configured username/password"

    @property
    def fixed(self) -> bool:
        return self.username is not None


def basic(header: str) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic ...`` header, else None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class Authority:
    """Checks requests against :class:`Credentials`; issues and remembers OAuth2 tokens.
    Thread-safe."""

    def __init__(self, credentials: Credentials | None = None) -> None:
        self.credentials = credentials or Credentials()
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def check(self, request: ApiRequest, account: str | None) -> None:
        """Raise the 401 of a request these credentials do not allow (for ``account``, the
        path's account id; None: a path outside any account)."""
        fixed = self.credentials
        if fixed.account_id is not None and account is not None and account != fixed.account_id:
            raise self._refused(f"The credentials given have no access to account [{account}]")
        if not fixed.fixed:
            return
        header = request.header("authorization")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer":
            with self._lock:
                known = token.strip() in self._tokens
            if known:
                return
            raise self._refused("The bearer token given was not issued by this API (get one "
                                f"from {TOKEN_PATH} with the client credentials)")
        if basic(header) == (fixed.username, fixed.password):
            return
        raise self._refused(f"The credentials given are not valid (HTTP Basic auth with "
                            f"{fixed.where} expected)")

    def _refused(self, description: str) -> ApiError:
        return ApiError(401, description, kind="authentication-error",
                        headers={"WWW-Authenticate": 'Basic realm="bxmlsim"'})

    def issue_token(self, request: ApiRequest) -> ApiResponse:
        """``POST /api/v1/oauth2/token``, ``grant_type=client_credentials`` (RFC 6749 §4.4):
        the client id and secret in Basic auth or in the form body. Errors in the RFC's
        shape (``{"error", "error_description"}``), as OAuth2 token endpoints answer."""
        form = dict(parse_qsl(request.text()))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type",
                                "grant_type must be client_credentials")
        client = basic(request.header("authorization")) or (
            (form["client_id"], form.get("client_secret", "")) if "client_id" in form else None)
        fixed = self.credentials
        if fixed.fixed and client != (fixed.username, fixed.password):
            return _oauth_error(401, "invalid_client",
                                f"client authentication failed ({fixed.where} expected as the "
                                f"client id and secret)")
        token = f"bxmlsim-{secrets.token_urlsafe(18)}"
        with self._lock:
            self._tokens.add(token)
        return ApiResponse.of_json({"access_token": token, "token_type": "Bearer",
                                    "expires_in": TOKEN_LIFE, "scope": "voice"})


def _oauth_error(status: int, error: str, description: str) -> ApiResponse:
    return ApiResponse(status, {"content-type": "application/json"},
                       json.dumps({"error": error, "error_description": description}).encode())
