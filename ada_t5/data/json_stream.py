"""The exact JSON reader: a document read value by value over a sliding text buffer, each value with the
physical line it starts on, so that a huge list never becomes one Python object and every bad row is
located. :mod:`ada_t5.data.json_files` uses it when its fast paths decline, and to find lines on demand."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator

from ada_t5.data.errors import DataFormatError
from ada_t5.data.raw import _not_utf8


_WS = re.compile(r"[ \t\n\r]*")
_STREAM_CHUNK = 1 << 24  # bytes read at a time by the exact (streaming) JSON path
_DECODER = json.JSONDecoder()


class _JsonStream:
    """Reads a JSON document value by value with ``raw_decode`` over a sliding text buffer, tracking the
    physical line, so a 753 MB list never exists as one Python object and every row knows its line."""

    def __init__(self, handle, label: str):
        self.handle = handle
        self.label = label
        self.chunk = _STREAM_CHUNK
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.bad_utf8 = False  # the text read so far holds undecodable bytes (as surrogates)

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(self.chunk)
        text = self.decoder.decode(data, final=not data)
        if not data:
            self.eof = True
        if not text:
            return not self.eof  # nothing new (a split character waits for more bytes); buffer untouched
        if not self.bad_utf8 and _not_utf8(text) is not None:
            self.bad_utf8 = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str | None:
        """The next non-whitespace character (not consumed), None at the end."""
        while True:
            end = _WS.match(self.buf, self.pos).end()
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return None

    def take(self) -> str:
        char = self.buf[self.pos]
        self.pos += 1
        return char

    def value(self):
        """Decode the value starting at the cursor; returns (value, line where it starts)."""
        start_line = self.line
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                # An error near the end of the buffer may only mean the value goes on in the next chunk;
                # one with a megabyte of text after it is real (no row is that long).
                if not self.eof and len(self.buf) - error.pos < (1 << 20) and self._more():
                    continue
                line = start_line + self.buf.count("\n", self.pos, error.pos)
                raise DataFormatError(f"{self.label}:{line}: not valid JSON: {error.msg}", path=self.label,
                                      line=line) from None
            if end >= len(self.buf) and not self.eof and self._more():
                continue  # a number or literal could continue in the next chunk
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return value, start_line

    def fail(self, message: str) -> DataFormatError:
        return DataFormatError(f"{self.label}:{self.line}: {message}", path=self.label, line=self.line)


def _json_rows(stream: _JsonStream) -> Iterator[tuple[object, int]]:
    """(row, line) for each element of a top-level list, or of the one list of objects in a top-level object."""
    first = stream.peek()
    if first == "[":
        stream.take()
        yield from _json_array(stream)
    elif first == "{":  # {"some key": [rows], ...}: the one list of objects is the rows
        stream.take()
        found = None
        while True:
            char = stream.peek()
            if char == "}":
                stream.take()
                break
            if char != '"':
                raise stream.fail(f"not valid JSON: expected a key, found {char!r}")
            key, _ = stream.value()
            if stream.peek() != ":":
                raise stream.fail("not valid JSON: expected ':'")
            stream.take()
            if stream.peek() == "[":
                stream.take()
                if stream.peek() == "{":
                    if found is not None:
                        raise stream.fail(f"the top-level object holds two lists of rows ({found!r} and {key!r}); "
                                          "expected one list of {\"smiles\", \"description\"} objects")
                    found = key
                    yield from _json_array(stream)
                else:
                    for _ in _json_array(stream):  # some other list: read past it
                        pass
            else:
                stream.value()
            char = stream.peek()
            if char == ",":
                stream.take()
            elif char != "}":
                raise stream.fail("not valid JSON: expected ',' or '}'")
        if found is None:
            raise DataFormatError(f"{stream.label}: a JSON object without a list of rows; expected a list of "
                                  "{\"smiles\": ..., \"description\": ...} objects", path=stream.label, line=1)
    elif first is None:
        raise DataFormatError(f"{stream.label}: empty file", path=stream.label)
    else:
        raise stream.fail(f"expected a JSON list of objects, found {first!r}")
    if stream.peek() is not None:
        raise stream.fail("unexpected data after the end of the JSON value")


def _json_array(stream: _JsonStream) -> Iterator[tuple[object, int]]:
    if stream.peek() == "]":
        stream.take()
        return
    while True:
        if stream.peek() is None:
            raise stream.fail("not valid JSON: the list is not closed")
        yield stream.value()
        char = stream.peek()
        if char == ",":
            stream.take()
        elif char == "]":
            stream.take()
            return
        else:
            raise stream.fail(f"not valid JSON: expected ',' or ']' after the object, found {char!r}")
