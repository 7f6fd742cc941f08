"""What a like button shows: a target's like count and whether the reader likes it."""

from ..models import Comment, like_annotations


def like_state(*, model, target_id: int, viewer):
    """
    The post or comment `target_id` with `like_count` and `liked` (by
    `viewer`), read after a like or unlike so the button shows what is
    stored, whatever other requests did meanwhile. One query.
    """
    fields = ["id", "author_id", "post_id"] if model is Comment else ["id", "author_id"]
    queryset = model.objects.filter(pk=target_id).only(*fields)
    return like_annotations(queryset, model=model, viewer=viewer).get()
