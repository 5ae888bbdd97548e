"""The person graph of confirmed ties (networkx), and shortest paths through it.

Nodes are person ids, edges confirmed ties (declared-and-confirmed or derived; a pair with both
is one edge). Anonymised people are not in the graph: they can introduce nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

import networkx as nx

from .models import Tie


def build_graph() -> nx.Graph:
    """The graph of every confirmed tie between people still in the network (one query)."""
    edges = Tie.objects.filter(
        status=Tie.Status.CONFIRMED,
        person_a__anonymised_at__isnull=True,
        person_b__anonymised_at__isnull=True,
    ).values_list("person_a_id", "person_b_id")
    graph = nx.Graph()
    graph.add_edges_from(edges.iterator(chunk_size=5000))
    return graph


def introduction_paths(
    graph: nx.Graph,
    source: int,
    targets: Iterable[int],
    *,
    max_hops: int = 3,
    limit: int = 5,
) -> list[list[int]]:
    """Shortest paths (as node lists, ``source`` first) from ``source`` to the nearest of
    ``targets``, at most ``max_hops`` edges long and at most ``limit`` paths, shortest first.

    For one target these are its alternative shortest paths; for several (an organisation's
    people) the nearest people come first. ``source`` itself is never a target.
    """
    if source not in graph or limit <= 0:
        return []
    lengths = nx.single_source_shortest_path_length(graph, source, cutoff=max_hops)
    reachable = sorted((lengths[t], t) for t in set(targets) if t != source and t in lengths)
    paths: list[list[int]] = []
    for _length, target in reachable:
        found = islice(nx.all_shortest_paths(graph, source, target), limit - len(paths))
        paths.extend(sorted(found))
        if len(paths) >= limit:
            break
    return paths
