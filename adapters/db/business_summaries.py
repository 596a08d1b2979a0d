"""The statements behind the directory's hot reads (the list, the map, "around me"): built
once per filter shape and database, then executed again and again with new values. Building
a statement per request and running it through the ORM session cost more than the query (a
list page: 1.1 ms of Python; built once and run as SqlDirectoryReads._reading runs it: 0.3 ms,
measured with the bench data). Each read is one statement: the businesses carry their
category ids, and a category filter names the categories asked for, whose children count too,
so nothing is looked up beforehand or afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Dialect,
    Float,
    Select,
    String,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from adapters.db.collation import GERMAN
from adapters.db.directory import (
    BusinessCategoryRow,
    BusinessRow,
    CategoryRow,
    name_in_german_order,
)
from domain.directory.ports import BusinessFilter

SUMMARY_COLUMNS = (
    BusinessRow.id,
    BusinessRow.name,
    BusinessRow.kind,
    BusinessRow.lat,
    BusinessRow.lon,
    BusinessRow.city,
    BusinessRow.verified_at,
    BusinessRow.hidden_at,
    cast(BusinessRow.opening_hours, Text).label("opening_hours"),  # text: the parse cache's key
    BusinessRow.delivers,
    BusinessRow.offers_pickup,
)
# A category page is first sought among this many pages' worth of the list, in name order
# (see SqlDirectoryReads._page_in_categories).
WINDOW_PAGES = 16
_ASYNCPG = asyncpg_dialect()


class _IdList(TypeDecorator[list[UUID]]):
    """A list of ids gathered in SQL: a uuid[] on PostgreSQL, a JSON array of hex on SQLite."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Uuid()))
        return dialect.type_descriptor(Text())

    def process_result_value(self, value: Any, dialect: Dialect) -> list[UUID]:
        if isinstance(value, str):
            return [UUID(hex=item) for item in json.loads(value)]
        return list(value or ())


def _category_ids_of(dialect: str, business_id: Any) -> ColumnElement[list[UUID]]:
    links = select(
        BusinessCategoryRow.category_id
        if dialect == "postgresql"
        else func.json_group_array(BusinessCategoryRow.category_id)
    ).where(
        BusinessCategoryRow.tenant_id == bindparam("tenant_id"),
        BusinessCategoryRow.business_id == business_id,
    )
    gathered = links.scalar_subquery()
    if dialect == "postgresql":
        gathered = func.array(gathered)
    return type_coerce(gathered, _IdList()).label("category_ids")


@dataclass(frozen=True)
class Shape:
    """Which of a BusinessFilter's conditions a statement carries (their values are bound on
    each execution), on which database."""

    dialect: str
    include_hidden: bool
    verified_only: bool
    kinds: bool
    delivers: bool
    categories: bool

    @classmethod
    def of(cls, where: BusinessFilter, dialect: str) -> Shape:
        return cls(
            dialect,
            where.include_hidden,
            where.verified_only,
            bool(where.kinds),
            where.delivers is not None,
            bool(where.category_ids),
        )


def filter_values(tenant_id: Any, where: BusinessFilter) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "kinds": [k.value for k in where.kinds],
        "delivers": where.delivers,
        "asked": list(where.category_ids),
    }


