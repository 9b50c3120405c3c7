// The stylesheet inlined into report.html and compare.html: the files are opened straight from
// CI artifacts, often offline, so nothing may be fetched. Colours are also the legend's.
export const reportCss = `
:root { --pass: #1a7f37; --fail: #cf222e; --mismatch-bg: #ffcccc; --match-bg: #eef7ee; --missing-bg: #f3f3f3;
  --check-failed-bg: #ffe8a3; --border: #d0d7de; --muted: #57606a; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; color: #1f2328; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; margin: 0; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
header.run { border-bottom: 2px solid var(--border); padding-bottom: .8rem; margin-bottom: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .5rem 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.counts { font-size: 1.1rem; font-weight: 600; }
.counts .failed, .verdict-fail { color: var(--fail); } .counts .passed, .verdict-pass { color: var(--pass); }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem; }
nav a { text-decoration: none; padding: .1rem .5rem; border-radius: 1rem; border: 1px solid var(--border); }
nav a[data-status="fail"] { border-color: var(--fail); color: var(--fail); }
body > section:not(.recipe) { margin: 1.5rem 0; }
section.recipe { border: 1px solid var(--border); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
section.recipe[data-status="fail"] { border-left: 6px solid var(--fail); }
section.recipe[data-status="pass"] { border-left: 6px solid var(--pass); }
.recipe-head { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
.muted { color: var(--muted); }
pre { background: #f6f8fa; border: 1px solid var(--border); border-radius: 4px; padding: .5rem; overflow-x: auto;
  font-size: .85rem; white-space: pre-wrap; word-break: break-all; margin: .3rem 0; }
.tables { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure.truth { margin: 0; } figure.truth figcaption { font-weight: 600; margin-bottom: .2rem; }
.pair { display: flex; gap: 1rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid var(--border); padding: .15rem .4rem; text-align: left; vertical-align: top; }
table.truth-table td { text-align: center; font-family: ui-monospace, monospace; min-width: 1.6rem; }
table.truth-table caption { text-align: left; color: var(--muted); }
td.match { background: var(--match-bg); }
td.mismatch { background: var(--mismatch-bg); font-weight: 700; color: var(--fail); }
td.not-probed { background: var(--missing-bg); color: var(--muted); }
td.check-failed:not(.mismatch) { background: var(--check-failed-bg); }
.legend { display: flex; gap: 1rem; font-size: .85rem; flex-wrap: wrap; margin: .3rem 0 .6rem; }
.legend .swatch { display: inline-block; width: 1rem; height: 1rem; vertical-align: middle; border: 1px solid var(--border); margin-right: .25rem; }
table.probes { width: 100%; }
tr.probe[data-verdict="fail"] > td { background: #fff5f5; }
td.verdict { font-weight: 700; text-transform: uppercase; }
details > summary { cursor: pointer; color: var(--muted); }
table.counters td { font-family: ui-monospace, monospace; font-size: .8rem; }
.change-regression { color: var(--fail); font-weight: 700; } .change-fix { color: var(--pass); font-weight: 700; }
tr.change[data-change="regression"] > td { background: #fff5f5; }
td.slowdown { background: var(--mismatch-bg); font-weight: 700; }
`;
