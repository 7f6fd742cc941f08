"""
Replies to you at community size: the inbox page and the header's unread
count of the person most replied to.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from community.models import Comment, InboxMark

from .harness import Bench


def run(bench: Bench) -> None:
    busiest = (
        Comment.objects.visible()
        .exclude(reply_to_user=None)
        .values("reply_to_user")
        .annotate(replies=Count("id"))
        .order_by("-replies")
        .first()
    )
    if busiest is None:
        bench.say("   no replies in the data: the inbox is not measured")
        return
    user = get_user_model().objects.get(pk=busiest["reply_to_user"])
    # Every reply unread, as for someone who never opened the inbox: the
    # count reads them all (the page then marks them read).
    InboxMark.objects.filter(user=user).delete()
    client = bench.signed_in_client(user)
    note = f"{user.username}, {busiest['replies']:,} replies"
    try:
        count = bench.measure_page(
            "Inbox, the header's unread count",
            reverse("community:inbox_unread"),
            client=client,
            note=f"{note}, all unread",
        )
        page = bench.measure_page("Inbox, first page", reverse("community:inbox"), client=client, note=note)
    finally:
        bench.sign_out(client)
    bench.figures["inbox"] = {"page": page, "count": count}
