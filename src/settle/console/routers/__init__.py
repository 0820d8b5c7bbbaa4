"""The console's routers, one per area; `create_app` includes every one in `ALL`."""
from settle.console.routers import conversations, dashboard, qa, queue, signin

ALL = tuple(module.router for module in (signin, conversations, queue, dashboard, qa))
