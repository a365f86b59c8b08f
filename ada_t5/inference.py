"""Use a trained checkpoint: ``ada_t5.load(path_or_hub_id)`` -> ``.caption(smiles)`` / ``.generate(texts)``.

Decoding is the paper's by default (greedy, up to 512 new tokens); beam search, sampling (``do_sample``,
``temperature``, ``top_p``), ``n`` candidates per input, ``repetition_penalty`` and ``no_repeat_ngram_size``
are options. Inputs are decoded in length-sorted batches (``ada_t5.decoding``),
on CUDA with bf16 autocast when available, else on the CPU, and returned in input order.

* Molecule generation returns every candidate canonicalized by RDKit (when it parses) with a validity flag;
  ``rank_valid_first=True`` moves valid candidates ahead of invalid ones, keeping the model's order within each.
* An input longer than ``max_source_length`` tokens (512, the paper's; task prefix and ``</s>`` counted) is
  cut to it, as in training: its result has ``truncated`` set and a ``warning`` saying how much the model
  read, and one log warning counts them.
* Input SMILES (captioning) are validated: ``on_invalid="raise"`` (default) stops with an
  :class:`InvalidInputError` naming every bad input and RDKit's reason; ``on_invalid="flag"`` returns a result
  with ``error`` set and no candidates for those inputs. ``canonicalize_inputs=True`` feeds RDKit's canonical
  SMILES to the model instead of the string as given.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ada_t5.errors import AdaT5Error
from ada_t5.tasks import TASK_NAMES

logger = logging.getLogger(__name__)

ON_INVALID = ("raise", "flag")


class InvalidInputError(AdaT5Error, ValueError):
    """Some inputs cannot be used; ``problems`` holds ``(index, input, reason)`` for each."""

    def __init__(self, kind: str, problems: list[tuple[int, str, str]]):
        self.problems = problems
        shown = "; ".join(f"#{i} {text!r}: {reason}" for i, text, reason in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} invalid {kind}: {shown}{more}. Pass on_invalid='flag' to get them "
                         "back flagged instead of this error.")


@dataclass
class Candidate:
    """One decoded sequence. For molecules ``text`` is RDKit's canonical SMILES when ``raw`` parses."""

    text: str
    raw: str
    valid: bool | None = None  # SMILES validity (generate); None for captions
    rank: int = 0  # position in the model's own order (0 = its best)


@dataclass
class Prediction:
    """The candidates for one input, best first; ``error`` says why an input was rejected (on_invalid='flag')."""

    input: str
    source: str | None  # what the model was given (canonicalized input, prefix excluded); None when rejected
    candidates: list[Candidate] = field(default_factory=list)
    error: str | None = None
    truncated: bool = False  # the model read only the first max_source_length tokens of this input
    warning: str | None = None  # why this result may be worse than the input deserves (e.g. truncated), or None
    # retrieval-augmented checkpoints: the pool rows the model was shown, nearest first
    neighbours: list[dict] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def text(self) -> str | None:
        """The best candidate's text (caption, or canonical SMILES when valid)."""
        return self.best.text if self.best else None

    @property
    def smiles(self) -> str | None:
        return self.text

    @property
    def valid(self) -> bool | None:
        return self.best.valid if self.best else None

    def to_dict(self) -> dict:
        return {"input": self.input, "source": self.source, "error": self.error, "truncated": self.truncated,
                "warning": self.warning,
                "candidates": [vars(c).copy() for c in self.candidates],
                "neighbours": [dict(n) for n in self.neighbours]}


