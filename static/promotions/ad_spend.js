// Ad spend charts: spend by channel stacked per day, ROAS by channel.
// The page writes the figures into <script id="ad-data" type="application/json">;
// money arrives as strings and becomes a number only here, for drawing.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("ad-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var spendBox = document.getElementById("ad-spend-chart");
    var roasBox = document.getElementById("ad-roas-chart");
    var charts = [];

    if (spendBox) {
      var spend = echarts.init(spendBox);
      spend.setOption({
        title: { text: data.labels.spend, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, type: "scroll" },
        grid: { left: 60, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value" },
        series: data.spend.map(function (channel) {
          return {
            name: channel.name,
            type: "bar",
            stack: "spend",
            data: channel.values.map(Number),
          };
        }),
      });
      charts.push(spend);
    }

    if (roasBox) {
      var roas = echarts.init(roasBox);
      roas.setOption({
        title: { text: data.labels.roas, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        grid: { left: 60, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: data.roas.map(function (row) { return row.name; }) },
        yAxis: { type: "value" },
        series: [
          {
            type: "bar",
            data: data.roas.map(function (row) {
              return row.value === null ? null : Number(row.value);
            }),
          },
        ],
      });
      charts.push(roas);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
