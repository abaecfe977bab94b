"""Roles: what a user may do beyond their own data, carried in the access token."""

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
