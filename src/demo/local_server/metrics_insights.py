"""The subset of CloudWatch Metrics Insights that alarms over many series use, parsed and evaluated
over stored datapoints (pure).

    SELECT AVG|SUM|MAX|MIN|COUNT(metric)
    FROM namespace | SCHEMA(namespace [, label ...])
    [WHERE label = 'value' | label != 'value' [AND ...]]
    [GROUP BY label [, ...]]
    [ORDER BY AVG()|SUM()|MAX()|MIN()|COUNT() [ASC|DESC]]
    [LIMIT n]

As the user guide's "Query components and syntax" has it: keywords in any case, identifiers exact;
a name with characters other than letters, digits and _ (or a keyword) in double quotes, a value in
single quotes, \\ escaping a quote; FROM namespace matches the metric whatever its dimensions,
SCHEMA only those with exactly its labels (none: no dimensions); GROUP BY makes a series per value
combination, a missing label grouped as "Other", ordered by label values unless ORDER BY orders
them by FUNCTION applied to each series' datapoints (ASC by default); at most 500 series (LIMIT
1-500), at most 10,000 metrics processed. Anything else the language has (OR, LIKE, IN, NOT, other
operators, tag and account labels in SCHEMA) raises UnimplementedQueryError; what is not Metrics
Insights at all raises QuerySyntaxError. Decided here: `!=` also matches a metric without the label.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FUNCTIONS = ("AVG", "SUM", "MAX", "MIN", "COUNT")
STATISTICS = ("Sum", "Average", "Maximum", "Minimum", "SampleCount")  # of a metric stat or a search
MAX_SERIES = 500  # "A single query can return no more than 500 time series"
MAX_METRICS = 10_000  # "A single query can process no more than 10,000 metrics"
OTHER = "Other"  # the group of metrics that lack a GROUP BY label
KEYWORDS = frozenset({"SELECT", "FROM", "SCHEMA", "WHERE", "AND", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT"})
UNSUPPORTED = frozenset({"OR", "LIKE", "IN", "NOT", "BETWEEN", "IS", "NULL", "HAVING", "JOIN", "AS", "TAG"})
TOKEN = re.compile(
    r"""\s*(?:(?P<dq>"(?:[^"\\]|\\.)*")|(?P<sq>'(?:[^'\\]|\\.)*')|(?P<op>!=|<=|>=|<>|[=(),<>*])"""
    r"""|(?P<num>\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<bad>\S))"""
)


class QuerySyntaxError(ValueError):
    """Not a Metrics Insights query."""


class UnimplementedQueryError(ValueError):
    """A Metrics Insights query using what this subset does not implement."""


@dataclass(frozen=True, slots=True)
class Condition:
    label: str
    equal: bool  # = or !=
    value: str


