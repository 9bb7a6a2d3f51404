"""The report's inline style sheet and script: no CDN, no fonts to fetch, readable on paper."""

from __future__ import annotations

CSS = """
:root{--red:#c62828;--amber:#b26a00;--green:#2e7d32;--grey:#757575;--line:#ddd;--bg:#fafafa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#212121;margin:0;background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{margin:0 0 4px;font-size:22px} h2{margin:28px 0 8px;font-size:18px;border-bottom:1px solid var(--line)}
h3{margin:16px 0 6px;font-size:15px}
main{padding:0 24px 40px;max-width:1400px}
nav a{margin-right:14px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:#fff;min-width:150px}
.card b{display:block;font-size:18px}
.muted{color:var(--grey)}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--bg)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.red{color:var(--red)} .amber{color:var(--amber)} .green{color:var(--green)} .none{color:var(--grey)}
.dot-red,.dot-amber,.dot-green,.dot-none{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px}
.dot-red{background:var(--red)} .dot-amber{background:var(--amber)} .dot-green{background:var(--green)}
.dot-none{background:#bbb}
details.n{margin-left:18px;border-left:1px dotted #ccc;padding-left:6px}
details.n>summary{cursor:pointer;padding:2px 0}
details.n.hit>summary{background:#fff59d}
.tree>details.n{margin-left:0}
ul.lines{margin:2px 0 4px 0;padding-left:18px;list-style:none}
ul.lines li{padding:1px 0}
ul.lines li::before{content:"●";margin-right:4px}
ul.lines i{font-style:normal;font-weight:600} ul.lines small{color:var(--grey);font-size:12px}
li.r::before,li.r b,li.r i{color:var(--red)} li.a::before,li.a b,li.a i{color:var(--amber)}
li.g::before,li.g b,li.g i{color:var(--green)} li.n::before,li.n b,li.n i{color:#9e9e9e}
ul.lines li:target,tr:target{background:#e3f2fd}
.type{font-size:11px;border:1px solid #bbb;border-radius:3px;padding:0 4px;margin-left:6px;color:#555}
.search{position:sticky;top:0;background:#fff;padding:6px 0;z-index:1}
.search input{width:340px;padding:4px 8px;font-size:14px}
td.ctl{background:#f1f8e9} td.no{background:#f5f5f5;color:var(--grey)} td.bad{background:#ffebee;color:var(--red)}
.sev-error{color:var(--red);font-weight:600} .sev-warning{color:var(--amber);font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;max-width:340px;border:1px solid var(--line);border-radius:6px;padding:6px}
figcaption{font-size:13px;margin-bottom:2px}
ul.ms{margin:0;padding-left:0;list-style:none;font-size:12px}
table.rec tr[hidden]{display:none}
svg.chart text{font-size:10px;fill:#424242}
svg.chart .axis{stroke:#9e9e9e;stroke-width:1}
svg.chart .bar{fill:#5c6bc0} svg.chart .pool{fill:#26a69a}
svg.chart .curve{fill:none;stroke:#3949ab;stroke-width:2}
svg.chart .dot{fill:#3949ab} svg.chart .cap{stroke:var(--red);stroke-dasharray:4 3}
@media print{
  header{background:none} nav,.search{display:none}
  body{font-size:11px} main{padding:0;max-width:none}
  h2{break-after:avoid} figure,tr,li{break-inside:avoid}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
}
"""

# Filtering hides centres that neither match nor lead to a match, and opens the way down to each match.
JS = r"""
(function(){
  var box=document.getElementById('q'), out=document.getElementById('qn');
  if(!box){return;}
  var nodes=Array.prototype.slice.call(document.querySelectorAll('details.n'));
  var timer=null;
  function up(n){var p=n.parentElement;return p?p.closest('details.n'):null;}
  function run(){
    var q=box.value.trim().toLowerCase(), hits=0, i, n, p;
    for(i=0;i<nodes.length;i++){nodes[i].classList.remove('hit');nodes[i].hidden=!!q;}
    if(!q){out.textContent='';return;}
    for(i=0;i<nodes.length;i++){
      n=nodes[i];
      if((n.getAttribute('data-s')||'').indexOf(q)<0){continue;}
      hits++; n.classList.add('hit'); n.hidden=false;
      for(p=up(n);p&&p.hidden;p=up(p)){p.hidden=false;p.open=true;}
      if(p){p.open=true;}
    }
    out.textContent=hits+' centre(s) match';
  }
  box.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(run,120);});
  var closed=[];
  window.addEventListener('beforeprint',function(){
    closed=Array.prototype.filter.call(document.querySelectorAll('details:not([open])'),function(d){return !d.hidden;});
    closed.forEach(function(d){d.open=true;});
  });
  window.addEventListener('afterprint',function(){closed.forEach(function(d){d.open=false;});closed=[];});
})();
(function(){
  var box=document.getElementById('qe'), out=document.getElementById('qen');
  if(!box){return;}
  var rows=Array.prototype.slice.call(document.querySelectorAll('table.rec tbody tr'));
  var timer=null;
  function run(){
    var q=box.value.trim().toLowerCase(), hits=0;
    rows.forEach(function(r){var hit=!q||(r.getAttribute('data-s')||'').indexOf(q)>=0;r.hidden=!hit;if(hit){hits++;}});
    out.textContent=q?hits+' employee(s) match':'';
  }
  box.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(run,120);});
})();
"""
