"""Publication: the public editions of a release, their withdrawal and unpublishing."""
