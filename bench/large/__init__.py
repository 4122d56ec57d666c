"""The parts of bench/bench_large_tables.py: the shared settings (`common`), the
generated country (`build`), the measured operations of today's code (`measure`),
the prototype of the partitioned schema (`prototype`) and the report (`report`)."""
