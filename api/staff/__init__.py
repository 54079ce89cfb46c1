"""Staff side: accounts, login, roles, CSRF, the audit log and the page layout."""
