from __future__ import annotations

import pytest

from tests.outbound.servers import LOOPS


@pytest.fixture(params=sorted(LOOPS))
def loop_name(request: pytest.FixtureRequest) -> str:
    """Every sender test runs on both event loops the sandbox uses: uvloop and asyncio's."""
    return str(request.param)
