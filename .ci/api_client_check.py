"""Signs in and lists the catalogue through a client generated from /api/openapi.json.

    python3 .ci/api_client_check.py BASE_URL GENERATED_PARENT_DIR

GENERATED_PARENT_DIR holds the package `portal_client` that `openapi-python-client generate`
wrote. Fails (non-zero exit) when the generated client cannot do what an integrator does first:
POST /api/auth/login as a demo user, then GET /api/catalogue with the token it got.
"""

import sys

base, generated = sys.argv[1], sys.argv[2]
sys.path.insert(0, generated)

from portal_client import AuthenticatedClient, Client  # noqa: E402
from portal_client.api.auth import post_auth_login  # noqa: E402
from portal_client.api.stock import get_catalogue  # noqa: E402
from portal_client.models import CataloguePage, LoginRequest, LoginResponse  # noqa: E402

anonymous = Client(base_url=base, raise_on_unexpected_status=True)
signed_in = post_auth_login.sync(
    client=anonymous,
    body=LoginRequest(email="site_user@demo.test", password="demo-password"),
)
if not isinstance(signed_in, LoginResponse):
    sys.exit(f"sign-in answered {signed_in!r}, not a LoginResponse")
print(f"signed in as {signed_in.user.email} ({signed_in.role.value})")

client = AuthenticatedClient(base_url=base, token=signed_in.token, raise_on_unexpected_status=True)
page = get_catalogue.sync(client=client, in_stock=True, sort="name")
if not isinstance(page, CataloguePage):
    sys.exit(f"the catalogue answered {page!r}, not a CataloguePage")
if page.total < 1 or not page.items:
    sys.exit(f"the demo catalogue came back empty: total {page.total}")
first = page.items[0]
print(f"catalogue: {page.total} listings, page {page.page}; first: {first.to_dict()}")
