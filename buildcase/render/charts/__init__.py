"""Charts as small static SVG, the same in the site and in the handout.

`svg` holds the primitives every chart is drawn with (elements, text and its width, the
shared sizes and colours, wrapping, round steps); each chart has its own module: `bars`
(the survey and the cost against doing nothing), `risk`, `payback`, `impact_map` and
`timeline`. The render stage's `chart_data` hands each its figures.

Why our own package rather than a plotting library: the charts are bars, whiskers, bubbles
and one line; matplotlib would add tens of megabytes and half a second of import to every
build, and writes its text as paths that neither a screen reader nor a PDF text search can
read. These charts keep real text, use only what WeasyPrint draws well (flat fills,
presentation attributes, `font-family`/`font-size`, never the `font:` shorthand), draw
text in `currentColor` so the site's dark palette keeps them legible, and carry a `<title>`
and `<desc>` as their text alternative.

Size: every chart is `width="100%"` of its column with a `viewBox` `WIDTH` (480) units
wide and no height of its own (the height follows from the viewBox), so its text scales
with the width it is given: text `s` units tall shows at `s * rendered_width / WIDTH` px.
Every text is `SMALL` = `TEXT` = 14 units (values and titles bold), so at 480 CSS px wide
(127 mm) the smallest text is 14 px (10.5 pt). In print, 7 pt (9.33 px) needs at least
`WIDTH * 9.33 / 14` = 320 px = 84.7 mm of width, 8 pt 96.8 mm: `width_for(points)` gives
it in CSS px. On the site, a column of 640-1000 px shows the text at 18.7-29 px.
The one exception is the impact map, `MAP_WIDTH` (800) units wide: four columns of words
need the room. Its smallest text is 14 px at 800 CSS px wide (the site shows it up to
48 rem), and in the handout, 148 mm wide, it prints at 14 x 148 / 800 mm = 7.3 pt.

Honest scales: A bubble's *area* is proportional to its value (no floor on the radius:
a bubble too small to hold its number has the number beside it); percentages sit on a
0-100% axis that is drawn; every axis has a title; a one-off amount and yearly amounts say
which each is; the payback line ends at the net value the table beside it gives.

Not in the search index: The `<svg>` carries `data-search-exclude`, which Material for
MkDocs' search plugin honours on any element of a page's HTML (raw HTML needs no
`attr_list`): tick labels would otherwise reach the index as one mashed word.

Text never breaks inside a value ("65% ± 1.7 pts"): lines are wrapped at spaces by an
estimate of Inter's widths that errs wide, with the values kept whole.

Charts belong to the render stage: they lay out figures that compute has produced.
"""
