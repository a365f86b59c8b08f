"""METEOR as MolT5's ``text_translation_metrics.py`` computes it: ``nltk.translate.meteor_score.meteor_score(
[reference_tokens], hypothesis_tokens)`` on SciBERT tokens, averaged with ``np.mean``.

NLTK's own function does the scoring; what changes is the cost around it, never the arithmetic:

* WordNet loads in ~1 s instead of ~4.5 s: NLTK 3.10's reader also builds a WordNet-3.0-to-OMW sense map that
  English ``synsets()`` never reads, and parses the index files through a slow pure-Python stream. A subclass
  skips the first and reads through ``io`` (same files, same maps; tests/metrics/test_text.py compares them).
* the Porter stemmer and ``wordnet.synsets`` are memoised per word (both are pure functions of the word) and
  passed to ``meteor_score`` through its ``stemmer=`` / ``wordnet=`` parameters.
* rows can be split across worker processes, each loading WordNet once and keeping it for later calls.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ada_t5.metrics.resources import WordNetLocation

logger = logging.getLogger(__name__)

_READERS: dict[WordNetLocation, Any] = {}
_SCORERS: dict[WordNetLocation, _MeteorScorer] = {}
_LOCK = threading.Lock()


def _fast_reader_class() -> type:
    from nltk.corpus.reader.wordnet import ADJ, ADJ_SAT, WordNetCorpusReader

    class FastWordNetCorpusReader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            return None  # the OMW sense map: only multilingual lookups read it

        def open(self, file: str) -> io.TextIOWrapper:
            # whole file in memory behind a C-level text stream; seek() takes the byte offsets WordNet stores
            with self._root.join(file).open() as raw:
                data = raw.read()
            return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")

        def _load_lemma_pos_offset_map(self) -> None:
            lemma_map = self._lemma_pos_offset_map
            satellites = self.satellite_offsets
            for suffix in self._FILEMAP.values():
                with self.open(f"index.{suffix}") as handle:
                    for line in handle:
                        if line.startswith(" "):
                            continue
                        fields = line.split()
                        n_synsets, n_pointers = int(fields[2]), int(fields[3])
                        start = 6 + n_pointers  # lemma pos n_synsets n_pointers ptrs... n_senses n_tagged offsets...
                        offsets = [int(x) for x in fields[start:start + n_synsets]]
                        lemma_map[fields[0]][fields[1]] = offsets
                        if fields[1] == ADJ:
                            lemma_map[fields[0]][ADJ_SAT] = [o for o in offsets if o in satellites]

    return FastWordNetCorpusReader


def load_wordnet(location: WordNetLocation, *, fast: bool = True) -> Any:
    """A WordNet corpus reader for ``location``, loaded once per process."""
    with _LOCK:
        reader = _READERS.get(location) if fast else None
        if reader is not None:
            return reader
        import nltk.data
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        # NLTK 3.10 only opens corpus files below a folder of nltk.data.path. Appended, not put first: first
        # would make this folder the WordNet that `nltk.corpus.wordnet` (any other code in the process) loads.
        if location.nltk_data not in nltk.data.path:
            nltk.data.path.append(location.nltk_data)
        resource = "corpora/wordnet.zip/wordnet/" if location.zipped else "corpora/wordnet/"
        root = nltk.data.find(resource, paths=[location.nltk_data])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": English only here
            if fast:
                try:
                    reader = _fast_reader_class()(root, None)
                    if not reader.synsets("molecule"):
                        raise RuntimeError("empty synsets")
                except Exception as error:  # noqa: BLE001 - a future NLTK may change the internals; the stock reader still works
                    logger.warning("fast WordNet loading failed (%s); using NLTK's reader", error)
                    reader = WordNetCorpusReader(root, None)
            else:
                reader = WordNetCorpusReader(root, None)
        if fast:
            _READERS[location] = reader
        return reader


class _MemoStemmer:
    def __init__(self) -> None:
        from nltk.stem.porter import PorterStemmer

        self._stemmer = PorterStemmer()  # meteor_score's default stemmer
        self._memo: dict[str, str] = {}

    def stem(self, word: str) -> str:
        stem = self._memo.get(word)
        if stem is None:
            stem = self._memo[word] = self._stemmer.stem(word)
        return stem


class _Names:
    """Stands in for a WordNet synset/lemma: METEOR only reads ``synset.lemmas()`` and ``lemma.name()``."""

    __slots__ = ("_items",)

    def __init__(self, items: tuple) -> None:
        self._items = items

    def lemmas(self) -> tuple:
        return self._items

    def name(self) -> str:
        return self._items


class _MemoWordNet:
    """``synsets(word)`` memoised as one pseudo-synset holding the distinct lemma names of all its synsets.

    ``_enum_wordnetsyn_match`` turns the synsets into the set of their lemma names (plus the word), so this gives
    the identical set while skipping thousands of duplicate Lemma objects per row.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._memo: dict[str, list] = {}

    def synsets(self, word: str) -> list:
        synsets = self._memo.get(word)
        if synsets is None:
            names = dict.fromkeys(lemma.name() for synset in self._reader.synsets(word) for lemma in synset.lemmas())
            synsets = self._memo[word] = [_Names(tuple(_Names(name) for name in names))] if names else []
        return synsets


