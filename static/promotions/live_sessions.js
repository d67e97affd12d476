// Live-stream sessions chart: sales per session as bars, viewers as a line on a second axis.
// The page writes the figures into <script id="live-data" type="application/json">;
// money arrives as strings and becomes a number only here, for drawing.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("live-data");
    var box = document.getElementById("live-chart");
    if (!source || !box || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(box);
    chart.setOption({
      title: { text: data.labels.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [data.labels.sales, data.labels.viewers] },
      grid: { left: 70, right: 70, top: 40, bottom: 80 },
      xAxis: { type: "category", data: data.sessions, axisLabel: { rotate: 30 } },
      yAxis: [
        { type: "value", name: data.labels.sales },
        { type: "value", name: data.labels.viewers, splitLine: { show: false } },
      ],
      series: [
        { name: data.labels.sales, type: "bar", data: data.sales.map(Number) },
        { name: data.labels.viewers, type: "line", yAxisIndex: 1, data: data.viewers },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
