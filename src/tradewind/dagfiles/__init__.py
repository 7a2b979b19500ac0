"""DAG files: finding them, importing them safely, and recording what they define.

- :func:`tradewind.dagfiles.sync.sync_dag_folder` - parse changed files, update the database.
- :func:`tradewind.dagfiles.loader.load_dags_from_file` - import one file here (task runner).
- :mod:`tradewind.dagfiles.serialization` - the JSON form everything else reads.
"""
