"""Edge modifiers: ``a >> Label("when yes") >> b`` puts words on the edge a -> b.

A label is not a task: it stands between the tasks on either side of it and, once both sides
are known, sets the dependency and records the label as the edge's info on the DAG
(``dag.get_edge_info(a, b)``). The UI shows it on the graph's edge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.authoring.dependencies import DependencyMixin, as_operators

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator


class EdgeModifier(DependencyMixin):
    """Something that sits on the edges between tasks and adds information to them.

    Tasks given before it (``[a, b] >> label``) and after it (``label >> c``) may arrive in
    either order; each new side is linked with every task already on the other side.
    """

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self._upstream: list[BaseOperator] = []
        self._downstream: list[BaseOperator] = []

    def edge_info(self) -> dict[str, str]:
        """What is stored for every edge through this modifier (Airflow's EdgeInfoType)."""
        return {} if self.label is None else {"label": self.label}

    def dependency_operators(self) -> list[BaseOperator]:
        return []

    def set_upstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """``label << a`` or ``[a, b] >> label``: ``other`` runs before the tasks after it."""
        for upstream in as_operators(other, end="exit"):
            self._upstream.append(upstream)
            for downstream in self._downstream:
                upstream.set_downstream(downstream, edge_modifier=self)

    def set_downstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """``label >> b``: ``b`` runs after the tasks before this label."""
        for downstream in as_operators(other, end="entry"):
            self._downstream.append(downstream)
            for upstream in self._upstream:
                upstream.set_downstream(downstream, edge_modifier=self)

    def __repr__(self) -> str:
        return f"Label({self.label!r})"


def Label(label: str) -> EdgeModifier:
    """An edge modifier that only names the edge: ``a >> Label("when yes") >> b``."""
    if not isinstance(label, str):
        raise TypeError(f"Label() takes the edge's text as a string, got {label!r}")
    return EdgeModifier(label)
