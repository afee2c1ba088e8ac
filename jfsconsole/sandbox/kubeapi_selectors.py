"""Label and field selectors as the Kubernetes API server parses them.

Kept separate from the HTTP layer so the grammar can be unit-tested on its own. The behaviour
mirrors ``k8s.io/apimachinery/pkg/labels`` and ``pkg/fields``: the console's own selectors must
fail here exactly where they would fail against a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector the real API server would answer with 400 BadRequest."""


# Same shape as validation.IsQualifiedName / IsValidLabelValue, so typos such as a space inside
# a key are rejected instead of silently matching nothing.
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")

_SPECIAL = set(",()=!<> \t\n")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # exists, !exists, =, !=, in, notin, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key, "")
        if self.op == "exists":
            return has
        if self.op == "!exists":
            return not has
        if self.op in ("=", "in"):
            return has and value in self.values
        if self.op in ("!=", "notin"):
            return not has or value not in self.values
        if not has:
            return False
        try:
            number = int(value)
        except ValueError:
            return False
        limit = int(self.values[0])
        return number > limit if self.op == "gt" else number < limit


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith(("==", "!="), i):
            tokens.append(text[i : i + 2])
            i += 2
        elif ch in _SPECIAL:
            tokens.append(ch)
            i += 1
        else:
            start = i
            while i < len(text) and text[i] not in _SPECIAL:
                i += 1
            tokens.append(text[start:i])
    return tokens


def _is_ident(token: str | None) -> bool:
    return token is not None and token[0] not in _SPECIAL and token not in ("==", "!=")


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key) or len(key.rsplit("/", 1)[-1]) > 63:
        raise SelectorError(
            f"unable to parse requirement: <nil>: Invalid value: {key!r}: name part must "
            "consist of alphanumeric characters, '-', '_' or '.'"
        )
    return key


def _check_value(value: str) -> str:
    if not _VALUE_RE.match(value):
        raise SelectorError(
            f"unable to parse requirement: values[0]: Invalid value: {value!r}: a valid label "
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"
        )
    return value


def parse_label_selector(text: str) -> list[Requirement]:
    """Parse the full labels.Parse grammar; an empty string selects everything."""
    tokens = _tokenize(text)
    reqs: list[Requirement] = []
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str | None:
        nonlocal pos
        token = peek()
        pos += 1
        return token

    while pos < len(tokens):
        token = take()
        if token == "!":
            key = take()
            if not _is_ident(key):
                raise SelectorError(f"found '{key or ''}', expected: identifier after '!'")
            assert key is not None
            reqs.append(Requirement(_check_key(key), "!exists"))
        elif _is_ident(token):
            assert token is not None
            key = _check_key(token)
            op = peek()
            if op is None or op == ",":
                reqs.append(Requirement(key, "exists"))
            elif op in ("=", "==", "!="):
                take()
                nxt = peek()
                value = take() if _is_ident(nxt) else ""
                assert value is not None
                reqs.append(Requirement(key, "!=" if op == "!=" else "=", (_check_value(value),)))
            elif op in ("in", "notin"):
                take()
                if take() != "(":
                    raise SelectorError(f"found '{peek() or ''}', expected: '(' after {op}")
                values: list[str] = []
                while True:
                    nxt = take()
                    if nxt == ")" and not values:
                        raise SelectorError(
                            f"for 'in', 'notin' operators, values set can't be empty ({key})"
                        )
                    if _is_ident(nxt):
                        assert nxt is not None
                        values.append(_check_value(nxt))
                        nxt = take()
                    elif nxt in (",", ")"):
                        values.append("")
                    if nxt == ")":
                        break
                    if nxt != ",":
                        raise SelectorError(f"found '{nxt or ''}', expected: ',' or ')'")
                reqs.append(Requirement(key, op, tuple(values)))
            elif op in (">", "<"):
                take()
                value = take() or ""
                if not value.lstrip("-").isdigit():
                    raise SelectorError(
                        f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must "
                        f"be an integer: {value!r}"
                    )
                reqs.append(Requirement(key, "gt" if op == ">" else "lt", (value,)))
            else:
                raise SelectorError(
                    f"found '{op}', expected: '=', '!=', '==', 'in', notin'"
                )
        else:
            raise SelectorError(f"found '{token}', expected: !, identifier, or 'end of string'")
        sep = take()
        if sep not in (None, ","):
            raise SelectorError(f"found '{sep}', expected: ',' or 'end of string'")
        if sep == "," and peek() is None:
            raise SelectorError("found '', expected: identifier after ','")
    return reqs


def labels_match(reqs: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    return all(req.matches(labels or {}) for req in reqs)


# --- field selectors ---------------------------------------------------------------------

@dataclass(frozen=True)
class FieldTerm:
    field: str
    op: str  # "=" or "!="
    value: str


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def parse_field_selector(text: str, supported: set[str]) -> list[FieldTerm]:
    """Parse ``a=b,c!=d``; fields outside ``supported`` fail as the real server does."""
    terms: list[FieldTerm] = []
    if not text.strip():
        return terms
    for raw in _split_unescaped(text, ","):
        match = re.search(r"(?<!\\)(!=|==|=)", raw)
        if not match:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{raw}'")
        field = raw[: match.start()].strip()
        value = _unescape(raw[match.end() :])
        if field not in supported:
            raise SelectorError(f"field label not supported: {field}")
        terms.append(FieldTerm(field, "!=" if match.group(1) == "!=" else "=", value))
    return terms


def field_value(obj: Mapping[str, Any], field: str, aliases: Mapping[str, str]) -> str:
    """Read a dotted field as the server's field-set does (bools as "true"/"false", None as "")."""
    node: Any = obj
    for part in aliases.get(field, field).split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, bool):
        return "true" if node else "false"
    return "" if node is None else str(node)


def fields_match(
    terms: list[FieldTerm], obj: Mapping[str, Any], getter: Callable[[Mapping[str, Any], str], str]
) -> bool:
    for term in terms:
        equal = getter(obj, term.field) == term.value
        if equal != (term.op == "="):
            return False
    return True
