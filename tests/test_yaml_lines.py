"""load_yaml (io/yamlfile.py) against an independent oracle: PyYAML's own pure-Python composer.

Issue 17 made the event loop keep each container's lines in a table of its own instead of a path
tuple per key. For every YAML file the project ships or tests with, the values must be what our
scalar rules (YAML 1.2-like) give for the composer's nodes, and `locate` must give the composer's
start line for every key and item, and the deepest existing prefix for paths that do not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pmrules.errors import PmrulesError
from pmrules.io import yamlfile
from pmrules.io.yamlfile import load_yaml
from tests.test_fuzz import EXAMPLES

ROOT = Path(__file__).parent.parent
FILES = sorted(
    path for folder in ("tests", "examples", "rulesets", "plugins") for path in (ROOT / folder).rglob("*.y*ml")
    if ".venv" not in path.parts
)


def _oracle(node: yaml.Node | None, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    """The value of `node` by our scalar rules, recording the line of every key and item under `path`."""
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        if node.style is not None:  # quoted or a block scalar: text as written
            return node.value
        if not node.value:
            return None
        return yamlfile._resolve(node.value, None) if node.value[0] in yamlfile._MAY_RESOLVE else node.value  # type: ignore[arg-type]
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            items.append(_oracle(item, (*path, i), lines))
        return items
    mapping = {}
    for key_node, value_node in node.value:
        key = _oracle(key_node, path, lines)
        lines[(*path, key)] = key_node.start_mark.line + 1
        mapping[key] = _oracle(value_node, (*path, key), lines)
    return mapping


def _typed(value: Any) -> Any:
    """Values compared with their types (1, 1.0 and True are equal in Python, not here)."""
    if isinstance(value, dict):
        return [(_typed(k), _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return type(value).__name__, repr(value)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_values_and_lines_are_the_composers(path: Path) -> None:
    try:
        document, index = load_yaml(path, "f.yaml")
    except PmrulesError:
        return  # a bad input: its message is checked by tests/bad_inputs
    expected: dict[tuple[Any, ...], int] = {(): 1}
    assert _typed(document) == _typed(_oracle(yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader),
                                              (), expected))
    for key, line in expected.items():
        assert index.locate(*key).line == line, key
        for missing in ("no such key", -1, 10**6, (0, "x")):
            deeper = (*key, *missing) if isinstance(missing, tuple) else (*key, missing)
            if deeper not in expected:
                assert index.locate(*deeper).line == _deepest(expected, deeper), deeper


def _deepest(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int:
    while path not in lines:
        path = path[:-1]
    return lines[path]


SCALARS = ["word", "two words", "0.5", "10", "010", "+1", "-2.5e3", ".5", "1.", "~", "null", "Null", "", "true",
           "True", "FALSE", "no", "on", "2026-01-31", "2026-02-30x", "1:20", "'quoted 1'", '"0.01"', "'2026-01-01'",
           "C-12", "E.1_a"]


def _text(tree: Any, indent: int, flow: bool) -> str:
    """YAML text for `tree` (a dict or list of scalar spellings), block or flow style."""
    pad = " " * indent
    if isinstance(tree, dict):
        if flow or not tree:
            return "{" + ", ".join(f"{k}: {_text(v, 0, True)}" for k, v in tree.items()) + "}"
        return "\n" + "".join(f"{pad}{k}:{' ' if not isinstance(v, (dict, list)) or not v else ''}"
                              f"{_text(v, indent + 2, False)}\n".replace(":\n\n", ":\n") for k, v in tree.items()).rstrip("\n")
    if isinstance(tree, list):
        if flow or not tree:
            return "[" + ", ".join(_text(v, 0, True) for v in tree) + "]"
        return "\n" + "".join(f"{pad}- {_text(v, indent + 2, True)}\n" for v in tree).rstrip("\n")
    return str(tree)


_KEYS = st.sampled_from([s for s in SCALARS if s and ":" not in s])
_TREES = st.recursive(st.sampled_from(SCALARS),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
                      max_leaves=12)


@settings(max_examples=EXAMPLES, deadline=None)
@given(tree=st.dictionaries(_KEYS, _TREES, min_size=1, max_size=4), flow=st.booleans())
def test_generated_documents_read_as_the_composer_reads_them(tree: dict[str, Any], flow: bool, tmp_path_factory) -> None:
    path = Path(tmp_path_factory.mktemp("yaml")) / "doc.yaml"
    path.write_text(_text(tree, 0, flow).lstrip("\n") + "\n", encoding="utf-8")
    test_values_and_lines_are_the_composers(path)
