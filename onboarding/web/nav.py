"""The pages in the header's navigation, each with the role it needs.

A new page group (waves, the audit log) adds its route module to
`onboarding.web.pages.PAGE_MODULES` and an entry here.
"""

from dataclasses import dataclass

from onboarding.store.tokens import Role


@dataclass(frozen=True)
class NavItem:
    """A navigation link: its path, its catalog key and who sees it."""

    path: str
    label_key: str
    role: Role


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("/", "nav.dashboard", Role.VIEWER),
    NavItem("/parties", "nav.parties", Role.VIEWER),
    NavItem("/waves", "nav.waves", Role.VIEWER),
    NavItem("/processes", "nav.processes", Role.VIEWER),
    NavItem("/admin/users", "nav.users", Role.ADMIN),
    NavItem("/admin/notifications", "nav.outbox", Role.ADMIN),
    NavItem("/admin/audit", "nav.audit", Role.ADMIN),
)


def nav_items() -> tuple[NavItem, ...]:
    """Every navigation entry, in header order."""
    return NAV_ITEMS
