"""Exact numbers (rules.scoring.numbers, DOMAIN.md §6.1). Issue #18: the survivors of the mutation sample."""
from __future__ import annotations

import pytest

from rules.scoring.numbers import to_decimal


def test_a_value_refused_without_a_name_is_called_value():
    """DOMAIN.md §6.1: never floats; the refusal says what it refused, "value" when the caller named nothing."""
    with pytest.raises(ValueError) as caught:
        to_decimal("一百")
    assert str(caught.value) == "value: '一百' is not a number"
