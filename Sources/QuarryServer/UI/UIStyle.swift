// The UI's style sheet: two columns side by side that stack on a narrow window, visible keyboard
// focus, and colours that do not carry meaning alone (every mark also has a sign or a word).
enum UIStyle {
    static let text = #"""
:root {
  --fg: #1d232b; --muted: #5b6673; --bg: #fbfbfa; --panel: #ffffff; --line: #d9dde2;
  --accent: #1f5fa8; --up: #1d7a3a; --down: #b3261e; --new: #7a4fb0; --gone: #8a6d00;
  --mark: #ffe58a; --bar: #4f86c6;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }

.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1rem; background: #22303f; color: #fff; }
.top h1 { margin: 0; font-size: 1.25rem; }
.top h1 a { color: #fff; text-decoration: none; }
.tabs { display: flex; gap: .25rem; }
.tab { font: inherit; color: #fff; background: transparent; border: 1px solid #6d7f92; border-radius: 4px; padding: .2rem .8rem; cursor: pointer; }
.tab[aria-pressed="true"] { background: #fff; color: #22303f; }
.server-info { margin: 0 0 0 auto; font-size: .85rem; color: #c9d3dd; }

main { padding: .75rem 1rem 2rem; max-width: 1500px; margin: 0 auto; }
.status { min-height: 1.2em; margin: 0 0 .5rem; color: var(--muted); }
.status.error, .error { color: var(--down); }

.search-form { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
.search-form label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.search-form .query-label { flex: 1 1 18rem; }
.search-form input, .search-form select, .pipeline select, .pipeline input, .experiment-controls select {
  font: inherit; color: var(--fg); padding: .35rem .45rem; border: 1px solid #aab3bd; border-radius: 4px; background: #fff; }
#topic { max-width: 26rem; }
#k { width: 5.5rem; }
button { font: inherit; }
.search-form button, .experiment-controls button { padding: .4rem 1.1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }

.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.column { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; min-width: 0; }
.column h2 { margin: 0 0 .5rem; font-size: 1.05rem; }
.pipeline { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 .75rem; padding: .5rem .6rem; }
.pipeline legend { font-size: .85rem; color: var(--muted); }
.stages { display: flex; flex-wrap: wrap; gap: .4rem .8rem; }
.stages label, .options label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
.options { display: flex; flex-wrap: wrap; gap: .4rem .8rem; margin-top: .4rem; }
.options input { width: 8rem; }
.options:empty { display: none; }
.in-force { font-size: .8rem; color: var(--muted); margin: 0 0 .5rem; overflow-wrap: anywhere; }

.evaluation { display: flex; flex-wrap: wrap; gap: .3rem 1rem; margin: 0 0 .6rem; padding: .35rem .5rem; background: #eef3f9; border-radius: 4px; }
.evaluation .metric b { font-variant-numeric: tabular-nums; }
.delta.up { color: var(--up); } .delta.down { color: var(--down); }

details.final-query { margin: 0 0 .75rem; }
details.final-query summary { cursor: pointer; font-weight: 600; font-size: .9rem; }
.terms { width: 100%; border-collapse: collapse; font-size: .85rem; margin-top: .3rem; }
.terms td { padding: .1rem .3rem; vertical-align: middle; }
.terms td.term { width: 30%; overflow-wrap: anywhere; }
.terms td.weight { width: 5.5rem; text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
.terms .track { height: .7rem; background: #edf0f3; border-radius: 2px; }
.terms .bar { height: 100%; background: var(--bar); border-radius: 2px; min-width: 1px; }
.generated { margin: .5rem 0 0; padding: .5rem; background: #f6f4ee; border-left: 3px solid #c9b77a; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
.generated-heading { margin: .5rem 0 0; font-size: .85rem; font-weight: 600; }

ol.hits { list-style: none; margin: 0; padding: 0; }
.hit { padding: .45rem 0; border-top: 1px solid #eceef1; }
.hit-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .2rem .5rem; font-size: .85rem; }
.rank { font-weight: 700; min-width: 2ch; text-align: right; }
.docid { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.score { color: var(--muted); font-variant-numeric: tabular-nums; margin-left: auto; }
.change { font-size: .75rem; font-weight: 700; padding: 0 .3rem; border-radius: 3px; border: 1px solid currentColor; }
.change.up { color: var(--up); } .change.down { color: var(--down); } .change.same { color: var(--muted); }
.change.new { color: var(--new); } .change.gone { color: var(--gone); }
.grade { font-size: .75rem; padding: 0 .35rem; border-radius: 3px; background: #e6e8eb; color: #333; }
.grade.relevant { background: #cfead6; color: #0f4d22; font-weight: 700; }
.grade.unjudged { background: transparent; color: var(--muted); font-style: italic; }
.hit-title { font-weight: 600; margin: .1rem 0; overflow-wrap: anywhere; }
.snippet { font-size: .88rem; color: #38414b; overflow-wrap: anywhere; }
mark { background: var(--mark); color: inherit; padding: 0 1px; border-radius: 2px; }
.gone-list { margin-top: .6rem; font-size: .85rem; }
.gone-list ul { margin: .2rem 0 0; padding-left: 1.2rem; }

.explain { color: var(--muted); max-width: 60rem; }
.experiment-controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .5rem 0; }
.pipelines { font-size: .85rem; overflow-wrap: anywhere; }
.chart { margin: 0; }
#experiment-chart svg { width: 100%; height: auto; max-height: 420px; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
#experiment-chart .win { fill: var(--up); } #experiment-chart .loss { fill: var(--down); } #experiment-chart .tie { fill: #9aa4ae; }
#experiment-chart .axis { stroke: #333; stroke-width: 1; }
#experiment-chart .label { font-size: 10px; fill: var(--muted); }
#experiment-chart g.bar { cursor: pointer; }
#experiment-chart g.bar:focus { outline: none; }
#experiment-chart g.bar:focus rect, #experiment-chart g.bar:hover rect { stroke: #f0a500; stroke-width: 3; }
figcaption { font-size: .9rem; margin-top: .3rem; }
.table-heading { font-size: 1rem; margin: 1rem 0 .3rem; }
.experiment-table { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .6rem; overflow-x: auto; }

.doc { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.25rem; max-width: 55rem; }
.doc h2 { margin-top: 0; overflow-wrap: anywhere; }
.doc-meta { color: var(--muted); font-size: .9rem; }
.doc-text { white-space: pre-wrap; overflow-wrap: anywhere; }

@media (max-width: 800px) {
  .columns { grid-template-columns: 1fr; }
  .server-info { margin: 0; width: 100%; }
  main { padding: .5rem; }
}
"""#
}
