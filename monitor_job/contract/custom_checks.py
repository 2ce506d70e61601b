"""The ``custom_checks`` file: data-quality checks in Deequ's ``Check`` vocabulary (rule
names and PyDeequ's argument names), read and proved whole before Spark starts.

```yaml
version: 1
checks:
  - {name: id_unique, rule: isUnique, column: id}
  - {name: within_limit, rule: satisfies, condition: "amount <= limit", assert: [">=", 0.99]}
  - {name: traffic, rule: hasSize, anomaly: {strategy: RelativeRateOfChange, maxRateDecrease: 0.5}}
```

Everything in the file is untrusted: sizes are bounded, names are only ever compared,
and a fault is one line naming it and what is valid (a :class:`ConfigError`, exit 2).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor_job.contract.strategies import Anomaly, finite_number, parse_anomaly
from monitor_job.errors import ConfigError

MAX_BYTES = 1_000_000
MAX_CHECKS = 500
MAX_TEXT = 4096  # a condition, a where clause, a pattern
MAX_VALUES = 10_000  # isContainedIn's allowed values
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
LEVELS = ("error", "warning")
OPS = ("==", "!=", "<", "<=", ">", ">=")
DATATYPES = ("Null", "Fractional", "Integral", "Boolean", "String", "Numeric")

# How a rule's assertion is given: Deequ requires one, defaults it to "== 1" (optional), or
# has none (the value must be 1: isComplete, isUnique, areComplete).
REQUIRED, OPTIONAL, FIXED = "required", "optional", "fixed"
# What a rule's columns must be (Deequ's preconditions, by the baseline's inferred type).
NUMERIC, TEXT = "numeric", "string"


@dataclass(frozen=True)
class Rule:
    args: tuple[str, ...]  # required arguments, PyDeequ's names
    assertion: str
    grouping: bool = False  # Deequ runs it on grouped frequencies (one pass per column set)
    needs: str | None = None  # NUMERIC / TEXT columns
    optional: tuple[str, ...] = ()


_ONE = ("column",)
_TWO = ("columnA", "columnB")
RULES: dict[str, Rule] = {
    "hasSize": Rule((), REQUIRED),
    "isComplete": Rule(_ONE, FIXED),
    "hasCompleteness": Rule(_ONE, REQUIRED),
    "areComplete": Rule(("columns",), FIXED),
    "isUnique": Rule(_ONE, FIXED, grouping=True),
    "hasUniqueness": Rule(("columns",), REQUIRED, grouping=True),
    "hasDistinctness": Rule(("columns",), REQUIRED, grouping=True),
    "hasNumberOfDistinctValues": Rule(_ONE, REQUIRED, grouping=True),
    "hasEntropy": Rule(_ONE, REQUIRED, grouping=True),
    "hasMutualInformation": Rule(_TWO, REQUIRED, grouping=True),
    "hasApproxCountDistinct": Rule(_ONE, REQUIRED),
    "hasMin": Rule(_ONE, REQUIRED, needs=NUMERIC),
    "hasMax": Rule(_ONE, REQUIRED, needs=NUMERIC),
    "hasMean": Rule(_ONE, REQUIRED, needs=NUMERIC),
    "hasSum": Rule(_ONE, REQUIRED, needs=NUMERIC),
    "hasStandardDeviation": Rule(_ONE, REQUIRED, needs=NUMERIC),
    "hasApproxQuantile": Rule(("column", "quantile"), REQUIRED, needs=NUMERIC),
    "hasCorrelation": Rule(_TWO, REQUIRED, needs=NUMERIC),
    "hasMinLength": Rule(_ONE, REQUIRED, needs=TEXT),
    "hasMaxLength": Rule(_ONE, REQUIRED, needs=TEXT),
    "hasPattern": Rule(("column", "pattern"), OPTIONAL),
    "containsEmail": Rule(_ONE, OPTIONAL),
    "containsURL": Rule(_ONE, OPTIONAL),
    "isNonNegative": Rule(_ONE, OPTIONAL, needs=NUMERIC),
    "isPositive": Rule(_ONE, OPTIONAL, needs=NUMERIC),
    "isContainedIn": Rule(("column", "allowed_values"), OPTIONAL),
    "satisfies": Rule(("columnCondition",), OPTIONAL, optional=("constraintName", "columns")),
    "isLessThan": Rule(_TWO, OPTIONAL),
    "isLessThanOrEqualTo": Rule(_TWO, OPTIONAL),
    "isGreaterThan": Rule(_TWO, OPTIONAL),
    "isGreaterThanOrEqualTo": Rule(_TWO, OPTIONAL),
    "hasDataType": Rule(("column", "datatype"), OPTIONAL),
}
# The short forms the example uses, and Deequ's Scala spellings of PyDeequ's names.
ALIASES = {
    "condition": "columnCondition",
    "allowedValues": "allowed_values",
    "dataType": "datatype",
}
COMMON = ("name", "rule", "where", "assert", "level", "anomaly", "hint")


@dataclass(frozen=True)
class Assertion:
    op: str  # one of OPS, or "between" (inclusive)
    values: tuple[float, ...]

    def holds(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.op == "between":
            return self.values[0] <= value <= self.values[1]
        v = self.values[0]
        return {
            "==": value == v,
            "!=": value != v,
            "<": value < v,
            "<=": value <= v,
            ">": value > v,
            ">=": value >= v,
        }[self.op]

    def text(self) -> str:
        if self.op == "between":
            return f"between {_num(self.values[0])} and {_num(self.values[1])}"
        return f"{self.op} {_num(self.values[0])}"


IS_ONE = Assertion("==", (1.0,))


@dataclass(frozen=True)
class CustomCheck:
    name: str
    rule: str
    args: Mapping[str, Any]  # the rule's arguments, PyDeequ's names
    where: str | None = None
    assertion: Assertion | None = IS_ONE  # None: judged by ``anomaly``
    level: str = "error"
    anomaly: Anomaly | None = None
    hint: str | None = None

    @property
    def spec(self) -> Rule:
        return RULES[self.rule]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns named by the rule's column arguments (not those in SQL text)."""
        out: list[str] = []
        for key in ("column", "columnA", "columnB"):
            if key in self.args:
                out.append(self.args[key])
        out.extend(self.args.get("columns", ()))
        return tuple(out)

    def constraint(self) -> str:
        """The rule as Deequ's constraint names it: ``containsEmail(email)``."""
        shown = [
            json.dumps(v)
            if isinstance(v, str) and k not in ("column", "columnA", "columnB")
            else ",".join(map(str, v))
            if isinstance(v, (list, tuple))
            else str(v)
            for k, v in self.args.items()
        ]
        text = f"{self.rule}({', '.join(shown)})"
        return text + (f" where {self.where}" if self.where else "")

    def requirement(self) -> str:
        """The rule and what its value must meet, for a violation's description."""
        if self.anomaly is not None:
            return f"{self.constraint()} not anomalous by {self.anomaly.text()}"
        assert self.assertion is not None
        return f"{self.constraint()} {self.assertion.text()}"


