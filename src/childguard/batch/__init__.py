"""Backfill: scanning what is already stored, at scale, on Dask.

``sources`` lists local paths and fsspec URLs once per run; ``manifest`` records each finished
batch so that ``--resume`` scans nothing twice and misses nothing; ``worker`` is what runs inside
Dask workers (one scanning runtime per worker process, opened once); ``run`` drives a run from
the client; ``cluster`` opens a ``LocalCluster`` or connects to an existing scheduler;
``case_seam`` turns a file's result into a case candidate for the cases service.
"""
