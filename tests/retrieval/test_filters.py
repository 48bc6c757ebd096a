"""Filter expressions (`--where`, the sidebar filter): parsed, and bad ones named with the fix."""

from __future__ import annotations

import pytest

from rag.errors import ConfigError
from rag.retrieval.filters import Where, parse_where

pytestmark = pytest.mark.unit


def test_where_expressions_parse_and_bad_ones_name_the_fix():
    assert parse_where(["path:verslagen/*.pdf", "year:2016"]) == Where("verslagen/*.pdf", None, 2016)
    assert parse_where(None) is None
    with pytest.raises(ConfigError, match="path:GLOB"):
        parse_where(["auteur:Jan"])
    with pytest.raises(ConfigError, match="2016"):
        parse_where(["year:vorig jaar"])
