"""Reads of roadmaps, always through the scoping rule, with their joins done once.

One module per object read; import a function from the module that owns it:

    period      plan and reporting periods
    roadmap     roadmaps, their outline, revisions and history lines
    measure     sections, measures, indicators
    assignment  assignments, the assignee's own and the overdue
    report      progress reports, evidence, the reviewer's queue
    execution   execution, reporting rate, cascade status (the figures)
"""
