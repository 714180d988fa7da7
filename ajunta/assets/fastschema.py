"""A yes/no check of a JSON document against a draft-07 schema, compiled once into closures.

jsonschema walks the schema anew for every value; on a real inventory that costs ~4 ms, most of an
import. This compiles the keywords the GLPI inventory schema uses into plain functions (~10x
faster). It only answers "valid or not": when it says no, jsonschema runs to name the path and the
reason, and jsonschema's verdict stands, so a gap here can cost speed but never correctness.
A schema with a keyword this module does not know is refused at compile time (UnsupportedSchema),
and the caller then uses jsonschema alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Draft-07 assertions this module does not compile. Unknown keywords are ignored, as jsonschema does.
UNSUPPORTED = frozenset(
    {"const", "multipleOf", "exclusiveMaximum", "exclusiveMinimum", "maxLength", "minLength",
     "additionalItems", "maxItems", "minItems", "uniqueItems", "contains", "maxProperties",
     "minProperties", "patternProperties", "dependencies", "propertyNames", "if", "then", "else",
     "allOf", "not", "contentMediaType", "contentEncoding"}
)  # fmt: skip
TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


class UnsupportedSchema(ValueError):
    pass


def _always(_value: Any) -> bool:
    return True


class Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#/"):
            raise UnsupportedSchema(f"remote $ref {pointer}")
        if pointer not in self.refs:
            # Placeholder first, so that a recursive definition finds itself.
            slot: list[Check] = []
            self.refs[pointer] = lambda value: slot[0](value)
            node: Any = self.root
            for part in pointer[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            slot.append(self.compile(node))
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return lambda _value: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"schema node {schema!r}")
        if "$ref" in schema:
            # Draft 7: siblings of $ref are ignored.
            return self.ref(schema["$ref"])
        checks: list[Check] = []
        unsupported = UNSUPPORTED & set(schema)
        if unsupported:
            raise UnsupportedSchema(f"keywords {sorted(unsupported)}")
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            checks.append(_type_check([TYPES[name] for name in names]))
        if "enum" in schema:
            checks.append(_enum_check(list(schema["enum"])))
        if "pattern" in schema:
            checks.append(_pattern_check(re.compile(schema["pattern"])))
        if "minimum" in schema or "maximum" in schema:
            checks.append(_range_check(schema.get("minimum"), schema.get("maximum")))
        if "required" in schema:
            checks.append(_required_check(tuple(schema["required"])))
        if "properties" in schema or "additionalProperties" in schema:
            props = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
            checks.append(
                _object_check(props, self.compile(schema.get("additionalProperties", True)))
            )
        if "items" in schema:
            if isinstance(schema["items"], list):
                raise UnsupportedSchema("tuple items")
            item_check = self.compile(schema["items"])
            if item_check is not _always:
                checks.append(_items_check(item_check))
        if "anyOf" in schema:
            checks.append(_any_of([self.compile(sub) for sub in schema["anyOf"]]))
        if "oneOf" in schema:
            checks.append(_one_of([self.compile(sub) for sub in schema["oneOf"]]))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return _all_of(checks)


# Each keyword's check, closed over its compiled arguments.
def _type_check(tests: list[Callable[[Any], bool]]) -> Check:
    if len(tests) == 1:
        return tests[0]

    def check(v: Any) -> bool:
        return any(test(v) for test in tests)

    return check


def _enum_check(allowed: list[Any]) -> Check:
    def check(v: Any) -> bool:
        return v in allowed

    return check


def _pattern_check(pattern: re.Pattern[str]) -> Check:
    def check(v: Any) -> bool:
        return not isinstance(v, str) or pattern.search(v) is not None

    return check


def _range_check(low: Any, high: Any) -> Check:
    def check(v: Any) -> bool:
        if not TYPES["number"](v):
            return True
        return (low is None or v >= low) and (high is None or v <= high)

    return check


def _required_check(required: tuple[str, ...]) -> Check:
    def check(v: Any) -> bool:
        return not isinstance(v, dict) or all(name in v for name in required)

    return check


def _object_check(props: dict[str, Check], extra: Check) -> Check:
    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name, value in v.items():
            sub = props.get(name, extra)
            if sub is not _always and not sub(value):
                return False
        return True

    return check


def _items_check(item_check: Check) -> Check:
    def check(v: Any) -> bool:
        if isinstance(v, list):
            for item in v:
                if not item_check(item):
                    return False
        return True

    return check


def _any_of(options: list[Check]) -> Check:
    def check(v: Any) -> bool:
        return any(option(v) for option in options)

    return check


def _one_of(options: list[Check]) -> Check:
    def check(v: Any) -> bool:
        return sum(1 for option in options if option(v)) == 1

    return check


def _all_of(checks: list[Check]) -> Check:
    def check(v: Any) -> bool:
        for sub in checks:  # noqa: SIM110  (a plain loop: this is the hot path)
            if not sub(v):
                return False
        return True

    return check


def compile_schema(schema: dict[str, Any]) -> Check:
    return Compiler(schema).compile(schema)
