"""Dependencies injected into the routers: services, staff auth, borrower auth."""
from __future__ import annotations

import secrets

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from settle.services import Services

bearer = HTTPBearer(auto_error=False)


def get_services(request: Request) -> Services:
    return request.app.state.services


def bearer_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
    if credentials is None or not credentials.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def require_staff(token: str = Depends(bearer_token), services: Services = Depends(get_services)) -> str:
    """Staff endpoints: the admin token only; a borrower's conversation token never opens them."""
    expected = services.settings.admin_token
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid staff token", headers={"WWW-Authenticate": "Bearer"})
    return "admin"
