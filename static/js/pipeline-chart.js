/* The pipeline charts: initiatives per phase, and phase changes per week over the last quarter.
 *
 * The numbers come from the json_script element #pipeline-data; the tables on the page show the
 * same numbers (the accessible and no-JavaScript path), this only adds the pictures. Charts are
 * drawn again when htmx swaps in new results (filters) or restores a page from history.
 */
(function () {
  "use strict";

  // One colour per phase, in board order; distinguishable, and the tables carry the numbers.
  var COLOURS = [
    "#4c72b0", "#55a868", "#c44e52", "#8172b2",
    "#ccb974", "#2f4a2b", "#8c8c8c", "#3b3b3b",
  ];

  // A phone is narrow: taller charts there, so the bars stay readable.
  function aspectRatio() {
    return window.matchMedia("(max-width: 575.98px)").matches ? 1 : 2;
  }

  function draw() {
    var source = document.getElementById("pipeline-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var counts = document.getElementById("pipeline-counts-chart");
    var flow = document.getElementById("pipeline-flow-chart");
    if (!counts || !flow) {
      return;
    }
    [counts, flow].forEach(function (canvas) {
      var existing = window.Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      canvas.closest("[data-pipeline-chart]").classList.remove("d-none");
    });

    new window.Chart(counts, {
      type: "bar",
      data: {
        labels: data.phases,
        datasets: [{
          label: data.titles.initiatives,
          data: data.counts,
          backgroundColor: COLOURS,
        }],
      },
      options: {
        animation: false,
        aspectRatio: aspectRatio(),
        plugins: {
          legend: { display: false },
          title: { display: true, text: data.titles.counts },
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });

    new window.Chart(flow, {
      type: "bar",
      data: {
        labels: data.weeks,
        datasets: data.phases.map(function (label, i) {
          return { label: label, data: data.flow[i], backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: {
        animation: false,
        aspectRatio: aspectRatio(),
        plugins: { title: { display: true, text: data.titles.flow } },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
               title: { display: true, text: data.titles.changes } },
        },
      },
    });
    document.getElementById("results").setAttribute("data-charts-drawn", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.body.addEventListener("htmx:afterSettle", draw);
  document.body.addEventListener("htmx:historyRestore", draw);
})();
