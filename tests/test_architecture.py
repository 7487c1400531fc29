"""The package reads bottom-up (issue 13): fem → models/kernels → natural → optim → train → recipes →
run description → presets, studies → cli. No module imports one above its layer, none imports by string
(importlib), and no block of six lines is written twice in femngd/."""
import ast
import pathlib
import shutil
import subprocess

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "femngd"

#: the layer of every top-level part of the package (a module may import its own layer and those below)
LAYERS = {"registry": 0, "io": 0, "kernels": 0, "fem": 1, "models": 2, "natural": 3, "optim": 4, "train": 5,
          "recipes": 6, "runspec": 7, "presets": 8, "inverse": 8, "results": 8, "plotting": 8, "studies": 9,
          "cli": 10, "__init__": 11, "__main__": 11}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(PACKAGE).with_suffix("").parts


def _imported_parts(tree: ast.AST, parts: tuple[str, ...]):
    """The top-level package parts (fem, natural, …) every import of the module names, lazy ones included."""
    package = parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                target = (*base, *(node.module.split(".") if node.module else ()))
                if not target:                                    # "from . import x" at the top: the names
                    yield from (alias.name for alias in node.names)
                    continue
                yield target[0] if target[0] != "__init__" else "__init__"
                if len(target) == 1 and not node.module:
                    yield from (alias.name for alias in node.names if alias.name in LAYERS)
            elif node.module and node.module.split(".")[0] == "femngd":
                names = node.module.split(".")[1:] or [alias.name for alias in node.names]
                yield from names[:1] if node.module != "femngd" else names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "femngd":
                    yield alias.name.split(".")[1] if "." in alias.name else "__init__"


@pytest.mark.parametrize("path, parts", list(_modules()), ids=lambda v: "/".join(v) if isinstance(v, tuple) else "")
def test_no_module_imports_above_its_layer(path, parts):
    own = LAYERS[parts[0]]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    above = sorted({p for p in _imported_parts(tree, parts) if p in LAYERS and LAYERS[p] > own})
    assert not above, f"{'/'.join(parts)} (layer {own}) imports {above}"


def test_every_part_has_a_layer():
    assert {parts[0] for _, parts in _modules()} <= set(LAYERS)


def test_kernels_take_plain_arrays():
    for path, parts in _modules():
        if parts[0] == "kernels":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assert set(_imported_parts(tree, parts)) <= {"kernels"} | set(), f"{path} imports femngd"


def test_no_string_imports():
    offenders = [str(path) for path, _ in _modules() if "importlib" in path.read_text(encoding="utf-8")]
    assert not offenders


@pytest.mark.skipif(shutil.which("duplicates") is None, reason="the duplicates tool is not installed here")
def test_no_block_is_written_twice():
    """No run of six identical lines stands twice in femngd/ (pairs alike only in shape — two dataclasses'
    lists of settings — are not copies)."""
    out = subprocess.run(["duplicates", "--repo", str(PACKAGE), "--seconds", "30", "--most", "50"],
                         capture_output=True, text=True).stdout
    copies = [row for row in out.splitlines() if row.startswith("D") and " shape" not in row]
    assert not copies and "incomplete" not in out, out
