"""How the network map renders 2,000 people in headless Chromium (part of `make bench`).

Serves the vendored Cytoscape and static/js/network-map.js with a synthetic person-level data
set (2,000 nodes, 5,000 edges, 5 % single points of failure), then measures the time until the
map is drawn and the frame times while panning and zooming. Skipped when Chromium is missing.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import random
import shutil
import statistics
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link id="__________cytoscape_stylesheet" rel="stylesheet" href="cytoscape-container.css">
<style>#network-map {{ width: 1200px; height: 800px; }}</style></head>
<body><div id="network-map-frame"><div id="network-map" data-src="data.json"></div></div>
<script src="cytoscape.min.js"></script><script src="network-map.js"></script></body></html>"""

FRAMES_JS = """async (steps) => {
  const cy = window.lmiNetworkMap;
  const times = [];
  let last = performance.now();
  for (let i = 0; i < steps; i++) {
    if (i % 2) { cy.panBy({x: 15, y: 10}); } else { cy.zoom(cy.zoom() * (i % 4 ? 1.03 : 0.97)); }
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    times.push(now - last);
    last = now;
  }
  return times;
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def synthetic(nodes: int, edges: int, seed: int = 2026) -> dict[str, object]:
    rng = random.Random(seed)
    node_list = [
        {"id": f"p{i}", "label": f"Persoon {i}", "degree": 0, "spof": rng.random() < 0.05}
        for i in range(nodes)
    ]
    edge_list = []
    for j in range(edges):
        a, b = rng.sample(range(nodes), 2)
        node_list[a]["degree"] = int(node_list[a]["degree"]) + 1  # type: ignore[call-overload]
        node_list[b]["degree"] = int(node_list[b]["degree"]) + 1  # type: ignore[call-overload]
        edge_list.append({"id": f"e{j}", "source": f"p{a}", "target": f"p{b}", "weight": 1})
    return {"level": "persoon", "nodes": node_list, "edges": edge_list, "truncated": False}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--edges", type=int, default=5000)
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("map render: skipped (no chromium; `make chromium` installs it)")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        vendor = ROOT / "static" / "vendor" / "cytoscape-3.34.4"
        shutil.copy(vendor / "cytoscape.min.js", site)
        shutil.copy(vendor / "cytoscape-container.css", site)
        shutil.copy(ROOT / "static" / "js" / "network-map.js", site)
        (site / "index.html").write_text(PAGE.format(), encoding="utf-8")
        (site / "data.json").write_text(json.dumps(synthetic(args.nodes, args.edges)))
        handler = functools.partial(_QuietHandler, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                page.wait_for_selector("#network-map[data-rendered='1']", timeout=120_000)
                drawn_ms = page.evaluate("performance.now()")
                frames = page.evaluate(FRAMES_JS, 120)
                browser.close()
        finally:
            server.shutdown()
    frames.sort()
    p95 = frames[int(len(frames) * 0.95) - 1]
    print(
        f"map render: {args.nodes} nodes, {args.edges} edges: drawn after {drawn_ms:.0f} ms; "
        f"pan/zoom frames median {statistics.median(frames):.1f} ms, p95 {p95:.1f} ms "
        f"(60 fps = 16.7 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
