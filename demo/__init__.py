"""The demo world: `manage.py seed_demo`, assembled above every domain app.

It imports examens, scheduling, grading and certificates with plain imports and
none of them imports it (see the layers contract in pyproject.toml).
"""
