"""Stage 4, render: a computed Case -> the site's Markdown pages, the handouts' HTML and
the decks. Each module has one job; import a name from the module that defines it:

- `case`: one case rendered (`render_case`, `Rendered`), from one template context;
- `pages`: the site's page plan (`Page`, `site_pages`) and MkDocs' navigation;
- `environment`: Jinja, strict and escaping, the `|md` filter, a template rendered with
  its errors located (`render_template`);
- `chart_data`: each chart's figures taken from the case (`case_charts`), drawn by the
  `charts` package (`charts.svg` the primitives, a module per chart);
- `portfolio`: the index of every proposal in an output folder;
- `template_check`: what `check` says of a proposal's own templates;
- `sandbox` and `template_data`: a proposal's own templates run confined, on plain data;
- `formatting`, `i18n`, `markup`, `decks`, `qr`: numbers and dates, labels, inline
  Markdown, the slides, the site's address and its QR code.

Templates are found the way MkDocs' `custom_dir` works: the proposal's own `templates/`
first, then the workspace's `templates/`, then the defaults shipped with buildcase. They
are strict (a missing variable fails) and escape everything; they format, never compute.
"""
