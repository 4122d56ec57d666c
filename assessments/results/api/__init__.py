"""REST endpoints of results: `views` (the viewsets and `register`), `serializers`,
`filters` (with the keyset pages of the results list)."""
