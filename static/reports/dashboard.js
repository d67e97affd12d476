// Dashboard charts. The page writes the figures into
// <script id="dashboard-data" type="application/json">; money arrives as strings
// and becomes a number only here, for drawing.
(function () {
  "use strict";

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function chart(id, option, charts) {
    var box = document.getElementById(id);
    if (!box) {
      return;
    }
    var drawn = echarts.init(box);
    drawn.setOption(option);
    charts.push(drawn);
  }

  function title(text) {
    return { text: text, left: "center", textStyle: { fontSize: 14 } };
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var charts = [];

    chart("chart-sales", {
      title: title(labels.sales),
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 50 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value" },
      series: [
        { name: labels.sales, type: "line", data: data.sales.map(num), areaStyle: { opacity: 0.1 } },
        { name: labels.target, type: "line", step: "middle", lineStyle: { type: "dashed" }, data: data.target.map(num) },
      ],
    }, charts);

    chart("chart-traffic", {
      title: title(labels.visitors),
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 70, right: 60, top: 40, bottom: 50 },
      xAxis: { type: "category", data: data.days },
      yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value} %" } }],
      series: [
        { name: labels.visitors, type: "bar", data: data.visitors.map(num) },
        { name: labels.conversion, type: "line", yAxisIndex: 1, data: data.conversion.map(num) },
      ],
    }, charts);

    if (data.ads) {
      chart("chart-ads", {
        title: title(labels.spend),
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 70, right: 60, top: 40, bottom: 50 },
        xAxis: { type: "category", data: data.ads.map(function (row) { return row.name; }) },
        yAxis: [{ type: "value" }, { type: "value" }],
        series: [
          { name: labels.spend, type: "bar", data: data.ads.map(function (row) { return num(row.spend); }) },
          { name: labels.roas, type: "line", yAxisIndex: 1, data: data.ads.map(function (row) { return num(row.roas); }) },
        ],
      }, charts);
    }

    if (data.waterfall) {
      // A waterfall is two stacked bars: an invisible base and the visible step.
      var running = 0;
      var base = [];
      var step = [];
      data.waterfall.forEach(function (row) {
        var value = num(row.value);
        if (row.total) {
          base.push(Math.min(0, value));
          step.push(Math.abs(value));
          running = value;
        } else {
          var next = running + value;
          base.push(Math.min(running, next));
          step.push(Math.abs(value));
          running = next;
        }
      });
      chart("chart-waterfall", {
        title: title(labels.waterfall),
        tooltip: {
          trigger: "axis",
          formatter: function (items) {
            var row = data.waterfall[items[0].dataIndex];
            return row.name + ": " + row.value;
          },
        },
        grid: { left: 70, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: data.waterfall.map(function (row) { return row.name; }) },
        yAxis: { type: "value" },
        series: [
          { type: "bar", stack: "waterfall", itemStyle: { color: "transparent" }, data: base },
          {
            type: "bar",
            stack: "waterfall",
            data: step.map(function (value, index) {
              var row = data.waterfall[index];
              var color = row.total ? "#5470c6" : (num(row.value) < 0 ? "#ee6666" : "#91cc75");
              return { value: value, itemStyle: { color: color } };
            }),
          },
        ],
      }, charts);
    }

    chart("chart-refunds", {
      title: title(labels.refunds),
      tooltip: { trigger: "item" },
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        data: data.refunds.map(function (row) { return { name: row.name, value: num(row.value) }; }),
      }],
    }, charts);

    chart("chart-skus", {
      title: title(labels.skus),
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.skus.map(function (row) { return row.name; }) },
      series: [{ type: "bar", data: data.skus.map(function (row) { return num(row.value); }) }],
    }, charts);

    window.addEventListener("resize", function () {
      charts.forEach(function (each) { each.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
