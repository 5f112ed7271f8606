"""Who may post openings: GME staff, co-leads and anyone given the permission."""

POST_OPENINGS = "leadership.post_openings"


def can_post(user) -> bool:
    return user.is_authenticated and user.has_perm(POST_OPENINGS)
