"""The layout shows the product: shared plumbing below, one package per monitor type above
it with the same parts, the entrypoint at the top. Read from the source's imports (every
import, including those inside functions and under TYPE_CHECKING)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor_job"

# Bottom to top. A module may import from its own layer and the layers below it only;
# in the two layers of packages side by side (what two types share; the types), a
# package imports none of its neighbours.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "errors"}),
    frozenset({"contract"}),
    frozenset({"io"}),
    frozenset({"runtime"}),
    frozenset({"decode"}),
    frozenset({"report"}),  # the page engine; each type hands it its view
    frozenset({"outputs"}),
    frozenset({"monitor_type"}),
    frozenset({"groundtruth", "clarify"}),  # shared by two types, below both
    frozenset({"data_quality", "model_quality", "bias", "explainability"}),  # the monitor types
    frozenset({"monitors", "commands", "cli", "__main__"}),  # registry and entrypoint
)
SIDE_BY_SIDE = (LAYERS[8], LAYERS[9])
TYPES = LAYERS[9]
# The parts every monitor type has, named the same way in each.
PARTS = ("analysis", "checks", "documents", "cloudwatch", "job", "command", "view")
MAX_LINES = 400


def unit(module: str) -> str:
    """``monitor_job.data_quality.job`` -> ``data_quality``; ``monitor_job`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer(name: str) -> int:
    return next(i for i, units in enumerate(LAYERS) if name in units)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every ``monitor_job`` module the file imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "monitor_job":
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "monitor_job")
    return found


def edges() -> list[tuple[str, str]]:
    return [
        (module_name(path), imported)
        for path in sorted(PACKAGE.rglob("*.py"))
        for imported in sorted(imports(path))
    ]


def wrong_way(pairs: list[tuple[str, str]]) -> list[str]:
    """The imports that go up a layer, or across between two packages side by side."""
    problems = []
    for importer, imported in pairs:
        a, b = unit(importer), unit(imported)
        if layer(b) > layer(a):
            problems.append(f"{importer} imports {imported}: from a lower layer to a higher one")
        elif a != b and any(a in side and b in side for side in SIDE_BY_SIDE):
            problems.append(f"{importer} imports {imported}: between two packages side by side")
    return problems


def test_every_unit_of_the_package_has_a_layer() -> None:
    units = {unit(module_name(p)) for p in PACKAGE.rglob("*.py")}
    known = set().union(*LAYERS)
    assert units - known == set(), "a new package or module needs its place in LAYERS"


def test_no_import_goes_up_a_layer_or_across_between_types() -> None:
    pairs = edges()
    assert len(pairs) > 100  # the walk read the package
    assert wrong_way(pairs) == []


def test_the_rule_finds_what_it_forbids() -> None:
    assert wrong_way(
        [
            ("monitor_job.outputs.summary", "monitor_job.data_quality.profile"),
            ("monitor_job.bias.records", "monitor_job.model_quality.job"),
            ("monitor_job.clarify.config", "monitor_job.groundtruth.read"),
            ("monitor_job.report.charts", "monitor_job.monitors"),
        ]
    ) == [
        "monitor_job.outputs.summary imports monitor_job.data_quality.profile: "
        "from a lower layer to a higher one",
        "monitor_job.bias.records imports monitor_job.model_quality.job: "
        "between two packages side by side",
        "monitor_job.clarify.config imports monitor_job.groundtruth.read: "
        "between two packages side by side",
        "monitor_job.report.charts imports monitor_job.monitors: "
        "from a lower layer to a higher one",
    ]
    assert (
        wrong_way(
            [
                ("monitor_job.bias.job", "monitor_job.groundtruth.read"),
                ("monitor_job.data_quality.job", "monitor_job.data_quality.records"),
                ("monitor_job.cli", "monitor_job.bias.command"),
            ]
        )
        == []
    )


@pytest.mark.parametrize("name", sorted(TYPES))
def test_each_monitor_type_has_the_same_parts(name: str) -> None:
    package = PACKAGE / name
    missing = [part for part in PARTS if not (package / f"{part}.py").is_file()]
    assert missing == []
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "owns" in doc  # the package says what it owns


def test_every_monitor_type_is_registered() -> None:
    from monitor_job.monitors import MONITORS

    registered = {m.name for m in MONITORS}
    assert registered == set(TYPES)
    assert len({m.analysis_type for m in MONITORS}) == len(MONITORS)
    assert len({m.report_kind for m in MONITORS}) == len(MONITORS)


def test_no_module_is_over_400_lines() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert sizes
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
