"""Results of assessment procedures: procedures, tasks, scales, imports and results."""
