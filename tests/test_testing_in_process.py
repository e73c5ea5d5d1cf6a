"""``Sandbox.in_process()``: the same sandbox from a thread of the test's own process."""

from __future__ import annotations

import threading

from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.Status import Status

from appstore_sandbox.notification_receiver import NotificationReceiver
from appstore_sandbox.testing import Sandbox


def test_an_in_process_sandbox_answers_apples_client_and_signs_what_the_verifier_accepts() -> None:
    with Sandbox.in_process(rate_limits="off") as sbx:
        assert sbx.pid is None
        assert any(thread.name == "appstore-sandbox" for thread in threading.enumerate())
        statuses = sbx.client().get_all_subscription_statuses(sbx.original_transaction_id)
        [group] = statuses.data or []
        [item] = group.lastTransactions or []
        assert item.status == Status.ACTIVE
        transaction = sbx.verifier().verify_and_decode_signed_transaction(
            item.signedTransactionInfo or ""
        )
        assert transaction.originalTransactionId == sbx.original_transaction_id
        with NotificationReceiver(sbx.verifier()) as receiver:
            sbx.set_notification_url(receiver.url)
            sbx.trigger("cancel")
            cancelled = receiver.wait_for(NotificationTypeV2.DID_CHANGE_RENEWAL_STATUS)
        assert cancelled.data is not None and cancelled.data.bundleId == sbx.default_key.bundle_id
    assert not any(thread.name == "appstore-sandbox" for thread in threading.enumerate())
