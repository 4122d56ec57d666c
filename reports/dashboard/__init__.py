"""The home page: one block per membership, showing what needs the user now.

It reads roadmaps, assessment results, objectivity checks and documents, so it
lives in the topmost app; `blocks` builds the blocks, `views` renders them.
"""
