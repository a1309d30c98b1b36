"""The rooms of the code (README "Architecture"), as import-linter checks them in `make lint`."""

import tomllib

from config.settings import PROJECT_ROOT


def contracts() -> dict[str, dict]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_every_module_at_the_top_of_retrieval_is_kept_from_the_drivers():
    listed = set(contracts()["No module at the top of retrieval/ imports a database or vector driver"]["source_modules"])
    present = {f"retrieval.{path.stem}" for path in (PROJECT_ROOT / "retrieval").glob("*.py") if path.stem != "__init__"}
    assert listed == present


def test_each_storage_backend_has_a_folder_and_the_two_are_kept_apart():
    assert contracts()["The two storage backends never import each other"]["modules"] == ["retrieval.embedded", "retrieval.pg"]
    for folder in ("embedded", "pg"):
        assert (PROJECT_ROOT / "retrieval" / folder / "library.py").is_file()
