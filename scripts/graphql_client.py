"""The local GraphQL endpoint through a client nobody here wrote: `gql` (pinned), over
HTTP with the Cognito IdToken in `Authorization`, as an AppSync client calls it, and
with gql's own AppSync IAM auth (`AppSyncIAMAuthentication`: botocore's SigV4, signed
with the local credentials, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `test`/`test` by
default, for us-east-1).

Covers every query and mutation, idempotent replay and reuse, validation errors,
another user's ids, paging, a bad token and an over-deep query; for IAM, reads of any
account, refused mutations and a wrong signature. Exits non-zero on the first
failure, naming it.

usage: graphql_client.py STACK_JSON   (the running local runtime's stack file)
"""

import json
import os
import sys
import urllib.request
import uuid
from urllib.parse import urlparse

from botocore.credentials import Credentials
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import AppSyncIAMAuthentication
from gql.transport.exceptions import TransportQueryError, TransportServerError
from gql.transport.requests import RequestsHTTPTransport


def login(api, user):
    body = json.dumps({"username": user["username"], "password": user["password"]}).encode()
    request = urllib.request.Request(
        f"{api}/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["idToken"]


def client(url, token):
    transport = RequestsHTTPTransport(url=url, headers={"Authorization": token}, timeout=30)
    return Client(transport=transport, fetch_schema_from_transport=False)


def iam_client(url, secret=None):
    """A client signing with IAM (SigV4, service appsync, us-east-1), as gql signs for
    AppSync: the local credentials, or `secret` in place of theirs."""
    credentials = Credentials(
        os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        secret or os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    auth = AppSyncIAMAuthentication(
        host=urlparse(url).netloc, credentials=credentials, region_name="us-east-1"
    )
    transport = AIOHTTPTransport(url=url, auth=auth, timeout=30)
    return Client(transport=transport, fetch_schema_from_transport=False)


def error_type(call):
    """The errorType of the first GraphQL error `call` raises."""
    try:
        call()
    except TransportQueryError as error:
        return error.errors[0].get("errorType")
    raise AssertionError("expected a GraphQL error, got data")


OPEN = gql("""
mutation Open($input: OpenAccountInput!, $key: ID) {
  openAccount(input: $input, idempotencyKey: $key) { accountId name currency balance status }
}""")
PAY = gql("""
mutation Pay($key: ID!, $input: TransactionInput!) {
  requestTransaction(idempotencyKey: $key, input: $input) {
    replayed
    transaction { transactionId accountId type amount status idempotencyKey }
  }
}""")
ACCOUNTS = gql("""
query Accounts($limit: Int, $next: String) {
  accounts(limit: $limit, nextToken: $next) {
    items { accountId name transactions(limit: 5) { items { transactionId amount } } }
    nextToken
  }
}""")
ACCOUNT = gql("query One($id: ID!) { account(accountId: $id) { accountId balance status } }")
HISTORY = gql("""
query History($account: ID, $limit: Int, $next: String) {
  transactions(accountId: $account, limit: $limit, nextToken: $next) {
    items { transactionId amount type status } nextToken
  }
}""")
TRANSACTION = gql("query Tx($id: ID!) { transaction(transactionId: $id) { transactionId amount status } }")


def main(stack_file):
    with open(stack_file, encoding="utf-8") as f:
        stack = json.load(f)
    url, api = stack["graphqlUrl"], stack["apiUrl"]
    alice = client(url, login(api, stack["demoUser"]))
    operator = client(url, login(api, stack["adminUser"]))

    # openAccount: a retry with the same key opens nothing new; another input is refused.
    key = str(uuid.uuid4())
    first = alice.execute(OPEN, variable_values={"input": {"name": "gql savings"}, "key": key})
    again = alice.execute(OPEN, variable_values={"input": {"name": "gql savings"}, "key": key})
    assert again == first, (first, again)
    account = first["openAccount"]["accountId"]
    assert first["openAccount"]["balance"] == "0.00", first
    assert error_type(lambda: alice.execute(
        OPEN, variable_values={"input": {"name": "other"}, "key": key})) == "IDEMPOTENCY_KEY_REUSED"

    # requestTransaction: replayed with the same key, refused with another input.
    pay = {"accountId": account, "type": "DEPOSIT", "amount": "42.10", "description": "gql"}
    key = str(uuid.uuid4())
    paid = alice.execute(PAY, variable_values={"key": key, "input": pay})["requestTransaction"]
    assert paid["replayed"] is False and paid["transaction"]["status"] == "PENDING", paid
    replay = alice.execute(PAY, variable_values={"key": key, "input": pay})["requestTransaction"]
    assert replay["replayed"] is True and replay["transaction"] == paid["transaction"], replay
    other = dict(pay, amount="1.00")
    assert error_type(lambda: alice.execute(
        PAY, variable_values={"key": key, "input": other})) == "IDEMPOTENCY_KEY_REUSED"
    for bad in ({"amount": "1.001"}, {"amount": "-5"}, {"type": "TRANSFER"}):
        assert error_type(lambda: alice.execute(PAY, variable_values={
            "key": str(uuid.uuid4()), "input": dict(pay, **bad)})) == "VALIDATION_ERROR", bad

    # Reads: the account, its transactions, the transaction, all of the caller's.
    one = alice.execute(ACCOUNT, variable_values={"id": account})["account"]
    assert one["accountId"] == account and one["status"] == "OPEN", one
    history = alice.execute(HISTORY, variable_values={"account": account})["transactions"]
    assert [t["amount"] for t in history["items"]] == ["42.10"], history
    mine = alice.execute(HISTORY, variable_values={"limit": 100})["transactions"]["items"]
    assert paid["transaction"]["transactionId"] in [t["transactionId"] for t in mine], mine
    tx = alice.execute(TRANSACTION, variable_values={"id": paid["transaction"]["transactionId"]})
    assert tx["transaction"]["amount"] == "42.10", tx

    # Paging: one account a page until the end, every account once.
    seen, token = [], None
    while True:
        page = alice.execute(ACCOUNTS, variable_values={"limit": 1, "next": token})["accounts"]
        seen += [a["accountId"] for a in page["items"]]
        token = page["nextToken"]
        if not token:
            break
    assert account in seen and len(seen) == len(set(seen)) >= 2, seen
    listed = alice.execute(ACCOUNTS, variable_values={"limit": 100})["accounts"]["items"]
    nested = next(a for a in listed if a["accountId"] == account)
    assert [t["amount"] for t in nested["transactions"]["items"]] == ["42.10"], nested
    assert error_type(lambda: alice.execute(
        ACCOUNTS, variable_values={"limit": 1, "next": "garbage"})) == "INVALID_NEXT_TOKEN"

    # Another user's ids answer exactly like unknown ones.
    theirs = operator.execute(OPEN, variable_values={"input": {"name": "operator"}})
    theirs = theirs["openAccount"]["accountId"]
    for query, variables in ((ACCOUNT, {"id": theirs}), (HISTORY, {"account": theirs})):
        assert error_type(lambda: alice.execute(query, variable_values=variables)) == "NOT_FOUND"
    foreign = error_messages(alice, ACCOUNT, {"id": theirs})
    unknown = error_messages(alice, ACCOUNT, {"id": str(uuid.uuid4())})
    assert foreign == unknown, (foreign, unknown)

    # A document the schema refuses, and one deeper than the API's depth limit.
    assert error_type(lambda: alice.execute(gql("{ accounts { items { nope } } }"))) == "ValidationError"
    deep = gql("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }")
    assert error_type(lambda: alice.execute(deep)) == "ValidationError"

    # A bad token: AppSync's 401 (UnauthorizedException) before anything runs.
    stranger = client(url, "not-a-token")
    try:
        stranger.execute(ACCOUNT, variable_values={"id": account})
        raise AssertionError("a bad token was accepted")
    except TransportQueryError as error:
        assert error.errors[0].get("errorType") == "UnauthorizedException", error.errors
    except TransportServerError as error:
        assert error.code == 401, error

    iam_cases(url, account, paid["transaction"]["transactionId"])
    print("graphql client: every query and mutation answered as AppSync answers")


def iam_cases(url, account, transaction):
    """IAM reads any account as an operator, owns nothing and changes nothing; a wrong
    signature is refused before anything runs."""
    iam = iam_client(url)
    one = iam.execute(ACCOUNT, variable_values={"id": account})["account"]
    assert one["accountId"] == account, one
    history = iam.execute(HISTORY, variable_values={"account": account})["transactions"]
    assert [t["amount"] for t in history["items"]] == ["42.10"], history
    tx = iam.execute(TRANSACTION, variable_values={"id": transaction})["transaction"]
    assert tx["amount"] == "42.10", tx
    own = iam.execute(ACCOUNTS, variable_values={"limit": 5})["accounts"]
    assert own == {"items": [], "nextToken": None}, own
    try:
        iam.execute(OPEN, variable_values={"input": {"name": "ops"}})
        raise AssertionError("an IAM mutation was answered")
    except TransportQueryError as error:
        assert error.data is None, error.data
        first = error.errors[0]
        assert first.get("errorType") == "Unauthorized", error.errors
        assert first.get("message") == "Not Authorized to access openAccount on type Mutation", first
    forged = iam_client(url, secret="not-the-secret")
    try:
        forged.execute(ACCOUNT, variable_values={"id": account})
        raise AssertionError("a wrong signature was accepted")
    except TransportQueryError as error:
        assert error.errors[0].get("errorType") == "InvalidSignatureException", error.errors
    except TransportServerError as error:
        assert error.code == 403, error


def error_messages(c, query, variables):
    try:
        c.execute(query, variable_values=variables)
    except TransportQueryError as error:
        return [(e.get("errorType"), e.get("message"), e.get("path")) for e in error.errors]
    raise AssertionError("expected a GraphQL error")


if __name__ == "__main__":
    main(sys.argv[1])