def one_of(
    dialect: str, column: Any, name: str, item: TypeEngine[Any] | None = None
) -> ColumnElement[bool]:
    """`column` is one of the values (ids unless `item` says otherwise) bound as `name`.
    PostgreSQL gets one array parameter (`= ANY`): an IN list of hundreds of parameters costs
    ~10 ms to bind and prepare anew for every length, and asyncpg runs the statement as it
    was compiled (no expanding parameters)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(item or Uuid())))
    return column.in_(bindparam(name, expanding=True))


def _in_categories(business_id: Any, dialect: str, *, per_row: bool = False) -> ColumnElement[bool]:
    """The business is in one of the categories bound as `asked`, or in a child of one."""
    wanted = select(CategoryRow.id).where(
        CategoryRow.tenant_id == bindparam("tenant_id"),
        or_(
            one_of(dialect, CategoryRow.id, "asked"),
            one_of(dialect, CategoryRow.parent_id, "asked"),
        ),
    )
    # The wanted categories are found once per statement: PostgreSQL computes ARRAY(...) as
    # an init plan (as a join it would scan the categories again for every business), SQLite
    # an uncorrelated IN once.
    in_wanted = (
        BusinessCategoryRow.category_id == any_(func.array(wanted.scalar_subquery()))
        if dialect == "postgresql"
        else BusinessCategoryRow.category_id.in_(wanted)
    )
    linked = select(BusinessCategoryRow.business_id).where(
        BusinessCategoryRow.tenant_id == bindparam("tenant_id"),
        BusinessCategoryRow.business_id == business_id,
        in_wanted,
    )
    # OFFSET 0 keeps PostgreSQL from turning the check into a join (it does not flatten an
    # EXISTS with an OFFSET): each row is checked by one index probe, in order.
    return (linked.offset(0) if per_row else linked).exists()


def _filtered(shape: Shape, *, categories: bool) -> Select:
    query = select(*SUMMARY_COLUMNS, _category_ids_of(shape.dialect, BusinessRow.id)).where(
        BusinessRow.tenant_id == bindparam("tenant_id")
    )
    if not shape.include_hidden:
        query = query.where(BusinessRow.hidden_at.is_(None))
    if shape.verified_only:
        query = query.where(BusinessRow.verified_at.is_not(None))
    if shape.kinds:
        query = query.where(one_of(shape.dialect, BusinessRow.kind, "kinds", String()))
    if shape.delivers:
        query = query.where(BusinessRow.delivers == bindparam("delivers"))
    if categories and shape.categories:
        query = query.where(_in_categories(BusinessRow.id, shape.dialect))
    return query


@lru_cache(maxsize=256)
def page(shape: Shape, *, after: bool, window: bool) -> Select:
    """`size` businesses by name in German order, then id; with `after`, those after the
    cursor (`after_name`, `after_id`), compared in the same collation as the order and the
    index. With `window`, the category filter is checked per row within the next `window`
    businesses only."""
    query = _filtered(shape, categories=not window)
    if after:
        cursor = tuple_(bindparam("after_name", type_=String), bindparam("after_id", type_=Uuid))
        query = query.where(tuple_(name_in_german_order, BusinessRow.id) > cursor)
    in_order = query.order_by(name_in_german_order, BusinessRow.id)
    if not window:
        return in_order.limit(bindparam("size"))
    rows = in_order.with_only_columns(*SUMMARY_COLUMNS).limit(bindparam("window")).subquery()
    return (
        select(rows, _category_ids_of(shape.dialect, rows.c.id))
        .where(_in_categories(rows.c.id, shape.dialect, per_row=True))
        .order_by(rows.c.name.collate(GERMAN), rows.c.id)
        .limit(bindparam("size"))
    )


def _inside(shape: Shape) -> Select:
    """Those in the box bound as `min_lat` .. `max_lon` (one that does not cross the
    antimeridian)."""
    return _filtered(shape, categories=True).where(
        BusinessRow.lat.between(bindparam("min_lat"), bindparam("max_lat")),
        BusinessRow.lon.between(bindparam("min_lon"), bindparam("max_lon")),
    )


@lru_cache(maxsize=64)
def any_in_box(shape: Shape) -> Select:
    """Up to `size` in the box, in whatever order the plan finds them."""
    return _inside(shape).limit(bindparam("size"))


@lru_cache(maxsize=64)
def in_box(shape: Shape) -> Select:
    """The first `size` in the box by id: which pins a full map keeps is decided, not left
    to the plan (domain/discovery/model.py)."""
    return _inside(shape).order_by(BusinessRow.id).limit(bindparam("size"))


@lru_cache(maxsize=64)
def near(shape: Shape) -> Select:
    """In the box around the centre (`lat`, `lon`), ordered by a flat-earth distance (exact
    enough within a city; `shrink` is the cosine of the latitude), then measured by the
    caller."""
    lat, lon = bindparam("lat", type_=Float), bindparam("lon", type_=Float)
    shrink = bindparam("shrink", type_=Float)
    flat = (BusinessRow.lat - lat) * (BusinessRow.lat - lat) + (
        (BusinessRow.lon - lon) * shrink
    ) * ((BusinessRow.lon - lon) * shrink)
    return _inside(shape).order_by(flat, BusinessRow.id).limit(bindparam("size"))


@lru_cache(maxsize=512)
def for_asyncpg(statement: Select) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """PostgreSQL: the statement as asyncpg runs it, compiled once: its SQL, the names of its
    parameters in order, and the values it holds itself (such as OFFSET 0)."""
    compiled = statement.compile(dialect=_ASYNCPG)
    return str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params)