def resolve_device(device: str | None = "auto"):
    import torch

    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class AdaT5:
    """A loaded checkpoint and its tokenizer, ready to caption molecules and design them from text."""

    def __init__(self, model, tokenizer, *, device="auto", task: str | None = None, task_prefix: str = "",
                 dtype: str = "auto", name: str = "", engine: bool = True, compile_decoder: bool = False,
                 augmenter=None):
        self.device = resolve_device(device) if isinstance(device, (str, type(None))) else device
        self.model = model.to(self.device).eval()
        self.model.generation_config.max_length = None  # max_new_tokens is always given; silence HF's clash warning
        self.tokenizer = tokenizer
        self.task = task  # what the checkpoint was fine-tuned for, when known (test_metrics.json / model card)
        self.task_prefix = task_prefix
        self.dtype = dtype
        self.name = name
        self.engine = engine  # continuous batching for greedy/sampling (ada_t5.decoding_engine)
        self.compile_decoder = compile_decoder
        self.augmenter = augmenter  # ada_t5.rag.Augmenter of a retrieval-augmented checkpoint, else None

    def __repr__(self) -> str:
        return f"AdaT5({self.name!r}, task={self.task}, device={self.device})"

    # ------------------------------------------------------------------ public

    def caption(self, smiles: str | Sequence[str], *, n: int = 1, num_beams: int = 1, do_sample: bool = False,
                temperature: float = 1.0, top_p: float = 1.0, repetition_penalty: float = 1.0,
                no_repeat_ngram_size: int = 0, stop_repeats: int = 0, max_new_tokens: int = 512,
                max_source_length: int = 512, batch_size: int = 32, on_invalid: str = "raise",
                canonicalize_inputs: bool = False, rank_by_facts: bool = False, seed: int | None = None,
                progress: bool = False) -> list[Prediction]:
        """Describe molecules (mol2text). One :class:`Prediction` per SMILES, ``n`` candidate captions each.

        ``rank_by_facts`` (with ``n`` >= 2): candidates ordered by how many stated facts RDKit refutes on the input
        molecule (:mod:`ada_t5.metrics.facts`), fewest first, the model's order among equals."""
        from ada_t5 import chem

        self._check_task("mol2text", "caption")
        items = _as_list(smiles)
        sources: list[str | None] = []
        problems = []
        for i, text in enumerate(items):
            reason = _smiles_problem(text)
            if reason:
                problems.append((i, text, reason))
                sources.append(None)
            else:
                sources.append(chem.canonical_smiles(text) if canonicalize_inputs else text)
        predictions = self._run(items, sources, problems, "SMILES", on_invalid, molecules=False, n=n,
                                num_beams=num_beams, do_sample=do_sample, temperature=temperature, top_p=top_p,
                                repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size,
                                stop_repeats=stop_repeats, max_new_tokens=max_new_tokens,
                                max_source_length=max_source_length, batch_size=batch_size, seed=seed,
                                progress=progress)
        if rank_by_facts:
            from ada_t5.metrics.facts import order_by_refuted_facts

            for prediction in predictions:
                if len(prediction.candidates) > 1:
                    order = order_by_refuted_facts([c.text for c in prediction.candidates], prediction.input)
                    prediction.candidates = [prediction.candidates[i] for i in order]
        return predictions

    def generate(self, descriptions: str | Sequence[str], *, n: int = 1, num_beams: int = 1,
                 do_sample: bool = False, temperature: float = 1.0, top_p: float = 1.0,
                 repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0, stop_repeats: int = 0,
                 max_new_tokens: int = 512, max_source_length: int = 512, batch_size: int = 32,
                 rank_valid_first: bool = False, on_invalid: str = "raise", seed: int | None = None,
                 progress: bool = False) -> list[Prediction]:
        """Design molecules from descriptions (text2mol). Candidates are canonical SMILES with a validity flag."""
        self._check_task("text2mol", "generate")
        items = _as_list(descriptions)
        problems = [(i, text, "empty description") for i, text in enumerate(items) if not str(text).strip()]
        bad = {i for i, _, _ in problems}
        sources = [None if i in bad else text for i, text in enumerate(items)]
        predictions = self._run(items, sources, problems, "descriptions", on_invalid, molecules=True, n=n,
                                num_beams=num_beams, do_sample=do_sample, temperature=temperature, top_p=top_p,
                                repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size,
                                stop_repeats=stop_repeats, max_new_tokens=max_new_tokens,
                                max_source_length=max_source_length, batch_size=batch_size, seed=seed,
                                progress=progress)
        if rank_valid_first:
            for prediction in predictions:
                prediction.candidates.sort(key=lambda c: (not c.valid, c.rank))
        return predictions

    def log_likelihood(self, sources: Sequence[str], targets: Sequence[str], *, batch_size: int = 64,
                       max_source_length: int = 512, progress: bool = False) -> list[float]:
        """The mean per-token log-probability (end-of-sequence token included) of each target given its source:
        how much the model believes a caption of a SMILES (mol2text) or a SMILES for a description (text2mol).
        Sources go through what generation applies (task prefix, molecule format, retrieval augmentation);
        text2mol targets are converted to the checkpoint's molecule format. Used to rerank candidates."""
        import torch

        sources, targets = _as_list(sources), _as_list(targets)
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        if not sources:
            return []
        from ada_t5.molecule_format import smiles_to_selfies, to_model_format

        task = self.task or ("mol2text" if all(_smiles_problem(s) is None for s in sources[:20]) else "text2mol")
        molecule_format = getattr(self.model.config, "molecule_format", "smiles")
        distinct = list(dict.fromkeys(sources))  # retrieval and format conversion once per distinct source
        model_sources, _ = to_model_format(distinct, task, molecule_format)
        if self.augmenter is not None:
            model_sources, _ = self.augmenter(model_sources)
        source_of = dict(zip(distinct, model_sources))
        if task == "text2mol" and molecule_format == "selfies":
            targets = [smiles_to_selfies(t)[0] or t for t in targets]
        order = sorted(range(len(sources)), key=lambda i: len(targets[i]))  # less padding per batch
        scores = [0.0] * len(sources)
        pad = self.tokenizer.pad_token_id
        batches = range(0, len(order), batch_size)
        if progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="scoring candidates")
        with torch.inference_mode():
            for start in batches:
                rows = order[start:start + batch_size]
                encoded = self.tokenizer([self.task_prefix + source_of[sources[i]] for i in rows], padding=True,
                                         truncation=True, max_length=max_source_length, return_tensors="pt")
                labels = self.tokenizer([targets[i] for i in rows], padding=True, return_tensors="pt")["input_ids"]
                labels = labels.masked_fill(labels == pad, -100).to(self.device)
                logits = self.model(input_ids=encoded["input_ids"].to(self.device),
                                    attention_mask=encoded["attention_mask"].to(self.device),
                                    labels=labels).logits.float()
                mask = labels != -100
                picked = torch.log_softmax(logits, -1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
                means = (picked * mask).sum(-1) / mask.sum(-1).clamp(min=1)
                for i, value in zip(rows, means.tolist()):
                    scores[i] = value
        return scores

    # ------------------------------------------------------------------ internals

    def settings(self, *, n: int, num_beams: int, do_sample: bool, temperature: float, top_p: float,
                 max_new_tokens: int, batch_size: int, repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0,
                 stop_repeats: int = 0, max_source_length: int = 512):
        """The `GenerationSettings` for these options; ``n`` > ``num_beams`` without sampling widens the beam."""
        from ada_t5.decoding import GenerationSettings

        if n < 1 or num_beams < 1 or batch_size < 1 or max_new_tokens < 1 or max_source_length < 1:
            raise ValueError("n, num_beams, batch_size, max_new_tokens and max_source_length must be at least 1")
        if not do_sample and num_beams < n:
            num_beams = n  # n distinct candidates from deterministic decoding need a beam at least n wide
        return GenerationSettings(max_new_tokens=max_new_tokens, num_beams=num_beams, num_return_sequences=n,
                                  do_sample=do_sample, temperature=temperature, top_p=top_p,
                                  repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size,
                                  batch_size=batch_size, max_source_length=max_source_length,
                                  prefix=self.task_prefix, dtype=self.dtype,
                                  engine=self.engine, stop_repeats=stop_repeats, compile_decoder=self.compile_decoder)

    def _run(self, items, sources, problems, kind, on_invalid, *, molecules: bool, seed, progress, **options):
        from ada_t5.decoding import generate_texts

        if on_invalid not in ON_INVALID:
            raise ValueError(f"on_invalid must be one of {ON_INVALID}, not {on_invalid!r}")
        settings = self.settings(**options)  # option errors come before input errors
        if problems and on_invalid == "raise":
            raise InvalidInputError(kind, problems)
        reasons = {i: reason for i, _, reason in problems}
        todo = [i for i, source in enumerate(sources) if source is not None]
        if seed is not None:
            from transformers import set_seed

            set_seed(seed)
        from ada_t5.molecule_format import from_model_format, to_model_format

        task = "text2mol" if molecules else "mol2text"
        molecule_format = getattr(self.model.config, "molecule_format", "smiles")
        model_sources, notes = to_model_format([sources[i] for i in todo], task, molecule_format)
        from ada_t5.molecule_format import constrain_to_selfies

        settings = constrain_to_selfies(settings, self.tokenizer, task, molecule_format)
        for note in notes:
            logger.warning("%s", note)
        found = [[] for _ in todo]
        if self.augmenter is not None and todo:
            model_sources, found = self.augmenter(model_sources)
            sources = list(sources)
            for i, augmented in zip(todo, model_sources):
                sources[i] = augmented
        neighbours = dict(zip(todo, found))
        cut = _truncated(self.tokenizer, todo, model_sources, settings)
        decoded = generate_texts(self.model, self.tokenizer, model_sources, settings,
                                 progress=progress, desc="captioning" if not molecules else "generating")
        decoded = from_model_format(decoded, task, molecule_format)
        by_index = dict(zip(todo, decoded))
        predictions = []
        for i, text in enumerate(items):
            if i in reasons:
                predictions.append(Prediction(input=text, source=None, error=reasons[i]))
                continue
            candidates = [_candidate(raw, rank, molecules) for rank, raw in enumerate(by_index[i])]
            predictions.append(Prediction(input=text, source=sources[i], candidates=candidates,
                                          neighbours=[vars(n).copy() for n in neighbours[i]],
                                          truncated=i in cut, warning=cut.get(i)))
        return predictions

    def _check_task(self, wanted: str, method: str) -> None:
        if self.task and self.task != wanted:
            logger.warning("%s was fine-tuned for %s; %s() asks it for %s", self.name or "this checkpoint",
                           self.task, method, wanted)


def _truncated(tokenizer, todo: list[int], model_sources: list[str], settings) -> dict[int, str]:
    """{input index: warning} for the inputs the model will read only in part, and one log line counting them.

    Generation cuts every source to ``settings.max_source_length`` tokens as training did; without this the
    cut is silent and a caption of half a molecule looks like a caption of the whole one.
    """
    from ada_t5.decoding import source_lengths

    limit = settings.max_source_length
    cut = {i: f"input truncated: the model read the first {limit:,} of its {length:,} tokens"
           for i, length in zip(todo, source_lengths(tokenizer, model_sources, settings)) if length > limit}
    if cut:
        logger.warning("%d of %d inputs are longer than the source limit (%d tokens) and were truncated; their "
                       "results carry a warning", len(cut), len(todo), limit)
    return cut


def _as_list(values) -> list[str]:
    if isinstance(values, str):
        return [values]
    values = list(values)
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"inputs must be strings, got {type(value).__name__}: {value!r}")
    return values


