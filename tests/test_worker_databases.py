"""The name of each xdist worker's PostgreSQL database, and what the plugin says when it cannot
make one. Making and dropping them is tested through the plugin (``test_pytest_plugin``)."""

from __future__ import annotations

import pytest

from appstore_sandbox import SandboxError
from appstore_sandbox.worker_databases import worker_database, worker_database_url


def test_a_workers_database_is_the_given_ones_name_with_the_worker_id() -> None:
    url = "postgresql+psycopg://ci:secret@db.internal:6543/app_test?sslmode=disable"
    assert worker_database_url(url, "gw1") == (
        "postgresql+psycopg://ci:secret@db.internal:6543/app_test_gw1?sslmode=disable"
    )


def test_a_long_name_is_cut_to_postgresqls_63_bytes_keeping_the_worker_id() -> None:
    url = worker_database_url(f"postgresql://u@h/{'x' * 70}", "gw12")
    name = url.rsplit("/", 1)[1]
    assert len(name) == 63 and name.endswith("_gw12")


def test_a_url_without_a_database_gets_a_name_of_its_own() -> None:
    assert worker_database_url("postgresql://u@h", "gw0") == "postgresql://u@h/appstore_sandbox_gw0"


def test_a_server_that_does_not_answer_is_one_line_naming_it_without_the_password() -> None:
    with (
        pytest.raises(SandboxError) as failed,
        worker_database("postgresql://ci:secret@127.0.0.1:9/app_test", "gw0"),
    ):
        pytest.fail("no database was made")
    message = str(failed.value)
    assert message.startswith(
        "could not make the xdist worker's database app_test_gw0 through "
        "postgresql+psycopg://ci:***@127.0.0.1:9/app_test: "
    )
    assert "secret" not in message and "\n" not in message
