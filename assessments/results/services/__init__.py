"""Writes of results, one module per purpose: `imports` (a file of results),
`rows` (pupil rows and their writing), `batches` (background import batches),
`scale_import` (mark boundaries)."""
