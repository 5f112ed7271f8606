"""Who may write and send newsletters: GME staff and co-leads
(`newsletters.send_newsletters`). Every approved member reads the archive of
newsletters sent to them."""

SEND = "newsletters.send_newsletters"


def can_send(user) -> bool:
    return user.has_perm(SEND)