class _MeteorScorer:
    def __init__(self, location: WordNetLocation) -> None:
        from nltk.translate.meteor_score import meteor_score

        self._meteor_score = meteor_score
        self._stemmer = _MemoStemmer()
        self._wordnet = _MemoWordNet(load_wordnet(location))

    def __call__(self, references: Sequence[list[str]], hypotheses: Sequence[list[str]]) -> list[float]:
        return [float(self._meteor_score([reference], hypothesis, stemmer=self._stemmer, wordnet=self._wordnet))
                for reference, hypothesis in zip(references, hypotheses)]


def _scorer(location: WordNetLocation) -> _MeteorScorer:
    with _LOCK:
        scorer = _SCORERS.get(location)
    if scorer is None:
        scorer = _MeteorScorer(location)
        with _LOCK:
            scorer = _SCORERS.setdefault(location, scorer)
    return scorer


def warm_up(location: WordNetLocation) -> bool:
    """Import NLTK and load WordNet (run in pool workers while the parent tokenizes)."""
    _scorer(location)
    return True


def meteor_chunk(location: WordNetLocation, references: Sequence[list[str]],
                 hypotheses: Sequence[list[str]]) -> list[float]:
    return _scorer(location)(references, hypotheses)


def meteor_workers(num_proc: int, rows: int) -> int:
    """Worker processes for METEOR: the parent keeps one CPU for BLEU/ROUGE meanwhile; none for small inputs."""
    from ada_t5.metrics import parallel

    if num_proc <= 1 or rows < parallel.MIN_ROWS_PER_WORKER * 2:
        return 0
    return max(1, num_proc - 1)


def warm_up_workers(location: WordNetLocation, workers: int) -> None:
    """Have the METEOR workers import NLTK and load WordNet while the parent tokenizes (no-op when warm)."""
    from ada_t5.metrics import parallel

    for _ in range(workers):
        parallel.submit(warm_up, (location,), workers, pool="meteor")


def start_meteor(references: Sequence[list[str]], hypotheses: Sequence[list[str]], location: WordNetLocation,
                 *, workers: int = 0) -> Callable[[], list[float]]:
    """Start per-row METEOR (in ``workers`` processes, or in-process for 0); call the result to wait for it."""
    from ada_t5.metrics import parallel

    if workers < 1:
        return lambda: meteor_chunk(location, references, hypotheses)
    chunks = parallel.split_evenly(len(hypotheses), workers)
    pending = parallel.start_jobs([(meteor_chunk, (location, references[a:b], hypotheses[a:b]))
                                   for a, b in chunks], workers, pool="meteor", min_jobs=1)
    return lambda: [score for chunk in pending.results() for score in chunk]

