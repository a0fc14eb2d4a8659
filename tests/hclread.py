"""Reading generated bake files back with python-hcl2, an HCL parser that is not ours.

python-hcl2 keeps string literals as written (quotes and escapes included), so
``literal`` applies the HCL spec's rules for quoted template literals to get the
value bake would see. It refuses interpolations: a value with a stray ``${``
would be an expression, not the byte-for-byte string we meant.
"""

import re

import hcl2

_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class UnescapedTemplate(ValueError):
    """The string holds an interpolation or directive: an expression, not a literal."""


def literal(token: str) -> str:
    assert token.startswith('"') and token.endswith('"'), token
    body = token[1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt in _SIMPLE:
                out.append(_SIMPLE[nxt])
                i += 2
            elif nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
            elif nxt == "U":
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
            else:
                raise AssertionError(f"unknown escape \\{nxt} in {token}")
        elif body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(ch + "{")
            i += 3
        elif body.startswith("${", i) or body.startswith("%{", i):
            raise UnescapedTemplate(token)
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _unquote_key(key: str) -> str:
    return literal(key) if key.startswith('"') else key


def targets(text: str) -> dict[str, dict]:
    """target name -> {attribute: value} with string literals decoded; expressions kept as text,
    except calls of the file's functions without parameters, replaced by what they return."""
    data = hcl2.loads(text)
    calls = {f"${{{name}()}}": value for name, value in _functions(data).items()}
    result = {}
    for block in data.get("target", []):
        for name, body in block.items():
            decoded = {}
            for key, value in body.items():
                if key.startswith("__"):
                    continue
                decoded[key] = calls[value] if isinstance(value, str) and value in calls else _decode(value)
            result[_unquote_key(name)] = decoded
    return result


def _functions(data: dict) -> dict[str, str]:
    found = {}
    for block in data.get("function", []):
        for name, body in block.items():
            if body["params"] == []:
                found[_unquote_key(name)] = literal(body["result"])
    return found


def groups(text: str) -> dict[str, list[str]]:
    data = hcl2.loads(text)
    return {
        _unquote_key(name): [_decode(t) for t in body["targets"]]
        for block in data.get("group", [])
        for name, body in block.items()
    }


def variables(text: str) -> dict[str, str]:
    data = hcl2.loads(text)
    return {
        _unquote_key(name): _decode(body["default"])
        for block in data.get("variable", [])
        for name, body in block.items()
    }


def _decode(value):
    if isinstance(value, dict):
        return {_unquote_key(k): _decode(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        try:
            return literal(value)
        except UnescapedTemplate:
            return value  # a template on purpose, such as "${REGISTRY}/python:3.10"
    return value


_CALL = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\}$", re.S)
_ARGUMENT = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)\s*(?:,|$)', re.S)


def call(value: str) -> tuple[str, list[str]] | None:
    """A value that is one function call of literals and variable names, as python-hcl2
    gives it (`${f(VAR, "text")}`): (name, [VAR, text]) with the strings decoded; else None."""
    match = _CALL.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    arguments, rest = [], match.group(2)
    while rest.strip():
        argument = _ARGUMENT.match(rest)
        if argument is None:
            return None
        token = argument.group(1)
        arguments.append(literal(token) if token.startswith('"') else token)
        rest = rest[argument.end() :]
    return match.group(1), arguments


def functions(text: str) -> dict[str, dict]:
    """function name -> {"params": [...], "result": expression text}."""
    data = hcl2.loads(text)
    return {
        _unquote_key(name): {key: value for key, value in body.items() if not key.startswith("__")}
        for block in data.get("function", [])
        for name, body in block.items()
    }
