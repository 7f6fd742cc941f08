"""Preview: Markdown rendered as a post or comment would show it, before it is saved."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from ..forms import PreviewForm
from ..ratelimit import rate_limited
from .base import login_required_response


@require_POST
@rate_limited("edit")
def preview(request):
    """
    The preview fragment of `content` (htmx swaps it under the form it
    came from), under the same content rules as saving: 400 with the
    reason for text that could not be saved. Counted against the "edit"
    write limit: each preview is a rendering done for one writer.
    """
    if not request.user.is_authenticated:
        return login_required_response(request)
    form = PreviewForm(request.POST)
    if form.is_valid():
        context = {"preview": form.cleaned_data["content"]}
        return render(request, "community/partials/preview.html", context)
    context = {"preview_errors": form.errors["content"]}
    return render(request, "community/partials/preview.html", context, status=400)
