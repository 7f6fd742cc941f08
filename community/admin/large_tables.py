"""
The machinery of the lists of the large community tables: a paginator that
never counts a whole table, a change list that reuses what the paginator
read, a date hierarchy that reads two rows, the search every list shares,
and the columns several lists show.
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator, smart_split, unescape_string_literal

from .. import text_search

User = get_user_model()

EXCERPT_LENGTH = 80


class LargeTablePaginator(Paginator):
    """
    A paginator that never counts a whole large table.

    Unfiltered, on PostgreSQL, the count is the planner's estimate of the
    table's rows (`pg_class.reltuples`, kept up to date by autovacuum) when
    that is at least `estimate_above`, and a real count of the (small) table
    otherwise, in one query either way. Filtered (a search, a filter, a
    date), it first reads the first page plus one row: when that is all
    there is, it is the count and the first page at once, so a search that
    finds a few rows scans the table once, not twice; otherwise the count is
    real but stops at `count_cap` rows. On other databases an unfiltered
    list gets a real count.
    """

    estimate_above = 10_000
    count_cap = 10_000

    @cached_property
    def is_filtered(self) -> bool:
        return bool(self.object_list.query.where)

    @cached_property
    def head(self) -> list:
        """The first page and one row more, as model instances."""
        return list(self.object_list[: self.per_page + 1])

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if not self.is_filtered:
            if connection.vendor != "postgresql":
                return queryset.count()
            table = connection.ops.quote_name(queryset.model._meta.db_table)
            # The scalar subquery is an InitPlan: PostgreSQL only runs it
            # when the estimate is below the threshold.
            sql = (
                "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "  # noqa: S608 (a quoted table name)
                f"ELSE (SELECT COUNT(*) FROM {table}) END FROM pg_class WHERE oid = %s::regclass"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [self.estimate_above, table])
                return cursor.fetchone()[0]
        if len(self.head) <= self.per_page:
            return len(self.head)
        return queryset.order_by().values("pk")[: self.count_cap].count()

    def page(self, number):
        number = self.validate_number(number)
        if number == 1 and "head" in self.__dict__:
            return self._get_page(self.head[: self.per_page], number, self)
        return super().page(number)


class LargeTableChangeList(ChangeList):
    """
    A change list that shows the rows its paginator already read when they
    are all there is, and no date hierarchy while searching: the hierarchy
    would read every match of the search twice more (its first and last
    date), where a plain list reads them once.
    """

    def get_results(self, request):
        super().get_results(request)
        if not self.multi_page and not self.show_all and "head" in self.paginator.__dict__:
            self.result_list = self.paginator.head
        if self.query:
            self.date_hierarchy = None


class SpanDatesMixin:
    """
    `datetimes()` as the admin's date hierarchy uses it, without a DISTINCT
    over every row: each period from the first to the last row, both found
    at the ends of the `created_at` index. On a site with activity every day
    these are the same periods; a day without rows would be listed too.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return []
        tzinfo = tzinfo or timezone.get_current_timezone()
        first = timezone.localtime(span["first"], tzinfo).date()
        last = timezone.localtime(span["last"], tzinfo).date()
        if kind == "year":
            first = first.replace(month=1, day=1)
        elif kind == "month":
            first = first.replace(day=1)
        periods = []
        current = first
        while current <= last:
            periods.append(datetime.datetime.combine(current, datetime.time.min, tzinfo))
            if kind == "year":
                current = current.replace(year=current.year + 1)
            elif kind == "month":
                current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            else:
                current += datetime.timedelta(days=1)
        return periods if order == "ASC" else periods[::-1]


class EmptyToFieldMixin:
    """
    Django's admin takes `?_to_field=` (empty) for the name of a field and
    fails looking it up (a 500); an empty one means the primary key, as no
    `_to_field` does.
    """

    def get_object(self, request, object_id, from_field=None):
        return super().get_object(request, object_id, from_field or None)


