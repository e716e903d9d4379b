package io.visionlake.jobs.ops.notebook;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The HTML of a rendered notebook: one self-contained page (styles, data and the ECharts script
 * inline; nothing is fetched). Each SQL cell's rows are embedded as JSON and drawn in the browser
 * as a table and, unless {@code chart=table}, an SVG chart. The page records script errors in
 * {@code body[data-errors]} and the charts drawn in {@code body[data-charts-drawn]}, which the
 * headless-browser test reads. A cell whose table the lake lacks is a {@code section.missing} with
 * a note instead of a result ({@code data-missing} names the table). An image cell is an inlined
 * JPEG ({@code img.sheet}); {@code body[data-sheets-loaded]} counts those the browser decoded.
 */
public final class NotebookPage {
  private NotebookPage() {}

  static String render(Notebook notebook, List<NotebookRunner.CellResult> results, String lake, Instant at, String chartScript) {
    StringBuilder body = new StringBuilder();
    long charts = results.stream().filter(r -> r.cell.isSql && !r.isNote() && !"table".equals(r.cell.chart())
        && !"images".equals(r.cell.chart())).count();
    long sheets = results.stream().filter(r -> r.sheetJpeg != null).count();
    for (NotebookRunner.CellResult r : results) {
      Notebook.Cell c = r.cell;
      if (!c.isSql) {
        body.append("<section class=\"md\" data-cell=\"").append(c.index).append("\">\n").append(Markdown.toHtml(c.text)).append("</section>\n");
        continue;
      }
      if (r.isNote()) {
        body.append("<section class=\"missing\" data-cell=\"").append(c.index)
            .append(r.missingTable != null ? "\" data-missing=\"" + Markdown.escape(r.missingTable) : "\" data-empty=\"true")
            .append("\">\n")
            .append("<h3>").append(Markdown.escape(c.title())).append("</h3>\n")
            .append("<details><summary>SQL · ").append(r.missingTable != null ? "table missing" : "no rows").append("</summary><pre>").append(Markdown.escape(c.text)).append("</pre></details>\n")
            .append("<p class=\"note\">").append(Markdown.escape(r.note())).append("</p>\n")
            .append("</section>\n");
        continue;
      }
      String spec = json(c.spec);
      body.append("<section class=\"sql\" data-cell=\"").append(c.index).append("\" data-chart=\"").append(Markdown.escape(c.chart()))
          .append("\" data-rows=\"").append(r.rowsJson.size()).append("\" data-spec=\"").append(Markdown.escape(spec)).append("\">\n")
          .append("<h3>").append(Markdown.escape(c.title())).append("</h3>\n")
          .append("<details><summary>SQL · ").append(r.totalRows).append(" row(s) · ").append(r.millis).append(" ms</summary><pre>")
          .append(Markdown.escape(c.text)).append("</pre></details>\n");
      if (r.sheetJpeg != null) {
        body.append("<figure class=\"sheet\"><img class=\"sheet\" id=\"sheet-").append(c.index)
            .append("\" alt=\"").append(r.sheetImages).append(" image(s)\" src=\"data:image/jpeg;base64,").append(r.sheetJpeg)
            .append("\"><figcaption>").append(r.sheetImages).append(" image(s)")
            .append(r.totalRows > r.sheetImages ? " (first " + r.sheetImages + " of " + r.totalRows + ")" : "")
            .append(r.sheetPlaceholders > 0 ? " · " + r.sheetPlaceholders + " could not be read or decoded (placeholder tiles)" : "")
            .append("</figcaption></figure>\n");
      } else if (!"table".equals(c.chart())) {
        body.append("<div class=\"chart\" id=\"chart-").append(c.index).append("\" style=\"height:")
            .append(Markdown.escape(c.spec.getOrDefault("height", "340"))).append("px\"></div>\n");
      }
      body.append("<div class=\"table\" id=\"table-").append(c.index).append("\"></div>\n")
          .append("<script type=\"application/json\" id=\"data-").append(c.index).append("\">{\"columns\":")
          .append(r.columns.stream().map(NotebookPage::jsonString).collect(Collectors.joining(",", "[", "]")))
          .append(",\"rows\":[").append(String.join(",", r.rowsJson).replace("<", "\\u003c")).append("]}</script>\n")
          .append("</section>\n");
    }
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        + "<title>" + Markdown.escape(notebook.name) + " · VisionLake</title>\n"
        + "<script>window.__notebookErrors=[];window.addEventListener('error',function(e){window.__notebookErrors.push(String(e.message));});</script>\n"
        + "<style>" + STYLE + "</style>\n</head>\n<body data-charts=\"" + charts + "\" data-sheets=\"" + sheets + "\">\n"
        + "<header><h1>" + Markdown.escape(notebook.name) + "</h1><p class=\"meta\">lake <code>" + Markdown.escape(lake)
        + "</code> · rendered " + at + "</p></header>\n<main>\n" + body + "</main>\n"
        + "<script>\n" + chartScript.replace("</script", "<\\/script") + "\n</script>\n"
        + "<script>\n" + RENDER + "\n</script>\n</body></html>\n";
  }

