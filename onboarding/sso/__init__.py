"""Single sign-on for people (OpenID Connect): the provider's client and the role mapping.

`provider.py` talks to the identity provider through Authlib (discovery, the
authorization code flow with PKCE, the ID token's signature and claims against
the provider's JWKS, sign-out at the provider); `roles.py` turns a verified ID
token's claims into who the person is here (a role, a scope, a name for the
audit log). The pages (onboarding/web/pages/sso.py) use both; tokens for
machines stay as they are (onboarding/store/tokens.py).
"""
