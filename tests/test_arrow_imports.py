"""arrow_imports: a missing optional module pyarrow asks for on every conversion fails fast, and only then."""

from __future__ import annotations

import importlib
import sys

import pytest

from pmrules import arrow_imports


def test_a_missing_module_is_remembered_and_still_fails_to_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_imports, "OPTIONAL", ("pmrules_no_such_package.module", "json.scanner"))
    monkeypatch.delitem(sys.modules, "pmrules_no_such_package.module", raising=False)
    arrow_imports.remember_missing()
    try:
        assert sys.modules["pmrules_no_such_package.module"] is None
        with pytest.raises(ImportError):
            importlib.import_module("pmrules_no_such_package.module")
        assert sys.modules["json.scanner"] is not None  # installed: left alone
    finally:
        sys.modules.pop("pmrules_no_such_package.module", None)


def test_pyarrow_converts_scalars_the_same_afterwards() -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    assert pc.equal(pa.array(["", "a"]), "").to_pylist() == [True, False]
    assert pc.binary_join_element_wise(pa.array(["1"]), "-", "").to_pylist() == ["1-"]
