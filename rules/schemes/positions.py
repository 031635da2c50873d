"""Where each key of a TOML text sits: a light scan of the text, because tomllib gives no positions.

``key_positions(text)`` maps a data path, as tomllib would build it (``("categories", 2, "items", 0,
"max")``), to the (line, column) of its key, table header or array element, both 1-based. It assumes the
text is valid TOML (tomllib read it first); on anything it does not understand it stops and returns what
it has, so a caller falls back to the nearest enclosing table it knows.
"""
from __future__ import annotations

import bisect
import re

Path = tuple  # of str | int

_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str):
        self.t = text
        self.n = len(text)
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.pos: dict[Path, tuple[int, int]] = {}
        self.aot: dict[Path, int] = {}  # array-of-tables path -> elements seen

    def at(self, i: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, i)
        return line, i - self.starts[line - 1] + 1

    def mark(self, path: Path, i: int) -> None:
        self.pos.setdefault(path, self.at(i))

    # -- lexical helpers -------------------------------------------------------------------------

    def skip_space(self, newlines: bool) -> None:
        t = self.t
        while self.i < self.n:
            c = t[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#":
                end = t.find("\n", self.i)
                self.i = self.n if end < 0 else end
            else:
                return

    def string(self) -> str:
        t, i = self.t, self.i
        if t.startswith('"""', i) or t.startswith("'''", i):
            quote = t[i:i + 3]
            j = i + 3
            while True:
                if quote == '"""' and t[j] == "\\":
                    j += 2
                    continue
                if t.startswith(quote, j):
                    break
                j += 1
            end = j + 3
            while end < self.n and t[end] == quote[0] and end - j < 5:  # """a"""" : up to two quotes end the text
                end += 1
            self.i = end
            return t[i + 3:end - 3]
        quote = t[i]
        j = i + 1
        while t[j] != quote:
            j += 2 if (quote == '"' and t[j] == "\\") else 1
        self.i = j + 1
        return t[i + 1:j]

    def key(self) -> list[tuple[str, int]]:
        """A dotted key: its parts, each with the index where it starts."""
        parts = []
        while True:
            self.skip_space(False)
            start = self.i
            if self.t[self.i] in "\"'":
                parts.append((self.string(), start))
            else:
                m = _BARE.match(self.t, self.i)
                if not m:
                    raise ValueError(f"no key at {self.at(self.i)}")
                parts.append((m.group(), start))
                self.i = m.end()
            self.skip_space(False)
            if self.i < self.n and self.t[self.i] == ".":
                self.i += 1
                continue
            return parts

    # -- structure -------------------------------------------------------------------------------

    def resolve(self, parts: list[str]) -> Path:
        """A header's path: every array of tables on the way stands for its last element."""
        path: Path = ()
        for part in parts:
            path = path + (part,)
            if path in self.aot:
                path = path + (self.aot[path] - 1,)
        return path

    def run(self) -> dict[Path, tuple[int, int]]:
        table: Path = ()
        while True:
            self.skip_space(True)
            if self.i >= self.n:
                return self.pos
            start = self.i
            if self.t.startswith("[[", self.i):
                self.i += 2
                parts = [p for p, _ in self.key()]
                self.i += 2  # ]]
                parent = self.resolve(parts[:-1])
                array = parent + (parts[-1],)
                self.mark(array, start)
                count = self.aot.get(array, 0)
                self.aot[array] = count + 1
                table = array + (count,)
                self.mark(table, start)
            elif self.t[self.i] == "[":
                self.i += 1
                parts = [p for p, _ in self.key()]
                self.i += 1  # ]
                table = self.resolve(parts)
                for k in range(1, len(table) + 1):  # [facts.x] also places the implicit [facts]
                    self.mark(table[:k], start)
            else:
                self.pair(table)

    def pair(self, table: Path) -> None:
        parts = self.key()
        path = table
        for name, where in parts:
            path = path + (name,)
            self.mark(path, where)
        self.skip_space(False)
        self.i += 1  # =
        self.skip_space(False)
        self.value(path)

    def value(self, path: Path) -> None:
        t = self.t
        c = t[self.i]
        if c in "\"'":
            self.string()
        elif c == "[":
            self.i += 1
            index = 0
            while True:
                self.skip_space(True)
                if t[self.i] == "]":
                    self.i += 1
                    return
                self.mark(path + (index,), self.i)
                self.value(path + (index,))
                self.skip_space(True)
                if t[self.i] == ",":
                    self.i += 1
                index += 1
        elif c == "{":
            self.i += 1
            while True:
                self.skip_space(False)
                if t[self.i] == "}":
                    self.i += 1
                    return
                self.pair(path)
                self.skip_space(False)
                if t[self.i] == ",":
                    self.i += 1
        else:
            m = re.compile(r"[^,\]}\n#]+").match(t, self.i)
            self.i = m.end() if m else self.i + 1


def key_positions(text: str) -> dict[Path, tuple[int, int]]:
    scanner = _Scanner(text)
    try:
        return scanner.run()
    except (IndexError, ValueError):  # not understood: keep what was found so far
        return scanner.pos


def locate(positions: dict[Path, tuple[int, int]], path: Path) -> tuple[int, int | None]:
    """The position of ``path`` or of the nearest enclosing key that has one (line 1 if none)."""
    for k in range(len(path), 0, -1):
        if path[:k] in positions:
            return positions[path[:k]]
    return 1, None