  static String json(Map<String, String> map) {
    return map.entrySet().stream().map(e -> jsonString(e.getKey()) + ":" + jsonString(e.getValue()))
        .collect(Collectors.joining(",", "{", "}"));
  }

  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        case '<': sb.append("\\u003c"); break;
        default:
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
      }
    }
    return sb.append('"').toString();
  }

  private static final String STYLE = String.join("\n",
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2733;background:#f6f7f9}",
      "header{background:#1d2733;color:#fff;padding:16px 32px}header h1{margin:0;font-size:22px}",
      ".meta{margin:4px 0 0;opacity:.75;font-size:13px}.meta code{color:#fff}",
      "main{max-width:1100px;margin:0 auto;padding:16px 32px}",
      "section{background:#fff;border-radius:6px;padding:12px 20px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}",
      "section.md{background:transparent;box-shadow:none;padding:0 4px}",
      "h3{margin:4px 0 8px;font-size:16px}details{font-size:12px;color:#555;margin-bottom:8px}pre{background:#f0f2f5;padding:8px;overflow:auto}",
      "table{border-collapse:collapse;font-size:12px;margin-top:8px}td,th{border-bottom:1px solid #e3e6ea;padding:3px 10px;text-align:left}",
      "th{background:#f0f2f5}.more{font-size:12px;color:#777}.error{color:#b00020}",
      ".note{background:#fff8e1;border-left:3px solid #f0b400;padding:6px 10px;font-size:13px}",
      "figure.sheet{margin:8px 0}img.sheet{max-width:100%;height:auto;display:block}figcaption{font-size:12px;color:#555;margin-top:4px}");

  /** Draws every SQL cell's table and chart from its embedded rows. */
  private static final String RENDER = String.join("\n",
      "(function(){",
      "var drawn=0, errors=window.__notebookErrors;",
      "function fmt(v){if(v===undefined||v===null)return '';if(typeof v==='string'&&/^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d/.test(v)){var t=v.slice(0,19).replace('T',' ');return /:00$/.test(t)?t.slice(0,16):t;}"
          + "if(typeof v==='number'&&!Number.isInteger(v))return Math.round(v*1000)/1000;if(typeof v==='object')return JSON.stringify(v);return v;}",
      "function uniq(rows,c){var s=[],seen={};rows.forEach(function(r){var k=String(fmt(r[c]));if(!seen[k]){seen[k]=1;s.push(k);}});return s;}",
      "function table(el,d){var t=document.createElement('table'),h=t.insertRow();d.columns.forEach(function(c){var th=document.createElement('th');th.textContent=c;h.appendChild(th);});",
      " d.rows.slice(0," + NotebookRunner.TABLE_ROWS + ").forEach(function(r){var tr=t.insertRow();d.columns.forEach(function(c){tr.insertCell().textContent=String(fmt(r[c]));});});",
      " el.appendChild(t);if(d.rows.length>" + NotebookRunner.TABLE_ROWS + "){var p=document.createElement('p');p.className='more';p.textContent='first " + NotebookRunner.TABLE_ROWS + " of '+d.rows.length+' rows';el.appendChild(p);}}",
      "function option(s,rows){var base={animation:false,tooltip:{},grid:{top:40,left:70,right:30,bottom:60},legend:{top:0,type:'scroll'}};",
      " if(s.chart==='pie'){base.series=[{type:'pie',radius:'65%',data:rows.map(function(r){return {name:String(fmt(r[s.x])),value:r[s.y]};})}];return base;}",
      " var xs=uniq(rows,s.x);base.xAxis={type:'category',data:xs};",
      " if(s.chart==='heatmap'){var ys=uniq(rows,s.y),vals=rows.map(function(r){return Number(r[s.value])||0;});",
      "  base.yAxis={type:'category',data:ys};base.grid.bottom=80;base.visualMap={min:Math.min.apply(null,vals),max:Math.max.apply(null,vals),calculable:true,orient:'horizontal',left:'center',bottom:0};",
      "  base.series=[{type:'heatmap',data:rows.map(function(r){return [xs.indexOf(String(fmt(r[s.x]))),ys.indexOf(String(fmt(r[s.y]))),Number(r[s.value])||0];})}];return base;}",
      " base.yAxis={type:'value'};base.tooltip={trigger:'axis'};var series=[];",
      " s.y.split(',').forEach(function(y){y=y.trim();",
      "  if(s.series){uniq(rows,s.series).forEach(function(g){var m={};rows.forEach(function(r){if(String(fmt(r[s.series]))===g)m[String(fmt(r[s.x]))]=r[y];});",
      "   series.push({name:s.y.indexOf(',')>=0?g+' '+y:g,type:s.chart,stack:s.stack?y:undefined,showSymbol:xs.length<=60,connectNulls:true,data:xs.map(function(x){return m[x]===undefined?null:m[x];})});});}",
      "  else{var m={};rows.forEach(function(r){m[String(fmt(r[s.x]))]=r[y];});series.push({name:y,type:s.chart,showSymbol:xs.length<=60,connectNulls:true,data:xs.map(function(x){return m[x]===undefined?null:m[x];})});}",
      " });base.series=series;return base;}",
      "document.querySelectorAll('section.sql').forEach(function(sec){",
      " var i=sec.getAttribute('data-cell');",
      " try{var s=JSON.parse(sec.getAttribute('data-spec')),d=JSON.parse(document.getElementById('data-'+i).textContent);",
      "  table(document.getElementById('table-'+i),d);",
      "  if(s.chart&&s.chart!=='table'&&s.chart!=='images'){var el=document.getElementById('chart-'+i);var c=echarts.init(el,null,{renderer:'svg'});c.setOption(option(s,d.rows));drawn++;}",
      " }catch(e){errors.push('cell '+i+': '+e);console.error('cell '+i+': '+e);var p=document.createElement('p');p.className='error';p.textContent=String(e);sec.appendChild(p);}",
      "});",
      "document.body.setAttribute('data-charts-drawn',String(drawn));document.body.setAttribute('data-errors',String(errors.length));",
      // After load, the sheets that decoded in the browser: what the headless test reads.
      "window.addEventListener('load',function(){var n=0;document.querySelectorAll('img.sheet').forEach(function(i){if(i.complete&&i.naturalWidth>0)n++;});document.body.setAttribute('data-sheets-loaded',String(n));});",
      "})();");
}