class LargeTableAdmin(EmptyToFieldMixin, admin.ModelAdmin):
    """
    Defaults for the lists of the large community tables.

    Searching follows `search_fields` (see `SearchFields`): "@name" lists one
    user's rows newest first from the index their user leads, such as
    (author, created_at); any other word matches the start of a username,
    a word of the text through the text-search index the site's search uses
    (`community.text_search`, on PostgreSQL; any part of the text on
    SQLite) or, for a number, the id. A search lists rows by id, newest
    first as ids grow with time: for a common word PostgreSQL walks the
    newest rows and tests their stored vectors, for a rare one it reads the
    index, and either way it stops at a page.
    """

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50
    search_help_text = (
        '"@name": everything by that user. Other words: the start of a username, or a word of the text '
        'in any form ("bikes" finds "bike"), "quoted words" in that order.'
    )

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def get_ordering(self, request):
        terms = search_terms(request.GET.get(SEARCH_VAR, ""))
        if terms and username_searched(terms) is None:
            return ["-pk"]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """
        `search_fields`, with the users found first: Django's own search
        joins every row to its user, which on PostgreSQL became a million
        index lookups.
        """
        search_fields = self.get_search_fields(request)
        if not search_fields:
            return super().get_search_results(request, queryset, search_term)
        fields = SearchFields.parse(search_fields)
        terms = search_terms(search_term)
        username = username_searched(terms)
        if username is not None:
            # The users' ids first, so the list comes from the index each
            # user column leads.
            user_ids = list(User.objects.filter(username__iexact=username).values_list("pk", flat=True))
            return queryset.filter(_any(fields.users_among(user_ids))), False
        indexed = bool(fields.documents) and text_search.is_available(queryset)
        if indexed:
            queryset = queryset.alias(search_document=text_search.Document())
        for term in terms:
            matches = fields.users_among(users_starting(term))
            matches += [Q(**{f"{name}__icontains": term}) for name in fields.text]
            if indexed:
                matches.append(Q(search_document=text_search.phrase_query(term)))
            else:
                matches += [Q(**{f"{name}__icontains": term}) for name in fields.documents]
            if fields.by_id and term.isascii() and term.isdigit() and int(term) <= BIGINT_MAX:
                matches.append(Q(pk=int(term)))
            queryset = queryset.filter(_any(matches))
        return queryset, False


class AuthoredAdmin(LargeTableAdmin):
    """
    A list of what users write (posts, comments): the author is chosen when
    a row is added in the admin and is read-only after, so a moderator
    cannot put words in someone else's name.
    """

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if obj is None else [*readonly, "author", "moderator_edited_at"]

    def save_model(self, request, obj, form, change):
        # A moderator's change of someone's text is never passed off as theirs.
        if change and "content" in form.changed_data:
            obj.moderator_edited_at = timezone.now()
        super().save_model(request, obj, form, change)


# The largest id a bigint column holds; a larger number is no row's id.
BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class SearchFields:
    """
    A large list's `search_fields`, in the four forms its search knows:
    `^<user>__username`, a foreign key to users matched by the start of the
    username (the whole username in an "@name" search); `=id`, the row's id
    for a number; `@content`, the text a row's stored text-search vector is
    made of (`community.text_search`), matched word by word through its
    index; and a bare field name, any part of its text.
    """

    users: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    by_id: bool = False

    @classmethod
    def parse(cls, search_fields) -> SearchFields:
        users, text, documents, by_id = [], [], [], False
        for name in search_fields:
            if name.startswith("^") and name.endswith("__username") and name.count("__") == 1:
                users.append(name[1:].removesuffix("__username"))
            elif name in ("=id", "=pk"):
                by_id = True
            elif name == f"@{text_search.INDEXED_FIELD}":
                documents.append(name[1:])
            elif name.isidentifier():
                text.append(name)
            else:
                raise ImproperlyConfigured(f"A large list can't search {name!r}.")
        return cls(users=tuple(users), text=tuple(text), documents=tuple(documents), by_id=by_id)

    def users_among(self, user_ids) -> list[Q]:
        """A condition per user column: its user is one of `user_ids` (a list or a subquery)."""
        return [Q(**{f"{name}__in": user_ids}) for name in self.users]


# Up to this many users whose name starts with a search's word are listed
# by id, so each condition on a user column is an index lookup that
# PostgreSQL can OR with the text-search index (a subquery made it read the
# whole table). A shorter start that names more people stays a subquery.
USERS_BY_PREFIX = 200


def users_starting(term: str):
    """The ids of the users whose name starts with `term`: a list, or a subquery when there are many."""
    by_prefix = User.objects.filter(username__istartswith=term).order_by().values("pk")
    ids = [row["pk"] for row in by_prefix[: USERS_BY_PREFIX + 1]]
    return by_prefix if len(ids) > USERS_BY_PREFIX else ids


def _any(conditions: list[Q]) -> Q:
    """The OR of `conditions`; none match no row."""
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def search_terms(search_term: str) -> list[str]:
    """Words of a search, with quoted phrases kept whole (as Django's admin splits them)."""
    return [
        unescape_string_literal(bit) if bit[0] in "\"'" and bit[0] == bit[-1] else bit
        for bit in smart_split(search_term)
    ]


def username_searched(terms: list[str]) -> str | None:
    """The username of an "@name" search, None for any other search."""
    if len(terms) == 1 and terms[0].startswith("@") and len(terms[0]) > 1:
        return terms[0][1:]
    return None


# Columns several lists show.


def excerpt_of(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(EXCERPT_LENGTH)


def user_change_link(user_id, username):
    if user_id is None:
        return "[deleted account]"
    return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[user_id]), username)


def site_page_link(url):
    return format_html('<a href="{}">view on site</a>', url)
