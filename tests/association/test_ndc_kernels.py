"""The NDC association's node tables and scoring kernel (``openndc.association.nodes``):
the numba kernel against its plain reference, the pruning by cluster bounds, the cache."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openndc.association import ConstantVelocity
from openndc.association.ndc import _Source
from openndc.association.nodes import (
    CandidateDetections,
    NodeArrays,
    NodeTables,
    _NodeTableCache,
    build_node_tables,
    cached_node_tables,
    score_nodes,
    score_nodes_py,
)
from openndc.traveltime import load_travel_times

PARAMS = {"regional_spacing": 1.0, "regional_margin": 5.0, "global_spacing": 12.0}


def _sites(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A Central-Asian network with a few distant sites (an NDC's IMS partners)."""
    lat = np.concatenate([rng.uniform(40.0, 55.0, n - 2), [69.5, -20.0]])
    lon = np.concatenate([rng.uniform(60.0, 85.0, n - 2), [25.5, 135.0]])
    return lat, lon


def _tables(seed: int, n_sites: int = 8, local: float = 0.0) -> tuple[NodeTables, _Source]:
    """``local``: spacing of nodes around each site (``ndc_local_spacing``, 2 deg radius)."""
    rng = np.random.default_rng(seed)
    lat, lon = _sites(rng, n_sites)
    src = _Source(load_travel_times("ak135"), (0.0, 150.0))
    return build_node_tables(lat, lon, src, depths=(0.0, 150.0), local_spacing=local,
                             local_radius=2.0, **PARAMS), src  # fmt: skip


def _detections(
    tables: NodeTables, seed: int, n_det: int = 60
) -> tuple[CandidateDetections, list[int]]:
    """Detections of two events at nodes of the tables (P times at every site with noise),
    plus random false ones; some with back-azimuth and slowness, some unusable."""
    rng = np.random.default_rng(seed)
    n_sites = tables.tp.shape[1]
    rows: list[tuple[float, int, float, float]] = []
    for k, t0 in ((int(rng.integers(0, tables.tp.shape[0])), 100.0), (17, 900.0)):
        for s in range(n_sites):
            tt = float(tables.tp[k, s])
            if math.isfinite(tt):
                b = float(tables.baz[k, s]) + rng.normal(0, 3) if s % 2 else math.nan
                p = float(tables.slow[k, s]) + rng.normal(0, 0.5) if s % 3 == 0 else math.nan
                rows.append((t0 + tt + rng.normal(0, 0.5), s, b, p))
    while len(rows) < n_det:
        b = rng.uniform(0, 360) if rng.random() < 0.4 else math.nan
        rows.append((rng.uniform(0, 2000), int(rng.integers(0, n_sites)), b, math.nan))
    rows.sort()
    t = np.array([r[0] for r in rows])
    site = np.array([r[1] for r in rows], dtype=np.int64)
    baz = np.array([r[2] for r in rows])
    slow = np.array([r[3] for r in rows])
    n = t.size
    dets = CandidateDetections(
        t,
        site,
        baz,
        np.full(n, 15.0),
        slow,
        np.full(n, 2.0),
        rng.uniform(0.2, 1.0, n),
        rng.uniform(0.2, 1.0, n),
        rng.random(n) < 0.9,
    )
    drivers = [int(i) for i in np.flatnonzero(np.isin(t, t[:5])) if dets.usable[i]]
    drivers += [int(np.argmin(np.abs(t - 900.0 - np.nanmin(tables.tp[17]))))]
    return dets, drivers


@pytest.mark.parametrize(("seed", "local"), [(0, 0.0), (1, 0.0), (5, 0.4)])
def test_score_kernel_matches_reference(seed: int, local: float) -> None:
    tables, _ = _tables(seed, local=local)
    nodes = tables.arrays()
    dets, drivers = _detections(tables, seed)
    n = dets.t.size
    for drv in drivers:
        s1, r1 = score_nodes(drv, nodes, dets, 0, n, 2.0, -math.inf, math.inf)
        s2, r2 = score_nodes_py(drv, nodes, dets, 0, n, 2.0)
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(r1, r2)
    assert max(float(score_nodes_py(d, nodes, dets, 0, n, 2.0)[0].max()) for d in drivers) > 5


@pytest.mark.parametrize(("seed", "local"), [(2, 0.0), (3, 0.0), (6, 0.4)])
def test_pruned_scores_are_exact_where_used(seed: int, local: float) -> None:
    """With a ``floor`` and ``enough``, the nodes a caller uses keep their exact score and
    residual sum: the best ones once the best reaches ``enough``, else all from ``floor``
    up; every other node is either exact or -1 (also with nodes of two cell sizes: the
    nodes around each site)."""
    tables, _ = _tables(seed, local=local)
    nodes = tables.arrays()
    dets, drivers = _detections(tables, seed)
    n = dets.t.size
    pruned = 0
    for drv in drivers:
        ref_s, ref_r = score_nodes_py(drv, nodes, dets, 0, n, 2.0)
        for floor, enough in ((3.0, 6.0), (5.0, 5.0), (2.0, 1e9)):
            s, r = score_nodes(drv, nodes, dets, 0, n, 2.0, floor, enough)
            top = float(ref_s.max())
            keep = ref_s == top if top >= enough else ref_s >= floor
            np.testing.assert_array_equal(s[keep], ref_s[keep])
            np.testing.assert_array_equal(r[keep], ref_r[keep])
            other = ~keep & (s != -1.0)
            np.testing.assert_array_equal(s[other], ref_s[other])
            assert float(s.max()) == top or (top < floor and float(s.max()) < floor)
            pruned += int(np.sum((s == -1.0) & (ref_s >= 0.0)))
    assert pruned > 0  # the bounds do skip nodes


