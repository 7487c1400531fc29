"""Import a study script of ``scripts/`` as a module (the scripts are not a package)."""
import importlib.util
from pathlib import Path


def load_script(name: str):
    """The module ``scripts/<name>.py``, executed (its ``main`` not run)."""
    path = Path(__file__).parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
