"""A model card for a trained checkpoint, and publishing model + tokenizer + card to the Hugging Face Hub.

* :func:`write_run_info` / :func:`finish_finetune_run`: at the end of fine-tuning, ``run_info.json`` (task,
  base model, data, hyper-parameters) and ``README.md`` (the card) go into the output folder, so any upload of
  it carries them; with ``--push_to_hub`` the folder is then uploaded with :func:`push`.
* :func:`render_card`: the card: Hub metadata, task, base model, data, hyper-parameters, the metrics of the
  metrics JSON, a usage snippet and the Ada-T5 paper's citation.
* :func:`push`: copy what belongs on the Hub (weights, config, tokenizer, metrics, plots; never checkpoints,
  optimizer states or ``training_args.bin``) into a folder with the card, then upload it with
  ``HfApi.upload_folder``; ``dry_run=True`` stops after writing the folder. The token comes only from the
  environment (``HF_TOKEN``) or the stored ``hf auth login``; a Hub that cannot be used fails at once.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ada_t5.errors import AdaT5Error

logger = logging.getLogger(__name__)

RUN_INFO = "run_info.json"
UPLOAD_PATTERNS = ("config.json", "generation_config.json", "*.safetensors", "model.safetensors.index.json",
                   "pytorch_model*.bin", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "added_tokens.json", "spiece.model", "tokenizer_training.json", "*_metrics.json",
                   "train_results.json", "all_results.json", RUN_INFO, "plots/*.png")
TASK_TITLES = {"mol2text": "molecule captioning (SMILES -> description)",
               "text2mol": "text-based molecule generation (description -> SMILES)"}
METRIC_NAMES = {"bleu2": "BLEU-2", "bleu4": "BLEU-4", "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
                "meteor": "METEOR", "bleu": "BLEU", "exact": "Exact match", "levenshtein": "Levenshtein",
                "validity": "Validity", "maccs": "MACCS FTS", "rdk": "RDK FTS", "morgan": "Morgan FTS",
                "fcd": "FCD", "text2mol": "Text2Mol"}
CITATION = """@inproceedings{chen2024artificially,
  title     = {From Artificially Real to Real: Leveraging Pseudo Data from Large Language Models for
               Low-Resource Molecule Discovery},
  author    = {Chen, Yuhan and Xi, Nuwa and Du, Yanrui and Wang, Haochun and Chen, Jianyu and Zhao, Sendong and
               Qin, Bing},
  booktitle = {Proceedings of the AAAI Conference on Artificial Intelligence},
  volume    = {38},
  number    = {20},
  pages     = {21958--21966},
  year      = {2024},
  doi       = {10.1609/aaai.v38i20.30198}
}"""
HYPERPARAMETERS = ("learning_rate", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
                   "warmup_steps", "weight_decay", "lr_scheduler_type", "optim", "bf16", "seed",
                   "generation_num_beams", "generation_max_new_tokens", "metric_for_best_model", "eval_steps")


class HubPushError(AdaT5Error, RuntimeError):
    """The Hub cannot be used (offline, unreachable, no token) or the folder is not a checkpoint."""


@dataclass
class CardInfo:
    task: str | None = None
    base_model: str | None = None
    model_shape: str | None = None  # a fresh model of this shape, when there was no base model
    dataset: str | None = None
    hyperparameters: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    metric_notes: list = field(default_factory=list)
    metrics_split: str = "test"
    num_examples: int | None = None
    num_parameters: int | None = None
    architecture: dict = field(default_factory=dict)
    license: str | None = None
    plots: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- gathering


def write_run_info(output_dir, model_args, data_args, training_args, result=None) -> Path:
    """``run_info.json``: what a card needs that the checkpoint files do not say."""
    world = max(getattr(training_args, "world_size", 1) or 1, 1)
    hyper = {name: _plain(getattr(training_args, name, None)) for name in HYPERPARAMETERS}
    hyper.update(effective_batch_size=training_args.per_device_train_batch_size
                 * training_args.gradient_accumulation_steps * world,
                 max_source_length=data_args.max_source_length, max_target_length=data_args.max_target_length,
                 task_prefix=data_args.task_prefix)
    files = {k: v for k, v in (("train_file", data_args.train_file), ("validation_file", data_args.validation_file),
                               ("test_file", data_args.test_file)) if v}
    info = {"task": data_args.task, "model_name_or_path": model_args.model_name_or_path,
            "model_shape": model_args.model_shape, **files,
            # explicit files replace the demo entirely (ada_t5.commands.finetune.load_raw_splits)
            "dataset": data_args.train_file if data_args.dataset == "demo" and files else data_args.dataset,
            "hyperparameters": hyper}
    if result is not None:
        info.update(best_checkpoint=Path(result.best_checkpoint).name if result.best_checkpoint else None,
                    best_metric=result.best_metric, train_loss=result.train_metrics.get("train_loss"))
    path = Path(output_dir) / RUN_INFO
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return path


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(getattr(value, "value", value))


def collect_info(folder, *, metrics=None, **overrides) -> CardInfo:
    """A :class:`CardInfo` from a checkpoint folder: run_info.json, config.json, the weights, a metrics JSON
    (``metrics`` or the folder's ``test_metrics.json``); keyword arguments override what was found."""
    folder = Path(folder)
    info = CardInfo()
    run = _read_json(folder / RUN_INFO) or {}
    info.task = run.get("task")
    info.base_model = run.get("model_name_or_path")
    info.model_shape = run.get("model_shape")
    info.dataset = run.get("dataset")
    info.hyperparameters = dict(run.get("hyperparameters") or {})
    for key in ("best_checkpoint", "best_metric", "train_loss"):
        if run.get(key) is not None:
            info.hyperparameters[key] = run[key]
    config = _read_json(folder / "config.json") or {}
    info.architecture = {k: config[k] for k in ("d_model", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                                                "vocab_size", "feed_forward_proj") if k in config}
    info.num_parameters = _count_parameters(folder)
    metrics_path = Path(metrics) if metrics else folder / "test_metrics.json"
    loaded = _read_json(metrics_path) if metrics_path.is_file() else None
    if metrics and loaded is None:
        raise FileNotFoundError(f"metrics JSON {metrics_path} not found or not JSON")
    if loaded:
        info.metrics = {k: v for k, v in loaded.get("aggregate", loaded).items()
                        if k in METRIC_NAMES and (v is None or isinstance(v, (int, float)))}
        info.metric_notes = [str(n) for n in loaded.get("notes", [])]
        info.metrics_split = loaded.get("split", "test")
        info.num_examples = loaded.get("num_examples")
        info.task = info.task or loaded.get("task")
    info.plots = sorted(p.relative_to(folder).as_posix() for p in folder.glob("plots/*.png"))
    for key, value in overrides.items():
        if value is not None:
            setattr(info, key, value)
    return info


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _count_parameters(folder: Path) -> int | None:
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        return None
    from safetensors import safe_open

    total = 0
    for file in files:
        with safe_open(str(file), framework="pt") as handle:
            for name in handle.keys():
                shape = handle.get_slice(name).get_shape()
                count = 1
                for size in shape:
                    count *= size
                total += count
    return total


# ---------------------------------------------------------------------------------------------- rendering


def pipeline_tag() -> str | None:
    """The Hub pipeline of a T5 seq2seq model, only when the installed transformers still has that pipeline
    (transformers 5 removed ``text2text-generation``; a tag its widget cannot run would mislead)."""
    try:
        from transformers.pipelines import SUPPORTED_TASKS
    except ImportError:  # pragma: no cover
        return None
    return "text2text-generation" if "text2text-generation" in SUPPORTED_TASKS else None


def card_metadata(info: CardInfo, repo_id: str):
    """The card's YAML header as ``huggingface_hub.ModelCardData`` (validated model-index). A local data path
    never becomes a ``dataset.type``: a Hub id is used as is, a local folder or file by its name."""
    from huggingface_hub import EvalResult, ModelCardData

    task = info.task or "mol2text"
    tags = ["ada-t5", "t5", "chemistry", "smiles",
            "molecule-captioning" if task == "mol2text" else "text-based-molecule-generation"]
    dataset_id = info.dataset if info.dataset and _is_hub_id(info.dataset) else None
    local = Path(info.dataset or "unknown")
    dataset_name = dataset_id or _slug(local.stem if local.suffix else local.name)
    computed = {k: v for k, v in info.metrics.items() if v is not None}
    results = [EvalResult(task_type="text2text-generation", task_name=TASK_TITLES[task], dataset_type=dataset_name,
                          dataset_name=dataset_name, dataset_split=info.metrics_split, metric_type=key,
                          metric_name=METRIC_NAMES[key], metric_value=round(float(value), 4))
               for key, value in computed.items()]
    return ModelCardData(language=["en"], license=info.license, library_name="transformers", tags=tags,
                         base_model=info.base_model if info.base_model and _is_hub_id(info.base_model) else None,
                         datasets=[dataset_id] if dataset_id else None, pipeline_tag=pipeline_tag(),
                         model_name=repo_id.split("/")[-1], eval_results=results or None)


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "unknown"


def render_card(info: CardInfo, repo_id: str) -> str:
    """The README.md of the model repository."""
    task = info.task or "mol2text"
    lines = ["---", card_metadata(info, repo_id).to_yaml(), "---", "",
             f"# {repo_id.split('/')[-1]}", "",
             f"A T5 model for **{TASK_TITLES[task]}**, fine-tuned with ada-t5, an implementation of *From "
             "Artificially Real to Real: Leveraging Pseudo Data from Large Language Models for Low-Resource Molecule "
             "Discovery* (Ada-T5, AAAI 2024; [paper](https://arxiv.org/abs/2309.05203), "
             "[authors' code](https://github.com/SCIR-HI/ArtificiallyR2R)).", "",
             "## Model", "",
             f"* Task: `{task}`, {TASK_TITLES[task]}",
             f"* Base model: {_base_model(info)}"]
    if info.num_parameters:
        lines.append(f"* Parameters: {info.num_parameters / 1e6:.1f}M")
    if info.architecture:
        lines.append("* Architecture: " + ", ".join(f"{k}={v}" for k, v in info.architecture.items()))
    lines += ["", "## Training data", "", f"* Dataset: {_md(info.dataset) if info.dataset else 'not recorded'}"]
    lines += ["", "## Training hyper-parameters", ""]
    if info.hyperparameters:
        lines += ["| name | value |", "|---|---|"]
        lines += [f"| {k} | {_md(v)} |" for k, v in info.hyperparameters.items() if v is not None and v != ""]
    else:
        lines.append("Not recorded (no run_info.json in the folder).")
    lines += ["", "## Evaluation", ""]
    if info.metrics:
        size = f", {info.num_examples:,} examples" if info.num_examples else ""
        lines += [f"Scores on the {info.metrics_split} split{size}, with MolT5's metrics as ada-t5 computes them "
                  "(greedy decoding, the paper's setting):", "", "| metric | value |", "|---|---|"]
        lines += [f"| {METRIC_NAMES[k]} | {'not computed' if v is None else f'{v:.4f}'} |"
                  for k, v in info.metrics.items()]
        lines += [""] + [f"* note: {_md(n)}" for n in info.metric_notes]
    else:
        lines.append("No metrics JSON was given.")
    if info.plots:
        lines += ["", "### Training curves", ""] + [f"![{Path(p).stem}]({p})" for p in info.plots]
    lines += ["", "## Usage", "", "With ada-t5 (`pip install` this repository):", "", "```python", "import ada_t5", "",
              f'model = ada_t5.load("{repo_id}")']
    if task == "mol2text":
        lines += ['print(model.caption(["CC(=O)OC1=CC=CC=C1C(=O)O"])[0].text)', "```", "", "```bash",
                  f'ada-t5 caption --model {repo_id} "CC(=O)OC1=CC=CC=C1C(=O)O"', "```"]
        example = "CC(=O)OC1=CC=CC=C1C(=O)O"
    else:
        lines += ['best = model.generate(["The molecule is a monocarboxylic acid ..."], n=5, rank_valid_first=True)[0]',
                  "print(best.smiles, best.valid)", "```", "", "```bash",
                  f'ada-t5 generate --model {repo_id} -n 5 --rank_valid_first "The molecule is ..."', "```"]
        example = "The molecule is a monocarboxylic acid ..."
    lines += ["", "With transformers alone:", "", "```python",
              "from transformers import AutoTokenizer, T5ForConditionalGeneration", "",
              f'tokenizer = AutoTokenizer.from_pretrained("{repo_id}")',
              f'model = T5ForConditionalGeneration.from_pretrained("{repo_id}")',
              f'inputs = tokenizer("{example}", return_tensors="pt")',
              "output = model.generate(**inputs, num_beams=1, max_new_tokens=512)",
              "print(tokenizer.decode(output[0], skip_special_tokens=True))", "```", "",
              "## Citation", "", "```bibtex", CITATION, "```", ""]
    return "\n".join(lines)


def _base_model(info: CardInfo) -> str:
    if info.base_model:
        link = f" ([Hub](https://huggingface.co/{info.base_model}))" if _is_hub_id(info.base_model) else ""
        return _md(info.base_model) + link
    if info.model_shape:
        return f"none: a fresh `{info.model_shape}` T5 v1.1 trained from scratch"
    return "not recorded"


def _is_hub_id(name: str) -> bool:
    """An ``owner/name`` repository (what the card's metadata may link), not a local folder."""
    from ada_t5.hub import looks_like_hub_id

    return "/" in name and looks_like_hub_id(name) and not os.path.exists(name)


def _md(value) -> str:
    """A value in a markdown table cell or list item: code-quoted, pipes escaped."""
    return "`" + str(value).replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


# ---------------------------------------------------------------------------------------------- publishing


@dataclass
class PushResult:
    repo_id: str
    folder: Path  # the staged folder (kept for a dry run)
    files: list[str]
    url: str | None = None  # the commit's URL (real push)


def stage(folder, target, card: str) -> list[str]:
    """Copy what belongs on the Hub from ``folder`` to ``target`` and write the card; the relative paths."""
    folder, target = Path(folder), Path(target)
    if not (folder / "config.json").is_file() or not (list(folder.glob("*.safetensors"))
                                                      or list(folder.glob("pytorch_model*.bin"))):
        raise HubPushError(f"{folder} is not a checkpoint folder (config.json and model weights expected)")
    if not (folder / "tokenizer.json").is_file() and not (folder / "spiece.model").is_file():
        raise HubPushError(f"{folder} has no tokenizer (tokenizer.json or spiece.model); save it beside the model")
    target.mkdir(parents=True, exist_ok=True)
    files = sorted({p for pattern in UPLOAD_PATTERNS for p in folder.glob(pattern) if p.is_file()})
    copied = []
    for path in files:
        relative = path.relative_to(folder)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        copied.append(relative.as_posix())
    (target / "README.md").write_text(card, encoding="utf-8")
    return sorted(copied + ["README.md"])


def check_can_push() -> str:
    """The token to push with; :class:`HubPushError` at once when the Hub cannot be used or none is set."""
    from huggingface_hub import get_token

    from ada_t5.hub import hub_unavailable_reason

    reason = hub_unavailable_reason()
    if reason:
        raise HubPushError(f"cannot push to the Hugging Face Hub: {reason}. Use --dry_run to write the upload "
                           "folder and model card locally, and push it later from a connected machine.")
    token = get_token()
    if not token:
        raise HubPushError("no Hugging Face token: set HF_TOKEN in the environment or run `hf auth login` "
                           "(tokens are never taken from the command line)")
    return token


def resolve_repo_id(hub_model_id: str | None, output_dir, token: str | None = None) -> str:
    """``owner/name`` for ``--push_to_hub``, found before training: ``--hub_model_id`` as given, or the
    output folder's name, under the token's user when no owner is named."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    name = hub_model_id or Path(output_dir).resolve().name
    if "/" not in name:
        from huggingface_hub import HfApi

        try:
            owner = HfApi(token=token).whoami()["name"]
        except Exception as error:  # noqa: BLE001 - network, bad token: one message for the user
            raise HubPushError(f"--push_to_hub: cannot find the token's user name to make {name!r} an owner/name "
                               f"repo id ({type(error).__name__}: {error}); pass --hub_model_id owner/name") from None
        name = f"{owner}/{name}"
    try:
        validate_repo_id(name)
    except HFValidationError as error:
        raise HubPushError(f"--hub_model_id {name!r} is not a valid Hub repo id: {error}") from None
    return name


def push(folder, repo_id: str, *, dry_run: bool = False, dry_run_dir=None, metrics=None, private: bool = False,
         commit_message: str = "Upload ada-t5 model", revision: str | None = None, **card_overrides) -> PushResult:
    """Stage ``folder`` with a generated card and upload it to ``repo_id`` (or only stage it: ``dry_run``)."""
    folder = Path(folder)
    if "/" not in repo_id and not dry_run:
        raise HubPushError(f"repo id {repo_id!r}: use owner/name (your user or organisation name, then the model's)")
    card = render_card(collect_info(folder, metrics=metrics, **card_overrides), repo_id)
    if dry_run:
        target = Path(dry_run_dir) if dry_run_dir else folder.parent / f"{folder.name}_hub_upload"
        if target.resolve() == folder.resolve():
            raise HubPushError("--dry_run_dir must differ from the checkpoint folder")
        if target.exists():
            shutil.rmtree(target)
        return PushResult(repo_id, target, stage(folder, target, card))
    token = check_can_push()
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="ada_t5_push_") as staging:
        files = stage(folder, staging, card)
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        commit = api.upload_folder(folder_path=staging, repo_id=repo_id, repo_type="model",
                                   commit_message=commit_message, revision=revision)
    url = getattr(commit, "commit_url", None) or str(commit)
    logger.info("pushed %d files to %s (%s)", len(files), repo_id, url)
    return PushResult(repo_id, folder, files, url)


def finish_finetune_run(result, model_args, data_args, training_args, *, push_to: str | None = None) -> Path:
    """End of fine-tuning: run_info.json and README.md into the output folder; with ``push_to`` (the repo id
    resolved before training) one upload of the best model, tokenizer, metrics and this card."""
    output_dir = Path(training_args.output_dir)
    write_run_info(output_dir, model_args, data_args, training_args, result)
    repo_id = push_to or training_args.hub_model_id or output_dir.name
    card_path = output_dir / "README.md"
    card_path.write_text(render_card(collect_info(output_dir), repo_id), encoding="utf-8")
    if push_to:
        pushed = push(output_dir, push_to, private=bool(getattr(training_args, "hub_private_repo", False)),
                      commit_message="ada-t5: final model, tokenizer, metrics and model card")
        logger.info("uploaded %s to https://huggingface.co/%s", output_dir, pushed.repo_id)
    return card_path
