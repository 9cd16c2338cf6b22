"""LICENSE matches pyproject.toml; the package is typed (py.typed) and every compiled module has a stub
(.pyi) that names exactly its public names."""
import ast
import glob
import importlib
import os
import re

import pytest

import seqfast

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PKG = os.path.dirname(seqfast.__file__)
COMPILED = sorted({os.path.basename(f).split(".")[0] for f in glob.glob(os.path.join(PKG, "_*.so"))
                   + glob.glob(os.path.join(PKG, "_*.pyd"))})


def test_license_matches_pyproject():
    lic = os.path.join(ROOT, "LICENSE")
    assert os.path.exists(lic), "LICENSE is missing from the source tree"
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        assert re.search(r'^license = \{ text = "MIT" \}', f.read(), re.M)
    with open(lic) as f:
        assert f.readline().strip() == "MIT License"


def test_py_typed_is_installed():
    assert os.path.exists(os.path.join(PKG, "py.typed"))


def _stub_names(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", COMPILED)
def test_compiled_module_has_a_matching_stub(name):
    mod = importlib.import_module(f"seqfast.{name}")
    stub = os.path.join(PKG, f"{name}.pyi")
    assert os.path.exists(stub), f"seqfast/{name}.pyi is missing"
    public = {n for n in dir(mod) if not n.startswith("_")
              and getattr(getattr(mod, n), "__module__", f"seqfast.{name}") in (f"seqfast.{name}", None)
              and not isinstance(getattr(mod, n), type(os))}
    public -= {"np", "numpy", "math", "warnings"}
    names = _stub_names(stub)
    assert public <= names, f"seqfast/{name}.pyi lacks {sorted(public - names)}: update the stub"
    assert names <= set(dir(mod)), f"seqfast/{name}.pyi names {sorted(names - set(dir(mod)))}, which the module lacks"


def test_stubs_are_up_to_date():
    import subprocess
    import sys
    tool = os.path.join(ROOT, "tools", "make_stubs.py")
    assert os.path.exists(tool), "tools/make_stubs.py is missing from the source tree"
    r = subprocess.run([sys.executable, tool, "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + " (run: python tools/make_stubs.py)"
