"""A user's mistakes on the command line: one line that says what is wrong, never a traceback."""

import json
import os
import subprocess
import sys

import pytest

from bot.cli import main
from config.settings import PROJECT_ROOT


@pytest.fixture
def data(tmp_path, capsys):
    """A seeded library (real model), its folder."""
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "list"]) == 0
    capsys.readouterr()
    return folder


def one_line_error(capsys, code: int, expected: str) -> None:
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err + out, err
    assert err.startswith("newsbot: error: ") and err.count("\n") == 1 and expected in err, err


@pytest.mark.parametrize(("target", "expected"), [("missing-folder/out.jsonl", "does not exist"), (".", "is a folder")])
def test_export_to_a_missing_folder_or_onto_a_folder(data, tmp_path, capsys, target, expected):
    one_line_error(capsys, main(["--data-dir", str(data), "export", str(tmp_path / target)]), expected)
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left behind


def test_backup_onto_a_file_into_its_own_folder_or_a_full_one(data, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    for target, expected in ((tmp_path / "file", "is a file"), (data, "own folder"), (tmp_path, "not empty")):
        one_line_error(capsys, main(["--data-dir", str(data), "backup", str(target)]), expected)


def test_export_then_import_keeps_the_articles_original_paths(data, tmp_path, capsys):
    assert main(["--data-dir", str(data), "export", str(tmp_path / "out.jsonl")]) == 0
    paths = {json.loads(line)["path"] for line in (tmp_path / "out.jsonl").read_text().splitlines()}
    assert all(p.endswith(".txt") for p in paths)
    capsys.readouterr()
    assert main(["--data-dir", str(data), "ingest", str(tmp_path / "out.jsonl")]) == 0
    assert "unchanged 2" in capsys.readouterr().out  # the same articles, known by their paths


def test_a_filter_that_matches_nothing_says_so(data, capsys):
    assert main(["--data-dir", str(data), "ask", "Where did the containers go?", "--source", "Reuters"]) == 0
    assert "no article matches the filters in force (--source Reuters)" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "ask", "containers", "--since", "2024-10-01", "--until", "2024-01-01"]) == 0
    assert "--since 2024-10-01 is after --until 2024-01-01" in capsys.readouterr().err


def test_json_lines_get_one_output_line_per_input_line(data, capsys):
    sys.stdin = __import__("io").StringIO("Where did the containers go?\n\n   \nWho is Kirby?\n")
    assert main(["--data-dir", str(data), "ask", "-", "--json"]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 4 and "error" in lines[1] and "error" in lines[2] and "answered" in lines[3]


def test_a_new_library_and_an_unknown_variable_are_said(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEWSBOT_RESULT", "3")
    assert main(["--data-dir", str(tmp_path / "typo"), "list"]) == 0
    err = capsys.readouterr().err
    assert f"created a new library in {tmp_path / 'typo'}" in err
    assert "NEWSBOT_RESULT is not a newsbot setting and is ignored (did you mean NEWSBOT_RESULTS?)" in err


def test_doctor_repairs_a_corrupted_vector_index(data, capsys):
    (data / "vectors.faiss").write_bytes(b"garbage")
    one_line_error(capsys, main(["--data-dir", str(data), "list"]), "run `newsbot doctor`")
    assert main(["--data-dir", str(data), "doctor"]) == 1
    assert "set aside; rebuilt from the database" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "doctor"]) == 0
    assert main(["--data-dir", str(data), "ask", "Where did the North Korean containers go?"]) == 0
    assert "Tikhoretsk" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["list"], ["ask", "-", "--json"]])
def test_a_closed_pipe_ends_quietly(data, args):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    command = f"{sys.executable} -m bot.cli --data-dir {data} {' '.join(args)} | head -c 10 > /dev/null"
    stdin = "Where did the containers go?\n" * 50
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], input=stdin, capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=120)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["stories", "--since", "someday"], "can't read the date 'someday'"),
    (["timeline", "harbour strike", "--dates", "0"], "--dates must be 1-200"),
    (["timeline", "999999"], "no story 999999"),
    (["timeline", "harbour", "--since", "2024-06-01", "--until", "2024-05-01"], "is after --until"),
    (["follow", "remove", "42"], "No followed question 42"),
    (["follow", "add", "   "], "some words in it"),
    (["digest", "--days", "0"], "--days must be 1-366"),
    (["sync"], "no Discord token"),
])
def test_the_news_over_time_commands_say_what_is_wrong_in_one_line(data, capsys, args, expected):
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err + out and expected in err, err
    assert err.count("\n") == 1
