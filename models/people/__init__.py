"""People and organisations: accounts, passwords, community groups and suppliers, memberships, and who may act for whom."""
