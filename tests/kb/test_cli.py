"""`harde kb ...` as an operator runs it, against a real Redis and a blob directory."""

import pytest
import redis as sync_redis
from typer.testing import CliRunner

from harde.cli import app
from harde.cli_kb import kb_app
from testkit.documents import make_long_docx, make_pdf

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path, redis_server):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HARDE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    for name in ("HARDE_S3_BUCKET", "HARDE_ENV"):
        monkeypatch.delenv(name, raising=False)
    with sync_redis.Redis.from_url(redis_server.url) as client:
        client.flushdb()
    assert runner.invoke(app, ["tenant", "create", "acme", "--name", "Acme Roofing"]).exit_code == 0


def test_ingest_list_search_delete(tmp_path):
    folder = tmp_path / "docs"
    (folder / "nested").mkdir(parents=True)
    (folder / "warranty.md").write_text("# Warranty\n\n## Gold\n\nTwenty-five years on workmanship.\n")
    (folder / "nested" / "claims.pdf").write_bytes(make_pdf([["Adjusters visit within three weeks."]]))
    (folder / "prices.xlsx").write_bytes(b"PK\x03\x04")  # not a supported type: left out of a folder
    (folder / ".hidden.md").write_text("# Secret drafts\n")

    result = runner.invoke(kb_app, ["ingest", str(folder), "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    assert "claims.pdf: stored as" in result.output and "warranty.md: stored as" in result.output
    assert "prices.xlsx" not in result.output and "hidden" not in result.output

    again = runner.invoke(kb_app, ["ingest", str(folder / "warranty.md"), "--tenant", "acme"])
    assert again.exit_code == 0 and "already stored as" in again.output

    listing = runner.invoke(kb_app, ["list", "--tenant", "acme"])
    assert "warranty.md" in listing.output and "claims.pdf" in listing.output

    found = runner.invoke(kb_app, ["search", "gold workmanship", "--tenant", "acme"])
    assert found.exit_code == 0
    assert "warranty.md > Warranty > Gold" in found.output and "Twenty-five years" in found.output

    document_id = next(line.split()[1] for line in listing.output.splitlines() if "warranty.md" in line)
    deleted = runner.invoke(kb_app, ["delete", document_id, "--tenant", "acme"])
    assert deleted.exit_code == 0 and f"deleted {document_id} (warranty.md)" in deleted.output
    gone = runner.invoke(kb_app, ["search", "gold workmanship", "--tenant", "acme"])
    assert gone.exit_code == 0 and "no matching passages" in gone.output

    missing = runner.invoke(kb_app, ["delete", document_id, "--tenant", "acme"])
    assert missing.exit_code == 1 and "list the documents" in missing.output


def test_ingest_tries_every_file_then_exits_1_when_any_failed(tmp_path):
    good = tmp_path / "notes.txt"
    good.write_text("Drip edge goes under the underlayment at the eaves.")
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    unsupported = tmp_path / "prices.xlsx"
    unsupported.write_bytes(b"PK\x03\x04")
    paths = [str(empty), str(tmp_path / "missing.md"), str(unsupported), str(good)]
    result = runner.invoke(kb_app, ["ingest", *paths, "--tenant", "acme"])
    assert result.exit_code == 1
    assert "empty.md is empty" in result.output
    assert "missing.md: no such file or folder" in result.output
    assert "'.xlsx' files are not supported" in result.output
    assert "notes.txt: stored as" in result.output  # the good file after the bad ones still went in
    assert "3 of 4 failed" in result.output
    assert "drip edge" in runner.invoke(kb_app, ["search", "drip edge", "--tenant", "acme"]).output.lower()


def test_starter_documents_and_unknown_tenant():
    result = runner.invoke(kb_app, ["starter", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    assert result.output.count("stored as") == 6
    assert runner.invoke(kb_app, ["starter", "--tenant", "acme"]).output.count("already stored") == 6
    unknown = runner.invoke(kb_app, ["list", "--tenant", "nobody"])
    assert unknown.exit_code == 1 and "no tenant 'nobody'" in unknown.output


def test_ingest_names_the_limit_a_crafted_document_hit_and_stores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HARDE_KB_READING_CPU_SECONDS", "1")
    crafted = tmp_path / "crafted.docx"
    crafted.write_bytes(make_long_docx(400_000))  # seconds of processing to read
    result = runner.invoke(kb_app, ["ingest", str(crafted), "--tenant", "acme"])
    assert result.exit_code == 1
    assert "crafted.docx needs more than 1 s of processing to read" in " ".join(result.output.split())
    assert "Nothing was stored" in result.output
    assert "crafted" not in runner.invoke(kb_app, ["list", "--tenant", "acme"]).output
