"""Task and DAG documentation (``doc_md``, ``doc``, ``doc_rst``...) as safe HTML.

Documentation comes from DAG files, which anyone who can write to the DAG folder controls;
the page must not run what it says. Markdown is rendered by markdown-it-py with raw HTML
turned off, so ``<script>`` in a doc is shown as text, and its link check refuses
``javascript:``-style URLs. The other kinds are shown as preformatted text, as Airflow does
for anything but Markdown.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

# The order the task page lists them in; Markdown first, as the usual choice.
DOC_LABELS = {
    "doc_md": "Markdown",
    "doc": "Text",
    "doc_rst": "reStructuredText",
    "doc_json": "JSON",
    "doc_yaml": "YAML",
}

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@functools.cache
def _markdown() -> MarkdownIt:
    """Built on the first page with Markdown: an idle webserver does without it (1 MiB)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class RenderedDoc:
    kind: str  # doc_md, doc, doc_rst, doc_json or doc_yaml
    label: str
    html: Markup


def render_markdown(text: str) -> Markup:
    """Markdown as HTML, with any HTML in the source escaped rather than passed through."""
    return Markup(_markdown().render(text))


def render_doc(kind: str, text: str) -> Markup:
    """``doc_md`` as Markdown; every other kind as escaped preformatted text."""
    if kind == "doc_md":
        return render_markdown(text)
    return Markup(f'<pre class="doc-text">{escape(text)}</pre>')


def rendered_docs(attributes: Mapping[str, Any]) -> list[RenderedDoc]:
    """Each documentation attribute that is set, rendered, in :data:`DOC_LABELS` order."""
    return [
        RenderedDoc(kind, label, render_doc(kind, str(attributes[kind])))
        for kind, label in DOC_LABELS.items()
        if attributes.get(kind)
    ]
