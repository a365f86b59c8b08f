"""Build tests/data/nltk_wordnet_subset (corpora/wordnet.zip): the WordNet 3.0 lines NLTK's METEOR reads for some words.

METEOR's synonym stage calls ``wordnet.synsets(word)`` for words of the captions and keeps only the lemma names.
For that, NLTK's reader needs, per word and part of speech: the exception-list line whose key is the word, the
index lines of every form ``_morphy`` finds (whole: all their synsets load), and those synsets' data lines.
Loading a synset also names it (``lemma.pos.NN``: the synset's place in its first lemma's index line), so that
first lemma needs an index line too; an adjective satellite also loads its head synset (its ``&`` pointer) to
build lemma keys. Following every such line whole would pull in 8,800 synsets (2.2 MB: "break" alone has 59
verb senses), so a first lemma that is not itself a looked-up form gets its index line cut to the kept synsets.
Its synsets can then carry another sense number in their names than in the full WordNet; METEOR never reads
names, and a looked-up form's synsets keep theirs.

The data files are rewritten: the kept synset lines in WordNet's order, offsets renumbered to the new byte
positions (NLTK seeks to the offset and checks the line starts with it), pointers to synsets not kept dropped.
Index lines and ``index.sense`` (NLTK's stock reader reads it on start-up) carry the renumbered offsets. The
licence header of every index/data file, ``LICENSE`` and ``lexnames`` are copied unchanged. Members and dates are fixed,
so a rebuild gives the same bytes (tests/metrics/test_meteor.py compares the members).

    python tests/data/build_wordnet_subset.py ../shared/data/nltk_wordnet/nltk_data tests/data/nltk_wordnet_subset

The words are the SciBERT tokens of both caption columns of tests/data/molt5/smiles2caption_example.txt, plus
``molecule`` (ada_t5's WordNet loader checks that word to detect a broken reader). It ends by checking that every
word's synsets (their lemma names, in order) are the same in the subset as in the full WordNet.
"""

from __future__ import annotations

import argparse
import csv
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUFFIX = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}  # part of speech -> file suffix
COPIED = ("LICENSE", "lexnames")
CHECK_WORD = "molecule"


