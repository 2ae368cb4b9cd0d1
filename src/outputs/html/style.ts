/**
 * The report's stylesheet, inlined. System fonts only (nothing fetched), colours that survive a
 * black-and-white print (verdict words are always written out), and a print stylesheet: no
 * controls, tables not cut between pages, every table row shown.
 */
export const REPORT_CSS = `
:root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--muted:#57606a;--line:#d0d7de;--bg-soft:#f6f8fa;
--pass-bg:#dafbe1;--warn-bg:#fff8c5;--fail-bg:#ffebe9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;
margin:0 auto;max-width:1200px;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 12px}
.who{margin:0 0 4px;font-size:15px}
code,.mono,#streams-table td:is(:nth-child(3),:nth-child(4)){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
nav.toc{margin:8px 0 0;font-size:13px}nav.toc a{margin-right:12px}
.banner{border:2px solid;border-radius:8px;padding:14px 18px;margin:12px 0;display:flex;gap:18px;align-items:center}
.banner .word{font-size:34px;font-weight:800;letter-spacing:1px}
.banner .reason{font-size:16px;font-weight:600}
.banner .facts{color:var(--muted);font-size:13px;margin-top:4px}
.banner.pass{border-color:var(--pass);background:var(--pass-bg)}.banner.pass .word{color:var(--pass)}
.banner.warn{border-color:var(--warn);background:var(--warn-bg)}.banner.warn .word{color:var(--warn)}
.banner.fail{border-color:var(--fail);background:var(--fail-bg)}.banner.fail .word{color:var(--fail)}
.v{font-weight:700;white-space:nowrap}.v.pass{color:var(--pass)}.v.warn{color:var(--warn)}.v.fail{color:var(--fail)}.v.na{color:var(--muted);font-weight:400}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
#streams-table{font-size:12.5px}#streams-table th,#streams-table td{padding:4px 5px}
/* headers may wrap ("Mouth to ear" on two lines): with IPv6 addresses every pixel counts */
#streams-table th{white-space:normal}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg-soft);font-weight:600;white-space:nowrap}
th[title]{text-decoration:underline dotted;cursor:help}
/* columns by position (rows carry no per-cell classes): streams 6-14 and calls 1, 4, 5, 7 are numbers */
td.num,th.num,#streams-table td:nth-child(n+6):nth-child(-n+14),#calls-table td:is(:nth-child(1),:nth-child(4),:nth-child(5),:nth-child(7)){text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.row-fail td:first-child{box-shadow:inset 3px 0 var(--fail)}tr.row-warn td:first-child{box-shadow:inset 3px 0 var(--warn)}
.empty{color:var(--muted);font-style:italic;padding:8px 0}
.sev{border-left:4px solid;padding:2px 0 2px 12px;margin:10px 0}
.sev.fail{border-color:var(--fail)}.sev.warn{border-color:var(--warn)}.sev.info{border-color:var(--muted)}
.finding-group{margin:8px 0 14px}
.finding-group h4{margin:6px 0 2px;font-size:14px}
.advice{margin:2px 0 6px;font-size:13px}.advice b{font-weight:600}
ul.instances{margin:4px 0;padding-left:20px;font-size:13px}ul.instances li{margin:3px 0}
ul.evidence{margin:2px 0;padding-left:16px;color:var(--muted);list-style:square}
.more{color:var(--muted);font-size:13px}
details.more-findings>summary{cursor:pointer;color:#0969da;font-size:13px;margin-left:20px}
details.stream{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:0 10px}
details.stream>summary{cursor:pointer;padding:6px 0;font-weight:600}
details.stream[open]>summary{border-bottom:1px solid var(--line);margin-bottom:6px}
dl.facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:2px 14px;margin:6px 0;font-size:13px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 10px}
/* shown until the script draws (so: always without JavaScript); saves the text per stream */
.charts:empty::before{content:"The charts need JavaScript; all numbers are in the tables.";color:var(--muted);font-style:italic}
.chart{min-width:300px;flex:1 1 340px}
.no-charts{color:var(--muted);font-style:italic;margin:4px 0 10px;font-size:13px}
.chart-title{font-size:12.5px;font-weight:600;margin:2px 0}
.call-streams{margin:4px 0 16px}
.pager{display:flex;gap:8px;align-items:center;margin:6px 0;font-size:13px}
.pager input{font:inherit;padding:2px 6px}
.pager button{font:inherit;padding:1px 8px}
.hidden{display:none}
tr.paged-out{display:none}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{
body{max-width:none;padding:0;font-size:11px}
nav.toc,.pager,.no-print{display:none!important}
tr.paged-out{display:table-row!important}
.banner,.sev,details.stream,table{break-inside:avoid}
tr{break-inside:avoid}
h2{break-after:avoid}
.scroll{overflow:visible}
table{font-size:10px}
.chart canvas{max-width:100%;height:auto}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
