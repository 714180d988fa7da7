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
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
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
            tests = [TYPES[name] for name in names]
            checks.append(lambda v, tests=tests: any(test(v) for test in tests))
        if "enum" in schema:
            allowed = schema["enum"]
            checks.append(lambda v, allowed=allowed: v in allowed)
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            checks.append(lambda v, search=search: not isinstance(v, str) or bool(search(v)))
        for key, compare in (
            ("minimum", lambda v, bound: v >= bound),
            ("maximum", lambda v, bound: v <= bound),
        ):
            if key in schema:
                bound = schema[key]
                checks.append(
                    lambda v, bound=bound, compare=compare: not TYPES["number"](v)
                    or compare(v, bound)
                )
        if "required" in schema:
            required = tuple(schema["required"])
            checks.append(
                lambda v, required=required: not isinstance(v, dict)
                or all(name in v for name in required)
            )
        if "properties" in schema or "additionalProperties" in schema:
            props = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
            extra = schema.get("additionalProperties", True)
            extra_check = self.compile(extra)

            def objects(v: Any, props: dict[str, Check] = props, extra: Check = extra_check) -> bool:
                if not isinstance(v, dict):
                    return True
                for name, value in v.items():
                    check = props.get(name, extra)
                    if check is not _always and not check(value):
                        return False
                return True

            checks.append(objects)
        if "items" in schema:
            items = schema["items"]
            if isinstance(items, list):
                raise UnsupportedSchema("tuple items")
            item_check = self.compile(items)
            if item_check is not _always:
                checks.append(
                    lambda v, item_check=item_check: not isinstance(v, list)
                    or all(item_check(x) for x in v)
                )
        if "anyOf" in schema:
            options = [self.compile(sub) for sub in schema["anyOf"]]
            checks.append(lambda v, options=options: any(option(v) for option in options))
        if "oneOf" in schema:
            options = [self.compile(sub) for sub in schema["oneOf"]]
            checks.append(
                lambda v, options=options: sum(1 for option in options if option(v)) == 1
            )
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda v, checks=tuple(checks): all(check(v) for check in checks)


def compile_schema(schema: dict[str, Any]) -> Check:
    return Compiler(schema).compile(schema)
