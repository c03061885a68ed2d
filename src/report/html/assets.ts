/**
 * The report page's only stylesheet and script, inlined. The Content-Security-Policy allows exactly these two
 * blocks by hash, so nothing else can run or style the page, even if escaping ever failed.
 */

export const CSS = `
:root{--bg:#fff;--fg:#1d232b;--muted:#5d6875;--line:#d8dee6;--panel:#f5f7fa;--accent:#2453a6;
--s2xx:#4c9a6a;--s3xx:#7aa6d8;--s4xx:#e0a534;--s5xx:#d0453c;--sother:#9aa3ad;
--critical:#b3202a;--high:#d9552b;--medium:#d9a02b;--low:#5b8bd9;--info:#8a94a0;--p50:#26323f;--p95:#8e3bb8}
@media (prefers-color-scheme:dark){:root{--bg:#14181d;--fg:#dde3ea;--muted:#98a3af;--line:#2e3640;--panel:#1c2229;--accent:#8ab4ff;
--s2xx:#3f8a5b;--s3xx:#5f8cc0;--s4xx:#c99227;--s5xx:#e0584f;--sother:#6f7882;--p50:#e8edf2;--p95:#d38cf5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1280px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:0}h4{font-size:13px;margin:14px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
a{color:var(--accent)}.muted{color:var(--muted)}.notice{border-left:3px solid #d29922;padding:4px 10px}code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
nav{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:6px 24px;display:flex;gap:16px;flex-wrap:wrap}
nav a{text-decoration:none;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:12px 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}.card small{display:block;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.k{max-width:520px;overflow-wrap:anywhere}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]::after{content:" \\2195";opacity:.4}
th[aria-sort=ascending]::after{content:" \\2191";opacity:1}th[aria-sort=descending]::after{content:" \\2193";opacity:1}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0 28px}
.chart{margin:8px 0}.chart svg#timeline-svg{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:12px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
.key{display:inline-flex;align-items:center;gap:4px}.sw{width:10px;height:10px}.sw.wide{width:16px}
.bar.s2xx,.s2xx{fill:var(--s2xx)}.bar.s3xx,.s3xx{fill:var(--s3xx)}.bar.s4xx,.s4xx{fill:var(--s4xx)}.bar.s5xx,.s5xx{fill:var(--s5xx)}.bar.sother,.sother{fill:var(--sother)}
.lat{fill:none;stroke-width:1.6}.lat.p50{stroke:var(--p50);stroke-dasharray:4 3}.lat.p95{stroke:var(--p95)}
.grid{stroke:var(--line);stroke-width:1}.axis{stroke:var(--muted)}.tick{fill:var(--muted);font-size:11px}.tick.lat{fill:var(--p95)}
.hit{fill:transparent}.hit:hover{fill:var(--fg);fill-opacity:.08}
.win{fill-opacity:0;pointer-events:none}.win.sev-critical,.win.sev-high{fill-opacity:.07}.win.long{fill-opacity:0}a.f:hover .win{fill-opacity:.22}
.mark{cursor:pointer}.mark:hover{stroke:var(--fg);stroke-width:1.5}
.sev-critical{fill:var(--critical)}.sev-high{fill:var(--high)}.sev-medium{fill:var(--medium)}.sev-low{fill:var(--low)}.sev-info{fill:var(--info)}
#tip{position:fixed;pointer-events:none;z-index:5;background:var(--fg);color:var(--bg);padding:4px 8px;border-radius:4px;font-size:12px;max-width:480px;display:none}
.finding{border:1px solid var(--line);border-left:6px solid var(--info);border-radius:6px;padding:10px 14px;margin:10px 0;background:var(--panel)}
.finding.sev-critical{border-left-color:var(--critical)}.finding.sev-high{border-left-color:var(--high)}.finding.sev-medium{border-left-color:var(--medium)}.finding.sev-low{border-left-color:var(--low)}
.finding:target{outline:2px solid var(--accent)}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:11px;font-weight:700;text-transform:uppercase;color:#fff;background:var(--info);margin-right:6px;vertical-align:1px}
.badge.sev-critical{background:var(--critical)}.badge.sev-high{background:var(--high)}.badge.sev-medium{background:var(--medium);color:#1d232b}.badge.sev-low{background:var(--low)}
.meta{color:var(--muted);font-size:12.5px;margin:4px 0}
dl.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:2px 18px;margin:8px 0}dl.metrics dt{flex:none;white-space:nowrap}
dl.metrics div{display:flex;justify-content:space-between;gap:8px;border-bottom:1px dotted var(--line)}dl.metrics dt{color:var(--muted)}dl.metrics dd{margin:0;font-variant-numeric:tabular-nums;min-width:0;overflow-wrap:anywhere;text-align:right}
pre{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;max-height:320px;white-space:pre;margin:6px 0}
pre.evidence{white-space:pre-wrap;overflow-wrap:anywhere}
.rules{position:relative}.copy{position:absolute;right:6px;top:6px;font-size:11px;padding:2px 8px;cursor:pointer;border:1px solid var(--line);border-radius:4px;background:var(--panel);color:var(--fg)}
details>summary{cursor:pointer;color:var(--accent);margin:6px 0}
ul.actions{margin:6px 0;padding-left:18px}
progress{width:80px;height:8px;vertical-align:middle}
.up{color:var(--s5xx)}.down{color:var(--s2xx)}
.warn{border:1px solid var(--s4xx);border-left:6px solid var(--s4xx);border-radius:6px;padding:6px 12px;background:var(--panel)}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media (max-width:700px){main{padding:8px}.grid2{grid-template-columns:1fr}}
@media print{nav,.copy,#tip{display:none}body{font-size:11px}main{max-width:none;padding:0}
.finding,figure,table{break-inside:avoid}pre{max-height:none;white-space:pre-wrap}details{display:block}details>*{display:block}
h2{break-after:avoid}a{color:inherit;text-decoration:none}}
`;

