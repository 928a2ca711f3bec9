"""In the SignIn stack: the sign-in service (API, function, tables, firewall) and the roles of
the sign-in communities it signs researchers in to."""
