"""The exporter-toolkit web configuration file (``--web.config.file``) that node_exporter users have.

Supported keys::

    tls_server_config:
      cert_file: server.crt          # PEM; relative paths are relative to the config file
      key_file: server.key
      client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default),
                                     # RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven
      client_ca_file: ca.crt
      min_version: TLS12             # TLS10 … TLS13
      max_version: TLS13
    http_server_config:
      headers: {X-Frame-Options: deny}
    basic_auth_users:
      alice: $2y$10$...              # bcrypt hashes (htpasswd -B, or python -c 'import bcrypt…')

The file is validated completely at start; any problem raises :class:`WebConfigError` naming the key.
Keys that the Go toolkit has but this server cannot honour (``cipher_suites``,
``curve_preferences``, ``prefer_server_cipher_suites``, ``client_allowed_sans``) are refused rather
than silently ignored. ``http2`` is accepted and has no effect: the server speaks HTTP/1.1, which
every HTTP/2 client also speaks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import bcrypt
import yaml

from darwin_metrics.errors import DarwinMetricsError

_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_CLIENT_AUTH = {
    "": ssl.CERT_NONE,
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_TLS_KEYS = {
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "min_version",
    "max_version",
}
_UNSUPPORTED_TLS_KEYS = {
    "cipher_suites",
    "curve_preferences",
    "prefer_server_cipher_suites",
    "client_allowed_sans",
    "cert",
    "key",
}
#: A valid bcrypt hash checked against when the user is unknown, so timing does not reveal names.
_DUMMY_HASH = bcrypt.hashpw(b"darwin-metrics", bcrypt.gensalt(rounds=10))
_CACHE_LIMIT = 1024


class WebConfigError(DarwinMetricsError):
    """The web configuration file is missing, not YAML, or has an invalid or unsupported key."""


@dataclass
class BasicAuth:
    """Users and their bcrypt hashes; checks are cached (by a keyed digest) after the first success,
    because bcrypt is deliberately slow and Prometheus sends the same credentials every scrape."""

    users: dict[str, bytes]
    _ok: set[bytes] = field(default_factory=set)
    _key: bytes = field(default_factory=lambda: os.urandom(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, user: str, password: str) -> bool:
        """True when ``user`` exists and ``password`` matches its hash."""
        hashed = self.users.get(user)
        digest = hmac.new(
            self._key, b"\0".join((user.encode(), password.encode(), hashed or b"")), hashlib.sha256
        ).digest()
        with self._lock:
            if digest in self._ok:
                return True
        ok = bcrypt.checkpw(password.encode(), hashed or _DUMMY_HASH) and hashed is not None
        if ok:
            with self._lock:
                if len(self._ok) >= _CACHE_LIMIT:
                    self._ok.clear()
                self._ok.add(digest)
        return ok


@dataclass(frozen=True)
class WebConfig:
    """A validated web configuration: an SSL context (``None`` for plain HTTP), basic-auth users
    (``None`` for no authentication) and extra response headers."""

    ssl_context: ssl.SSLContext | None = None
    basic_auth: BasicAuth | None = None
    headers: dict[str, str] = field(default_factory=dict)


def load(path: str) -> WebConfig:
    """Read and validate the web configuration at ``path``; raises :class:`WebConfigError`."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise WebConfigError(f"web config {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise WebConfigError(f"web config {path}: not valid YAML: {exc}") from exc
    if data is None:
        return WebConfig()
    if not isinstance(data, dict):
        raise WebConfigError(f"web config {path}: expected a mapping at the top level")
    unknown = set(data) - {"tls_server_config", "http_server_config", "basic_auth_users"}
    if unknown:
        raise WebConfigError(
            f"web config {path}: unknown key(s): {', '.join(sorted(map(str, unknown)))}"
        )
    base = os.path.dirname(os.path.abspath(path))
    tls = _tls(data.get("tls_server_config"), base, path)
    auth = _users(data.get("basic_auth_users"), path)
    headers = _http(data.get("http_server_config"), path)
    return WebConfig(ssl_context=tls, basic_auth=auth, headers=headers)


def _mapping(value: Any, key: str, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WebConfigError(f"web config {path}: {key} must be a mapping")
    return value


def _tls(value: Any, base: str, path: str) -> ssl.SSLContext | None:
    conf = _mapping(value, "tls_server_config", path)
    if not conf:
        return None
    bad = set(conf) & _UNSUPPORTED_TLS_KEYS
    if bad:
        raise WebConfigError(
            f"web config {path}: tls_server_config.{sorted(bad)[0]} is not supported by this server"
        )
    unknown = set(conf) - _TLS_KEYS
    if unknown:
        raise WebConfigError(
            f"web config {path}: unknown tls_server_config key(s): {', '.join(sorted(unknown))}"
        )
    cert, key = conf.get("cert_file"), conf.get("key_file")
    if not cert:
        raise WebConfigError(f"web config {path}: tls_server_config needs cert_file")
    if not key:
        raise WebConfigError(f"web config {path}: tls_server_config needs key_file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _version(conf.get("min_version", "TLS12"), "min_version", path)
    if "max_version" in conf:
        context.maximum_version = _version(conf["max_version"], "max_version", path)
    try:
        context.load_cert_chain(os.path.join(base, cert), os.path.join(base, key))
    except (OSError, ssl.SSLError) as exc:
        raise WebConfigError(f"web config {path}: cannot load cert_file/key_file: {exc}") from exc
    auth_type = conf.get("client_auth_type", "")
    if auth_type not in _CLIENT_AUTH:
        raise WebConfigError(
            f"web config {path}: invalid client_auth_type {auth_type!r} "
            f"(one of {', '.join(k for k in _CLIENT_AUTH if k)})"
        )
    context.verify_mode = _CLIENT_AUTH[auth_type]
    ca = conf.get("client_ca_file")
    if context.verify_mode != ssl.CERT_NONE and auth_type != "RequireAnyClientCert" and not ca:
        raise WebConfigError(
            f"web config {path}: client_auth_type {auth_type} needs client_ca_file"
        )
    if ca:
        try:
            context.load_verify_locations(os.path.join(base, ca))
        except (OSError, ssl.SSLError) as exc:
            raise WebConfigError(f"web config {path}: cannot load client_ca_file: {exc}") from exc
    return context


def _version(name: Any, key: str, path: str) -> ssl.TLSVersion:
    if name not in _TLS_VERSIONS:
        raise WebConfigError(
            f"web config {path}: invalid {key} {name!r} (one of {', '.join(_TLS_VERSIONS)})"
        )
    return _TLS_VERSIONS[name]


def _users(value: Any, path: str) -> BasicAuth | None:
    conf = _mapping(value, "basic_auth_users", path)
    if not conf:
        return None
    users: dict[str, bytes] = {}
    for user, hashed in conf.items():
        if not isinstance(user, str) or not isinstance(hashed, str):
            raise WebConfigError(
                f"web config {path}: basic_auth_users entries are user: bcrypt-hash"
            )
        if ":" in user:
            raise WebConfigError(f"web config {path}: user name {user!r} contains ':'")
        encoded = hashed.encode()
        try:
            bcrypt.checkpw(b"", encoded)
        except ValueError as exc:
            raise WebConfigError(
                f"web config {path}: basic_auth_users.{user} is not a bcrypt hash"
            ) from exc
        users[user] = encoded
    return BasicAuth(users=users)


def _http(value: Any, path: str) -> dict[str, str]:
    conf = _mapping(value, "http_server_config", path)
    unknown = set(conf) - {"headers", "http2"}
    if unknown:
        raise WebConfigError(
            f"web config {path}: unknown http_server_config key(s): {', '.join(sorted(unknown))}"
        )
    if not isinstance(conf.get("http2", True), bool):
        raise WebConfigError(f"web config {path}: http_server_config.http2 must be true or false")
    headers = _mapping(conf.get("headers"), "http_server_config.headers", path)
    return {str(k): str(v) for k, v in headers.items()}
