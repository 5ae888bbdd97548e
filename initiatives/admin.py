# Initiatives are content: they are not in the Django admin, because admins manage accounts and
# vocabularies, not what partners share (DESIGN.md, "The access policy").