def _smiles_problem(smiles: str) -> str | None:
    from ada_t5 import chem

    if not smiles.strip():
        return "empty SMILES"
    if chem.is_valid_smiles(smiles):
        return None
    return chem.smiles_error(smiles) or "rejected by RDKit"


def _candidate(raw: str, rank: int, molecules: bool) -> Candidate:
    if not molecules:
        return Candidate(text=raw, raw=raw, valid=None, rank=rank)
    from ada_t5 import chem

    canonical = chem.canonical_smiles(raw)  # None for '' and for anything RDKit rejects
    return Candidate(text=canonical if canonical is not None else raw, raw=raw, valid=canonical is not None,
                     rank=rank)


def checkpoint_task(path: str | os.PathLike) -> str | None:
    """The task a local fine-tuning output was trained for (``run_info.json`` or ``test_metrics.json``)."""
    folder = Path(path)
    for name in ("run_info.json", "test_metrics.json"):
        file = folder / name
        if file.is_file():
            try:
                task = json.loads(file.read_text(encoding="utf-8")).get("task")
            except (ValueError, AttributeError):
                continue
            if task in TASK_NAMES:
                return task
    return None


def load(path_or_hub_id: str | os.PathLike, *, device: str = "auto", dtype: str = "auto", task_prefix: str = "",
         tokenizer: str | None = None, engine: bool = True, compile_decoder: bool = False) -> AdaT5:
    """Load a checkpoint (local folder or Hub id) and its tokenizer; CUDA when available, else the CPU.

    ``dtype``: ``auto`` (bf16 autocast on a bf16-capable GPU, fp32 otherwise), ``bf16`` or ``fp32``.
    ``tokenizer``: a different tokenizer folder / Hub id (default: the checkpoint's own).
    ``engine``: decode greedy/sampling on the continuous-batching engine (False: batched ``model.generate``);
    ``compile_decoder``: ``torch.compile`` its fixed-shape decoder step (CUDA graphs on a GPU).
    Errors (missing folder, uncached Hub id with the Hub unreachable) name the checkpoint and what to do.
    """
    from ada_t5.modeling import load_pretrained_model
    from ada_t5.tokenization import load_tokenizer

    name = os.fspath(path_or_hub_id)
    tok = load_tokenizer(tokenizer or name)
    model = load_pretrained_model(name, tok)
    task = checkpoint_task(name) if os.path.isdir(name) else None
    augmenter = None
    if os.path.isdir(name):  # a retrieval-augmented checkpoint carries its pool
        from ada_t5.rag import Augmenter

        augmenter = Augmenter.from_checkpoint(name)
        task = task or (augmenter.task if augmenter else None)
    return AdaT5(model, tok, device=device, task=task, task_prefix=task_prefix, dtype=dtype, name=name, engine=engine,
                 compile_decoder=compile_decoder, augmenter=augmenter)
