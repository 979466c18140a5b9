"""The exporter-toolkit web configuration: validated at start, with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from darwin_metrics.export.webconfig import BasicAuth, WebConfigError, load
from tests.export.serving import make_certificates

HASH = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return str(path)


def test_empty_file_means_plain_http_without_auth(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""))
    assert config.ssl_context is None and config.basic_auth is None and config.headers == {}


def test_users_and_headers_load(tmp_path: Path) -> None:
    config = load(
        write(
            tmp_path,
            f"basic_auth_users:\n  alice: '{HASH}'\n"
            "http_server_config:\n  http2: true\n  headers:\n    X-Test: deny\n",
        )
    )
    assert config.basic_auth is not None
    assert config.basic_auth.check("alice", "pw")
    assert not config.basic_auth.check("alice", "wrong")
    assert not config.basic_auth.check("mallory", "pw")
    assert config.headers == {"X-Test": "deny"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense: 1\n", "unknown key(s): nonsense"),
        ("basic_auth_users:\n  alice: notahash\n", "basic_auth_users.alice is not a bcrypt hash"),
        ("basic_auth_users: [a, b]\n", "basic_auth_users must be a mapping"),
        ("tls_server_config:\n  key_file: k\n", "needs cert_file"),
        ("tls_server_config:\n  cert_file: c\n", "needs key_file"),
        (
            "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: [x]\n",
            "cipher_suites is not supported",
        ),
        (
            "tls_server_config:\n  cert_file: c\n  key_file: k\n  bogus: 1\n",
            "unknown tls_server_config key(s): bogus",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n",
            "cannot load cert_file/key_file",
        ),
        ("http_server_config:\n  nope: 1\n", "unknown http_server_config key(s): nope"),
        ("- a\n- b\n", "expected a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_invalid_files_raise_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(WebConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(write(tmp_path, text))


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WebConfigError, match="No such file"):
        load(str(tmp_path / "absent.yml"))


@pytest.mark.integration
def test_tls_options_are_validated(tmp_path: Path) -> None:
    make_certificates(tmp_path)
    base = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    assert load(write(tmp_path, base + "  min_version: TLS13\n")).ssl_context is not None
    with pytest.raises(WebConfigError, match="invalid min_version"):
        load(write(tmp_path, base + "  min_version: SSL3\n"))
    with pytest.raises(WebConfigError, match="invalid client_auth_type"):
        load(write(tmp_path, base + "  client_auth_type: Sometimes\n"))
    with pytest.raises(WebConfigError, match="needs client_ca_file"):
        load(write(tmp_path, base + "  client_auth_type: RequireAndVerifyClientCert\n"))


def test_check_cache_never_accepts_a_wrong_password_after_a_right_one() -> None:
    auth = BasicAuth(users={"u": HASH.encode()})
    assert auth.check("u", "pw")
    assert auth.check("u", "pw")
    assert not auth.check("u", "pw ")
    assert not auth.check("u", "")
