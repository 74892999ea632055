"""Running without downtime (#20, first half): the server's background worker and its jobs.

DuckDB lets one process write a database file, and the running app is that process. So the
server does what used to need the app stopped:

- ``runtime``: the one :class:`~lagebild.store.Store` of the server process (the pages and
  the worker share it) and the server's heartbeat file that the command line reads;
- ``worker``: one background thread per server process running a small table of jobs;
- ``watch`` / ``deliver`` / ``receipt``: the inbox ``<db>.inbox/<Stadt>/<Organisation>/``,
  files imported through :func:`lagebild.ingest.importer.import_file`, moved to ``erledigt/`` or
  ``abgelehnt/`` with a receipt;
- ``backup``: scheduled and on-demand backups taken inside the server, each verified by a
  restore into a temporary file;
- ``cli``: ``lagebild ingest`` through the inbox and the German "the server holds the file"
  message for the other commands.

See docs/operations.md.
"""
