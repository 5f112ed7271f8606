"""Template context every page gets: the group's identity."""

from imgportal.identity import group_identity


def group(request) -> dict:
    return {"group": group_identity()}
