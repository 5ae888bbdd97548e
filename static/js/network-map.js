/* The network map: draws /netwerk/kaart/data.json with Cytoscape.js.
 *
 * The same nodes and edges are in the server-rendered tables on the page (the accessible and
 * no-JavaScript path); this only adds the picture. Tuned for ~2,000 nodes: no animations,
 * a texture while panning/zooming, edges hidden while the viewport moves, labels only when
 * zoomed in far enough to read them. The instance is exposed as window.lmiNetworkMap.
 */
(function () {
  "use strict";

  var SPOF = "#d9480f";
  var NODE = "#5b7fa6";

  function styles(level) {
    var nodeSize = level === "organisatie" ? "mapData(degree, 0, 12, 22, 44)" : 16;
    return [
      {
        selector: "node",
        style: {
          "background-color": NODE,
          "border-color": "#1f3b57",
          "border-width": 1,
          shape: level === "organisatie" ? "round-rectangle" : "ellipse",
          width: nodeSize,
          height: nodeSize,
          label: "data(label)",
          "font-size": level === "organisatie" ? 12 : 9,
          color: "#212529",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "min-zoomed-font-size": 7,
        },
      },
      {
        // Not colour alone: a different shape and a thick black border as well.
        selector: "node.spof",
        style: {
          "background-color": SPOF,
          shape: "diamond",
          "border-color": "#000",
          "border-width": 4,
          "font-weight": "bold",
        },
      },
      {
        selector: "edge",
        style: {
          width: level === "organisatie" ? "mapData(weight, 1, 12, 1.5, 12)" : 1,
          "line-color": "#8a9aab",
          "curve-style": "haystack",
          opacity: 0.8,
        },
      },
      {
        selector: "edge.spof",
        style: {
          "line-color": SPOF,
          "line-style": "dashed",
          "curve-style": "straight",
          width: level === "organisatie" ? 4 : 3,
          opacity: 1,
        },
      },
      {
        selector: ":selected",
        style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.4 },
      },
    ];
  }

  function elements(data) {
    var items = [];
    data.nodes.forEach(function (node) {
      items.push({ group: "nodes", data: node, classes: node.spof ? "spof" : "" });
    });
    data.edges.forEach(function (edge) {
      items.push({ group: "edges", data: edge, classes: edge.spof ? "spof" : "" });
    });
    return items;
  }

  function layout(data) {
    if (data.nodes.length > 400) {
      // cose on thousands of nodes takes too long in a browser; rings by degree do not.
      return {
        name: "concentric",
        animate: false,
        concentric: function (node) { return node.data("degree"); },
        levelWidth: function () { return 2; },
        minNodeSpacing: 4,
      };
    }
    return {
      name: "cose",
      animate: false,
      randomize: false,
      nodeRepulsion: function () { return 9000; },
      idealEdgeLength: function () { return data.level === "organisatie" ? 120 : 60; },
      numIter: 1500,
    };
  }

  function draw(container, data) {
    var frame = document.getElementById("network-map-frame");
    if (frame) frame.classList.remove("d-none");
    var cy = window.cytoscape({
      container: container,
      elements: elements(data),
      style: styles(data.level),
      layout: layout(data),
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      motionBlur: false,
      pixelRatio: 1,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
    });
    cy.on("tap", "node", function (event) {
      var url = event.target.data("url");
      if (url) window.location.assign(url);
    });
    container.setAttribute("data-rendered", "1");
    window.lmiNetworkMap = cy;
    refitOnResize(container, cy);
    return cy;
  }

  // A phone turned sideways or a window made narrower keeps the whole network in view, until
  // the reader zooms or drags the map themselves: then their view stays as they left it.
  function refitOnResize(container, cy) {
    var moved = false;
    var width = container.clientWidth;
    var timer = null;
    ["wheel", "pointerdown", "touchstart"].forEach(function (name) {
      container.addEventListener(name, function () { moved = true; }, { passive: true });
    });
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (container.clientWidth === width) return; // height alone: a phone's address bar
        width = container.clientWidth;
        cy.resize();
        if (!moved) cy.fit(undefined, 30);
        container.setAttribute("data-fitted-width", String(width));
      }, 150);
    });
  }

  function start() {
    var container = document.getElementById("network-map");
    if (!container || typeof window.cytoscape !== "function") return;
    fetch(container.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (data.nodes.length) draw(container, data);
      })
      .catch(function () {
        // The tables on the page still show everything; open them.
        var tables = document.getElementById("map-tables");
        if (tables) tables.open = true;
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
