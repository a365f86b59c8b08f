"""``ada-t5 data download`` against a real HTTP server on 127.0.0.1: a good download, a corrupted file, a dead
server, a truncated transfer; checksums (sha256, git blob id, row count) checked the way git and sha256sum do."""

from __future__ import annotations

import functools
import hashlib
import shutil
import socket
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ada_t5.cli import main
from ada_t5.data.download import (
    SOURCES,
    DownloadError,
    RemoteFile,
    Source,
    check_file,
    download,
    git_blob_id,
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """serve(folder) -> base URL of a real HTTP server on 127.0.0.1 serving that folder."""
    servers = []

    def start(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def chebi20_mirror(shared_data, tmp_path) -> Path:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("validation.txt", "test.txt"):
        shutil.copyfile(shared_data / "chebi20" / name, mirror / name)
    return mirror


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name) if folder.is_dir() else []


def test_good_download_lands_checked_files_and_prints_the_next_command(chebi20_mirror, serve, tmp_path, capsys,
                                                                      shared_data):
    target = tmp_path / "data" / "chebi20"
    argv = ["data", "download", "chebi20", "--base-url", serve(chebi20_mirror), "--dir", str(target),
            "--splits", "validation", "test"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for name in ("validation.txt", "test.txt"):
        assert (target / name).read_bytes() == (shared_data / "chebi20" / name).read_bytes()
    assert not (target / "train.txt").exists()
    assert f"next: ada-t5 finetune configs/finetune/chebi20-mol2text.yaml --dataset {target}" in out
    assert _leftovers(target) == []
    # a second run checks what is there and fetches nothing (the server is gone: it would fail otherwise)
    assert main(argv[:3] + ["--base-url", "http://127.0.0.1:9", "--dir", str(target), "--splits", "validation",
                            "test"]) == 0
    assert "already present, checked" in capsys.readouterr().out


def test_corrupted_file_is_a_checksum_error_and_nothing_is_written(chebi20_mirror, serve, tmp_path, capsys):
    data = bytearray((chebi20_mirror / "validation.txt").read_bytes())
    data[5000] ^= 0x20  # one letter's case: same size, different bytes
    (chebi20_mirror / "validation.txt").write_bytes(bytes(data))
    target = tmp_path / "out"
    code = main(["data", "download", "chebi20", "--base-url", serve(chebi20_mirror), "--dir", str(target),
                 "--splits", "validation"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "sha256" in err and "nothing was written" in err
    assert not (target / "validation.txt").exists() and _leftovers(target) == []


def test_a_corrupted_refetch_leaves_the_good_copy_in_place(chebi20_mirror, serve, tmp_path, shared_data):
    target = tmp_path / "out"
    target.mkdir()
    good = (shared_data / "chebi20" / "test.txt").read_bytes()
    (target / "test.txt").write_bytes(good)
    (chebi20_mirror / "test.txt").write_bytes(good[:-100])
    with pytest.raises(DownloadError, match="sha256"):
        download("chebi20", target, base_url=serve(chebi20_mirror), splits=["test"], force=True, log=lambda _: None)
    assert (target / "test.txt").read_bytes() == good and _leftovers(target) == []


def test_dead_server_fails_fast_with_one_line(tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    code = main(["data", "download", "chebi20", "--base-url", f"http://127.0.0.1:{port}", "--dir", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and time.perf_counter() - started < 5
    assert len(err.strip().splitlines()) == 1 and "cannot download" in err and "--base-url" in err
    assert _leftovers(tmp_path / "x") == []


def _spec_source(tmp_path, payload: bytes, **check) -> tuple[Source, Path]:
    mirror = tmp_path / "m"
    mirror.mkdir(exist_ok=True)
    (mirror / "f.txt").write_bytes(payload)
    return Source(name="t", base_url="", files=(RemoteFile("f.txt", **check),), default_dir=str(tmp_path / "t"),
                  about="", next_step=""), mirror


def test_truncated_transfer_and_http_errors(tmp_path, serve):
    class Truncating(_Quiet):
        def do_GET(self):  # promises 1,000 bytes, sends 10, hangs up
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Truncating)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source, _ = _spec_source(tmp_path, b"x", sha256="0" * 64)
        with pytest.raises(DownloadError, match="closed after 10 of 1,000 bytes"):
            download(source, tmp_path / "t", base_url=f"http://127.0.0.1:{server.server_address[1]}",
                     log=lambda _: None)
    finally:
        server.shutdown()
        server.server_close()
    assert _leftovers(tmp_path / "t") == []
    empty = tmp_path / "empty"
    empty.mkdir()
    source, _ = _spec_source(tmp_path, b"x", sha256="0" * 64)
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(source, tmp_path / "t", base_url=serve(empty), log=lambda _: None)


def test_git_blob_and_row_checks(tmp_path, serve):
    payload = b"CID\tSMILES\tdescription\n1\tCCO\tan alcohol\n2\tCCN\tan amine\n"
    blob = tmp_path / "blob.txt"
    blob.write_bytes(payload)
    if shutil.which("git"):  # the id git itself gives
        assert git_blob_id(blob) == subprocess.run(["git", "hash-object", str(blob)], capture_output=True, text=True,
                                                   check=True).stdout.strip()
    expected = git_blob_id(blob)
    source, mirror = _spec_source(tmp_path, payload, git_blob=expected, rows=2)
    download(source, tmp_path / "t", base_url=serve(mirror), log=lambda _: None)
    assert (tmp_path / "t" / "f.txt").read_bytes() == payload
    assert "3 rows, expected 2" in check_file(_write(tmp_path / "a", payload + b"3\tC\tmethane\n"),
                                              RemoteFile("a", rows=2))
    assert "git blob" in check_file(_write(tmp_path / "b", payload.replace(b"amine", b"amide")),
                                    RemoteFile("b", git_blob=expected, rows=2))
    assert check_file(blob, RemoteFile("x", sha256=hashlib.sha256(payload).hexdigest())) is None


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_the_recorded_checksums_match_the_shared_copies(shared_data):
    for spec in SOURCES["chebi20"].files:
        local = shared_data / "chebi20" / spec.path
        if local.is_file():
            assert check_file(local, spec) is None, spec.path
    for spec in SOURCES["ada-t5-samples"].files:
        assert check_file(shared_data / "ada_t5_samples" / spec.path, spec) is None, spec.path
    for spec in SOURCES["pcdes"].files:
        assert check_file(shared_data / "pcdes" / Path(spec.path).name, spec) is None, spec.path


@pytest.mark.parametrize(("name", "message"), [("drugbank23", "no public source"), ("zinc", "unknown data set"),
                                               ("chebi20 --splits train dev", "unknown split 'dev'")])
def test_unknown_and_unpublished_data_sets_are_one_line_errors(name, message, tmp_path, capsys):
    assert main(["data", "download", *name.split(), "--dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_config_default_folder_that_is_missing_says_how_to_fetch_it(tmp_path, monkeypatch):
    from ada_t5 import data

    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="ada-t5 data download chebi20"):
        data.load_splits("data/chebi20")
