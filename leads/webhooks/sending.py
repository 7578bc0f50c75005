"""The HTTP POST of a delivery, to the address its target was checked at: the URL carries the address,
the Host header the name, and for https the name is also the TLS server name (SNI) and the name the
certificate must match."""

import requests
from requests.adapters import HTTPAdapter

from leads.webhooks.targets import Target

ERROR_BODY_BYTES = 200  # of a failing answer, kept in last_error; the rest is never read


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to the URL's address (the checked one) but speaks TLS to, and checks the certificate
    of, `server_hostname`."""

    def __init__(self, server_hostname: str):
        self.server_hostname = server_hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        # urllib3 drops these for plain http pools.
        pool_kwargs["server_hostname"] = self.server_hostname
        pool_kwargs["assert_hostname"] = self.server_hostname
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)


def post_to_target(
    *, target: Target, body: bytes, headers: dict[str, str], timeout: float, verify: bool | str = True
) -> tuple[int, str]:
    """POST `body` to the target's checked address; answer the status code and, for a non-2xx answer,
    the start of its body."""
    with requests.Session() as session:
        # No proxy from the environment: a proxy would resolve the name again itself.
        session.trust_env = False
        session.mount(f"{target.scheme}://", PinnedAddressAdapter(target.host))
        response = session.post(
            target.pinned_url,
            data=body,
            headers={**headers, "Host": target.host_header},
            timeout=timeout,
            allow_redirects=False,
            verify=verify,
            stream=True,
        )
        with response:
            if 200 <= response.status_code < 300:
                return response.status_code, ""
            start = response.raw.read(ERROR_BODY_BYTES, decode_content=True) or b""
            return response.status_code, start.decode("utf-8", "replace")
