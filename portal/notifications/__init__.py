"""Notifications: alerts shown in the portal to one user, the recipients of a contract's alerts, and the
mail outbox that delivers them. Every domain may notify; this package knows no domain above contracts."""
