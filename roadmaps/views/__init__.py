"""Roadmap pages, one module per object served (roadmaps/urls.py names them all):

base       the permission refusal and the answer to a POST
roadmap    list, search, create, the roadmap, its header form, history, export
workflow   approve, in force, close, revision, cascade, school roadmap start
importing  a roadmap imported from a document
section    sections
measure    measures and indicators, the deadline preview
report     assignments, progress reports, evidence, the proof pack
editor     the table editor and its JSON endpoints
"""
