"""Shared infrastructure: file reading, import problems, text matching, API
plumbing, document and chart output. It depends on Django and libraries only,
never on an app of the project (schools, roadmaps, assessments, reports) or on
config."""
