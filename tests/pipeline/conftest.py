"""The pipeline tests share the API's cast (a manager, a Japan rep owning bitFlyer and seeing Bybit,
a Singapore rep owning Coinhako; Kraken seen by the manager only)."""

from tests.api.conftest import cast, client_for, fast_password_hashing, fresh_throttle_budget  # noqa: F401
