"""The admin token locks the control surface: only ``Authorization: Bearer TOKEN`` opens it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.errors import AdminTokenRequired
from appstore_sandbox.http.admin_token import check_admin_token
from tests.in_process import InProcess, in_process

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("locked"), admin_token=TOKEN) as sandbox:
        yield sandbox


@pytest.mark.parametrize(
    "authorization",
    [
        TOKEN,  # the token without its scheme
        f"Basic {TOKEN}",
        f"Bearer{TOKEN}",
        f"Bearer  {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Token {TOKEN}",
        "Bearer ",
        "",
    ],
)
def test_anything_but_bearer_token_is_refused(locked: InProcess, authorization: str) -> None:
    response = locked.client.get("/_sandbox/v1/apps", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert "admin token" in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}"])
def test_bearer_token_opens_it(locked: InProcess, authorization: str) -> None:
    response = locked.client.get("/_sandbox/v1/apps", headers={"Authorization": authorization})
    assert response.status_code == 200


def test_the_check_itself() -> None:
    check_admin_token(None, None)  # unlocked: anything goes
    check_admin_token("whatever", "")
    check_admin_token(f"Bearer {TOKEN}", TOKEN)
    for given in (None, TOKEN, f"Bearer {TOKEN} ", f"Bearer {TOKEN.upper()}"):
        with pytest.raises(AdminTokenRequired):
            check_admin_token(given, TOKEN)


def test_an_unlocked_control_surface_needs_no_token(tmp_path: Path) -> None:
    with in_process(tmp_path) as sandbox:
        assert sandbox.client.get("/_sandbox/v1/apps").status_code == 200
