// The UI's one HTML page: the skeleton the script fills. It holds no data; everything shown comes
// from the JSON API at run time.
enum UIPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Quarry</title>
<link rel="stylesheet" href="/ui/app.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1><a href="/">Quarry</a></h1>
  <nav class="tabs" aria-label="Views">
    <button type="button" id="tab-search" class="tab" aria-pressed="true">Search</button>
    <button type="button" id="tab-experiment" class="tab" aria-pressed="false" hidden>Experiment</button>
  </nav>
  <p id="server-info" class="server-info"></p>
</header>
<main>
  <p id="status" class="status" role="status" aria-live="polite"></p>

  <section id="view-search" aria-label="Search">
    <form id="search-form" class="search-form" role="search">
      <label id="topic-label" hidden>Topic
        <select id="topic"><option value="">(none: free query)</option></select>
      </label>
      <label class="query-label">Query
        <input id="query" type="search" autocomplete="off" placeholder="Search both pipelines (press / to focus)">
      </label>
      <label>Hits
        <input id="k" type="number" min="1" value="10">
      </label>
      <button type="submit" id="search-button">Search</button>
    </form>
    <div class="columns">
      <section class="column" id="column-a" aria-labelledby="column-a-heading"></section>
      <section class="column" id="column-b" aria-labelledby="column-b-heading"></section>
    </div>
  </section>

  <section id="view-experiment" aria-label="Experiment" hidden>
    <p class="explain">Runs pipeline A (the baseline) and pipeline B, as chosen in the search view, over every
      judged topic, and shows for each topic how much B gains (bars above the line) or loses (below) against A.
      Select a bar to open that topic.</p>
    <div class="experiment-controls">
      <label>Metric <select id="experiment-metric"></select></label>
      <button type="button" id="experiment-run">Run the experiment</button>
    </div>
    <p id="experiment-pipelines" class="pipelines"></p>
    <figure class="chart">
      <div id="experiment-chart"></div>
      <figcaption id="experiment-caption"></figcaption>
    </figure>
    <h2 class="table-heading">The table <code>quarry experiment</code> prints</h2>
    <pre id="experiment-table" class="experiment-table"></pre>
  </section>

  <section id="view-doc" aria-label="Document" hidden>
    <p><a href="/" id="doc-back">← Back to the search</a></p>
    <article class="doc">
      <h2 id="doc-title"></h2>
      <p id="doc-meta" class="doc-meta"></p>
      <div id="doc-text" class="doc-text"></div>
    </article>
  </section>
</main>
</body>
</html>
"""#
}