@pytest.mark.parametrize("local", [0.0, 0.4])
def test_clusters_partition_the_nodes_and_bound_them(local: float) -> None:
    tables, _ = _tables(4, local=local)
    order, start = tables.cluster_order, tables.cluster_start
    assert np.array_equal(np.sort(order), np.arange(tables.tp.shape[0]))
    assert start[0] == 0 and start[-1] == order.size and np.all(np.diff(start) > 0)
    for c in range(start.size - 1):
        members = order[start[c] : start[c + 1]]
        assert np.unique(tables.depth[members]).size == 1
        tp = tables.tp[members].astype(float)
        with np.errstate(invalid="ignore"):
            assert np.all((tp >= tables.cluster_tp_lo[c]) | np.isnan(tp))
            assert np.all((tp <= tables.cluster_tp_hi[c]) | np.isnan(tp))
        lim = tables.half_cell[members][:, None] * tables.slow[members].astype(float)
        assert np.all((lim <= tables.cluster_lim[c]) | np.isnan(lim))


def test_cache_gives_the_tables_of_a_fresh_build_in_any_site_order() -> None:
    rng = np.random.default_rng(5)
    lat, lon = _sites(rng, 7)
    model = load_travel_times("ak135")
    src = _Source(model, (0.0, 150.0))
    cache = _NodeTableCache(2)
    a = cache.tables(lat, lon, src, depths=(0.0, 150.0), **PARAMS)
    perm = rng.permutation(lat.size)
    b = cache.tables(lat[perm], lon[perm], src, depths=(0.0, 150.0), **PARAMS)
    fresh = build_node_tables(lat[perm], lon[perm], src, depths=(0.0, 150.0), **PARAMS)
    for name, value in vars(fresh).items():
        np.testing.assert_array_equal(getattr(b, name), value, err_msg=name)
    for name in ("tp", "baz", "slow", "cluster_tp_lo"):
        np.testing.assert_array_equal(getattr(a, name)[:, perm], getattr(b, name))
    # one build for both orders; cached arrays are read-only
    assert b.latitude is a.latitude and not a.latitude.flags.writeable
    # other sites, other settings or another model: other tables; at most 2 kept per model
    c = cache.tables(lat[:-1], lon[:-1], src, depths=(0.0, 150.0), **PARAMS)
    assert c.tp.shape[1] == lat.size - 1
    d = cache.tables(lat, lon, src, depths=(0.0,), **PARAMS)
    assert d.tp.shape[0] < a.tp.shape[0]
    (entries,) = [e for _, e in cache._by_model.values()]
    assert len(entries) == 2
    other = _Source(ConstantVelocity(6.0, 3.5), (0.0,), ("P",))
    e = cache.tables(lat, lon, other, depths=(0.0,), **PARAMS)
    assert not np.array_equal(np.nan_to_num(e.tp), np.nan_to_num(d.tp))
    assert len(cache._by_model) == 2
    del other, e
    import gc

    gc.collect()
    assert len(cache._by_model) == 1  # a model that is gone takes its tables with it


def test_cached_node_tables_is_what_the_association_uses() -> None:
    tables, src = _tables(6)
    rng = np.random.default_rng(6)
    lat, lon = _sites(rng, 8)
    got = cached_node_tables(lat, lon, src, depths=(0.0, 150.0), **PARAMS)
    for name, value in vars(tables).items():
        np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)
    assert isinstance(got.arrays(), NodeArrays)


def test_first_p_tables_are_shared_per_model_and_copied_per_run() -> None:
    """The association's first-P tables are built once per model and depth set; each run
    gets a copy whose later depths the next run does not see."""
    from openndc.association import AssociationConfig
    from openndc.association.ndc import _SOURCES

    model = load_travel_times("ak135")
    cfg = AssociationConfig()
    levels = (0.0, 150.0)
    first = _SOURCES.get(model, (levels, cfg.phases), lambda: _Source(model, levels, cfg.phases))
    one, two = first.copy(), first.copy()
    one.add_depth(33.0)
    assert 33.0 in one.depths and 33.0 not in two.depths and 33.0 not in first.depths
    fresh = _Source(model, levels, cfg.phases)
    dist = np.linspace(0.0, 150.0, 301)
    for h in levels:
        np.testing.assert_array_equal(two.p_time(dist, h)[0], fresh.p_time(dist, h)[0])
    assert two.depths == fresh.depths
