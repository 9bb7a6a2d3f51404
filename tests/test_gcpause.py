"""gcpause: the cyclic collector is paused for a phase and comes back as it was, even on an error."""

from __future__ import annotations

import gc

import pytest

from pmrules.gcpause import cyclic_gc_paused


def test_paused_then_restored_even_when_the_phase_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


def test_a_caller_that_switched_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