@dataclass(frozen=True)
class CheckFile:
    source: str
    checks: tuple[CustomCheck, ...] = field(default_factory=tuple)

    @property
    def anomalies(self) -> tuple[CustomCheck, ...]:
        return tuple(c for c in self.checks if c.anomaly is not None)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


# YAML 1.2's (and JSON's) floats: PyYAML reads YAML 1.1, where ``1e9`` and ``1E-3`` are text.
FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def _load(text: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+0123456789."))
    return yaml.load(text, Loader=Loader)  # a SafeLoader with one more resolver


def parse_check_file(text: str, source: str = "custom_checks") -> CheckFile:
    import yaml

    try:
        doc = _load(text)  # JSON is YAML
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or type(err).__name__
        raise ConfigError(f"custom_checks {source} is not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("checks"), list):
        raise ConfigError(f"custom_checks {source}: expected a mapping with a 'checks' list")
    if doc.get("version", 1) != 1:
        raise ConfigError(f"custom_checks {source}: version must be 1; got {doc.get('version')!r}")
    unknown = sorted(set(map(str, doc)) - {"version", "checks"})
    if unknown:
        raise ConfigError(
            f"custom_checks {source}: unknown key(s) {unknown}; valid: version, checks"
        )
    items = doc["checks"]
    if len(items) > MAX_CHECKS:
        raise ConfigError(f"custom_checks {source}: {len(items)} checks; at most {MAX_CHECKS}")
    checks: list[CustomCheck] = []
    for i, item in enumerate(items):
        check = parse_check(item, f"custom_checks {source}: check {i + 1}")
        if any(c.name == check.name for c in checks):
            raise ConfigError(f"custom_checks {source}: two checks are named {check.name!r}")
        checks.append(check)
    return CheckFile(source, tuple(checks))


def parse_check(item: Any, where: str) -> CustomCheck:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping; got {type(item).__name__}")
    item = {ALIASES.get(str(k), str(k)): v for k, v in item.items()}
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{where}: 'name' must be 1-128 of A-Z a-z 0-9 _ . -; got {name!r}")
    where = f"{where} ({name})"
    rule_name = item.get("rule")
    if rule_name not in RULES:
        raise ConfigError(
            f"{where}: unknown rule {str(rule_name)[:80]!r}; valid rules: {', '.join(RULES)}"
        )
    rule = RULES[rule_name]
    allowed = set(COMMON) | set(rule.args) | set(rule.optional)
    unknown = sorted(k for k in item if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: {rule_name} takes no {', '.join(map(repr, unknown))}; "
            f"its arguments: {', '.join(rule.args + rule.optional) or '(none)'}, "
            f"and {', '.join(COMMON[2:])}"
        )
    missing = [a for a in rule.args if a not in item]
    if missing:
        raise ConfigError(f"{where}: {rule_name} needs {', '.join(missing)}")
    args = {a: _argument(a, item[a], where) for a in rule.args + rule.optional if a in item}
    level = item.get("level", "error")
    if level not in LEVELS:
        raise ConfigError(f"{where}: level must be error or warning; got {str(level)[:40]!r}")
    anomaly = parse_anomaly(item["anomaly"], where) if "anomaly" in item else None
    if anomaly is not None and "assert" in item:
        raise ConfigError(f"{where}: give 'assert' or 'anomaly', not both")
    if "assert" in item:
        if rule.assertion == FIXED:
            raise ConfigError(
                f"{where}: {rule_name} takes no assert (its value must be 1); "
                "use its has* form with an assert"
            )
        assertion: Assertion | None = _assertion(item["assert"], where)
    elif anomaly is not None:
        assertion = None
    elif rule.assertion == REQUIRED:
        raise ConfigError(
            f'{where}: {rule_name} needs an assert ([op, value] or ["between", lo, hi]) '
            "or an anomaly"
        )
    else:
        assertion = IS_ONE
    return CustomCheck(
        name=name,
        rule=rule_name,
        args=args,
        where=_text(item.get("where"), "where", where),
        assertion=assertion,
        level=level,
        anomaly=anomaly,
        hint=_text(item.get("hint"), "hint", where),
    )


def _text(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ConfigError(f"{where}: {key} must be non-empty text of at most {MAX_TEXT} characters")
    return value


def _argument(key: str, value: Any, where: str) -> Any:
    if key in ("column", "columnA", "columnB"):
        if not isinstance(value, str) or not value or len(value) > 256:
            raise ConfigError(f"{where}: {key} must be a column name; got {str(value)[:80]!r}")
        return value
    if key == "columns":
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or not value
            or len(value) > 64
            or not all(isinstance(v, str) and 0 < len(v) <= 256 for v in value)
        ):
            raise ConfigError(f"{where}: columns must be a list of 1-64 column names")
        return tuple(value)
    if key == "allowed_values":
        if not isinstance(value, list) or not value or len(value) > MAX_VALUES:
            raise ConfigError(f"{where}: allowed_values must be a list of 1-{MAX_VALUES} values")
        return tuple(str(v) for v in value)
    if key == "quantile":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{where}: quantile must be a number in [0, 1]; got {value!r}")
        return float(value)
    if key == "datatype":
        if value not in DATATYPES:
            raise ConfigError(
                f"{where}: datatype must be one of {', '.join(DATATYPES)}; got {str(value)[:40]!r}"
            )
        return value
    if key == "pattern":
        text = _text(value, key, where)
        assert text is not None
        try:
            re.compile(text)
        except re.error as err:
            raise ConfigError(f"{where}: pattern is not a regular expression: {err}") from None
        return text
    return _text(value, key, where)  # columnCondition, constraintName


def _assertion(value: Any, where: str) -> Assertion:
    shape = 'assert must be [op, value] (op one of == != < <= > >=) or ["between", lo, hi]'
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: {shape}; got {str(value)[:80]}")
    op, numbers = value[0], [finite_number(v) for v in value[1:]]
    if any(n is None for n in numbers):
        raise ConfigError(f"{where}: {shape}; its values must be finite numbers: {value!r}")
    if op == "between" and len(numbers) == 2:
        lo, hi = numbers
        assert lo is not None and hi is not None
        if lo > hi:
            raise ConfigError(f"{where}: assert between {lo} and {hi}: the first is the lower")
        return Assertion("between", (lo, hi))
    if op in OPS and len(numbers) == 1:
        return Assertion(op, (numbers[0],))  # type: ignore[arg-type]
    raise ConfigError(f"{where}: {shape}; got {str(value)[:80]}")


def check_columns(
    checks: CheckFile, names: Sequence[str], types: Mapping[str, str] | None = None
) -> None:
    """Every column a check names exists (and has the type its rule needs, when the
    ``types`` are known): one line naming the first that does not, and the valid ones."""
    known = set(names)
    for check in checks.checks:
        for column in check.columns:
            if column not in known:
                shown = ", ".join(list(names)[:50]) + (" ..." if len(names) > 50 else "")
                raise ConfigError(
                    f"custom check {check.name} ({check.rule}): no column {column!r}; "
                    f"the columns: {shown}"
                )
            kind = (types or {}).get(column)
            needs = check.spec.needs
            if kind is None or needs is None:
                continue
            if (needs == NUMERIC and kind not in ("Integral", "Fractional")) or (
                needs == TEXT and kind != "String"
            ):
                raise ConfigError(
                    f"custom check {check.name} ({check.rule}): column {column!r} is {kind}; "
                    f"{check.rule} needs a {needs} column"
                )
