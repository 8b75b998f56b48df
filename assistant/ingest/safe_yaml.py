"""YAML for profiles and front matter, with alias expansion bounded.

``yaml.safe_load`` expands aliases without limit: 411 bytes of nested anchors
("billion laughs") become hundreds of megabytes of lists. Here the composed node
graph is measured first, counting a node once per place it is used (what the
expansion would build), and refused past a budget before anything is built.
Error messages name the problem and the line, never the document's values.
"""

from __future__ import annotations

from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

ALIAS_BUDGET = 100_000  # nodes and scalar characters beyond the size of the text itself


class YamlRefused(ValueError):
    """The YAML is malformed or expands too much; the message holds no input values."""


class _BoundedLoader(yaml.SafeLoader):
    budget = ALIAS_BUDGET

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node, self.budget)
        return node


def _check_expansion(root: yaml.Node, budget: int) -> None:
    """Raise :class:`YamlRefused` when the expanded document would exceed ``budget``."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlRefused("malformed YAML: a recursive alias")
        active.add(key)
        total = 1
        if isinstance(node, yaml.ScalarNode):
            total += len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        sizes[key] = total
        if total > budget:
            raise YamlRefused("YAML refused: its aliases expand to more than "
                              f"{budget:,} elements")
        return total

    try:
        size(root)
    except RecursionError:
        raise YamlRefused("malformed YAML: nested too deeply") from None


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with aliases bounded and value-free errors."""
    loader = _BoundedLoader(text)
    loader.budget = 2 * len(text) + ALIAS_BUDGET
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise YamlRefused(f"malformed YAML{where}: {(exc.problem or 'syntax error')[:80]}"
                          ) from None
    except yaml.YAMLError:
        raise YamlRefused("malformed YAML") from None
    except RecursionError:
        raise YamlRefused("malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()


def load_front_matter(text: str) -> Any:
    """``frontmatter.loads`` with YAML front matter read through :func:`load_yaml`."""
    handler = frontmatter.detect_format(text, frontmatter.handlers)
    if isinstance(handler, YAMLHandler):
        handler = BoundedYAMLHandler()
    return frontmatter.loads(text, handler=handler)


class BoundedYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, loading through :func:`load_yaml`."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)
