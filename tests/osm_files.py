"""Small OSM files drawn in metres, for tests: ways as point lists with their tags."""

from __future__ import annotations

from pathlib import Path

from pyproj import Transformer

#: The origin of the drawings (UTM 48N, in Chongqing).
X0, Y0 = 640000.0, 3270000.0
_TO_LONLAT = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)


def write_osm(
    path: Path,
    ways: list[tuple[int, list[tuple[float, float]], dict[str, str]]],
    node_tags: dict[tuple[float, float], dict[str, str]] | None = None,
):
    """``ways``: ``[(way_id, [(x, y), ...], {tag: value})]`` in metres from ``X0``/``Y0``;
    a point drawn twice is one node; ``node_tags``: tags of the nodes at some points."""
    ids: dict[tuple[float, float], int] = {}
    node_tags = node_tags or {}
    nodes, body = [], []
    for way_id, pts, tags in ways:
        refs = []
        for p in pts:
            if p not in ids:
                ids[p] = len(ids) + 1
                lon, lat = _TO_LONLAT.transform(X0 + p[0], Y0 + p[1])
                n_tags = node_tags.get(p, {})
                n_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in n_tags.items())
                head = f'<node id="{ids[p]}" version="1" lat="{lat:.8f}" lon="{lon:.8f}">'
                nodes.append(f"{head}{n_xml}</node>")
            refs.append(f'<nd ref="{ids[p]}"/>')
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body.append(f'<way id="{way_id}" version="1">{"".join(refs)}{tag_xml}</way>')
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        + "\n".join(nodes + body)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path
