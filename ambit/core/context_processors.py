from django.http import HttpRequest


def membership(request: HttpRequest) -> dict[str, object]:
    m = getattr(request, "membership", None)
    # SimpleLazyObject wrapping None is truthy; unwrap to a real None for templates.
    return {"membership": m if m is not None and bool(getattr(m, "pk", None)) else None}