@dataclass(frozen=True, slots=True)
class Query:
    function: str
    metric: str
    namespace: str
    schema: frozenset[str] | None  # SCHEMA's labels; None for FROM namespace
    where: tuple[Condition, ...] = ()
    group_by: tuple[str, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int = MAX_SERIES


@dataclass(frozen=True, slots=True)
class Sample:
    """One stored datapoint: a single value (count 1) or a statistic set."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    seconds: float
    total: float
    count: float
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class Series:
    labels: tuple[tuple[str, str], ...]  # the GROUP BY labels and their values, in the query's order
    points: dict[int, float]  # period start (seconds) -> value


@dataclass(frozen=True, slots=True)
class Result:
    series: tuple[Series, ...]
    partial: bool  # more than 500 series, or more than 10,000 metrics: not all were returned


def tokens(text: str) -> list[tuple[str, str]]:
    found = []
    for match in TOKEN.finditer(text):
        kind = str(match.lastgroup)
        if kind == "bad":
            raise QuerySyntaxError(f"unexpected character {match.group(kind)!r}")
        found.append((kind, match.group(kind)))
    return found


class Parser:
    def __init__(self, text: str) -> None:
        self.items = tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.at] if self.at < len(self.items) else ("end", "")

    def keyword(self, *words: str) -> str | None:
        kind, text = self.peek()
        if kind == "word" and text.upper() in words:
            self.at += 1
            return text.upper()
        return None

    def expect(self, word: str) -> None:
        if self.keyword(word) is None:
            raise QuerySyntaxError(f"expected {word}, found {self.peek()[1] or 'the end'!r}")

    def symbol(self, *symbols: str) -> str | None:
        kind, text = self.peek()
        if kind == "op" and text in symbols:
            self.at += 1
            return text
        return None

    def need(self, symbol: str) -> None:
        if self.symbol(symbol) is None:
            raise QuerySyntaxError(f"expected {symbol!r}, found {self.peek()[1] or 'the end'!r}")

    def name(self) -> str:
        kind, text = self.peek()
        if kind == "dq":
            self.at += 1
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "word" and text.upper() not in KEYWORDS:
            if text.upper() in UNSUPPORTED:
                raise UnimplementedQueryError(f"{text.upper()} is not implemented")
            if "." in text:
                raise UnimplementedQueryError(f"labels such as {text} (tags, AWS.*) are not implemented")
            self.at += 1
            return text
        raise QuerySyntaxError(f"expected a name, found {text or 'the end'!r}")

    def function(self) -> str:
        kind, text = self.peek()
        if kind == "word" and text.upper() in FUNCTIONS:
            self.at += 1
            return text.upper()
        if kind == "word" and self.at + 1 < len(self.items) and self.items[self.at + 1] == ("op", "("):
            raise UnimplementedQueryError(f"the function {text} is not implemented (only {', '.join(FUNCTIONS)})")
        raise QuerySyntaxError(f"expected one of {', '.join(FUNCTIONS)}, found {text or 'the end'!r}")

    def condition(self) -> Condition:
        label = self.name()
        operator = self.symbol("=", "!=")
        if operator is None:
            found = self.peek()[1] or "the end"
            raise UnimplementedQueryError(f"only = and != are implemented in WHERE, not {found!r}")
        kind, text = self.peek()
        if kind != "sq":
            raise QuerySyntaxError(f"a label value must be in single quotes, not {text or 'the end'!r}")
        self.at += 1
        return Condition(label, operator == "=", re.sub(r"\\(.)", r"\1", text[1:-1]))

    def query(self) -> Query:
        self.expect("SELECT")
        function = self.function()
        self.need("(")
        metric = self.name()
        self.need(")")
        self.expect("FROM")
        schema: frozenset[str] | None = None
        if self.keyword("SCHEMA"):
            self.need("(")
            namespace = self.name()
            labels = []
            while self.symbol(","):
                labels.append(self.name())
            self.need(")")
            schema = frozenset(labels)
        else:
            namespace = self.name()
        where: list[Condition] = []
        if self.keyword("WHERE"):
            where.append(self.condition())
            while self.keyword("AND"):
                where.append(self.condition())
        group_by: list[str] = []
        if self.keyword("GROUP"):
            self.expect("BY")
            group_by.append(self.name())
            while self.symbol(","):
                group_by.append(self.name())
        order_by, descending = None, False
        if self.keyword("ORDER"):
            self.expect("BY")
            order_by = self.function()
            self.need("(")
            self.need(")")
            descending = self.keyword("ASC", "DESC") == "DESC"
        limit = MAX_SERIES
        if self.keyword("LIMIT"):
            kind, text = self.peek()
            if kind != "num" or not 1 <= int(text) <= MAX_SERIES:
                raise QuerySyntaxError(f"LIMIT takes a number from 1 to {MAX_SERIES}, not {text or 'nothing'!r}")
            self.at += 1
            limit = int(text)
        kind, text = self.peek()
        if kind != "end":
            if kind == "word" and text.upper() in UNSUPPORTED:
                raise UnimplementedQueryError(f"{text.upper()} is not implemented")
            raise QuerySyntaxError(f"unexpected {text!r}")
        return Query(function, metric, namespace, schema, tuple(where), tuple(group_by), order_by, descending, limit)


def parse(text: str) -> Query:
    return Parser(text).query()


def is_query(expression: str) -> bool:
    """An alarm expression that is a Metrics Insights query rather than metric math."""
    return expression.lstrip().upper().startswith("SELECT")


def matches(query: Query, sample: Sample) -> bool:
    if (sample.namespace, sample.metric) != (query.namespace, query.metric):
        return False
    labels = dict(sample.dimensions)
    if query.schema is not None and set(labels) != query.schema:
        return False
    return all((labels.get(c.label) == c.value) is c.equal for c in query.where)


def aggregate(function: str, samples: Sequence[Sample]) -> float:
    if function == "SUM":
        return sum(s.total for s in samples)
    if function == "COUNT":
        return sum(s.count for s in samples)
    if function == "MAX":
        return max(s.maximum for s in samples)
    if function == "MIN":
        return min(s.minimum for s in samples)
    return sum(s.total for s in samples) / sum(s.count for s in samples)  # AVG


def statistic(name: str, samples: Sequence[Sample]) -> float:
    """A statistic over the datapoints of one period (each a value or a statistic set)."""
    total, count = sum(s.total for s in samples), sum(s.count for s in samples)
    return {
        "Sum": total,
        "SampleCount": count,
        "Average": total / count if count else 0.0,
        "Maximum": max(s.maximum for s in samples),
        "Minimum": min(s.minimum for s in samples),
    }[name]


def scalar(function: str, values: Sequence[float]) -> float:
    """ORDER BY's value of a series: the function over its datapoints."""
    if function == "SUM":
        return sum(values)
    if function == "COUNT":
        return float(len(values))
    if function == "MAX":
        return max(values)
    if function == "MIN":
        return min(values)
    return sum(values) / len(values)


def evaluate(query: Query, samples: Iterable[Sample], start: float, end: float, period: int) -> Result:
    """The query's series over [start, end) in periods aligned on the epoch."""
    metrics: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    partial = False
    grouped: dict[tuple[tuple[str, str], ...], dict[int, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    for sample in samples:
        if not (start <= sample.seconds < end and matches(query, sample)):
            continue
        identity = (sample.metric, sample.dimensions)
        if identity not in metrics and len(metrics) >= MAX_METRICS:
            partial = True
            continue
        metrics.add(identity)
        labels = dict(sample.dimensions)
        group = tuple((label, labels.get(label, OTHER)) for label in query.group_by)
        grouped[group][int(sample.seconds // period) * period].append(sample)
    series = [
        Series(group, {bucket: aggregate(query.function, found) for bucket, found in buckets.items()})
        for group, buckets in grouped.items()
    ]
    series.sort(key=lambda s: [value for _, value in s.labels])  # by label values; ORDER BY breaks ties so
    if query.order_by:
        by = query.order_by
        series.sort(key=lambda s: scalar(by, list(s.points.values())), reverse=query.descending)
    partial = partial or len(series) > MAX_SERIES
    return Result(tuple(series[: query.limit]), partial)
