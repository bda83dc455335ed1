"""The address policy: https only, public addresses only, unless WEBHOOKS_ALLOW_PRIVATE."""

from __future__ import annotations

import pytest

from service.errors import InvalidInput
from service.webhooks.urls import check_url, range_name

PUBLIC = {"appraisal.example.nhs.uk": ["93.184.216.34"]}


def fake_dns(names):
    def resolve(host, port):
        if host in names:
            return names[host]
        try:  # a literal address is its own answer, as getaddrinfo gives it
            range_name(host)
            return [host]
        except ValueError:
            raise OSError("no such name") from None
    return resolve


def refused(url, names=PUBLIC, allow=False):
    with pytest.raises(InvalidInput) as caught:
        check_url(url, allow_private=allow, resolver=fake_dns(names))
    return str(caught.value)


def test_a_public_https_address_is_accepted(app):
    target = check_url("https://appraisal.example.nhs.uk/hooks?x=1", allow_private=False,
                       resolver=fake_dns(PUBLIC))
    assert (target.host, target.port, target.target, target.addresses) == (
        "appraisal.example.nhs.uk", 443, "/hooks?x=1", ("93.184.216.34",))


def test_plain_http_is_refused_with_the_fix(app):
    message = refused("http://appraisal.example.nhs.uk/hooks")
    assert "must start https://" in message


@pytest.mark.parametrize(("url", "kind"), [
    ("https://127.0.0.1/hooks", "loopback"),
    ("https://10.1.2.3/hooks", "private"),
    ("https://192.168.0.9/hooks", "private"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://[::1]/hooks", "loopback"),
    ("https://[::ffff:10.0.0.1]/hooks", "private"),
    ("https://0.0.0.0/hooks", "unspecified"),
])
def test_non_public_addresses_are_refused(app, url, kind):
    message = refused(url)
    assert f"not on the internet ({kind})" in message and "WEBHOOKS_ALLOW_PRIVATE" in message


def test_a_name_resolving_to_a_private_address_is_refused(app):
    names = {"intranet.example.org": ["93.184.216.34", "10.20.30.40"]}
    message = refused("https://intranet.example.org/hooks", names)
    assert ("intranet.example.org is at 10.20.30.40, which is not on the internet (private)"
            in message)


def test_localhost_by_name_is_refused(app):
    message = refused("https://localhost/hooks", names={})  # the machine's own resolver
    assert "loopback" in message or "cannot be found" in message
    with pytest.raises(InvalidInput, match="loopback"):
        check_url("https://localhost/hooks", allow_private=False)


@pytest.mark.parametrize("url", ["", "appraisal.example.nhs.uk", "ftp://x.example/",
                                 "https://", "https://x.example:99999/", "https://" + "a" * 2000])
def test_addresses_that_are_not_urls_are_refused(app, url):
    assert "full address" in refused(url)


def test_credentials_in_the_address_are_refused(app):
    assert "user name and password" in refused("https://u:p@appraisal.example.nhs.uk/")


def test_an_unknown_host_is_named(app):
    assert "nowhere.example cannot be found" in refused("https://nowhere.example/")


def test_the_setting_allows_loopback_and_http(app):
    target = check_url("http://127.0.0.1:8080/h", allow_private=True)
    assert (target.scheme, target.addresses, target.port) == ("http", ("127.0.0.1",), 8080)
