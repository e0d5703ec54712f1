// ecocomp negotiation workbench: inflate the engine's figures, build one control per parameter,
// and show the chosen grid point by looking its figures up (no arithmetic on money here).
// URL parameters set the controls: ?annual_amount=420万&target=Ⅲ (a label or the rule's text).
"use strict";
window.workbenchReady = (async function () {
  const raw = atob(document.getElementById("wb-data").textContent.trim());
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  const data = JSON.parse(await new Response(stream).text());
  const axes = data.axes;
  const strides = axes.map((_, k) => axes.slice(k + 1).reduce((n, a) => n * a.labels.length, 1));
  const choice = axes.map(() => 0);
  const query = new URLSearchParams(window.location.search);
  let moving = axes.length ? axes[0].name : "";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function money(index) { return data.money[index]; }  // [yuan, wan, other yuan, other wan]
  function cell(row, entry, column) {
    const td = el("td", { class: "num" + (entry[column].startsWith("-") ? " neg" : "") });
    td.append(el("span", { class: "wan" }, entry[column + 1] + " 万元"));
    td.append(el("br"));
    td.append(el("span", { class: "yuan" }, entry[column] + " 元"));
    row.append(td);
  }

  const controls = document.getElementById("wb-controls");
  axes.forEach((axis, k) => {
    const wanted = query.get(axis.name);
    if (wanted !== null) {
      const found = axis.labels.indexOf(wanted) >= 0 ? axis.labels.indexOf(wanted)
        : axis.texts.indexOf(wanted);
      if (found < 0) throw new Error("URL 参数 " + axis.name + "=" + wanted + " 不是网格中的取值");
      choice[k] = found;
    }
    const label = el("label", { for: "ctl-" + axis.name }, axis.name);
    const output = el("output", { id: "val-" + axis.name });
    let input;
    if (axis.numeric) {
      input = el("input", { type: "range", id: "ctl-" + axis.name, min: "0",
        max: String(axis.labels.length - 1), step: "1" });
    } else {
      input = el("select", { id: "ctl-" + axis.name });
      axis.labels.forEach((text, i) => input.append(el("option", { value: String(i) }, text)));
    }
    input.value = String(choice[k]);
    input.addEventListener("input", () => {
      choice[k] = Number(input.value);
      moving = axis.name;
      show();
    });
    controls.append(label, input, output);
  });

  function show() {
    let point = 0;
    axes.forEach((axis, k) => {
      point += choice[k] * strides[k];
      document.getElementById("val-" + axis.name).textContent = axis.labels[choice[k]];
    });
    document.body.dataset.point = String(point);
    document.getElementById("wb-point").textContent = "当前组合（第 " + (point + 1) + " 个，共 " +
      data.points + " 个）：" + axes.map((a, k) => a.name + " = " + a.labels[choice[k]]).join("，");

    const years = document.querySelector("#wb-years tbody");
    years.replaceChildren();
    const rows = data.years.map((y, i) => [String(y), data.yearly[i][point], data.versus[i][point],
      data.base.yearly[i]]);
    rows.push(["合计", data.total[point], data.versusTotal[point], data.base.total]);
    for (const [label, net, versus, base] of rows) {
      const tr = el("tr", { "data-year": label });
      tr.append(el("th", {}, label));
      cell(tr, money(net), 0);
      cell(tr, money(net), 2);
      tr.lastChild.classList.add("first-side");
      cell(tr, money(net), 0);
      tr.lastChild.classList.add("second-side");
      cell(tr, money(versus), 0);
      tr.lastChild.classList.add("versus");
      cell(tr, money(base), 0);
      tr.children[1].classList.add("net");
      years.append(tr);
    }

    const evens = document.getElementById("wb-breakeven");
    evens.replaceChildren();
    for (const [name, found] of Object.entries(data.breakEven)) {
      let combo = 0;
      found.others.forEach((k) => { combo = combo * axes[k].labels.length + choice[k]; });
      const [value, message] = data.texts[found.items[combo]];
      const li = el("li", { "data-param": name, class: name === moving ? "moving" : "" },
        name + "：" + (value || "—") + "。" + message);
      evens.append(li);
    }
    if (!Object.keys(data.breakEven).length) {
      evens.append(el("li", {}, "网格中没有数值参数（至少两个取值），不求平衡点。"));
    }

    const months = document.querySelector("#wb-months tbody");
    months.replaceChildren();
    data.months.forEach((m, i) => {
      const [net, reason] = data.outcomes[data.monthly[i][point]];
      const entry = money(net);
      const tr = el("tr", { "data-month": m });
      tr.append(el("td", {}, m));
      tr.append(el("td", { class: "num wan" + (entry[0].startsWith("-") ? " neg" : "") },
        entry[1]));
      tr.append(el("td", { class: "num yuan-cell" }, entry[0]));
      tr.append(el("td", { class: "reason" }, data.reasons[reason]));
      months.append(tr);
    });
  }

  show();
  document.getElementById("wb-status").textContent = "";
  document.body.dataset.ready = "1";
  return data.points;
})().catch((err) => {
  document.getElementById("wb-status").textContent = "无法显示：" + err.message;
  console.error(err.message);
  throw err;
});
