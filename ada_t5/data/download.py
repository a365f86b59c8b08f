"""Public molecule-text data sets in one command: fetch, check, write atomically.

``ada-t5 data download chebi20`` fetches MolT5's ChEBI-20 ``train.txt``, ``validation.txt`` and ``test.txt``
from MolT5's repository, pinned to the commit the published numbers used, checks every file against the
checksum recorded here (sha256, or the git blob id and row count where that is what the source publishes),
and only then moves it into place. A file that fails its check never lands: the temporary file is deleted,
an older good copy stays as it was. A file already present and passing its check is not fetched again.

Sources (each pinned to a commit, so the checksums hold forever):

* ``chebi20``: blender-nlp/MolT5 ``ChEBI-20_data/`` (BSD-3-Clause; ChEBI content CC BY 4.0).
* ``pcdes``: thunlp/KV-PLM ``Ret/``: SMILES of all 15,000 PCdes molecules (KV-PLM's row order, split
  10,500 / 1,500 / 3,000) and descriptions of 1,428 test molecules. The full description set is not public.
* ``ada-t5-samples``: SCIR-HI/ArtificiallyR2R, the paper's JSON files (a few rows each of ChEBI-20, PCdes,
  DrugBank-23 and PseudoMD-1M): the formats its configs read.
* DrugBank-23 has no public source (a DrugBank licence is needed); asking for it says so.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 16


class DownloadError(Exception):
    """A download that cannot be completed: the message is one line saying what failed and what to do."""


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the source's base URL, and to the target folder
    sha256: str | None = None
    git_blob: str | None = None  # `git hash-object` of the file, where the source publishes only that
    rows: int | None = None  # data lines after the header (checked with git_blob: a cheap second opinion)
    header: bool = True


@dataclass(frozen=True)
class Source:
    name: str
    base_url: str
    files: tuple[RemoteFile, ...]
    default_dir: str
    about: str
    next_step: str
    splits: dict[str, str] = field(default_factory=dict)  # split name -> file path, for --splits


_MOLT5 = "https://raw.githubusercontent.com/blender-nlp/MolT5/754f9bffa4a638e2f1386d0ca19b5c3ed0a5b4aa/ChEBI-20_data"
_KVPLM = "https://raw.githubusercontent.com/thunlp/KV-PLM/83f6292f559fef4a17e179c9611c8e84a9d31905/Ret"
_R2R = "https://raw.githubusercontent.com/SCIR-HI/ArtificiallyR2R/318729158434be5ef2f3287a505cef21af92a6e8"

_SAMPLES = {
    "finetune/data/ChEBI-20/test.json": "a53f48bb9220859f762ada45e68fc6fc52059e348b58cff12ca8ba291dc482d8",
    "finetune/data/ChEBI-20/train.json": "b2217524a2950592650c3465af16e5cd0a666cde108e9ad208a54fa0af9015a4",
    "finetune/data/ChEBI-20/validation.json": "274658956d4da441869babe83e8de9d3ef75af53a02e7490fa1239af82b560e5",
    "finetune/data/DrugBank-23/test.json": "dde6abbf4496eee3cb088a72707e7288c12bf578cae0e7e624654d7b214ae30d",
    "finetune/data/DrugBank-23/train.json": "a9d1185b7e427522caee6be672a8656d33de7f76d2153ff2b88aa7ce1046de84",
    "finetune/data/DrugBank-23/validation.json": "864d0931d5f32f834ac3e2de4adab18f193ce343172c2b3a7680afbe0143fd1c",
    "finetune/data/PCdes/test.json": "ada59bf1da5d7a11f4697f646f14cf6ff7018015c544a0673e7685bd6b7856fc",
    "finetune/data/PCdes/train.json": "269bb96b86da7e650fcb0c65a6c5e62723347bb135dc87a2e5d876e09ccb4a2d",
    "finetune/data/PCdes/validation.json": "4e3524f91533e9e3facfb4b509baf52408df438fe71e615e1b6acda3d2f0fdab",
    "pretrain/data/train.json": "9a0fc54b683eac2c97734d29de23e870263caed8de329072a883ba36629be9ec",
}

SOURCES: dict[str, Source] = {
    "chebi20": Source(
        name="chebi20", base_url=_MOLT5, default_dir="data/chebi20",
        files=(RemoteFile("train.txt", git_blob="c1b42b82fdc8fb5287614e159196e25370763aac", rows=26_407),
               RemoteFile("validation.txt", sha256="f410b58e6825986577d01b4f0c14b59ed61c1343a15118ba584de4bbcea1508c"),
               RemoteFile("test.txt", sha256="91776254b54ef13ad701ede0ecdbd7bcd30c19a66e52aa34a6dac8d0e7306d72")),
        splits={"train": "train.txt", "validation": "validation.txt", "test": "test.txt"},
        about="MolT5's ChEBI-20 (26,407 / 3,301 / 3,300 molecule-description pairs), blender-nlp/MolT5 @ 754f9bf",
        next_step="ada-t5 finetune configs/finetune/chebi20-mol2text.yaml{dataset}",
    ),
    "pcdes": Source(
        name="pcdes", base_url=_KVPLM, default_dir="data/pcdes",
        files=(RemoteFile("align_smiles.txt", header=False,
                          sha256="d3005854be3543e6f5ffa6c746edb8c3d70ee9c5b808f20eafd663430fb92c96"),
               RemoteFile("data/PCdes_reference.txt", header=False,
                          sha256="50ee923e431f2f3a91c85c2b8f8ae70f2b6cd8a4e6d7d0394a1b01f97d6dd944")),
        about="KV-PLM's public PCdes files, thunlp/KV-PLM @ 83f6292: SMILES of all 15,000 molecules (rows 0-10,499 "
              "train, 10,500-11,999 validation, 12,000-14,999 test) and descriptions of only 1,428 test molecules; "
              "the full PCdes descriptions are not public",
        next_step="the paper's PCdes JSON is not public: put your {{train,validation,test}}.json in a folder and run "
                  "ada-t5 finetune configs/finetune/pcdes-mol2text.yaml --dataset FOLDER",
    ),
    "ada-t5-samples": Source(
        name="ada-t5-samples", base_url=_R2R, default_dir="data/ada_t5_samples",
        files=tuple(RemoteFile(path, sha256=digest, header=False) for path, digest in _SAMPLES.items()),
        about="the paper's JSON formats, SCIR-HI/ArtificiallyR2R @ 3187291: 5-6 rows each of ChEBI-20, PCdes, "
              "DrugBank-23 (the only public rows) and PseudoMD-1M-style pseudo pairs",
        next_step="ada-t5 finetune configs/finetune/pcdes-mol2text.yaml --dataset {dir}/finetune/data/PCdes "
                  "--max_steps 10   # a format check, not a real run",
    ),
}
NOT_PUBLIC = {
    "drugbank23": "DrugBank-23 has no public source: the paper released only 16 sample rows (in ada-t5-samples) "
                  "and the full set needs a DrugBank licence; put your {train,validation,test}.json in a folder "
                  "and pass --dataset FOLDER",
    "pseudomd-1m": "PseudoMD-1M is published only on the Hugging Face Hub: pass --dataset SCIR-HI/PseudoMD-1M "
                   "to ada-t5 pretrain (it is read through datasets.load_dataset)",
}
ALIASES = {"chebi-20": "chebi20", "ada_t5_samples": "ada-t5-samples", "drugbank-23": "drugbank23",
           "pseudomd1m": "pseudomd-1m"}


def resolve_source(name: str) -> Source:
    key = ALIASES.get(name.lower(), name.lower())
    if key in NOT_PUBLIC:
        raise DownloadError(NOT_PUBLIC[key])
    if key not in SOURCES:
        raise DownloadError(f"unknown data set {name!r}; choose one of {', '.join(SOURCES)}")
    return SOURCES[key]


def download_hint(path: str) -> str | None:
    """For a missing folder that is a data set's default download folder: the message saying how to fetch it."""
    normalized = Path(path).as_posix().rstrip("/").removeprefix("./")
    for source in SOURCES.values():
        if normalized == source.default_dir and not Path(path).exists():
            return (f"{path} does not exist: fetch it with `ada-t5 data download {source.name}` "
                    f"(or pass --dataset FOLDER for a copy elsewhere)")
    return None


