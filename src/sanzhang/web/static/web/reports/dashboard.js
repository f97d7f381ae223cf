/* 统计看板: draws the charts from the JSON the page embeds (json_script; the CSP
   forbids inline scripts). Every bar, slice and point carries the URL of the records
   behind it; clicking one opens that drill-down list. */
(function () {
  "use strict";
  var holder = document.getElementById("report-charts");
  if (!holder || typeof echarts === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var font = { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" };
  var charts = [];

  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = font;
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (p) {
      var d = p.data || {};
      var url = d.url || (p.seriesName === "map" ? d.url_now : null);
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
    return chart;
  }

  mount("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 36, right: 12, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.trend.series.map(function (s) {
      return { name: s.name, type: "line", data: s.data, symbolSize: 8 };
    })
  });
  mount("chart-categories", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["30%", "65%"], data: data.categories,
               label: { formatter: "{b}\n{c}" } }]
  });
  mount("chart-levels", {
    tooltip: { trigger: "axis" },
    grid: { left: 36, right: 12, top: 16, bottom: 28 },
    xAxis: { type: "category", data: data.levels.map(function (d) { return d.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.levels, itemStyle: { color: "#2a6fdb" } }]
  });
  mount("chart-satisfaction", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    color: ["#1b7f3b", "#7fb77e", "#b3261e"],
    series: [{ type: "pie", radius: "65%", data: data.satisfaction,
               label: { formatter: "{b}\n{c}" } }]
  });
  if (data.coverage && data.coverage.length) {
    mount("chart-coverage", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 36, right: 12, top: 16, bottom: 28 },
      xAxis: { type: "category", data: data.coverage.map(function (d) { return d.name; }) },
      yAxis: { type: "value", max: 100 },
      series: [{ type: "bar", data: data.coverage, itemStyle: { color: "#b3261e" } }]
    });
  }

  function mapOption(mode) {
    var pts = data.map.map(function (d) {
      return { name: d.name, value: d.value.concat([mode === "open" ? d.open : d.coverage]),
               url: mode === "open" ? d.url_open : d.url_coverage,
               households: d.households, coverage: d.coverage, open: d.open };
    });
    var maxOpen = Math.max.apply(null, [1].concat(data.map.map(function (d) { return d.open; })));
    return {
      tooltip: { formatter: function (p) {
        var d = p.data; return d.name + "<br>" + d.households + " 户 · 覆盖 " + d.coverage +
          "% · 未结 " + d.open; } },
      grid: { left: 8, right: 8, top: 8, bottom: 40 },
      xAxis: { type: "value", scale: true, show: false },
      yAxis: { type: "value", scale: true, show: false },
      visualMap: { dimension: 2, min: 0, max: mode === "open" ? maxOpen : 100,
                   orient: "horizontal", left: "center", bottom: 0, calculable: false,
                   inRange: { color: mode === "open" ? ["#e6f4ea", "#b3261e"] : ["#b3261e", "#f7d154", "#1b7f3b"] } },
      series: [{ name: "map", type: "scatter", symbolSize: 14, data: pts }]
    };
  }
  var map = mount("chart-map", mapOption("coverage"));
  document.querySelectorAll("input[name=map-colour]").forEach(function (r) {
    r.addEventListener("change", function () { if (map) { map.setOption(mapOption(r.value), true); } });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