/**
 * Behaviour: sortable tables, copy buttons, chart tooltips. Reads text with textContent and writes it with
 * textContent only (never innerHTML), so log content stays text.
 */
export const JS = `
(function(){
"use strict";
function key(td,num){var v=td?td.getAttribute("data-v"):null;if(num){var x=parseFloat(v===null?(td?td.textContent:""):v);return isNaN(x)?-Infinity:x;}return (v===null?(td?td.textContent:""):v).toLowerCase();}
document.querySelectorAll("table.sortable").forEach(function(table){
  var heads=table.querySelectorAll("th[data-sort]");
  heads.forEach(function(th){
    function sort(){
      var col=Array.prototype.indexOf.call(th.parentNode.children,th);
      var num=th.getAttribute("data-sort")==="num";
      var dir=th.getAttribute("aria-sort")==="descending"?"ascending":"descending";
      heads.forEach(function(o){o.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",dir);
      var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=key(a.cells[col],num),y=key(b.cells[col],num);var c=x<y?-1:x>y?1:0;return dir==="ascending"?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});
    }
    th.tabIndex=0;th.addEventListener("click",sort);th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sort();}});
  });
});
document.querySelectorAll("button.copy").forEach(function(btn){
  btn.addEventListener("click",function(){
    var pre=btn.parentNode.querySelector("pre");if(!pre)return;var text=pre.textContent;
    function done(ok){btn.textContent=ok?"copied":"select and copy";setTimeout(function(){btn.textContent="copy";},1500);}
    if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(text).then(function(){done(true);},function(){done(false);});}
    else{var r=document.createRange();r.selectNodeContents(pre);var s=window.getSelection();s.removeAllRanges();s.addRange(r);done(false);}
  });
});
var tip=document.getElementById("tip");
if(tip){
  document.addEventListener("pointerover",function(e){var t=e.target;var el=t&&t.closest?t.closest("[data-tip]"):null;if(!el){tip.style.display="none";return;}tip.textContent=el.getAttribute("data-tip");tip.style.display="block";});
  document.addEventListener("pointermove",function(e){if(tip.style.display!=="block")return;var x=Math.min(e.clientX+14,window.innerWidth-tip.offsetWidth-8);tip.style.left=x+"px";tip.style.top=(e.clientY+16)+"px";});
  document.addEventListener("pointerleave",function(){tip.style.display="none";});
}
})();
`;