def git_blob_id(path: Path) -> str:
    """``git hash-object path``: sha1 of ``blob <size>\\0`` followed by the bytes."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: Path, spec: RemoteFile) -> str | None:
    """None when ``path`` is the expected file, else what differs (one line)."""
    if spec.sha256 is not None:
        actual = sha256_of(path)
        if actual != spec.sha256:
            return f"sha256 {actual[:16]}... differs from the expected {spec.sha256[:16]}..."
    if spec.git_blob is not None:
        actual = git_blob_id(path)
        if actual != spec.git_blob:
            rows = _count_rows(path, spec.header)
            extra = f" and has {rows:,} rows" if spec.rows is not None and rows != spec.rows else ""
            return f"git blob {actual[:12]}... differs from the expected {spec.git_blob[:12]}...{extra}"
    if spec.rows is not None:
        rows = _count_rows(path, spec.header)
        if rows != spec.rows:
            return f"{rows:,} rows, expected {spec.rows:,}"
    return None


def _count_rows(path: Path, header: bool) -> int:
    with open(path, "rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return lines - (1 if header and lines else 0)


@dataclass
class FileResult:
    path: Path
    status: str  # "downloaded" | "present"
    bytes: int


def download(source: Source | str, target_dir: str | os.PathLike | None = None, *, base_url: str | None = None,
             splits: Sequence[str] | None = None, timeout: float = 30.0, force: bool = False,
             log: Callable[[str], None] = print) -> list[FileResult]:
    """Fetch ``source``'s files into ``target_dir`` (default: its ``default_dir``), each checked before it lands.

    Raises :class:`DownloadError` (one-line message) for an unreachable server, an HTTP error or a file that
    fails its check; files finished before the failure stay (they passed), nothing half-written is left.
    """
    source = resolve_source(source) if isinstance(source, str) else source
    target = Path(target_dir if target_dir is not None else source.default_dir)
    base = (base_url or source.base_url).rstrip("/")
    files = _select(source, splits)
    target.mkdir(parents=True, exist_ok=True)
    results = []
    for spec in files:
        destination = target / spec.path
        if destination.is_file() and not force:
            problem = check_file(destination, spec)
            if problem is None:
                log(f"  {destination}: already present, checked")
                results.append(FileResult(destination, "present", destination.stat().st_size))
                continue
            log(f"  {destination}: present but {problem}; fetching it again")
        url = f"{base}/{spec.path}"
        size = _fetch_checked(url, destination, spec, timeout)
        log(f"  {destination}: {size:,} bytes, checked")
        results.append(FileResult(destination, "downloaded", size))
    return results


def _select(source: Source, splits: Sequence[str] | None) -> tuple[RemoteFile, ...]:
    if not splits:
        return source.files
    if not source.splits:
        raise DownloadError(f"{source.name} has no splits to choose from; it is fetched whole")
    unknown = [s for s in splits if s not in source.splits]
    if unknown:
        raise DownloadError(f"unknown split {unknown[0]!r} for {source.name}; choose from {', '.join(source.splits)}")
    wanted = {source.splits[s] for s in splits}
    return tuple(f for f in source.files if f.path in wanted)


def _fetch_checked(url: str, destination: Path, spec: RemoteFile, timeout: float) -> int:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.part-{os.getpid()}")
    try:
        size = 0
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "ada-t5"})
            with urllib.request.urlopen(request, timeout=timeout) as response, open(temporary, "wb") as out:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    out.write(chunk)
                    size += len(chunk)
                promised = response.headers.get("Content-Length")
            if promised is not None and promised.isdigit() and int(promised) != size:
                raise DownloadError(f"{url}: the connection closed after {size:,} of {int(promised):,} bytes; "
                                    f"nothing was written to {destination} (try again)")
        except urllib.error.HTTPError as error:
            raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise DownloadError(f"{url}: cannot download ({reason}); check the network or pass --base-url "
                                "to a mirror") from None
        problem = check_file(temporary, spec)
        if problem is not None:
            raise DownloadError(f"{url}: the downloaded file's {problem}; nothing was written to {destination} "
                                "(a corrupted transfer or a changed source: try again, or report it)")
        os.replace(temporary, destination)
        return size
    finally:
        temporary.unlink(missing_ok=True)
