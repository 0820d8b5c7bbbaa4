"""The staff review console: server-rendered pages under /console for collectors, QA and admins.

Sign-in with roles (`auth`, `users`), conversation review (`transcript`),
the hand-off queue, the dashboard (`dashboard`, `charts`) and QA evaluation runs
(`qa`). The routers in `settle.console.routers` wire them to FastAPI; the
templates live in `settle/api/templates/console/`.
"""
