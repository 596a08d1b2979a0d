"""Full-text search over the items of every registered kind, one index for all."""

from __future__ import annotations

import re
from uuid import UUID

from domain.discovery.map import bounded_limit
from domain.discovery.model import SearchHit
from domain.discovery.ports import SearchReads, Taxonomy
from domain.errors import FieldProblem, InvalidInput

MAX_QUERY_LENGTH = 200
MAX_SEARCH_RESULTS = 50
_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(text: str) -> list[str]:
    """The words of a query, lower-cased (none in "?!"); InvalidInput for an overlong one."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput([FieldProblem("q", f"at most {MAX_QUERY_LENGTH} characters")])
    return [w.lower() for w in _WORD.findall(text)][:12]


async def search(
    text: str,
    *,
    kinds: tuple[str, ...],
    categories: tuple[str, ...],
    known_kinds: tuple[str, ...],
    index: SearchReads,
    taxonomy: Taxonomy,
    language: str,
    limit: int,
) -> list[SearchHit]:
    """Items of the kinds asked for (every registered kind when none is), in one of the
    categories named by id or key when some are, found in any of the tenant's languages; the
    snippets in `language` (the request's, one of the tenant's locales) where there is one."""
    unknown = [k for k in kinds if k not in known_kinds]
    if unknown:
        raise InvalidInput(
            [FieldProblem("type", f"{unknown[0]!r} is not one of {', '.join(known_kinds)}")]
        )
    limit = bounded_limit(limit, MAX_SEARCH_RESULTS)
    if not search_words(text):
        return []  # nothing to look for: punctuation alone finds nothing
    category_ids: tuple[UUID, ...] = ()
    if categories:
        category_ids = await taxonomy.ids_within(categories)
        if not category_ids:
            return []  # categories that do not exist hold nothing
    return await index.search(
        text,
        kinds=kinds or known_kinds,
        category_ids=category_ids,
        language=language,
        limit=limit,
    )
