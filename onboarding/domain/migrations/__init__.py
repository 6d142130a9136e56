"""Moving a running party to another version of its process, or to a changed policy (pure).

The plan and its effect are models of the process (process/migration_plan.py);
this package applies one to a party's state, with its obligations and checklist.
"""
