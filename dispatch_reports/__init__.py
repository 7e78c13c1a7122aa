"""三率报表 (按时办结率 / 解决率 / 满意率) of the dispatch backend, and a demo-data seeder.

* :mod:`dispatch_reports.periods` — the report period and its ISO weeks;
* :mod:`dispatch_reports.model` — rates with the counts behind them;
* :mod:`dispatch_reports.collect` — reads ``/metrics.json`` (whole period and per week);
* :mod:`dispatch_reports.table` — the printed table;
* :mod:`dispatch_reports.chart` — the weekly trend PNG (matplotlib, Agg);
* :mod:`dispatch_reports.fonts` — picking an installed CJK font;
* :mod:`dispatch_reports.seed` and :mod:`dispatch_reports.demo_texts` — ``rexian report seed-demo``;
* :mod:`dispatch_reports.cli` — the ``rexian report`` command group.
"""
