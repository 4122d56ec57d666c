"""Writes to roadmaps: atomic, permission-checked, recorded in the change history.

One module per object served; import a function from the module that owns it:

    base        permission and closed-roadmap checks, history lines, locks, stale edits
    matching    a measure's text read: deadline schedule, responsible parties, document kind
    roadmap     create, edit the header, approve, put in force, close
    revision    snapshots with a reason, and the difference between two
    section     sections: create, edit, move, delete
    measure     measures and indicators: create, edit, move, paste, reorder, delete
    cascade     the municipal roadmap's requirement to schools, school roadmaps from it
    assignment  who is given each measure of an approved roadmap
    evidence    evidence files, the proof pack
    report      progress reports: submit, accept, return
    importing   a roadmap read from a document written as a new roadmap

Every function takes keyword arguments only. `by` is the acting user; it may be
None only for system work (the import command, the demo), which skips the
permission check. Business rules that refuse a change raise
django.core.exceptions.ValidationError with a Russian message;
a missing permission raises PermissionDenied.
"""