def golden_words(examples: Path = HERE / "molt5" / "smiles2caption_example.txt",
                 vocab: Path = HERE / "scibert_scivocab_uncased" / "vocab.txt") -> list[str]:
    """Every SciBERT token of the example file's outputs and references (as METEOR sees them), sorted."""
    from ada_t5.metrics.resources import load_text_tokenizer

    with open(examples, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    tokenizer, _ = load_text_tokenizer(str(vocab))
    texts = [row["output"] for row in rows] + [row["ground truth"] for row in rows]
    return sorted({token.lower() for tokens in tokenizer.tokenize_batch(texts) for token in tokens} | {CHECK_WORD})


def _read_files(wordnet: Path) -> dict[str, bytes]:
    """``wordnet``: an NLTK data folder holding corpora/wordnet.zip or corpora/wordnet/."""
    folder, archive = wordnet / "corpora" / "wordnet", wordnet / "corpora" / "wordnet.zip"
    names = [f"{kind}.{suffix}" for kind in ("index", "data") for suffix in ("noun", "verb", "adj", "adv")]
    names += [f"{suffix}.exc" for suffix in ("noun", "verb", "adj", "adv")] + list(COPIED) + ["index.sense"]
    if folder.is_dir():
        return {name: (folder / name).read_bytes() for name in names}
    with zipfile.ZipFile(archive) as zipped:
        return {name: zipped.read(f"wordnet/{name}") for name in names}


def _split_header(text: bytes) -> tuple[bytes, list[bytes]]:
    """The licence header (lines starting with two spaces) and the entry lines."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and lines[count].startswith(b"  "):
        count += 1
    return b"".join(lines[:count]), lines[count:]


def _data_line_parts(line: bytes) -> tuple[list[bytes], list[list[bytes]], list[bytes], bytes]:
    """(offset, lex_filenum, ss_type, w_cnt, words...), pointers, the rest (verb frames), ' | gloss...'."""
    head, sep, gloss = line.partition(b" | ")
    tokens = head.split(b" ")
    n_words = int(tokens[3], 16)
    start = 4 + 2 * n_words
    n_pointers = int(tokens[start])
    pointers = [tokens[start + 1 + 4 * i: start + 5 + 4 * i] for i in range(n_pointers)]
    return tokens[:start], pointers, tokens[start + 1 + 4 * n_pointers:], sep + gloss


def _first_lemma(line: bytes) -> str:
    name = line.split(b" ", 5)[4].decode()
    return name.split("(", 1)[0].lower()  # NLTK strips an adjective's syntactic marker, e.g. "(a)", and lowercases


class _Closure:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.index: dict[str, dict[str, bytes]] = {}
        self.data: dict[str, dict[int, bytes]] = {}
        for suffix in ("noun", "verb", "adj", "adv"):
            _, lines = _split_header(files[f"index.{suffix}"])
            self.index[suffix] = {line.split(b" ", 1)[0].decode(): line for line in lines}
            _, lines = _split_header(files[f"data.{suffix}"])
            self.data[suffix] = {int(line[:8]): line for line in lines}
        self.whole: dict[str, set[str]] = {suffix: set() for suffix in self.index}  # looked-up forms
        self.naming: dict[str, set[str]] = {suffix: set() for suffix in self.index}  # first lemmas only
        self.kept_data: dict[str, set[int]] = {suffix: set() for suffix in self.data}
        self._pending: list[tuple[str, int]] = []

    def add_form(self, lemma: str, suffix: str) -> None:
        if lemma in self.whole[suffix]:
            return
        self.whole[suffix].add(lemma)
        self._pending += [(suffix, offset) for offset in _index_offsets(self.index[suffix][lemma])]

    def close(self) -> None:
        while self._pending:
            suffix, offset = self._pending.pop()
            if offset in self.kept_data[suffix]:
                continue
            self.kept_data[suffix].add(offset)
            line = self.data[suffix][offset]
            self.naming[suffix].add(_first_lemma(line))
            head, pointers, _, _ = _data_line_parts(line)
            if head[2] == b"s":  # a satellite's lemma keys read its head synset's first lemma
                similar = [p for p in pointers if p[0] == b"&"]
                self._pending.append((SUFFIX[similar[0][2].decode()], int(similar[0][1])))


def _index_offsets(line: bytes) -> list[int]:
    fields = line.split()
    n_synsets, n_pointers = int(fields[2]), int(fields[3])
    return [int(offset) for offset in fields[6 + n_pointers: 6 + n_pointers + n_synsets]]


def _index_line(line: bytes, kept: set[int], new_offsets: dict[int, int]) -> bytes:
    """``lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offsets...``, cut to ``kept``."""
    fields = line.rstrip(b" \n").split(b" ")
    n_pointers = int(fields[3])
    start = 6 + n_pointers
    offsets = [offset for offset in _index_offsets(line) if offset in kept]
    count = len(offsets)
    fields[2] = fields[4 + n_pointers] = b"%d" % count
    fields[5 + n_pointers] = b"%d" % min(count, int(fields[5 + n_pointers]))  # senses tagged: NLTK ignores it
    fields[start:] = [b"%08d" % new_offsets[offset] for offset in offsets]
    return b" ".join(fields) + b"  \n"


def _renumber(closure: _Closure, files: dict[str, bytes]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    new_offsets: dict[str, dict[int, int]] = {}
    rendered: dict[str, list[tuple[int, list[bytes], list[list[bytes]], list[bytes], bytes]]] = {}
    for suffix, kept in closure.kept_data.items():
        header, _ = _split_header(files[f"data.{suffix}"])
        position, mapping, lines = len(header), {}, []
        for offset in sorted(kept):  # WordNet's own order
            head, pointers, rest, gloss = _data_line_parts(closure.data[suffix][offset])
            pointers = [p for p in pointers if int(p[1]) in closure.kept_data[SUFFIX[p[2].decode()]]]
            mapping[offset] = position
            lines.append((offset, head, pointers, rest, gloss))
            # every offset is 8 digits, so the length is known before the new numbers are
            position += len(b" ".join(head + [b"%03d" % len(pointers)] + [b" ".join(p) for p in pointers] + rest))
            position += len(gloss)
        new_offsets[suffix], rendered[suffix] = mapping, lines
    for suffix, lines in rendered.items():
        header, _ = _split_header(files[f"data.{suffix}"])
        body = []
        for offset, head, pointers, rest, gloss in lines:
            head = [b"%08d" % new_offsets[suffix][offset]] + head[1:]
            pointers = [[p[0], b"%08d" % new_offsets[SUFFIX[p[2].decode()]][int(p[1])], p[2], p[3]] for p in pointers]
            body.append(b" ".join(head + [b"%03d" % len(pointers)] + [b" ".join(p) for p in pointers] + rest) + gloss)
        out[f"data.{suffix}"] = header + b"".join(body)
        assert all(out[f"data.{suffix}"][new:new + 8] == b"%08d" % new for new in new_offsets[suffix].values())
    for suffix in closure.index:
        header, lines = _split_header(files[f"index.{suffix}"])
        kept = closure.kept_data[suffix]
        out[f"index.{suffix}"] = header + b"".join(
            _index_line(line, kept, new_offsets[suffix]) for line in lines
            if line.split(b" ", 1)[0].decode() in closure.whole[suffix] | closure.naming[suffix])
    out["index.sense"] = b"".join(_sense_line(line, new_offsets)
                                  for line in files["index.sense"].splitlines(keepends=True)
                                  if _sense_target(line)[1] in closure.kept_data[_sense_target(line)[0]])
    return out


def _sense_target(line: bytes) -> tuple[str, int]:
    """``sense_key offset sense_number tag_cnt``: the key's ss_type digit names the data file."""
    key, offset = line.split(b" ", 2)[:2]
    ss_type = int(key.split(b"%")[1][:1])
    return ("noun", "verb", "adj", "adv", "adj")[ss_type - 1], int(offset)


def _sense_line(line: bytes, new_offsets: dict[str, dict[int, int]]) -> bytes:
    suffix, offset = _sense_target(line)
    key, _, rest = line.split(b" ", 2)
    return b" ".join([key, b"%08d" % new_offsets[suffix][offset], rest])


def build(wordnet: Path, output: Path, words: list[str]) -> dict[str, int]:
    """Write the subset for ``words`` to ``output``/corpora/wordnet.zip; returns each file's size in bytes."""
    from ada_t5.metrics.meteor import load_wordnet
    from ada_t5.metrics.resources import find_wordnet

    location = find_wordnet(str(wordnet))
    if location is None:
        raise SystemExit(f"error: no WordNet under {wordnet}")
    reader = load_wordnet(location, fast=False)  # NLTK's own _morphy decides which forms are looked up
    files = _read_files(wordnet)
    closure = _Closure(files)
    exceptions: dict[str, set[str]] = {suffix: set() for suffix in ("noun", "verb", "adj", "adv")}
    for word in words:
        for pos in ("n", "v", "a", "r"):  # NLTK's POS_LIST
            if word in reader._exception_map[pos]:
                exceptions[SUFFIX[pos]].add(word)
            for form in reader._morphy(word, pos):
                closure.add_form(form, SUFFIX[pos])
    closure.close()
    out = _renumber(closure, files)
    for suffix, keys in exceptions.items():
        out[f"{suffix}.exc"] = b"".join(line for line in files[f"{suffix}.exc"].splitlines(keepends=True)
                                        if line.split(b" ", 1)[0].decode() in keys)
    for name in COPIED:
        out[name] = files[name]
    # zipped as NLTK's own download is: NLTK's finder prefers an unzipped corpora/wordnet on ANY search path to a
    # zip, so an unzipped subset would become the `nltk.corpus.wordnet` of the whole process once ada_t5 adds
    # its folder to nltk.data.path (seen: a later literal-MolT5 METEOR scored against the subset)
    target = output / "corpora" / "wordnet.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, content in sorted(out.items()):
            zipped.writestr(zipfile.ZipInfo(f"wordnet/{name}", date_time=(2006, 12, 1, 0, 0, 0)), content,
                            compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return {name: len(content) for name, content in sorted(out.items())}


def synset_view(nltk_data: Path, words: list[str], *, fast: bool) -> dict[str, list[list[str]]]:
    """Each word's synsets as NLTK returns them, as their lemma names (what METEOR reads), in order."""
    from ada_t5.metrics.meteor import load_wordnet
    from ada_t5.metrics.resources import find_wordnet

    reader = load_wordnet(find_wordnet(str(nltk_data)), fast=fast)
    return {word: [[lemma.name() for lemma in synset.lemmas()] for synset in reader.synsets(word)] for word in words}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wordnet", type=Path, help="NLTK data folder holding corpora/wordnet.zip (full WordNet 3.0)")
    parser.add_argument("output", type=Path, help="NLTK data folder to write corpora/wordnet.zip into")
    args = parser.parse_args(argv)
    words = golden_words()
    sizes = build(args.wordnet, args.output, words)
    for name, size in sizes.items():
        print(f"{size:>8,}  {name}")
    print(f"{sum(sizes.values()):>8,}  total for {len(words)} words")
    for fast in (False, True):
        if synset_view(args.output, words, fast=fast) != synset_view(args.wordnet, words, fast=fast):
            print("error: the subset's synsets differ from the full WordNet's", file=sys.stderr)
            return 1
    print("every word's synsets (their lemma names, in order) equal the full WordNet's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
