"""Publish a pseudo-data output the way the paper published PseudoMD-1M: a Hub dataset with a card.

``ada-t5 pseudo push OUTPUT.jsonl --repo_id owner/name [--dry_run]`` stages a folder laid out as the Hub
repository will be (``README.md`` + ``data/train-00000-of-00001.parquet``) and uploads it (``repo_type=
"dataset"``); ``--dry_run`` stops after staging. The parquet holds the paper's ``smiles`` / ``description``
columns first, then the provenance of every pair (``id``, ``canonical_smiles``, ``backend``, ``model``,
``template_hash``, ``examples``, ``example_similarities``, token counts, ``created``), so it loads back with
:func:`ada_t5.data.load_pairs` (the staged file, or the Hub id) and pre-trains unchanged. The card states what
a reader needs to trust and reuse the data: how many pairs, which backend / model / prompt template wrote them,
the filters and how many answers each rejected, the leakage guard (held-out files and match level), token
counts, and a licence note (LLM-written text is bound by its provider's terms).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ada_t5.errors import AdaT5Error
from ada_t5.jsonl import read_jsonl

logger = logging.getLogger(__name__)

DATA_FILE = "data/train-00000-of-00001.parquet"


class PublishError(AdaT5Error, RuntimeError):
    """The output cannot be published as it is (not an ada-t5 pseudo output, no pairs, Hub unusable)."""


@dataclass
class Staged:
    repo_id: str
    folder: Path
    files: list[str]
    pairs: int
    url: str | None = None


def _rows(output: Path) -> list[dict]:
    rows = []
    for number, row in read_jsonl(output, error=PublishError):
        if not isinstance(row, dict) or not isinstance(row.get("smiles"), str) or \
                not isinstance(row.get("description"), str):
            raise PublishError(f"{output}:{number}: no smiles/description: not an ada-t5 pseudo output")
        rows.append(row)
    if not rows:
        raise PublishError(f"{output}: no pairs to publish")
    return rows


def build_dataset(output: str | os.PathLike):
    """The output JSONL as a ``datasets.Dataset``: smiles, description, then provenance columns."""
    from datasets import Dataset, Features, Sequence, Value

    rows = _rows(Path(output))
    features = Features({
        "smiles": Value("string"), "description": Value("string"), "id": Value("string"),
        "canonical_smiles": Value("string"), "backend": Value("string"), "model": Value("string"),
        "template_hash": Value("string"), "examples": Sequence(Value("string")),
        "example_similarities": Sequence(Value("float32")), "prompt_tokens": Value("int64"),
        "completion_tokens": Value("int64"), "created": Value("string")})
    columns = {name: [] for name in features}
    for row in rows:
        for name in features:
            value = row.get(name)
            if name == "id" and value is not None:
                value = str(value)
            if name in ("examples", "example_similarities") and value is None:
                value = []
            columns[name].append(value)
    return Dataset.from_dict(columns, features=features)


def _summary(output: Path) -> dict:
    path = Path(str(output) + ".summary.json")
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def render_card(dataset, output: Path, repo_id: str) -> str:
    summary = _summary(output)
    runs = summary.get("runs", [])
    totals = summary.get("totals", {})
    provenance = Counter(zip(dataset["backend"], dataset["model"], dataset["template_hash"]))
    excluded_files = sorted({f for run in runs for f in run.get("exclude", [])})
    levels = sorted({run.get("exclude_match", "smiles") for run in runs if run.get("exclude")})
    filters = next((run["filters"] for run in reversed(runs) if run.get("filters")), None)
    rejected = totals.get("rejected_by_reason") or {}
    words = [len(d.split()) for d in dataset["description"]]
    lines = [
        "---",
        "license: other",
        "task_categories:\n- translation\n- text-generation",
        "tags:\n- chemistry\n- molecules\n- smiles\n- pseudo-data\n- ada-t5",
        f"size_categories:\n- {_size_category(len(dataset))}",
        "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: " + DATA_FILE,
        "---",
        "",
        f"# {repo_id.split('/')[-1]}",
        "",
        f"{len(dataset):,} molecule-description pairs written by a large language model, prompted with retrieved, "
        "really-described example molecules (the pseudo data of *From Artificially Real to Real: Leveraging Pseudo "
        "Data from Large Language Models for Low-Resource Molecule Discovery*, Ada-T5, AAAI 2024), made with "
        "`ada-t5 pseudo`.",
        "",
        "## Columns",
        "",
        "`smiles`, `description` (the paper's pair), then provenance: `id` (the input's id), `canonical_smiles` "
        "(RDKit), `backend`, `model`, `template_hash` (the prompt template's SHA-256, 12 hex), `examples` / "
        "`example_similarities` (the pool molecules shown as examples, Morgan Tanimoto), `prompt_tokens`, "
        "`completion_tokens`, `created`.",
        "",
        "## How it was made",
        "",
        "| backend | model | template | pairs |",
        "|---|---|---|---:|",
        *[f"| {b} | {m} | {t} | {n:,} |" for (b, m, t), n in provenance.most_common()],
        "",
        f"- Description length: {sum(words) / len(words):.1f} words on average (max {max(words)}).",
        f"- Tokens: {sum(x or 0 for x in dataset['prompt_tokens']):,} prompt + "
        f"{sum(x or 0 for x in dataset['completion_tokens']):,} completion (kept pairs).",
        f"- Filters: {json.dumps(filters) if filters else 'ada-t5 defaults'}; answers rejected and kept aside: "
        f"{totals.get('rejected', 0):,} ({', '.join(f'{k}: {v:,}' for k, v in sorted(rejected.items())) or 'none'}).",
        f"- Runs: {len(runs)}; invalid input SMILES reported: {sum(r.get('invalid_smiles', 0) for r in runs):,}.",
        "",
        "## Leakage guard",
        "",
        ("Molecules matching these held-out sets were never described and never shown as examples: "
         + ", ".join(f"`{os.path.basename(f)}`" for f in excluded_files)
         + f" (match level: {', '.join(levels)}; `smiles` = same canonical SMILES, `inchikey` = same InChIKey "
           "after stripping salts and charges, `skeleton` = same InChIKey first block). "
         + f"{sum(r.get('excluded_test', 0) for r in runs):,} input molecules were excluded.")
        if excluded_files else "No held-out set was given (`--exclude`): do not evaluate on molecules of this set.",
        "",
        "## Licence",
        "",
        "The descriptions were written by the model(s) above: their use is bound by the provider's terms of use. "
        "The molecules come from the inputs the generator was given; check their sources' licences before "
        "redistribution. Pseudo descriptions are not verified facts: use them for pre-training, not as ground "
        "truth.",
        "",
        "## Use",
        "",
        "```python",
        "from ada_t5.data import load_pairs",
        f'pairs = load_pairs("{repo_id}")  # smiles, description, id',
        "```",
        "",
    ]
    return "\n".join(lines)


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                        (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "n>10M"


def stage(output: str | os.PathLike, target: str | os.PathLike, repo_id: str) -> Staged:
    """Write ``target/README.md`` and ``target/data/train-00000-of-00001.parquet`` from ``output``."""
    output, target = Path(output), Path(target)
    if not output.is_file():
        raise PublishError(f"{output}: no such file")
    dataset = build_dataset(output)
    (target / "data").mkdir(parents=True, exist_ok=True)
    dataset.to_parquet(str(target / DATA_FILE))
    (target / "README.md").write_text(render_card(dataset, output, repo_id), encoding="utf-8")
    return Staged(repo_id, target, ["README.md", DATA_FILE], len(dataset))


def push(output: str | os.PathLike, repo_id: str, *, dry_run: bool = False, dry_run_dir=None,
         private: bool = False) -> Staged:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        if "/" not in repo_id:
            raise HFValidationError("use owner/name")
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise PublishError(f"--repo_id {repo_id!r} is not an owner/name Hub dataset id: {err}") from None
    if dry_run:
        target = Path(dry_run_dir) if dry_run_dir else Path(str(output) + ".hub_upload")
        if target.exists():
            shutil.rmtree(target)
        return stage(output, target, repo_id)
    from ada_t5.model_card import check_can_push

    token = check_can_push()
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="ada_t5_pseudo_push_") as staging:
        staged = stage(output, staging, repo_id)
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(folder_path=staging, repo_id=repo_id, repo_type="dataset",
                                   commit_message=f"Upload {staged.pairs:,} pseudo pairs (ada-t5)")
    staged.url = getattr(commit, "commit_url", None) or str(commit)
    logger.info("pushed %d pairs to %s (%s)", staged.pairs, repo_id, staged.url)
    return staged
